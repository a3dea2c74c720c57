use ai_routes::prelude::*;
#[generation(model = "Nova Micro", top_p = 2.0)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

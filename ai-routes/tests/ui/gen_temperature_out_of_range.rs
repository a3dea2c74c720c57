use ai_routes::prelude::*;
#[generation(model = "Nova Micro", temperature = 1.5)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

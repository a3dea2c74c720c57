use ai_routes::prelude::*;
#[generation(model = "Nova Micro", max_token = 100)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

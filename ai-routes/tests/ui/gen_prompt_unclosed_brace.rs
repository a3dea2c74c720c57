use ai_routes::prelude::*;
#[generation(model = "Nova Micro", prompt = "Summarize {text")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
#[generation(model = "Nova Micro", prompt = "Summarize {txt} in {words} words")]
async fn summarize(ai: &Client, text: String, words: u32) -> Result<String>;

fn main() {}

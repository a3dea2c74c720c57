use ai_routes::prelude::*;
#[generation(model = "anthropic.claude-haiku-4-5-20251001-v1:0")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

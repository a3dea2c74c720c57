use ai_routes::prelude::*;
#[generation(model = "us.anthropic.claude-haiku-4-5-20251001-v1:0", region = "eu-west-1")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
#[generation(model = "Claude Opus 4.1", max_tokens = 0)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

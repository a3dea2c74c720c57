use ai_routes::prelude::*;
#[generation(model = "Claude Opus 4.7", temperature = 0.5)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

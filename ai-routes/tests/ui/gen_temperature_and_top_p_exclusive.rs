use ai_routes::prelude::*;
#[generation(model = "Claude Sonnet 4.5", temperature = 0.5, top_p = 0.9)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

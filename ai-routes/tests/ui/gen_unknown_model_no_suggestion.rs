use ai_routes::prelude::*;
#[generation(model = "totally-made-up")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

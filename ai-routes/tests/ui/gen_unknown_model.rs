use ai_routes::prelude::*;
#[generation(model = "Claude 3.5 Haikuu")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

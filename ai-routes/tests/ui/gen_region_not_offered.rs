use ai_routes::prelude::*;
#[generation(model = "Mistral Large 2", region = "eu-central-1")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

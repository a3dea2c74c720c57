use ai_routes::prelude::*;
#[generation(model = "Llama 3 8B Instruct")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

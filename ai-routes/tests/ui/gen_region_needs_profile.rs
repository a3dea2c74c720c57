use ai_routes::prelude::*;
#[generation(model = "Llama 3.1 70B Instruct", region = "us-east-1")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

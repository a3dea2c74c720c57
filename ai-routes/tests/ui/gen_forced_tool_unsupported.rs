use ai_routes::prelude::*;
#[generation(model = "Llama 3.1 8B Instruct", region = "us-west-2", tool_choice = "tool")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

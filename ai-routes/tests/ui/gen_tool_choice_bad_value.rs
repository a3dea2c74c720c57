use ai_routes::prelude::*;
#[generation(model = "Nova Micro", tool_choice = "forced")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

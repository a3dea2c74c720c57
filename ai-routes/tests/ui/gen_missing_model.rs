use ai_routes::prelude::*;
#[generation(system_prompt = "Be brief.")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

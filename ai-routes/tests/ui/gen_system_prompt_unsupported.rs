use ai_routes::prelude::*;
#[generation(model = "Mistral 7B Instruct", system_prompt = "Be brief.")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

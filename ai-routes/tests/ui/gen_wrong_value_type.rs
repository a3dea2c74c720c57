use ai_routes::prelude::*;
#[generation(model = "Nova Micro", max_tokens = "800", temperature = "hot")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
#[generation(model = "Nova Micro", region = "us-east-7")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

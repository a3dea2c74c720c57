use ai_routes::prelude::*;
#[generation(model = "Nova Micro", retries = 50)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
#[generation(model = "Nova Micro", model_id = "amazon.nova-micro-v1:0")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

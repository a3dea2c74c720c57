use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
async fn summarize(ai: &Client, text: String) -> String;

fn main() {}

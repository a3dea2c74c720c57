use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

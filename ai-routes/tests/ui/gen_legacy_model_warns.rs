use ai_routes::prelude::*;
#[generation(model = "Titan Text G1 - Express")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

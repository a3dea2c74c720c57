use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
async fn summarize(text: String) -> Result<String>;

fn main() {}

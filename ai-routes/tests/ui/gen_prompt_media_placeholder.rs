use ai_routes::prelude::*;
#[generation(model = "Nova Lite", prompt = "Describe {photo}")]
async fn describe(ai: &Client, photo: Image) -> Result<String>;

fn main() {}

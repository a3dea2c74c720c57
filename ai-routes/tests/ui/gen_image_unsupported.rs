use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
async fn describe(ai: &Client, photo: Image) -> Result<String>;

fn main() {}

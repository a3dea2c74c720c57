use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
async fn read(ai: &Client, contract: Document) -> Result<String>;

fn main() {}

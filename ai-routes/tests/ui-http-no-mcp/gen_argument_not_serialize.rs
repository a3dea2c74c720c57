use ai_routes::prelude::*;
struct Secret;

#[generation(model = "Nova Micro")]
async fn summarize(ai: &Client, secret: Secret) -> Result<String>;

fn main() {}

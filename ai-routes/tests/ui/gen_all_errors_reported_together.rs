use ai_routes::prelude::*;
#[generation(model = "Nova Micro", max_tokens = 0, temperature = 3.0, prompt = "{nope}", colour = "blue")]
async fn describe(ai: &Client, photo: Image, contract: Document) -> Result<String>;

fn main() {}

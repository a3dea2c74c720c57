use ai_routes::prelude::*;
#[generation(model = "Nova Micro")]
async fn summarize(ai: &Client, text: String) -> Result<String> {
    Ok(text)
}

fn main() {}

use ai_routes::prelude::*;
#[derive(serde::Deserialize)]
struct Summary {
    text: String,
}

#[generation(model = "Nova Micro")]
async fn summarize(ai: &Client, text: String) -> Result<Summary>;

fn main() {}

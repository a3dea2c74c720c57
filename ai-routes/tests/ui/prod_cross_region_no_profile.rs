use ai_routes::prelude::*;
// Nova Micro has `us`, `eu` and `apac` profiles, no `global` one.
#[generation(model = "Nova Micro", cross_region = "global")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

// Llama 3.1 70B has only a `us` profile.
#[conversation(model = "Llama 3.1 70B Instruct", cross_region = "eu", stream = false)]
struct Chat;

fn main() {}

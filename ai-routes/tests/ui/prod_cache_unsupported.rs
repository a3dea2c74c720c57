use ai_routes::prelude::*;
// Llama has no prompt caching on Bedrock.
#[generation(model = "Llama 3.1 70B Instruct", region = "us-west-2", cache = true)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

#[conversation(model = "Mistral Large", cache = true, stream = false)]
struct Chat;

// Fine: Nova and Claude 4.x cache.
#[generation(model = "Nova Lite", cache = true)]
async fn cached(ai: &Client, text: String) -> Result<String>;

fn main() {}

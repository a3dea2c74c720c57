// GPT-5.x is served only on Bedrock's OpenAI-compatible endpoint (bedrock-mantle), not
// through Converse: the catalog knows the model, so the error says so instead of
// "unknown model", by name and by profile id alike.
use ai_routes::prelude::*;
#[generation(model = "GPT-5.5")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

#[generation(model = "us.openai.gpt-5.4", region = "us-east-1")]
async fn translate(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
// The account has no access to Claude Haiku 4.5 in us-east-1 (the synced region).
#[generation(model = "Claude Haiku 4.5", cross_region = "us")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

#[conversation(model = "anthropic.claude-haiku-4-5-20251001-v1:0", region = "us-east-1", cross_region = "us")]
struct Chat;

fn main() {}

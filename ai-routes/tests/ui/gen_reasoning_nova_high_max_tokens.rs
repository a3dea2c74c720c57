use ai_routes::prelude::*;

// Nova 2 with reasoning "high" refuses a maxTokens.
#[generation(model = "Nova 2 Lite", reasoning = "high", max_tokens = 2000)]
async fn nova_high(ai: &Client, text: String) -> Result<String>;

// The settings that compile are in tests/ui-pass/reasoning_routes.rs.

fn main() {}

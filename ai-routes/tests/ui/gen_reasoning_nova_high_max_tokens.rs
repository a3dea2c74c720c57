use ai_routes::prelude::*;

// Nova 2 with reasoning "high" refuses a maxTokens.
#[generation(model = "Nova 2 Lite", reasoning = "high", max_tokens = 2000)]
async fn nova_high(ai: &Client, text: String) -> Result<String>;

// Fine: a lower effort with max_tokens, or "high" without it.
#[generation(model = "Nova 2 Lite", reasoning = "medium", max_tokens = 2000)]
async fn nova_medium(ai: &Client, text: String) -> Result<String>;
#[generation(model = "Nova 2 Lite", reasoning = "high")]
async fn nova_high_unbounded(ai: &Client, text: String) -> Result<String>;

fn main() {}

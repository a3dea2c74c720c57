use ai_routes::prelude::*;

// Claude Sonnet 5 thinks by default; Bedrock refuses a forced tool while it thinks.
#[generation(model = "Claude Sonnet 5", tool_choice = "tool")]
async fn default_thinking(ai: &Client, text: String) -> Result<String>;

// Thinking asked for on Claude Sonnet 4.5.
#[generation(model = "Claude Sonnet 4.5", reasoning = "high", tool_choice = "any")]
async fn asked_thinking(ai: &Client, text: String) -> Result<String>;

// Fine: thinking off, the tool can be forced.
#[generation(model = "Claude Sonnet 5", reasoning = "off", tool_choice = "tool")]
async fn thinking_off(ai: &Client, text: String) -> Result<String>;

fn main() {}

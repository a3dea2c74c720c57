use ai_routes::prelude::*;
#[generation(model = "Nova Micro", guardrail = "my-guardrail", timeout_ms = 0)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

#[conversation(model = "Nova Micro", guardrail = "gr-1:latest", turn_timeout_ms = -5, timeout_ms = 100)]
struct Chat;

fn main() {}

use ai_routes::prelude::*;

// Reasoning settings that compile (their refusals are in tests/ui/gen_reasoning_*.rs).

// Thinking off: the tool can be forced.
#[generation(model = "Claude Sonnet 5", reasoning = "off", tool_choice = "tool")]
async fn thinking_off(ai: &Client, text: String) -> Result<String>;

// Nova 2: a lower effort with max_tokens, or "high" without it.
#[generation(model = "Nova 2 Lite", reasoning = "medium", max_tokens = 2000)]
async fn nova_medium(ai: &Client, text: String) -> Result<String>;
#[generation(model = "Nova 2 Lite", reasoning = "high")]
async fn nova_high_unbounded(ai: &Client, text: String) -> Result<String>;

// Temperature 1 while thinking; any temperature without thinking.
#[generation(model = "Claude Sonnet 4.5", reasoning = "low", temperature = 1.0)]
async fn temperature_one(ai: &Client, text: String) -> Result<String>;
#[generation(model = "Claude Sonnet 4.5", temperature = 0.2)]
async fn not_thinking(ai: &Client, text: String) -> Result<String>;

// An effort's budget (16384 for "high") with room for the answer (8192) under max_tokens.
#[generation(model = "Claude Sonnet 4.5", reasoning = "high", max_tokens = 24576)]
async fn high_with_room(ai: &Client, text: String) -> Result<String>;

// "max" on Claude Opus 4.1 (32000 output tokens): the budget is capped to leave the answer
// room; no max_tokens needed.
#[generation(model = "Claude Opus 4.1", cross_region = "us", reasoning = "max")]
async fn opus_4_max(ai: &Client, text: String) -> Result<String>;

fn main() {}

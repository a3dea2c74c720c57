use ai_routes::prelude::*;

// Below Claude's minimum budget of 1024 tokens.
#[generation(model = "Claude Sonnet 4.5", reasoning_budget = 512)]
async fn below_minimum(ai: &Client, text: String) -> Result<String>;

// The budget must be below max_tokens (which covers thinking and answer).
#[generation(model = "Claude Sonnet 4.5", reasoning_budget = 4096, max_tokens = 4096)]
async fn not_below_max_tokens(ai: &Client, text: String) -> Result<String>;

// Claude Sonnet 5 takes an effort, not a budget.
#[generation(model = "Claude Sonnet 5", reasoning_budget = 4096)]
async fn budget_on_adaptive(ai: &Client, text: String) -> Result<String>;

// Qwen3 takes "low" or "high".
#[conversation(model = "Qwen3 32B (dense)", reasoning = "medium")]
struct QwenMedium;

// One or the other, and a known word.
#[generation(model = "Claude Sonnet 4.5", reasoning = "high", reasoning_budget = 2048)]
async fn both(ai: &Client, text: String) -> Result<String>;
#[generation(model = "Claude Sonnet 4.5", reasoning = "extreme")]
async fn unknown_word(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;

// While Claude thinks, temperature may only be 1 ...
#[generation(model = "Claude Sonnet 4.5", reasoning = "high", temperature = 0.5)]
async fn temperature(ai: &Client, text: String) -> Result<String>;

// ... and top_p 0.95 or more.
#[generation(model = "Claude Sonnet 4.5", reasoning_budget = 2048, top_p = 0.5)]
async fn top_p(ai: &Client, text: String) -> Result<String>;

// Claude Sonnet 5 takes no temperature at all.
#[conversation(model = "Claude Sonnet 5", temperature = 0.2)]
struct Sonnet5Temperature;

// Fine: temperature 1 while thinking; any temperature without thinking.
#[generation(model = "Claude Sonnet 4.5", reasoning = "low", temperature = 1.0)]
async fn temperature_one(ai: &Client, text: String) -> Result<String>;
#[generation(model = "Claude Sonnet 4.5", temperature = 0.2)]
async fn not_thinking(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
// Claude Opus 4.1 caches for 5 minutes only; the 1-hour TTL came with Claude 4.5.
#[generation(model = "Claude Opus 4.1", cross_region = "us", system_prompt = "You summarize.", cache = "1h")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

// Not a TTL Bedrock has.
#[conversation(model = "Claude Sonnet 4.5", cache = "2h")]
struct LongCache;

// No Claude model is offered in the flex tier.
#[generation(model = "Claude Sonnet 4.5", service_tier = "flex")]
async fn cheap_claude(ai: &Client, text: String) -> Result<String>;

// A misspelt tier.
#[conversation(model = "Nova Pro", service_tier = "priorty")]
struct FastChat;

// Compiles, with a warning: Claude Haiku 4.5 caches prefixes of 4,096 tokens or more, and
// a generation's arguments are not cached, so this short system prompt's checkpoint is
// placed only if the output schema makes up the difference.
#[generation(model = "Claude Haiku 4.5", system_prompt = "You count words.", cache = true)]
async fn count(ai: &Client, text: String) -> Result<u32>;

// Fine: a 1-hour cache on Claude Sonnet 4.5, Nova Pro in the flex and priority tiers.
#[conversation(model = "Claude Sonnet 4.5", cache = "1h")]
struct Support;
#[generation(model = "Nova Pro", service_tier = "flex")]
async fn overnight(ai: &Client, text: String) -> Result<String>;
#[conversation(model = "Nova Pro", service_tier = "priority")]
struct Priority;

fn main() {}

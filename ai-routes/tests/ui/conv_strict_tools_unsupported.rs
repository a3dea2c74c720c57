// `strict_tools` is checked against the catalog: an error where the model is known (high
// confidence) to lack strict tools, a warning naming the gap where the sources do not say.
use ai_routes::prelude::*;

/// Looks up opening hours.
#[tool(strict)]
async fn opening_hours(day: String) -> String {
    day
}

/// Answers on Claude Opus 4.1.
#[conversation(model = "Claude Opus 4.1", cross_region = "us", tools = [opening_hours], strict_tools)]
struct OldClaude;

/// Answers on Nova Lite.
#[conversation(model = "Nova Lite", tools = [opening_hours], strict_tools = true)]
struct Nova;

fn main() {}

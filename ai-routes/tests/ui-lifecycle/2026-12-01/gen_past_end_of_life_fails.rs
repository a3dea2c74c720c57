// Built on 2026-12-01 (SOURCE_DATE_EPOCH): models past their end of life fail the build,
// naming the successor AWS recommends when a source names one, and current models of the
// provider otherwise.
use ai_routes::prelude::*;
#[generation(model = "Claude 3 Haiku")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

// End of life 2026-11-26 (audit row 1).
#[generation(model = "Jamba 1.5 Large")]
async fn classify(ai: &Client, text: String) -> Result<String>;

// Through a cross-region profile: the same decision.
#[conversation(model = "Claude 3.5 Haiku", cross_region = "us")]
struct Chat;

fn main() {}

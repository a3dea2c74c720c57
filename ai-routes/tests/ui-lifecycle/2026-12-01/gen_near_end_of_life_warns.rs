// Built on 2026-12-01 (SOURCE_DATE_EPOCH): Claude Opus 4.1 is legacy and reaches its end
// of life on 2027-01-08, within 60 days: the route compiles with a warning giving the date.
// (`max_tokens = 0` is the error that makes the case fail, so its output is compared.)
use ai_routes::prelude::*;
#[generation(model = "Claude Opus 4.1", cross_region = "us", max_tokens = 0)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

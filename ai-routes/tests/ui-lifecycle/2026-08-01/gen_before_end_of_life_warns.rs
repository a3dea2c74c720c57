// Built on 2026-08-01 (SOURCE_DATE_EPOCH): Claude 3 Haiku reaches its end of life on
// 2026-09-10, so the route that fails to compile on 2026-12-01 (see ../2026-12-01) only
// warns here, naming the date and the successor. (`max_tokens = 0` is the error that makes
// the case fail, so its output is compared.)
use ai_routes::prelude::*;
#[generation(model = "Claude 3 Haiku", max_tokens = 0)]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

use ai_routes::prelude::*;
// The `us` profile does not serve eu-west-1.
#[generation(model = "Claude Haiku 4.5", cross_region = "us", region = "eu-west-1")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

// A profile id whose scope contradicts `cross_region`.
#[generation(model = "eu.amazon.nova-micro-v1:0", cross_region = "us")]
async fn contradicts(ai: &Client, text: String) -> Result<String>;

fn main() {}

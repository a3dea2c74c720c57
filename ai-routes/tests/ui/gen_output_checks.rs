// `output = "native" | "tool"` is checked against the catalog: an error where the model is
// known (high confidence) to lack native structured output, a warning naming the gap where
// the sources do not say, and errors for a misspelled value and for a tool choice on the
// native strategy (which sends no tool).
use ai_routes::prelude::*;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Recipe { title: String, servings: u8, steps: Vec<String> }

#[generation(model = "Claude Opus 4.1", cross_region = "us", output = "native")]
async fn opus_41(ai: &Client, description: String) -> Result<Recipe>;

#[generation(model = "Nova Pro", output = "native")]
async fn nova(ai: &Client, description: String) -> Result<Recipe>;

#[generation(model = "Claude Sonnet 4.5", output = "json")]
async fn misspelled(ai: &Client, description: String) -> Result<Recipe>;

#[generation(model = "Claude Sonnet 4.5", output = "native", tool_choice = "tool")]
async fn both(ai: &Client, description: String) -> Result<Recipe>;

fn main() {}

use ai_routes::prelude::*;

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Recipe {
    pub title: String,
}

/// Plans a recipe.
#[generation(model = "Claude Haiku 4.5", system_prompt = "You are a chef.", max_tokens = 800, temperature = 0.2)]
pub async fn plan_recipe(ai: &Client, description: &str, servings: u8) -> ai_routes::Result<Recipe>;

#[generation(model = "us.amazon.nova-lite-v1:0", region = "us-west-2", prompt = "Describe {what}")]
async fn describe(ai: &Client, photo: Image, what: String) -> Result<Generated<String>>;

#[generation(model_id = "acme.not-in-the-catalog-v1:0", max_tokens = 50_000, temperature = 0.9)]
async fn escape_hatch(ai: &Client, text: String) -> Result<Vec<String>>;

/// A model added to the catalog after the seed (data/overrides.json), by friendly name.
#[generation(model = "GLM-5", region = "us-west-2")]
async fn classify(ai: &Client, text: String) -> Result<String>;

/// Native structured output declared on a model that has it, the tool strategy on a model
/// that refuses forced tools (auto plus an instruction), and native output on an unchecked id.
#[generation(model = "Claude Sonnet 4.5", output = "native")]
async fn native(ai: &Client, text: String) -> Result<Recipe>;

#[generation(model = "Claude Opus 5.5", cross_region = "global", output = "tool")]
async fn tool_on_opus(ai: &Client, text: String) -> Result<Recipe>;

#[generation(model_id = "acme.not-in-the-catalog-v1:0", output = "native")]
async fn unchecked_native(ai: &Client, text: String) -> Result<Recipe>;

fn main() {
    let _ = PLAN_RECIPE_ROUTE.descriptor();
    let _ = (plan_recipe, describe, escape_hatch, classify);
    let _ = (native, tool_on_opus, unchecked_native);
    assert_eq!(NATIVE_ROUTE.descriptor().output_strategy, "native");
    assert_eq!(TOOL_ON_OPUS_ROUTE.descriptor().output_strategy, "auto");
    assert_eq!(UNCHECKED_NATIVE_ROUTE.descriptor().output_strategy, "native");
}

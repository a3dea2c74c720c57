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

fn main() {
    let _ = PLAN_RECIPE_ROUTE.descriptor();
    let _ = (plan_recipe, describe, escape_hatch, classify);
}

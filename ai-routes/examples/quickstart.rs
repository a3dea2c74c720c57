//! The quick start: a generation route with a typed result.
//!
//! ```text
//! cargo run -p ai-routes --features testing --example quickstart
//! ```
//! With no AWS credentials in the environment it starts the local Bedrock stand-in
//! in-process and says so; with credentials (or `--bedrock`) it calls Amazon Bedrock.

use ai_routes::prelude::*;
use ai_routes::testing::LocalBedrock;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
struct Recipe {
    /// A short, appetizing title.
    title: String,
    servings: u8,
    ingredients: Vec<Ingredient>,
    steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Ingredient {
    name: String,
    /// Quantity in grams.
    grams: u32,
}

/// Plans a recipe from a short description.
#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You are a chef. Keep recipes short.",
    max_tokens = 1500,
    temperature = 0.2,
    prompt = "Plan {servings} servings of: {description}"
)]
async fn plan_recipe(ai: &Client, description: String, servings: u8) -> Result<Generated<Recipe>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_bedrock = std::env::args().any(|a| a == "--bedrock") || has_aws_credentials();
    let (_local, ai) = if use_bedrock {
        println!("Using Amazon Bedrock with the default AWS credentials chain.");
        (None, Client::from_env().await?)
    } else {
        let local = LocalBedrock::start().await?;
        println!(
            "No AWS credentials found: using the local Bedrock stand-in at {} (pass --bedrock to use Amazon Bedrock).",
            local.endpoint()
        );
        let ai = local.ai_client();
        (Some(local), ai)
    };

    let descriptor = PLAN_RECIPE_ROUTE.descriptor();
    println!(
        "Route `{}` on {} ({}): {}",
        descriptor.name, descriptor.model, descriptor.model_id, descriptor.doc
    );

    let generated = plan_recipe(&ai, "a quick tomato pasta".into(), 2).await?;
    let recipe = &generated.value;
    println!("\n{} (serves {})", recipe.title, recipe.servings);
    for ingredient in &recipe.ingredients {
        println!("  - {} g {}", ingredient.grams, ingredient.name);
    }
    for (n, step) in recipe.steps.iter().enumerate() {
        println!("  {}. {step}", n + 1);
    }
    println!(
        "\n{} input + {} output tokens, ${:.6}, {:?}, {} attempt(s)",
        generated.usage.input_tokens,
        generated.usage.output_tokens,
        generated.usage.cost_usd,
        generated.latency,
        generated.attempts
    );
    Ok(())
}

fn has_aws_credentials() -> bool {
    let env = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
    let shared_file = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .is_some_and(|home| home.join(".aws/credentials").exists());
    env("AWS_ACCESS_KEY_ID")
        || env("AWS_PROFILE")
        || env("AWS_WEB_IDENTITY_TOKEN_FILE")
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        || shared_file
}

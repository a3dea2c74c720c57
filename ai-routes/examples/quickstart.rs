//! The quick start: a generation route with a typed result, then a conversation route with a
//! tool, streaming, and history in SQLite (`ai-routes-quickstart.db`, kept across runs).
//!
//! ```text
//! cargo run -p ai-routes --features testing --example quickstart
//! ```
//! With no AWS credentials in the environment it starts the local Bedrock stand-in
//! in-process and says so; with credentials (or `--bedrock`) it calls Amazon Bedrock.

use ai_routes::prelude::*;
use ai_routes::store::SqliteStore;
use ai_routes::testing::LocalBedrock;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// What the tools of this app can reach.
struct AppState {
    forecasts: Vec<(&'static str, &'static str)>,
}

#[derive(Serialize)]
struct Weather {
    city: String,
    forecast: String,
}

/// Looks up the current weather for a city.
#[tool]
async fn get_weather(
    state: &AppState,
    /** City name, e.g. "Seattle" */
    city: String,
) -> Result<Weather, ToolError> {
    let forecast = state
        .forecasts
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&city))
        .map(|(_, forecast)| forecast.to_string())
        .ok_or_else(|| ToolError::new(format!("no forecast for {city}")))?;
    Ok(Weather { city, forecast })
}

/// Answers questions about the weather.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a friendly assistant. Use get_weather for weather questions.",
    tools = [get_weather],
    state = AppState,
    max_steps = 4
)]
struct WeatherChat;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_bedrock = std::env::args().any(|a| a == "--bedrock")
        || ai_routes::testing::aws_credentials_configured();
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

    // A conversation: the history lives in SQLite and survives restarts.
    let store = SqliteStore::open("ai-routes-quickstart.db")?;
    let state = AppState {
        forecasts: vec![("Seattle", "rain, 12°C"), ("Paris", "sunny, 21°C")],
    };
    let chat = WeatherChat::new(ai.clone(), store, state);
    let owner = "quickstart-user";
    let conversation = match chat.list(owner, 1, None).await?.items.first() {
        Some(existing) => chat.conversation(existing.id.clone()),
        None => {
            chat.create(
                owner,
                CreateConversation {
                    name: Some("Weather".into()),
                    metadata: None,
                },
            )
            .await?
        }
    };
    let earlier = chat.get(owner, conversation.id()).await?.message_count;
    println!(
        "\nConversation {} ({earlier} stored messages)",
        conversation.id()
    );
    println!("> Is it raining in Seattle? Please check get_weather.");
    let mut events = conversation
        .send(owner, "Is it raining in Seattle? Please check get_weather.")
        .await?;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text } => print!("{text}"),
            // Only reasoning models (Claude 5, gpt-oss, ... or `reasoning = "high"`) send these.
            TurnEvent::ReasoningDelta { text } => print!("[thinking: {text}]"),
            TurnEvent::ReasoningRedacted => print!("[thinking: redacted]"),
            TurnEvent::ToolUse { name, input, .. } => println!("[calling {name} with {input}]"),
            TurnEvent::ToolResult {
                name,
                status,
                content,
                ..
            } => println!("[{name} → {status:?}: {content}]"),
            TurnEvent::TurnDone { usage, steps, .. } => {
                println!(
                    "\n[{steps} model calls, {} tokens, ${:.6}]",
                    usage.total_tokens(),
                    usage.cost_usd
                )
            }
            TurnEvent::Error(error) => println!("\n[error: {error}]"),
            // Citations, and whatever later versions add.
            _ => {}
        }
    }
    Ok(())
}

//! Procedural macros for [ai-routes](https://docs.rs/ai-routes). Use them through
//! `ai_routes::prelude::*`; the generated code names everything through
//! `::ai_routes::__private`, so no other import is needed.
//!
//! Each macro parses its attribute into a typed model, validates it against the Bedrock
//! model catalog (collecting every error, each at its span), then generates code.

mod attrs;
mod checks;
mod conversation;
mod diagnostics;
mod docs;
mod generation;
mod model_check;
mod model_spec;
mod route_fn;
mod tool;

use proc_macro::TokenStream;

/// Declares a generation route: one structured-output call to Bedrock's Converse API.
///
/// ```ignore
/// /// Plans a recipe from a short description.
/// #[generation(model = "Claude Haiku 4.5", system_prompt = "You are a chef.", max_tokens = 800)]
/// async fn plan_recipe(ai: &Client, description: String) -> ai_routes::Result<Recipe>;
/// ```
#[proc_macro_attribute]
pub fn generation(attr: TokenStream, item: TokenStream) -> TokenStream {
    generation::expand(attr.into(), item.into()).into()
}

/// Declares a tool the model can call: the doc comment is its description, parameter doc
/// comments describe its input properties, and a reference parameter is the application
/// state injected at call time (excluded from the input schema).
///
/// ```ignore
/// /// Current weather for a city.
/// #[tool]
/// async fn get_weather(state: &AppState, /** City name, e.g. "Seattle" */ city: String, days: Option<u8>) -> Result<Weather, ToolError>;
/// ```
///
/// The fn stays callable as written; a struct named like the fn is its input and tool type
/// (`ToolSet::builder().tool::<get_weather>()`). `#[tool(name = "weather")]` renames the tool.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand_fn(attr.into(), item.into()).into()
}

/// Makes a struct (that derives `Deserialize` and `JsonSchema`) a tool input: its doc comment
/// is the description, its name in snake_case the tool name (or `#[tool(name = "...")]`).
/// Implement `ToolHandler<State>` for it to say what the tool does.
#[proc_macro_derive(Tool, attributes(tool))]
pub fn derive_tool(input: TokenStream) -> TokenStream {
    tool::expand_derive(input.into()).into()
}

/// Declares a conversation route: a multi-turn chat with tools, streaming and persisted,
/// owner-scoped history.
///
/// ```ignore
/// /// Answers questions about orders and the weather.
/// #[conversation(model = "Claude Sonnet 4.5", system_prompt = "You are a helpful shop assistant.",
///                tools = [get_weather, SearchProducts], state = AppState, max_steps = 8)]
/// struct ShopAssistant;
/// ```
#[proc_macro_attribute]
pub fn conversation(attr: TokenStream, item: TokenStream) -> TokenStream {
    conversation::expand(attr.into(), item.into()).into()
}

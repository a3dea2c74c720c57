//! Procedural macros for [ai-routes](https://docs.rs/ai-routes). Use them through
//! `ai_routes::prelude::*`; the generated code names everything through
//! `::ai_routes::__private`, so no other import is needed.
//!
//! Each macro parses its attribute into a typed model, validates it against the Bedrock
//! model catalog (collecting every error, each at its span), then generates code.

mod attrs;
mod diagnostics;
mod docs;
mod generation;
mod model_check;
mod route_fn;

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

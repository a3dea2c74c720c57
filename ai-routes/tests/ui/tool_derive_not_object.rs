use ai_routes::prelude::*;

/// Searches products.
#[derive(serde::Deserialize, schemars::JsonSchema, Tool)]
struct SearchProducts(String);

/// Picks an action.
#[derive(serde::Deserialize, schemars::JsonSchema, Tool)]
enum Action {
    Start,
    Stop,
}

fn main() {}

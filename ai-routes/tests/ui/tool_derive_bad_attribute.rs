use ai_routes::prelude::*;

/// Searches products.
#[derive(serde::Deserialize, schemars::JsonSchema, Tool)]
#[tool(name = "search products", description = "x")]
struct SearchProducts {
    query: String,
}

fn main() {}

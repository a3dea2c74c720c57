use ai_routes::prelude::*;

#[derive(serde::Deserialize, schemars::JsonSchema, Tool)]
struct SearchProducts {
    query: String,
}

fn main() {}

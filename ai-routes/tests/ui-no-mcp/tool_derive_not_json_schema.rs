use ai_routes::prelude::*;

/// Searches products.
#[derive(serde::Deserialize, Tool)]
struct SearchProducts {
    query: String,
}

fn main() {}

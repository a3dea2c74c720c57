use ai_routes::prelude::*;

/// Echoes its input.
#[tool]
async fn echo<T: serde::de::DeserializeOwned>(value: T) -> String {
    let _ = value;
    String::new()
}

/// Echoes its input.
#[tool]
async fn echo_impl(value: impl Into<String>) -> String {
    value.into()
}

fn main() {}

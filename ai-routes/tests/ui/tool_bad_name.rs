use ai_routes::prelude::*;

/// Current weather for a city.
#[tool(name = "get weather!")]
async fn get_weather(city: String) -> String {
    city
}

/// A name must start with a letter.
#[tool]
async fn _private(city: String) -> String {
    city
}

fn main() {}

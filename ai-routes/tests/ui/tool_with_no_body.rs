use ai_routes::prelude::*;

/// Current weather for a city.
#[tool]
async fn get_weather(city: String) -> String;

fn main() {}

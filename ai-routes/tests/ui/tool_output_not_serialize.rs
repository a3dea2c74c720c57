use ai_routes::prelude::*;

struct Weather;

/// Current weather for a city.
#[tool]
async fn get_weather(city: String) -> Result<Weather, ToolError> {
    let _ = city;
    Ok(Weather)
}

fn main() {}

use ai_routes::prelude::*;
/// Looks up the weather.
#[tool]
async fn get_weather(city: String) -> Result<String, ToolError> {
    Ok(city)
}

/// Also looks up the weather, under the same name.
#[tool(name = "get_weather")]
async fn weather_again(city: String) -> Result<String, ToolError> {
    Ok(city)
}

#[conversation(model = "Nova Lite", tools = [get_weather, weather_again])]
struct Chat;

fn main() {}

use ai_routes::prelude::*;
/// Looks up the weather.
#[tool]
async fn get_weather(city: String) -> Result<String, ToolError> {
    Ok(city)
}

#[conversation(model = "Mistral Large", tools = [get_weather])]
struct Chat;

fn main() {}

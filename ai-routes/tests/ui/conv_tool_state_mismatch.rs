use ai_routes::prelude::*;
struct AppState;
struct OtherState;

/// Looks up the weather.
#[tool]
async fn get_weather(state: &OtherState, city: String) -> Result<String, ToolError> {
    let _ = state;
    Ok(city)
}

#[conversation(model = "Nova Lite", tools = [get_weather], state = AppState)]
struct Chat;

fn main() {}

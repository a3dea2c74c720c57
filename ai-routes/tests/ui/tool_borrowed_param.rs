use ai_routes::prelude::*;

struct AppState;

/// Current weather for a city.
#[tool]
async fn get_weather(state: &mut AppState, city: &str, tags: Vec<&str>) -> String {
    let _ = (state, tags);
    city.to_string()
}

fn main() {}

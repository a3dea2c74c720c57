use ai_routes::prelude::*;

/// Current weather for a city.
#[tool]
async fn get_weather(&self, city: String) -> String {
    city
}

fn main() {}

use ai_routes::prelude::*;

#[tool]
async fn get_weather(city: String) -> String {
    city
}

fn main() {}

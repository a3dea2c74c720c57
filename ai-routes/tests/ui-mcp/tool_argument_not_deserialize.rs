use ai_routes::prelude::*;

struct Coordinates {
    lat: f64,
    lon: f64,
}

/// Current weather at a place.
#[tool]
async fn get_weather(place: Coordinates) -> String {
    format!("{} {}", place.lat, place.lon)
}

fn main() {}

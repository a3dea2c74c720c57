use ai_routes::prelude::*;

struct Db;
struct Cache;

/// Current weather for a city.
#[tool]
async fn get_weather(db: &Db, cache: &Cache, city: String) -> String {
    let _ = (db, cache);
    city
}

fn main() {}

use ai_routes::prelude::*;
#[conversation(model = "Nova Lite")]
struct Chat {
    history: Vec<String>,
}

fn main() {}

use ai_routes::prelude::*;
#[conversation(model = "Nova Lyte", max_step = 3, stream = "yes")]
struct Chat;

fn main() {}

use ai_routes::prelude::*;
#[conversation(model = "Mistral 7B Instruct", system_prompt = "Be nice.", max_tokens = 100000, max_steps = 0)]
struct Chat;

fn main() {}

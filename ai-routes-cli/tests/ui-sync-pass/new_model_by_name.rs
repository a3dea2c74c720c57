use ai_routes::prelude::*;
// Not in this release's catalog: the account's control plane lists it, so the overlay makes
// it usable by name (its capabilities are unknown, so nothing beyond them is checked).
#[conversation(model = "Acme Lumen 2")]
struct Lumen;

// Models the account may use compile as before.
#[generation(model = "Nova Lite")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

fn main() {}

// The stub a broken declaration expands to adds no errors of its own: a missing `async` is
// reported once, at the declaration (callers still `.await` it), and a generic declaration
// gets no `_ROUTE` static naming type parameters out of scope.
use ai_routes::prelude::*;

#[generation(model = "Nova Micro")]
fn not_async(ai: &Client, text: String) -> Result<String>;

#[generation(model = "Nova Micro")]
async fn generic<T: serde::Serialize>(ai: &Client, value: T) -> Result<String>;

#[allow(dead_code)]
async fn callers(ai: Client) -> Result<()> {
    let _summary: String = not_async(&ai, "text".into()).await?;
    Ok(())
}

fn main() {}

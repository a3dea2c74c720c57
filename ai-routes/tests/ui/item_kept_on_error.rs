// An attribute with an error still emits the declared item (and a stub route), so code
// using it type-checks while the attribute is being fixed: the only errors are the
// attributes' own, none at the callers below.
use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Recipe {
    title: String,
}

#[generation(model = "Nova Micro", max_token = 100)]
async fn plan_recipe(ai: &Client, description: String) -> Result<Recipe>;

#[conversation(model = "Nova Lyte")]
struct Assistant;

#[allow(dead_code)]
async fn callers(ai: Client) -> Result<()> {
    let recipe: Recipe = plan_recipe(&ai, "soup".into()).await?;
    let _title: String = recipe.title;
    let _model: &str = PLAN_RECIPE_ROUTE.route_info().invoke_id;
    let assistant = Assistant::new(ai.clone(), MemoryStore::new(), ());
    let _spec = Assistant::SPEC;
    let _route = assistant.route();
    Ok(())
}

fn main() {}

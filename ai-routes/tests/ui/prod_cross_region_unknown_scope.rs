use ai_routes::prelude::*;
#[generation(model = "Nova Micro", cross_region = "usa")]
async fn summarize(ai: &Client, text: String) -> Result<String>;

// `cross_region` needs a catalog model.
#[generation(model_id = "acme.future-model-v9", cross_region = "us")]
async fn unchecked(ai: &Client, text: String) -> Result<String>;

fn main() {}

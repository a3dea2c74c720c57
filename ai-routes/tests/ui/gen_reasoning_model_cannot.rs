use ai_routes::prelude::*;

// A model that does not reason.
#[generation(model = "Nova Micro", reasoning = "high")]
async fn cannot_reason(ai: &Client, text: String) -> Result<String>;

// gpt-oss always reasons: it cannot be switched off.
#[generation(model = "gpt-oss-120b", reasoning = "off")]
async fn cannot_disable(ai: &Client, text: String) -> Result<String>;

// Claude Fable 5 thinks by default and refuses `thinking.type: disabled`.
#[conversation(model = "Claude Fable 5", reasoning = "off")]
struct FableOff;

// DeepSeek R1 always reasons and takes no setting.
#[conversation(model = "DeepSeek-R1", cross_region = "us", reasoning = "low")]
struct NothingToSet;

// The reasoning setting needs a catalog model.
#[generation(model_id = "my.custom-model-v1", reasoning = "low")]
async fn unknown_model(ai: &Client, text: String) -> Result<String>;

fn main() {}

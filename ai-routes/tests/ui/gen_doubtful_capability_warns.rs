// A capability the catalog only believes is missing (low-confidence sources) is a warning
// that names the gap, not an error: Qwen3 32B is listed without system prompts on thin
// evidence. The image argument on a model known (high confidence) to lack vision is the
// error that makes this case fail to compile.
use ai_routes::prelude::*;
#[generation(model = "Qwen3 32B (dense)", system_prompt = "Answer briefly.")]
async fn answer(ai: &Client, question: String) -> Result<String>;

#[generation(model = "Nova Micro")]
async fn describe(ai: &Client, photo: Image) -> Result<String>;

fn main() {}

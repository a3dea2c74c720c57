// What the catalog does not know for sure is a warning that names the gap, never an error:
// Qwen3 32B's system prompt is unknown in the sources (unknown is not false), and Ministral
// 3 8B is believed text-only on low-confidence sources. The image argument on a model known
// (high confidence) to lack vision is the error that makes this case fail to compile.
use ai_routes::prelude::*;
#[generation(model = "Qwen3 32B (dense)", system_prompt = "Answer briefly.")]
async fn answer(ai: &Client, question: String) -> Result<String>;

#[generation(model = "Ministral 3 8B")]
async fn caption(ai: &Client, photo: Image) -> Result<String>;

#[generation(model = "Nova Micro")]
async fn describe(ai: &Client, photo: Image) -> Result<String>;

fn main() {}

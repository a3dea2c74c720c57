//! Procedural macros for [ai-routes](https://docs.rs/ai-routes). Use them through
//! `ai_routes::prelude::*`; the generated code names everything through
//! `::ai_routes::__private`, so no other import is needed.
//!
//! Each macro parses its attribute into a typed model, validates it against the Bedrock
//! model catalog (collecting every error, each at its span), then generates code.
#![warn(missing_docs)]

mod attrs;
mod checks;
mod conversation;
mod diagnostics;
mod docs;
mod generation;
mod model_check;
mod model_spec;
mod reasoning;
mod route_fn;
mod tool;

use proc_macro::TokenStream;

/// # Options
///
/// Only `model` or `model_id` is required.
///
/// | option | what it does |
/// |---|---|
/// | `model = "Claude Haiku 4.5"` | the catalog model (a name, model ID, inference-profile ID or ARN); checked at compile time |
/// | `model_id = "..."` | an ID the catalog does not know, sent as is, without checks |
/// | `region = "eu-west-1"` | call from this Region instead of the client's |
/// | `cross_region = "us"` | call through the `us.`/`eu.`/`apac.`/`global.`/... inference profile |
/// | `system_prompt = "..."` | the system prompt |
/// | `prompt = "Plan {servings} servings of: {description}"` | the user message; `{arg}` placeholders are checked against the arguments (default: the arguments as one JSON object) |
/// | `max_tokens = 800` | output token limit (checked against the model's maximum) |
/// | `temperature = 0.2`, `top_p = 0.9` | sampling (checked against the model's ranges) |
/// | `stop_sequences = ["END"]` | stop sequences |
/// | `retries = 2` | corrections of an invalid answer, 0 to 10 (default 1) |
/// | `output = "native"` | `"native"` (Bedrock's structured output, `outputConfig`) or `"tool"` (a result tool); default: native where the catalog says the model has it, else the tool (checked against the model) |
/// | `tool_choice = "tool"` | with the tool strategy: `"tool"`, `"any"` or `"auto"` (default: the strongest the model accepts) |
/// | `timeout_ms = 30000` | deadline of a whole call, corrections and retries included |
/// | `cache = true` / `"5m"` / `"1h"` | prompt-cache points after the tools and system prompt where the model caches a prefix that long (models that cache; `"1h"` on Claude 4.5 and later) |
/// | `guardrail = "id:version"` | apply a Bedrock guardrail |
/// | `reasoning = "high"` | `"off"`, `"low"`, `"medium"`, `"high"` or `"max"`: thinking, mapped per model (default: the model's own) |
/// | `reasoning_budget = 4096` | a thinking budget in tokens (models that take one: Claude 3.7 to 4.5) |
/// | `service_tier = "flex"` | `"flex"`, `"priority"` or `"default"` (checked against the tiers the model is offered in) |
#[proc_macro_attribute]
pub fn generation(attr: TokenStream, item: TokenStream) -> TokenStream {
    generation::expand(attr.into(), item.into()).into()
}

/// # Options
///
/// `#[tool(name = "weather")]` names the tool (default: the fn's name). A tool name is a
/// letter, then letters, digits, `_` or `-`, at most 64 characters, unique among the tools
/// of a route.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand_fn(attr.into(), item.into()).into()
}

/// # Options
///
/// `#[tool(name = "search")]` on the struct names the tool (default: the struct's name in
/// snake_case). A tool name is a letter, then letters, digits, `_` or `-`, at most 64
/// characters, unique among the tools of a route.
#[proc_macro_derive(Tool, attributes(tool))]
pub fn derive_tool(input: TokenStream) -> TokenStream {
    tool::expand_derive(input.into()).into()
}

/// # Options
///
/// Only `model` or `model_id` is required. The model options (`model`, `model_id`,
/// `region`, `cross_region`, `system_prompt`, `max_tokens`, `temperature`, `top_p`, `cache`,
/// `guardrail`, `reasoning`, `reasoning_budget`, `service_tier`) are those of `#[generation]`;
/// a conversation route adds:
///
/// | option | what it does |
/// |---|---|
/// | `tools = [get_weather, SearchProducts]` | the server-side tools (`#[tool]` fns, `#[derive(Tool)]` structs) |
/// | `state = AppState` | the state type the tools receive (default `()`) |
/// | `max_steps = 8` | model calls per turn, 1 to 100 (default 8) |
/// | `stream = false` | use Converse instead of ConverseStream (default `true`, streaming) |
/// | `turn_timeout_ms = 60000` | deadline of one turn: model calls, retries and tools |
#[proc_macro_attribute]
pub fn conversation(attr: TokenStream, item: TokenStream) -> TokenStream {
    conversation::expand(attr.into(), item.into()).into()
}

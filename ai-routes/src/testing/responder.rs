//! Who answers a request: a closure, a scripted queue, or the default deterministic model.

use ai_routes_catalog::Model;
use serde_json::{json, Value};

use super::reply::{Reply, Response};
use super::synth::synthesize;
use super::wire::{ContentBlock, ConverseRequest, Role, TokenUsage, Tool, ToolChoice, ToolSpec};

/// What a responder sees of one request.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// The model id exactly as the client sent it (a model id, profile id or ARN).
    pub model_id: &'a str,
    /// The catalog model the id resolved to, if any.
    pub model: Option<&'static Model>,
    /// The parsed request body.
    pub request: &'a ConverseRequest,
    /// `true` for ConverseStream.
    pub stream: bool,
}

/// Produces the stand-in's answer to a request.
pub trait Responder: Send + Sync + 'static {
    /// The answer to one request: a reply, or an error to return instead.
    fn respond(&self, ctx: &RequestContext<'_>) -> Response;
}

impl<F> Responder for F
where
    F: Fn(&RequestContext<'_>) -> Response + Send + Sync + 'static,
{
    fn respond(&self, ctx: &RequestContext<'_>) -> Response {
        self(ctx)
    }
}

/// The default responder: deterministic, schema-aware, no network.
///
/// - A forced tool (`toolChoice.tool`, or `any` with the first tool) is called with a value
///   synthesized to be valid against its input schema.
/// - With native structured output (`outputConfig.textFormat`), the answer is a text block
///   holding JSON synthesized from that schema (unless the prompt names a tool to call
///   first), as Bedrock answers (pydantic-ai cassette `test_bedrock_zai_native_output.yaml`).
/// - With `auto`, a tool whose name (or the name with `_` read as spaces) appears in the
///   last user text is called with schema-valid input.
/// - After tool results, it answers in text that quotes them.
/// - Otherwise it answers in text derived from the last user message.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeterministicResponder;

impl Responder for DeterministicResponder {
    fn respond(&self, ctx: &RequestContext<'_>) -> Response {
        let req = ctx.request;
        let last = req.messages.last();
        let answering_tool_results = last.is_some_and(|m| {
            m.role == Role::User
                && m.content
                    .iter()
                    .any(|b| matches!(b, ContentBlock::ToolResult(_)))
        });
        let tools: Vec<&ToolSpec> = req
            .tool_config
            .iter()
            .flat_map(|c| &c.tools)
            .filter_map(|t| match t {
                Tool::ToolSpec(spec) => Some(spec),
                Tool::CachePoint(_) => None,
            })
            .collect();
        let prompt = req.last_user_text();
        let choice = req
            .tool_config
            .as_ref()
            .and_then(|c| c.tool_choice.as_ref());
        let forced = match choice {
            Some(ToolChoice::Tool { name }) => tools.iter().find(|t| &t.name == name).copied(),
            Some(ToolChoice::Any(_)) => mentioned_tool(&tools, &prompt).or(tools.first().copied()),
            _ => None,
        };
        if let Some(tool) = forced {
            return call(tool, &prompt, req.messages.len()).into();
        }
        if let Some(definition) = req.output_schema() {
            if answering_tool_results || mentioned_tool(&tools, &prompt).is_none() {
                // Validated by the stand-in before it answers: the schema is JSON.
                let schema: Value = serde_json::from_str(&definition.schema).unwrap_or(Value::Null);
                return Reply::text(synthesize(&schema, &prompt).to_string()).into();
            }
        }
        if answering_tool_results {
            return Reply::text(summarize_tool_results(last.expect("checked above"))).into();
        }
        if let Some(tool) = mentioned_tool(&tools, &prompt) {
            return call(tool, &prompt, req.messages.len())
                .with_preamble(format!("Let me use {} for that.", tool.name))
                .into();
        }
        if let Some(cited) = cite_documents(req) {
            return cited.into();
        }
        Reply::text(echo_answer(&prompt)).into()
    }
}

fn mentioned_tool<'t>(tools: &[&'t ToolSpec], prompt: &str) -> Option<&'t ToolSpec> {
    let prompt = prompt.to_lowercase();
    tools
        .iter()
        .find(|t| {
            let name = t.name.to_lowercase();
            prompt.contains(&name) || prompt.contains(&name.replace(['_', '-'], " "))
        })
        .copied()
}

fn call(tool: &ToolSpec, prompt: &str, turn: usize) -> Reply {
    let input = synthesize(&tool.input_schema.json, prompt);
    Reply::tool_use_with_id(
        format!("tooluse_{}_{turn}", tool.name),
        tool.name.clone(),
        input,
    )
}

fn summarize_tool_results(message: &super::wire::Message) -> String {
    let parts: Vec<String> = message
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolResult(result) => {
                let body: Vec<String> = result
                    .content
                    .iter()
                    .map(|c| match (c.get("json"), c.get("text")) {
                        (Some(json), _) => json.to_string(),
                        (_, Some(Value::String(text))) => text.clone(),
                        _ => c.to_string(),
                    })
                    .collect();
                let status = result.status.as_deref().unwrap_or("success");
                Some(format!(
                    "{} ({status}): {}",
                    result.tool_use_id,
                    body.join(" ")
                ))
            }
            _ => None,
        })
        .collect();
    format!("Here is what the tools returned. {}", parts.join("; "))
}

/// Claude's answer when the request's documents may be cited: text quoting the first
/// sentence of the first citable text document, with a `documentChar` citation of it. The
/// document index counts the citable documents of the whole request, as Bedrock does.
fn cite_documents(req: &ConverseRequest) -> Option<Reply> {
    use base64::Engine as _;
    let citable = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|block| match block {
            ContentBlock::Document(document) if document.cites() => Some(document),
            _ => None,
        });
    for (index, document) in citable.enumerate() {
        let Some(bytes) = document.source["bytes"]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let end = text.find(". ").map_or(text.len(), |i| i + 1).min(400);
        let end = (0..=end)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        let passage = text[..end].trim();
        if passage.is_empty() {
            continue;
        }
        return Some(Reply::cited_text(
            format!(
                "According to {}: {passage}",
                document.name.as_deref().unwrap_or("the document")
            ),
            json!([{
                "title": document.name,
                "sourceContent": [{"text": passage}],
                "location": {"documentChar": {"documentIndex": index, "start": 0, "end": end}},
            }]),
        ));
    }
    None
}

fn echo_answer(prompt: &str) -> String {
    let prompt = prompt.trim();
    if prompt.is_empty() {
        return "Hello! How can I help?".to_string();
    }
    let excerpt: String = prompt.chars().take(200).collect();
    format!(
        "You asked: \"{excerpt}\". This is a deterministic answer from the local Bedrock stand-in."
    )
}

/// Token estimate used when a reply does not set its usage: one token per 4 characters of
/// text and JSON (system prompt, messages, tool specs), at least 1; 1,600 per image and
/// 1,000 per document or video. Real tokenizers differ; the point is that usage and cost code
/// paths see plausible, input-dependent numbers.
pub fn estimate_usage(req: &ConverseRequest, reply: &Reply) -> TokenUsage {
    let input = estimate_request_tokens(req);
    let output: usize = reply.content.iter().map(block_tokens).sum();
    TokenUsage::new(input, output.max(1) as u32)
}

pub fn estimate_request_tokens(req: &ConverseRequest) -> u32 {
    let system = chars_to_tokens(req.system_text().len());
    let messages: usize = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .map(block_tokens)
        .sum();
    let tools = req
        .tool_config
        .as_ref()
        .map(|c| chars_to_tokens(json!(c.tools).to_string().len()))
        .unwrap_or(0);
    (system + messages + tools).max(1) as u32
}

fn block_tokens(block: &ContentBlock) -> usize {
    match block {
        ContentBlock::Text(text) => chars_to_tokens(text.len()),
        ContentBlock::ToolUse(t) => chars_to_tokens(t.name.len() + t.input.to_string().len()),
        ContentBlock::ToolResult(r) => chars_to_tokens(json!(r.content).to_string().len()),
        ContentBlock::Image(_) => 1600,
        ContentBlock::Document(_) | ContentBlock::Video(_) => 1000,
        ContentBlock::ReasoningContent(r) => chars_to_tokens(
            r.pointer("/reasoningText/text")
                .and_then(Value::as_str)
                .map_or(0, str::len),
        ),
        _ => 0,
    }
}

/// The estimated tokens of a content block, as [`estimate_usage`] counts them.
pub(crate) fn content_tokens(block: &ContentBlock) -> u32 {
    block_tokens(block) as u32
}

/// The estimated tokens of text of this length, as [`estimate_usage`] counts them.
pub(crate) fn text_tokens(chars: usize) -> u32 {
    chars_to_tokens(chars) as u32
}

fn chars_to_tokens(chars: usize) -> usize {
    chars.div_ceil(4)
}

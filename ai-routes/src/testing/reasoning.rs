//! Reasoning in the stand-in, as Bedrock does it: whether a request makes the model think
//! (its `additionalModelRequestFields` and the catalog's facts), the refusals that go with
//! thinking, in Bedrock's words, the reasoning blocks a thinking model answers with (signed
//! for Anthropic models, in each provider's shape), and the round-trip rule: with thinking
//! on, the assistant message carrying the last `toolUse` must come back with its signed
//! blocks, unchanged, to the model that wrote them.
//!
//! Signatures are an HMAC over the model id and the reasoning text with a stand-in secret,
//! so a block that was dropped, altered or sent to another model is detected.

use ai_routes_catalog::{Effort, Model, ReasoningControl, ReasoningFacts};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};

use super::reply::{BedrockError, Reply};
use super::wire::{ContentBlock, ConverseRequest, Role, ToolChoice};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The stand-in's signing secret (not a credential: it only makes signatures checkable).
const SECRET: &[u8] = b"ai-routes local-bedrock reasoning signatures";

/// Anthropic's documented test string: a request containing it gets redacted thinking.
pub const REDACTED_THINKING_TRIGGER: &str =
    "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn mac(model: &Model, payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(SECRET).expect("HMAC takes any key length");
    mac.update(model.id.as_bytes());
    mac.update(&[0]);
    mac.update(payload);
    mac
}

/// The signature the stand-in gives `model`'s reasoning `text`.
pub fn signature(model: &Model, text: &str) -> String {
    B64.encode(mac(model, text.as_bytes()).finalize().into_bytes())
}

/// The opaque bytes of redacted reasoning: the tag, then the payload.
fn redacted_bytes(model: &Model, payload: &str) -> Vec<u8> {
    let mut out = mac(model, payload.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec();
    out.extend_from_slice(payload.as_bytes());
    out
}

/// Whether a reasoning block (wire JSON) is intact and `model`'s own.
fn genuine(model: &Model, block: &Value) -> Result<(), &'static str> {
    if let Some(redacted) = block.get("redactedContent") {
        let bytes = redacted
            .as_str()
            .and_then(|b| B64.decode(b).ok())
            .ok_or("invalid")?;
        if bytes.len() < 32 {
            return Err("invalid");
        }
        let (tag, payload) = bytes.split_at(32);
        return mac(model, payload).verify_slice(tag).map_err(|_| "invalid");
    }
    let text = block
        .pointer("/reasoningText/text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(signature) = block
        .pointer("/reasoningText/signature")
        .and_then(Value::as_str)
    else {
        return Err("missing");
    };
    let tag = B64.decode(signature).map_err(|_| "invalid")?;
    mac(model, text.as_bytes())
        .verify_slice(&tag)
        .map_err(|_| "invalid")
}

/// Whether the request makes `model` think, or Bedrock's refusal of its reasoning fields.
pub(crate) fn thinking(model: &Model, req: &ConverseRequest) -> Result<bool, BedrockError> {
    let Some(facts) = model.reasoning else {
        return Ok(false);
    };
    let v = |m: String| Err(BedrockError::validation(m));
    let fields = req
        .additional_model_request_fields
        .clone()
        .unwrap_or(Value::Null);
    let max_tokens = req.inference_config.as_ref().and_then(|c| c.max_tokens);
    match facts.control {
        ReasoningControl::AnthropicBudget | ReasoningControl::AnthropicAdaptive => {
            let Some(kind) = fields.pointer("/thinking/type").and_then(Value::as_str) else {
                return Ok(facts.on_by_default);
            };
            match kind {
                "enabled" if facts.control == ReasoningControl::AnthropicAdaptive && facts.on_by_default => v(
                    "\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\"".into(),
                ),
                "enabled" => {
                    let budget = fields
                        .pointer("/thinking/budget_tokens")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    if budget < i64::from(facts.min_budget_tokens.max(1024)) {
                        return v("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024".into());
                    }
                    let max = max_tokens.unwrap_or(i64::from(model.max_output_tokens));
                    if max <= budget {
                        return v("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size".into());
                    }
                    Ok(true)
                }
                "adaptive" if facts.control == ReasoningControl::AnthropicAdaptive => Ok(true),
                "disabled" if !facts.can_disable => v(
                    "\"thinking.type.disabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\"".into(),
                ),
                "disabled" => Ok(false),
                other => v(format!(
                    "thinking.type: Input tag '{other}' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'"
                )),
            }
        }
        ReasoningControl::OpenAiEffort => {
            check_effort(&fields, "/reasoning_effort", facts)?;
            Ok(true)
        }
        ReasoningControl::QwenConfig => {
            check_effort(&fields, "/reasoning_config", facts)?;
            Ok(true)
        }
        ReasoningControl::NovaEffort => {
            match fields
                .pointer("/reasoningConfig/type")
                .and_then(Value::as_str)
            {
                Some("enabled") => {
                    let effort =
                        check_effort(&fields, "/reasoningConfig/maxReasoningEffort", facts)?;
                    if effort == Some(Effort::High) && max_tokens.is_some() {
                        return v("`maxTokens` must be unset when reasoningConfig type is 'enabled' and maxReasoningEffort is 'high'".into());
                    }
                    Ok(true)
                }
                _ => Ok(false),
            }
        }
        ReasoningControl::AlwaysOn => Ok(true),
    }
}

/// The effort at `pointer`, refused when the model does not take it.
fn check_effort(
    fields: &Value,
    pointer: &str,
    facts: ReasoningFacts,
) -> Result<Option<Effort>, BedrockError> {
    let Some(value) = fields.pointer(pointer) else {
        return Ok(None);
    };
    match value.as_str().and_then(Effort::parse) {
        Some(effort) if facts.efforts.contains(&effort) => Ok(Some(effort)),
        _ => Err(BedrockError::validation(format!(
            "{}: Input should be {}",
            pointer.trim_start_matches('/').replace('/', "."),
            facts
                .efforts
                .iter()
                .map(|e| format!("'{}'", e.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Bedrock's refusals of a request to a thinking Anthropic model: forced tool choice,
/// sampling settings, and reasoning blocks dropped, altered or from another model.
pub(crate) fn validate(model: &Model, req: &ConverseRequest) -> Result<(), BedrockError> {
    let thinking = thinking(model, req)?;
    let Some(facts) = model.reasoning.filter(|f| f.signed) else {
        return Ok(());
    };
    let v = |m: String| Err(BedrockError::validation(m));
    if thinking {
        if matches!(
            req.tool_config
                .as_ref()
                .and_then(|c| c.tool_choice.as_ref()),
            Some(ToolChoice::Any(_) | ToolChoice::Tool { .. })
        ) {
            return v("Thinking may not be enabled when tool_choice forces tool use.".into());
        }
        let plan = ai_routes_catalog::ReasoningPlan {
            fields: ai_routes_catalog::ReasoningFields::None,
            thinking,
            signed: facts.signed,
            max_tokens: None,
        };
        let config = req.inference_config.clone().unwrap_or_default();
        match plan.sampling_problem(config.temperature, config.top_p) {
            Some(ai_routes_catalog::ReasoningProblem::TemperatureWhileThinking) => {
                return v("`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility".into());
            }
            Some(_) => {
                return v("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility".into());
            }
            None => {}
        }
    }
    let latest = req.messages.iter().rposition(|m| m.role == Role::Assistant);
    for (i, message) in req.messages.iter().enumerate() {
        if message.role != Role::Assistant {
            continue;
        }
        for (j, block) in message.content.iter().enumerate() {
            let ContentBlock::ReasoningContent(reasoning) = block else {
                continue;
            };
            match genuine(model, reasoning) {
                Ok(()) => {}
                Err("missing") => {
                    return v(format!(
                        "messages.{i}.content.{j}.thinking.signature: Field required"
                    ))
                }
                Err(_) if Some(i) == latest => {
                    return v(format!("messages.{i}.content.{j}: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response."));
                }
                Err(_) => {
                    return v(format!(
                        "messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                    ))
                }
            }
        }
    }
    // The tool loop: the last assistant message, answered by tool results in the final
    // user message, must start with its thinking.
    if thinking {
        if let (Some(i), Some(last)) = (latest, req.messages.last()) {
            let answered = last.role == Role::User
                && last
                    .content
                    .iter()
                    .any(|b| matches!(b, ContentBlock::ToolResult(_)));
            let message = &req.messages[i];
            let calls_tool = message
                .content
                .iter()
                .any(|b| matches!(b, ContentBlock::ToolUse(_)));
            if answered && i + 2 == req.messages.len() && calls_tool {
                let first = message.content.first();
                if !matches!(first, Some(ContentBlock::ReasoningContent(_))) {
                    let found = match first {
                        Some(ContentBlock::ToolUse(_)) => "tool_use",
                        _ => "text",
                    };
                    return v(format!("messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"));
                }
            }
        }
    }
    Ok(())
}

/// A thinking model's reply gets its reasoning, in the model's shape, unless the reply
/// already has some (a test scripting its own): signed (and, on request, redacted) blocks
/// first for Anthropic models, unsigned first for gpt-oss and Qwen3, after the text for
/// DeepSeek R1, inline `<think>` in the text for Kimi K2 Thinking.
pub(crate) fn add_reasoning(model: &Model, req: &ConverseRequest, reply: &mut Reply) {
    let Some(facts) = model.reasoning else {
        return;
    };
    if !matches!(thinking(model, req), Ok(true))
        || reply
            .content
            .iter()
            .any(|b| matches!(b, ContentBlock::ReasoningContent(_)))
    {
        return;
    }
    let prompt: String = req.last_user_text().chars().take(80).collect();
    let step = req.messages.len();
    let text = format!("Step {step}: the user asked \"{prompt}\"; deciding what to do next.");
    let unsigned = ContentBlock::ReasoningContent(json!({"reasoningText": {"text": text}}));
    if facts.signed {
        let mut blocks = vec![ContentBlock::ReasoningContent(json!({
            "reasoningText": {"text": text, "signature": signature(model, &text)}
        }))];
        if req.last_user_text().contains(REDACTED_THINKING_TRIGGER) {
            blocks.push(ContentBlock::ReasoningContent(json!({
                "redactedContent": B64.encode(redacted_bytes(model, "encrypted thinking")),
            })));
        }
        reply.content.splice(0..0, blocks);
        return;
    }
    match model.id {
        "deepseek.r1-v1:0" => reply.content.push(unsigned),
        id if id.starts_with("moonshot.") => {
            match reply
                .content
                .iter_mut()
                .find(|b| matches!(b, ContentBlock::Text(_)))
            {
                Some(ContentBlock::Text(answer)) => {
                    *answer = format!("<think>{text}</think>\n\n{answer}");
                }
                _ => reply.content.insert(0, unsigned),
            }
        }
        _ => reply.content.insert(0, unsigned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_text_and_model() {
        let sonnet = ai_routes_catalog::by_id("anthropic.claude-sonnet-5").unwrap();
        let opus = ai_routes_catalog::by_id("anthropic.claude-opus-5").unwrap();
        let block = |text: &str, signature: String| json!({"reasoningText": {"text": text, "signature": signature}});
        assert_eq!(genuine(sonnet, &block("a", signature(sonnet, "a"))), Ok(()));
        assert!(genuine(sonnet, &block("b", signature(sonnet, "a"))).is_err());
        assert!(genuine(opus, &block("a", signature(sonnet, "a"))).is_err());
        let redacted = json!({"redactedContent": B64.encode(redacted_bytes(sonnet, "x"))});
        assert_eq!(genuine(sonnet, &redacted), Ok(()));
        assert!(genuine(opus, &redacted).is_err());
    }
}

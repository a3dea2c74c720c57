//! Rejects what Bedrock would reject, with Bedrock's error types and comparable messages:
//! the model (unknown, end of life, needs an inference profile, not in this region) and the
//! request (roles, tool pairing, tool schemas, inference parameters, content the model cannot read).

use std::collections::HashSet;

use ai_routes_catalog::{CallProblem, Modality, Model, ToolChoiceMode};

use super::reply::BedrockError;
use super::wire::{ContentBlock, ConverseRequest, Role, Tool, ToolChoice};
use crate::bedrock_errors::Refusal;

/// The model a request addressed, once the id (or profile, or ARN) is resolved for the
/// region, refused the way Bedrock refuses it (the decision is the catalog's
/// [`check_call`](ai_routes_catalog::check_call)).
pub(crate) fn resolve_model(model_id: &str, region: &str) -> Result<&'static Model, BedrockError> {
    let invalid = || refused(Refusal::InvalidModelId, model_id);
    let id = strip_arn(model_id);
    let model = ai_routes_catalog::profile(id)
        .map(|(_, model)| model)
        .or_else(|| ai_routes_catalog::by_id(id))
        .ok_or_else(invalid)?;
    match ai_routes_catalog::check_call(model, id, Some(region)) {
        Ok(()) => Ok(model),
        Err(CallProblem::EndOfLife { .. }) => Err(refused(Refusal::EndOfLife, model.id)),
        Err(CallProblem::ProfileNotServed { .. }) => Err(invalid()),
        // A bare id Bedrock knows but serves here only through a profile.
        Err(CallProblem::NotOnDemandIn { .. } | CallProblem::ProfileOnly { .. })
            if !model.inference_profiles.is_empty()
                && (model.available_in(region) || !model.on_demand) =>
        {
            Err(refused(Refusal::NeedsInferenceProfile, model.id))
        }
        Err(_) => Err(invalid()),
    }
}

/// Bedrock's refusal, in Bedrock's words.
pub(crate) fn refused(refusal: Refusal, model_id: &str) -> BedrockError {
    BedrockError::new(refusal.kind(), refusal.message(model_id))
}

fn strip_arn(id: &str) -> &str {
    if id.starts_with("arn:") {
        id.rsplit_once('/').map(|(_, rest)| rest).unwrap_or(id)
    } else {
        id
    }
}

/// Validates a request body against the model's capabilities and Bedrock's own rules.
pub(crate) fn validate_request(
    model: &Model,
    req: &ConverseRequest,
    stream: bool,
) -> Result<(), BedrockError> {
    let v = |m: String| Err(BedrockError::validation(m));
    // A capability the catalog's sources do not settle (`Fact::Unknown`) is accepted: the
    // stand-in refuses only what the catalog says the model lacks.
    if model.converse.is_no() || (stream && model.converse_stream.is_no()) {
        return v("This action doesn't support the model that you provided. Try again with a supported text or chat model.".into());
    }
    validate_messages(model, req)?;
    validate_media(req)?;
    validate_request_metadata(req)?;
    if !req.system.is_empty() && model.system_prompt.is_no() {
        return v("This model doesn't support system messages. Try again without a system message or use a model that supports system messages.".into());
    }
    validate_inference(model, req)?;
    validate_tools(model, req, stream)?;
    super::reasoning::validate(model, req)?;
    super::structured::validate_structured(model, req)
}

/// Bedrock's documented limits on the media of one request (Converse API reference:
/// `ImageBlock`, `DocumentBlock`), whatever the model: each image at most 3.75 MB and 20 of
/// them, each document at most 4.5 MB and 5 of them. The stand-in takes request bodies of any
/// size, as Bedrock does, so these are what refuse large media.
fn validate_media(req: &ConverseRequest) -> Result<(), BedrockError> {
    let (mut images, mut documents) = (0, 0);
    for (i, message) in req.messages.iter().enumerate() {
        for (j, block) in message.content.iter().enumerate() {
            let (media, limit, what) = match block {
                ContentBlock::Image(media) => {
                    images += 1;
                    (media, crate::MAX_IMAGE_BYTES, "image")
                }
                ContentBlock::Document(media) => {
                    documents += 1;
                    (media, crate::MAX_DOCUMENT_BYTES, "document")
                }
                _ => continue,
            };
            let size = decoded_len(&media.source["bytes"]);
            if size > limit {
                return Err(BedrockError::validation(format!(
                    "The {what} at messages.{i}.content.{j} is {size} bytes, which exceeds the \
                     maximum {what} size of {limit} bytes. Reduce the {what} size and try again."
                )));
            }
        }
    }
    for (count, limit, what) in [
        (images, crate::MAX_IMAGES, "images"),
        (documents, crate::MAX_DOCUMENTS, "documents"),
    ] {
        if count > limit {
            return Err(BedrockError::validation(format!(
                "The request has {count} {what}, which exceeds the maximum of {limit} {what} per \
                 request. Remove some {what} and try again."
            )));
        }
    }
    Ok(())
}

/// The size of base64 `bytes` once decoded, without decoding them.
fn decoded_len(bytes: &serde_json::Value) -> usize {
    let text = bytes.as_str().unwrap_or_default().trim_end();
    let padding = text.len() - text.trim_end_matches('=').len();
    (text.len() / 4 * 3 + text.len() % 4 * 3 / 4).saturating_sub(padding)
}

/// `requestMetadata`: at most 16 entries, each within Bedrock's length and character rule.
fn validate_request_metadata(req: &ConverseRequest) -> Result<(), BedrockError> {
    use crate::request_metadata::{valid_entry, MAX_ENTRIES};
    let Some(metadata) = &req.request_metadata else {
        return Ok(());
    };
    if metadata.len() > MAX_ENTRIES {
        return Err(BedrockError::validation(format!(
            "1 validation error detected: Value at 'requestMetadata' failed to satisfy constraint: Member must have length less than or equal to {MAX_ENTRIES}"
        )));
    }
    if metadata.iter().any(|(key, value)| !valid_entry(key, value)) {
        return Err(BedrockError::validation(
            "1 validation error detected: Value at 'requestMetadata' failed to satisfy constraint: Map keys and values must have length less than or equal to 256 and satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+$@-]*".to_string(),
        ));
    }
    Ok(())
}

fn validate_messages(model: &Model, req: &ConverseRequest) -> Result<(), BedrockError> {
    let v = |m: String| Err(BedrockError::validation(m));
    if req.messages.is_empty() {
        return v("A conversation must start with a user message. Try again with a conversation that starts with a user message.".into());
    }
    let mut open_tool_uses: HashSet<&str> = HashSet::new();
    let mut expected = Role::User;
    for (i, message) in req.messages.iter().enumerate() {
        if message.role != expected {
            return v(if i == 0 {
                "A conversation must start with a user message. Try again with a conversation that starts with a user message.".into()
            } else {
                "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.".into()
            });
        }
        if message.content.is_empty() {
            return v(format!("The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again."));
        }
        let mut results_here = HashSet::new();
        for (j, block) in message.content.iter().enumerate() {
            match block {
                ContentBlock::Text(text) if text.trim().is_empty() => {
                    return v(format!("The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again."));
                }
                ContentBlock::Image(_) if model.vision.is_no() => {
                    return v("This model doesn't support the image content block that you provided. Try again with a model that supports image input.".into());
                }
                ContentBlock::Document(_) if model.document_chat.is_no() => {
                    return v("This model doesn't support documents. Try again without a document or use a model that supports documents.".into());
                }
                ContentBlock::Video(_) if !model.accepts_input(Modality::Video) => {
                    return v(
                        "This model doesn't support the video content block that you provided."
                            .into(),
                    );
                }
                ContentBlock::ToolUse(_) if message.role == Role::User => {
                    return v(format!("messages.{i}.content.{j}: toolUse blocks are only allowed in assistant messages."));
                }
                ContentBlock::ToolResult(result) => {
                    if message.role == Role::Assistant {
                        return v(format!("messages.{i}.content.{j}: toolResult blocks are only allowed in user messages."));
                    }
                    if !open_tool_uses.contains(result.tool_use_id.as_str()) {
                        return v(format!(
                            "The toolResult block at messages.{i}.content.{j} has toolUseId {} which does not match any toolUse block in the previous assistant message.",
                            result.tool_use_id
                        ));
                    }
                    results_here.insert(result.tool_use_id.as_str());
                }
                _ => {}
            }
        }
        if message.role == Role::User {
            if let Some(missing) = open_tool_uses.iter().find(|id| !results_here.contains(*id)) {
                return v(format!(
                    "Expected toolResult blocks at messages.{i}.content for the following Ids: {missing}"
                ));
            }
            open_tool_uses.clear();
        } else {
            open_tool_uses = message
                .content
                .iter()
                .filter_map(|b| match b {
                    ContentBlock::ToolUse(t) => Some(t.tool_use_id.as_str()),
                    _ => None,
                })
                .collect();
        }
        expected = if expected == Role::User {
            Role::Assistant
        } else {
            Role::User
        };
    }
    Ok(())
}

fn validate_inference(model: &Model, req: &ConverseRequest) -> Result<(), BedrockError> {
    let v = |m: String| Err(BedrockError::validation(m));
    let Some(config) = &req.inference_config else {
        return Ok(());
    };
    if let Some(max) = config.max_tokens {
        if max < 1 {
            return v(format!("1 validation error detected: Value '{max}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1"));
        }
        if max > i64::from(model.max_output_tokens) {
            let limit = model.max_output_tokens;
            return v(format!("The maximum tokens you requested exceeds the model limit of {limit}. Try again with a maximum tokens value that is lower than {limit}."));
        }
    }
    if let Some(t) = config.temperature {
        match model.temperature_range {
            None => {
                return v(format!(
                    "temperature is not supported for {}. Remove it and try again.",
                    model.name
                ))
            }
            Some((low, high)) if t < f64::from(low) - 1e-6 || t > f64::from(high) + 1e-6 => {
                return v(format!("1 validation error detected: Value '{t}' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value between {low} and {high}"));
            }
            _ => {}
        }
    }
    if let Some(p) = config.top_p {
        if !model.top_p_supported {
            return v(format!(
                "top_p is not supported for {}. Remove it and try again.",
                model.name
            ));
        }
        if !(0.0..=1.0 + 1e-6).contains(&p) {
            return v(format!("1 validation error detected: Value '{p}' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value less than or equal to 1"));
        }
        if config.temperature.is_some() && model.temperature_top_p_exclusive {
            return v("`temperature` and `top_p` cannot both be specified for this model. Please use only one.".into());
        }
    }
    Ok(())
}

fn validate_tools(model: &Model, req: &ConverseRequest, stream: bool) -> Result<(), BedrockError> {
    let v = |m: String| Err(BedrockError::validation(m));
    let uses_tool_blocks = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, ContentBlock::ToolUse(_) | ContentBlock::ToolResult(_)));
    let Some(config) = &req.tool_config else {
        if uses_tool_blocks {
            return v("The toolConfig field must be defined when using toolUse and toolResult content blocks.".into());
        }
        return Ok(());
    };
    if model.tool_use.is_no() {
        return v("This model doesn't support tool use.".into());
    }
    if stream && model.streaming_tool_use.is_no() {
        return v("This model doesn't support tool use in streaming mode.".into());
    }
    let mut names = HashSet::new();
    let specs: Vec<_> = config
        .tools
        .iter()
        .filter_map(|t| match t {
            Tool::ToolSpec(spec) => Some(spec),
            Tool::CachePoint(_) => None,
        })
        .collect();
    if specs.is_empty() {
        return v("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1".into());
    }
    for (i, spec) in specs.iter().enumerate() {
        if !ai_routes_catalog::valid_tool_name(&spec.name) {
            return v(format!("1 validation error detected: Value '{}' at 'toolConfig.tools.{}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+ and length less than or equal to 64", spec.name, i + 1));
        }
        if !names.insert(spec.name.as_str()) {
            return v(format!("The toolConfig field contains duplicate tool names: {}. Make each tool name unique and try again.", spec.name));
        }
        if spec.input_schema.json.get("type").and_then(|t| t.as_str()) != Some("object") {
            return v(format!("The value at toolConfig.tools.{i}.toolSpec.inputSchema.json.type must be one of the following: object."));
        }
    }
    match &config.tool_choice {
        Some(ToolChoice::Tool { .. } | ToolChoice::Any(_))
            if super::structured::forced_tool_refusal(model).is_some() =>
        {
            return Err(super::structured::forced_tool_refusal(model).expect("checked above"));
        }
        Some(ToolChoice::Tool { name }) => {
            if !model.supports_tool_choice(ToolChoiceMode::Tool) {
                return v("This model doesn't support the toolConfig.toolChoice.tool field. Remove toolConfig.toolChoice.tool and try again.".into());
            }
            if !names.contains(name.as_str()) {
                return v(format!("The tool {name} named in toolConfig.toolChoice.tool is not defined in toolConfig.tools."));
            }
        }
        Some(ToolChoice::Any(_)) if !model.supports_tool_choice(ToolChoiceMode::Any) => {
            return v("This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again.".into());
        }
        Some(ToolChoice::Auto(_))
            if !model.supports_tool_choice(ToolChoiceMode::Auto)
                && !model.tool_choice.is_empty() =>
        {
            return v("This model doesn't support the toolConfig.toolChoice.auto field. Remove toolConfig.toolChoice.auto and try again.".into());
        }
        _ => {}
    }
    Ok(())
}

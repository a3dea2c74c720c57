//! The Converse request and response bodies as they travel on the wire (restJson1).
//!
//! Typed so the stand-in can validate a request the way Bedrock does and so tests can
//! assert on what the client sent; free-form parts (tool input, schemas) stay JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of `POST /model/{modelId}/converse` and `/converse-stream`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest {
    /// The conversation, oldest message first.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The system prompt blocks (`system`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    /// `inferenceConfig`: max tokens, temperature, top-p, stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfig>,
    /// `toolConfig`: the tools offered and the tool choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfig>,
    /// `guardrailConfig`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail_config: Option<Value>,
    /// `additionalModelRequestFields` (model-specific parameters), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<Value>,
    /// `requestMetadata`: tags for Bedrock's invocation logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_metadata: Option<std::collections::BTreeMap<String, String>>,
    /// `serviceTier` (`{"type": "flex"}`), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<Value>,
    /// `outputConfig`: native structured output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<OutputConfig>,
}

/// `outputConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputConfig {
    /// `textFormat`: the answer's text is JSON matching a schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_format: Option<TextFormat>,
}

/// `outputConfig.textFormat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextFormat {
    /// `json_schema` (the only type Bedrock has).
    #[serde(rename = "type")]
    pub kind: String,
    /// `{"jsonSchema": {...}}`.
    pub structure: TextFormatStructure,
}

/// `outputConfig.textFormat.structure`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextFormatStructure {
    /// The schema definition.
    pub json_schema: JsonSchemaDefinition,
}

/// `jsonSchema`: the schema **as a JSON string**, with a name and description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchemaDefinition {
    /// The JSON schema, serialized.
    pub schema: String,
    /// The schema's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the schema describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ConverseRequest {
    /// The concatenated text of the system prompt blocks.
    pub fn system_text(&self) -> String {
        self.system
            .iter()
            .filter_map(|b| match b {
                SystemBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The text blocks of the last user message, joined.
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::text)
            .unwrap_or_default()
    }

    /// The `outputConfig.textFormat` schema definition, if the request asks for native
    /// structured output.
    pub fn output_schema(&self) -> Option<&JsonSchemaDefinition> {
        Some(
            &self
                .output_config
                .as_ref()?
                .text_format
                .as_ref()?
                .structure
                .json_schema,
        )
    }

    /// The forced tool name, if the request forces one with `toolChoice.tool`.
    pub fn forced_tool(&self) -> Option<&str> {
        match self.tool_config.as_ref()?.tool_choice.as_ref()? {
            ToolChoice::Tool { name } => Some(name),
            _ => None,
        }
    }
}

/// Who wrote a message (`"user"` or `"assistant"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The caller (also the role of tool results).
    User,
    /// The model.
    Assistant,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its content blocks, in order.
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// The message's text blocks, joined by newlines.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One content block; externally tagged exactly like the wire format (`{"text": "…"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContentBlock {
    /// `{"text": "..."}`.
    Text(String),
    /// `{"image": {...}}`.
    Image(MediaBlock),
    /// `{"document": {...}}`.
    Document(MediaBlock),
    /// `{"video": {...}}`.
    Video(MediaBlock),
    /// `{"toolUse": {...}}`: a tool call by the model.
    ToolUse(ToolUseBlock),
    /// `{"toolResult": {...}}`: the result of a tool call.
    ToolResult(ToolResultBlock),
    /// `{"cachePoint": {...}}`: a prompt-cache checkpoint.
    CachePoint(Value),
    /// `{"guardContent": {...}}`: content a guardrail evaluates.
    GuardContent(Value),
    /// `{"reasoningContent": {...}}`: the model's reasoning.
    ReasoningContent(Value),
    /// `{"citationsContent": {"content": [{"text": ...}], "citations": [...]}}`: generated
    /// text with the document passages that support it (Claude, with cited documents).
    CitationsContent(Value),
}

/// An image, document or video block. `source.bytes` is base64 on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaBlock {
    /// The media format (`png`, `pdf`, `mp4`, ...).
    pub format: String,
    /// The document's name (documents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `{"bytes": "<base64>"}` or an S3 location, as sent.
    pub source: Value,
    /// `{"enabled": true}` on a document the model may cite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Value>,
}

impl MediaBlock {
    /// Whether this document may be cited (`citations.enabled`).
    pub fn cites(&self) -> bool {
        self.citations
            .as_ref()
            .and_then(|c| c.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// A tool call in an assistant message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseBlock {
    /// The ID the matching `toolResult` refers to.
    pub tool_use_id: String,
    /// The tool's name.
    pub name: String,
    /// The input the model passed (a JSON object).
    pub input: Value,
}

/// The result of a tool call in a user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResultBlock {
    /// The `toolUseId` of the call it answers.
    pub tool_use_id: String,
    /// The result's content blocks (`{"text": ...}` or `{"json": ...}`), as JSON.
    pub content: Vec<Value>,
    /// `"success"` or `"error"`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One block of the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SystemBlock {
    /// System prompt text.
    Text(String),
    /// A prompt-cache checkpoint after the preceding blocks.
    CachePoint(Value),
    /// Content a guardrail evaluates.
    GuardContent(Value),
}

/// `inferenceConfig`. Fields the request leaves out are `None` (the model's defaults apply).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceConfig {
    /// `maxTokens`: the most tokens the model may generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<i64>,
    /// `temperature`, 0 to 1 for most models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// `topP`, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// `stopSequences`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

/// `toolConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    /// The tools offered (and cache points between them).
    pub tools: Vec<Tool>,
    /// `toolChoice`; `None` means `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
}

/// One entry of `toolConfig.tools`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Tool {
    /// A tool specification.
    ToolSpec(ToolSpec),
    /// A prompt-cache checkpoint after the preceding tools.
    CachePoint(Value),
}

/// A tool's name, description and input schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// The tool's name.
    pub name: String,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The tool's input schema.
    pub input_schema: InputSchema,
    /// `strict: true`: Bedrock constrains the tool's input to the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// `inputSchema`: the schema wrapped as `{"json": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSchema {
    /// The JSON schema of the tool's input.
    pub json: Value,
}

/// `toolChoice`: how the model must use the tools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ToolChoice {
    /// `{"auto": {}}`: the model decides.
    Auto(Value),
    /// `{"any": {}}`: the model must call some tool.
    Any(Value),
    /// `{"tool": {"name": ...}}`: the model must call this tool.
    Tool {
        /// The tool's name.
        name: String,
    },
}

/// Token counts as Bedrock reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Input tokens (cache reads and writes not included).
    pub input_tokens: u32,
    /// Output tokens.
    pub output_tokens: u32,
    /// Input plus output tokens, plus cache reads and writes when reported.
    pub total_tokens: u32,
    /// Prompt-cache reads (only with `cachePoint`s in the request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u32>,
    /// Prompt-cache writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u32>,
    /// The cache writes per TTL (`[{"ttl": "1h", "inputTokens": 1200}]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_details: Vec<CacheDetail>,
}

/// Cache writes of one TTL, as `usage.cacheDetails` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheDetail {
    /// `"5m"` or `"1h"`.
    pub ttl: String,
    /// Tokens written with this TTL.
    pub input_tokens: u32,
}

impl TokenUsage {
    /// Usage with these counts, their sum as the total, and no cache counts.
    pub fn new(input_tokens: u32, output_tokens: u32) -> Self {
        Self {
            input_tokens,
            output_tokens,
            total_tokens: input_tokens + output_tokens,
            cache_read_input_tokens: None,
            cache_write_input_tokens: None,
            cache_details: Vec::new(),
        }
    }
}

//! What the stand-in answers: a model reply, or one of Bedrock's typed errors.

use serde_json::Value;

use super::wire::{ContentBlock, TokenUsage, ToolUseBlock};

/// A model reply: the assistant message's content, its stop reason and, optionally,
/// the token usage to report (estimated from the request and reply when `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The assistant message's content blocks, in order.
    pub content: Vec<ContentBlock>,
    /// Bedrock's stop reason: `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`,
    /// `guardrail_intervened` or `content_filtered`.
    pub stop_reason: String,
    /// Token counts to report; `None` estimates them from the request and the reply (with
    /// the stand-in's prompt cache accounting for cache checkpoints).
    pub usage: Option<TokenUsage>,
    /// The service tier to say the call was served in; `None` says the tier the request
    /// asked for (`default` when it asked for none).
    pub service_tier: Option<ai_routes_catalog::ServiceTier>,
}

impl Reply {
    /// A text answer that ends the turn.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![ContentBlock::Text(text.into())],
            stop_reason: "end_turn".into(),
            usage: None,
            service_tier: None,
        }
    }

    /// Text with the passages of the request's documents that support it, as Claude answers
    /// with citations enabled: one `citationsContent` block (`citations` as Bedrock sends
    /// them, e.g. `[{"title": ..., "sourceContent": [{"text": ...}], "location": {...}}]`).
    pub fn cited_text(text: impl Into<String>, citations: Value) -> Self {
        Self {
            content: vec![ContentBlock::CitationsContent(serde_json::json!({
                "content": [{"text": text.into()}],
                "citations": citations,
            }))],
            stop_reason: "end_turn".into(),
            usage: None,
            service_tier: None,
        }
    }

    /// A single tool call. The id is derived from the tool name; use [`Reply::tool_use_with_id`]
    /// when the test needs to know it.
    pub fn tool_use(name: impl Into<String>, input: Value) -> Self {
        let name = name.into();
        let id = format!("tooluse_{name}_0");
        Self::tool_use_with_id(id, name, input)
    }

    /// A single tool call with an explicit `toolUseId`.
    pub fn tool_use_with_id(id: impl Into<String>, name: impl Into<String>, input: Value) -> Self {
        Self {
            content: vec![ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: id.into(),
                name: name.into(),
                input,
            })],
            stop_reason: "tool_use".into(),
            usage: None,
            service_tier: None,
        }
    }

    /// A reply made of arbitrary content blocks (several tool calls, text then a tool call, …).
    pub fn blocks(content: Vec<ContentBlock>, stop_reason: impl Into<String>) -> Self {
        Self {
            content,
            stop_reason: stop_reason.into(),
            usage: None,
            service_tier: None,
        }
    }

    /// Prepends a text block, as models often do before calling a tool.
    pub fn with_preamble(mut self, text: impl Into<String>) -> Self {
        self.content.insert(0, ContentBlock::Text(text.into()));
        self
    }

    /// Replaces the stop reason (e.g. `max_tokens` to simulate a truncated answer).
    pub fn with_stop_reason(mut self, stop_reason: impl Into<String>) -> Self {
        self.stop_reason = stop_reason.into();
        self
    }

    /// Reports exactly these token counts instead of the estimate.
    pub fn with_usage(mut self, input_tokens: u32, output_tokens: u32) -> Self {
        self.usage = Some(TokenUsage::new(input_tokens, output_tokens));
        self
    }

    /// Says the call was served in `tier`, whatever the request asked for (Bedrock serves
    /// a `priority` request over its quota in the standard tier, and reports that).
    pub fn served_in(mut self, tier: ai_routes_catalog::ServiceTier) -> Self {
        self.service_tier = Some(tier);
        self
    }

    /// Also reports prompt-cache reads and writes (`cacheReadInputTokens`,
    /// `cacheWriteInputTokens`), on top of [`Reply::with_usage`] (or the estimate).
    pub fn with_cache_usage(mut self, read: u32, write: u32) -> Self {
        let mut usage = self.usage.unwrap_or_else(|| TokenUsage::new(10, 10));
        usage.cache_read_input_tokens = Some(read);
        usage.cache_write_input_tokens = Some(write);
        usage.total_tokens = usage.input_tokens + usage.output_tokens + read + write;
        self.usage = Some(usage);
        self
    }
}

pub use crate::bedrock_errors::ErrorKind;

/// A typed Bedrock error the stand-in sends: HTTP error response, or exception frame mid-stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedrockError {
    /// The error type.
    pub kind: ErrorKind,
    /// The error message, as Bedrock words it.
    pub message: String,
}

impl BedrockError {
    /// An error of this type with a custom message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The error with the wording Bedrock uses by default for its type.
    pub fn of(kind: ErrorKind) -> Self {
        Self::new(kind, kind.default_message())
    }

    /// A `ValidationException` with this message.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }
}

/// The stand-in's answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Answer with this reply (Converse body, or ConverseStream events).
    Reply(Reply),
    /// Answer with this error.
    Error(BedrockError),
}

impl From<Reply> for Response {
    fn from(reply: Reply) -> Self {
        Response::Reply(reply)
    }
}

impl From<BedrockError> for Response {
    fn from(error: BedrockError) -> Self {
        Response::Error(error)
    }
}

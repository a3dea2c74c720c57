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
    /// Token counts to report; `None` estimates them from the request and the reply.
    pub usage: Option<TokenUsage>,
}

impl Reply {
    /// A text answer that ends the turn.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![ContentBlock::Text(text.into())],
            stop_reason: "end_turn".into(),
            usage: None,
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
        }
    }

    /// A reply made of arbitrary content blocks (several tool calls, text then a tool call, …).
    pub fn blocks(content: Vec<ContentBlock>, stop_reason: impl Into<String>) -> Self {
        Self {
            content,
            stop_reason: stop_reason.into(),
            usage: None,
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

/// Bedrock's error types, with the HTTP status and the in-stream exception name each uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `ValidationException` (400): the request is invalid.
    Validation,
    /// `ThrottlingException` (429): over the quota.
    Throttling,
    /// `AccessDeniedException` (403): no model access or IAM permission.
    AccessDenied,
    /// `ResourceNotFoundException` (404): unknown model or profile.
    ResourceNotFound,
    /// `ModelTimeoutException` (408): the model took too long.
    ModelTimeout,
    /// `ModelNotReadyException` (429): the model is not ready to serve yet.
    ModelNotReady,
    /// `ModelErrorException` (424): the model failed on the request.
    ModelError,
    /// `ServiceUnavailableException` (503).
    ServiceUnavailable,
    /// `InternalServerException` (500).
    InternalServer,
    /// Only meaningful inside a stream (`modelStreamErrorException`).
    ModelStreamError,
}

impl ErrorKind {
    /// Every error type, in declaration order (for tests that go through all of them).
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Validation,
        ErrorKind::Throttling,
        ErrorKind::AccessDenied,
        ErrorKind::ResourceNotFound,
        ErrorKind::ModelTimeout,
        ErrorKind::ModelNotReady,
        ErrorKind::ModelError,
        ErrorKind::ServiceUnavailable,
        ErrorKind::InternalServer,
        ErrorKind::ModelStreamError,
    ];

    /// The `x-amzn-errortype` code, e.g. `ThrottlingException`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationException",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::ModelTimeout => "ModelTimeoutException",
            ErrorKind::ModelNotReady => "ModelNotReadyException",
            ErrorKind::ModelError => "ModelErrorException",
            ErrorKind::ServiceUnavailable => "ServiceUnavailableException",
            ErrorKind::InternalServer => "InternalServerException",
            ErrorKind::ModelStreamError => "ModelStreamErrorException",
        }
    }

    /// The HTTP status Bedrock answers this error type with.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Validation => 400,
            ErrorKind::Throttling | ErrorKind::ModelNotReady => 429,
            ErrorKind::AccessDenied => 403,
            ErrorKind::ResourceNotFound => 404,
            ErrorKind::ModelTimeout => 408,
            ErrorKind::ModelError | ErrorKind::ModelStreamError => 424,
            ErrorKind::ServiceUnavailable => 503,
            ErrorKind::InternalServer => 500,
        }
    }

    /// The lowerCamel union member used for an exception frame inside a ConverseStream
    /// response; `None` for types Bedrock never sends mid-stream.
    pub fn stream_exception_name(self) -> Option<&'static str> {
        match self {
            ErrorKind::Validation => Some("validationException"),
            ErrorKind::Throttling => Some("throttlingException"),
            ErrorKind::ServiceUnavailable => Some("serviceUnavailableException"),
            ErrorKind::InternalServer => Some("internalServerException"),
            ErrorKind::ModelStreamError => Some("modelStreamErrorException"),
            _ => None,
        }
    }

    /// Whether the SDK's standard retry strategy retries this error type.
    pub fn is_retried_by_sdk(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttling
                | ErrorKind::ServiceUnavailable
                | ErrorKind::InternalServer
                | ErrorKind::ModelNotReady
        )
    }

    fn default_message(self) -> &'static str {
        match self {
            ErrorKind::Validation => "The request is invalid.",
            ErrorKind::Throttling => "Too many requests, please wait before trying again.",
            ErrorKind::AccessDenied => {
                "You don't have access to the model with the specified model ID."
            }
            ErrorKind::ResourceNotFound => "The specified resource could not be found.",
            ErrorKind::ModelTimeout => {
                "Model has timed out in processing the request. Try your request again."
            }
            ErrorKind::ModelNotReady => {
                "Model is not ready to serve inference requests. Try again later."
            }
            ErrorKind::ModelError => "The model encountered an error processing the request.",
            ErrorKind::ServiceUnavailable => {
                "The service is currently unavailable. Try again later."
            }
            ErrorKind::InternalServer => "An internal server error occurred. Retry your request.",
            ErrorKind::ModelStreamError => {
                "An error occurred while streaming the response. Retry your request."
            }
        }
    }
}

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

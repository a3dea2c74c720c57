//! Conversation messages as stored and as shown to callers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::usage::Usage;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person (or system) talking to the assistant; also the role of tool results.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The role as Bedrock and the JSON API spell it: `"user"` or `"assistant"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Whether a tool call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolStatus {
    /// The tool returned its output.
    Success,
    /// The tool failed; the content is its error message, which the model sees.
    Error,
}

/// One block of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text.
    Text {
        /// The text, as written by the user or the model.
        text: String,
    },
    /// Text the model generated with the passages of the caller's documents that support
    /// it (Claude, with [`Document::with_citations`](crate::Document::with_citations)).
    CitedText {
        /// The generated text.
        text: String,
        /// The passages it cites.
        citations: Vec<crate::Citation>,
    },
    /// `format`: png, jpeg, gif, webp. `data`: base64.
    Image {
        /// Image format: `png`, `jpeg`, `gif` or `webp`.
        format: String,
        /// The image bytes, base64-encoded (standard alphabet, with padding).
        data: String,
    },
    /// `format`: pdf, csv, doc, docx, xls, xlsx, html, txt, md. `data`: base64.
    Document {
        /// Document format: `pdf`, `csv`, `doc`, `docx`, `xls`, `xlsx`, `html`, `txt` or `md`.
        format: String,
        /// The document's name as the model sees it (Bedrock allows letters, digits, single spaces,
        /// hyphens, parentheses and square brackets).
        name: String,
        /// The document bytes, base64-encoded.
        data: String,
        /// Whether the model may cite it ([`Document::with_citations`](crate::Document::with_citations)).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        citations: bool,
    },
    /// A tool call by the model.
    ToolUse {
        /// Bedrock's tool use ID; the matching [`ContentPart::ToolResult`] carries it as `tool_use_id`.
        id: String,
        /// The tool's name.
        name: String,
        /// The input the model passed, a JSON object matching the tool's input schema.
        input: Value,
    },
    /// The result of a tool call, sent back to the model in a user message.
    ToolResult {
        /// The ID of the [`ContentPart::ToolUse`] this answers.
        tool_use_id: String,
        /// Whether the tool succeeded.
        status: ToolStatus,
        /// A JSON object, or a string for text results.
        content: Value,
    },
    /// The model's reasoning (extended thinking), stored with its answer. Signed or redacted
    /// reasoning is sent back unchanged where Bedrock requires it (the assistant message
    /// that called a tool, within the turn, to the model that wrote it); unsigned reasoning
    /// and reasoning of earlier turns stay out of the model's window.
    Reasoning {
        /// The reasoning text (empty when redacted).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        text: String,
        /// The provider's signature over the text (Anthropic models sign their thinking).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// Reasoning the provider encrypted (redacted thinking), base64.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redacted: Option<String>,
    },
}

impl ContentPart {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }

    /// Reasoning the model signed or redacted: it must be sent back exactly as received
    /// where Bedrock requires it, and only to the model that wrote it.
    pub fn is_signed_reasoning(&self) -> bool {
        matches!(
            self,
            ContentPart::Reasoning { signature, redacted, .. }
                if signature.is_some() || redacted.is_some()
        )
    }

    /// The text of a text part, cited or not: what the model said.
    pub fn answer_text(&self) -> Option<&str> {
        match self {
            ContentPart::Text { text } | ContentPart::CitedText { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// A message to append to a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Who wrote the message.
    pub role: Role,
    /// The message's content blocks, in order.
    pub content: Vec<ContentPart>,
    /// Extra context the caller attached (reaches the model as a text block; kept apart so
    /// a UI can show the message without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_context: Option<Value>,
    /// Why the model stopped (assistant messages): Bedrock's stop reason, e.g. `end_turn`,
    /// `tool_use`, `max_tokens`, `guardrail_intervened`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Tokens and cost of the model call that produced this message (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The model or inference-profile ID that produced this message (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// `true` for an assistant message cut short by an error (kept for the user, never sent
    /// back to the model).
    #[serde(default)]
    pub incomplete: bool,
    /// Token estimate of the content, used to fit history into the context window.
    pub estimated_tokens: u32,
}

/// The `stop_reason` of the incomplete assistant message that ends a turn Bedrock refused
/// outright (a `ValidationException` on the turn's first call, e.g. an image it cannot read).
/// The user message before it stays in the history, for the user, but is never sent to the
/// model again: otherwise every later turn would send it and be refused too.
pub const REJECTED_STOP_REASON: &str = "rejected";

/// A message as the store keeps it: the [`NewMessage`] fields plus its ID, its position in
/// the conversation and when it was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// The store's ID of the message.
    pub id: String,
    /// The conversation the message belongs to.
    pub conversation_id: String,
    /// Position in the conversation, from 1, without gaps.
    pub seq: u64,
    /// Who wrote the message.
    pub role: Role,
    /// The message's content blocks, in order.
    pub content: Vec<ContentPart>,
    /// Extra context the caller attached to a user message (see [`NewMessage::ai_context`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_context: Option<Value>,
    /// Why the model stopped (assistant messages), e.g. `end_turn`, `tool_use`, `max_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Tokens and cost of the model call that produced this message (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The model or inference-profile ID that produced this message (assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// `true` for an assistant message cut short by an error; it is shown to the user but never
    /// sent back to the model.
    #[serde(default)]
    pub incomplete: bool,
    /// Token estimate of the content, used to fit history into the context window.
    pub estimated_tokens: u32,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl StoredMessage {
    /// Whether this marks the end of a turn Bedrock refused ([`REJECTED_STOP_REASON`]).
    pub fn marks_rejected_turn(&self) -> bool {
        self.role == Role::Assistant
            && self.incomplete
            && self.stop_reason.as_deref() == Some(REJECTED_STOP_REASON)
    }
}

impl StoredMessage {
    /// The message's text blocks (cited text included), joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(ContentPart::answer_text)
            .collect::<Vec<_>>()
            .join("")
    }

    /// The message's reasoning text, joined (empty when the model did not reason, or its
    /// reasoning was redacted).
    pub fn reasoning(&self) -> String {
        self.content
            .iter()
            .filter_map(|p| match p {
                ContentPart::Reasoning { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

/// A conversation's record (not its messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// The conversation's ID, generated by the store.
    pub id: String,
    /// The owner (user or tenant ID) the conversation belongs to; every store call is scoped to it.
    pub owner: String,
    /// The conversation route it belongs to.
    pub route: String,
    /// A display name (e.g. a chat title), if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Application data attached to the conversation (any JSON), if any was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Number of messages; also the `seq` of the last one.
    pub message_count: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// When the last message was appended or the record was updated, in milliseconds since the
    /// Unix epoch.
    pub updated_at: i64,
}

//! Conversation messages as stored and as shown to callers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::usage::Usage;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
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
    Success,
    Error,
}

/// One block of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text {
        text: String,
    },
    /// `format`: png, jpeg, gif, webp. `data`: base64.
    Image {
        format: String,
        data: String,
    },
    /// `format`: pdf, csv, doc, docx, xls, xlsx, html, txt, md. `data`: base64.
    Document {
        format: String,
        name: String,
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        status: ToolStatus,
        /// A JSON object, or a string for text results.
        content: Value,
    },
}

impl ContentPart {
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }
}

/// A message to append to a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    pub role: Role,
    pub content: Vec<ContentPart>,
    /// Extra context the caller attached (reaches the model as a text block; kept apart so
    /// a UI can show the message without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
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

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub id: String,
    pub conversation_id: String,
    /// Position in the conversation, from 1, without gaps.
    pub seq: u64,
    pub role: Role,
    pub content: Vec<ContentPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    #[serde(default)]
    pub incomplete: bool,
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
    /// The message's text blocks, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

/// A conversation's record (not its messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: String,
    pub owner: String,
    /// The conversation route it belongs to.
    pub route: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Number of messages; also the `seq` of the last one.
    pub message_count: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

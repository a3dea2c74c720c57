//! Size caps every store applies, so that one caller cannot make a listing or a history
//! unboundedly large (a list of 20 conversations with 7 MB names was 140 MB).

use serde_json::Value;

use super::StoreError;
use crate::conversation::{ContentPart, NewMessage};

/// The largest conversation name, in bytes.
pub const MAX_NAME_BYTES: usize = 4 * 1024;
/// The largest conversation metadata, in bytes of JSON. Every listing returns it, and
/// `DynamoDbStore` rewrites it (and copies it into the index) on every append.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;
/// The most text one stored message may carry, in bytes (its text blocks added up). A
/// backstop for callers of the library: the HTTP API refuses much less from a user (see
/// `Api::max_message_text_bytes`), and a model answer stays well below it.
pub const MAX_MESSAGE_TEXT_BYTES: usize = 512 * 1024;

/// What a size cap applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CappedField {
    /// A conversation's name ([`MAX_NAME_BYTES`]).
    Name,
    /// A conversation's metadata, as JSON ([`MAX_METADATA_BYTES`]).
    Metadata,
    /// A message's text ([`MAX_MESSAGE_TEXT_BYTES`]).
    MessageText,
}

impl CappedField {
    /// What the field is, in words (for error messages).
    pub fn as_str(self) -> &'static str {
        match self {
            CappedField::Name => "conversation name",
            CappedField::Metadata => "conversation metadata (as JSON)",
            CappedField::MessageText => "message text",
        }
    }
}

impl std::fmt::Display for CappedField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn check(field: CappedField, bytes: usize, max: usize) -> Result<(), StoreError> {
    if bytes > max {
        return Err(StoreError::TooLarge { field, bytes, max });
    }
    Ok(())
}

/// A name and metadata (as given to create or update) within their caps.
pub(super) fn check_name_and_metadata(
    name: Option<&str>,
    metadata: Option<&Value>,
) -> Result<(), StoreError> {
    if let Some(name) = name {
        check(CappedField::Name, name.len(), MAX_NAME_BYTES)?;
    }
    if let Some(metadata) = metadata {
        check(
            CappedField::Metadata,
            serde_json::to_string(metadata)
                .map_err(|e| StoreError::Invalid(format!("metadata is not JSON: {e}")))?
                .len(),
            MAX_METADATA_BYTES,
        )?;
    }
    Ok(())
}

/// Every message's text within [`MAX_MESSAGE_TEXT_BYTES`].
pub(super) fn check_message_text(messages: &[NewMessage]) -> Result<(), StoreError> {
    for message in messages {
        let bytes = message
            .content
            .iter()
            .map(|part| match part {
                ContentPart::Text { text } => text.len(),
                ContentPart::CitedText { text, citations } => {
                    text.len() + serde_json::to_string(citations).map_or(0, |json| json.len())
                }
                _ => 0,
            })
            .sum();
        check(CappedField::MessageText, bytes, MAX_MESSAGE_TEXT_BYTES)?;
    }
    Ok(())
}

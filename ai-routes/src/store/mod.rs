//! Where conversations and their messages live.
//!
//! [`ConversationStore`] is what a conversation route needs; [`MemoryStore`] and
//! [`SqliteStore`] implement it, and `ai_routes::testing::conformance` checks any
//! implementation against the same suite.

mod caps;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

use futures_util::future::BoxFuture;
use serde_json::Value;

pub use caps::{CappedField, MAX_MESSAGE_TEXT_BYTES, MAX_METADATA_BYTES, MAX_NAME_BYTES};
#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoDbStore, TableNames, BY_OWNER_ROUTE_INDEX, MAX_MESSAGE_ITEM_BYTES};
pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::conversation::{ConversationRecord, NewMessage, StoredMessage};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The conversation does not exist, or belongs to another owner (indistinguishable on
    /// purpose, so ids cannot be probed).
    #[error("conversation `{0}` not found")]
    NotFound(String),
    /// Someone else appended to the conversation since it was read.
    #[error("conversation `{conversation_id}` changed concurrently (expected {expected} messages, found {actual}); reload and retry")]
    Conflict {
        conversation_id: String,
        expected: u64,
        actual: u64,
    },
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// A name, metadata or message text over its cap ([`MAX_NAME_BYTES`] and the others).
    #[error("the {field} is {bytes} bytes; at most {max} are accepted")]
    TooLarge {
        field: CappedField,
        bytes: usize,
        max: usize,
    },
    #[error("store backend error: {0}")]
    Backend(String),
}

/// One page of a listing; `next` is the cursor of the following page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// What to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConversation {
    pub owner: String,
    pub route: String,
    pub name: Option<String>,
    pub metadata: Option<Value>,
}

/// Changes to a conversation's name or metadata (`None` leaves a field as it is).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationPatch {
    pub name: Option<String>,
    pub metadata: Option<Value>,
}

/// Which messages to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOrder {
    /// Oldest first, from `seq` 1 (or after the cursor).
    Oldest,
    /// Newest first (or before the cursor).
    Newest,
}

/// Storage for conversation routes. Every method is scoped to an owner: another owner's
/// conversation is reported as [`StoreError::NotFound`].
pub trait ConversationStore: Send + Sync + 'static {
    /// Creates a conversation with a new unique id.
    fn create_conversation(
        &self,
        new: NewConversation,
    ) -> BoxFuture<'_, Result<ConversationRecord, StoreError>>;

    fn get_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>>;

    /// The owner's conversations of `route`, most recently updated first.
    fn list_conversations<'a>(
        &'a self,
        owner: &'a str,
        route: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>, StoreError>>;

    fn update_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>>;

    /// Deletes the conversation and all its messages.
    fn delete_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Appends messages atomically, all or none, if the conversation still has
    /// `expected_count` messages (else [`StoreError::Conflict`]). Returns them as stored,
    /// with consecutive `seq` numbers, and bumps `updated_at`.
    fn append_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'a, Result<Vec<StoredMessage>, StoreError>>;

    /// A page of messages; the cursor is opaque.
    fn list_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>, StoreError>>;
}

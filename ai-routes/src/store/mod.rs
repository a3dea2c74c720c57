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
        /// The conversation that changed.
        conversation_id: String,
        /// The message count the writer read.
        expected: u64,
        /// The message count the store holds now.
        actual: u64,
    },
    /// The request is not valid for the store (e.g. an empty owner, a malformed cursor, a name
    /// or metadata over the backend's size limits).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// A name, metadata or message text over its cap ([`MAX_NAME_BYTES`] and the others).
    #[error("the {field} is {bytes} bytes; at most {max} are accepted")]
    TooLarge {
        /// What is over its cap.
        field: CappedField,
        /// Its size in bytes.
        bytes: usize,
        /// The cap in bytes.
        max: usize,
    },

    /// The backend failed (I/O, SQLite, DynamoDB or serialization error); the text says what
    /// went wrong. May be retryable, depending on the backend.
    #[error("store backend error: {0}")]
    Backend(String),
}

/// One page of a listing; `next` is the cursor of the following page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page, in the requested order.
    pub items: Vec<T>,
    /// The cursor to pass to get the following page; `None` on the last page.
    pub next: Option<String>,
}

/// A conversation to create, as [`ConversationStore::create_conversation`] receives it (the
/// store assigns the ID and the timestamps).
#[derive(Debug, Clone, PartialEq)]
pub struct NewConversation {
    /// The owner (user or tenant ID) the conversation belongs to.
    pub owner: String,
    /// The name of the conversation route it belongs to.
    pub route: String,
    /// A display name, if any.
    pub name: Option<String>,
    /// Application data (any JSON), if any.
    pub metadata: Option<Value>,
}

/// Changes to a conversation's name or metadata (`None` leaves a field as it is).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationPatch {
    /// The new name, or `None` to keep the current one.
    pub name: Option<String>,
    /// The new metadata, or `None` to keep the current metadata.
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

    /// The owner's conversation `id` ([`StoreError::NotFound`] when it does not exist or belongs
    /// to another owner).
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

    /// Renames the conversation or replaces its metadata (`None` fields are kept); returns
    /// the updated record. `updated_at` may move forward, never back.
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

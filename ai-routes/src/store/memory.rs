//! [`MemoryStore`]: conversations in process memory, for tests and single-process development.
//!
//! Also holds the helpers both built-in stores share (limits, cursors, clock, ids), so
//! [`MemoryStore`] and [`SqliteStore`](super::SqliteStore) validate requests and encode cursors
//! identically.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

use super::caps::check_name_and_metadata;
use super::{
    ConversationPatch, ConversationStore, MessageOrder, NewConversation, Page, StoreError,
};
use crate::conversation::{ConversationRecord, NewMessage, StoredMessage};

/// The largest `limit` a listing accepts.
pub(super) const MAX_LIMIT: usize = 1000;

pub(super) fn check_limit(limit: usize) -> Result<(), StoreError> {
    if limit == 0 || limit > MAX_LIMIT {
        return Err(StoreError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {limit}"
        )));
    }
    Ok(())
}

pub(super) fn check_messages(messages: &[NewMessage]) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Err(StoreError::Invalid("no messages to append".into()));
    }
    super::caps::check_message_text(messages)
}

/// Milliseconds since the Unix epoch.
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Keyset position in a conversation listing: `"{updated_at}:{id}"` of the last item shown.
pub(super) fn conversation_cursor(record: &ConversationRecord) -> String {
    format!("{}:{}", record.updated_at, record.id)
}

pub(super) fn parse_conversation_cursor(cursor: &str) -> Result<(i64, &str), StoreError> {
    let invalid = || StoreError::Invalid(format!("malformed conversation cursor `{cursor}`"));
    let (updated_at, id) = cursor.split_once(':').ok_or_else(invalid)?;
    let updated_at = updated_at.parse::<i64>().map_err(|_| invalid())?;
    if id.is_empty() {
        return Err(invalid());
    }
    Ok((updated_at, id))
}

/// Position in a message listing: the `seq` of the last message shown.
pub(super) fn message_cursor(message: &StoredMessage) -> String {
    message.seq.to_string()
}

pub(super) fn parse_message_cursor(cursor: &str) -> Result<u64, StoreError> {
    cursor
        .parse::<u64>()
        .map_err(|_| StoreError::Invalid(format!("malformed message cursor `{cursor}`")))
}

pub(super) fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(id.to_string())
}

/// The record of a conversation being created: a fresh id, no messages, created now.
pub(super) fn new_record(new: NewConversation) -> ConversationRecord {
    let now = now_ms();
    ConversationRecord {
        id: new_id(),
        owner: new.owner,
        route: new.route,
        name: new.name,
        metadata: new.metadata,
        message_count: 0,
        created_at: now,
        updated_at: now,
    }
}

/// A stored message made from a new one.
pub(super) fn stored_message(
    conversation_id: &str,
    seq: u64,
    created_at: i64,
    new: NewMessage,
) -> StoredMessage {
    StoredMessage {
        id: new_id(),
        conversation_id: conversation_id.to_string(),
        seq,
        role: new.role,
        content: new.content,
        ai_context: new.ai_context,
        stop_reason: new.stop_reason,
        usage: new.usage,
        model_id: new.model_id,
        incomplete: new.incomplete,
        estimated_tokens: new.estimated_tokens,
        created_at,
    }
}

/// Conversations in process memory. Cloning is cheap and shares the data; nothing survives
/// the process.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<HashMap<String, Entry>>>,
}

struct Entry {
    record: ConversationRecord,
    /// `messages[i].seq == i + 1`.
    messages: Vec<StoredMessage>,
}

impl MemoryStore {
    /// An empty store. Clones share the same conversations; nothing survives the process.
    ///
    /// Usually handed to a conversation route (`ShopAssistant::new(ai, MemoryStore::new(),
    /// state)`); the store can also be used directly:
    ///
    /// ```
    /// use ai_routes::store::{ConversationStore, MemoryStore, NewConversation};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ai_routes::store::StoreError> {
    /// let store = MemoryStore::new();
    /// let record = store
    ///     .create_conversation(NewConversation {
    ///         owner: "user-42".into(),
    ///         route: "ShopAssistant".into(),
    ///         name: Some("Kettles".into()),
    ///         metadata: None,
    ///     })
    ///     .await?;
    /// let stored = store.get_conversation("user-42", &record.id).await?;
    /// assert_eq!(stored.name.as_deref(), Some("Kettles"));
    /// // Another owner does not see it.
    /// assert!(store.get_conversation("user-7", &record.id).await.is_err());
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every operation leaves the map consistent before it can panic, so a poisoned lock
        // still guards valid data.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn create(&self, new: NewConversation) -> Result<ConversationRecord, StoreError> {
        check_name_and_metadata(new.name.as_deref(), new.metadata.as_ref())?;
        let record = new_record(new);
        self.lock().insert(
            record.id.clone(),
            Entry {
                record: record.clone(),
                messages: Vec::new(),
            },
        );
        Ok(record)
    }

    fn get(&self, owner: &str, id: &str) -> Result<ConversationRecord, StoreError> {
        let map = self.lock();
        owned(&map, owner, id).map(|entry| entry.record.clone())
    }

    fn list(
        &self,
        owner: &str,
        route: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<ConversationRecord>, StoreError> {
        check_limit(limit)?;
        let after = cursor.map(parse_conversation_cursor).transpose()?;
        let map = self.lock();
        let mut matching: Vec<&ConversationRecord> = map
            .values()
            .map(|entry| &entry.record)
            .filter(|r| r.owner == owner && r.route == route)
            .filter(|r| match after {
                None => true,
                Some((updated_at, id)) => {
                    r.updated_at < updated_at || (r.updated_at == updated_at && r.id.as_str() > id)
                }
            })
            .collect();
        matching
            .sort_by(|a, b| (Reverse(a.updated_at), &a.id).cmp(&(Reverse(b.updated_at), &b.id)));
        let more = matching.len() > limit;
        let items: Vec<ConversationRecord> = matching.into_iter().take(limit).cloned().collect();
        let next = if more {
            items.last().map(conversation_cursor)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    fn update(
        &self,
        owner: &str,
        id: &str,
        patch: ConversationPatch,
    ) -> Result<ConversationRecord, StoreError> {
        check_name_and_metadata(patch.name.as_deref(), patch.metadata.as_ref())?;
        let mut map = self.lock();
        let entry = owned_mut(&mut map, owner, id)?;
        if let Some(name) = patch.name {
            entry.record.name = Some(name);
        }
        if let Some(metadata) = patch.metadata {
            entry.record.metadata = Some(metadata);
        }
        entry.record.updated_at = entry.record.updated_at.max(now_ms());
        Ok(entry.record.clone())
    }

    fn delete(&self, owner: &str, id: &str) -> Result<(), StoreError> {
        let mut map = self.lock();
        owned(&map, owner, id)?;
        map.remove(id);
        Ok(())
    }

    fn append(
        &self,
        owner: &str,
        id: &str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        check_messages(&messages)?;
        let mut map = self.lock();
        let entry = owned_mut(&mut map, owner, id)?;
        let actual = entry.record.message_count;
        if actual != expected_count {
            return Err(StoreError::Conflict {
                conversation_id: id.to_string(),
                expected: expected_count,
                actual,
            });
        }
        let now = now_ms();
        let stored: Vec<StoredMessage> = messages
            .into_iter()
            .zip(actual + 1..)
            .map(|(new, seq)| stored_message(id, seq, now, new))
            .collect();
        entry.messages.extend(stored.iter().cloned());
        entry.record.message_count = entry.messages.len() as u64;
        entry.record.updated_at = entry.record.updated_at.max(now);
        Ok(stored)
    }

    fn messages(
        &self,
        owner: &str,
        id: &str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<StoredMessage>, StoreError> {
        check_limit(limit)?;
        let cursor = cursor.map(parse_message_cursor).transpose()?;
        let map = self.lock();
        let entry = owned(&map, owner, id)?;
        let all = &entry.messages;
        let count = all.len();
        // `all[i].seq == i + 1`, so a page is a slice; nothing else is touched.
        let (items, more): (Vec<StoredMessage>, bool) = match order {
            MessageOrder::Oldest => {
                let start = cursor.map_or(0, |seq| (seq as usize).min(count));
                let end = (start + limit).min(count);
                (all[start..end].to_vec(), end < count)
            }
            MessageOrder::Newest => {
                let end = cursor.map_or(count, |seq| (seq.saturating_sub(1) as usize).min(count));
                let start = end.saturating_sub(limit);
                (all[start..end].iter().rev().cloned().collect(), start > 0)
            }
        };
        let next = if more {
            items.last().map(message_cursor)
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

fn owned<'m>(
    map: &'m HashMap<String, Entry>,
    owner: &str,
    id: &str,
) -> Result<&'m Entry, StoreError> {
    map.get(id)
        .filter(|entry| entry.record.owner == owner)
        .ok_or_else(|| not_found(id))
}

fn owned_mut<'m>(
    map: &'m mut HashMap<String, Entry>,
    owner: &str,
    id: &str,
) -> Result<&'m mut Entry, StoreError> {
    map.get_mut(id)
        .filter(|entry| entry.record.owner == owner)
        .ok_or_else(|| not_found(id))
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("conversations", &self.lock().len())
            .finish()
    }
}

impl ConversationStore for MemoryStore {
    fn create_conversation(
        &self,
        new: NewConversation,
    ) -> BoxFuture<'_, Result<ConversationRecord, StoreError>> {
        Box::pin(async move { self.create(new) })
    }

    fn get_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        Box::pin(async move { self.get(owner, id) })
    }

    fn list_conversations<'a>(
        &'a self,
        owner: &'a str,
        route: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>, StoreError>> {
        Box::pin(async move { self.list(owner, route, limit, cursor) })
    }

    fn update_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        Box::pin(async move { self.update(owner, id, patch) })
    }

    fn delete_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.delete(owner, id) })
    }

    fn append_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'a, Result<Vec<StoredMessage>, StoreError>> {
        Box::pin(async move { self.append(owner, id, expected_count, messages) })
    }

    fn list_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>, StoreError>> {
        Box::pin(async move { self.messages(owner, id, order, limit, cursor) })
    }
}

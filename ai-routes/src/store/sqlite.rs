//! [`SqliteStore`]: conversations in a SQLite database (bundled SQLite, feature `sqlite`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::caps::check_name_and_metadata;
use super::memory::{
    check_limit, check_messages, conversation_cursor, message_cursor, new_record, not_found,
    now_ms, parse_conversation_cursor, parse_message_cursor, stored_message,
};
use super::{
    ConversationPatch, ConversationStore, MessageOrder, NewConversation, Page, StoreError,
};
use crate::conversation::{ConversationRecord, NewMessage, Role, StoredMessage};

/// How long a statement waits for another connection's lock on the same file.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS conversations (
    id            TEXT PRIMARY KEY NOT NULL,
    owner         TEXT NOT NULL,
    route         TEXT NOT NULL,
    name          TEXT,
    metadata      TEXT,
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_owner_route
    ON conversations (owner, route, updated_at DESC, id);
CREATE TABLE IF NOT EXISTS messages (
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    id               TEXT NOT NULL,
    role             TEXT NOT NULL,
    content          TEXT NOT NULL,
    ai_context       TEXT,
    stop_reason      TEXT,
    usage            TEXT,
    model_id         TEXT,
    incomplete       INTEGER NOT NULL DEFAULT 0,
    estimated_tokens INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
";

const CONVERSATION_COLUMNS: &str =
    "id, owner, route, name, metadata, message_count, created_at, updated_at";
const MESSAGE_COLUMNS: &str = "id, conversation_id, seq, role, content, ai_context, stop_reason, \
     usage, model_id, incomplete, estimated_tokens, created_at";

/// Conversations in a SQLite database file (or in memory). Cloning is cheap and shares the
/// connection; calls run on Tokio's blocking pool, one at a time per store. Several stores
/// (or processes) may open the same file: WAL mode, a busy timeout and immediate write
/// transactions keep them consistent.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

fn to_json_opt<T: Serialize>(value: &Option<T>) -> Result<Option<String>, StoreError> {
    value.as_ref().map(to_json).transpose()
}

fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("stored `{column}` is not valid: {e}")))
}

fn from_json_opt<T: DeserializeOwned>(
    column: &str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| from_json(column, &t)).transpose()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn conversation_from_row(row: &Row<'_>) -> Result<ConversationRecord, StoreError> {
    Ok(ConversationRecord {
        id: row.get(0).map_err(backend)?,
        owner: row.get(1).map_err(backend)?,
        route: row.get(2).map_err(backend)?,
        name: row.get(3).map_err(backend)?,
        metadata: from_json_opt("metadata", row.get(4).map_err(backend)?)?,
        message_count: row.get::<_, i64>(5).map_err(backend)?.max(0) as u64,
        created_at: row.get(6).map_err(backend)?,
        updated_at: row.get(7).map_err(backend)?,
    })
}

fn message_from_row(row: &Row<'_>) -> Result<StoredMessage, StoreError> {
    let role: String = row.get(3).map_err(backend)?;
    let role = match role.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => {
            return Err(StoreError::Backend(format!(
                "stored role `{other}` unknown"
            )))
        }
    };
    let content: String = row.get(4).map_err(backend)?;
    Ok(StoredMessage {
        id: row.get(0).map_err(backend)?,
        conversation_id: row.get(1).map_err(backend)?,
        seq: row.get::<_, i64>(2).map_err(backend)?.max(0) as u64,
        role,
        content: from_json("content", &content)?,
        ai_context: from_json_opt("ai_context", row.get(5).map_err(backend)?)?,
        stop_reason: row.get(6).map_err(backend)?,
        usage: from_json_opt("usage", row.get(7).map_err(backend)?)?,
        model_id: row.get(8).map_err(backend)?,
        incomplete: row.get(9).map_err(backend)?,
        estimated_tokens: row.get(10).map_err(backend)?,
        created_at: row.get(11).map_err(backend)?,
    })
}

/// The owner's conversation, or `NotFound`.
fn owned_conversation(
    conn: &Connection,
    owner: &str,
    id: &str,
) -> Result<ConversationRecord, StoreError> {
    let sql =
        format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1 AND owner = ?2");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let mut rows = stmt.query(params![id, owner]).map_err(backend)?;
    match rows.next().map_err(backend)? {
        Some(row) => conversation_from_row(row),
        None => Err(not_found(id)),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and its schema. Fails with
    /// [`StoreError::Backend`] when the file cannot be opened or is not a database.
    ///
    /// ```
    /// use ai_routes::store::{ConversationStore, NewConversation, SqliteStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ai_routes::store::StoreError> {
    /// # let dir = std::env::temp_dir().join(format!("ai-routes-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("chats.db");
    /// let store = SqliteStore::open(&path)?;
    /// let record = store
    ///     .create_conversation(NewConversation {
    ///         owner: "user-42".into(),
    ///         route: "ShopAssistant".into(),
    ///         name: None,
    ///         metadata: Some(serde_json::json!({ "channel": "web" })),
    ///     })
    ///     .await?;
    /// drop(store);
    ///
    /// // The conversation is still there after reopening the file.
    /// let store = SqliteStore::open(&path)?;
    /// assert_eq!(store.get_conversation("user-42", &record.id).await?.message_count, 0);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path)
            .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), %mode, "SQLite store is not in WAL mode");
        }
        Self::init(conn)
    }

    /// A private database in memory, gone when the last clone is dropped.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on the blocking pool.
    fn run<'a, T, F>(&'a self, f: F) -> BoxFuture<'a, Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                // A panic mid-call drops its transaction (rolled back), so the connection
                // behind a poisoned lock is still usable.
                let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                f(&mut conn)
            })
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
        })
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl ConversationStore for SqliteStore {
    fn create_conversation(
        &self,
        new: NewConversation,
    ) -> BoxFuture<'_, Result<ConversationRecord, StoreError>> {
        if let Err(e) = check_name_and_metadata(new.name.as_deref(), new.metadata.as_ref()) {
            return Box::pin(async move { Err(e) });
        }
        self.run(move |conn| {
            let record = new_record(new);
            let now = record.created_at;
            let metadata = to_json_opt(&record.metadata)?;
            conn.prepare_cached(
                "INSERT INTO conversations \
                 (id, owner, route, name, metadata, message_count, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    record.id,
                    record.owner,
                    record.route,
                    record.name,
                    metadata,
                    now
                ])
            })
            .map_err(backend)?;
            Ok(record)
        })
    }

    fn get_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |conn| owned_conversation(conn, &owner, &id))
    }

    fn list_conversations<'a>(
        &'a self,
        owner: &'a str,
        route: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>, StoreError>> {
        let checked = check_limit(limit).and_then(|()| {
            cursor
                .map(|c| parse_conversation_cursor(c).map(|(t, id)| (t, id.to_string())))
                .transpose()
        });
        let after = match checked {
            Ok(after) => after,
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        let (owner, route) = (owner.to_string(), route.to_string());
        self.run(move |conn| {
            // One more than asked tells whether another page follows.
            let fetch = (limit + 1) as i64;
            let mut items = Vec::with_capacity(limit + 1);
            match after {
                None => {
                    let sql = format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM conversations \
                         WHERE owner = ?1 AND route = ?2 \
                         ORDER BY updated_at DESC, id ASC LIMIT ?3"
                    );
                    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
                    let mut rows = stmt.query(params![owner, route, fetch]).map_err(backend)?;
                    while let Some(row) = rows.next().map_err(backend)? {
                        items.push(conversation_from_row(row)?);
                    }
                }
                Some((updated_at, id)) => {
                    let sql = format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM conversations \
                         WHERE owner = ?1 AND route = ?2 AND updated_at <= ?3 \
                           AND (updated_at < ?3 OR id > ?4) \
                         ORDER BY updated_at DESC, id ASC LIMIT ?5"
                    );
                    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
                    let mut rows = stmt
                        .query(params![owner, route, updated_at, id, fetch])
                        .map_err(backend)?;
                    while let Some(row) = rows.next().map_err(backend)? {
                        items.push(conversation_from_row(row)?);
                    }
                }
            }
            let more = items.len() > limit;
            items.truncate(limit);
            let next = if more {
                items.last().map(conversation_cursor)
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    fn update_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        if let Err(e) = check_name_and_metadata(patch.name.as_deref(), patch.metadata.as_ref()) {
            return Box::pin(async move { Err(e) });
        }
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |conn| {
            let metadata = to_json_opt(&patch.metadata)?;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let changed = tx
                .prepare_cached(
                    "UPDATE conversations SET \
                     name = COALESCE(?1, name), \
                     metadata = COALESCE(?2, metadata), \
                     updated_at = MAX(updated_at, ?3) \
                     WHERE id = ?4 AND owner = ?5",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![patch.name, metadata, now_ms(), id, owner])
                })
                .map_err(backend)?;
            if changed == 0 {
                return Err(not_found(&id));
            }
            let record = owned_conversation(&tx, &owner, &id)?;
            tx.commit().map_err(backend)?;
            Ok(record)
        })
    }

    fn delete_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |conn| {
            // Messages go with it (ON DELETE CASCADE, foreign keys on).
            let deleted = conn
                .prepare_cached("DELETE FROM conversations WHERE id = ?1 AND owner = ?2")
                .and_then(|mut stmt| stmt.execute(params![id, owner]))
                .map_err(backend)?;
            if deleted == 0 {
                return Err(not_found(&id));
            }
            Ok(())
        })
    }

    fn append_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'a, Result<Vec<StoredMessage>, StoreError>> {
        if let Err(e) = check_messages(&messages) {
            return Box::pin(async move { Err(e) });
        }
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let (actual, updated_at): (i64, i64) = tx
                .prepare_cached(
                    "SELECT message_count, updated_at FROM conversations \
                     WHERE id = ?1 AND owner = ?2",
                )
                .and_then(|mut stmt| {
                    stmt.query_row(params![id, owner], |row| Ok((row.get(0)?, row.get(1)?)))
                        .optional()
                })
                .map_err(backend)?
                .ok_or_else(|| not_found(&id))?;
            let actual = actual.max(0) as u64;
            if actual != expected_count {
                return Err(StoreError::Conflict {
                    conversation_id: id,
                    expected: expected_count,
                    actual,
                });
            }
            let now = now_ms();
            let stored: Vec<StoredMessage> = messages
                .into_iter()
                .zip(actual + 1..)
                .map(|(new, seq)| stored_message(&id, seq, now, new))
                .collect();
            {
                let mut insert = tx
                    .prepare_cached(&format!(
                        "INSERT INTO messages ({MESSAGE_COLUMNS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    ))
                    .map_err(backend)?;
                for m in &stored {
                    insert
                        .execute(params![
                            m.id,
                            m.conversation_id,
                            to_i64(m.seq),
                            m.role.as_str(),
                            to_json(&m.content)?,
                            to_json_opt(&m.ai_context)?,
                            m.stop_reason,
                            to_json_opt(&m.usage)?,
                            m.model_id,
                            m.incomplete,
                            m.estimated_tokens,
                            m.created_at,
                        ])
                        .map_err(backend)?;
                }
            }
            tx.prepare_cached(
                "UPDATE conversations SET message_count = ?1, updated_at = ?2 WHERE id = ?3",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    to_i64(actual + stored.len() as u64),
                    updated_at.max(now),
                    id
                ])
            })
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(stored)
        })
    }

    fn list_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>, StoreError>> {
        let cursor =
            match check_limit(limit).and_then(|()| cursor.map(parse_message_cursor).transpose()) {
                Ok(cursor) => cursor,
                Err(e) => return Box::pin(async move { Err(e) }),
            };
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |conn| {
            // A read transaction, so the ownership check and the page see the same snapshot.
            let tx = conn.transaction().map_err(backend)?;
            let record = owned_conversation(&tx, &owner, &id)?;
            let (sql, bound) = match order {
                MessageOrder::Oldest => (
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages \
                         WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3"
                    ),
                    to_i64(cursor.unwrap_or(0)),
                ),
                MessageOrder::Newest => (
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages \
                         WHERE conversation_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
                    ),
                    to_i64(cursor.unwrap_or(u64::MAX)),
                ),
            };
            let mut items = Vec::with_capacity(limit.min(record.message_count as usize));
            {
                let mut stmt = tx.prepare_cached(&sql).map_err(backend)?;
                let mut rows = stmt
                    .query(params![id, bound, limit as i64])
                    .map_err(backend)?;
                while let Some(row) = rows.next().map_err(backend)? {
                    items.push(message_from_row(row)?);
                }
            }
            tx.commit().map_err(backend)?;
            // seq runs 1..=message_count without gaps, so the last item says whether more follow.
            let more = items.len() == limit
                && items.last().is_some_and(|last| match order {
                    MessageOrder::Oldest => last.seq < record.message_count,
                    MessageOrder::Newest => last.seq > 1,
                });
            let next = if more {
                items.last().map(message_cursor)
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(store: &SqliteStore, sql: &str) -> i64 {
        let conn = store.conn.lock().unwrap();
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn delete_removes_message_rows() {
        let store = SqliteStore::in_memory().unwrap();
        let new = |owner: &str| NewConversation {
            owner: owner.into(),
            route: "r".into(),
            name: None,
            metadata: None,
        };
        let doomed = store.create_conversation(new("a")).await.unwrap();
        let kept = store.create_conversation(new("a")).await.unwrap();
        let message = NewMessage {
            role: Role::User,
            content: vec![crate::conversation::ContentPart::text("hi")],
            ai_context: None,
            stop_reason: None,
            usage: None,
            model_id: None,
            incomplete: false,
            estimated_tokens: 1,
        };
        store
            .append_messages("a", &doomed.id, 0, vec![message.clone(), message.clone()])
            .await
            .unwrap();
        store
            .append_messages("a", &kept.id, 0, vec![message])
            .await
            .unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM messages"), 3);
        store.delete_conversation("a", &doomed.id).await.unwrap();
        assert_eq!(count(&store, "SELECT COUNT(*) FROM messages"), 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM conversations"), 1);
    }

    #[test]
    fn file_store_uses_wal() {
        let dir =
            std::env::temp_dir().join(format!("ai-routes-wal-{}", super::super::memory::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(dir.join("wal.db")).unwrap();
        let mode: String = store
            .conn
            .lock()
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        let foreign_keys = count(&store, "PRAGMA foreign_keys");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(mode, "wal");
        assert_eq!(foreign_keys, 1);
    }

    #[test]
    fn pages_use_the_indexes() {
        let store = SqliteStore::in_memory().unwrap();
        let plan = |sql: &str| -> String {
            let conn = store.conn.lock().unwrap();
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map([], |row| row.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>();
            rows.join("; ")
        };
        let conversations = plan(
            "SELECT id FROM conversations WHERE owner = 'o' AND route = 'r' \
             AND updated_at <= 5 AND (updated_at < 5 OR id > 'x') \
             ORDER BY updated_at DESC, id ASC LIMIT 3",
        );
        assert!(
            conversations.contains("conversations_by_owner_route")
                && !conversations.contains("TEMP B-TREE"),
            "{conversations}"
        );
        let messages = plan(
            "SELECT id FROM messages WHERE conversation_id = 'c' AND seq < 100 \
             ORDER BY seq DESC LIMIT 50",
        );
        assert!(
            messages.contains("PRIMARY KEY") && !messages.contains("TEMP B-TREE"),
            "{messages}"
        );
    }
}

//! The built-in conversation stores against the conformance suite, plus what only SQLite
//! files have: persistence across reopening and several handles on one file.

#![cfg(all(feature = "testing", feature = "sqlite"))]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ai_routes::conversation::{ContentPart, ConversationRecord, NewMessage, Role, StoredMessage};
use ai_routes::store::{
    ConversationPatch, ConversationStore, MemoryStore, MessageOrder, NewConversation, Page,
    SqliteStore, StoreError,
};
use ai_routes::testing::conformance;
use futures_util::future::BoxFuture;
use serde_json::json;

/// A fresh directory under the system temp dir, removed (with the database, its WAL and
/// shared-memory files) on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "ai-routes-{name}-{}-{nanos}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(role: Role, text: &str) -> NewMessage {
    conformance::text_message(role, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_conforms() {
    conformance::run(&MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_in_memory_store_conforms() {
    conformance::run(&SqliteStore::in_memory().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_store_conforms() {
    let dir = TempDir::new("store-conformance");
    let store = SqliteStore::open(dir.path().join("conversations.db")).unwrap();
    conformance::run(&store).await;
    drop(store);
}

#[tokio::test(flavor = "current_thread")]
async fn memory_store_clones_share_data() {
    let store = MemoryStore::new();
    let clone = store.clone();
    let record = store
        .create_conversation(NewConversation {
            owner: "alice".into(),
            route: "support".into(),
            name: None,
            metadata: None,
        })
        .await
        .unwrap();
    assert_eq!(
        clone.get_conversation("alice", &record.id).await.unwrap(),
        record
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_data_survives_reopening() {
    let dir = TempDir::new("store-reopen");
    let path = dir.path().join("nested.db");

    let store = SqliteStore::open(&path).unwrap();
    let record = store
        .create_conversation(NewConversation {
            owner: "alice".into(),
            route: "support".into(),
            name: Some("Refund".into()),
            metadata: Some(json!({"ticket": 42})),
        })
        .await
        .unwrap();
    let doomed = store
        .create_conversation(NewConversation {
            owner: "alice".into(),
            route: "support".into(),
            name: None,
            metadata: None,
        })
        .await
        .unwrap();
    store
        .append_messages("alice", &doomed.id, 0, vec![text(Role::User, "bye")])
        .await
        .unwrap();
    store
        .delete_conversation("alice", &doomed.id)
        .await
        .unwrap();
    let mut reply = text(Role::Assistant, "Sure, let me check.");
    reply.content.push(ContentPart::ToolUse {
        id: "t1".into(),
        name: "lookup".into(),
        input: json!({"order": 7}),
    });
    reply.model_id = Some("amazon.nova-micro-v1:0".into());
    reply.stop_reason = Some("tool_use".into());
    let stored = store
        .append_messages(
            "alice",
            &record.id,
            0,
            vec![text(Role::User, "I want a refund"), reply],
        )
        .await
        .unwrap();
    let updated = store
        .update_conversation(
            "alice",
            &record.id,
            ConversationPatch {
                name: Some("Refund for order 7".into()),
                metadata: None,
            },
        )
        .await
        .unwrap();
    drop(store);

    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(
        reopened
            .get_conversation("alice", &record.id)
            .await
            .unwrap(),
        updated
    );
    assert_eq!(updated.message_count, 2);
    let page = reopened
        .list_messages("alice", &record.id, MessageOrder::Oldest, 10, None)
        .await
        .unwrap();
    assert_eq!(page.items, stored);
    assert_eq!(page.next, None);
    let listed = reopened
        .list_conversations("alice", "support", 10, None)
        .await
        .unwrap();
    assert_eq!(listed.items, vec![updated.clone()]);
    assert!(matches!(
        reopened.get_conversation("alice", &doomed.id).await,
        Err(StoreError::NotFound(_))
    ));

    // And it keeps going from where it was.
    let more = reopened
        .append_messages("alice", &record.id, 2, vec![text(Role::User, "thanks")])
        .await
        .unwrap();
    assert_eq!(more[0].seq, 3);
    drop(reopened);
    let again = SqliteStore::open(&path).unwrap();
    assert_eq!(
        again
            .get_conversation("alice", &record.id)
            .await
            .unwrap()
            .message_count,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_open_fails_cleanly_for_a_missing_directory() {
    let dir = TempDir::new("store-missing");
    let error = SqliteStore::open(dir.path().join("no/such/dir/db.sqlite")).unwrap_err();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
}

/// Two handles on one file (as two processes would have): optimistic appends still
/// exclude each other, and each sees the other's writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_handles_on_one_file() {
    let dir = TempDir::new("store-shared");
    let path = dir.path().join("shared.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();

    let record = a
        .create_conversation(NewConversation {
            owner: "alice".into(),
            route: "chat".into(),
            name: None,
            metadata: None,
        })
        .await
        .unwrap();
    assert_eq!(
        b.get_conversation("alice", &record.id).await.unwrap(),
        record
    );

    a.append_messages("alice", &record.id, 0, vec![text(Role::User, "from a")])
        .await
        .unwrap();
    match b
        .append_messages("alice", &record.id, 0, vec![text(Role::User, "from b")])
        .await
    {
        Err(StoreError::Conflict {
            expected, actual, ..
        }) => assert_eq!((expected, actual), (0, 1)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    b.append_messages(
        "alice",
        &record.id,
        1,
        vec![text(Role::Assistant, "from b")],
    )
    .await
    .unwrap();
    let page = a
        .list_messages("alice", &record.id, MessageOrder::Oldest, 10, None)
        .await
        .unwrap();
    let texts: Vec<String> = page.items.iter().map(|m| m.text()).collect();
    assert_eq!(texts, ["from a", "from b"]);

    // The racing-appends check across the two handles.
    let shared = TwoHandles(a, b);
    conformance::concurrent_appends(&shared).await;
}

/// Reading the newest page of a 10,000-message conversation: the right 50, and a cursor
/// that continues exactly where the page ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_newest_page_of_ten_thousand() {
    let dir = TempDir::new("store-long");
    let store = SqliteStore::open(dir.path().join("long.db")).unwrap();
    newest_page_of_ten_thousand(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_newest_page_of_ten_thousand() {
    newest_page_of_ten_thousand(&MemoryStore::new()).await;
}

async fn newest_page_of_ten_thousand<S: ConversationStore>(store: &S) {
    const TOTAL: u64 = 10_000;
    let record = store
        .create_conversation(NewConversation {
            owner: "bob".into(),
            route: "chat".into(),
            name: None,
            metadata: None,
        })
        .await
        .unwrap();
    let mut count = 0;
    while count < TOTAL {
        let batch: Vec<NewMessage> = (count + 1..=count + 1000)
            .map(|i| {
                let role = if i % 2 == 1 {
                    Role::User
                } else {
                    Role::Assistant
                };
                text(role, &format!("message {i}"))
            })
            .collect();
        count += store
            .append_messages("bob", &record.id, count, batch)
            .await
            .unwrap()
            .len() as u64;
    }

    let page = store
        .list_messages("bob", &record.id, MessageOrder::Newest, 50, None)
        .await
        .unwrap();
    let seqs: Vec<u64> = page.items.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (9_951..=TOTAL).rev().collect::<Vec<_>>());
    assert_eq!(page.items[0].text(), "message 10000");
    assert_eq!(page.items[49].text(), "message 9951");
    assert!(page.items.iter().all(|m| m.conversation_id == record.id));

    let cursor = page.next.expect("a next cursor after the newest 50");
    let second = store
        .list_messages("bob", &record.id, MessageOrder::Newest, 50, Some(&cursor))
        .await
        .unwrap();
    let seqs: Vec<u64> = second.items.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (9_901..=9_950).rev().collect::<Vec<_>>());
    assert!(second.next.is_some());

    // The oldest end, and the very last page of a newest-first walk.
    let oldest = store
        .list_messages("bob", &record.id, MessageOrder::Oldest, 3, None)
        .await
        .unwrap();
    assert_eq!(
        oldest.items.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let tail = store
        .list_messages("bob", &record.id, MessageOrder::Newest, 50, Some("51"))
        .await
        .unwrap();
    assert_eq!(
        tail.items.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=50).rev().collect::<Vec<_>>()
    );
    assert_eq!(tail.next, None);

    let after = store.get_conversation("bob", &record.id).await.unwrap();
    assert_eq!(after.message_count, TOTAL);
}

/// A store that alternates between two handles on the same file, call by call.
struct TwoHandles(SqliteStore, SqliteStore);

static FLIP: AtomicU64 = AtomicU64::new(0);

impl TwoHandles {
    fn pick(&self) -> &SqliteStore {
        if FLIP.fetch_add(1, Ordering::Relaxed) % 2 == 0 {
            &self.0
        } else {
            &self.1
        }
    }
}

impl ConversationStore for TwoHandles {
    fn create_conversation(
        &self,
        new: NewConversation,
    ) -> BoxFuture<'_, Result<ConversationRecord, StoreError>> {
        self.pick().create_conversation(new)
    }

    fn get_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        self.pick().get_conversation(owner, id)
    }

    fn list_conversations<'a>(
        &'a self,
        owner: &'a str,
        route: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>, StoreError>> {
        self.pick().list_conversations(owner, route, limit, cursor)
    }

    fn update_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        self.pick().update_conversation(owner, id, patch)
    }

    fn delete_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.pick().delete_conversation(owner, id)
    }

    fn append_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'a, Result<Vec<StoredMessage>, StoreError>> {
        self.pick()
            .append_messages(owner, id, expected_count, messages)
    }

    fn list_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>, StoreError>> {
        self.pick().list_messages(owner, id, order, limit, cursor)
    }
}

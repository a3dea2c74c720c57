//! The conformance suite every [`ConversationStore`] must pass.
//!
//! ```no_run
//! # async fn demo() {
//! let store = ai_routes::store::MemoryStore::new();
//! ai_routes::testing::conformance::run(&store).await;
//! # }
//! ```
//!
//! Each check panics with a message naming what went wrong. Every check creates its own
//! owners and conversations with fresh unique ids, so the suite can run against a shared
//! backend (a real database server or table) holding other data, and checks can run
//! concurrently. Call [`run`] for all of them, or single checks by name.
//!
//! Ordering checks leave a few milliseconds between writes, since `updated_at` has
//! millisecond resolution; they otherwise only assume "most recently updated first, ties
//! by id".

use std::cmp::Reverse;
use std::collections::HashSet;
use std::fmt::Debug;
use std::time::Duration;

use serde_json::json;

use crate::conversation::{
    ContentPart, ConversationRecord, NewMessage, Role, StoredMessage, ToolStatus,
};
use crate::store::{
    CappedField, ConversationPatch, ConversationStore, MessageOrder, NewConversation, Page,
    StoreError, MAX_MESSAGE_TEXT_BYTES, MAX_METADATA_BYTES, MAX_NAME_BYTES,
};
use crate::Usage;

/// Every check, one after the other.
pub async fn run<S: ConversationStore>(store: &S) {
    create_and_get(store).await;
    list_isolation_and_order(store).await;
    list_pagination(store).await;
    update_conversation(store).await;
    delete_conversation(store).await;
    append_round_trip(store).await;
    append_conflict(store).await;
    other_owner_not_found(store).await;
    list_messages_pagination(store).await;
    many_messages_newest_first(store).await;
    invalid_requests(store).await;
    size_caps(store).await;
    concurrent_appends(store).await;
}

// ---------------------------------------------------------------------------------------
// helpers

/// A unique name for an owner, route or anything else a check needs to itself.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A short pause, so consecutive writes get distinct millisecond timestamps.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(3)).await;
}

#[track_caller]
fn ok<T, E: Debug>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("store conformance: {what}: expected success, got {error:?}"),
    }
}

#[track_caller]
fn expect_not_found<T: Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("store conformance: {what}: expected StoreError::NotFound, got {other:?}"),
    }
}

#[track_caller]
fn expect_invalid<T: Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("store conformance: {what}: expected StoreError::Invalid, got {other:?}"),
    }
}

#[track_caller]
fn expect_conflict<T: Debug>(
    result: Result<T, StoreError>,
    expected: u64,
    actual: u64,
    what: &str,
) {
    match result {
        Err(StoreError::Conflict {
            expected: e,
            actual: a,
            ..
        }) if e == expected && a == actual => {}
        other => panic!(
            "store conformance: {what}: expected StoreError::Conflict {{ expected: {expected}, \
             actual: {actual} }}, got {other:?}"
        ),
    }
}

fn new_conversation(owner: &str, route: &str) -> NewConversation {
    NewConversation {
        owner: owner.into(),
        route: route.into(),
        name: None,
        metadata: None,
    }
}

async fn create<S: ConversationStore>(store: &S, owner: &str, route: &str) -> ConversationRecord {
    ok(
        store
            .create_conversation(new_conversation(owner, route))
            .await,
        "create_conversation",
    )
}

/// A plain text message.
pub fn text_message(role: Role, text: &str) -> NewMessage {
    NewMessage {
        role,
        content: vec![ContentPart::text(text)],
        ai_context: None,
        stop_reason: None,
        usage: None,
        model_id: None,
        incomplete: false,
        estimated_tokens: (text.len() / 4) as u32 + 1,
    }
}

/// `n` alternating user/assistant messages `"{prefix} {i}"`, `i` from `first`.
fn numbered(prefix: &str, first: usize, n: usize) -> Vec<NewMessage> {
    (first..first + n)
        .map(|i| {
            let role = if i % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            text_message(role, &format!("{prefix} {i}"))
        })
        .collect()
}

/// Appends `total` messages in batches of `batch`, returning the stored ones.
async fn fill<S: ConversationStore>(
    store: &S,
    owner: &str,
    id: &str,
    total: usize,
    batch: usize,
) -> Vec<StoredMessage> {
    let mut stored = Vec::with_capacity(total);
    while stored.len() < total {
        let n = batch.min(total - stored.len());
        let got = ok(
            store
                .append_messages(
                    owner,
                    id,
                    stored.len() as u64,
                    numbered("m", stored.len() + 1, n),
                )
                .await,
            "append_messages while filling a conversation",
        );
        stored.extend(got);
    }
    stored
}

/// Every conversation of `owner` on `route`, page by page.
async fn all_conversations<S: ConversationStore>(
    store: &S,
    owner: &str,
    route: &str,
    limit: usize,
) -> Vec<ConversationRecord> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0.. {
        assert!(
            page_number <= 10_000,
            "store conformance: list_conversations never stopped returning a cursor"
        );
        let page: Page<ConversationRecord> = ok(
            store
                .list_conversations(owner, route, limit, cursor.as_deref())
                .await,
            &format!("list_conversations(limit {limit}, page {page_number})"),
        );
        assert!(
            page.items.len() <= limit,
            "store conformance: list_conversations(limit {limit}) returned {} items",
            page.items.len()
        );
        if page.next.is_some() {
            assert!(
                !page.items.is_empty(),
                "store conformance: list_conversations returned an empty page with a next cursor"
            );
        }
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all
}

/// Every message of a conversation in `order`, page by page.
async fn all_messages<S: ConversationStore>(
    store: &S,
    owner: &str,
    id: &str,
    order: MessageOrder,
    limit: usize,
) -> Vec<StoredMessage> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0.. {
        assert!(
            page_number <= 100_000,
            "store conformance: list_messages never stopped returning a cursor"
        );
        let page = ok(
            store
                .list_messages(owner, id, order, limit, cursor.as_deref())
                .await,
            &format!("list_messages({order:?}, limit {limit}, page {page_number})"),
        );
        assert!(
            page.items.len() <= limit,
            "store conformance: list_messages(limit {limit}) returned {} items",
            page.items.len()
        );
        if page.next.is_some() {
            assert!(
                !page.items.is_empty(),
                "store conformance: list_messages returned an empty page with a next cursor"
            );
        }
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all
}

fn ids(records: &[ConversationRecord]) -> Vec<&str> {
    records.iter().map(|r| r.id.as_str()).collect()
}

fn seqs(messages: &[StoredMessage]) -> Vec<u64> {
    messages.iter().map(|m| m.seq).collect()
}

/// Sorted as listings must be: most recently updated first, ties by id.
fn listing_order(records: &mut [ConversationRecord]) {
    records.sort_by(|a, b| (Reverse(a.updated_at), &a.id).cmp(&(Reverse(b.updated_at), &b.id)));
}

fn assert_listing_order(records: &[ConversationRecord], what: &str) {
    let mut sorted = records.to_vec();
    listing_order(&mut sorted);
    assert_eq!(
        ids(records),
        ids(&sorted),
        "store conformance: {what}: conversations are not most recently updated first (ties by id)"
    );
}

// ---------------------------------------------------------------------------------------
// checks

/// Create returns a complete record with a fresh id; get returns the same record.
pub async fn create_and_get<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let metadata = json!({"topic": "billing", "tags": ["a", "b"], "n": 3, "nested": {"ok": true}});
    let created = ok(
        store
            .create_conversation(NewConversation {
                owner: owner.clone(),
                route: route.clone(),
                name: Some("First chat".into()),
                metadata: Some(metadata.clone()),
            })
            .await,
        "create_conversation",
    );
    assert!(
        !created.id.is_empty(),
        "store conformance: created conversation has an empty id"
    );
    assert_eq!(
        created.owner, owner,
        "store conformance: created conversation's owner"
    );
    assert_eq!(
        created.route, route,
        "store conformance: created conversation's route"
    );
    assert_eq!(
        created.name.as_deref(),
        Some("First chat"),
        "store conformance: created name"
    );
    assert_eq!(
        created.metadata,
        Some(metadata),
        "store conformance: created metadata"
    );
    assert_eq!(
        created.message_count, 0,
        "store conformance: a new conversation has messages"
    );
    assert!(
        created.created_at > 0,
        "store conformance: created_at is not set"
    );
    assert!(
        created.updated_at >= created.created_at,
        "store conformance: updated_at is before created_at"
    );

    let got = ok(
        store.get_conversation(&owner, &created.id).await,
        "get_conversation",
    );
    assert_eq!(
        got, created,
        "store conformance: get_conversation differs from what create returned"
    );

    let bare = create(store, &owner, &route).await;
    assert_ne!(
        bare.id, created.id,
        "store conformance: two conversations got the same id"
    );
    assert_eq!(
        bare.name, None,
        "store conformance: a conversation created without a name has one"
    );
    assert_eq!(
        bare.metadata, None,
        "store conformance: a conversation created without metadata has some"
    );
    let got = ok(
        store.get_conversation(&owner, &bare.id).await,
        "get_conversation",
    );
    assert_eq!(
        got, bare,
        "store conformance: get_conversation differs from what create returned"
    );

    expect_not_found(
        store.get_conversation(&owner, &unique("missing")).await,
        "get_conversation of an id that does not exist",
    );
}

/// Listings are per owner and per route, most recently updated first.
pub async fn list_isolation_and_order<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let other_owner = unique("owner");
    let route = unique("route");
    let other_route = unique("route");

    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(create(store, &owner, &route).await);
        tick().await;
    }
    let theirs = create(store, &other_owner, &route).await;
    let elsewhere = create(store, &owner, &other_route).await;

    let listed = ok(
        store.list_conversations(&owner, &route, 100, None).await,
        "list_conversations",
    );
    assert_eq!(
        listed.next, None,
        "store conformance: a complete listing has a next cursor"
    );
    let mut expected = mine.clone();
    listing_order(&mut expected);
    assert_eq!(
        ids(&listed.items),
        ids(&expected),
        "store conformance: list_conversations should hold exactly the owner's conversations of \
         the route, most recently updated first"
    );
    assert_eq!(
        ids(&listed.items),
        vec![
            mine[2].id.as_str(),
            mine[1].id.as_str(),
            mine[0].id.as_str()
        ],
        "store conformance: list_conversations should put the newest conversation first"
    );
    assert_eq!(
        listed.items, expected,
        "store conformance: listed records differ from created ones"
    );

    let listed = ok(
        store
            .list_conversations(&other_owner, &route, 100, None)
            .await,
        "list_conversations",
    );
    assert_eq!(
        ids(&listed.items),
        vec![theirs.id.as_str()],
        "store conformance: owner isolation in listings"
    );
    let listed = ok(
        store
            .list_conversations(&owner, &other_route, 100, None)
            .await,
        "list_conversations",
    );
    assert_eq!(
        ids(&listed.items),
        vec![elsewhere.id.as_str()],
        "store conformance: route isolation in listings"
    );
    let listed = ok(
        store
            .list_conversations(&unique("nobody"), &route, 100, None)
            .await,
        "list_conversations",
    );
    assert!(
        listed.items.is_empty() && listed.next.is_none(),
        "store conformance: an owner without conversations should get an empty listing, got {listed:?}"
    );

    // Appending moves the oldest conversation to the front.
    tick().await;
    ok(
        store
            .append_messages(&owner, &mine[0].id, 0, vec![text_message(Role::User, "hi")])
            .await,
        "append_messages",
    );
    let listed = ok(
        store.list_conversations(&owner, &route, 100, None).await,
        "list_conversations",
    );
    assert_listing_order(&listed.items, "after an append");
    assert_eq!(
        listed.items.first().map(|r| r.id.as_str()),
        Some(mine[0].id.as_str()),
        "store conformance: a conversation just appended to should be listed first"
    );
    assert_eq!(
        listed.items.len(),
        3,
        "store conformance: listing after an append"
    );
}

/// Keyset pagination visits every conversation exactly once, in order, at any page size.
pub async fn list_pagination<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let mut created = Vec::new();
    // Some created back to back (possibly in the same millisecond, so ties by id are
    // exercised), some spaced out.
    for i in 0..13 {
        created.push(create(store, &owner, &route).await);
        if i % 3 == 0 {
            tick().await;
        }
    }
    let full = ok(
        store.list_conversations(&owner, &route, 1000, None).await,
        "list_conversations",
    );
    assert_eq!(
        full.next, None,
        "store conformance: a complete listing has a next cursor"
    );
    assert_eq!(
        full.items.len(),
        created.len(),
        "store conformance: listing of 13 conversations"
    );
    assert_listing_order(&full.items, "complete listing");
    let expected_ids: HashSet<&str> = created.iter().map(|r| r.id.as_str()).collect();
    let listed_ids: HashSet<&str> = full.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        listed_ids, expected_ids,
        "store conformance: listing should hold every conversation created"
    );

    for limit in [1, 2, 7, 13, 14] {
        let paged = all_conversations(store, &owner, &route, limit).await;
        assert_eq!(
            ids(&paged),
            ids(&full.items),
            "store conformance: paging with limit {limit} should visit every conversation \
             exactly once, in listing order"
        );
    }
    let first = ok(
        store.list_conversations(&owner, &route, 5, None).await,
        "list_conversations",
    );
    assert_eq!(
        first.items.len(),
        5,
        "store conformance: a page of 5 out of 13"
    );
    assert!(
        first.next.is_some(),
        "store conformance: a partial listing has no next cursor"
    );
}

/// `None` fields of a patch leave the conversation as it is.
pub async fn update_conversation<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let original = ok(
        store
            .create_conversation(NewConversation {
                owner: owner.clone(),
                route: route.clone(),
                name: Some("before".into()),
                metadata: Some(json!({"v": 1})),
            })
            .await,
        "create_conversation",
    );
    tick().await;

    let renamed = ok(
        store
            .update_conversation(
                &owner,
                &original.id,
                ConversationPatch {
                    name: Some("after".into()),
                    metadata: None,
                },
            )
            .await,
        "update_conversation(name)",
    );
    assert_eq!(
        renamed.name.as_deref(),
        Some("after"),
        "store conformance: update should set the name"
    );
    assert_eq!(
        renamed.metadata,
        Some(json!({"v": 1})),
        "store conformance: a name-only update changed metadata"
    );
    assert_eq!(
        renamed.id, original.id,
        "store conformance: update changed the id"
    );
    assert_eq!(
        renamed.owner, owner,
        "store conformance: update changed the owner"
    );
    assert_eq!(
        renamed.route, route,
        "store conformance: update changed the route"
    );
    assert_eq!(
        renamed.created_at, original.created_at,
        "store conformance: update changed created_at"
    );
    assert!(
        renamed.updated_at >= original.updated_at,
        "store conformance: update moved updated_at backwards"
    );

    let retagged = ok(
        store
            .update_conversation(
                &owner,
                &original.id,
                ConversationPatch {
                    name: None,
                    metadata: Some(json!({"v": 2, "list": [1, 2]})),
                },
            )
            .await,
        "update_conversation(metadata)",
    );
    assert_eq!(
        retagged.name.as_deref(),
        Some("after"),
        "store conformance: a metadata-only update changed the name"
    );
    assert_eq!(
        retagged.metadata,
        Some(json!({"v": 2, "list": [1, 2]})),
        "store conformance: update should set metadata"
    );

    let untouched = ok(
        store
            .update_conversation(&owner, &original.id, ConversationPatch::default())
            .await,
        "update_conversation(empty patch)",
    );
    assert_eq!(
        untouched.name, retagged.name,
        "store conformance: an empty patch changed the name"
    );
    assert_eq!(
        untouched.metadata, retagged.metadata,
        "store conformance: an empty patch changed metadata"
    );

    let got = ok(
        store.get_conversation(&owner, &original.id).await,
        "get_conversation",
    );
    assert_eq!(
        got, untouched,
        "store conformance: get_conversation differs from what update returned"
    );

    // Setting fields on a conversation created without them.
    let bare = create(store, &owner, &route).await;
    let filled = ok(
        store
            .update_conversation(
                &owner,
                &bare.id,
                ConversationPatch {
                    name: Some("named".into()),
                    metadata: Some(json!(["x"])),
                },
            )
            .await,
        "update_conversation(both)",
    );
    assert_eq!(
        filled.name.as_deref(),
        Some("named"),
        "store conformance: update should set the name"
    );
    assert_eq!(
        filled.metadata,
        Some(json!(["x"])),
        "store conformance: update should set metadata"
    );

    expect_not_found(
        store
            .update_conversation(&owner, &unique("missing"), ConversationPatch::default())
            .await,
        "update_conversation of an id that does not exist",
    );
}

/// Deleting removes the conversation and its messages; nothing else.
pub async fn delete_conversation<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let doomed = create(store, &owner, &route).await;
    let kept = create(store, &owner, &route).await;
    fill(store, &owner, &doomed.id, 5, 5).await;
    fill(store, &owner, &kept.id, 3, 3).await;

    ok(
        store.delete_conversation(&owner, &doomed.id).await,
        "delete_conversation",
    );
    expect_not_found(
        store.get_conversation(&owner, &doomed.id).await,
        "get_conversation after delete",
    );
    expect_not_found(
        store
            .list_messages(&owner, &doomed.id, MessageOrder::Oldest, 10, None)
            .await,
        "list_messages after delete",
    );
    expect_not_found(
        store
            .append_messages(
                &owner,
                &doomed.id,
                5,
                vec![text_message(Role::User, "late")],
            )
            .await,
        "append_messages after delete",
    );
    expect_not_found(
        store
            .append_messages(
                &owner,
                &doomed.id,
                0,
                vec![text_message(Role::User, "late")],
            )
            .await,
        "append_messages (expected 0) after delete",
    );
    expect_not_found(
        store
            .update_conversation(&owner, &doomed.id, ConversationPatch::default())
            .await,
        "update_conversation after delete",
    );
    expect_not_found(
        store.delete_conversation(&owner, &doomed.id).await,
        "a second delete_conversation",
    );

    let listed = ok(
        store.list_conversations(&owner, &route, 10, None).await,
        "list_conversations",
    );
    assert_eq!(
        ids(&listed.items),
        vec![kept.id.as_str()],
        "store conformance: listing after delete"
    );
    let kept_messages = all_messages(store, &owner, &kept.id, MessageOrder::Oldest, 10).await;
    assert_eq!(
        seqs(&kept_messages),
        vec![1, 2, 3],
        "store conformance: delete touched another conversation's messages"
    );
}

/// Every field of every kind of message survives the store; seq starts at 1 and runs on.
pub async fn append_round_trip<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let conversation = create(store, &owner, &unique("route")).await;
    tick().await;

    let user = NewMessage {
        role: Role::User,
        content: vec![
            ContentPart::text("What is in these? ünïcödé ✓ \"quotes\" \n newline"),
            ContentPart::Image {
                format: "png".into(),
                data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==".into(),
            },
            ContentPart::Document {
                format: "pdf".into(),
                name: "report-2024".into(),
                data: "JVBERi0xLjQK".into(),
                citations: true,
            },
        ],
        ai_context: Some(json!({"page": "/billing", "plan": "pro", "ids": [1, 2, 3]})),
        stop_reason: None,
        usage: None,
        model_id: None,
        incomplete: false,
        estimated_tokens: 1234,
    };
    let assistant_tool_use = NewMessage {
        role: Role::Assistant,
        content: vec![
            // Signed and redacted reasoning must come back byte for byte: Bedrock refuses
            // a tool-loop step whose reasoning was altered.
            ContentPart::Reasoning {
                text: "The user wants invoice INV-1 \u{2014} look it up.\n".into(),
                signature: Some("EqQBCkgIARABGAIiQL+/sig==".into()),
                redacted: None,
            },
            ContentPart::Reasoning {
                text: String::new(),
                signature: None,
                redacted: Some("AAECAwQFBgcICQ==".into()),
            },
            ContentPart::text("Let me look that up."),
            ContentPart::CitedText {
                text: "The report covers 2024.".into(),
                citations: vec![
                    crate::Citation {
                        title: Some("report-2024".into()),
                        source_text: vec!["Annual report, fiscal year 2024".into()],
                        location: crate::CitationLocation::DocumentPage {
                            document_index: 0,
                            start: 1,
                            end: 2,
                        },
                    },
                    crate::Citation {
                        title: None,
                        source_text: Vec::new(),
                        location: crate::CitationLocation::Web {
                            url: "https://example.com/a".into(),
                            domain: None,
                        },
                    },
                ],
            },
            ContentPart::ToolUse {
                id: "tooluse_abc123".into(),
                name: "lookup_invoice".into(),
                input: json!({"invoice": "INV-1", "lines": [1, 2], "deep": {"x": null}}),
            },
        ],
        ai_context: None,
        stop_reason: Some("tool_use".into()),
        usage: Some(Usage {
            input_tokens: 1500,
            output_tokens: 42,
            cache_read_tokens: 7,
            cache_write_tokens: 9,
            cost_usd: 0.000_123_456_789,
            ..Usage::default()
        }),
        model_id: Some("amazon.nova-micro-v1:0".into()),
        incomplete: false,
        estimated_tokens: 60,
    };
    let tool_results = NewMessage {
        role: Role::User,
        content: vec![
            ContentPart::ToolResult {
                tool_use_id: "tooluse_abc123".into(),
                status: ToolStatus::Success,
                content: json!({"total": 12.5, "currency": "EUR"}),
            },
            ContentPart::ToolResult {
                tool_use_id: "tooluse_def456".into(),
                status: ToolStatus::Error,
                content: json!("invoice not found"),
            },
        ],
        ai_context: None,
        stop_reason: None,
        usage: None,
        model_id: None,
        incomplete: false,
        estimated_tokens: 0,
    };
    let cut_short = NewMessage {
        role: Role::Assistant,
        content: vec![ContentPart::text("The total is")],
        ai_context: Some(json!("a plain string context")),
        stop_reason: Some("error".into()),
        usage: Some(Usage::default()),
        model_id: Some("anthropic.claude-3-haiku-20240307-v1:0".into()),
        incomplete: true,
        estimated_tokens: u32::MAX,
    };
    let sent = vec![user, assistant_tool_use, tool_results];
    let stored = ok(
        store
            .append_messages(&owner, &conversation.id, 0, sent.clone())
            .await,
        "append_messages",
    );
    assert_eq!(
        stored.len(),
        3,
        "store conformance: append of 3 returned {} messages",
        stored.len()
    );
    let more = ok(
        store
            .append_messages(&owner, &conversation.id, 3, vec![cut_short.clone()])
            .await,
        "second append_messages",
    );
    let sent: Vec<NewMessage> = sent.into_iter().chain([cut_short]).collect();
    let stored: Vec<StoredMessage> = stored.into_iter().chain(more).collect();

    let mut message_ids = HashSet::new();
    for (i, (new, got)) in sent.iter().zip(&stored).enumerate() {
        let what = format!("store conformance: message {} as returned by append", i + 1);
        assert_eq!(got.seq, i as u64 + 1, "{what}: seq");
        assert_eq!(
            got.conversation_id, conversation.id,
            "{what}: conversation_id"
        );
        assert!(!got.id.is_empty(), "{what}: empty id");
        assert!(
            message_ids.insert(got.id.clone()),
            "{what}: duplicate message id {}",
            got.id
        );
        assert!(got.created_at > 0, "{what}: created_at not set");
        assert_eq!(got.role, new.role, "{what}: role");
        assert_eq!(got.content, new.content, "{what}: content");
        assert_eq!(got.ai_context, new.ai_context, "{what}: ai_context");
        assert_eq!(got.stop_reason, new.stop_reason, "{what}: stop_reason");
        assert_eq!(got.usage, new.usage, "{what}: usage");
        assert_eq!(got.model_id, new.model_id, "{what}: model_id");
        assert_eq!(got.incomplete, new.incomplete, "{what}: incomplete");
        assert_eq!(
            got.estimated_tokens, new.estimated_tokens,
            "{what}: estimated_tokens"
        );
    }

    let listed = all_messages(store, &owner, &conversation.id, MessageOrder::Oldest, 100).await;
    assert_eq!(
        listed, stored,
        "store conformance: list_messages differs from what append returned"
    );
    let newest = all_messages(store, &owner, &conversation.id, MessageOrder::Newest, 100).await;
    let mut reversed = stored.clone();
    reversed.reverse();
    assert_eq!(
        newest, reversed,
        "store conformance: list_messages(Newest) should be the reverse"
    );

    let record = ok(
        store.get_conversation(&owner, &conversation.id).await,
        "get_conversation",
    );
    assert_eq!(
        record.message_count, 4,
        "store conformance: message_count after appending 4"
    );
    assert!(
        record.updated_at > conversation.updated_at,
        "store conformance: append should bump updated_at (was {}, now {})",
        conversation.updated_at,
        record.updated_at
    );
    assert_eq!(
        record.created_at, conversation.created_at,
        "store conformance: append changed created_at"
    );
}

/// A stale `expected_count` is a conflict and writes nothing; an empty append is invalid.
pub async fn append_conflict<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let conversation = create(store, &owner, &unique("route")).await;
    fill(store, &owner, &conversation.id, 2, 2).await;

    for stale in [0, 1, 3, 100] {
        expect_conflict(
            store
                .append_messages(&owner, &conversation.id, stale, numbered("stale", 0, 2))
                .await,
            stale,
            2,
            &format!("append_messages with expected_count {stale} when there are 2"),
        );
    }
    expect_invalid(
        store
            .append_messages(&owner, &conversation.id, 2, Vec::new())
            .await,
        "append_messages with no messages",
    );
    let record = ok(
        store.get_conversation(&owner, &conversation.id).await,
        "get_conversation",
    );
    assert_eq!(
        record.message_count, 2,
        "store conformance: a rejected append changed message_count"
    );
    let listed = all_messages(store, &owner, &conversation.id, MessageOrder::Oldest, 100).await;
    assert_eq!(
        seqs(&listed),
        vec![1, 2],
        "store conformance: a rejected append wrote messages"
    );
    assert!(
        listed.iter().all(|m| !m.text().starts_with("stale")),
        "store conformance: a rejected append wrote messages"
    );

    let next = ok(
        store
            .append_messages(&owner, &conversation.id, 2, numbered("fresh", 3, 1))
            .await,
        "append_messages with the right count",
    );
    assert_eq!(
        seqs(&next),
        vec![3],
        "store conformance: append after a conflict"
    );
}

/// Another owner's conversation does not exist for them, whatever they try; and nothing
/// they try changes it.
pub async fn other_owner_not_found<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let intruder = unique("owner");
    let route = unique("route");
    let conversation = ok(
        store
            .create_conversation(NewConversation {
                owner: owner.clone(),
                route: route.clone(),
                name: Some("private".into()),
                metadata: Some(json!({"secret": true})),
            })
            .await,
        "create_conversation",
    );
    fill(store, &owner, &conversation.id, 2, 2).await;
    let before = ok(
        store.get_conversation(&owner, &conversation.id).await,
        "get_conversation",
    );
    let id = conversation.id.as_str();

    expect_not_found(
        store.get_conversation(&intruder, id).await,
        "get_conversation by another owner",
    );
    expect_not_found(
        store
            .update_conversation(
                &intruder,
                id,
                ConversationPatch {
                    name: Some("pwned".into()),
                    metadata: Some(json!({})),
                },
            )
            .await,
        "update_conversation by another owner",
    );
    expect_not_found(
        store
            .append_messages(&intruder, id, 2, vec![text_message(Role::User, "pwned")])
            .await,
        "append_messages by another owner (right count)",
    );
    expect_not_found(
        store
            .append_messages(&intruder, id, 0, vec![text_message(Role::User, "pwned")])
            .await,
        "append_messages by another owner (wrong count)",
    );
    for order in [MessageOrder::Oldest, MessageOrder::Newest] {
        expect_not_found(
            store.list_messages(&intruder, id, order, 10, None).await,
            "list_messages by another owner",
        );
    }
    expect_not_found(
        store.delete_conversation(&intruder, id).await,
        "delete_conversation by another owner",
    );
    let listed = ok(
        store.list_conversations(&intruder, &route, 10, None).await,
        "list_conversations",
    );
    assert!(
        listed.items.is_empty(),
        "store conformance: another owner's listing shows the conversation"
    );

    let after = ok(
        store.get_conversation(&owner, id).await,
        "get_conversation by the owner",
    );
    assert_eq!(
        after, before,
        "store conformance: another owner's calls changed the conversation"
    );
    let messages = all_messages(store, &owner, id, MessageOrder::Oldest, 10).await;
    assert_eq!(
        seqs(&messages),
        vec![1, 2],
        "store conformance: another owner's calls changed the messages"
    );

    // Unknown ids look the same as other owners' ones.
    let missing = unique("missing");
    expect_not_found(
        store.get_conversation(&owner, &missing).await,
        "get_conversation of a missing id",
    );
    expect_not_found(
        store
            .append_messages(&owner, &missing, 0, vec![text_message(Role::User, "x")])
            .await,
        "append_messages to a missing id",
    );
    expect_not_found(
        store
            .list_messages(&owner, &missing, MessageOrder::Newest, 10, None)
            .await,
        "list_messages of a missing id",
    );
    expect_not_found(
        store.delete_conversation(&owner, &missing).await,
        "delete_conversation of a missing id",
    );
}

/// Both orders page through every message exactly once, at any page size.
pub async fn list_messages_pagination<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let conversation = create(store, &owner, &unique("route")).await;
    let id = conversation.id.as_str();

    for order in [MessageOrder::Oldest, MessageOrder::Newest] {
        let empty = ok(
            store.list_messages(&owner, id, order, 10, None).await,
            "list_messages",
        );
        assert!(
            empty.items.is_empty() && empty.next.is_none(),
            "store conformance: messages of an empty conversation ({order:?}): {empty:?}"
        );
    }

    let stored = fill(store, &owner, id, 11, 4).await;
    assert_eq!(
        seqs(&stored),
        (1..=11).collect::<Vec<_>>(),
        "store conformance: seq over batched appends"
    );
    let mut reversed = stored.clone();
    reversed.reverse();
    for limit in [1, 2, 3, 7, 10, 11, 12, 1000] {
        let oldest = all_messages(store, &owner, id, MessageOrder::Oldest, limit).await;
        assert_eq!(
            oldest, stored,
            "store conformance: paging Oldest with limit {limit} should give every message once, seq ascending"
        );
        let newest = all_messages(store, &owner, id, MessageOrder::Newest, limit).await;
        assert_eq!(
            newest, reversed,
            "store conformance: paging Newest with limit {limit} should give every message once, seq descending"
        );
    }

    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 3, None)
            .await,
        "list_messages",
    );
    assert_eq!(
        seqs(&page.items),
        vec![11, 10, 9],
        "store conformance: newest page of 3"
    );
    let cursor = page
        .next
        .expect("store conformance: a partial page of messages has no next cursor");
    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 3, Some(&cursor))
            .await,
        "list_messages with a cursor",
    );
    assert_eq!(
        seqs(&page.items),
        vec![8, 7, 6],
        "store conformance: second newest page of 3"
    );

    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Oldest, 4, None)
            .await,
        "list_messages",
    );
    assert_eq!(
        seqs(&page.items),
        vec![1, 2, 3, 4],
        "store conformance: oldest page of 4"
    );

    // A cursor stays valid while the conversation grows.
    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 5, None)
            .await,
        "list_messages",
    );
    let cursor = page
        .next
        .expect("store conformance: a partial page of messages has no next cursor");
    fill_more(store, &owner, id, 11, 2).await;
    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 5, Some(&cursor))
            .await,
        "list_messages with a cursor after more appends",
    );
    assert_eq!(
        seqs(&page.items),
        vec![6, 5, 4, 3, 2],
        "store conformance: a Newest cursor should keep its place when messages are appended"
    );
}

async fn fill_more<S: ConversationStore>(store: &S, owner: &str, id: &str, count: u64, n: usize) {
    ok(
        store
            .append_messages(owner, id, count, numbered("more", count as usize + 1, n))
            .await,
        "append_messages",
    );
}

/// A long conversation (1,050 messages) served newest page first, as a turn reads history.
pub async fn many_messages_newest_first<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let conversation = create(store, &owner, &unique("route")).await;
    let id = conversation.id.as_str();
    let total = 1050;
    let stored = fill(store, &owner, id, total, 150).await;
    assert_eq!(stored.len(), total);
    let record = ok(store.get_conversation(&owner, id).await, "get_conversation");
    assert_eq!(
        record.message_count, total as u64,
        "store conformance: message_count after 1,050 messages"
    );

    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 50, None)
            .await,
        "list_messages",
    );
    assert_eq!(
        seqs(&page.items),
        (1001..=1050).rev().collect::<Vec<u64>>(),
        "store conformance: the newest 50 of 1,050 messages"
    );
    assert_eq!(
        page.items[0].text(),
        "m 1050",
        "store conformance: newest message text"
    );
    let cursor = page
        .next
        .expect("store conformance: newest page of a long conversation has no next cursor");
    let page = ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 50, Some(&cursor))
            .await,
        "list_messages with a cursor",
    );
    assert_eq!(
        seqs(&page.items),
        (951..=1000).rev().collect::<Vec<u64>>(),
        "store conformance: the second newest 50 of 1,050 messages"
    );

    let everything = all_messages(store, &owner, id, MessageOrder::Newest, 1000).await;
    assert_eq!(
        seqs(&everything),
        (1..=total as u64).rev().collect::<Vec<u64>>(),
        "store conformance: all 1,050 messages newest first in pages of 1,000"
    );
    let everything = all_messages(store, &owner, id, MessageOrder::Oldest, 333).await;
    assert_eq!(
        everything, stored,
        "store conformance: all 1,050 messages oldest first in pages of 333"
    );
}

/// Limits outside 1..=1000 and malformed cursors are rejected as invalid.
pub async fn invalid_requests<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let conversation = create(store, &owner, &route).await;
    fill(store, &owner, &conversation.id, 3, 3).await;
    let id = conversation.id.as_str();

    for limit in [0, 1001, usize::MAX] {
        expect_invalid(
            store.list_conversations(&owner, &route, limit, None).await,
            &format!("list_conversations with limit {limit}"),
        );
        for order in [MessageOrder::Oldest, MessageOrder::Newest] {
            expect_invalid(
                store.list_messages(&owner, id, order, limit, None).await,
                &format!("list_messages({order:?}) with limit {limit}"),
            );
        }
    }
    ok(
        store.list_conversations(&owner, &route, 1000, None).await,
        "list_conversations with limit 1000",
    );
    ok(
        store
            .list_messages(&owner, id, MessageOrder::Newest, 1000, None)
            .await,
        "list_messages with limit 1000",
    );

    for cursor in ["", "not a cursor", "%%%", "\u{0}"] {
        expect_invalid(
            store
                .list_conversations(&owner, &route, 10, Some(cursor))
                .await,
            &format!("list_conversations with cursor {cursor:?}"),
        );
        for order in [MessageOrder::Oldest, MessageOrder::Newest] {
            expect_invalid(
                store
                    .list_messages(&owner, id, order, 10, Some(cursor))
                    .await,
                &format!("list_messages({order:?}) with cursor {cursor:?}"),
            );
        }
    }
    expect_invalid(
        store.append_messages(&owner, id, 3, Vec::new()).await,
        "append_messages with no messages",
    );
}

fn expect_too_large<T: Debug>(result: Result<T, StoreError>, field: CappedField, what: &str) {
    match result {
        Err(StoreError::TooLarge { field: f, .. }) if f == field => {}
        other => panic!("{what}: expected StoreError::TooLarge for the {field}, got {other:?}"),
    }
}

/// Names, metadata and message text over their caps are refused with
/// [`StoreError::TooLarge`] and nothing is written; values at the cap are stored.
pub async fn size_caps<S: ConversationStore>(store: &S) {
    let owner = unique("owner");
    let route = unique("route");
    let long_name = "n".repeat(MAX_NAME_BYTES + 1);
    let big_metadata = json!({"blob": "m".repeat(MAX_METADATA_BYTES)});
    expect_too_large(
        store
            .create_conversation(NewConversation {
                name: Some(long_name.clone()),
                ..new_conversation(&owner, &route)
            })
            .await,
        CappedField::Name,
        "create_conversation with a long name",
    );
    expect_too_large(
        store
            .create_conversation(NewConversation {
                metadata: Some(big_metadata.clone()),
                ..new_conversation(&owner, &route)
            })
            .await,
        CappedField::Metadata,
        "create_conversation with large metadata",
    );
    let listed = ok(
        store.list_conversations(&owner, &route, 10, None).await,
        "list_conversations after refused creates",
    );
    assert!(
        listed.items.is_empty(),
        "refused creates stored conversations: {:?}",
        ids(&listed.items)
    );

    let conversation = ok(
        store
            .create_conversation(NewConversation {
                name: Some("n".repeat(MAX_NAME_BYTES)),
                ..new_conversation(&owner, &route)
            })
            .await,
        "create_conversation with a name at the cap",
    );
    let id = conversation.id.as_str();
    expect_too_large(
        store
            .update_conversation(
                &owner,
                id,
                ConversationPatch {
                    name: Some(long_name),
                    metadata: None,
                },
            )
            .await,
        CappedField::Name,
        "update_conversation with a long name",
    );
    expect_too_large(
        store
            .update_conversation(
                &owner,
                id,
                ConversationPatch {
                    name: None,
                    metadata: Some(big_metadata),
                },
            )
            .await,
        CappedField::Metadata,
        "update_conversation with large metadata",
    );
    expect_too_large(
        store
            .append_messages(
                &owner,
                id,
                0,
                vec![text_message(
                    Role::User,
                    &"t".repeat(MAX_MESSAGE_TEXT_BYTES + 1),
                )],
            )
            .await,
        CappedField::MessageText,
        "append_messages with too much text",
    );
    let record = ok(
        store.get_conversation(&owner, id).await,
        "get_conversation after refused changes",
    );
    assert_eq!(record.name.as_deref().map(str::len), Some(MAX_NAME_BYTES));
    assert_eq!(record.metadata, None, "refused metadata was stored");
    assert_eq!(record.message_count, 0, "a refused append was stored");
}

/// Tasks racing to append with the count they read: per round exactly one wins, the others
/// get a conflict, and the stored messages are exactly the winners', without gaps.
pub async fn concurrent_appends<S: ConversationStore>(store: &S) {
    const TASKS: usize = 8;
    const ROUNDS: usize = 6;
    const PER_APPEND: usize = 2;

    let owner = unique("owner");
    let conversation = create(store, &owner, &unique("route")).await;
    let id = conversation.id.as_str();
    let barrier = tokio::sync::Barrier::new(TASKS);

    let task = |t: usize| {
        let owner = owner.as_str();
        let barrier = &barrier;
        async move {
            // Per round: (count read, won?)
            let mut outcomes = Vec::with_capacity(ROUNDS);
            for round in 0..ROUNDS {
                let seen = ok(
                    store.get_conversation(owner, id).await,
                    "get_conversation in a racing task",
                )
                .message_count;
                barrier.wait().await;
                let messages = (0..PER_APPEND)
                    .map(|k| text_message(Role::User, &format!("task {t} round {round} part {k}")))
                    .collect();
                let result = store.append_messages(owner, id, seen, messages).await;
                let won = match result {
                    Ok(stored) => {
                        assert_eq!(
                            seqs(&stored),
                            (seen + 1..=seen + PER_APPEND as u64).collect::<Vec<_>>(),
                            "store conformance: a racing append got the wrong seq"
                        );
                        true
                    }
                    Err(StoreError::Conflict {
                        expected, actual, ..
                    }) => {
                        assert_eq!(
                            expected, seen,
                            "store conformance: Conflict reports the wrong expected count"
                        );
                        assert!(
                            actual > seen,
                            "store conformance: Conflict reports actual {actual}, expected more than {seen}"
                        );
                        false
                    }
                    Err(other) => panic!("store conformance: a racing append failed: {other:?}"),
                };
                outcomes.push((seen, won));
                barrier.wait().await;
            }
            outcomes
        }
    };
    let results = futures_util::future::join_all((0..TASKS).map(task)).await;

    let mut winners = Vec::new();
    for round in 0..ROUNDS {
        let won: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, task)| task[round].1)
            .map(|(t, _)| t)
            .collect();
        let seen: HashSet<u64> = results.iter().map(|task| task[round].0).collect();
        assert_eq!(
            won.len(),
            1,
            "store conformance: round {round} of racing appends with the same expected count had \
             {} winners (tasks {won:?}); exactly one may succeed",
            won.len()
        );
        assert_eq!(
            seen,
            HashSet::from([(round * PER_APPEND) as u64]),
            "store conformance: racing tasks read different counts in round {round}"
        );
        winners.push(won[0]);
    }

    let messages = all_messages(store, &owner, id, MessageOrder::Oldest, 1000).await;
    assert_eq!(
        seqs(&messages),
        (1..=(ROUNDS * PER_APPEND) as u64).collect::<Vec<_>>(),
        "store conformance: seq after racing appends has gaps or duplicates"
    );
    let expected_texts: Vec<String> = winners
        .iter()
        .enumerate()
        .flat_map(|(round, t)| {
            (0..PER_APPEND).map(move |k| format!("task {t} round {round} part {k}"))
        })
        .collect();
    let texts: Vec<String> = messages.iter().map(StoredMessage::text).collect();
    assert_eq!(
        texts, expected_texts,
        "store conformance: stored messages should be exactly the winners', in order, all parts together"
    );
    let record = ok(store.get_conversation(&owner, id).await, "get_conversation");
    assert_eq!(
        record.message_count,
        (ROUNDS * PER_APPEND) as u64,
        "store conformance: message_count after racing appends"
    );
}

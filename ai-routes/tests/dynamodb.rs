//! `DynamoDbStore` against a real DynamoDB-compatible server (moto_server, which `.ci/run`
//! installs and starts): the store conformance suite, racing writers on two clients,
//! batched deletes, the item size limit, multi-transaction appends and TTL tables.
//!
//! The server's address comes from `AI_ROUTES_DYNAMODB_ENDPOINT`. Without it the tests are
//! skipped loudly, except in CI (`CI` set), where they fail.

#![cfg(all(feature = "testing", feature = "dynamodb"))]

use std::collections::HashSet;
use std::time::Duration;

use ai_routes::conversation::{ContentPart, NewMessage, Role};
use ai_routes::store::{
    ConversationStore, DynamoDbStore, MessageOrder, NewConversation, StoreError, TableNames,
};
use ai_routes::testing::conformance::{self, text_message, unique};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

const ENDPOINT_VAR: &str = "AI_ROUTES_DYNAMODB_ENDPOINT";

/// The server's endpoint, or `None` (after saying so loudly) when tests must be skipped.
fn endpoint() -> Option<String> {
    match std::env::var(ENDPOINT_VAR) {
        Ok(endpoint) if !endpoint.is_empty() => Some(endpoint),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{ENDPOINT_VAR} is not set, but CI is: the DynamoDB store tests must run in CI \
             (.ci/run starts moto_server and sets it)"
        ),
        _ => {
            // Straight to the process's stderr (libtest captures `eprintln!`), once.
            static LOUD: std::sync::Once = std::sync::Once::new();
            LOUD.call_once(|| {
                use std::io::Write;
                let bar = "!".repeat(78);
                let _ = writeln!(
                    std::io::stderr(),
                    "\n{bar}\n!!! SKIPPED: the DynamoDB store tests, {ENDPOINT_VAR} is not set.\n\
                     !!! bash .ci/run installs and starts moto_server and runs them; to run \
                     only these,\n!!! see \"Testing\" in docs/dynamodb.md.\n{bar}\n"
                );
            });
            None
        }
    }
}

fn client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A store on fresh tables of its own (unique prefix), or `None` when skipping.
async fn fresh_store(test: &str) -> Option<(DynamoDbStore, TableNames, String)> {
    let endpoint = endpoint()?;
    let prefix = format!("{}-", unique(test));
    let store = DynamoDbStore::new(client(&endpoint), prefix.as_str());
    store.create_tables().await.expect("create_tables");
    Some((store, TableNames::with_prefix(&prefix), endpoint))
}

fn new_conversation(owner: &str) -> NewConversation {
    NewConversation {
        owner: owner.into(),
        route: "support".into(),
        name: None,
        metadata: None,
    }
}

/// Message items of a conversation actually in the table (whatever the store shows).
async fn message_items(store: &DynamoDbStore, id: &str) -> usize {
    let mut count = 0;
    let mut start = None;
    loop {
        let out = store
            .client()
            .query()
            .table_name(&store.tables().messages)
            .key_condition_expression("conversation_id = :id")
            .expression_attribute_values(
                ":id",
                aws_sdk_dynamodb::types::AttributeValue::S(id.into()),
            )
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        count += out.items().len();
        start = out.last_evaluated_key;
        if start.is_none() {
            return count;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_store_conforms() {
    let Some((store, _, _)) = fresh_store("conformance").await else {
        return;
    };
    conformance::run(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_tables_is_idempotent_and_ttl_is_enabled() {
    let Some((store, tables, endpoint)) = fresh_store("tables").await else {
        return;
    };
    // Again, on existing tables, now with TTL.
    let store = store.with_ttl(Duration::from_secs(3600));
    store.create_tables().await.expect("create_tables again");
    store
        .create_tables()
        .await
        .expect("create_tables a third time");
    let client = client(&endpoint);
    for table in [&tables.conversations, &tables.messages] {
        let ttl = client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
            .unwrap();
        let description = ttl.time_to_live_description().unwrap();
        assert_eq!(description.attribute_name(), Some("expires_at"), "{table}");
    }

    // Items carry expires_at about an hour ahead.
    let record = store
        .create_conversation(new_conversation("ttl-owner"))
        .await
        .unwrap();
    store
        .append_messages(
            "ttl-owner",
            &record.id,
            0,
            vec![text_message(Role::User, "hi")],
        )
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let item = client
        .get_item()
        .table_name(&tables.conversations)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(record.id.clone()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    assert!(
        (now + 3500..=now + 3700).contains(&expires),
        "{expires} vs {now}"
    );
    let messages = store
        .list_messages("ttl-owner", &record.id, MessageOrder::Oldest, 10, None)
        .await
        .unwrap();
    assert_eq!(messages.items.len(), 1);
}

/// Two servers (two clients, two stores) race to append to one conversation: per round
/// exactly one wins, the loser gets a Conflict with the real count, and nothing is lost or
/// duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_racing_on_one_conversation() {
    let Some((first, tables, endpoint)) = fresh_store("race").await else {
        return;
    };
    let second = DynamoDbStore::new(client(&endpoint), tables.clone());
    let owner = unique("owner");
    let record = first
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let id = record.id.as_str();

    const ROUNDS: u64 = 15;
    let mut winners = Vec::new();
    for round in 0..ROUNDS {
        let seen_a = first
            .get_conversation(&owner, id)
            .await
            .unwrap()
            .message_count;
        let seen_b = second
            .get_conversation(&owner, id)
            .await
            .unwrap()
            .message_count;
        assert_eq!(seen_a, seen_b);
        let batch = |server: &str| {
            vec![
                text_message(Role::User, &format!("{server} round {round} question")),
                text_message(Role::Assistant, &format!("{server} round {round} answer")),
            ]
        };
        let (a, b) = tokio::join!(
            first.append_messages(&owner, id, seen_a, batch("a")),
            second.append_messages(&owner, id, seen_b, batch("b")),
        );
        let winner = match (a, b) {
            (
                Ok(stored),
                Err(StoreError::Conflict {
                    expected, actual, ..
                }),
            ) => {
                assert_eq!((expected, actual), (seen_a, seen_a + 2));
                assert_eq!(stored[0].seq, seen_a + 1);
                "a"
            }
            (
                Err(StoreError::Conflict {
                    expected, actual, ..
                }),
                Ok(stored),
            ) => {
                assert_eq!((expected, actual), (seen_b, seen_b + 2));
                assert_eq!(stored[0].seq, seen_b + 1);
                "b"
            }
            other => panic!("round {round}: expected exactly one winner, got {other:?}"),
        };
        winners.push(winner);
    }

    let all = first
        .list_messages(&owner, id, MessageOrder::Oldest, 1000, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        all.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=ROUNDS * 2).collect::<Vec<_>>()
    );
    let expected: Vec<String> = winners
        .iter()
        .enumerate()
        .flat_map(|(round, w)| {
            [
                format!("{w} round {round} question"),
                format!("{w} round {round} answer"),
            ]
        })
        .collect();
    assert_eq!(all.iter().map(|m| m.text()).collect::<Vec<_>>(), expected);
    let ids: HashSet<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "duplicate message ids");
    assert_eq!(message_items(&first, id).await, (ROUNDS * 2) as usize);
    assert_eq!(
        second
            .get_conversation(&owner, id)
            .await
            .unwrap()
            .message_count,
        ROUNDS * 2
    );
}

/// Free-running writers on two stores, each retrying after conflicts until its messages
/// are in: every message lands exactly once and the two writers' batches never interleave.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_retrying_writers_lose_nothing() {
    let Some((first, tables, endpoint)) = fresh_store("writers").await else {
        return;
    };
    let second = DynamoDbStore::new(client(&endpoint), tables);
    let owner = unique("owner");
    let record = first
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let id = record.id.as_str();
    const TURNS: usize = 10;

    async fn writer(store: &DynamoDbStore, owner: &str, id: &str, name: &str) -> usize {
        let mut conflicts = 0;
        for turn in 0..TURNS {
            loop {
                let seen = store
                    .get_conversation(owner, id)
                    .await
                    .unwrap()
                    .message_count;
                let batch = vec![
                    text_message(Role::User, &format!("{name} {turn} q")),
                    text_message(Role::Assistant, &format!("{name} {turn} a")),
                ];
                match store.append_messages(owner, id, seen, batch).await {
                    Ok(_) => break,
                    Err(StoreError::Conflict { .. }) => conflicts += 1,
                    Err(e) => panic!("{name}: {e:?}"),
                }
            }
        }
        conflicts
    }
    let (_, _) = tokio::join!(
        writer(&first, &owner, id, "a"),
        writer(&second, &owner, id, "b")
    );
    let all = first
        .list_messages(&owner, id, MessageOrder::Oldest, 1000, None)
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), TURNS * 4);
    for pair in all.chunks(2) {
        let q = pair[0].text();
        let a = pair[1].text();
        assert_eq!(
            q.strip_suffix(" q"),
            a.strip_suffix(" a"),
            "interleaved: {q} / {a}"
        );
    }
    let texts: HashSet<String> = all.iter().map(|m| m.text()).collect();
    assert_eq!(texts.len(), TURNS * 4, "duplicates");
    assert_eq!(message_items(&first, id).await, TURNS * 4);
}

/// Deleting a conversation with more messages than one BatchWriteItem takes (25) deletes
/// every message item, and nothing of another conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_removes_every_message_in_batches() {
    let Some((store, _, _)) = fresh_store("delete").await else {
        return;
    };
    let owner = unique("owner");
    let doomed = store
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let kept = store
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let batch = |n: usize| {
        (0..n)
            .map(|i| text_message(Role::User, &format!("message {i}")))
            .collect::<Vec<_>>()
    };
    let mut count = 0;
    for n in [40, 33, 1] {
        store
            .append_messages(&owner, &doomed.id, count, batch(n))
            .await
            .unwrap();
        count += n as u64;
    }
    store
        .append_messages(&owner, &kept.id, 0, batch(3))
        .await
        .unwrap();
    assert_eq!(message_items(&store, &doomed.id).await, 74);

    // Another owner cannot delete it.
    assert!(matches!(
        store.delete_conversation("intruder", &doomed.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(message_items(&store, &doomed.id).await, 74);

    store.delete_conversation(&owner, &doomed.id).await.unwrap();
    assert_eq!(message_items(&store, &doomed.id).await, 0);
    assert!(matches!(
        store.get_conversation(&owner, &doomed.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_conversation(&owner, &doomed.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(message_items(&store, &kept.id).await, 3);
}

/// A message too large for a DynamoDB item is rejected as invalid with a pointer to S3, and
/// nothing is written; one just under the limit is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_over_the_item_limit_are_rejected() {
    let Some((store, _, _)) = fresh_store("large").await else {
        return;
    };
    let owner = unique("owner");
    let record = store
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let image = |bytes: usize| NewMessage {
        content: vec![
            ContentPart::text("look"),
            ContentPart::Image {
                format: "png".into(),
                data: "A".repeat(bytes),
            },
        ],
        ..text_message(Role::User, "")
    };
    let result = store
        .append_messages(
            &owner,
            &record.id,
            0,
            vec![text_message(Role::User, "small"), image(410 * 1024)],
        )
        .await;
    match result {
        Err(StoreError::Invalid(message)) => {
            assert!(message.contains("S3"), "{message}");
            assert!(message.contains("400 KB"), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(message_items(&store, &record.id).await, 0);
    assert_eq!(
        store
            .get_conversation(&owner, &record.id)
            .await
            .unwrap()
            .message_count,
        0
    );

    let stored = store
        .append_messages(&owner, &record.id, 0, vec![image(300 * 1024)])
        .await
        .unwrap();
    let listed = store
        .list_messages(&owner, &record.id, MessageOrder::Newest, 10, None)
        .await
        .unwrap();
    assert_eq!(listed.items, stored);

    // Oversized metadata is rejected too, before anything is written.
    let result = store
        .create_conversation(NewConversation {
            metadata: Some(serde_json::json!({"blob": "x".repeat(100 * 1024)})),
            ..new_conversation(&owner)
        })
        .await;
    assert!(
        matches!(
            result,
            Err(StoreError::TooLarge {
                field: ai_routes::store::CappedField::Metadata,
                ..
            })
        ),
        "{result:?}"
    );
}

/// An append larger than one transaction (100 items, 4 MB) is still all or none: a racing
/// small append either commits before it (and it conflicts) or waits for it (and conflicts).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_larger_than_one_transaction() {
    let Some((store, tables, endpoint)) = fresh_store("big").await else {
        return;
    };
    let other = DynamoDbStore::new(client(&endpoint), tables);
    let owner = unique("owner");
    let record = store
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let id = record.id.as_str();
    // 250 messages: three transactions.
    let big: Vec<NewMessage> = (0..250)
        .map(|i| text_message(Role::User, &format!("big {i}")))
        .collect();
    // 12 messages of ~300 KB: over 4 MB, so several transactions by size.
    let heavy: Vec<NewMessage> = (0..12)
        .map(|i| text_message(Role::User, &format!("{i} {}", "h".repeat(300 * 1024))))
        .collect();

    let (big_result, small_result) =
        tokio::join!(store.append_messages(&owner, id, 0, big), async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            other
                .append_messages(&owner, id, 0, vec![text_message(Role::User, "small")])
                .await
        });
    let count = match (&big_result, &small_result) {
        (Ok(stored), Err(StoreError::Conflict { actual: 250, .. })) => {
            assert_eq!(stored.len(), 250);
            250
        }
        (Err(StoreError::Conflict { actual: 1, .. }), Ok(_)) => 1,
        other => panic!("expected exactly one winner, got {other:?}"),
    };
    let all = store
        .list_messages(&owner, id, MessageOrder::Oldest, 1000, None)
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), count);
    assert_eq!(
        all.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=count as u64).collect::<Vec<_>>()
    );

    let stored = store
        .append_messages(&owner, id, count as u64, heavy)
        .await
        .unwrap();
    assert_eq!(stored.len(), 12);
    let record = store.get_conversation(&owner, id).await.unwrap();
    assert_eq!(record.message_count, count as u64 + 12);
    let newest = store
        .list_messages(&owner, id, MessageOrder::Newest, 3, None)
        .await
        .unwrap();
    assert_eq!(newest.items[0].seq, count as u64 + 12);
    assert!(newest.items[0].text().starts_with("11 hhh"));

    store.delete_conversation(&owner, id).await.unwrap();
    assert_eq!(message_items(&store, id).await, 0);
}

/// What a large append that died midway leaves behind (staged messages beyond the count,
/// an expired lock) is invisible, and the next append takes its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_large_append_is_invisible_and_does_not_block() {
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};
    let Some((store, tables, _)) = fresh_store("crashed").await else {
        return;
    };
    let owner = unique("owner");
    let record = store
        .create_conversation(new_conversation(&owner))
        .await
        .unwrap();
    let id = record.id.as_str();
    store
        .append_messages(&owner, id, 0, vec![text_message(Role::User, "committed")])
        .await
        .unwrap();
    // As a dead writer would leave it: two staged messages and a lock that has expired.
    for seq in [2, 3] {
        store
            .client()
            .put_item()
            .table_name(&tables.messages)
            .item("conversation_id", S(id.into()))
            .item("seq", N(seq.to_string()))
            .item("id", S(format!("junk-{seq}")))
            .item("role", S("user".into()))
            .item("content", S(r#"[{"type":"text","text":"junk"}]"#.into()))
            .item(
                "incomplete",
                aws_sdk_dynamodb::types::AttributeValue::Bool(false),
            )
            .item("estimated_tokens", N("1".into()))
            .item("created_at", N("1".into()))
            .item("staged_by", S("dead-writer".into()))
            .send()
            .await
            .unwrap();
    }
    store
        .client()
        .update_item()
        .table_name(&tables.conversations)
        .key("id", S(id.into()))
        .update_expression("SET append_lock = :l, append_lock_until = :u")
        .expression_attribute_values(":l", S("dead-writer".into()))
        .expression_attribute_values(":u", N("1000".into()))
        .send()
        .await
        .unwrap();

    for order in [MessageOrder::Oldest, MessageOrder::Newest] {
        let page = store
            .list_messages(&owner, id, order, 10, None)
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|m| m.text()).collect::<Vec<_>>(),
            ["committed"],
            "{order:?}"
        );
        assert_eq!(page.next, None);
    }
    let stored = store
        .append_messages(&owner, id, 1, vec![text_message(Role::Assistant, "fresh")])
        .await
        .unwrap();
    assert_eq!(stored[0].seq, 2);
    let all = store
        .list_messages(&owner, id, MessageOrder::Oldest, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        all.iter().map(|m| m.text()).collect::<Vec<_>>(),
        ["committed", "fresh"]
    );
    store.delete_conversation(&owner, id).await.unwrap();
    assert_eq!(message_items(&store, id).await, 0, "junk left behind");
}

/// A store pointed at tables that do not exist reports a backend error naming the cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_tables_are_a_backend_error() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let store = DynamoDbStore::new(client(&endpoint), unique("missing").as_str());
    match store.create_conversation(new_conversation("o")).await {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains("ResourceNotFoundException"), "{message}")
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
}

//! Bedrock's newer stop reasons: a malformed answer (`malformed_tool_use`,
//! `malformed_model_output`) is sampled again while attempts are left, then is a typed error;
//! `model_context_window_exceeded` is a typed error, and a conversation keeps what the model
//! wrote before it, marked incomplete.
#![cfg(feature = "testing")]

use std::time::Duration;

use ai_routes::conversation::Role;
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder};
use ai_routes::testing::{LocalBedrock, Reply};
use ai_routes::RetryPolicy;
use serde_json::json;

#[generation(model = "Nova Micro")]
async fn count(ai: &Client, text: String) -> Result<u32>;

/// Answers briefly.
#[conversation(model = "Nova Micro")]
struct Helper;

fn client(bedrock: &LocalBedrock, max_attempts: u32) -> Client {
    Client::builder(bedrock.client())
        .retry(RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .build()
}

#[tokio::test]
async fn a_malformed_answer_is_sampled_again() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(Reply::text("{\"value\": ").with_stop_reason("malformed_model_output"));
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 3})));
    let meter = ai_routes::UsageMeter::new();
    let ai = Client::builder(bedrock.client())
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .usage_sink(meter.clone())
        .build();
    assert_eq!(count(&ai, "one two three".into()).await.unwrap(), 3);
    assert_eq!(bedrock.requests().len(), 2);
    // Both calls were billed.
    assert_eq!(meter.snapshot().total.calls, 2);
}

#[tokio::test]
async fn malformed_answers_past_the_attempts_are_a_typed_error() {
    let bedrock = LocalBedrock::start().await.unwrap();
    for _ in 0..2 {
        bedrock.push_reply(
            Reply::tool_use("return_result", json!({})).with_stop_reason("malformed_tool_use"),
        );
    }
    let error = count(&client(&bedrock, 2), "x".into()).await.unwrap_err();
    match &error {
        Error::MalformedModelOutput {
            stop_reason,
            attempts,
            ..
        } => assert_eq!((stop_reason.as_str(), *attempts), ("malformed_tool_use", 2)),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("tool call"), "{error}");
    assert_eq!(bedrock.requests().len(), 2);
}

#[tokio::test]
async fn a_full_context_window_is_a_typed_error() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(Reply::text("1, 2, 3").with_stop_reason("model_context_window_exceeded"));
    let error = count(&client(&bedrock, 3), "x".into()).await.unwrap_err();
    assert!(
        matches!(error, Error::ContextWindowExceeded { context_window, .. } if context_window > 0),
        "{error:?}"
    );
    assert_eq!(bedrock.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_conversation_keeps_the_text_written_before_the_context_filled() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let helper = Helper::new(client(&bedrock, 3), store.clone(), ());
    let conversation = helper
        .create("owner", CreateConversation::default())
        .await
        .unwrap();
    bedrock.push_reply(
        Reply::text("The first part of a long answer")
            .with_stop_reason("model_context_window_exceeded"),
    );
    let error = conversation
        .send("owner", "Tell me everything")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ContextWindowExceeded { .. }),
        "{error:?}"
    );
    let messages = store
        .list_messages("owner", conversation.id(), MessageOrder::Oldest, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].role, Role::Assistant);
    assert!(messages[1].incomplete);
}

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

/// No correction budget: a malformed answer gets only the retry policy's attempts.
#[generation(model = "Nova Micro", retries = 0)]
async fn count_once(ai: &Client, text: String) -> Result<u32>;

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
    let error = count_once(&client(&bedrock, 2), "x".into())
        .await
        .unwrap_err();
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

#[generation(model = "Nova Micro")]
async fn count_with_usage(ai: &Client, text: String) -> Result<Generated<u32>>;

#[tokio::test]
async fn a_resampled_answer_is_in_the_routes_usage() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(
        Reply::text("{\"value\": ")
            .with_stop_reason("malformed_model_output")
            .with_usage(100, 40),
    );
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 3})).with_usage(100, 10));
    let generated = count_with_usage(&client(&bedrock, 3), "x".into())
        .await
        .unwrap();
    assert_eq!(generated.value, 3);
    assert_eq!(
        (generated.usage.input_tokens, generated.usage.output_tokens),
        (200, 50),
        "both answers were billed"
    );
}

#[tokio::test]
async fn without_retries_the_routes_correction_budget_resamples_a_malformed_answer() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(
        Reply::tool_use("return_result", json!({})).with_stop_reason("malformed_tool_use"),
    );
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 4})));
    let ai = Client::builder(bedrock.client())
        .retry(RetryPolicy::none())
        .build();
    let generated = count_with_usage(&ai, "x".into()).await.unwrap();
    assert_eq!((generated.value, generated.attempts), (4, 2));
}

/// Answers briefly, without streaming.
#[conversation(model = "Nova Micro", stream = false)]
struct Unstreamed;

#[tokio::test]
async fn unstreamed_text_stored_as_partial_reaches_the_caller() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let route = Unstreamed::new(client(&bedrock, 1), store.clone(), ());
    let conversation = route
        .create("owner", CreateConversation::default())
        .await
        .unwrap();
    bedrock.push_reply(Reply::text("Let me check").with_stop_reason("malformed_model_output"));
    let mut events = conversation
        .send("owner", "Where is my order?")
        .await
        .unwrap();
    let mut text = String::new();
    let mut failed = false;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text: piece } => text.push_str(&piece),
            TurnEvent::Error(Error::MalformedModelOutput { .. }) => failed = true,
            other => panic!("{other:?}"),
        }
    }
    assert!(failed);
    assert_eq!(text, "Let me check");
    let messages = store
        .list_messages("owner", conversation.id(), MessageOrder::Oldest, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(messages.len(), 2);
    assert!(messages[1].incomplete);
}

#[tokio::test]
async fn a_validation_error_of_a_text_message_does_not_silence_it() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let helper = Helper::new(client(&bedrock, 1), store.clone(), ());
    let conversation = helper
        .create("owner", CreateConversation::default())
        .await
        .unwrap();
    // A refusal of the route's settings, not of the message.
    bedrock.push_error(
        ai_routes::testing::ErrorKind::Validation,
        "The maximum tokens you requested exceeds the model limit.",
    );
    let error = conversation
        .send("owner", "First question")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error:?}");
    bedrock.push_reply(Reply::text("Answer."));
    conversation
        .send("owner", "Second question")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let sent = bedrock.last_request().unwrap().body;
    let texts = sent["messages"].to_string();
    assert!(texts.contains("First question"), "{texts}");
}

//! Cited answers (`citationsContent`, Claude with cited documents): the generated text is
//! kept, streamed or not (it was dropped before). The citations themselves are not kept yet.
#![cfg(feature = "testing")]

use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder};
use ai_routes::testing::{LocalBedrock, Reply};
use ai_routes::ConversationRoute;
use serde_json::json;

/// Answers from the documents it is given.
#[conversation(model = "Claude Haiku 4.5", cross_region = "us")]
struct Streamed;

/// Answers from the documents it is given, without streaming.
#[conversation(model = "Claude Haiku 4.5", cross_region = "us", stream = false)]
struct Whole;

fn cited() -> Reply {
    Reply::cited_text(
        "The warranty lasts two years.",
        json!([{
            "title": "warranty.pdf",
            "sourceContent": [{"text": "Warranty: 24 months from purchase."}],
            "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 34}}
        }]),
    )
}

async fn answer_and_stored_text(streamed: bool) -> (String, String) {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let ai = bedrock.ai_client();
    bedrock.push_reply(cited());
    // Both route types deref to the same `ConversationRoute`.
    let (streamed_route, whole_route);
    let route: &ConversationRoute<()> = if streamed {
        streamed_route = Streamed::new(ai, store.clone(), ());
        &streamed_route
    } else {
        whole_route = Whole::new(ai, store.clone(), ());
        &whole_route
    };
    let conversation = route
        .create("owner", CreateConversation::default())
        .await
        .unwrap();
    let reply = conversation
        .send("owner", "How long is the warranty?")
        .await
        .unwrap();
    let (id, reply) = (
        conversation.id().to_string(),
        reply.collect_text().await.unwrap(),
    );
    let stored = store
        .list_messages("owner", &id, MessageOrder::Oldest, 10, None)
        .await
        .unwrap()
        .items;
    let text = stored[1]
        .content
        .iter()
        .filter_map(|part| match part {
            ai_routes::conversation::ContentPart::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    (reply.text, text)
}

#[tokio::test]
async fn cited_text_is_kept_without_streaming() {
    let (answer, stored) = answer_and_stored_text(false).await;
    assert_eq!(answer, "The warranty lasts two years.");
    assert_eq!(stored, "The warranty lasts two years.");
}

#[tokio::test]
async fn cited_text_is_kept_when_streamed() {
    let (answer, stored) = answer_and_stored_text(true).await;
    assert_eq!(answer, "The warranty lasts two years.");
    assert_eq!(stored, "The warranty lasts two years.");
}

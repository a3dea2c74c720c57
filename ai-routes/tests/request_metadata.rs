//! `requestMetadata` on every model call (route, owner, conversation), made to fit
//! Bedrock's rule, and the stand-in refusing metadata Bedrock would refuse.
#![cfg(feature = "testing")]

use ai_routes::prelude::*;
use ai_routes::request_metadata::{CONVERSATION_KEY, OWNER_KEY, ROUTE_KEY};
use ai_routes::store::MemoryStore;
use ai_routes::testing::{LocalBedrock, Reply};
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use serde_json::json;

#[generation(model = "Nova Micro")]
async fn count(ai: &Client, text: String) -> Result<u32>;

/// Answers briefly.
#[conversation(model = "Nova Micro")]
struct Helper;

#[tokio::test]
async fn generation_calls_carry_route_and_owner_made_to_fit() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 3})));
    count(&ai.for_owner("user:ada|lovelace"), "one two three".into())
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["requestMetadata"],
        json!({ROUTE_KEY: "count", OWNER_KEY: "user:ada_lovelace"})
    );

    // Without an owner, only the route.
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 1})));
    count(&ai, "one".into()).await.unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(body["requestMetadata"], json!({ROUTE_KEY: "count"}));
}

#[tokio::test]
async fn conversation_turns_carry_the_conversation_id() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let helper = Helper::new(bedrock.ai_client(), MemoryStore::new(), ());
    let conversation = helper
        .create("owner-1", CreateConversation::default())
        .await
        .unwrap();
    bedrock.push_reply(Reply::text("Hello."));
    conversation
        .send("owner-1", "Hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["requestMetadata"],
        json!({
            ROUTE_KEY: "Helper",
            OWNER_KEY: "owner-1",
            CONVERSATION_KEY: conversation.id(),
        })
    );
}

#[tokio::test]
async fn the_stand_in_refuses_metadata_bedrock_refuses() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Hi".into()))
        .build()
        .unwrap();
    let error = bedrock
        .client()
        .converse()
        .model_id("amazon.nova-micro-v1:0")
        .messages(message)
        .request_metadata("owner", "a|b")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(error.code(), Some("ValidationException"));
    assert!(
        error.message().unwrap().contains("requestMetadata"),
        "{error:?}"
    );
}

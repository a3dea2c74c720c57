//! Cited answers (`citationsContent`, Claude with `Document::with_citations()`): documents
//! are sent with citations enabled, and the answer's text and its citations reach the caller
//! (`TurnReply`, `TurnEvent::Citations`, `Generated`, the SSE `citations` event) and the store,
//! streamed or not. The stand-in answers a citable text document by citing its first sentence.
#![cfg(feature = "testing")]

use ai_routes::conversation::ContentPart;
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder};
use ai_routes::testing::{LocalBedrock, Reply};
use ai_routes::{Citation, CitationLocation, ConversationRoute, DocumentFormat};
use base64::Engine as _;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

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
    assert_eq!(reply.citations.len(), 1);
    assert_eq!(reply.citations[0].title.as_deref(), Some("warranty.pdf"));
    (reply.text, stored[1].text())
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

fn warranty() -> Document {
    Document::new(
        DocumentFormat::Txt,
        "warranty",
        "Warranty: 24 months from purchase. Returns are accepted within 30 days.",
    )
    .with_citations()
}

fn expected_citation() -> Citation {
    Citation {
        title: Some("warranty".into()),
        source_text: vec!["Warranty: 24 months from purchase.".into()],
        location: CitationLocation::DocumentChar {
            document_index: 0,
            start: 0,
            end: 34,
        },
    }
}

/// The document block of the request's first message.
fn document_of(body: &Value) -> &Value {
    body["messages"][0]["content"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|block| block.get("document"))
        .expect("the first message has a document")
}

async fn cite_through(streamed: bool) {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let ai = bedrock.ai_client();
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
    let mut events = conversation
        .send(
            "owner",
            UserMessage::text("How long is the warranty?").document(warranty()),
        )
        .await
        .unwrap();
    let (mut text, mut cited) = (String::new(), Vec::new());
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text: piece } => text.push_str(&piece),
            TurnEvent::Citations { citations } => {
                assert!(!text.is_empty(), "citations follow the text they support");
                cited.extend(citations)
            }
            TurnEvent::TurnDone { .. } => break,
            TurnEvent::Error(error) => panic!("{error}"),
            _ => {}
        }
    }
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        document_of(&body)["citations"],
        json!({"enabled": true}),
        "{body}"
    );
    assert_eq!(
        text,
        "According to warranty: Warranty: 24 months from purchase."
    );
    assert_eq!(cited, [expected_citation()]);

    let stored = store
        .list_messages("owner", conversation.id(), MessageOrder::Oldest, 10, None)
        .await
        .unwrap()
        .items;
    assert!(stored[0].content.iter().any(|p| matches!(
        p,
        ContentPart::Document {
            citations: true,
            ..
        }
    )));
    match &stored[1].content[..] {
        [ContentPart::CitedText {
            text: stored_text,
            citations,
        }] => {
            assert_eq!(stored_text, &text);
            assert_eq!(citations, &[expected_citation()]);
        }
        other => panic!("{other:?}"),
    }

    // The next turn sends the document again, still citable, and the cited answer as text.
    let reply = conversation
        .send("owner", "And returns?")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.citations, [expected_citation()]);
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        document_of(&body)["citations"],
        json!({"enabled": true}),
        "{body}"
    );
    assert_eq!(body["messages"][1]["content"][0]["text"], json!(text));
}

#[tokio::test]
async fn a_cited_document_is_cited_in_events_the_reply_and_the_store_when_streamed() {
    cite_through(true).await;
}

#[tokio::test]
async fn a_cited_document_is_cited_in_events_the_reply_and_the_store_without_streaming() {
    cite_through(false).await;
}

/// Reads a policy and answers in a typed form.
#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    months: u32,
}

/// Citations and native structured output do not mix on Bedrock: the result tool.
#[generation(model = "Claude Haiku 4.5", cross_region = "us", output = "tool")]
async fn warranty_months(ai: &Client, policy: Document) -> Result<Generated<Answer>>;

/// Native structured output (Haiku 4.5's default strategy).
#[generation(model = "Claude Haiku 4.5", cross_region = "us")]
async fn warranty_months_native(ai: &Client, policy: Document) -> Result<Generated<Answer>>;

#[generation(model = "Nova Lite")]
async fn nova_months(ai: &Client, policy: Document) -> Result<Generated<Answer>>;

#[tokio::test]
async fn a_generation_reports_the_passages_its_answer_cites() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    // Claude cites, then returns the typed result.
    let mut reply = cited();
    reply
        .content
        .extend(Reply::tool_use("return_result", json!({"months": 24})).content);
    reply.stop_reason = "tool_use".into();
    bedrock.push_reply(reply);
    let generated = warranty_months(&ai, warranty()).await.unwrap();
    assert_eq!(generated.value.months, 24);
    assert_eq!(generated.citations.len(), 1);
    assert_eq!(
        generated.citations[0].source_text,
        ["Warranty: 24 months from purchase."]
    );
}

#[tokio::test]
async fn citations_in_a_native_structured_output_call_are_refused_before_the_call() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let err = warranty_months_native(&ai, warranty()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("output = \"tool\""), "{err}");
    assert!(bedrock.requests().is_empty());
}

#[tokio::test]
async fn citations_on_a_model_without_them_are_refused_before_the_call() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let err = nova_months(&ai, warranty()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("with_citations()"), "{err}");
    assert!(bedrock.requests().is_empty());
}

#[cfg(feature = "http")]
#[tokio::test]
async fn the_http_api_streams_a_citations_event() {
    use ai_routes::http::{Api, GuestAuth};
    use axum::body::Body;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let chat = Streamed::new(ai.clone(), MemoryStore::new(), ());
    let router = Api::new(ai, GuestAuth)
        .conversation(chat.route().clone())
        .router();
    let guest = "guest-0123456789abcdef";
    let post = |path: String, body: Value| {
        axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("x-guest-id", guest)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let created = router
        .clone()
        .oneshot(post("/conversations/Streamed".into(), json!({})))
        .await
        .unwrap();
    let bytes = created.into_body().collect().await.unwrap().to_bytes();
    let id = serde_json::from_slice::<Value>(&bytes).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let document = json!({
        "format": "txt",
        "name": "warranty",
        "data": base64::engine::general_purpose::STANDARD.encode(&warranty().bytes),
        "citations": true,
    });
    let response = router
        .oneshot(post(
            format!("/conversations/Streamed/{id}/messages"),
            json!({"text": "How long is the warranty?", "documents": [document]}),
        ))
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    let citations: Vec<Value> = body
        .split("\n\n")
        .filter(|block| block.contains("event: citations"))
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(
        citations,
        [json!({"citations": [{
            "title": "warranty",
            "source_text": ["Warranty: 24 months from purchase."],
            "location": {"kind": "document_char", "document_index": 0, "start": 0, "end": 34}
        }]})],
        "{body}"
    );
}

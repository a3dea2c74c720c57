//! `#[conversation]` routes end to end: the real SDK client against the local stand-in,
//! history in a real store.
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ai_routes::conversation::{ContentPart, Role, ToolStatus};
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder, NewConversation};
use ai_routes::testing::{ErrorKind, LocalBedrock, Operation, Reply, StreamBreak};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Default)]
struct AppState {
    weather_calls: AtomicU32,
    barrier: Option<tokio::sync::Barrier>,
}

#[derive(Serialize)]
struct Weather {
    city: String,
    forecast: String,
}

/// Looks up the current weather for a city.
#[tool]
async fn get_weather(
    state: &AppState,
    /** City name, e.g. "Seattle" */
    city: String,
) -> Result<Weather, ToolError> {
    state.weather_calls.fetch_add(1, Ordering::SeqCst);
    if let Some(barrier) = &state.barrier {
        barrier.wait().await;
    }
    Ok(Weather {
        city,
        forecast: "rain".into(),
    })
}

/// Looks up an order's status.
#[tool]
async fn order_status(state: &AppState, order_id: String) -> Result<String, ToolError> {
    if let Some(barrier) = &state.barrier {
        barrier.wait().await;
    }
    if order_id == "missing" {
        return Err(ToolError::new("no such order"));
    }
    Ok(format!("order {order_id} shipped"))
}

/// Answers questions about orders and the weather.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a helpful shop assistant.",
    tools = [get_weather, order_status],
    state = AppState,
    max_steps = 3,
    max_tokens = 2000
)]
struct ShopAssistant;

/// A plain chat on Converse (no streaming).
#[conversation(model = "Nova Micro", stream = false)]
struct PlainChat;

const OWNER: &str = "user-1";

async fn setup() -> (LocalBedrock, ShopAssistant, MemoryStore) {
    setup_with(AppState::default()).await
}

async fn setup_with(state: AppState) -> (LocalBedrock, ShopAssistant, MemoryStore) {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let assistant = ShopAssistant::new(bedrock.ai_client(), store.clone(), state);
    (bedrock, assistant, store)
}

async fn all_messages(
    store: &MemoryStore,
    id: &str,
) -> Vec<ai_routes::conversation::StoredMessage> {
    store
        .list_messages(OWNER, id, MessageOrder::Oldest, 1000, None)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn text_turn_streams_deltas_then_done_and_is_persisted() {
    let (bedrock, assistant, store) = setup().await;
    let conv = assistant
        .create(
            OWNER,
            CreateConversation {
                name: Some("Order help".into()),
                metadata: None,
            },
        )
        .await
        .unwrap();
    bedrock.push_reply(
        Reply::text("Hello! I can help with orders and the weather.").with_usage(30, 12),
    );
    let mut events = conv.send(OWNER, "Hi there").await.unwrap();
    let mut text = String::new();
    let mut done = None;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text: piece } => {
                assert!(done.is_none(), "no delta after TurnDone");
                text.push_str(&piece);
            }
            TurnEvent::TurnDone {
                stop_reason,
                usage,
                steps,
                message_count,
            } => done = Some((stop_reason, usage, steps, message_count)),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(text, "Hello! I can help with orders and the weather.");
    let (stop_reason, usage, steps, count) = done.unwrap();
    assert_eq!((stop_reason.as_str(), steps, count), ("end_turn", 1, 2));
    assert_eq!((usage.input_tokens, usage.output_tokens), (30, 12));
    assert!(usage.cost_usd > 0.0);

    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.operation, Operation::ConverseStream);
    assert_eq!(
        recorded.body["system"],
        json!([{"text": "You are a helpful shop assistant."}])
    );
    assert_eq!(recorded.body["inferenceConfig"]["maxTokens"], json!(2000));
    assert_eq!(
        recorded.body["toolConfig"]["tools"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let messages = all_messages(&store, conv.id()).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (messages[0].role, messages[0].text().as_str()),
        (Role::User, "Hi there")
    );
    let answer = &messages[1];
    assert_eq!(answer.role, Role::Assistant);
    assert_eq!(answer.text(), text);
    assert_eq!(answer.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(answer.model_id.as_deref(), Some("amazon.nova-lite-v1:0"));
    assert_eq!(answer.usage.unwrap().output_tokens, 12);
    assert!(!answer.incomplete);
    assert!(answer.created_at > 0);
}

#[tokio::test]
async fn the_model_sees_the_history_in_order() {
    let (bedrock, assistant, _store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    conv.send(OWNER, "first question")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    conv.send(OWNER, "second question")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let messages = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(messages[0]["content"][0]["text"], "first question");
    assert_eq!(messages[2]["content"][0]["text"], "second question");
}

#[tokio::test]
async fn tool_loop_runs_the_tool_and_feeds_the_result_back() {
    let (bedrock, assistant, store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let mut events = conv
        .send(OWNER, "Is it raining in Seattle? Use get_weather.")
        .await
        .unwrap();
    let mut kinds = Vec::new();
    let mut text = String::new();
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::ToolUse { name, client, .. } => {
                assert!(!client);
                kinds.push(format!("use:{name}"));
            }
            TurnEvent::ToolResult {
                name,
                status,
                content,
                ..
            } => {
                assert_eq!(status, ToolStatus::Success);
                assert_eq!(content["forecast"], "rain");
                kinds.push(format!("result:{name}"));
            }
            TurnEvent::TextDelta { text: piece } => text.push_str(&piece),
            TurnEvent::TurnDone {
                steps, stop_reason, ..
            } => {
                assert_eq!((steps, stop_reason.as_str()), (2, "end_turn"));
                kinds.push("done".into());
            }
            TurnEvent::Error(e) => panic!("{e}"),
            TurnEvent::ReasoningDelta { .. } | TurnEvent::ReasoningRedacted => {
                panic!("Nova Lite does not reason")
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(kinds, ["use:get_weather", "result:get_weather", "done"]);
    assert!(
        text.contains("rain"),
        "the answer cites the tool result: {text}"
    );
    let messages = all_messages(&store, conv.id()).await;
    let roles: Vec<Role> = messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::User, Role::Assistant]
    );
    assert!(
        matches!(messages[1].content.last(), Some(ContentPart::ToolUse { name, .. }) if name == "get_weather")
    );
    assert!(matches!(
        &messages[2].content[0],
        ContentPart::ToolResult {
            status: ToolStatus::Success,
            ..
        }
    ));
    assert_eq!(bedrock.requests().len(), 2);
}

#[tokio::test]
async fn several_tool_calls_run_concurrently_and_errors_reach_the_model() {
    // Each tool waits on a two-party barrier: run one after the other, they would deadlock.
    let state = AppState {
        barrier: Some(tokio::sync::Barrier::new(2)),
        ..AppState::default()
    };
    let (bedrock, assistant, _store) = setup_with(state).await;
    bedrock.push_reply(Reply::blocks(
        vec![
            tool_use("t1", "get_weather", json!({"city": "Paris"})),
            tool_use("t2", "order_status", json!({"order_id": "missing"})),
        ],
        "tool_use",
    ));
    bedrock.push_reply(Reply::text("Done."));
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), async {
        conv.send(OWNER, "weather and order")
            .await
            .unwrap()
            .collect_text()
            .await
            .unwrap()
    })
    .await
    .expect("tools ran concurrently");
    assert_eq!(reply.text, "Done.");
    assert_eq!(reply.tool_calls.len(), 2);
    let results = &bedrock.last_request().unwrap().body["messages"][2]["content"];
    assert_eq!(results[0]["toolResult"]["toolUseId"], "t1");
    assert_eq!(results[0]["toolResult"]["status"], "success");
    assert_eq!(results[1]["toolResult"]["toolUseId"], "t2");
    assert_eq!(results[1]["toolResult"]["status"], "error");
    assert!(results[1]["toolResult"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("no such order"));
}

fn tool_use(id: &str, name: &str, input: Value) -> ai_routes::testing::wire::ContentBlock {
    ai_routes::testing::wire::ContentBlock::ToolUse(ai_routes::testing::wire::ToolUseBlock {
        tool_use_id: id.into(),
        name: name.into(),
        input,
    })
}

#[tokio::test]
async fn unknown_tools_and_bad_input_become_error_results() {
    let (bedrock, assistant, _store) = setup().await;
    bedrock.push_reply(Reply::blocks(
        vec![
            tool_use("a", "launch_rockets", json!({})),
            tool_use("b", "get_weather", json!({"town": 3})),
        ],
        "tool_use",
    ));
    bedrock.push_reply(Reply::text("Sorry."));
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    conv.send(OWNER, "go")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let results = &body["messages"][2]["content"];
    // The bad input comes back as an error result the model can fix.
    assert_eq!(results[0]["toolResult"]["toolUseId"], "b");
    assert_eq!(results[0]["toolResult"]["status"], "error");
    assert!(results[0]["toolResult"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("missing field `city`"));
    // A call to a tool the route does not declare is answered with an error, and shown to
    // the model as text (a toolUse of an undeclared tool would not be valid history).
    let unknown = results[1]["text"].as_str().unwrap();
    assert!(
        unknown.contains("unknown tool") || unknown.contains("launch_rockets"),
        "{unknown}"
    );
    assert_eq!(
        body["messages"][1]["content"][0]["text"].as_str().unwrap(),
        "[called tool launch_rockets with {}]"
    );
}

#[tokio::test]
async fn max_steps_caps_the_loop_and_leaves_a_valid_history() {
    let (bedrock, assistant, store) = setup().await;
    bedrock.respond_with(|ctx: &ai_routes::testing::RequestContext<'_>| {
        let n = ctx.request.messages.len();
        Reply::tool_use_with_id(format!("t{n}"), "get_weather", json!({"city": "Oslo"})).into()
    });
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let reply = conv
        .send(OWNER, "loop forever")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!((reply.stop_reason.as_str(), reply.steps), ("max_steps", 3));
    assert_eq!(bedrock.requests().len(), 3);
    assert_eq!(
        all_messages(&store, conv.id()).await.len(),
        7,
        "user + 3 × (toolUse, toolResult)"
    );

    // The strict stand-in accepts the history that follows.
    bedrock.respond_with(ai_routes::testing::DeterministicResponder);
    conv.send(OWNER, "ok, stop")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
}

#[tokio::test]
async fn converse_route_without_streaming() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let chat = PlainChat::new(bedrock.ai_client(), MemoryStore::new(), ());
    let conv = chat
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let reply = conv
        .send(OWNER, "hello there")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert!(reply.text.contains("hello there"));
    assert_eq!(
        bedrock.last_request().unwrap().operation,
        Operation::Converse
    );
    assert!(bedrock
        .last_request()
        .unwrap()
        .body
        .get("toolConfig")
        .is_none());
}

#[tokio::test]
async fn a_stream_that_breaks_halfway_keeps_the_history_valid() {
    let (bedrock, assistant, store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    bedrock.push_reply(Reply::text(
        "This answer will be cut off somewhere in the middle, sadly.",
    ));
    bedrock.break_next_stream(3, StreamBreak::Eof);
    let err = conv
        .send(OWNER, "tell me a story")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Stream(_)), "{err:?}");

    let messages = all_messages(&store, conv.id()).await;
    assert_eq!(messages.len(), 2);
    assert!(
        messages[1].incomplete,
        "the partial answer is kept, marked incomplete"
    );
    assert_eq!(
        messages[1].text(),
        "This answer will be cut off some",
        "messageStart and two 16-character deltas arrived"
    );

    bedrock.push_reply(Reply::text("Second try."));
    conv.send(OWNER, "again please")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let sent = body["messages"].as_array().unwrap();
    assert_eq!(
        sent.len(),
        1,
        "the incomplete answer is not sent; the two user messages are merged"
    );
    assert_eq!(sent[0]["content"].as_array().unwrap().len(), 2);

    // An exception frame mid-stream.
    bedrock.push_reply(Reply::text("x".repeat(100)));
    bedrock.break_next_stream(2, StreamBreak::Exception(ErrorKind::ModelStreamError));
    let err = conv
        .send(OWNER, "third")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Service { .. }), "{err:?}");
}

#[tokio::test]
async fn throttling_fails_the_turn_with_a_typed_error_and_loses_nothing() {
    let (bedrock, assistant, store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    // 3 ai-routes attempts, each with the SDK's 3: nine throttled requests exhaust both.
    bedrock.throttle_next(9);
    let err = conv
        .send(OWNER, "are you there?")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(
        all_messages(&store, conv.id()).await.len(),
        1,
        "the user message is kept"
    );
    conv.send(OWNER, "retrying")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(all_messages(&store, conv.id()).await.len(), 3);
}

#[tokio::test]
async fn concurrent_sends_on_one_conversation_are_rejected() {
    let (bedrock, assistant, _store) = setup().await;
    bedrock.set_latency(Duration::from_millis(300));
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let first = conv.send(OWNER, "one").await.unwrap();
    let second = conv.send(OWNER, "two").await;
    assert!(
        matches!(second, Err(Error::ConversationBusy(_))),
        "{second:?}"
    );
    first.collect_text().await.unwrap();
    conv.send(OWNER, "three")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
}

/// Polls the store until the conversation holds `count` messages (the turn runs detached).
async fn wait_for_messages(
    store: &MemoryStore,
    id: &str,
    count: usize,
) -> Vec<ai_routes::conversation::StoredMessage> {
    for _ in 0..200 {
        let messages = all_messages(store, id).await;
        if messages.len() >= count {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the conversation never reached {count} messages");
}

#[tokio::test]
async fn a_turn_whose_stream_is_dropped_still_finishes_and_is_stored() {
    // Polled from a task, the stream drives the turn itself; polled from the test's main
    // future (not a task), the turn runs as its own task. Both must survive a dropped stream.
    tokio::spawn(dropped_streams_scenario()).await.unwrap();
    dropped_streams_scenario().await;
}

async fn dropped_streams_scenario() {
    let (bedrock, assistant, store) = setup().await;
    bedrock.set_chunk_latency(Duration::from_millis(5));
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();

    // Dropped after the first delta, mid-stream.
    let answer = "A long answer that arrives in many small pieces, one after another.";
    bedrock.push_reply(Reply::text(answer));
    let mut events = conv.send(OWNER, "Tell me slowly").await.unwrap();
    assert!(matches!(
        events.next_event().await,
        Some(TurnEvent::TextDelta { .. })
    ));
    drop(events);
    let messages = wait_for_messages(&store, conv.id(), 2).await;
    assert_eq!(messages[1].text(), answer);
    assert!(!messages[1].incomplete);

    // Dropped before it is ever polled, in a turn that calls a tool.
    bedrock.push_replies([
        Reply::tool_use("get_weather", json!({"city": "Paris"})),
        Reply::text("Rain in Paris."),
    ]);
    drop(conv.send(OWNER, "Weather in Paris?").await.unwrap());
    let messages = wait_for_messages(&store, conv.id(), 6).await;
    assert_eq!(messages[5].text(), "Rain in Paris.");

    // The conversation is free again.
    bedrock.push_reply(Reply::text("Anything else?"));
    let reply = conv
        .send(OWNER, "Thanks")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.text, "Anything else?");
}

#[tokio::test]
async fn other_owners_cannot_see_or_use_a_conversation() {
    let (_bedrock, assistant, _store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let err = conv.send("intruder", "hi").await.unwrap_err();
    assert!(matches!(err, Error::ConversationNotFound(_)), "{err:?}");
    assert!(matches!(
        assistant.get("intruder", conv.id()).await,
        Err(Error::ConversationNotFound(_))
    ));
    assert!(assistant
        .list("intruder", 10, None)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        assistant.list(OWNER, 10, None).await.unwrap().items.len(),
        1
    );
}

#[tokio::test]
async fn client_side_tools_end_the_turn_and_the_next_message_carries_results() {
    let (_bedrock, assistant, _store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let navigate = ClientTool {
        name: "navigate_to".into(),
        description: "Opens a page in the user's browser.".into(),
        input_schema: json!({"type": "object", "properties": {"page": {"type": "string"}}, "required": ["page"]}),
    };
    let reply = conv
        .send(
            OWNER,
            UserMessage::text("please navigate to checkout").client_tool(navigate.clone()),
        )
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.stop_reason, "tool_use");
    let (id, name, _input) = reply.client_tool_calls[0].clone();
    assert_eq!(name, "navigate_to");

    let err = conv.send(OWNER, "hello?").await.unwrap_err();
    assert!(
        matches!(&err, Error::ToolResultsExpected { tool_use_ids } if tool_use_ids == &vec![id.clone()]),
        "{err:?}"
    );

    let reply = conv
        .send(
            OWNER,
            UserMessage::empty()
                .client_tool(navigate)
                .tool_result(id, Ok(json!({"opened": "checkout"}))),
        )
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert!(reply.text.contains("checkout"), "{}", reply.text);
}

#[tokio::test]
async fn ai_context_images_and_bad_messages() {
    let (bedrock, assistant, _store) = setup().await;
    let conv = assistant
        .create(OWNER, CreateConversation::default())
        .await
        .unwrap();
    let photo = Image::from_bytes(vec![0x89, b'P', b'N', b'G', 1, 2, 3]).unwrap();
    conv.send(
        OWNER,
        UserMessage::text("what is this?")
            .image(photo)
            .ai_context(json!({"page": "/cart"})),
    )
    .await
    .unwrap()
    .collect_text()
    .await
    .unwrap();
    let content = &bedrock.last_request().unwrap().body["messages"][0]["content"];
    assert_eq!(content[0]["image"]["format"], "png");
    assert_eq!(content[1]["text"], "what is this?");
    assert_eq!(content[2]["text"], r#"Context: {"page":"/cart"}"#);

    assert!(matches!(
        conv.send(OWNER, "   ").await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        conv.send(OWNER, UserMessage::empty()).await,
        Err(Error::InvalidInput(_))
    ));
    let huge = "word ".repeat(400_000);
    assert!(matches!(
        conv.send(OWNER, huge).await,
        Err(Error::MessageTooLarge { .. })
    ));
}

#[tokio::test]
async fn a_long_conversation_sends_only_what_fits_the_context_window() {
    let (bedrock, assistant, store) = setup().await;
    let record = store
        .create_conversation(NewConversation {
            owner: OWNER.into(),
            route: "ShopAssistant".into(),
            name: None,
            metadata: None,
        })
        .await
        .unwrap();
    let text = "lorem ipsum ".repeat(100); // ~300 estimated tokens a message
    let mut count = 0;
    for _ in 0..100 {
        let batch: Vec<_> = (0..100)
            .map(|i| ai_routes::conversation::NewMessage {
                role: if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                },
                content: vec![ContentPart::text(text.clone())],
                ai_context: None,
                stop_reason: None,
                usage: None,
                model_id: None,
                incomplete: false,
                estimated_tokens: 300,
            })
            .collect();
        count += store
            .append_messages(OWNER, &record.id, count, batch)
            .await
            .unwrap()
            .len() as u64;
    }
    assert_eq!(count, 10_000);
    let conv = assistant.conversation(record.id.clone());
    conv.send(OWNER, "and now?")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let sent = body["messages"].as_array().unwrap();
    assert!(sent.len() < 1_000, "sent {} messages", sent.len());
    assert!(
        sent.len() > 100,
        "the window is used, not just the last message: {}",
        sent.len()
    );
    assert_eq!(sent[0]["role"], "user");
    assert_eq!(sent.last().unwrap()["content"][0]["text"], "and now?");
    let record = store.get_conversation(OWNER, &record.id).await.unwrap();
    assert_eq!(
        record.message_count, 10_002,
        "the turn appended its two messages"
    );
}

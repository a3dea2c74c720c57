//! Reasoning models end to end, the real SDK against the stand-in: thinking settings sent per
//! provider, reasoning streamed to the caller and stored, signed blocks sent back unchanged in
//! a tool loop (the stand-in refuses the step otherwise, as Bedrock does), generation on a
//! thinking model without a forced tool, and the odd reply shapes real models produce.
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicU32, Ordering};

use ai_routes::conversation::{ContentPart, Role, StoredMessage};
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder, SqliteStore};
use ai_routes::testing::wire::ContentBlock;
use ai_routes::testing::{LocalBedrock, Operation, Reply, REDACTED_THINKING_TRIGGER};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Default)]
struct Lab {
    lookups: AtomicU32,
}

/// Looks up a stock level.
#[tool]
async fn stock(state: &Lab, item: String) -> Result<String, ToolError> {
    let n = state.lookups.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(format!("{item}: {n} in stock"))
}

/// Thinks by default (Claude 5).
#[conversation(model = "Claude Sonnet 5", tools = [stock], state = Lab, max_steps = 4)]
struct Sonnet5;

/// Budgeted thinking on Claude 4.5, asked for.
#[conversation(
    model = "Claude Sonnet 4.5",
    reasoning = "high",
    tools = [stock],
    state = Lab,
    max_steps = 4
)]
struct Sonnet45High;

/// gpt-oss always reasons (unsigned).
#[conversation(
    model = "gpt-oss-120b",
    reasoning = "low",
    tools = [stock],
    state = Lab,
    max_steps = 4,
    stream = false
)]
struct GptOss;

/// Claude Haiku 4.5 with a small budget: redacted thinking on Anthropic's trigger string.
#[conversation(
    model = "Claude Haiku 4.5",
    reasoning_budget = 2048,
    max_tokens = 4096,
    tools = [stock],
    state = Lab,
    max_steps = 3
)]
struct Haiku45;

/// Thinking switched off on a model that thinks by default.
#[conversation(model = "Claude Sonnet 5", reasoning = "off", tools = [stock], state = Lab)]
struct Sonnet5Off;

const OWNER: &str = "owner-1";

async fn messages(store: &dyn ConversationStore, id: &str) -> Vec<StoredMessage> {
    store
        .list_messages(OWNER, id, MessageOrder::Oldest, 100, None)
        .await
        .unwrap()
        .items
}

/// Three model calls: two tool calls, then the answer.
fn three_steps(bedrock: &LocalBedrock) {
    bedrock.push_replies([
        Reply::tool_use_with_id("t1", "stock", json!({"item": "bolts"})),
        Reply::tool_use_with_id("t2", "stock", json!({"item": "nuts"})),
        Reply::text("Bolts and nuts are both in stock."),
    ]);
}

/// The events of a turn: (reasoning, text, tool calls, stop reason).
async fn run(mut events: TurnStream) -> (String, String, u32, String) {
    let (mut reasoning, mut text, mut tools, mut stop) = (String::new(), String::new(), 0, None);
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::ReasoningDelta { text: piece } => reasoning.push_str(&piece),
            TurnEvent::TextDelta { text: piece } => text.push_str(&piece),
            TurnEvent::ToolUse { .. } => tools += 1,
            TurnEvent::TurnDone { stop_reason, .. } => stop = Some(stop_reason),
            TurnEvent::Error(error) => panic!("turn failed: {error}"),
            _ => {}
        }
    }
    (reasoning, text, tools, stop.expect("turn done"))
}

fn reasoning_parts(message: &StoredMessage) -> Vec<&ContentPart> {
    message
        .content
        .iter()
        .filter(|p| matches!(p, ContentPart::Reasoning { .. }))
        .collect()
}

/// The request's messages as wire JSON.
fn wire_messages(body: &Value) -> Vec<Value> {
    body["messages"].as_array().cloned().unwrap_or_default()
}

/// Runs the 3-step turn and checks what every provider must show: reasoning streamed,
/// stored with each assistant message, and (signed) sent back first in each loop step.
async fn three_step_turn<R>(
    bedrock: &LocalBedrock,
    store: &dyn ConversationStore,
    route: &R,
    signed: bool,
) -> String
where
    R: ConversationApi,
{
    let conversation = route.create_for(OWNER).await;
    three_steps(bedrock);
    let (reasoning, text, tools, stop) = run(route
        .send_to(OWNER, &conversation, "Check bolts, then nuts.")
        .await)
    .await;
    assert_eq!(stop, "end_turn");
    assert_eq!(tools, 2);
    assert_eq!(text, "Bolts and nuts are both in stock.");
    assert!(reasoning.contains("Check bolts, then nuts."), "{reasoning}");
    let stored = messages(store, &conversation).await;
    let assistants: Vec<&StoredMessage> = stored
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .collect();
    assert_eq!(assistants.len(), 3);
    for message in &assistants {
        let parts = reasoning_parts(message);
        assert_eq!(parts.len(), 1, "{:?}", message.content);
        assert_eq!(parts[0].is_signed_reasoning(), signed);
        assert!(!message.reasoning().is_empty());
    }
    let requests = bedrock.requests();
    assert_eq!(requests.len(), 3);
    for (step, request) in requests.iter().enumerate().skip(1) {
        let sent = wire_messages(&request.body);
        let last_assistant = sent
            .iter()
            .rev()
            .find(|m| m["role"] == "assistant")
            .unwrap();
        let first = &last_assistant["content"][0];
        if signed {
            assert!(
                first["reasoningContent"]["reasoningText"]["signature"].is_string(),
                "step {}: {first}",
                step + 1
            );
        } else {
            // Unsigned reasoning is not needed by the model: left out of the window.
            assert!(first.get("reasoningContent").is_none(), "{first}");
        }
    }
    bedrock.clear_requests();
    conversation
}

/// What the three routes share, to run one test body over each.
trait ConversationApi {
    async fn create_for(&self, owner: &str) -> String;
    async fn send_to(&self, owner: &str, id: &str, text: &str) -> TurnStream;
}

macro_rules! conversation_api {
    ($($route:ty),*) => {$(
        impl ConversationApi for $route {
            async fn create_for(&self, owner: &str) -> String {
                self.create(owner, CreateConversation::default()).await.unwrap().id().to_string()
            }
            async fn send_to(&self, owner: &str, id: &str, text: &str) -> TurnStream {
                self.conversation(id).send(owner, text).await.unwrap()
            }
        }
    )*};
}
conversation_api!(Sonnet5, Sonnet45High, GptOss, Haiku45, Sonnet5Off);

#[tokio::test]
async fn sonnet_5_thinks_by_default_and_its_tool_loop_round_trips_signed_reasoning() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let route = Sonnet5::new(bedrock.ai_client(), store.clone(), Lab::default());
    three_step_turn(&bedrock, &store, &route, true).await;
    // Thinking is the model's default: nothing to send.
    three_steps(&bedrock);
    let id = route.create_for(OWNER).await;
    run(route.send_to(OWNER, &id, "again").await).await;
    let first = &bedrock.requests()[0].body;
    assert!(
        first.get("additionalModelRequestFields").is_none(),
        "{first}"
    );
}

#[tokio::test]
async fn sonnet_4_5_high_sends_a_budget_and_round_trips_in_sqlite() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let path = std::env::temp_dir().join(format!("ai-routes-reasoning-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let store = SqliteStore::open(&path).unwrap();
    let route = Sonnet45High::new(bedrock.ai_client(), store.clone(), Lab::default());
    three_steps(&bedrock);
    let id = route.create_for(OWNER).await;
    run(route.send_to(OWNER, &id, "Check bolts, then nuts.").await).await;
    let first = bedrock.requests()[0].body.clone();
    assert_eq!(
        first["additionalModelRequestFields"],
        json!({"thinking": {"type": "enabled", "budget_tokens": 16384}})
    );
    // No max_tokens declared: one that leaves room for the answer above the budget.
    assert_eq!(first["inferenceConfig"]["maxTokens"], json!(16384 + 8192));
    bedrock.clear_requests();
    // A new turn, reopened from the file: the signed blocks still verify.
    let reopened = SqliteStore::open(&path).unwrap();
    let route = Sonnet45High::new(bedrock.ai_client(), reopened.clone(), Lab::default());
    three_step_turn(&bedrock, &reopened, &route, true).await;
    drop((route, reopened));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn gpt_oss_reasons_unsigned_and_its_reasoning_stays_out_of_the_window() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let route = GptOss::new(bedrock.ai_client(), store.clone(), Lab::default());
    three_step_turn(&bedrock, &store, &route, false).await;
    three_steps(&bedrock);
    let id = route.create_for(OWNER).await;
    run(route.send_to(OWNER, &id, "x").await).await;
    assert_eq!(
        bedrock.requests()[0].body["additionalModelRequestFields"],
        json!({"reasoning_effort": "low"})
    );
    assert_eq!(bedrock.requests()[0].operation, Operation::Converse);
}

#[tokio::test]
async fn claude_redacted_thinking_is_kept_and_sent_back_unchanged() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let route = Haiku45::new(bedrock.ai_client(), store.clone(), Lab::default());
    let id = route.create_for(OWNER).await;
    bedrock.push_replies([
        Reply::tool_use_with_id("t1", "stock", json!({"item": "bolts"})),
        Reply::text("done"),
    ]);
    let mut events = route
        .send_to(
            OWNER,
            &id,
            &format!("Check bolts. {REDACTED_THINKING_TRIGGER}"),
        )
        .await;
    let mut redacted = 0;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::ReasoningRedacted => redacted += 1,
            TurnEvent::Error(error) => panic!("{error}"),
            _ => {}
        }
    }
    // The first call's prompt carries the trigger; the second answers a tool result.
    assert_eq!(redacted, 1);
    let stored = messages(&store, &id).await;
    let first_answer = stored.iter().find(|m| m.role == Role::Assistant).unwrap();
    assert!(matches!(
        reasoning_parts(first_answer)[..],
        [
            ContentPart::Reasoning {
                signature: Some(_),
                ..
            },
            ContentPart::Reasoning {
                redacted: Some(_),
                ..
            }
        ]
    ));
    let second = &bedrock.requests()[1].body;
    let assistant = &wire_messages(second)[1];
    assert!(assistant["content"][1]["reasoningContent"]["redactedContent"].is_string());
}

#[tokio::test]
async fn switched_off_thinking_sends_disabled_and_no_reasoning_comes_back() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let route = Sonnet5Off::new(bedrock.ai_client(), store.clone(), Lab::default());
    let id = route.create_for(OWNER).await;
    bedrock.push_reply(Reply::text("hi"));
    let (reasoning, text, _, _) = run(route.send_to(OWNER, &id, "hello").await).await;
    assert_eq!((reasoning.as_str(), text.as_str()), ("", "hi"));
    assert_eq!(
        bedrock.requests()[0].body["additionalModelRequestFields"],
        json!({"thinking": {"type": "disabled"}})
    );
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Verdict {
    /// Whether the claim holds.
    holds: bool,
}

/// Checks a claim.
#[generation(model = "Claude Sonnet 5", prompt = "Does this hold: {claim}")]
async fn check_claim(client: &Client, claim: String) -> Result<Generated<Verdict>>;

#[tokio::test]
async fn generation_on_a_thinking_model_asks_for_the_result_without_forcing_the_tool() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let generated = check_claim(&bedrock.ai_client(), "2 + 2 = 4".into())
        .await
        .unwrap();
    let _ = generated.value.holds;
    assert!(!generated.reasoning.is_empty());
    let request = bedrock.last_request().unwrap().body;
    assert!(
        request["toolConfig"].get("toolChoice").is_none(),
        "{request}"
    );
    let prompt = request["messages"][0]["content"].to_string();
    assert!(
        prompt.contains("Answer only by calling the return_result tool"),
        "{prompt}"
    );
}

#[tokio::test]
async fn a_correction_on_a_thinking_model_sends_the_signed_answer_back_unchanged() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_replies([
        Reply::tool_use_with_id("r1", "return_result", json!({"holds": "maybe"})),
        Reply::tool_use_with_id("r2", "return_result", json!({"holds": true})),
    ]);
    let generated = check_claim(&bedrock.ai_client(), "2 + 2 = 4".into())
        .await
        .unwrap();
    assert!(generated.value.holds);
    assert_eq!(generated.attempts, 2);
    // The stand-in accepted the correction step, whose echo starts with the signed block.
    let echo = &wire_messages(&bedrock.last_request().unwrap().body)[1];
    assert!(echo["content"][0]["reasoningContent"]["reasoningText"]["signature"].is_string());
}

// The stand-in refuses what Bedrock refuses, in Bedrock's words.

/// A Converse call through the SDK client, described by `spec`: `model`, `force` (a forced
/// tool), `reasoning` (a tool-loop step: `null` drops the reasoning, else `{text,
/// signature}` is sent first in the assistant message). `"ok"` or the error.
async fn converse_raw(bedrock: &LocalBedrock, spec: Value) -> String {
    let body = spec;
    use aws_sdk_bedrockruntime::types::{
        ContentBlock as Sdk, ConversationRole, Message, ReasoningContentBlock, ReasoningTextBlock,
        SpecificToolChoice, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolResultBlock,
        ToolResultContentBlock, ToolSpecification, ToolUseBlock,
    };
    let client = bedrock.client();
    let tool = Tool::ToolSpec(
        ToolSpecification::builder()
            .name("stock")
            .input_schema(ToolInputSchema::Json(aws_smithy_types::Document::Object(
                [(
                    "type".to_string(),
                    aws_smithy_types::Document::String("object".into()),
                )]
                .into(),
            )))
            .build()
            .unwrap(),
    );
    let mut config = ToolConfiguration::builder().tools(tool);
    if body["force"] == json!(true) {
        config = config.tool_choice(ToolChoice::Tool(
            SpecificToolChoice::builder().name("stock").build().unwrap(),
        ));
    }
    let user = Message::builder()
        .role(ConversationRole::User)
        .content(Sdk::Text("check".into()))
        .build()
        .unwrap();
    let mut request = client
        .converse()
        .model_id(body["model"].as_str().unwrap())
        .messages(user)
        .tool_config(config.build().unwrap());
    if let Some(reasoning) = body.get("reasoning") {
        let mut assistant = Message::builder().role(ConversationRole::Assistant);
        if !reasoning.is_null() {
            assistant =
                assistant.content(Sdk::ReasoningContent(ReasoningContentBlock::ReasoningText(
                    ReasoningTextBlock::builder()
                        .text(reasoning["text"].as_str().unwrap())
                        .signature(reasoning["signature"].as_str().unwrap())
                        .build()
                        .unwrap(),
                )));
        }
        let assistant = assistant
            .content(Sdk::ToolUse(
                ToolUseBlock::builder()
                    .tool_use_id("t1")
                    .name("stock")
                    .input(aws_smithy_types::Document::Object(Default::default()))
                    .build()
                    .unwrap(),
            ))
            .build()
            .unwrap();
        let result = Message::builder()
            .role(ConversationRole::User)
            .content(Sdk::ToolResult(
                ToolResultBlock::builder()
                    .tool_use_id("t1")
                    .content(ToolResultContentBlock::Text("3".into()))
                    .build()
                    .unwrap(),
            ))
            .build()
            .unwrap();
        request = request.messages(assistant).messages(result);
    }
    match request.send().await {
        Ok(_) => "ok".into(),
        Err(error) => format!(
            "{}",
            aws_sdk_bedrockruntime::error::DisplayErrorContext(error)
        ),
    }
}

#[tokio::test]
async fn the_stand_in_refuses_broken_round_trips_and_forced_tools_while_thinking() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let sonnet5 = ai_routes::catalog::by_id("anthropic.claude-sonnet-5").unwrap();
    let model = "global.anthropic.claude-sonnet-5";
    let sig = ai_routes::testing::reasoning_signature(sonnet5, "plan");

    let forced = converse_raw(&bedrock, json!({"model": model, "force": true})).await;
    assert!(
        forced.contains("Thinking may not be enabled when tool_choice forces tool use."),
        "{forced}"
    );

    let dropped = converse_raw(&bedrock, json!({"model": model, "reasoning": null})).await;
    assert!(
        dropped.contains("Expected `thinking` or `redacted_thinking`, but found `tool_use`"),
        "{dropped}"
    );

    let altered = converse_raw(
        &bedrock,
        json!({"model": model, "reasoning": {"text": "plan, edited", "signature": sig}}),
    )
    .await;
    assert!(altered.contains("cannot be modified"), "{altered}");

    let foreign = converse_raw(
        &bedrock,
        json!({"model": "global.anthropic.claude-opus-5", "reasoning": {"text": "plan", "signature": sig}}),
    )
    .await;
    assert!(foreign.contains("cannot be modified"), "{foreign}");

    let intact = converse_raw(
        &bedrock,
        json!({"model": model, "reasoning": {"text": "plan", "signature": sig}}),
    )
    .await;
    assert_eq!(intact, "ok");
}

// Odd shapes of real traffic.

/// DeepSeek R1 writes its reasoning after the text.
#[conversation(model = "DeepSeek-R1", cross_region = "us", stream = false)]
struct R1;

/// Kimi K2 Thinking writes it inline, as <think>…</think>.
#[conversation(model = "Kimi K2 Thinking")]
struct Kimi;

/// Qwen3 can answer with reasoning only.
#[conversation(model = "Qwen3 32B (dense)", reasoning = "high")]
struct Qwen;

conversation_api!(R1, Kimi, Qwen);

#[tokio::test]
async fn odd_shapes_are_stored_as_reasoning_and_kept_out_of_later_windows() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();

    // DeepSeek R1: reasoning after the text.
    let r1 = R1::new(bedrock.ai_client(), store.clone(), ());
    let id = r1.create_for(OWNER).await;
    bedrock.push_reply(Reply::text("Paris."));
    let (reasoning, text, _, _) = run(r1.send_to(OWNER, &id, "Capital of France?").await).await;
    assert_eq!(text, "Paris.");
    assert!(!reasoning.is_empty());
    let stored = messages(&store, &id).await;
    assert!(matches!(
        stored[1].content[..],
        [ContentPart::Text { .. }, ContentPart::Reasoning { .. }]
    ));
    bedrock.push_reply(Reply::text("Berlin."));
    run(r1.send_to(OWNER, &id, "And Germany?").await).await;
    let window = bedrock.last_request().unwrap().body.to_string();
    assert!(!window.contains("reasoningContent"), "{window}");

    // Kimi: <think> in the text becomes reasoning; the caller's text and the store are clean.
    let kimi = Kimi::new(bedrock.ai_client(), store.clone(), ());
    let id = kimi.create_for(OWNER).await;
    bedrock.push_reply(Reply::text("Rome."));
    let (reasoning, text, _, _) = run(kimi.send_to(OWNER, &id, "Capital of Italy?").await).await;
    // Streamed: the <think> part reached the caller as reasoning, not as answer text.
    assert_eq!(text, "\n\nRome.");
    assert!(reasoning.contains("Capital of Italy?"), "{reasoning}");
    let stored = messages(&store, &id).await;
    assert_eq!(stored[1].text(), "Rome.");
    assert!(stored[1].reasoning().contains("Capital of Italy?"));

    // Qwen3: a reply that is reasoning only is stored, and later turns still work.
    let qwen = Qwen::new(bedrock.ai_client(), store.clone(), ());
    let id = qwen.create_for(OWNER).await;
    bedrock.push_reply(Reply::blocks(
        vec![ContentBlock::ReasoningContent(
            json!({"reasoningText": {"text": "Only thinking."}}),
        )],
        "end_turn",
    ));
    let (reasoning, text, _, _) = run(qwen.send_to(OWNER, &id, "Hmm?").await).await;
    assert_eq!((reasoning.as_str(), text.as_str()), ("Only thinking.", ""));
    assert_eq!(
        bedrock.last_request().unwrap().body["additionalModelRequestFields"],
        json!({"reasoning_config": "high"})
    );
    bedrock.push_reply(Reply::text("ok"));
    let (_, text, _, _) = run(qwen.send_to(OWNER, &id, "Well?").await).await;
    assert_eq!(text, "ok");
}

/// Replays Qwen3 32B's answers recorded from Bedrock in pydantic-ai's cassette
/// `tests/models/cassettes/test_bedrock/test_bedrock_thinking_high_qwen_variant.yaml`
/// (request `{"reasoning_config": "high"}`; first answer reasoning only, second reasoning
/// then `"\n\nok"`).
#[tokio::test]
async fn qwen_recorded_reasoning_only_answer_then_answer() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let qwen = Qwen::new(bedrock.ai_client(), store.clone(), ());
    let id = qwen.create_for(OWNER).await;
    let first = "\nOkay, the user wants me to reply with the single word \"ok\". They probably just need a quick confirmation or acknowledgment. Let me make sure I don't add anything extra. Just \"ok\" as requested. Alright, that's straightforward.\n";
    bedrock.push_reply(
        Reply::blocks(
            vec![ContentBlock::ReasoningContent(
                json!({"reasoningText": {"text": first}}),
            )],
            "end_turn",
        )
        .with_usage(15, 55),
    );
    let (reasoning, text, _, _) = run(qwen
        .send_to(OWNER, &id, "Reply with the single word: ok")
        .await)
    .await;
    assert_eq!((reasoning.as_str(), text.as_str()), (first, ""));
    assert_eq!(
        bedrock.last_request().unwrap().body["additionalModelRequestFields"],
        json!({"reasoning_config": "high"})
    );
    bedrock.push_reply(
        Reply::blocks(
            vec![
                ContentBlock::ReasoningContent(
                    json!({"reasoningText": {"text": "\nOkay, I'll just send \"ok\" again.\n"}}),
                ),
                ContentBlock::Text("\n\nok".into()),
            ],
            "end_turn",
        )
        .with_usage(39, 166),
    );
    let (_, text, _, _) = run(qwen.send_to(OWNER, &id, "Please return text.").await).await;
    assert_eq!(text, "\n\nok");
    // The reasoning-only answer is stored for the caller, but the model's window holds
    // the two user messages (merged) and no reasoning.
    let sent = wire_messages(&bedrock.last_request().unwrap().body);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(!Value::Array(sent).to_string().contains("reasoningContent"));
    let stored = messages(&store, &id).await;
    assert_eq!(stored.len(), 4);
    assert_eq!(stored[1].reasoning(), first);
    assert_eq!(stored[3].text(), "\n\nok");
}

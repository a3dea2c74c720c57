//! Tools: `#[tool]` fns and `#[derive(Tool)]` structs, their definitions, typed dispatch
//! through a `ToolSet`, and a tool-use loop with the real SDK against the stand-in.
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ai_routes::prelude::*;
use ai_routes::testing::LocalBedrock;
use ai_routes::{Error, ToolErrorKind, ToolInfo};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, Message, ToolResultContentBlock, ToolResultStatus, ToolUseBlock,
};
use aws_smithy_types::Document;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

struct AppState {
    unit: &'static str,
    calls: AtomicU32,
    barrier: tokio::sync::Barrier,
}

impl AppState {
    fn new() -> Self {
        Self {
            unit: "C",
            calls: AtomicU32::new(0),
            barrier: tokio::sync::Barrier::new(2),
        }
    }
}

#[derive(Debug, Serialize, PartialEq)]
struct Weather {
    city: String,
    temperature: String,
    days: u8,
}

/// Current weather for a city.
#[tool]
async fn get_weather(
    state: &AppState,
    /// City name, e.g. "Seattle"
    city: String,
    /** How many days to forecast */
    days: Option<u8>,
) -> Result<Weather, ToolError> {
    state.calls.fetch_add(1, Ordering::SeqCst);
    if city == "Atlantis" {
        return Err(ToolError::new("no weather station in Atlantis"));
    }
    Ok(Weather {
        temperature: format!("21{}", state.unit),
        city,
        days: days.unwrap_or(1),
    })
}

/// Greets someone by name, in plain text.
#[tool(name = "say-hello")]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> Result<i64, std::num::TryFromIntError> {
    Ok(a + i64::from(u8::try_from(b)?))
}

/// Always panics.
#[tool]
async fn explode(#[serde(default)] reason: String) {
    panic!("boom: {reason}");
}

/// Waits for its partner at a barrier: deadlocks unless run concurrently.
#[tool]
async fn wait_left(state: &AppState) -> &'static str {
    state.barrier.wait().await;
    "left"
}

/// Waits for its partner at a barrier: deadlocks unless run concurrently.
#[tool]
async fn wait_right(state: &AppState) -> &'static str {
    state.barrier.wait().await;
    "right"
}

/// Searches the product catalog.
#[derive(Debug, Deserialize, JsonSchema, Tool)]
struct SearchProducts {
    /// Words to look for in product names
    query: String,
    /// At most this many results
    limit: Option<u32>,
}

impl ToolHandler<AppState> for SearchProducts {
    type Output = Vec<String>;

    async fn handle(self, _state: &AppState) -> Result<Vec<String>, ToolError> {
        let all = ["red shoes", "blue shoes", "red hat"];
        Ok(all
            .iter()
            .filter(|p| p.contains(&self.query))
            .take(self.limit.unwrap_or(10) as usize)
            .map(|p| p.to_string())
            .collect())
    }
}

/// Looks up an order by id.
#[derive(Debug, Deserialize, JsonSchema, Tool)]
#[tool(name = "order_status")]
struct OrderLookup {
    id: u64,
}

impl<S: Sync> ToolHandler<S> for OrderLookup {
    type Output = Value;

    async fn handle(self, _state: &S) -> Result<Value, ToolError> {
        Ok(json!({"id": self.id, "status": "shipped"}))
    }
}

fn tools() -> ToolSet<AppState> {
    ToolSet::builder()
        .tool::<get_weather>()
        .tool::<greet>()
        .tool::<add>()
        .tool::<explode>()
        .tool::<SearchProducts>()
        .tool::<OrderLookup>()
        .build()
        .unwrap()
}

fn tool_use(id: &str, name: &str, input: Value) -> ToolUseBlock {
    ToolUseBlock::builder()
        .tool_use_id(id)
        .name(name)
        .input(json_to_document(&input))
        .build()
        .unwrap()
}

fn json_to_document(value: &Value) -> Document {
    use aws_smithy_types::Number;
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (_, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap()),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect(),
        ),
    }
}

fn text(content: &[ToolResultContentBlock]) -> &str {
    content[0].as_text().expect("a text result")
}

#[test]
fn definitions_come_from_the_declarations() {
    let weather = get_weather::DEFINITION;
    assert_eq!(weather.name, "get_weather");
    assert_eq!(weather.description, "Current weather for a city.");
    let schema = (weather.input_schema)();
    assert_eq!(schema["type"], "object");
    assert_eq!(
        schema["properties"]["city"]["description"],
        "City name, e.g. \"Seattle\""
    );
    assert_eq!(
        schema["properties"]["days"]["description"],
        "How many days to forecast"
    );
    assert!(
        schema["properties"].get("state").is_none(),
        "the state is not an input: {schema}"
    );
    assert_eq!(schema["required"], json!(["city"]), "Option is optional");
    assert!(schema.get("title").is_none() && schema.get("description").is_none());

    assert_eq!(greet::DEFINITION.name, "say-hello");
    let schema = (explode::DEFINITION.input_schema)();
    assert!(
        schema.get("required").is_none_or(|r| r == &json!([])),
        "serde(default) moves to the field: {schema}"
    );
    assert_eq!((wait_left::DEFINITION.input_schema)()["type"], "object");

    let search = SearchProducts::DEFINITION;
    assert_eq!(search.name, "search_products", "snake_case of the struct");
    assert_eq!(search.description, "Searches the product catalog.");
    let schema = (search.input_schema)();
    assert_eq!(
        schema["properties"]["query"]["description"],
        "Words to look for in product names"
    );
    assert_eq!(schema["required"], json!(["query"]));
    assert_eq!(OrderLookup::DEFINITION.name, "order_status");

    let set = tools();
    assert_eq!(
        set.names(),
        [
            "get_weather",
            "say-hello",
            "add",
            "explode",
            "search_products",
            "order_status"
        ]
    );
    assert_eq!(set.len(), 6);
    assert!(!set.is_empty());
    assert!(set.get("add").is_some() && set.get("nope").is_none());
    let config = set.tool_configuration();
    assert_eq!(config.tools().len(), 6);
    assert!(config.tool_choice().is_none());
    let spec = config.tools()[0].as_tool_spec().unwrap();
    assert_eq!(spec.name(), "get_weather");
    assert_eq!(spec.description(), Some("Current weather for a city."));
}

#[test]
fn the_fn_stays_callable_as_written() {
    let state = AppState::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let weather = rt
        .block_on(get_weather(&state, "Oslo".into(), Some(2)))
        .unwrap();
    assert_eq!(weather.days, 2);
    assert_eq!(rt.block_on(greet("Ada".into())), "Hello, Ada!");
}

#[tokio::test]
async fn typed_dispatch_returns_json_and_text() {
    let set = tools();
    let state = AppState::new();

    let result = set
        .dispatch(
            &state,
            &tool_use("t1", "get_weather", json!({"city": "Paris", "days": 3})),
        )
        .await;
    assert_eq!(result.tool_use_id(), "t1");
    assert_eq!(result.status(), Some(&ToolResultStatus::Success));
    let Document::Object(json) = result.content()[0].as_json().unwrap() else {
        panic!("an object")
    };
    assert_eq!(json["temperature"], Document::String("21C".into()));
    assert_eq!(state.calls.load(Ordering::SeqCst), 1);

    let result = set
        .dispatch(&state, &tool_use("t2", "say-hello", json!({"name": "Ada"})))
        .await;
    assert_eq!(result.status(), Some(&ToolResultStatus::Success));
    assert_eq!(text(result.content()), "Hello, Ada!");

    // A non-object output is wrapped, as Bedrock wants an object.
    let out = set
        .call(&state, "add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(out, ToolOutput::Json(json!({"value": 5})));
    let out = set
        .call(&state, "search_products", json!({"query": "red"}))
        .await
        .unwrap();
    assert_eq!(
        out,
        ToolOutput::Json(json!({"value": ["red shoes", "red hat"]}))
    );
    let out = set
        .call(&state, "order_status", json!({"id": 7}))
        .await
        .unwrap();
    assert_eq!(out, ToolOutput::Json(json!({"id": 7, "status": "shipped"})));
    // Some models send the input as a JSON string.
    let out = set
        .call(&state, "say-hello", json!("{\"name\": \"Bo\"}"))
        .await
        .unwrap();
    assert_eq!(out.as_text(), Some("Hello, Bo!"));
}

#[tokio::test]
async fn failures_become_error_results() {
    let set = tools();
    let state = AppState::new();

    let bad = set
        .dispatch(&state, &tool_use("t1", "get_weather", json!({"days": 2})))
        .await;
    assert_eq!(bad.status(), Some(&ToolResultStatus::Error));
    assert!(
        text(bad.content()).contains("missing field `city`"),
        "{}",
        text(bad.content())
    );
    assert_eq!(
        state.calls.load(Ordering::SeqCst),
        0,
        "the tool did not run"
    );

    let unknown = set
        .dispatch(&state, &tool_use("t2", "get_wether", json!({})))
        .await;
    assert_eq!(unknown.status(), Some(&ToolResultStatus::Error));
    let message = text(unknown.content());
    assert!(message.contains("unknown tool `get_wether`"), "{message}");
    assert!(message.contains("get_weather, say-hello, add"), "{message}");

    let failed = set
        .dispatch(
            &state,
            &tool_use("t3", "get_weather", json!({"city": "Atlantis"})),
        )
        .await;
    assert_eq!(failed.status(), Some(&ToolResultStatus::Error));
    assert_eq!(text(failed.content()), "no weather station in Atlantis");

    // A user error type that is Display.
    let err = set
        .call(&state, "add", json!({"a": 1, "b": 300}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ToolErrorKind::Failed);
    assert!(err.message().contains("out of range"), "{err}");

    let panicked = set
        .dispatch(
            &state,
            &tool_use("t4", "explode", json!({"reason": "test"})),
        )
        .await;
    assert_eq!(panicked.status(), Some(&ToolResultStatus::Error));
    assert_eq!(text(panicked.content()), "tool panicked: boom: test");

    let kinds = [
        set.call(&state, "nope", json!({}))
            .await
            .unwrap_err()
            .kind(),
        set.call(&state, "add", json!({"a": "x"}))
            .await
            .unwrap_err()
            .kind(),
        set.call(&state, "explode", json!({}))
            .await
            .unwrap_err()
            .kind(),
    ];
    assert_eq!(
        kinds,
        [
            ToolErrorKind::UnknownTool,
            ToolErrorKind::InvalidInput,
            ToolErrorKind::Panicked
        ]
    );
}

#[tokio::test]
async fn dispatch_all_runs_tools_concurrently_in_request_order() {
    let set = ToolSet::builder()
        .tool::<wait_left>()
        .tool::<wait_right>()
        .tool::<greet>()
        .build()
        .unwrap();
    let state = AppState::new();
    let uses = [
        tool_use("a", "wait_right", json!({})),
        tool_use("b", "say-hello", json!({"name": "Ada"})),
        tool_use("c", "wait_left", json!({})),
    ];
    // Each barrier tool waits for the other: a sequential dispatch would never finish.
    let results = tokio::time::timeout(Duration::from_secs(5), set.dispatch_all(&state, &uses))
        .await
        .expect("the tools ran concurrently");
    let ids: Vec<&str> = results.iter().map(|r| r.tool_use_id()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let texts: Vec<&str> = results.iter().map(|r| text(r.content())).collect();
    assert_eq!(texts, ["right", "Hello, Ada!", "left"]);
}

#[test]
fn duplicate_names_are_a_typed_error() {
    let err = ToolSet::<AppState>::builder()
        .tool::<get_weather>()
        .tool::<greet>()
        .tool::<get_weather>()
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateTool { name } if name == "get_weather"),
        "{err:?}"
    );
    assert!(err.to_string().contains("registered twice"), "{err}");
}

#[test]
fn tools_without_state_work_with_any_state() {
    let set: ToolSet<()> = ToolSet::builder()
        .tool::<greet>()
        .tool::<OrderLookup>()
        .build()
        .unwrap();
    let shared = Arc::new(set);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let out = rt
        .block_on(shared.call(&(), "say-hello", json!({"name": "X"})))
        .unwrap();
    assert_eq!(out, ToolOutput::Text("Hello, X!".into()));
}

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn tool_use_loop_against_the_stand_in() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let client = bedrock.client();
    let set = tools();
    let state = AppState::new();
    let mut messages = vec![user("What does get weather say for the coast?")];

    let first = client
        .converse()
        .model_id("amazon.nova-lite-v1:0")
        .set_messages(Some(messages.clone()))
        .tool_config(set.tool_configuration())
        .send()
        .await
        .unwrap();
    let assistant = first.output().unwrap().as_message().unwrap().clone();
    let uses: Vec<ToolUseBlock> = assistant
        .content()
        .iter()
        .filter_map(|b| b.as_tool_use().ok().cloned())
        .collect();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].name(), "get_weather");

    let results = set.dispatch_all(&state, &uses).await;
    assert_eq!(results[0].status(), Some(&ToolResultStatus::Success));
    assert_eq!(state.calls.load(Ordering::SeqCst), 1);
    messages.push(assistant);
    messages.push(
        Message::builder()
            .role(ConversationRole::User)
            .set_content(Some(
                results.into_iter().map(ContentBlock::ToolResult).collect(),
            ))
            .build()
            .unwrap(),
    );

    let second = client
        .converse()
        .model_id("amazon.nova-lite-v1:0")
        .set_messages(Some(messages))
        .tool_config(set.tool_configuration())
        .send()
        .await
        .unwrap();
    let answer = second.output().unwrap().as_message().unwrap().content()[0]
        .as_text()
        .unwrap()
        .clone();
    assert!(answer.contains("21C"), "{answer}");
    assert!(answer.contains(uses[0].tool_use_id()), "{answer}");

    // The schema the stand-in saw is the tool's, with its property descriptions.
    let recorded = bedrock.requests()[0].body.clone();
    let spec = &recorded["toolConfig"]["tools"][0]["toolSpec"];
    assert_eq!(spec["name"], "get_weather");
    assert_eq!(
        spec["inputSchema"]["json"]["properties"]["city"]["description"],
        "City name, e.g. \"Seattle\""
    );
}

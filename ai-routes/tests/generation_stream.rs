//! Streamed generation: `name_stream` yields `Partial` snapshots while the JSON arrives,
//! then the validated value, with native output (text deltas) and with the result tool
//! (tool-input deltas). The real SDK client against the stand-in, over ConverseStream.
#![cfg(feature = "testing")]

use ai_routes::prelude::*;
use ai_routes::testing::{LocalBedrock, Operation, Reply};
use ai_routes::{GenerationEvent, OutputStrategy};
use futures_util::StreamExt as _;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
struct Recipe {
    title: String,
    servings: u8,
    steps: Vec<String>,
}

/// Plans a recipe (native structured output on Claude Haiku 4.5).
#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You are a chef.",
    max_tokens = 800
)]
async fn plan_recipe(ai: &Client, description: &str, servings: u8) -> Result<Recipe>;

/// Plans a recipe (the forced result tool on Nova Pro).
#[generation(
    model = "Nova Pro",
    system_prompt = "You are a chef.",
    max_tokens = 800
)]
async fn plan_recipe_nova(ai: &Client, description: &str, servings: u8) -> Result<Recipe>;

#[generation(model = "Nova Micro")]
async fn count(ai: &Client, text: String) -> Result<u32>;

const ANSWER: &str = r#"{"title": "Tomato pasta with basil", "servings": 2, "steps": ["Boil the pasta in salted water", "Toss with the sauce"]}"#;

/// Collects a stream: the snapshots' JSON and the final result.
async fn collect<T: 'static + std::fmt::Debug>(
    stream: ai_routes::GenerationStream<'_, T>,
) -> (Vec<Value>, Generated<T>) {
    let events: Vec<_> = stream.collect().await;
    let mut partials = Vec::new();
    let mut done = None;
    for event in events {
        match event.unwrap() {
            GenerationEvent::Partial(partial) => {
                assert!(done.is_none(), "a snapshot after the result");
                partials.push(partial.json().clone());
            }
            GenerationEvent::Done(generated) => done = Some(generated),
        }
    }
    (partials, done.expect("the stream ends with the result"))
}

fn assert_growing(partials: &[Value], last: &Value) {
    assert!(partials.len() >= 3, "several snapshots: {partials:?}");
    for pair in partials.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        for (key, value) in before.as_object().unwrap() {
            let now = &after[key];
            match (value, now) {
                (Value::String(a), Value::String(b)) => {
                    assert!(b.starts_with(a.as_str()), "{a} -> {b}")
                }
                (Value::Array(a), Value::Array(b)) => assert!(b.len() >= a.len()),
                (a, b) => assert_eq!(a, b),
            }
        }
    }
    assert_eq!(partials.last().unwrap(), last);
}

#[tokio::test]
async fn native_output_streams_snapshots_then_the_validated_value() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(Reply::text(ANSWER));
    let ai = bedrock.ai_client();
    let (partials, generated) = collect(plan_recipe_stream(&ai, "tomato pasta", 2)).await;
    assert_eq!(generated.strategy, OutputStrategy::Native);
    assert_eq!(generated.value.title, "Tomato pasta with basil");
    assert_eq!(generated.value.steps.len(), 2);
    assert_growing(&partials, &serde_json::from_str(ANSWER).unwrap());
    // A title still arriving shows as far as it goes.
    assert!(
        partials.iter().any(|p| p["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty() && t != "Tomato pasta with basil")),
        "{partials:?}"
    );
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.operation, Operation::ConverseStream);
    assert_eq!(
        recorded.body["outputConfig"]["textFormat"]["type"],
        "json_schema"
    );
}

#[tokio::test]
async fn the_result_tool_streams_its_input_deltas() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(Reply::tool_use(
        "return_result",
        serde_json::from_str(ANSWER).unwrap(),
    ));
    let ai = bedrock.ai_client();
    let (partials, generated) = collect(plan_recipe_nova_stream(&ai, "tomato pasta", 2)).await;
    assert_eq!(
        generated.strategy,
        OutputStrategy::ForcedTool(ai_routes::catalog::ToolChoiceMode::Tool)
    );
    assert_eq!(generated.value.servings, 2);
    assert_growing(&partials, &serde_json::from_str(ANSWER).unwrap());
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.operation, Operation::ConverseStream);
    assert_eq!(
        recorded.body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "return_result"}})
    );
}

#[tokio::test]
async fn a_correction_starts_the_snapshots_over_and_errors_end_the_stream() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    // A scalar result is boxed under `value`; the snapshots are the value itself.
    bedrock.push_replies([
        Reply::tool_use("return_result", json!({"value": "many"})),
        Reply::tool_use("return_result", json!({"value": 12})),
    ]);
    let (partials, generated) = collect(count_stream(&ai, "a dozen".into())).await;
    assert_eq!(generated.value, 12);
    assert_eq!(generated.attempts, 2);
    assert!(partials.contains(&json!("many")), "{partials:?}");
    assert_eq!(partials.last(), Some(&json!(12)));

    bedrock.push_replies([
        Reply::tool_use("return_result", json!({"value": "many"})),
        Reply::tool_use("return_result", json!({"value": "lots"})),
    ]);
    let events: Vec<_> = count_stream(&ai, "a dozen".into()).collect().await;
    let last = events.last().unwrap();
    assert!(matches!(last, Err(Error::InvalidOutput { .. })), "{last:?}");
}

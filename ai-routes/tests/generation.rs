//! `#[generation]` routes end to end: the real SDK client against the local stand-in.
#![cfg(feature = "testing")]

use ai_routes::prelude::*;
use ai_routes::testing::{LocalBedrock, Reply};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Ingredient {
    name: String,
    grams: u32,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Recipe {
    title: String,
    servings: u8,
    ingredients: Vec<Ingredient>,
    difficulty: Difficulty,
    notes: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Difficulty {
    Easy,
    Hard,
}

/// Plans a recipe from a short description.
#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You are a chef.",
    max_tokens = 800,
    temperature = 0.2,
    stop_sequences = ["END"]
)]
async fn plan_recipe(ai: &Client, description: String, servings: u8) -> ai_routes::Result<Recipe>;

#[generation(
    model = "Amazon Nova Lite",
    prompt = "Plan {servings} servings of: {description}"
)]
async fn plan_with_template(
    ai: &Client,
    description: &str,
    servings: u8,
) -> Result<Generated<Recipe>>;

#[generation(model = "Nova Micro")]
async fn count(ai: &Client, text: String) -> Result<u32>;

#[generation(model = "Nova Micro")]
async fn is_spam(ai: &Client, text: String) -> Result<bool>;

#[generation(model = "Nova Micro")]
async fn summary(ai: &Client, text: String) -> Result<String>;

#[generation(model = "Nova Micro")]
async fn tags(ai: &Client, text: String) -> Result<Vec<String>>;

#[generation(model = "Nova Micro")]
async fn maybe_title(ai: &Client, text: String) -> Result<Option<String>>;

#[generation(model = "Nova Micro")]
async fn difficulty(ai: &Client, text: String) -> Result<Difficulty>;

#[generation(model = "Nova Micro", retries = 2)]
async fn strict_count(ai: &Client, text: String) -> Result<Generated<u8>>;

#[generation(model = "Nova Micro", retries = 0)]
async fn no_retry_count(ai: &Client, text: String) -> Result<u8>;

#[generation(model = "Mistral Large")]
async fn mistral_count(ai: &Client, text: String) -> Result<u32>;

#[generation(model = "Llama 3.1 70B Instruct", region = "us-west-2")]
async fn llama_count(ai: &Client, text: String) -> Result<u32>;

#[generation(model = "Nova Lite")]
async fn describe_image(ai: &Client, photo: Image, question: String) -> Result<String>;

#[generation(model = "Claude Sonnet 4.5")]
async fn read_document(ai: &Client, contract: Document) -> Result<Vec<String>>;

#[generation(model_id = "acme.future-model-v9:0", max_tokens = 100)]
async fn future_model(ai: &Client, text: String) -> Result<String>;

#[tokio::test]
async fn nested_struct_result_and_the_request_matches_the_declaration() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let recipe = plan_recipe(&ai, "a quick tomato pasta".into(), 2)
        .await
        .unwrap();
    assert_eq!(
        recipe.difficulty,
        Difficulty::Easy,
        "the stand-in picks the first enum value"
    );
    assert_eq!(recipe.ingredients.len(), 2);

    let recorded = bedrock.last_request().unwrap();
    assert_eq!(
        recorded.model_id,
        "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    let body = &recorded.body;
    assert_eq!(body["system"], json!([{"text": "You are a chef."}]));
    assert_eq!(body["inferenceConfig"]["maxTokens"], json!(800));
    assert!((body["inferenceConfig"]["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
    assert_eq!(body["inferenceConfig"]["stopSequences"], json!(["END"]));
    // Claude Haiku 4.5 has native structured output: the schema goes in `outputConfig`
    // (as a JSON string, in Bedrock's subset) and no tool is sent.
    assert!(body.get("toolConfig").is_none(), "{body}");
    let format = &body["outputConfig"]["textFormat"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["structure"]["jsonSchema"]["name"], "Recipe");
    assert_eq!(
        format["structure"]["jsonSchema"]["description"],
        "Plans a recipe from a short description."
    );
    let schema: serde_json::Value = serde_json::from_str(
        format["structure"]["jsonSchema"]["schema"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["ingredients"]["type"], "array");
    let user_text: serde_json::Value =
        serde_json::from_str(body["messages"][0]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        user_text,
        json!({"description": "a quick tomato pasta", "servings": 2})
    );
}

#[tokio::test]
async fn prompt_template_usage_cost_and_descriptor() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(
        Reply::tool_use(
            "return_result",
            json!({"title": "Soup", "servings": 4, "ingredients": [], "difficulty": "hard", "notes": null}),
        )
        .with_usage(1000, 2000),
    );
    let generated = plan_with_template(&bedrock.ai_client(), "soup", 4)
        .await
        .unwrap();
    assert_eq!(generated.value.title, "Soup");
    assert_eq!(generated.value.difficulty, Difficulty::Hard);
    assert_eq!(generated.usage.input_tokens, 1000);
    assert_eq!(generated.usage.output_tokens, 2000);
    let nova_lite = ai_routes::catalog::by_id("amazon.nova-lite-v1:0").unwrap();
    let expected = nova_lite.price_input_per_1k_usd + 2.0 * nova_lite.price_output_per_1k_usd;
    assert!((generated.usage.cost_usd - expected).abs() < 1e-12);
    assert_eq!(generated.attempts, 1);
    assert_eq!(generated.stop_reason, "tool_use");

    let text = bedrock.last_request().unwrap().body["messages"][0]["content"][0]["text"].clone();
    assert_eq!(text, json!("Plan 4 servings of: soup"));

    let descriptor = PLAN_RECIPE_ROUTE.descriptor();
    assert_eq!(descriptor.name, "plan_recipe");
    assert_eq!(descriptor.doc, "Plans a recipe from a short description.");
    assert_eq!(descriptor.model, "Claude Haiku 4.5");
    assert_eq!(
        descriptor.input_schema["properties"]["servings"]["type"],
        "integer"
    );
    assert_eq!(
        descriptor.output_schema["properties"]["title"]["type"],
        "string"
    );
}

#[tokio::test]
async fn scalars_including_falsy_values_are_boxed_and_unboxed() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.push_replies([
        Reply::tool_use("return_result", json!({"value": 0})),
        Reply::tool_use("return_result", json!({"value": false})),
        Reply::tool_use("return_result", json!({"value": ""})),
        Reply::tool_use("return_result", json!({"value": []})),
        Reply::tool_use("return_result", json!({"value": null})),
        Reply::tool_use("return_result", json!({"value": "easy"})),
    ]);
    assert_eq!(count(&ai, "x".into()).await.unwrap(), 0);
    assert!(!is_spam(&ai, "x".into()).await.unwrap());
    assert_eq!(summary(&ai, "x".into()).await.unwrap(), "");
    assert!(tags(&ai, "x".into()).await.unwrap().is_empty());
    assert_eq!(maybe_title(&ai, "x".into()).await.unwrap(), None);
    assert_eq!(difficulty(&ai, "x".into()).await.unwrap(), Difficulty::Easy);

    let schema = &bedrock.last_request().unwrap().body["toolConfig"]["tools"][0]["toolSpec"]
        ["inputSchema"]["json"];
    assert_eq!(schema["required"], json!(["value"]));
    assert_eq!(
        schema["properties"]["value"]["enum"],
        json!(["easy", "hard"])
    );
}

#[tokio::test]
async fn default_responder_synthesizes_valid_values_for_every_shape() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    count(&ai, "x".into()).await.unwrap();
    is_spam(&ai, "x".into()).await.unwrap();
    assert!(!summary(&ai, "some words here".into())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(tags(&ai, "x".into()).await.unwrap().len(), 2);
    maybe_title(&ai, "x".into()).await.unwrap();
}

#[tokio::test]
async fn reads_the_tool_call_from_any_block_and_tolerates_stringified_json() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.push_reply(
        Reply::tool_use("return_result", json!({"value": "[\"a\",\"b\"]"}))
            .with_preamble("Sure, here:"),
    );
    assert_eq!(tags(&ai, "x".into()).await.unwrap(), vec!["a", "b"]);
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": "42"})));
    assert_eq!(count(&ai, "x".into()).await.unwrap(), 42);
    // A string result keeps a string that happens to look like JSON.
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": "42"})));
    assert_eq!(summary(&ai, "x".into()).await.unwrap(), "42");
}

#[tokio::test]
async fn invalid_output_is_sent_back_and_corrected() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_replies([
        Reply::tool_use_with_id("t1", "return_result", json!({"value": 300})).with_usage(10, 5),
        Reply::tool_use_with_id("t2", "return_result", json!({"value": 7})).with_usage(20, 5),
    ]);
    let generated = strict_count(&bedrock.ai_client(), "x".into())
        .await
        .unwrap();
    assert_eq!(generated.value, 7);
    assert_eq!(generated.attempts, 2);
    assert_eq!(generated.usage.input_tokens, 30, "usage sums every attempt");

    let second = bedrock.last_request().unwrap().body;
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1]["content"][0]["toolUse"]["toolUseId"], "t1");
    let result = &messages[2]["content"][0]["toolResult"];
    assert_eq!(result["status"], "error");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("300"),
        "{result}"
    );
}

#[tokio::test]
async fn invalid_output_after_retries_is_a_typed_error_with_the_raw_output() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_replies([Reply::tool_use("return_result", json!({"value": "lots"}))]);
    let err = no_retry_count(&bedrock.ai_client(), "x".into())
        .await
        .unwrap_err();
    match err {
        Error::InvalidOutput {
            route,
            raw,
            attempts,
            reason,
        } => {
            assert_eq!(route, "no_retry_count");
            assert_eq!(raw, r#"{"value":"lots"}"#);
            assert_eq!(attempts, 1);
            assert!(reason.contains("schema"), "{reason}");
        }
        other => panic!("expected InvalidOutput, got {other:?}"),
    }

    // A text answer without the tool call is re-asked, then reported.
    bedrock.push_replies([Reply::text("I think it is seven"), Reply::text("seven")]);
    let err = count(&bedrock.ai_client(), "x".into()).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidOutput { raw, attempts: 2, .. } if raw == "seven"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("did not call the return_result tool"),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_output_says_to_raise_max_tokens() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(
        Reply::tool_use("return_result", json!({"value": "unfinished"}))
            .with_stop_reason("max_tokens"),
    );
    let err = future_model(
        &LocalBedrock::builder()
            .strict(false)
            .start()
            .await
            .unwrap()
            .ai_client(),
        "x".into(),
    )
    .await
    .map(|_| ());
    assert!(
        err.is_ok(),
        "the lenient stand-in serves the unchecked model"
    );
    let err = count(&bedrock.ai_client(), "x".into()).await.unwrap_err();
    assert!(matches!(err, Error::OutputTruncated { .. }), "{err:?}");
    assert!(err.to_string().contains("raise max_tokens"));
}

#[tokio::test]
async fn each_tool_choice_strategy_is_sent_as_decided_at_compile_time() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();

    count(&ai, "x".into()).await.unwrap(); // Nova: `tool`
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "return_result"}})
    );

    mistral_count(&ai, "x".into()).await.unwrap(); // Mistral Large: `any`
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(body["toolConfig"]["toolChoice"], json!({"any": {}}));

    let west = bedrock.ai_client_in("us-west-2");
    llama_count(&west, "x".into()).await.unwrap(); // Llama 3.1: auto with an instruction
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.region.as_deref(), Some("us-west-2"));
    assert!(recorded.body["toolConfig"].get("toolChoice").is_none());
    let text = recorded.body["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("calling the return_result tool"), "{text}");
}

#[tokio::test]
async fn route_region_overrides_the_client_region() {
    let bedrock = LocalBedrock::start().await.unwrap();
    // The client is in us-east-1, where Llama 3.1 70B is not on demand; the route says us-west-2.
    llama_count(&bedrock.ai_client(), "x".into()).await.unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().region.as_deref(),
        Some("us-west-2")
    );
}

#[tokio::test]
async fn images_and_documents_become_content_blocks() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let photo = Image::from_bytes(vec![0x89, b'P', b'N', b'G', 0, 1, 2]).unwrap();
    describe_image(&ai, photo, "what is it?".into())
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let content = body["messages"][0]["content"].as_array().unwrap();
    assert_eq!(content[0]["image"]["format"], "png");
    assert!(
        content[0]["image"]["source"]["bytes"].is_string(),
        "bytes travel as base64"
    );
    assert_eq!(content[1]["text"], json!(r#"{"question":"what is it?"}"#));

    let contract = Document::new(DocumentFormat::Pdf, "contract.pdf", b"%PDF-1.4".to_vec());
    read_document(&ai, contract).await.unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["messages"][0]["content"][0]["document"]["name"],
        "contract pdf"
    );

    let empty = Image::new(ImageFormat::Png, Vec::new());
    let err = describe_image(&ai, empty, "?".into()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn unchecked_model_id_is_sent_verbatim() {
    let bedrock = LocalBedrock::builder().strict(false).start().await.unwrap();
    future_model(&bedrock.ai_client(), "hello".into())
        .await
        .unwrap();
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.model_id, "acme.future-model-v9:0");
    assert_eq!(recorded.body["inferenceConfig"]["maxTokens"], json!(100));

    // Against a strict stand-in (real Bedrock's behaviour) the unknown id fails clearly.
    let strict = LocalBedrock::start().await.unwrap();
    let err = future_model(&strict.ai_client(), "hello".into())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownModel { .. }), "{err:?}");
}

#[tokio::test]
async fn bedrock_errors_become_actionable_errors() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.fail_next(ai_routes::testing::ErrorKind::AccessDenied);
    let err = count(&ai, "x".into()).await.unwrap_err();
    assert!(matches!(err, Error::ModelAccessDenied { .. }));
    assert!(
        err.to_string()
            .contains("Model access in the Amazon Bedrock console for us-east-1"),
        "{err}"
    );

    // 3 ai-routes attempts, each with the SDK's 3: nine throttled requests exhaust both.
    bedrock.throttle_next(9);
    let err = count(&ai, "x".into()).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("3 attempt(s)"), "{err}");
    assert!(err.is_retryable());

    // Claude Haiku 4.5's global profile does not serve a region outside the catalog's list.
    let far = bedrock.ai_client_in("us-gov-west-1");
    let err = plan_recipe(&far, "x".into(), 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ModelNotInRegion { .. } | Error::UnknownModel { .. }
        ),
        "{err:?}"
    );
}

//! Native structured output vs the result tool, end to end: the README's `Recipe` route on
//! a model with native output and on a tool-only model, a model that refuses forced tools,
//! the stand-in's Bedrock rules and refusals, schema problems naming the field, and the
//! correction loop on invalid or truncated JSON. The real SDK client against the stand-in.
#![cfg(feature = "testing")]

use ai_routes::catalog::ToolChoiceMode;
use ai_routes::prelude::*;
use ai_routes::testing::{check_route_schemas, LocalBedrock, Reply};
use ai_routes::OutputStrategy;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

/// The README's result type (`servings: u8` is `minimum: 0, maximum: 255` in schemars, which
/// Bedrock's structured output rejects unless transformed).
#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Recipe {
    title: String,
    servings: u8,
    steps: Vec<String>,
}

/// Plans a recipe from a short description.
#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You are a chef.",
    max_tokens = 800
)]
async fn plan_recipe(ai: &Client, description: String, servings: u8) -> Result<Generated<Recipe>>;

/// Plans a recipe on a model without native structured output.
#[generation(
    model = "Nova Pro",
    system_prompt = "You are a chef.",
    max_tokens = 800
)]
async fn plan_recipe_nova(
    ai: &Client,
    description: String,
    servings: u8,
) -> Result<Generated<Recipe>>;

/// Opus 5.5 refuses a forced tool (recorded) and native output is unconfirmed there.
#[generation(model = "Claude Opus 5.5", cross_region = "global", max_tokens = 800)]
async fn plan_recipe_opus(
    ai: &Client,
    description: String,
    servings: u8,
) -> Result<Generated<Recipe>>;

/// The tool strategy, declared on a model that has native output.
#[generation(model = "Claude Haiku 4.5", output = "tool")]
async fn plan_recipe_tool(ai: &Client, description: String) -> Result<Generated<Recipe>>;

// Native output on a model the catalog recorded it on (GLM-4.7-Flash, pydantic-ai cassette);
// no doc comment, so the schema is the cassette's.
#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct City {
    city: String,
    country: String,
}

#[generation(model = "GLM-4.7-Flash", system_prompt = "You are a helpful chatbot.")]
async fn locate(ai: &Client, question: String) -> Result<Generated<City>>;

#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[generation(model = "Claude Sonnet 4.5")]
async fn outline(ai: &Client, topic: String) -> Result<Tree>;

#[generation(model = "Claude Sonnet 4.5", output = "tool")]
async fn outline_with_tool(ai: &Client, topic: String) -> Result<Tree>;

#[generation(model = "Claude Haiku 4.5", retries = 1)]
async fn count_servings(ai: &Client, text: String) -> Result<Generated<u8>>;

fn output_schema(body: &Value) -> Value {
    let schema = body["outputConfig"]["textFormat"]["structure"]["jsonSchema"]["schema"]
        .as_str()
        .expect("the schema travels as a JSON string");
    serde_json::from_str(schema).unwrap()
}

#[tokio::test]
async fn the_readme_recipe_uses_native_output_where_the_model_has_it() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let generated = plan_recipe(&bedrock.ai_client(), "a quick tomato pasta".into(), 2)
        .await
        .unwrap();
    assert_eq!(generated.strategy, OutputStrategy::Native);
    assert_eq!(PLAN_RECIPE_ROUTE.descriptor().output_strategy, "native");
    assert!(!generated.value.steps.is_empty());
    let body = bedrock.last_request().unwrap().body;
    assert!(body.get("toolConfig").is_none(), "{body}");
    assert_eq!(body["outputConfig"]["textFormat"]["type"], "json_schema");
    let schema = output_schema(&body);
    assert_eq!(schema["additionalProperties"], false);
    let servings = &schema["properties"]["servings"];
    assert!(servings.get("maximum").is_none(), "{servings}");
    assert!(
        servings["description"]
            .as_str()
            .unwrap()
            .contains("maximum 255"),
        "{servings}"
    );
    // The route's own schema keeps the bound: answers are validated against it.
    assert_eq!(
        PLAN_RECIPE_ROUTE.descriptor().output_schema["properties"]["servings"]["maximum"],
        255
    );
}

#[tokio::test]
async fn the_readme_recipe_uses_the_forced_tool_on_a_tool_only_model() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let generated = plan_recipe_nova(&bedrock.ai_client(), "a quick tomato pasta".into(), 2)
        .await
        .unwrap();
    assert_eq!(
        generated.strategy,
        OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
    );
    assert_eq!(PLAN_RECIPE_NOVA_ROUTE.descriptor().output_strategy, "tool");
    let body = bedrock.last_request().unwrap().body;
    assert!(body.get("outputConfig").is_none(), "{body}");
    assert_eq!(
        body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "return_result"}})
    );
    // The tool input keeps the full schema (no `strict`, no subset needed).
    let schema = &body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"];
    assert_eq!(schema["properties"]["servings"]["maximum"], 255);
    assert_eq!(
        generated.value.servings as u64,
        generated.json["servings"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn a_model_that_refuses_forced_tools_gets_auto_with_an_instruction() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let generated = plan_recipe_opus(&bedrock.ai_client(), "pasta".into(), 2)
        .await
        .unwrap();
    assert_eq!(generated.strategy, OutputStrategy::AutoWithInstruction);
    assert_eq!(PLAN_RECIPE_OPUS_ROUTE.descriptor().output_strategy, "auto");
    assert_eq!(
        generated.value.servings as u64,
        generated.json["servings"].as_u64().unwrap()
    );
    let body = bedrock.last_request().unwrap().body;
    assert!(body["toolConfig"].get("toolChoice").is_none(), "{body}");
    assert!(body.get("outputConfig").is_none(), "{body}");
    let prompt = body["messages"][0]["content"][0]["text"].as_str().unwrap();
    assert!(
        prompt.contains("Answer only by calling the return_result tool"),
        "{prompt}"
    );
}

#[tokio::test]
async fn bedrock_refuses_a_forced_tool_on_opus_5_5_with_its_recorded_message() {
    // vercel/ai packages/amazon-bedrock/src/__fixtures__/bedrock-opus-5-5-forced-tool-error.json
    let bedrock = LocalBedrock::start().await.unwrap();
    let sdk = bedrock.client();
    let tool = aws_sdk_bedrockruntime::types::ToolSpecification::builder()
        .name("return_result")
        .input_schema(aws_sdk_bedrockruntime::types::ToolInputSchema::Json(
            aws_smithy_types::Document::Object(
                [(
                    "type".to_string(),
                    aws_smithy_types::Document::from("object"),
                )]
                .into(),
            ),
        ))
        .build()
        .unwrap();
    let err = sdk
        .converse()
        .model_id("global.anthropic.claude-opus-5-5")
        .messages(
            aws_sdk_bedrockruntime::types::Message::builder()
                .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
                    "hi".into(),
                ))
                .build()
                .unwrap(),
        )
        .tool_config(
            aws_sdk_bedrockruntime::types::ToolConfiguration::builder()
                .tools(aws_sdk_bedrockruntime::types::Tool::ToolSpec(tool))
                .tool_choice(aws_sdk_bedrockruntime::types::ToolChoice::Any(
                    aws_sdk_bedrockruntime::types::AnyToolChoice::builder().build(),
                ))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    let message = format!(
        "{}",
        aws_sdk_bedrockruntime::error::DisplayErrorContext(&err)
    );
    assert!(
        message.contains("The model returned the following errors: tool_choice: type \"tool\" and \"any\" are not supported for this model."),
        "{message}"
    );
}

#[tokio::test]
async fn output_tool_overrides_native_on_a_model_that_has_it() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let generated = plan_recipe_tool(&bedrock.ai_client(), "soup".into())
        .await
        .unwrap();
    assert_eq!(
        generated.strategy,
        OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
    );
    let body = bedrock.last_request().unwrap().body;
    assert!(body.get("outputConfig").is_none(), "{body}");
}

#[tokio::test]
async fn the_recorded_native_output_exchange_replays() {
    // pydantic-ai tests/models/cassettes/test_bedrock/test_bedrock_zai_native_output.yaml:
    // request `outputConfig.textFormat{type: json_schema, structure.jsonSchema{name: "City",
    // schema: "<JSON string with additionalProperties false>"}}`, answer a text block.
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(
        Reply::text("{ \"city\": \"Paris\", \"country\": \"France\" }").with_usage(21, 15),
    );
    let generated = locate(&bedrock.ai_client(), "Where is the Eiffel Tower?".into())
        .await
        .unwrap();
    assert_eq!(
        generated.value,
        City {
            city: "Paris".into(),
            country: "France".into()
        }
    );
    assert_eq!(generated.strategy, OutputStrategy::Native);
    assert_eq!(generated.stop_reason, "end_turn");
    let body = bedrock.last_request().unwrap().body;
    let definition = &body["outputConfig"]["textFormat"]["structure"]["jsonSchema"];
    assert_eq!(definition["name"], "City");
    assert_eq!(
        output_schema(&body),
        json!({"type": "object", "title": "City", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
               "required": ["city", "country"], "additionalProperties": false})
    );
}

#[tokio::test]
async fn invalid_and_truncated_json_are_corrected_or_reported() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    // Out of the u8 range (Bedrock's subset cannot say so; our validation does), then valid.
    bedrock.push_replies([
        Reply::text("{\"value\": 300}"),
        Reply::text("{\"value\": 3}"),
    ]);
    let generated = count_servings(&ai, "three".into()).await.unwrap();
    assert_eq!(generated.value, 3);
    assert_eq!(generated.attempts, 2);
    let body = bedrock.last_request().unwrap().body;
    let correction = body["messages"][2]["content"][0]["text"].as_str().unwrap();
    assert!(correction.contains("300"), "{correction}");
    assert!(
        correction.contains("Answer again with only the corrected, complete JSON value"),
        "{correction}"
    );
    // Cut off at max_tokens (vercel/ai bedrock-sonnet-4-6-native-structured-output-length.json).
    bedrock.push_reply(Reply::text("{\"value\": ").with_stop_reason("max_tokens"));
    let err = count_servings(&ai, "three".into()).await.unwrap_err();
    assert!(matches!(err, Error::OutputTruncated { .. }), "{err}");
    // Not JSON at all, twice: invalid output after the correction.
    bedrock.push_replies([Reply::text("three"), Reply::text("still three")]);
    let err = count_servings(&ai, "three".into()).await.unwrap_err();
    match err {
        Error::InvalidOutput { reason, raw, .. } => {
            assert!(reason.contains("not valid JSON"), "{reason}");
            assert_eq!(raw, "still three");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn schema_problems_name_the_field_before_any_call() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let problem = OUTLINE_ROUTE.schema_problem().expect("recursive");
    assert!(
        problem.to_string().contains("`Tree.children[]`"),
        "{problem}"
    );
    let err = outline(&ai, "rust".into()).await.unwrap_err();
    assert!(matches!(err, Error::UnsupportedSchema { .. }), "{err}");
    assert!(err.to_string().contains("Tree.children[]"), "{err}");
    assert!(bedrock.requests().is_empty(), "no call was made");

    let err = ai
        .check_routes(&[&PLAN_RECIPE_ROUTE, &OUTLINE_ROUTE, &OUTLINE_WITH_TOOL_ROUTE])
        .unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!(err.problems[0].route, "outline");
    assert!(
        err.problems[0].problem.contains("`Tree.children[]`"),
        "{err}"
    );

    let err = check_route_schemas(&[&PLAN_RECIPE_ROUTE, &OUTLINE_ROUTE]).unwrap_err();
    assert!(err.to_string().contains("`Tree.children[]`"), "{err}");
    check_route_schemas(&[
        &PLAN_RECIPE_ROUTE,
        &PLAN_RECIPE_NOVA_ROUTE,
        &OUTLINE_WITH_TOOL_ROUTE,
    ])
    .unwrap();
}

#[tokio::test]
async fn the_stand_in_refuses_out_of_subset_schemas_and_unsupported_models() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let send = |model: &'static str, schema: Value| {
        let sdk = bedrock.client();
        async move {
            let format = aws_sdk_bedrockruntime::types::OutputFormat::builder()
                .r#type(aws_sdk_bedrockruntime::types::OutputFormatType::JsonSchema)
                .structure(
                    aws_sdk_bedrockruntime::types::OutputFormatStructure::JsonSchema(
                        aws_sdk_bedrockruntime::types::JsonSchemaDefinition::builder()
                            .schema(schema.to_string())
                            .name("T")
                            .build()
                            .unwrap(),
                    ),
                )
                .build()
                .unwrap();
            sdk.converse()
                .model_id(model)
                .messages(
                    aws_sdk_bedrockruntime::types::Message::builder()
                        .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                        .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
                            "hi".into(),
                        ))
                        .build()
                        .unwrap(),
                )
                .output_config(
                    aws_sdk_bedrockruntime::types::OutputConfig::builder()
                        .text_format(format)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| format!("{}", aws_sdk_bedrockruntime::error::DisplayErrorContext(&e)))
        }
    };
    let haiku = "global.anthropic.claude-haiku-4-5-20251001-v1:0";
    // The schemars schema of a u8 field, untransformed (design notes §1).
    let err = send(haiku, json!({"type": "object", "additionalProperties": false,
        "properties": {"servings": {"type": "integer", "minimum": 0, "maximum": 255}}, "required": ["servings"]}))
        .await
        .unwrap_err();
    assert!(err.contains("The model returned the following errors: output_config.format.schema: For 'integer' type, properties maximum, minimum are not supported"), "{err}");
    // vercel/ai issue-17197-max-items-error.json
    let err = send(haiku, json!({"type": "object", "additionalProperties": false,
        "properties": {"tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}, "required": ["tags"]}))
        .await
        .unwrap_err();
    assert!(
        err.contains(
            "output_config.format.schema: For 'array' type, property 'maxItems' is not supported"
        ),
        "{err}"
    );
    let err = send(
        haiku,
        json!({"type": "object", "properties": {"a": {"type": "string"}}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("For 'object' type, 'additionalProperties' must be explicitly set to false"),
        "{err}"
    );
    // A model the catalog says lacks native output (older Claude, high confidence).
    let err = send(
        "us.anthropic.claude-opus-4-1-20250805-v1:0",
        json!({"type": "object", "additionalProperties": false}),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("output_config.format: Extra inputs are not permitted"),
        "{err}"
    );
    // Within the subset: answered with schema-valid JSON text.
    let ok = send(
        haiku,
        json!({"type": "object", "additionalProperties": false,
        "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )
    .await
    .unwrap();
    let text = ok.output.unwrap().as_message().unwrap().content[0]
        .as_text()
        .unwrap()
        .clone();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(value["city"].is_string(), "{value}");
}

#[tokio::test]
async fn the_stand_in_refuses_strict_tools_where_bedrock_does() {
    use aws_sdk_bedrockruntime::types::{
        ContentBlock, ConversationRole, Message, Tool, ToolConfiguration, ToolInputSchema,
        ToolSpecification,
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let send = |model: &'static str, schema: Value| {
        let sdk = bedrock.client();
        async move {
            let tool = ToolSpecification::builder()
                .name("book_table")
                .input_schema(ToolInputSchema::Json(json_to_document(&schema)))
                .strict(true)
                .build()
                .unwrap();
            sdk.converse()
                .model_id(model)
                .messages(
                    Message::builder()
                        .role(ConversationRole::User)
                        .content(ContentBlock::Text("hi".into()))
                        .build()
                        .unwrap(),
                )
                .tool_config(
                    ToolConfiguration::builder()
                        .tools(Tool::ToolSpec(tool))
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .map_err(|e| format!("{}", aws_sdk_bedrockruntime::error::DisplayErrorContext(&e)))
        }
    };
    let closed = json!({"type": "object", "additionalProperties": false,
        "properties": {"guests": {"type": "integer"}}, "required": ["guests"]});
    // vercel/ai amazon-bedrock-strict-open-schema-error.json
    let err = send(
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        json!({"type": "object", "properties": {}}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("The model returned the following errors: tools.0.custom: For 'object' type, 'additionalProperties' must be explicitly set to false"), "{err}");
    // A model the catalog says lacks strict tools (vercel/ai#17919's wording).
    let err = send("us.anthropic.claude-opus-4-1-20250805-v1:0", closed.clone())
        .await
        .unwrap_err();
    assert!(
        err.contains("tools.0.custom.strict: Extra inputs are not permitted"),
        "{err}"
    );
    send("global.anthropic.claude-haiku-4-5-20251001-v1:0", closed)
        .await
        .unwrap();
}

fn json_to_document(value: &Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Document::Number(Number::PosInt(u)),
            None => Document::Number(Number::Float(n.as_f64().unwrap())),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect(),
        ),
    }
}

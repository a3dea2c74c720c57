//! The real `aws-sdk-bedrockruntime` client against the local stand-in: text, tool use,
//! streaming, every error type, every fault, Bedrock-like validation, request recording.
#![cfg(feature = "testing")]

use std::time::{Duration, Instant};

use ai_routes::testing::{ErrorKind, Fault, LocalBedrock, Operation, Reply, StreamBreak};
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, ImageBlock, ImageFormat, ImageSource,
    InferenceConfiguration, Message, SpecificToolChoice, StopReason, SystemContentBlock, Tool,
    ToolChoice, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolSpecification, ToolUseBlock,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::{Blob, Document, Number};
use serde_json::json;

const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
const HAIKU_45_US: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

fn weather_tool() -> Tool {
    let mut props = std::collections::HashMap::new();
    props.insert(
        "city".to_string(),
        Document::Object([("type".to_string(), Document::String("string".into()))].into()),
    );
    let mut days = std::collections::HashMap::new();
    days.insert("type".to_string(), Document::String("integer".into()));
    days.insert("minimum".to_string(), Document::Number(Number::PosInt(3)));
    days.insert("maximum".to_string(), Document::Number(Number::PosInt(5)));
    props.insert("days".to_string(), Document::Object(days));
    let schema = Document::Object(
        [
            ("type".to_string(), Document::String("object".into())),
            ("properties".to_string(), Document::Object(props)),
            (
                "required".to_string(),
                Document::Array(vec![
                    Document::String("city".into()),
                    Document::String("days".into()),
                ]),
            ),
        ]
        .into(),
    );
    Tool::ToolSpec(
        ToolSpecification::builder()
            .name("get_weather")
            .description("Gets the weather")
            .input_schema(ToolInputSchema::Json(schema))
            .build()
            .unwrap(),
    )
}

fn tools(choice: Option<ToolChoice>) -> ToolConfiguration {
    ToolConfiguration::builder()
        .tools(weather_tool())
        .set_tool_choice(choice)
        .build()
        .unwrap()
}

fn forced() -> ToolChoice {
    ToolChoice::Tool(
        SpecificToolChoice::builder()
            .name("get_weather")
            .build()
            .unwrap(),
    )
}

async fn say(
    client: &Client,
    model: &str,
    text: &str,
) -> Result<
    ConverseOutput,
    aws_sdk_bedrockruntime::error::SdkError<
        aws_sdk_bedrockruntime::operation::converse::ConverseError,
    >,
> {
    client
        .converse()
        .model_id(model)
        .messages(user(text))
        .send()
        .await
}

fn content(out: &ConverseOutput) -> &[ContentBlock] {
    out.output().unwrap().as_message().unwrap().content()
}

fn error_code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

async fn validation_message(
    client: &Client,
    req: aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder,
) -> String {
    let _ = client;
    let err = req
        .send()
        .await
        .expect_err("the stand-in must reject this request")
        .into_service_error();
    assert!(
        err.is_validation_exception(),
        "expected ValidationException, got {err:?}"
    );
    err.message().unwrap_or_default().to_string()
}

#[tokio::test]
async fn converse_text_reports_usage_and_records_the_request() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let client = bedrock.client();
    let out = client
        .converse()
        .model_id(NOVA_MICRO)
        .system(SystemContentBlock::Text("You are terse.".into()))
        .messages(user("What is the capital of France?"))
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(200)
                .temperature(0.2)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    let text = content(&out)[0].as_text().unwrap();
    assert!(text.contains("What is the capital of France?"), "{text}");
    let usage = out.usage().unwrap();
    assert!(
        usage.input_tokens() > 5 && usage.output_tokens() > 5,
        "{usage:?}"
    );
    assert_eq!(
        usage.total_tokens(),
        usage.input_tokens() + usage.output_tokens()
    );

    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.operation, Operation::Converse);
    assert_eq!(recorded.model_id, NOVA_MICRO);
    assert_eq!(recorded.region.as_deref(), Some("us-east-1"));
    assert_eq!(recorded.attempt, 1);
    let req = recorded.request.unwrap();
    assert_eq!(req.system_text(), "You are terse.");
    assert_eq!(req.inference_config.unwrap().max_tokens, Some(200));
    assert_eq!(
        recorded.body["messages"][0]["content"][0]["text"],
        json!("What is the capital of France?")
    );
}

#[tokio::test]
async fn scripted_replies_answer_in_order_then_the_default_responder() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_replies([
        Reply::text("first"),
        Reply::text("second").with_usage(11, 22),
    ]);
    let client = bedrock.client();
    let a = say(&client, NOVA_MICRO, "x").await.unwrap();
    let b = say(&client, NOVA_MICRO, "y").await.unwrap();
    let c = say(&client, NOVA_MICRO, "third please").await.unwrap();
    assert_eq!(content(&a)[0].as_text().unwrap(), "first");
    assert_eq!(content(&b)[0].as_text().unwrap(), "second");
    assert_eq!(
        (
            b.usage().unwrap().input_tokens(),
            b.usage().unwrap().output_tokens()
        ),
        (11, 22)
    );
    assert!(content(&c)[0].as_text().unwrap().contains("third please"));
}

#[tokio::test]
async fn closure_responder_sees_the_parsed_request() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.respond_with(|ctx: &ai_routes::testing::RequestContext<'_>| {
        Reply::text(format!(
            "{} messages to {}",
            ctx.request.messages.len(),
            ctx.model.unwrap().name
        ))
        .into()
    });
    let out = say(&bedrock.client(), NOVA_MICRO, "hi").await.unwrap();
    assert_eq!(
        content(&out)[0].as_text().unwrap(),
        "1 messages to Nova Micro"
    );
}

#[tokio::test]
async fn forced_tool_gets_schema_valid_input_and_tool_results_round_trip() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let client = bedrock.client();
    let out = client
        .converse()
        .model_id(NOVA_LITE)
        .messages(user("Weather in Paris"))
        .tool_config(tools(Some(forced())))
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::ToolUse);
    let tool_use = content(&out)
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .unwrap()
        .clone();
    assert_eq!(tool_use.name(), "get_weather");
    let Document::Object(input) = tool_use.input() else {
        panic!("input must be an object")
    };
    assert!(matches!(input.get("city"), Some(Document::String(_))));
    assert_eq!(
        input.get("days"),
        Some(&Document::Number(Number::PosInt(3))),
        "minimum is respected"
    );

    // Second turn: the tool result goes back and the model answers in text citing it.
    let assistant = Message::builder()
        .role(ConversationRole::Assistant)
        .content(ContentBlock::ToolUse(tool_use.clone()))
        .build()
        .unwrap();
    let result = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(tool_use.tool_use_id())
                .content(ToolResultContentBlock::Text("Sunny, 21C".into()))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let out = client
        .converse()
        .model_id(NOVA_LITE)
        .messages(user("Weather in Paris"))
        .messages(assistant)
        .messages(result)
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::EndTurn);
    assert!(content(&out)[0].as_text().unwrap().contains("Sunny, 21C"));
}

#[tokio::test]
async fn auto_tool_choice_calls_a_tool_the_user_mentions() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let out = bedrock
        .client()
        .converse()
        .model_id(NOVA_LITE)
        .messages(user("Please use get weather for Oslo"))
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason(), &StopReason::ToolUse);
    assert!(
        content(&out)[0].as_text().is_ok(),
        "a preamble precedes the call"
    );
    assert_eq!(
        content(&out)[1].as_tool_use().unwrap().name(),
        "get_weather"
    );
}

#[tokio::test]
async fn converse_stream_text_arrives_in_order_with_metadata() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.push_reply(Reply::text(
        "The quick brown fox jumps over the lazy dog, twice over.",
    ));
    let mut out = bedrock
        .client()
        .converse_stream()
        .model_id(NOVA_MICRO)
        .messages(user("go"))
        .send()
        .await
        .unwrap();
    let mut kinds = Vec::new();
    let mut text = String::new();
    let mut stop = None;
    let mut usage = None;
    while let Some(event) = out.stream.recv().await.unwrap() {
        match &event {
            ConverseStreamOutput::MessageStart(_) => kinds.push("start"),
            ConverseStreamOutput::ContentBlockDelta(d) => {
                kinds.push("delta");
                text.push_str(d.delta().unwrap().as_text().unwrap());
            }
            ConverseStreamOutput::ContentBlockStop(_) => kinds.push("stop"),
            ConverseStreamOutput::MessageStop(m) => {
                kinds.push("messageStop");
                stop = Some(m.stop_reason().clone());
            }
            ConverseStreamOutput::Metadata(m) => {
                kinds.push("metadata");
                usage = m.usage().cloned();
            }
            _ => kinds.push("other"),
        }
    }
    assert_eq!(
        text,
        "The quick brown fox jumps over the lazy dog, twice over."
    );
    assert_eq!(kinds.first(), Some(&"start"));
    assert!(
        kinds.iter().filter(|k| **k == "delta").count() >= 3,
        "text is chunked: {kinds:?}"
    );
    assert_eq!(
        &kinds[kinds.len() - 3..],
        &["stop", "messageStop", "metadata"]
    );
    assert_eq!(stop, Some(StopReason::EndTurn));
    assert!(usage.unwrap().output_tokens() > 0);
    assert_eq!(
        bedrock.last_request().unwrap().operation,
        Operation::ConverseStream
    );
}

#[tokio::test]
async fn converse_stream_tool_use_input_is_fragmented_json() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let input = json!({"city": "A city with a rather long name", "days": 4});
    bedrock.push_reply(
        Reply::tool_use_with_id("tooluse_1", "get_weather", input.clone())
            .with_preamble("Checking."),
    );
    let mut out = bedrock
        .client()
        .converse_stream()
        .model_id(NOVA_LITE)
        .messages(user("weather"))
        .tool_config(tools(None))
        .send()
        .await
        .unwrap();
    let mut fragments = Vec::new();
    let mut started = None;
    while let Some(event) = out.stream.recv().await.unwrap() {
        match event {
            ConverseStreamOutput::ContentBlockStart(s) => {
                let start = s.start().unwrap().as_tool_use().unwrap();
                started = Some((
                    s.content_block_index(),
                    start.name().to_string(),
                    start.tool_use_id().to_string(),
                ));
            }
            ConverseStreamOutput::ContentBlockDelta(d) => {
                if let Ok(tool) = d.delta().unwrap().as_tool_use() {
                    assert_eq!(d.content_block_index(), 1);
                    fragments.push(tool.input().to_string());
                }
            }
            _ => {}
        }
    }
    assert_eq!(started, Some((1, "get_weather".into(), "tooluse_1".into())));
    assert!(fragments.len() > 1, "input arrives in several fragments");
    let joined: serde_json::Value = serde_json::from_str(&fragments.concat()).unwrap();
    assert_eq!(joined, input);
}

#[tokio::test]
async fn every_error_type_maps_to_the_sdk_typed_error() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let client = bedrock.client();
    for kind in ErrorKind::ALL {
        if kind == ErrorKind::ModelStreamError {
            continue; // only a stream member; covered below
        }
        let attempts = if kind.is_retried_by_sdk() { 3 } else { 1 };
        for _ in 0..attempts {
            bedrock.fail_next(kind);
        }
        let before = bedrock.requests().len();
        let err = say(&client, NOVA_MICRO, "hi")
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(error_code(&err), kind.code(), "{kind:?}");
        let typed = match kind {
            ErrorKind::Validation => err.is_validation_exception(),
            ErrorKind::Throttling => err.is_throttling_exception(),
            ErrorKind::AccessDenied => err.is_access_denied_exception(),
            ErrorKind::ResourceNotFound => err.is_resource_not_found_exception(),
            ErrorKind::ModelTimeout => err.is_model_timeout_exception(),
            ErrorKind::ModelNotReady => err.is_model_not_ready_exception(),
            ErrorKind::ModelError => err.is_model_error_exception(),
            ErrorKind::ServiceUnavailable => err.is_service_unavailable_exception(),
            ErrorKind::InternalServer => err.is_internal_server_exception(),
            ErrorKind::ModelStreamError => unreachable!(),
        };
        assert!(typed, "{kind:?} must be the typed variant, got {err:?}");
        assert_eq!(
            bedrock.requests().len() - before,
            attempts,
            "{kind:?}: retried as the SDK does"
        );
    }
    // Same types on ConverseStream's initial response.
    bedrock.fail_next(ErrorKind::AccessDenied);
    let err = client
        .converse_stream()
        .model_id(NOVA_MICRO)
        .messages(user("x"))
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_access_denied_exception());
}

#[tokio::test]
async fn sdk_retry_recovers_from_throttling() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.throttle_next(2);
    let out = say(&bedrock.client(), NOVA_MICRO, "hello").await.unwrap();
    assert!(content(&out)[0].as_text().is_ok());
    let attempts: Vec<u32> = bedrock.requests().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert_eq!(bedrock.faults_injected(), 2);

    bedrock.throttle_next(3);
    let err = say(&bedrock.client(), NOVA_MICRO, "hello")
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_throttling_exception());
}

#[tokio::test]
async fn throttle_fraction_is_reproducible_and_roughly_right() {
    let bedrock = LocalBedrock::builder().seed(42).start().await.unwrap();
    bedrock.throttle_fraction(0.3);
    let client = Client::from_conf(
        bedrock
            .sdk_config("us-east-1")
            .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled())
            .build(),
    );
    let mut throttled = 0;
    for _ in 0..200 {
        if say(&client, NOVA_MICRO, "x").await.is_err() {
            throttled += 1;
        }
    }
    assert!(
        (35..=85).contains(&throttled),
        "about 30% of 200 throttled, got {throttled}"
    );
    assert_eq!(bedrock.faults_injected(), throttled);
}

async fn stream_outcome(bedrock: &LocalBedrock) -> (usize, Result<bool, String>) {
    let mut out = bedrock
        .client()
        .converse_stream()
        .model_id(NOVA_MICRO)
        .messages(user("go"))
        .send()
        .await
        .unwrap();
    let mut events = 0;
    loop {
        match out.stream.recv().await {
            Ok(Some(ConverseStreamOutput::MessageStop(_))) => return (events + 1, Ok(true)),
            Ok(Some(_)) => events += 1,
            Ok(None) => return (events, Ok(false)),
            Err(e) => {
                use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError as E;
                // Exception frames carry no error metadata code; the variant is the type.
                let service = e.into_service_error();
                let name = match &service {
                    E::ThrottlingException(_) => "ThrottlingException",
                    E::ModelStreamErrorException(_) => "ModelStreamErrorException",
                    E::ValidationException(_) => "ValidationException",
                    E::InternalServerException(_) => "InternalServerException",
                    E::ServiceUnavailableException(_) => "ServiceUnavailableException",
                    _ => "Unhandled",
                };
                return (events, Err(format!("{name}|{service}")));
            }
        }
    }
}

#[tokio::test]
async fn broken_streams_surface_as_the_sdk_reports_them() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let long = "word ".repeat(40);

    bedrock.push_reply(Reply::text(long.clone()));
    bedrock.break_next_stream(3, StreamBreak::Eof);
    assert_eq!(
        stream_outcome(&bedrock).await,
        (3, Ok(false)),
        "clean EOF without messageStop"
    );

    bedrock.push_reply(Reply::text(long.clone()));
    bedrock.break_next_stream(2, StreamBreak::Exception(ErrorKind::Throttling));
    let (events, outcome) = stream_outcome(&bedrock).await;
    assert_eq!(events, 2);
    let outcome = outcome.unwrap_err();
    assert!(outcome.starts_with("ThrottlingException|"), "{outcome}");

    bedrock.push_reply(Reply::text(long.clone()));
    bedrock.break_next_stream(1, StreamBreak::Exception(ErrorKind::ModelStreamError));
    assert!(stream_outcome(&bedrock)
        .await
        .1
        .unwrap_err()
        .starts_with("ModelStreamErrorException|"));

    bedrock.push_reply(Reply::text(long));
    bedrock.break_next_stream(2, StreamBreak::CutMidFrame);
    let (events, outcome) = stream_outcome(&bedrock).await;
    assert_eq!(events, 2);
    assert!(outcome.is_err(), "a frame cut in half is an error");

    // The next stream is whole again.
    assert!(stream_outcome(&bedrock).await.1.unwrap());
}

#[tokio::test]
async fn latency_per_call_and_per_chunk() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.inject(Fault::Delay(Duration::from_millis(150)));
    let started = Instant::now();
    say(&bedrock.client(), NOVA_MICRO, "x").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));

    bedrock.set_chunk_latency(Duration::from_millis(20));
    bedrock.push_reply(Reply::text("a".repeat(64))); // 4 deltas + start/stop/messageStop/metadata = 8 frames
    let started = Instant::now();
    assert!(stream_outcome(&bedrock).await.1.unwrap());
    // messageStop is the 7th frame and ends the read.
    assert!(
        started.elapsed() >= Duration::from_millis(7 * 20),
        "{:?}",
        started.elapsed()
    );

    bedrock.clear_faults();
    bedrock.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    say(&bedrock.client(), NOVA_MICRO, "x").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[tokio::test]
async fn sdk_attempt_timeout_fires_on_a_slow_answer() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.set_latency(Duration::from_millis(500));
    let client = Client::from_conf(
        bedrock
            .sdk_config("us-east-1")
            .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled())
            .timeout_config(
                aws_sdk_bedrockruntime::config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_millis(100))
                    .build(),
            )
            .build(),
    );
    let err = say(&client, NOVA_MICRO, "x").await.unwrap_err();
    assert!(
        matches!(
            err,
            aws_sdk_bedrockruntime::error::SdkError::TimeoutError(_)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn rejects_models_like_bedrock() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let client = bedrock.client();

    let err = say(&client, "anthropic.claude-nonexistent", "x")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception());
    assert_eq!(
        err.message(),
        Some("The provided model identifier is invalid.")
    );

    // Needs an inference profile: bare id rejected, profile accepted.
    let bare = "anthropic.claude-haiku-4-5-20251001-v1:0";
    let err = say(&client, bare, "x")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.message()
            .unwrap()
            .contains("with on-demand throughput isn\u{2019}t supported"),
        "{err:?}"
    );
    say(&client, HAIKU_45_US, "x").await.unwrap();
    let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{HAIKU_45_US}");
    say(&client, &arn, "x").await.unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().model_id,
        arn,
        "the ARN arrives percent-decoded"
    );

    // A US profile called from an EU region is not valid there.
    let eu = bedrock.client_in("eu-west-1");
    let err = say(&eu, HAIKU_45_US, "x")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception());

    // End-of-life models: gone without a known date, and past a dated end of life (Jamba
    // 1.5 Large, 2026-11-26: the status is computed from the catalog's dates, as the
    // macros and `check_routes` compute it).
    for model in ["anthropic.claude-v2", "ai21.jamba-1-5-large-v1:0"] {
        let err = say(&client, model, "x")
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{model}: {err:?}");
        assert_eq!(
            err.message(),
            Some("This model version has reached the end of its life. Please refer to the AWS documentation for more details."),
            "{model}"
        );
    }

    // Served only on the OpenAI-compatible endpoint: not a Converse model id.
    let err = say(&client, "openai.gpt-5.5", "x")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
}

#[tokio::test]
async fn lenient_mode_accepts_unknown_models() {
    let bedrock = LocalBedrock::builder().strict(false).start().await.unwrap();
    let out = say(&bedrock.client(), "acme.brand-new-model-v1:0", "hello")
        .await
        .unwrap();
    assert!(content(&out)[0].as_text().is_ok());
}

#[tokio::test]
async fn rejects_requests_the_model_cannot_serve() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let c = bedrock.client();

    // Forced tool choice on a model that only accepts auto (Llama 3.1).
    let llama = "us.meta.llama3-1-8b-instruct-v1:0";
    let m = validation_message(
        &c,
        c.converse()
            .model_id(llama)
            .messages(user("x"))
            .tool_config(tools(Some(forced()))),
    )
    .await;
    assert!(m.contains("toolChoice.tool"), "{m}");
    // Tools on a model without tool use.
    let m = validation_message(
        &c,
        c.converse()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .messages(user("x"))
            .tool_config(tools(None)),
    )
    .await;
    assert_eq!(m, "This model doesn't support tool use.");
    // Streaming tool use on a model without it (the stream's initial response).
    let err = c
        .converse_stream()
        .model_id(llama)
        .messages(user("x"))
        .tool_config(tools(None))
        .send()
        .await
        .unwrap_err();
    assert!(err
        .into_service_error()
        .message()
        .unwrap()
        .contains("streaming mode"));
    // System prompt on a model without system prompts.
    let m = validation_message(
        &c,
        c.converse()
            .model_id("mistral.mistral-7b-instruct-v0:2")
            .system(SystemContentBlock::Text("s".into()))
            .messages(user("x")),
    )
    .await;
    assert!(m.contains("system messages"), "{m}");
    // Image to a text-only model.
    let image = ContentBlock::Image(
        ImageBlock::builder()
            .format(ImageFormat::Png)
            .source(ImageSource::Bytes(Blob::new(vec![137, 80, 78, 71])))
            .build()
            .unwrap(),
    );
    let msg = Message::builder()
        .role(ConversationRole::User)
        .content(image)
        .content(ContentBlock::Text("what is it".into()))
        .build()
        .unwrap();
    let m = validation_message(&c, c.converse().model_id(NOVA_MICRO).messages(msg.clone())).await;
    assert!(m.contains("image"), "{m}");
    c.converse()
        .model_id(NOVA_LITE)
        .messages(msg)
        .send()
        .await
        .expect("Nova Lite reads images");
    // maxTokens over the model's limit, and zero.
    let cfg = |n| InferenceConfiguration::builder().max_tokens(n).build();
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_MICRO)
            .messages(user("x"))
            .inference_config(cfg(10_001)),
    )
    .await;
    assert!(m.contains("exceeds the model limit of 10000"), "{m}");
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_MICRO)
            .messages(user("x"))
            .inference_config(cfg(0)),
    )
    .await;
    assert!(m.contains("greater than or equal to 1"), "{m}");
    // Temperature out of range.
    let hot = InferenceConfiguration::builder().temperature(1.5).build();
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_MICRO)
            .messages(user("x"))
            .inference_config(hot),
    )
    .await;
    assert!(m.contains("temperature"), "{m}");
}

#[tokio::test]
async fn validates_the_conversation_shape() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let c = bedrock.client();
    let assistant = |t: &str| {
        Message::builder()
            .role(ConversationRole::Assistant)
            .content(ContentBlock::Text(t.into()))
            .build()
            .unwrap()
    };

    let m = validation_message(
        &c,
        c.converse().model_id(NOVA_MICRO).messages(assistant("hi")),
    )
    .await;
    assert!(m.contains("must start with a user message"), "{m}");
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_MICRO)
            .messages(user("a"))
            .messages(user("b")),
    )
    .await;
    assert!(m.contains("alternate"), "{m}");
    let m = validation_message(&c, c.converse().model_id(NOVA_MICRO).messages(user("   "))).await;
    assert!(m.contains("blank"), "{m}");

    // A toolResult without a matching toolUse.
    let orphan = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id("nope")
                .content(ToolResultContentBlock::Text("r".into()))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_LITE)
            .messages(user("a"))
            .messages(assistant("b"))
            .messages(orphan)
            .tool_config(tools(None)),
    )
    .await;
    assert!(m.contains("nope"), "{m}");

    // A toolUse left without its result.
    let call = Message::builder()
        .role(ConversationRole::Assistant)
        .content(ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id("t1")
                .name("get_weather")
                .input(Document::Object(Default::default()))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_LITE)
            .messages(user("a"))
            .messages(call)
            .messages(user("c"))
            .tool_config(tools(None)),
    )
    .await;
    assert!(m.contains("t1"), "{m}");

    // A tool whose input schema is not an object.
    let bad = Tool::ToolSpec(
        ToolSpecification::builder()
            .name("bad")
            .input_schema(ToolInputSchema::Json(Document::Object(
                [("type".into(), Document::String("string".into()))].into(),
            )))
            .build()
            .unwrap(),
    );
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_LITE)
            .messages(user("a"))
            .tool_config(ToolConfiguration::builder().tools(bad).build().unwrap()),
    )
    .await;
    assert!(m.contains("must be one of the following: object"), "{m}");
}

#[tokio::test]
async fn local_bedrock_binary_prints_its_address_and_serves() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_local-bedrock"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _guard = Kill(child);
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"));

    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(aws_sdk_bedrockruntime::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_bedrockruntime::config::Credentials::new(
            "a", "b", None, None, "test",
        ))
        .build();
    let out = say(&Client::from_conf(config), NOVA_MICRO, "ping")
        .await
        .unwrap();
    assert!(content(&out)[0].as_text().unwrap().contains("ping"));
}

#[tokio::test]
async fn media_limits_are_bedrocks_not_a_request_body_cap() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let c = bedrock.client();
    let image = |size: usize| {
        let mut bytes = vec![137, 80, 78, 71, 13, 10, 26, 10];
        bytes.resize(size, 0);
        ContentBlock::Image(
            ImageBlock::builder()
                .format(ImageFormat::Png)
                .source(ImageSource::Bytes(Blob::new(bytes)))
                .build()
                .unwrap(),
        )
    };
    let message = |images: Vec<ContentBlock>| {
        let mut builder = Message::builder().role(ConversationRole::User);
        for block in images {
            builder = builder.content(block);
        }
        builder
            .content(ContentBlock::Text("what are these?".into()))
            .build()
            .unwrap()
    };
    // 3.7 MB of image (about 5 MB of base64 on the wire) is within Bedrock's limits.
    c.converse()
        .model_id(NOVA_LITE)
        .messages(message(vec![image(3_700_000)]))
        .send()
        .await
        .expect("an image under 3.75 MB is accepted");
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_LITE)
            .messages(message(vec![image(3_750_001)])),
    )
    .await;
    assert!(
        m.contains("exceeds the maximum image size of 3750000 bytes"),
        "{m}"
    );
    let m = validation_message(
        &c,
        c.converse()
            .model_id(NOVA_LITE)
            .messages(message((0..21).map(|_| image(100)).collect())),
    )
    .await;
    assert!(m.contains("21 images"), "{m}");
}

/// Bedrock API keys (`AWS_BEARER_TOKEN_BEDROCK`, which the SDK reads itself): the request
/// carries `Authorization: Bearer …` and no SigV4 scope, so the stand-in serves it as from
/// its own region.
#[tokio::test]
async fn bearer_token_requests_are_served_from_the_stand_ins_region() {
    use aws_sdk_bedrockruntime::config::Token;
    let bedrock = LocalBedrock::builder()
        .region("eu-west-1")
        .start()
        .await
        .unwrap();
    let config = bedrock
        .sdk_config("eu-west-1")
        .bearer_token(Token::new("bedrock-api-key-test", None))
        .auth_scheme_preference([
            aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID,
        ])
        .build();
    let sdk = aws_sdk_bedrockruntime::Client::from_conf(config);
    // A profile that only serves EU regions: accepted only if the stand-in took eu-west-1.
    let output = sdk
        .converse()
        .model_id("eu.anthropic.claude-haiku-4-5-20251001-v1:0")
        .messages(
            Message::builder()
                .role(ConversationRole::User)
                .content(ContentBlock::Text("Hello".into()))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(output.output().is_some());
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.auth, ai_routes::testing::Auth::Bearer);
    assert_eq!(recorded.region, None);
    let authorization = recorded
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
        .map(|(_, value)| value.as_str());
    assert_eq!(authorization, Some("Bearer bedrock-api-key-test"));
}

/// The account's model access, as the control plane reports it to `ai-routes models sync`,
/// is enforced at run time too: a denied model answers Bedrock's `AccessDeniedException`
/// (only in the denied region), and a model the catalog does not know but the account was
/// offered is served.
#[tokio::test]
async fn denied_model_access_and_offered_models_apply_to_calls() {
    use ai_routes::testing::OfferedModel;
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.deny_model_access("amazon.nova-lite-v1:0", Some("us-east-1"));
    bedrock.offer_model(OfferedModel::text(
        "acme.lumen-2-v1:0",
        "Acme Lumen 2",
        "Acme",
    ));
    let err = say(&bedrock.client(), "amazon.nova-lite-v1:0", "hi")
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(error_code(&err), "AccessDeniedException");
    assert_eq!(
        err.message(),
        Some("You don't have access to the model with the specified model ID.")
    );
    say(
        &bedrock.client_in("eu-west-1"),
        "eu.amazon.nova-lite-v1:0",
        "hi",
    )
    .await
    .expect("access is denied in us-east-1 only");
    say(&bedrock.client(), "acme.lumen-2-v1:0", "hi")
        .await
        .expect("an offered model is served");
}

//! Shared pieces of the benchmarks: the result types, the framework routes, the same work
//! hand-written on `aws-sdk-bedrockruntime`, the rig extractor, and one scripted responder
//! for the local Bedrock stand-in so every path gets byte-for-byte the same answers.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use ai_routes::prelude::*;
use ai_routes::testing::wire::{ContentBlock as WireBlock, Role as WireRole, Tool, ToolChoice};
use ai_routes::testing::{LocalBedrock, Reply, RequestContext, Response};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole,
    ConverseStreamOutput as Ev, InferenceConfiguration, Message, SystemContentBlock,
    Tool as SdkTool, ToolChoice as SdkToolChoice, ToolConfiguration, ToolInputSchema,
    ToolResultBlock, ToolResultContentBlock, ToolResultStatus, ToolSpecification,
    ToolUseBlock, SpecificToolChoice,
};
use aws_smithy_types::{Document, Number};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Model used by every path (on demand in us-east-1, accepts forced tools and streaming tools).
pub const MODEL_ID: &str = "amazon.nova-lite-v1:0";
pub const SYSTEM: &str = "You are a chef.";
pub const DESCRIPTION: &str = "a quick tomato pasta";

// ---------------------------------------------------------------- result types

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Ingredient {
    pub name: String,
    pub grams: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Hard,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Recipe {
    pub title: String,
    pub servings: u8,
    pub ingredients: Vec<Ingredient>,
    pub difficulty: Difficulty,
    pub notes: Option<String>,
}

pub fn recipe_json() -> Value {
    json!({
        "title": "Tomato pasta",
        "servings": 2,
        "ingredients": [
            {"name": "spaghetti", "grams": 200},
            {"name": "tomatoes", "grams": 400},
            {"name": "olive oil", "grams": 20}
        ],
        "difficulty": "easy",
        "notes": "Salt the water well."
    })
}

/// The text the model streams back (about 260 characters: a handful of deltas).
pub const ANSWER: &str = "Boil the spaghetti in well salted water. Meanwhile, soften a chopped \
    garlic clove in olive oil, add the tomatoes and simmer for ten minutes. Toss the pasta in \
    the sauce with a splash of its water, season, and serve at once with basil and parmesan.";

/// A user message asking for [`long_answer`] (per-chunk overhead, §2).
pub const LONG_QUESTION: &str = "Tomato pasta, in detail?";

/// [`ANSWER`] twelve times: about 3,100 characters, streamed as about 200 deltas of 16.
pub fn long_answer() -> String {
    vec![ANSWER; 12].join(" ")
}

// ---------------------------------------------------------------- the stand-in's answers

/// One responder for every benchmark, so all paths see identical replies:
/// - a forced tool (`tool` or `any`) gets the fixed recipe;
/// - with a `get_weather` tool offered, the model calls it until the current turn holds two
///   tool results, then answers in text (a 3-step turn);
/// - asked [`LONG_QUESTION`], it answers [`long_answer`] (about 200 deltas);
/// - otherwise it answers [`ANSWER`] in text.
pub fn responder(ctx: &RequestContext<'_>) -> Response {
    let req = ctx.request;
    let tools: Vec<&str> = req
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .filter_map(|t| match t {
            Tool::ToolSpec(spec) => Some(spec.name.as_str()),
            _ => None,
        })
        .collect();
    // Native structured output: the recipe as JSON text.
    if req.output_schema().is_some() {
        return Reply::text(recipe_json().to_string())
            .with_usage(120, 60)
            .into();
    }
    match req.tool_config.as_ref().and_then(|c| c.tool_choice.as_ref()) {
        Some(ToolChoice::Tool { name }) => {
            return Reply::tool_use(name.clone(), recipe_json())
                .with_usage(120, 60)
                .into()
        }
        Some(ToolChoice::Any(_)) if !tools.is_empty() => {
            return Reply::tool_use(tools[0], recipe_json())
                .with_usage(120, 60)
                .into()
        }
        _ => {}
    }
    if tools.contains(&"get_weather") {
        // Tool results since the last plain user text = steps done in this turn.
        let mut results = 0;
        for m in req.messages.iter().rev() {
            let has_result = m
                .content
                .iter()
                .any(|b| matches!(b, WireBlock::ToolResult(_)));
            if m.role == WireRole::User && !has_result {
                break;
            }
            if has_result {
                results += 1;
            }
        }
        if results < 2 {
            return Reply::tool_use_with_id(
                format!("tooluse_weather_{results}"),
                "get_weather",
                json!({"city": if results == 0 { "Seattle" } else { "Paris" }}),
            )
            .with_usage(100, 20)
            .into();
        }
    }
    let last_user_text = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == WireRole::User)
        .and_then(|m| {
            m.content.iter().find_map(|b| match b {
                WireBlock::Text(text) => Some(text.as_str()),
                _ => None,
            })
        });
    if last_user_text == Some(LONG_QUESTION) {
        return Reply::text(long_answer()).with_usage(100, 800).into();
    }
    Reply::text(ANSWER).with_usage(100, 60).into()
}

/// A stand-in on a loopback port in this process, answering with [`responder`], reached
/// through [`nodelay_proxy`] (see there for why).
pub struct Bench {
    pub bedrock: LocalBedrock,
    pub endpoint: String,
}

impl Bench {
    /// A raw SDK client (the stand-in's settings) on the proxied endpoint.
    pub fn sdk(&self) -> aws_sdk_bedrockruntime::Client {
        aws_sdk_bedrockruntime::Client::from_conf(
            self.bedrock
                .sdk_config("us-east-1")
                .endpoint_url(&self.endpoint)
                .build(),
        )
    }

    /// A framework client on its own SDK client.
    pub fn ai(&self) -> Client {
        Client::new(self.sdk())
    }

    pub fn clear_requests(&self) {
        self.bedrock.clear_requests()
    }

    pub fn last_request(&self) -> Option<ai_routes::testing::RecordedRequest> {
        self.bedrock.last_request()
    }
}

pub async fn start_bedrock() -> Bench {
    let bedrock = LocalBedrock::start().await.expect("start stand-in");
    bedrock.respond_with(responder);
    let direct = std::env::var_os("BENCH_DIRECT").is_some();
    let endpoint = if direct {
        bedrock.endpoint()
    } else {
        format!("http://{}", nodelay_proxy(bedrock.addr()).await)
    };
    Bench { bedrock, endpoint }
}

/// A loopback TCP relay in front of the stand-in.
///
/// The stand-in's server (`axum::serve` in `ai_routes::testing`) does not set `TCP_NODELAY`
/// on accepted sockets, so a ConverseStream answer, written frame by frame, stalls on
/// Nagle's algorithm against the client's delayed ACK: about 40 ms per streamed response
/// on Linux, whoever the client is. The relay ACKs every read at once (`TCP_QUICKACK`) on
/// its side of the stand-in's socket and writes to the client with `TCP_NODELAY`, so streams
/// flow as they would from Bedrock. Every path in every benchmark goes through it; set
/// `BENCH_DIRECT=1` to bypass it.
pub async fn nodelay_proxy(upstream: std::net::SocketAddr) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { return };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if sw.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        quickack(sr.as_ref());
                        match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                quickack(sr.as_ref());
                                if cw.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    addr
}

fn quickack(stream: &tokio::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket fd and a pointer to a c_int of the given size.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

// ---------------------------------------------------------------- framework routes

/// Plans a recipe from a short description.
#[generation(model = "Amazon Nova Lite", system_prompt = "You are a chef.", max_tokens = 800)]
pub async fn plan_recipe(ai: &Client, description: String, servings: u8) -> ai_routes::Result<Recipe>;

/// Plans a recipe from a short description, with native structured output (Claude Haiku 4.5
/// has it).
#[generation(model = "Claude Haiku 4.5", system_prompt = "You are a chef.", max_tokens = 800)]
pub async fn plan_recipe_native(ai: &Client, description: String, servings: u8) -> ai_routes::Result<Recipe>;

/// A plain streamed chat.
#[conversation(model = "Amazon Nova Lite", system_prompt = "You are a chef.", max_tokens = 800)]
pub struct ChefChat;

pub struct Weather {
    pub forecasts: Vec<(&'static str, &'static str)>,
}

impl Default for Weather {
    fn default() -> Self {
        Self {
            forecasts: vec![("Seattle", "rain, 12°C"), ("Paris", "sunny, 21°C")],
        }
    }
}

impl Weather {
    pub fn lookup(&self, city: &str) -> Option<String> {
        self.forecasts
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(city))
            .map(|(_, f)| f.to_string())
    }
}

#[derive(Serialize)]
pub struct Forecast {
    pub city: String,
    pub forecast: String,
}

/// Looks up the current weather for a city.
#[tool]
pub async fn get_weather(
    state: &Weather,
    /** City name, e.g. "Seattle" */
    city: String,
) -> Result<Forecast, ToolError> {
    let forecast = state
        .lookup(&city)
        .ok_or_else(|| ToolError::new(format!("no forecast for {city}")))?;
    Ok(Forecast { city, forecast })
}

/// Answers questions about the weather.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a weather assistant.",
    tools = [get_weather],
    state = Weather,
    max_steps = 8,
    max_tokens = 800
)]
pub struct WeatherChat;

// ---------------------------------------------------------------- hand-written with the SDK

pub fn json_to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Document::Number(Number::PosInt(u))
            } else if let Some(i) = n.as_i64() {
                Document::Number(Number::NegInt(i))
            } else {
                Document::Number(Number::Float(n.as_f64().unwrap_or(0.0)))
            }
        }
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(json_to_document).collect()),
        Value::Object(o) => Document::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect(),
        ),
    }
}

pub fn document_to_json(doc: &Document) -> Value {
    match doc {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => json!(u),
        Document::Number(Number::NegInt(i)) => json!(i),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(document_to_json).collect()),
        Document::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
    }
}

/// The forced tool with `Recipe`'s schema, built once (as careful hand-written code would).
static RECIPE_TOOL: LazyLock<ToolConfiguration> = LazyLock::new(|| {
    let schema = serde_json::to_value(schemars::schema_for!(Recipe)).unwrap();
    ToolConfiguration::builder()
        .tools(SdkTool::ToolSpec(
            ToolSpecification::builder()
                .name("return_result")
                .description("Return the result.")
                .input_schema(ToolInputSchema::Json(json_to_document(&schema)))
                .build()
                .unwrap(),
        ))
        .tool_choice(SdkToolChoice::Tool(
            SpecificToolChoice::builder()
                .name("return_result")
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap()
});

fn user_text(text: String) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text))
        .build()
        .unwrap()
}

/// The generation by hand: one Converse call with a forced tool, the tool input parsed into
/// `Recipe` with serde_json.
pub async fn raw_plan_recipe(
    sdk: &aws_sdk_bedrockruntime::Client,
    description: &str,
    servings: u8,
) -> Result<Recipe, Box<dyn std::error::Error + Send + Sync>> {
    let prompt = json!({"description": description, "servings": servings}).to_string();
    let out = sdk
        .converse()
        .model_id(MODEL_ID)
        .system(SystemContentBlock::Text(SYSTEM.into()))
        .messages(user_text(prompt))
        .inference_config(InferenceConfiguration::builder().max_tokens(800).build())
        .tool_config(RECIPE_TOOL.clone())
        .send()
        .await?;
    let message = out
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?;
    let input = message
        .content()
        .iter()
        .find_map(|b| b.as_tool_use().ok())
        .ok_or("no tool use")?
        .input();
    Ok(serde_json::from_value(document_to_json(input))?)
}

/// The `outputConfig` a hand-written native call sends: `Recipe`'s schema in Bedrock's
/// subset, as a JSON string (built once, as the framework builds its own once per route).
pub static RECIPE_OUTPUT: LazyLock<aws_sdk_bedrockruntime::types::OutputConfig> = LazyLock::new(|| {
    use aws_sdk_bedrockruntime::types::{
        JsonSchemaDefinition, OutputConfig, OutputFormat, OutputFormatStructure, OutputFormatType,
    };
    let descriptor = PLAN_RECIPE_NATIVE_ROUTE.descriptor();
    let schema = ai_routes::schema_subset::to_bedrock_subset(&descriptor.output_schema, "Recipe")
        .expect("Recipe fits the subset")
        .schema;
    OutputConfig::builder()
        .text_format(
            OutputFormat::builder()
                .r#type(OutputFormatType::JsonSchema)
                .structure(OutputFormatStructure::JsonSchema(
                    JsonSchemaDefinition::builder()
                        .schema(schema.to_string())
                        .name("Recipe")
                        .description(descriptor.doc)
                        .build()
                        .unwrap(),
                ))
                .build()
                .unwrap(),
        )
        .build()
});

/// The native generation by hand: one Converse call with `outputConfig`, the answer's JSON
/// text parsed into `Recipe` with serde_json.
pub async fn raw_plan_recipe_native(
    sdk: &aws_sdk_bedrockruntime::Client,
    model_id: &str,
    description: &str,
    servings: u8,
) -> Result<Recipe, Box<dyn std::error::Error + Send + Sync>> {
    let prompt = json!({"description": description, "servings": servings}).to_string();
    let out = sdk
        .converse()
        .model_id(model_id)
        .system(SystemContentBlock::Text(SYSTEM.into()))
        .messages(user_text(prompt))
        .inference_config(InferenceConfiguration::builder().max_tokens(800).build())
        .output_config(RECIPE_OUTPUT.clone())
        .send()
        .await?;
    let message = out
        .output()
        .and_then(|o| o.as_message().ok())
        .ok_or("no message")?;
    let text = message
        .content()
        .iter()
        .find_map(|b| b.as_text().ok())
        .ok_or("no text")?;
    Ok(serde_json::from_str(text)?)
}

/// Timings of one streamed turn.
#[derive(Debug, Clone, Copy)]
pub struct TurnTiming {
    pub first_delta: Duration,
    /// When the last text delta arrived.
    pub last_delta: Duration,
    /// Text deltas received.
    pub deltas: u32,
    pub total: Duration,
}

/// One streamed turn by hand: `converse_stream` with the system prompt and one user message,
/// text deltas appended to a `String`.
pub async fn raw_stream_turn(sdk: &aws_sdk_bedrockruntime::Client, text: &str) -> (String, TurnTiming) {
    let start = Instant::now();
    let mut out = sdk
        .converse_stream()
        .model_id(MODEL_ID)
        .system(SystemContentBlock::Text(SYSTEM.into()))
        .messages(user_text(text.to_string()))
        .inference_config(InferenceConfiguration::builder().max_tokens(800).build())
        .send()
        .await
        .expect("converse_stream");
    let mut answer = String::new();
    let mut first = None;
    let mut last = Duration::ZERO;
    let mut deltas = 0;
    while let Some(event) = out.stream.recv().await.expect("stream event") {
        if let Ev::ContentBlockDelta(d) = event {
            if let Some(ContentBlockDelta::Text(t)) = d.delta() {
                first.get_or_insert_with(|| start.elapsed());
                last = start.elapsed();
                deltas += 1;
                answer.push_str(t);
            }
        }
    }
    let total = start.elapsed();
    (
        answer,
        TurnTiming {
            first_delta: first.unwrap_or(total),
            last_delta: last,
            deltas,
            total,
        },
    )
}

/// One streamed framework turn on a fresh conversation of `chat`; creation is not timed.
pub async fn framework_stream_turn<S: Send + Sync + 'static>(
    conv: &ai_routes::conversation::Conversation<S>,
    owner: &str,
    text: &str,
) -> (String, TurnTiming) {
    let start = Instant::now();
    let mut events = conv.send(owner, text).await.expect("send");
    let mut answer = String::new();
    let mut first = None;
    let mut last = Duration::ZERO;
    let mut deltas = 0;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text } => {
                first.get_or_insert_with(|| start.elapsed());
                last = start.elapsed();
                deltas += 1;
                answer.push_str(&text);
            }
            TurnEvent::Error(e) => panic!("turn failed: {e}"),
            _ => {}
        }
    }
    let total = start.elapsed();
    (
        answer,
        TurnTiming {
            first_delta: first.unwrap_or(total),
            last_delta: last,
            deltas,
            total,
        },
    )
}

static WEATHER_TOOLS: LazyLock<ToolConfiguration> = LazyLock::new(|| {
    let schema = json!({
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name, e.g. \"Seattle\""}},
        "required": ["city"]
    });
    ToolConfiguration::builder()
        .tools(SdkTool::ToolSpec(
            ToolSpecification::builder()
                .name("get_weather")
                .description("Looks up the current weather for a city.")
                .input_schema(ToolInputSchema::Json(json_to_document(&schema)))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap()
});

#[derive(Deserialize)]
struct WeatherInput {
    city: String,
}

/// A streamed tool-using turn by hand: `converse_stream` in a loop, tool-use input deltas
/// accumulated and parsed, the tool run, its result fed back, until the model stops asking.
/// History lives in a `Vec<Message>` (not persisted). Returns the final text and the steps.
pub async fn raw_tool_turn(
    sdk: &aws_sdk_bedrockruntime::Client,
    state: &Weather,
    text: &str,
) -> (String, u32) {
    let mut messages = vec![user_text(text.to_string())];
    let mut answer = String::new();
    for step in 1..=8u32 {
        let mut out = sdk
            .converse_stream()
            .model_id(MODEL_ID)
            .system(SystemContentBlock::Text("You are a weather assistant.".into()))
            .set_messages(Some(messages.clone()))
            .inference_config(InferenceConfiguration::builder().max_tokens(800).build())
            .tool_config(WEATHER_TOOLS.clone())
            .send()
            .await
            .expect("converse_stream");
        let mut blocks: Vec<ContentBlock> = Vec::new();
        let mut text_buf = String::new();
        let mut tool: Option<(String, String, String)> = None; // id, name, input json
        let mut stop = String::new();
        while let Some(event) = out.stream.recv().await.expect("stream event") {
            match event {
                Ev::ContentBlockStart(s) => {
                    if let Some(ContentBlockStart::ToolUse(t)) = s.start() {
                        tool = Some((t.tool_use_id().into(), t.name().into(), String::new()));
                    }
                }
                Ev::ContentBlockDelta(d) => match d.delta() {
                    Some(ContentBlockDelta::Text(t)) => text_buf.push_str(t),
                    Some(ContentBlockDelta::ToolUse(t)) => {
                        if let Some(tool) = tool.as_mut() {
                            tool.2.push_str(t.input());
                        }
                    }
                    _ => {}
                },
                Ev::ContentBlockStop(_) => {
                    if !text_buf.is_empty() {
                        answer.push_str(&text_buf);
                        blocks.push(ContentBlock::Text(std::mem::take(&mut text_buf)));
                    }
                    if let Some((id, name, input)) = tool.take() {
                        let input: Value = serde_json::from_str(&input).unwrap_or(json!({}));
                        blocks.push(ContentBlock::ToolUse(
                            ToolUseBlock::builder()
                                .tool_use_id(id)
                                .name(name)
                                .input(json_to_document(&input))
                                .build()
                                .unwrap(),
                        ));
                    }
                }
                Ev::MessageStop(m) => stop = m.stop_reason().as_str().to_string(),
                _ => {}
            }
        }
        let uses: Vec<ToolUseBlock> = blocks
            .iter()
            .filter_map(|b| b.as_tool_use().ok().cloned())
            .collect();
        messages.push(
            Message::builder()
                .role(ConversationRole::Assistant)
                .set_content(Some(blocks))
                .build()
                .unwrap(),
        );
        if stop != "tool_use" || uses.is_empty() {
            return (answer, step);
        }
        let mut results = Vec::new();
        for tool_use in uses {
            let input: WeatherInput =
                serde_json::from_value(document_to_json(tool_use.input())).expect("tool input");
            let (status, content) = match state.lookup(&input.city) {
                Some(f) => (
                    ToolResultStatus::Success,
                    json!({"city": input.city, "forecast": f}),
                ),
                None => (ToolResultStatus::Error, json!("no forecast")),
            };
            results.push(ContentBlock::ToolResult(
                ToolResultBlock::builder()
                    .tool_use_id(tool_use.tool_use_id())
                    .status(status)
                    .content(ToolResultContentBlock::Json(json_to_document(&content)))
                    .build()
                    .unwrap(),
            ));
        }
        messages.push(
            Message::builder()
                .role(ConversationRole::User)
                .set_content(Some(results))
                .build()
                .unwrap(),
        );
    }
    (answer, 8)
}

/// One framework tool-using turn; returns the final text and the steps.
pub async fn framework_tool_turn(
    conv: &ai_routes::conversation::Conversation<Weather>,
    owner: &str,
    text: &str,
) -> (String, u32) {
    let mut events = conv.send(owner, text).await.expect("send");
    let mut answer = String::new();
    let mut steps = 0;
    while let Some(event) = events.next_event().await {
        match event {
            TurnEvent::TextDelta { text } => answer.push_str(&text),
            TurnEvent::TurnDone { steps: s, .. } => steps = s,
            TurnEvent::Error(e) => panic!("turn failed: {e}"),
            _ => {}
        }
    }
    (answer, steps)
}

// ---------------------------------------------------------------- rig

pub type RigExtractor = rig_agent::extractor::Extractor<Recipe>;

/// rig's extractor on rig-bedrock, on the stand-in's SDK client.
pub fn rig_extractor(sdk: aws_sdk_bedrockruntime::Client) -> RigExtractor {
    let runtime = rig_bedrock::client::BedrockRuntime::from(sdk);
    let model = runtime.completion(MODEL_ID);
    rig_agent::extractor::ExtractorBuilder::<Recipe>::new(model)
        .max_tokens(800)
        .build()
}

pub async fn rig_plan_recipe(
    extractor: &RigExtractor,
    description: &str,
    servings: u8,
) -> Result<Recipe, Box<dyn std::error::Error + Send + Sync>> {
    let prompt = json!({"description": description, "servings": servings}).to_string();
    Ok(extractor.extract(prompt).await?.output)
}

/// Percentile of sorted durations (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

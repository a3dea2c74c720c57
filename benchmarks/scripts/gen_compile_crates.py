#!/usr/bin/env python3
"""Generates two crates with the same 50 generation routes and 50 tools: one declared with
ai-routes macros, one hand-written on aws-sdk-bedrockruntime (a generic helper per concern,
the way a careful person would write it). Usage: gen_compile_crates.py OUT_DIR AI_ROUTES_PATH"""
import os, sys

out, ai_routes = sys.argv[1], os.path.abspath(sys.argv[2])
N = int(os.environ.get("ROUTES", "50"))

PROFILE = """
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"""

def types(i):
    return f"""
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Part{i} {{ pub name: String, pub grams: u32 }}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Out{i} {{ pub title: String, pub count: u32, pub parts: Vec<Part{i}>, pub note: Option<String> }}
"""

def framework():
    d = os.path.join(out, "framework")
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    open(os.path.join(d, "Cargo.toml"), "w").write(f"""[package]
name = "compile-framework"
version = "0.0.0"
edition = "2021"

[workspace]

[dependencies]
ai-routes = {{ path = "{ai_routes}" }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
{PROFILE}""")
    src = ["use ai_routes::prelude::*;", "use schemars::JsonSchema;", "use serde::Deserialize;", "",
           "pub struct State { pub prefix: String }", ""]
    for i in range(N):
        src.append(types(i))
        src.append(f"""/// Route {i}: plans something from a short text.
#[generation(model = "Amazon Nova Lite", system_prompt = "You are helper {i}.", max_tokens = 500)]
pub async fn route_{i}(ai: &Client, text: String, n: u32) -> Result<Out{i}>;

/// Tool {i}: looks up the weather for a city.
#[tool]
pub async fn tool_{i}(state: &State, /** City name */ city: String, days: Option<u8>) -> Result<String, ToolError> {{
    Ok(format!("{{}} {i} {{city}} {{days:?}}", state.prefix))
}}
""")
    src.append("pub fn toolset() -> ToolSet<State> {\n    ToolSet::builder()")
    for i in range(N):
        src.append(f"        .tool::<tool_{i}>()")
    src.append("        .build()\n        .unwrap()\n}")
    open(os.path.join(d, "src", "lib.rs"), "w").write("\n".join(src) + "\n")

def handwritten():
    d = os.path.join(out, "handwritten")
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    open(os.path.join(d, "Cargo.toml"), "w").write(f"""[package]
name = "compile-handwritten"
version = "0.0.0"
edition = "2021"

[workspace]

[dependencies]
aws-sdk-bedrockruntime = {{ version = "1.153", default-features = false, features = ["default-https-client", "rt-tokio", "behavior-version-latest"] }}
aws-smithy-types = "1.9"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
schemars = "1"
{PROFILE}""")
    src = ['''use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SpecificToolChoice,
    SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::{Document, Number};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct State { pub prefix: String }

pub fn to_doc(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Document::Number(Number::PosInt(u)),
            (_, Some(i)) => Document::Number(Number::NegInt(i)),
            _ => Document::Number(Number::Float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_doc).collect()),
        Value::Object(o) => Document::Object(o.iter().map(|(k, v)| (k.clone(), to_doc(v))).collect()),
    }
}

pub fn from_doc(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => json!(u),
        Document::Number(Number::NegInt(i)) => json!(i),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(from_doc).collect()),
        Document::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), from_doc(v))).collect()),
    }
}

pub async fn generate<T: JsonSchema + DeserializeOwned>(
    sdk: &Client, model: &str, system: &str, max_tokens: i32, args: Value,
) -> Result<T, Error> {
    let schema = serde_json::to_value(schemars::schema_for!(T))?;
    let tool = ToolConfiguration::builder()
        .tools(Tool::ToolSpec(ToolSpecification::builder().name("return_result")
            .input_schema(ToolInputSchema::Json(to_doc(&schema))).build()?))
        .tool_choice(ToolChoice::Tool(SpecificToolChoice::builder().name("return_result").build()?))
        .build()?;
    let out = sdk.converse().model_id(model)
        .system(SystemContentBlock::Text(system.into()))
        .messages(Message::builder().role(ConversationRole::User)
            .content(ContentBlock::Text(args.to_string())).build()?)
        .inference_config(InferenceConfiguration::builder().max_tokens(max_tokens).build())
        .tool_config(tool)
        .send().await?;
    let message = out.output().and_then(|o| o.as_message().ok()).ok_or("no message")?;
    let input = message.content().iter().find_map(|b| b.as_tool_use().ok()).ok_or("no tool use")?.input();
    Ok(serde_json::from_value(from_doc(input))?)
}

fn spec<T: JsonSchema>(name: &str, description: &str) -> Tool {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    Tool::ToolSpec(ToolSpecification::builder().name(name).description(description)
        .input_schema(ToolInputSchema::Json(to_doc(&schema))).build().unwrap())
}

async fn run<T: DeserializeOwned, F: std::future::Future<Output = Result<String, String>>>(
    input: Value, f: impl FnOnce(T) -> F,
) -> Result<Value, Value> {
    match serde_json::from_value::<T>(input) {
        Ok(t) => f(t).await.map(Value::String).map_err(Value::String),
        Err(e) => Err(Value::String(format!("invalid input: {e}"))),
    }
}
''']
    for i in range(N):
        src.append(types(i))
        src.append(f"""/// Route {i}: plans something from a short text.
pub async fn route_{i}(sdk: &Client, text: String, n: u32) -> Result<Out{i}, Error> {{
    generate(sdk, "amazon.nova-lite-v1:0", "You are helper {i}.", 500, json!({{"text": text, "n": n}})).await
}}

#[derive(Deserialize, JsonSchema)]
pub struct Tool{i}Input {{
    /// City name
    pub city: String,
    pub days: Option<u8>,
}}

/// Tool {i}: looks up the weather for a city.
pub async fn tool_{i}(state: &State, input: Tool{i}Input) -> Result<String, String> {{
    Ok(format!("{{}} {i} {{}} {{:?}}", state.prefix, input.city, input.days))
}}
""")
    src.append("pub fn tool_config() -> ToolConfiguration {\n    ToolConfiguration::builder()")
    for i in range(N):
        src.append(f'        .tools(spec::<Tool{i}Input>("tool_{i}", "Tool {i}: looks up the weather for a city."))')
    src.append("        .build()\n        .unwrap()\n}\n")
    src.append("pub async fn dispatch(state: &State, name: &str, input: Value) -> Result<Value, Value> {\n    match name {")
    for i in range(N):
        src.append(f'        "tool_{i}" => run(input, |t| tool_{i}(state, t)).await,')
    src.append('        other => Err(Value::String(format!("unknown tool {other}"))),\n    }\n}')
    open(os.path.join(d, "src", "lib.rs"), "w").write("\n".join(src) + "\n")

framework()
handwritten()
print(out)

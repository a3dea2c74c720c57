//! Tools the model can call: typed declarations (`#[tool]` on an `async fn`,
//! `#[derive(Tool)]` on an input struct), and a [`ToolSet`] that advertises them to Bedrock
//! and dispatches the model's `toolUse` blocks to them.
//!
//! ```
//! use ai_routes::prelude::*;
//! use aws_sdk_bedrockruntime::types::{ToolResultStatus, ToolUseBlock};
//! use aws_smithy_types::Document;
//!
//! struct AppState;
//!
//! /// Current weather for a city.
//! #[tool]
//! async fn get_weather(_state: &AppState, /** City name, e.g. "Seattle" */ city: String) -> Result<String, ToolError> {
//!     Ok(format!("sunny in {city}"))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ai_routes::Result<()> {
//! let tools = ToolSet::builder().tool::<get_weather>().build()?;
//!
//! // The model's `toolUse` blocks, as the SDK returns them.
//! let tool_use = |id: &str, name: &str| {
//!     ToolUseBlock::builder()
//!         .tool_use_id(id)
//!         .name(name)
//!         .input(Document::Object([("city".to_string(), Document::from("Seattle"))].into()))
//!         .build()
//!         .unwrap()
//! };
//! let results = tools
//!     .dispatch_all(&AppState, &[tool_use("t1", "get_weather"), tool_use("t2", "get_wether")])
//!     .await;
//! assert_eq!(results[0].status(), Some(&ToolResultStatus::Success));
//! // An unknown tool is an error result telling the model which tools exist.
//! assert_eq!(results[1].status(), Some(&ToolResultStatus::Error));
//! # Ok(()) }
//! ```
//!
//! Dispatch never panics and never fails: an unknown tool, an input that does not
//! deserialize, a [`ToolError`] and a panic inside the tool all become a `toolResult` with
//! status `error` whose text tells the model what went wrong, so it can correct itself.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};

use aws_sdk_bedrockruntime::types::{
    Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt as _;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use tracing::Instrument as _;

use crate::conversation::ToolStatus;
use crate::document::{to_document, to_json};
use crate::error::{Error, Result};

/// Name, description and input schema of a tool, const-constructible by generated code.
#[derive(Debug, Clone, Copy)]
pub struct ToolDefinition {
    /// The name the model calls the tool by (`^[a-zA-Z][a-zA-Z0-9_-]{0,63}$`).
    pub name: &'static str,
    /// What the tool does, for the model (the declaration's doc comment).
    pub description: &'static str,
    /// The JSON schema of the tool's input (an object schema).
    pub input_schema: fn() -> Value,
    /// `#[tool(strict)]`: sent with `strict: true` (Bedrock constrains the input to the
    /// schema, in its JSON-schema subset) to models with strict tools.
    pub strict: bool,
}

/// What a tool type declares; implemented by `#[tool]` and `#[derive(Tool)]`.
pub trait ToolInfo {
    /// The tool's name, description and input schema.
    const DEFINITION: ToolDefinition;
}

/// A tool's behaviour: the input (`Self`, deserialized from the model's JSON) is handled
/// with the application state `S` injected at call time.
///
/// Generated for `#[tool]` fns; written by hand for `#[derive(Tool)]` structs:
///
/// ```
/// use ai_routes::prelude::*;
/// # use schemars::JsonSchema;
/// # use serde::Deserialize;
/// # struct Catalog;
/// # impl Catalog { fn search(&self, query: &str) -> Vec<String> { vec![query.to_string()] } }
/// # struct AppState { catalog: Catalog }
///
/// /// Searches the product catalog.
/// #[derive(Deserialize, JsonSchema, Tool)]
/// struct SearchProducts {
///     /// Words to look for.
///     query: String,
/// }
///
/// impl ToolHandler<AppState> for SearchProducts {
///     type Output = Vec<String>;
///
///     async fn handle(self, state: &AppState) -> Result<Vec<String>, ToolError> {
///         Ok(state.catalog.search(&self.query))
///     }
/// }
/// ```
pub trait ToolHandler<S = ()>: ToolInfo + DeserializeOwned + Send + 'static {
    /// What the tool returns to the model: a `String` is sent as text, anything else as JSON.
    type Output: Serialize + Send;

    /// Runs the tool with its deserialized input and the application state. An `Err` is sent
    /// to the model as an error `toolResult` with the error's message.
    fn handle(
        self,
        state: &S,
    ) -> impl Future<Output = std::result::Result<Self::Output, ToolError>> + Send;
}

/// Why a tool call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolErrorKind {
    /// The model called a tool the set does not have.
    UnknownTool,
    /// The model's input does not deserialize into the tool's input type.
    InvalidInput,
    /// The tool returned an error (or its output did not serialize).
    Failed,
    /// The tool panicked.
    Panicked,
}

/// A failed tool call; its message is what the model sees in the error `toolResult`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    message: String,
    kind: ToolErrorKind,
}

impl ToolError {
    /// A tool failure with a message for the model.
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(ToolErrorKind::Failed, message)
    }

    /// A failure of the given kind, with a message for the model.
    pub fn with_kind(kind: ToolErrorKind, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind,
        }
    }

    /// The message the model sees.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Why the call failed.
    pub fn kind(&self) -> ToolErrorKind {
        self.kind
    }
}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for ToolError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

/// A tool's successful result, as it goes back to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// A JSON object (Bedrock's `toolResult` `json` content must be an object).
    Json(Value),
    /// Text, sent as a `text` content block.
    Text(String),
}

impl ToolOutput {
    /// A string becomes text; an object stays as is; anything else is wrapped as
    /// `{"value": ...}`.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::String(text) => ToolOutput::Text(text),
            object @ Value::Object(_) => ToolOutput::Json(object),
            other => ToolOutput::Json(json!({ "value": other })),
        }
    }

    /// Serializes a tool's output (see [`ToolOutput::from_value`]).
    pub fn from_serialize<T: Serialize + ?Sized>(
        output: &T,
    ) -> std::result::Result<Self, ToolError> {
        serde_json::to_value(output)
            .map(Self::from_value)
            .map_err(|e| ToolError::new(format!("the tool's output does not serialize: {e}")))
    }

    /// The output as a stored tool result's content: text as a string, an object as is,
    /// any other JSON value as `{"value": ...}` (Bedrock's `json` content is an object).
    fn into_json(self) -> Value {
        match self {
            ToolOutput::Text(text) => Value::String(text),
            ToolOutput::Json(object @ Value::Object(_)) => object,
            ToolOutput::Json(other) => json!({ "value": other }),
        }
    }

    /// The content block of a `toolResult`.
    pub fn to_content(&self) -> ToolResultContentBlock {
        match self {
            ToolOutput::Text(text) => ToolResultContentBlock::Text(text.clone()),
            ToolOutput::Json(value @ Value::Object(_)) => {
                ToolResultContentBlock::Json(to_document(value))
            }
            ToolOutput::Json(other) => {
                ToolResultContentBlock::Json(to_document(&json!({ "value": other })))
            }
        }
    }

    /// The text, when the output is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ToolOutput::Text(text) => Some(text),
            ToolOutput::Json(_) => None,
        }
    }

    /// The JSON object, when the output is JSON.
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            ToolOutput::Json(value) => Some(value),
            ToolOutput::Text(_) => None,
        }
    }
}

/// An object-safe tool over the state `S`: what a [`ToolSet`] stores. Implemented for
/// every [`ToolHandler`] through [`ToolSetBuilder::tool`]; implement it directly for tools
/// whose schema is only known at run time.
pub trait DynTool<S>: Send + Sync {
    /// The tool's name and description (its input schema is [`DynTool::input_schema`]).
    fn definition(&self) -> &'static ToolDefinition;
    /// The input schema, computed once.
    fn input_schema(&self) -> &Value;
    /// Deserializes `input` and runs the tool.
    fn call<'a>(
        &'a self,
        state: &'a S,
        input: Value,
    ) -> BoxFuture<'a, std::result::Result<ToolOutput, ToolError>>;
}

/// The [`DynTool`] of a [`ToolHandler`] type.
struct Typed<T> {
    schema: OnceLock<Value>,
    tool: PhantomData<fn() -> T>,
}

impl<S, T> DynTool<S> for Typed<T>
where
    S: Send + Sync + 'static,
    T: ToolHandler<S>,
{
    fn definition(&self) -> &'static ToolDefinition {
        const { &T::DEFINITION }
    }

    fn input_schema(&self) -> &Value {
        self.schema.get_or_init(T::DEFINITION.input_schema)
    }

    fn call<'a>(
        &'a self,
        state: &'a S,
        input: Value,
    ) -> BoxFuture<'a, std::result::Result<ToolOutput, ToolError>> {
        async move {
            let input: T = serde_json::from_value(input).map_err(|e| {
                ToolError::with_kind(
                    ToolErrorKind::InvalidInput,
                    format!(
                        "invalid input for tool `{}`: {e}. Call it again with input that matches its schema.",
                        T::DEFINITION.name
                    ),
                )
            })?;
            let output = input.handle(state).await?;
            ToolOutput::from_serialize(&output)
        }
        .boxed()
    }
}

/// Tools the model can call, by name, over the application state `S`.
pub struct ToolSet<S = ()> {
    tools: Vec<Arc<dyn DynTool<S>>>,
    by_name: HashMap<&'static str, usize>,
}

impl<S> Clone for ToolSet<S> {
    fn clone(&self) -> Self {
        Self {
            tools: self.tools.clone(),
            by_name: self.by_name.clone(),
        }
    }
}

impl<S> std::fmt::Debug for ToolSet<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolSet")
            .field("tools", &self.names())
            .finish()
    }
}

/// Builds a [`ToolSet`]; see [`ToolSet::builder`].
pub struct ToolSetBuilder<S> {
    tools: Vec<Arc<dyn DynTool<S>>>,
}

impl<S: Send + Sync + 'static> Default for ToolSetBuilder<S> {
    fn default() -> Self {
        Self { tools: Vec::new() }
    }
}

impl<S: Send + Sync + 'static> ToolSetBuilder<S> {
    /// Adds a typed tool (a `#[tool]` fn or a `#[derive(Tool)]` struct).
    pub fn tool<T: ToolHandler<S>>(self) -> Self {
        self.dyn_tool(Arc::new(Typed::<T> {
            schema: OnceLock::new(),
            tool: PhantomData,
        }))
    }

    /// Adds a tool given as a [`DynTool`] object, e.g. one whose schema is only known at run
    /// time.
    pub fn dyn_tool(mut self, tool: Arc<dyn DynTool<S>>) -> Self {
        self.tools.push(tool);
        self
    }

    /// The tool set; fails on a duplicate or invalid tool name.
    pub fn build(self) -> Result<ToolSet<S>> {
        let mut by_name = HashMap::new();
        for (index, tool) in self.tools.iter().enumerate() {
            let name = tool.definition().name;
            if !valid_tool_name(name) {
                return Err(Error::InvalidInput(format!(
                    "tool name `{name}` is not a valid Bedrock tool name: {}",
                    ai_routes_catalog::TOOL_NAME_RULE
                )));
            }
            if by_name.insert(name, index).is_some() {
                return Err(Error::DuplicateTool { name: name.into() });
            }
        }
        Ok(ToolSet {
            tools: self.tools,
            by_name,
        })
    }
}

impl<S: Send + Sync + 'static> ToolSet<S> {
    /// An empty builder; add tools with [`ToolSetBuilder::tool`].
    ///
    /// ```
    /// use ai_routes::prelude::*;
    ///
    /// /// Adds two numbers.
    /// #[tool]
    /// async fn add(a: f64, b: f64) -> f64 {
    ///     a + b
    /// }
    ///
    /// /// Says hello.
    /// #[tool(name = "greet")]
    /// async fn say_hello(name: String) -> String {
    ///     format!("Hello, {name}!")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ai_routes::Result<()> {
    /// let tools = ToolSet::builder().tool::<add>().tool::<say_hello>().build()?;
    /// assert_eq!(tools.names(), ["add", "greet"]);
    ///
    /// let sum = tools.call(&(), "add", serde_json::json!({ "a": 2, "b": 3 })).await.unwrap();
    /// assert_eq!(sum.as_json(), Some(&serde_json::json!({ "value": 5.0 })));
    /// let hello = tools.call(&(), "greet", serde_json::json!({ "name": "Ada" })).await.unwrap();
    /// assert_eq!(hello.as_text(), Some("Hello, Ada!"));
    ///
    /// // Registering two tools with the same name fails.
    /// assert!(ToolSet::<()>::builder().tool::<add>().tool::<add>().build().is_err());
    /// # Ok(()) }
    /// ```
    pub fn builder() -> ToolSetBuilder<S> {
        ToolSetBuilder::default()
    }
}

impl<S> ToolSet<S> {
    /// The tool called `name`, if the set has one.
    pub fn get(&self, name: &str) -> Option<&dyn DynTool<S>> {
        self.by_name.get(name).map(|&i| &*self.tools[i])
    }

    /// The tool names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.tools.iter().map(|t| t.definition().name).collect()
    }

    /// Number of tools.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// Whether the set has no tool.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// The tools as Bedrock tool specifications, in registration order.
    pub fn bedrock_tools(&self) -> Vec<Tool> {
        self.tools
            .iter()
            .map(|tool| {
                let definition = tool.definition();
                let description = Some(definition.description)
                    .filter(|d| !d.is_empty())
                    .map(str::to_string);
                Tool::ToolSpec(
                    ToolSpecification::builder()
                        .name(definition.name)
                        .set_description(description)
                        .input_schema(ToolInputSchema::Json(to_document(tool.input_schema())))
                        .build()
                        .expect("name and input schema are set"),
                )
            })
            .collect()
    }

    /// The tools as Bedrock tool specifications for calls to `model`: a tool declared
    /// strict (`#[tool(strict)]`, or every tool with `all_strict`) carries `strict: true`
    /// and its input schema in Bedrock's JSON-schema subset where the catalog says the model
    /// has strict tools ([`Model::sends_strict_tools`](ai_routes_catalog::Model::sends_strict_tools));
    /// elsewhere it is sent as usual. A schema the subset cannot express, or a request over
    /// Bedrock's limits, is a [`SchemaProblem`](crate::schema_subset::SchemaProblem) naming
    /// the field (`get_weather.city`).
    pub fn bedrock_tools_for(
        &self,
        model: Option<&ai_routes_catalog::Model>,
        all_strict: bool,
    ) -> std::result::Result<Vec<Tool>, crate::schema_subset::SchemaProblem> {
        let strict_sent = model.is_some_and(ai_routes_catalog::Model::sends_strict_tools);
        let mut subsets = Vec::new();
        let mut tools = Vec::with_capacity(self.tools.len());
        for tool in &self.tools {
            let definition = tool.definition();
            let strict = strict_sent && (definition.strict || all_strict);
            let schema = if strict {
                let subset =
                    crate::schema_subset::to_bedrock_subset(tool.input_schema(), definition.name)?;
                let schema = subset.schema.clone();
                subsets.push(subset);
                schema
            } else {
                tool.input_schema().clone()
            };
            let description = Some(definition.description)
                .filter(|d| !d.is_empty())
                .map(str::to_string);
            tools.push(Tool::ToolSpec(
                ToolSpecification::builder()
                    .name(definition.name)
                    .set_description(description)
                    .input_schema(ToolInputSchema::Json(to_document(&schema)))
                    .set_strict(strict.then_some(true))
                    .build()
                    .expect("name and input schema are set"),
            ));
        }
        crate::schema_subset::check_request_limits(
            &subsets.iter().collect::<Vec<_>>(),
            subsets.len(),
        )?;
        Ok(tools)
    }

    /// The `toolConfig` of a Converse request offering every tool (no `toolChoice`, so the
    /// model decides).
    pub fn tool_configuration(&self) -> ToolConfiguration {
        ToolConfiguration::builder()
            .set_tools(Some(self.bedrock_tools()))
            .build()
            .expect("tools are set")
    }
}

impl<S: Send + Sync + 'static> ToolSet<S> {
    /// Calls the tool `name` with JSON `input`. Never panics: unknown tools, invalid input,
    /// tool errors and panics are all [`ToolError`]s.
    pub async fn call(
        &self,
        state: &S,
        name: &str,
        input: Value,
    ) -> std::result::Result<ToolOutput, ToolError> {
        let Some(tool) = self.get(name) else {
            return Err(ToolError::with_kind(
                ToolErrorKind::UnknownTool,
                format!(
                    "unknown tool `{name}`; the available tools are: {}",
                    self.names().join(", ")
                ),
            ));
        };
        let input = match input {
            // Some models send the input object as a JSON string.
            Value::String(text) => match serde_json::from_str::<Value>(&text) {
                Ok(object @ Value::Object(_)) => object,
                _ => Value::String(text),
            },
            other => other,
        };
        match AssertUnwindSafe(tool.call(state, input))
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                Err(ToolError::with_kind(
                    ToolErrorKind::Panicked,
                    format!("tool panicked: {message}"),
                ))
            }
        }
    }

    /// Runs one tool call given as JSON and returns its result as a conversation stores
    /// it: the status, and the content as JSON (an object, or a string for text and for
    /// the error message the model sees). Never panics.
    pub(crate) async fn run(
        &self,
        state: &S,
        id: &str,
        name: &str,
        input: Value,
    ) -> (ToolStatus, Value) {
        let span = tracing::info_span!(
            "tool",
            "gen_ai.operation.name" = "execute_tool",
            "gen_ai.tool.name" = name,
            "gen_ai.tool.call.id" = id,
            "error.type" = tracing::field::Empty,
        );
        let result = self.call(state, name, input).instrument(span.clone()).await;
        match result {
            Ok(output) => (ToolStatus::Success, output.into_json()),
            Err(error) => {
                span.record("error.type", tracing::field::debug(error.kind()));
                tracing::warn!(parent: &span, error = %error, "tool call failed");
                (ToolStatus::Error, Value::String(error.message))
            }
        }
    }

    /// Runs one `toolUse` block and returns its `toolResult`: status `success` with the
    /// output, or status `error` with a message for the model. Never panics.
    pub async fn dispatch(&self, state: &S, tool_use: &ToolUseBlock) -> ToolResultBlock {
        let id = tool_use.tool_use_id();
        let (status, content) = self
            .run(state, id, tool_use.name(), to_json(tool_use.input()))
            .await;
        let content = match content {
            Value::String(text) => ToolResultContentBlock::Text(text),
            object => ToolResultContentBlock::Json(to_document(&object)),
        };
        ToolResultBlock::builder()
            .tool_use_id(id)
            .content(content)
            .status(match status {
                ToolStatus::Success => ToolResultStatus::Success,
                ToolStatus::Error => ToolResultStatus::Error,
            })
            .build()
            .expect("tool_use_id and content are set")
    }

    /// Runs the `toolUse` blocks concurrently; the results are in request order.
    pub async fn dispatch_all(&self, state: &S, uses: &[ToolUseBlock]) -> Vec<ToolResultBlock> {
        join_all(uses.iter().map(|tool_use| self.dispatch(state, tool_use))).await
    }
}

pub use ai_routes_catalog::valid_tool_name;

/// A tool input type's schema for Bedrock: the type's schema without the top-level
/// `title` and `description` (the tool's own name and description carry them).
#[doc(hidden)]
pub fn tool_input_schema<T: ToolInput>() -> Value {
    let mut schema = crate::schema::schema_of::<T>();
    if let Some(map) = schema.as_object_mut() {
        map.remove("title");
        map.remove("description");
    }
    schema
}

/// What a tool's input type must be. A separate trait so a type that is not one gets a
/// readable error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's input",
    label = "tool inputs need `serde::Deserialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}`"
)]
pub trait ToolInput: JsonSchema + DeserializeOwned {}
impl<T: JsonSchema + DeserializeOwned> ToolInput for T {}

/// What a `#[tool]` fn parameter must be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter",
    label = "tool parameters are deserialized from the model's JSON: they need `serde::Deserialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}`, or take the value from the state parameter (`state: &AppState`)"
)]
pub trait ToolArgument: JsonSchema + DeserializeOwned {}
impl<T: JsonSchema + DeserializeOwned> ToolArgument for T {}

/// What a tool returns.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's output",
    label = "a tool's output is sent to the model as JSON: it needs `serde::Serialize` and `Send`",
    note = "add `#[derive(serde::Serialize)]` to `{Self}`"
)]
pub trait ToolOutputValue: Serialize + Send {}
impl<T: Serialize + Send> ToolOutputValue for T {}

/// What a fallible `#[tool]` fn's error must be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's error",
    label = "a tool's error is sent to the model as its message: it needs `std::fmt::Display`",
    note = "return `Result<T, ai_routes::ToolError>`, or implement `Display` for `{Self}`"
)]
pub trait ToolFnError: std::fmt::Display {}
impl<T: std::fmt::Display> ToolFnError for T {}

#[doc(hidden)]
pub fn assert_tool_argument<T: ToolArgument>() {}
#[doc(hidden)]
pub fn assert_tool_output<T: ToolOutputValue>() {}

/// Turns a `#[tool]` fn's error into a [`ToolError`] (a `ToolError` is kept as is).
#[doc(hidden)]
pub fn tool_error<E: ToolFnError + 'static>(error: E) -> ToolError {
    let any: &dyn std::any::Any = &error;
    match any.downcast_ref::<ToolError>() {
        Some(tool_error) => tool_error.clone(),
        None => ToolError::new(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_text_or_json_objects() {
        assert_eq!(
            ToolOutput::from_value(json!("hi")),
            ToolOutput::Text("hi".into())
        );
        assert_eq!(
            ToolOutput::from_value(json!({"a": 1})),
            ToolOutput::Json(json!({"a": 1}))
        );
        assert_eq!(
            ToolOutput::from_value(json!([1, 2])),
            ToolOutput::Json(json!({"value": [1, 2]}))
        );
        assert_eq!(
            ToolOutput::from_value(Value::Null),
            ToolOutput::Json(json!({"value": null}))
        );
    }

    #[test]
    fn tool_names_follow_bedrock() {
        assert!(valid_tool_name("get_weather"));
        assert!(valid_tool_name("a-B_9"));
        assert!(!valid_tool_name("_x"));
        assert!(!valid_tool_name("9x"));
        assert!(!valid_tool_name("get weather"));
        assert!(!valid_tool_name(""));
        assert!(!valid_tool_name(&"a".repeat(65)));
        assert!(valid_tool_name(&"a".repeat(64)));
    }

    #[test]
    fn tool_errors_keep_their_kind() {
        let original = ToolError::with_kind(ToolErrorKind::InvalidInput, "bad");
        assert_eq!(tool_error(original.clone()), original);
        assert_eq!(tool_error("plain").kind(), ToolErrorKind::Failed);
        assert_eq!(ToolError::from("x").to_string(), "x");
    }
}

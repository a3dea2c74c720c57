//! ai-routes: declare Amazon Bedrock AI routes as Rust items, checked at compile time.
//!
//! A route is a Rust item with an attribute that names a Bedrock model and how to call it:
//!
//! - [`#[generation]`](macro@generation) on an `async fn` declaration: one structured-output
//!   call to the Converse API whose answer is deserialized into the fn's return type.
//! - [`#[conversation]`](macro@conversation) on a unit struct: a multi-turn chat with tools,
//!   streamed answers and persisted, owner-scoped history ([`store`]).
//! - [`#[tool]`](macro@tool) on an `async fn` and [`#[derive(Tool)]`](derive@Tool) on a
//!   struct: tools the model can call, with the input schema derived from the Rust types.
//!
//! The macros check each route against the Bedrock model catalog ([`catalog`]) while the
//! crate compiles: the model exists and is not end of life, it supports what the route
//! uses (tool use, forced tool choice, streaming, images, documents, system prompt), the
//! inference settings are in range, and a model that cannot be called on demand is called
//! through an inference profile. Every call goes through a [`Client`], which adds retries,
//! per-model concurrency limits, token budgets, timeouts, usage metering and spending caps
//! to the AWS SDK client.
//!
//! # Example
//!
//! This runs against the local Bedrock stand-in (`testing::LocalBedrock`, feature
//! `testing`); with a real client ([`Client::from_env`]) the same code calls Amazon Bedrock.
//!
//! ```
//! use ai_routes::prelude::*;
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize, JsonSchema)]
//! struct Recipe {
//!     title: String,
//!     /// Quantity of each ingredient, in grams.
//!     ingredients: Vec<(String, u32)>,
//! }
//!
//! /// Plans a recipe from a short description.
//! #[generation(model = "Claude Haiku 4.5", system_prompt = "You are a chef.", max_tokens = 800)]
//! async fn plan_recipe(ai: &Client, description: String) -> Result<Recipe>;
//!
//! # #[cfg(feature = "testing")]
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let bedrock = ai_routes::testing::LocalBedrock::start().await?;
//!     let ai = bedrock.ai_client();
//!
//!     let recipe = plan_recipe(&ai, "a quick tomato pasta".into()).await?;
//!     println!("{recipe:?}");
//!     Ok(())
//! }
//! # #[cfg(not(feature = "testing"))]
//! # fn main() {}
//! ```
//!
//! # Features
//!
//! - `sqlite` (default): [`store::SqliteStore`], conversations in a SQLite file.
//! - `http`: `http::Api`, the routes served over HTTP with axum (JSON, Server-Sent
//!   Events, JWT auth, a chat page).
//! - `dynamodb`: `store::DynamoDbStore`, conversations in Amazon DynamoDB.
//! - `testing`: `testing::LocalBedrock`, a local Bedrock stand-in that speaks the real
//!   wire protocol, and the store conformance suite.
#![warn(missing_docs)]

mod bedrock_errors;
mod citation;
mod client;
pub mod conversation;
mod document;
mod error;
mod executor;
pub mod generation;
#[cfg(feature = "http")]
pub mod http;
mod inference;
mod limits;
mod media;
mod metering;
mod model_spec;
pub mod partial_json;
mod reasoning;
pub mod request_metadata;
mod route_args;
mod route_check;
pub mod schema;
pub mod schema_subset;
pub mod shared_limits;
pub mod store;
mod tool;
mod usage;

#[cfg(feature = "testing")]
pub mod testing;

/// The Bedrock model catalog the macros check routes against: models, capabilities,
/// limits, Regions, inference profiles and prices (the `ai-routes-catalog` crate).
pub use ai_routes_catalog as catalog;
pub use ai_routes_catalog::OutputStrategy;
pub use ai_routes_catalog::{CacheTtl, ServiceTier};
pub use citation::{Citation, CitationLocation};

/// Declares a generation route: one structured-output call to Bedrock's Converse API.
///
/// Goes on an `async fn` declaration without a body whose first parameter is the client
/// (`ai: &`[`Client`]) and whose return type is [`Result<T>`](Result) or
/// `Result<`[`Generated<T>`](Generated)`>`, where `T` derives `serde::Deserialize` and
/// `schemars::JsonSchema`. The other parameters are the route's arguments: values that
/// serialize to JSON, and [`Image`] / [`Document`] values, which become media blocks of the
/// user message. The macro fills in the body and adds a
/// `static {NAME}_ROUTE` (the fn name in upper case) that describes the route.
///
/// The result type's JSON schema becomes a tool the model is made to call; its input is
/// validated and deserialized into `T`, and an invalid answer is sent back to the model
/// for correction, up to `retries` times.
///
/// # Examples
///
/// A route with a prompt template and metering, called on the local Bedrock stand-in
/// with a scripted answer (a generation route's result arrives as the input of the
/// `return_result` tool the model is made to call):
///
/// ```
/// use ai_routes::prelude::*;
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize, JsonSchema)]
/// struct Sentiment {
///     /// From -1.0 (negative) to 1.0 (positive).
///     score: f32,
///     label: String,
/// }
///
/// /// Rates the sentiment of a product review.
/// #[generation(
///     model = "Amazon Nova Lite",
///     prompt = "Rate this review of {product}: {review}",
///     temperature = 0.0,
///     retries = 2
/// )]
/// async fn rate_review(ai: &Client, product: String, review: String) -> Result<Generated<Sentiment>>;
///
/// # #[cfg(feature = "testing")]
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     use ai_routes::testing::{LocalBedrock, Reply};
///
///     let bedrock = LocalBedrock::start().await?;
///     bedrock.push_reply(Reply::tool_use(
///         "return_result",
///         serde_json::json!({ "score": 0.9, "label": "positive" }),
///     ));
///     let ai = bedrock.ai_client();
///
///     let rated = rate_review(&ai, "kettle".into(), "Boils fast, looks great.".into()).await?;
///     assert_eq!(rated.value.label, "positive");
///     assert_eq!(rated.attempts, 1);
///     println!("{} tokens, ${:.6}", rated.usage.total_tokens(), rated.usage.cost_usd);
///
///     // The static the macro adds next to the fn describes the route.
///     assert_eq!(RATE_REVIEW_ROUTE.descriptor().name, "rate_review");
///     Ok(())
/// }
/// # #[cfg(not(feature = "testing"))]
/// # fn main() {}
/// ```
///
/// Images and documents are arguments too; against Amazon Bedrock the client comes from
/// the AWS configuration:
///
/// ```no_run
/// use ai_routes::prelude::*;
///
/// /// Describes a photo in one sentence.
/// #[generation(model = "Claude Haiku 4.5", prompt = "Describe this photo in one sentence.")]
/// async fn describe_photo(ai: &Client, photo: Image) -> Result<String>;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let ai = Client::from_env().await?;
/// let photo = Image::from_bytes(std::fs::read("photo.jpg")?)?;
/// println!("{}", describe_photo(&ai, photo).await?);
/// # Ok(()) }
/// ```
pub use ai_routes_macros::generation;

/// Declares a conversation route: a multi-turn chat with tools, streaming and persisted,
/// owner-scoped history.
///
/// Goes on a unit struct (`struct ShopAssistant;`). The macro gives it a field holding the
/// bound route, a `const SPEC` describing the route, a `new(ai, store, state)` that binds it
/// to a client, a conversation store and the application state its tools use, a `route()`
/// accessor, and `Deref` to [`ConversationRoute<State>`](ConversationRoute) (`create`,
/// `conversation`, `list`, `get`, `update`, `delete`).
///
/// # Examples
///
/// A conversation route with a server-side tool, history in a
/// [`MemoryStore`](store::MemoryStore), run on the local Bedrock stand-in (its default
/// responder calls a tool the user message names, then answers with the tool's result):
///
/// ```
/// use ai_routes::prelude::*;
/// use ai_routes::store::MemoryStore;
///
/// struct AppState {
///     stock: u32,
/// }
///
/// /// How many units of a product are in stock.
/// #[tool]
/// async fn check_stock(state: &AppState, /** The product's name */ product: String) -> Result<String, ToolError> {
///     Ok(format!("{} units of {product}", state.stock))
/// }
///
/// /// Answers questions about the shop's stock.
/// #[conversation(
///     model = "Amazon Nova Lite",
///     system_prompt = "You are a shop assistant. Use check_stock for stock questions.",
///     tools = [check_stock],
///     state = AppState,
///     max_steps = 4
/// )]
/// struct ShopAssistant;
///
/// # #[cfg(feature = "testing")]
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let bedrock = ai_routes::testing::LocalBedrock::start().await?;
///     let shop = ShopAssistant::new(bedrock.ai_client(), MemoryStore::new(), AppState { stock: 3 });
///
///     let chat = shop.create("user-42", CreateConversation::default()).await?;
///     let reply = chat
///         .send("user-42", "Please use check_stock: how many kettles are left?")
///         .await?
///         .collect_text()
///         .await?;
///     assert_eq!(reply.tool_calls[0].0, "check_stock");
///     println!("{} ({} model calls)", reply.text, reply.steps);
///
///     // Everything is stored: the user message, the tool call and result, the answer.
///     assert!(shop.get("user-42", chat.id()).await?.message_count >= 3);
///     Ok(())
/// }
/// # #[cfg(not(feature = "testing"))]
/// # fn main() {}
/// ```
///
/// To stream the answer, read the [`TurnStream`] event by event instead:
///
/// ```no_run
/// # use ai_routes::prelude::*;
/// # #[conversation(model = "Amazon Nova Lite")]
/// # struct ShopAssistant;
/// # async fn run(chat: ai_routes::Conversation<()>) -> ai_routes::Result<()> {
/// let mut events = chat.send("user-42", "Hello!").await?;
/// while let Some(event) = events.next_event().await {
///     match event {
///         TurnEvent::TextDelta { text } => print!("{text}"),
///         TurnEvent::ToolUse { name, .. } => println!("[calling {name}]"),
///         TurnEvent::TurnDone { usage, .. } => println!("\n[${:.6}]", usage.cost_usd),
///         TurnEvent::Error(error) => eprintln!("\n[error: {error}]"),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub use ai_routes_macros::conversation;

/// Declares a tool the model can call, from an `async fn`.
///
/// The fn's doc comment is the tool's description, its parameters are the tool's input
/// properties (a parameter's doc comment, written `/** ... */` before it, describes it),
/// and a reference parameter (`state: &AppState`) is the application state injected at
/// call time, excluded from the input schema. The fn returns the output (anything
/// `serde::Serialize`; a `String` is sent as text) or a `Result` whose error is sent to the
/// model as an error `toolResult` ([`ToolError`], or any `Display` error).
///
/// The fn stays callable as written; a struct named like the fn is its input and tool type
/// ([`ToolSet::builder`]`().tool::<get_weather>()`, or `tools = [get_weather]` on a
/// [`#[conversation]`](macro@conversation)).
///
/// # Example
///
/// A tool with injected state, registered in a [`ToolSet`] and called the way a
/// conversation route calls it (the model's input is JSON):
///
/// ```
/// use ai_routes::prelude::*;
/// use serde::Serialize;
///
/// struct AppState {
///     unit: &'static str,
/// }
///
/// #[derive(Serialize)]
/// struct Weather {
///     city: String,
///     temperature: f32,
///     unit: &'static str,
/// }
///
/// /// Current weather for a city.
/// #[tool]
/// async fn get_weather(
///     state: &AppState,
///     /** City name, e.g. "Seattle" */
///     city: String,
///     /** Days ahead, 0 for today */
///     days: Option<u8>,
/// ) -> Result<Weather, ToolError> {
///     if days.unwrap_or(0) > 7 {
///         return Err(ToolError::new("forecasts go 7 days ahead at most"));
///     }
///     Ok(Weather { city, temperature: 21.5, unit: state.unit })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ai_routes::Result<()> {
/// let state = AppState { unit: "C" };
/// // The fn stays callable as written.
/// assert_eq!(get_weather(&state, "Oslo".into(), None).await.unwrap().unit, "C");
///
/// let tools = ToolSet::builder().tool::<get_weather>().build()?;
/// assert_eq!(tools.names(), ["get_weather"]);
/// let output = tools
///     .call(&state, "get_weather", serde_json::json!({ "city": "Seattle" }))
///     .await
///     .unwrap();
/// assert_eq!(output.as_json().unwrap()["city"], "Seattle");
///
/// // Errors go back to the model as an error tool result.
/// let error = tools
///     .call(&state, "get_weather", serde_json::json!({ "city": "Seattle", "days": 9 }))
///     .await
///     .unwrap_err();
/// assert_eq!(error.message(), "forecasts go 7 days ahead at most");
/// # Ok(()) }
/// ```
pub use ai_routes_macros::tool;

/// Makes a struct (that derives `Deserialize` and `JsonSchema`) a tool input: its doc comment
/// is the description, its name in snake_case the tool name (or `#[tool(name = "...")]`).
/// Implement [`ToolHandler<State>`](ToolHandler) for it to say what the tool does.
///
/// # Example
///
/// A tool declared as an input struct, with its behaviour in a [`ToolHandler`] impl:
///
/// ```
/// use ai_routes::prelude::*;
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// struct AppState {
///     products: Vec<&'static str>,
/// }
///
/// /// Searches the product catalog.
/// #[derive(Deserialize, JsonSchema, Tool)]
/// struct SearchProducts {
///     /// Words to look for in product names.
///     query: String,
/// }
///
/// impl ToolHandler<AppState> for SearchProducts {
///     type Output = Vec<String>;
///
///     async fn handle(self, state: &AppState) -> Result<Vec<String>, ToolError> {
///         Ok(state
///             .products
///             .iter()
///             .filter(|name| name.contains(self.query.as_str()))
///             .map(|name| name.to_string())
///             .collect())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ai_routes::Result<()> {
/// let state = AppState { products: vec!["red kettle", "blue mug"] };
/// let tools = ToolSet::builder().tool::<SearchProducts>().build()?;
/// assert_eq!(tools.names(), ["search_products"]);
/// let output = tools
///     .call(&state, "search_products", serde_json::json!({ "query": "kettle" }))
///     .await
///     .unwrap();
/// // A list is not an object, so it reaches the model as `{"value": [...]}`.
/// assert_eq!(output.as_json().unwrap()["value"][0], "red kettle");
/// # Ok(()) }
/// ```
pub use ai_routes_macros::Tool;
pub use client::{Client, ClientBuilder};
pub use conversation::{
    ClientTool, Conversation, ConversationRoute, CreateConversation, TurnEvent, TurnReply,
    TurnStream, UserMessage,
};
pub use error::{Error, Result};
pub use generation::{
    Generated, GenerationEvent, GenerationRoute, GenerationStream, Partial, RouteDescriptor,
};
pub use limits::{BudgetScope, RetryPolicy};
pub use media::{
    Document, DocumentFormat, Image, ImageFormat, MAX_DOCUMENTS, MAX_DOCUMENT_BYTES, MAX_IMAGES,
    MAX_IMAGE_BYTES,
};
pub use metering::{RouteKind, UsageEvent, UsageMeter, UsageSink, UsageSnapshot, UsageTotals};
pub use route_check::{RouteCheck, RouteCheckError, RouteInfo, RouteProblem};
pub use tool::{
    valid_tool_name, DynTool, ToolDefinition, ToolError, ToolErrorKind, ToolHandler, ToolInfo,
    ToolOutput, ToolSet, ToolSetBuilder,
};
pub use usage::Usage;

/// Everything a user needs in scope: `use ai_routes::prelude::*;` brings the macros, the
/// client, the route and message types, media, errors and the tool types.
pub mod prelude {
    pub use crate::{
        conversation, ClientTool, CreateConversation, TurnEvent, TurnReply, TurnStream, UserMessage,
    };
    pub use crate::{
        generation, Client, Document, DocumentFormat, Error, Generated, GenerationEvent, Image,
        ImageFormat, Result, Usage,
    };
    pub use crate::{ToolError, ToolHandler, ToolOutput, ToolSet};
    pub use ai_routes_macros::{tool, Tool};
}

/// Expands the first group when ai-routes is built with `http`, else the second (used by
/// generated code to emit a route's JSON entry point only when it can be served).
#[cfg(feature = "http")]
#[doc(hidden)]
#[macro_export]
macro_rules! __ai_routes_if_http {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
}

#[cfg(not(feature = "http"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __ai_routes_if_http {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
}

/// Paths the macros' generated code uses; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__ai_routes_if_http as if_http;
    pub use crate::conversation::ConversationRoute;
    pub use crate::conversation::{assert_conversation_tool, const_str_eq, ConversationSpec};
    pub use crate::generation::{
        result_type, GenerationEvent, GenerationRoute, GenerationSpec, GenerationStream, PromptArg,
        ResultType, UserInput,
    };
    pub use crate::model_spec::ModelSpec;
    pub use crate::route_args::{
        arg_schema, args_schema, args_text, ArgSchema, ArgValue, ArgsReader,
    };
    pub use crate::schema::schema_of;
    pub use crate::store::ConversationStore;
    pub use crate::tool::{
        assert_tool_argument, assert_tool_output, tool_error, tool_input_schema, ToolDefinition,
        ToolError, ToolHandler, ToolInfo,
    };
    pub use crate::{Client, Generated, Result, ToolSet};
    pub use ai_routes_catalog::{Effort, ReasoningSetting};
    pub use ai_routes_catalog::{OutputStrategy, ToolChoiceMode};
    pub use core::marker::PhantomData;
    pub use futures_util::future::BoxFuture;
    pub use futures_util::stream::BoxStream;
    pub use schemars;
    pub use serde;
    pub use serde_json;
}

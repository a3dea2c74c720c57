//! Generation routes: one structured-output Converse call whose answer is a typed value.
//!
//! The `#[generation]` macro expands a declaration into a static [`GenerationRoute`] and a
//! function that calls [`GenerationRoute::generate`]. The result type's JSON schema is sent
//! the way the model's [`OutputStrategy`] says (decided at compile time from the catalog):
//! as Bedrock's native structured output (`outputConfig.textFormat`, the answer is JSON
//! text), or as a tool the model is made to call (the strongest tool choice it accepts).
//! Either way the answer is validated against the full schema and deserialized into the
//! result type, and an invalid answer is sent back to the model for correction, up to
//! `retries` times.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ai_routes_catalog::{OutputStrategy, ToolChoiceMode};
use aws_sdk_bedrockruntime::types::{
    AnyToolChoice, ContentBlock, ConversationRole, JsonSchemaDefinition, Message, OutputConfig,
    OutputFormat, OutputFormatStructure, OutputFormatType, SpecificToolChoice, StopReason, Tool,
    ToolChoice, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock,
    ToolResultStatus, ToolSpecification,
};
use futures_util::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use tracing::Instrument as _;

use crate::conversation::convert::to_block;
use crate::conversation::ContentPart;
use crate::document::to_document;
use crate::error::{Error, Result};
use crate::executor::{
    error_type, tokens_for_chars, CallInfo, Delivery, Request, DOCUMENT_CHARS, IMAGE_CHARS,
};
use crate::media::Media;
use crate::metering::RouteKind;
use crate::model_spec::ModelSpec;
use crate::schema::{schema_of, OutputSchema};
use crate::schema_subset::{to_bedrock_subset, SchemaProblem};
use crate::usage::Usage;
use crate::{Client, Document, Image};

mod stream;

pub use stream::{GenerationEvent, GenerationStream, Partial, StreamCall};

/// The name of the tool that carries a generation route's result.
pub const RESULT_TOOL: &str = "return_result";
const RESULT_TOOL_DESCRIPTION: &str =
    "Return the final result. Call this tool exactly once, with the complete answer as its input.";

/// Everything a generation route declares, as constants (emitted by the macro; not a
/// public API: read a route through its [`RouteDescriptor`] or [`RouteInfo`](crate::RouteInfo)).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct GenerationSpec {
    /// The route's name (its fn's name).
    pub name: &'static str,
    /// The declaration's doc comment.
    pub doc: &'static str,
    /// The model and how it is called.
    pub model: ModelSpec,
    /// How many times an invalid answer is sent back for correction.
    pub retries: u32,
    /// How the model is made to answer with the result type's JSON.
    pub output: OutputStrategy,
    /// Deadline of one call of the route, corrections and retries included.
    pub timeout_ms: Option<u64>,
    /// The JSON schema of the route's arguments (media arguments excluded).
    pub input_schema: fn() -> Value,
    /// Calls the route with its arguments as JSON (`Some` when ai-routes is built with `http`).
    pub invoke_json: Option<InvokeJson>,
    /// Streams the route with its arguments as JSON (`Some` when ai-routes is built with
    /// `http`).
    pub stream_json: Option<StreamJson>,
}

impl GenerationSpec {
    /// The spec of a declaration whose attribute has errors (see [`ModelSpec::UNAVAILABLE`]).
    pub const fn unavailable(name: &'static str) -> Self {
        GenerationSpec {
            name,
            doc: "",
            model: ModelSpec::UNAVAILABLE,
            retries: 0,
            output: OutputStrategy::ForcedTool(ToolChoiceMode::Tool),
            timeout_ms: None,
            input_schema: no_arguments,
            invoke_json: None,
            stream_json: None,
        }
    }
}

impl GenerationSpec {
    /// The declared output strategy, except that a forced tool on a model thinking on this
    /// route (which refuses forced tool choice while it thinks: the catalog's
    /// [`ReasoningPlan`]) becomes `auto` plus the instruction. The macro already chose so; this keeps a hand-built spec from
    /// sending what Bedrock refuses ("Thinking may not be enabled when tool_choice forces
    /// tool use.").
    ///
    /// [`ReasoningPlan`]: ai_routes_catalog::ReasoningPlan
    pub(crate) fn effective_output(&self) -> OutputStrategy {
        match self.output {
            OutputStrategy::ForcedTool(_) if self.model.reasoning_plan().forbids_forced_tool() => {
                OutputStrategy::AutoWithInstruction
            }
            declared => declared,
        }
    }
}

fn no_arguments() -> Value {
    Value::Object(Default::default())
}

/// A generation route returning `T`: its spec plus the schemas, computed once on first use
/// and never per call.
///
/// Only the result type is generic; everything else lives in a non-generic core, so each
/// declared route compiles to little more than its result type's deserializer.
#[derive(Debug)]
pub struct GenerationRoute<T> {
    // Without drop glue, so a `static` of this type costs rustc no lookup of upstream drop
    // glue on each incremental rebuild; statics are never dropped anyway.
    core: ManuallyDrop<RouteCore>,
    result: PhantomData<fn() -> T>,
}

/// The part of a route that does not depend on its result type.
#[derive(Debug)]
struct RouteCore {
    spec: GenerationSpec,
    result_type: fn() -> ResultType,
    output: OnceLock<OutputSchema>,
    request: OnceLock<std::result::Result<OutputRequest, SchemaProblem>>,
    descriptor: OnceLock<RouteDescriptor>,
}

/// What a route sends for its output, by strategy: the result tool (and its choice) or the
/// native `outputConfig`. Built once per route.
#[derive(Debug)]
struct OutputRequest {
    tool_config: Option<ToolConfiguration>,
    output_config: Option<OutputConfig>,
}

/// Deserializes a validated answer into the route's result type, type-erased.
type ReadResult = fn(&Value) -> std::result::Result<Typed, String>;

/// What a route is, for listing, serving over HTTP and documentation.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDescriptor {
    /// The route's name (the declared fn's name, e.g. `plan_recipe`).
    pub name: &'static str,
    /// The declaration's doc comment (empty when it has none).
    pub doc: &'static str,
    /// The model as declared in the attribute (`"Claude Haiku 4.5"`, a model ID or a profile ID).
    pub model: &'static str,
    /// The ID sent to Bedrock: the model ID, or the inference-profile ID the model is called through.
    pub model_id: &'static str,
    /// The JSON schema of the route's arguments, an object with one property per argument
    /// (image and document arguments excluded).
    pub input_schema: Value,
    /// The JSON schema of the route's result type.
    pub output_schema: Value,
    /// How the model is made to answer with it: `"native"` (Bedrock's structured output),
    /// `"tool"` or `"any"` (a forced result tool) or `"auto"` (the result tool plus an
    /// instruction).
    pub output_strategy: &'static str,
}

/// A generation result with its metering.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated<T> {
    /// The typed result.
    pub value: T,
    /// Tokens and cost of every model call the route made (retries included).
    pub usage: Usage,
    /// Bedrock's stop reason of the last call (`tool_use`, `end_turn`, …).
    pub stop_reason: String,
    /// Wall-clock time of the whole route call: every attempt, correction and backoff wait.
    pub latency: Duration,
    /// Model calls made: 1 plus the corrections.
    pub attempts: u32,
    /// The ID sent to Bedrock (model ID or inference-profile ID).
    pub model_id: String,
    /// The result as the model produced it (validated JSON), e.g. to return it over HTTP.
    pub json: Value,
    /// The model's reasoning before the answer of the last call (empty when it did not
    /// reason, or its provider redacted the reasoning). Not logged unless content logging
    /// is on.
    pub reasoning: String,
    /// The passages of the caller's documents the answer cites (Claude, with
    /// [`Document::with_citations`](crate::Document::with_citations)); empty otherwise.
    pub citations: Vec<crate::Citation>,
    /// How the model was made to answer: native structured output or a result tool.
    pub strategy: OutputStrategy,
}

impl<T> Generated<T> {
    fn map_value<U>(self, f: impl FnOnce(T) -> U) -> Generated<U> {
        Generated {
            value: f(self.value),
            usage: self.usage,
            stop_reason: self.stop_reason,
            latency: self.latency,
            attempts: self.attempts,
            model_id: self.model_id,
            json: self.json,
            reasoning: self.reasoning,
            citations: self.citations,
            strategy: self.strategy,
        }
    }

    /// The same result with the validated JSON as its value.
    pub fn into_json(self) -> Generated<Value> {
        let json = self.json.clone();
        self.map_value(|_| json)
    }
}

/// Calls a route with its arguments as one JSON object (generated for every route, used to
/// serve routes over HTTP).
#[doc(hidden)]
pub type InvokeJson =
    for<'a> fn(&'a Client, Value) -> futures_util::future::BoxFuture<'a, Result<Generated<Value>>>;

/// Streams a route with its arguments as one JSON object (generated for every route, used
/// to serve routes over HTTP as server-sent events).
#[doc(hidden)]
pub type StreamJson =
    for<'a> fn(
        &'a Client,
        Value,
    ) -> futures_util::stream::BoxStream<'a, Result<GenerationEvent<Value>>>;

/// The user message of one call: text plus media blocks.
pub struct UserInput<'a> {
    /// The rendered prompt (the route's template with its arguments filled in).
    pub text: String,
    pub(crate) media: Vec<Media<'a>>,
}

impl<'a> UserInput<'a> {
    /// An input with this prompt text and no media.
    pub fn text(text: String) -> Self {
        Self {
            text,
            media: Vec::new(),
        }
    }

    /// Adds an image block (the model must accept image input).
    pub fn image(mut self, image: &'a Image) -> Self {
        self.media.push(Media::Image(image));
        self
    }

    /// Adds a document block (the model must support document chat).
    pub fn document(mut self, document: &'a Document) -> Self {
        self.media.push(Media::Document(document));
        self
    }
}

struct Rejected {
    reason: String,
    raw: String,
    tool_use_id: Option<String>,
}

impl<T> GenerationRoute<T> {
    /// A route returning `T`, as `#[generation]` declares it (in a `static`).
    ///
    /// `result_type` returns [`result_type::<T>`]; it is a fn of the declaring crate because
    /// a `static` that points at another crate's generic fns makes rustc look them up among
    /// every dependency's exported generics on each incremental rebuild (tens of ms).
    ///
    /// The route's caches are never freed: a route lives in a `static`.
    #[doc(hidden)]
    pub const fn new(spec: GenerationSpec, result_type: fn() -> ResultType) -> Self {
        Self {
            core: ManuallyDrop::new(RouteCore {
                spec,
                result_type,
                output: OnceLock::new(),
                request: OnceLock::new(),
                descriptor: OnceLock::new(),
            }),
            result: PhantomData,
        }
    }

    /// What the route calls: its model, the id sent to Bedrock, its region or profile.
    pub fn route_info(&self) -> crate::RouteInfo {
        crate::RouteInfo::new(self.core.spec.name, &self.core.spec.model)
    }

    /// The route of a declaration whose attribute has errors (the build fails on them);
    /// calling it is impossible, as the crate does not compile.
    #[doc(hidden)]
    pub const fn unavailable(name: &'static str) -> Self {
        Self::new(GenerationSpec::unavailable(name), unavailable_result)
    }

    #[doc(hidden)]
    pub fn spec(&self) -> &GenerationSpec {
        &self.core.spec
    }

    /// Why the route's result schema cannot be sent as its strategy needs (native output:
    /// Bedrock's JSON-schema subset), naming the Rust field; `None` when it can.
    pub fn schema_problem(&self) -> Option<SchemaProblem> {
        self.core.schema_problem()
    }
}

impl<T: 'static> GenerationRoute<T> {
    /// The route's name, documentation, model and schemas.
    pub fn descriptor(&self) -> &RouteDescriptor {
        self.core.descriptor()
    }

    /// Calls the model and returns the typed, validated result.
    ///
    /// The call goes through the client's limits (per-model concurrency, token budget),
    /// retries throttling and transient errors with backoff, stops at the route's
    /// `timeout_ms`, reports usage to the client's sinks and is refused before it is made
    /// when the client's owner ([`Client::for_owner`]) is over its spending cap.
    pub fn generate<'a>(&'a self, client: &'a Client, input: UserInput<'a>) -> Generation<'a, T> {
        Generation {
            call: Box::pin(self.core.generate(client, input)),
            result: PhantomData,
        }
    }
}

/// The future of [`GenerationRoute::generate`].
#[must_use = "futures do nothing unless awaited"]
pub struct Generation<'a, T> {
    call: BoxFuture<'a, Result<Generated<Typed>>>,
    result: PhantomData<fn() -> T>,
}

impl<T: 'static> Future for Generation<'_, T> {
    type Output = Result<Generated<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.call.as_mut().poll(cx).map(|result| {
            result.map(|generated| {
                generated.map_value(|value| {
                    *value
                        .downcast::<T>()
                        .expect("`result_type::<T>` read the value")
                })
            })
        })
    }
}

/// How to get a route's result schema and read its answers: the only code of a route that
/// depends on its result type.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ResultType {
    schema: fn() -> Value,
    read: ReadResult,
}

/// The [`ResultType`] of `T` (see [`GenerationRoute::new`]).
#[doc(hidden)]
pub fn result_type<T: GenerationOutput>() -> ResultType {
    ResultType {
        schema: schema_of::<T>,
        read: read_result::<T>,
    }
}

fn unavailable_result() -> ResultType {
    ResultType {
        schema: || Value::Null,
        read: |_| Err("the route's declaration has errors".into()),
    }
}

fn read_result<T: GenerationOutput>(value: &Value) -> std::result::Result<Typed, String> {
    T::deserialize(value)
        .map(|t| Box::new(t) as Typed)
        .map_err(|e| e.to_string())
}

impl RouteCore {
    fn output_schema(&self) -> &OutputSchema {
        self.output
            .get_or_init(|| OutputSchema::new(((self.result_type)().schema)()))
    }

    fn descriptor(&self) -> &RouteDescriptor {
        self.descriptor.get_or_init(|| RouteDescriptor {
            name: self.spec.name,
            doc: self.spec.doc,
            model: self.spec.model.model,
            model_id: self.spec.model.invoke_id,
            input_schema: (self.spec.input_schema)(),
            output_schema: self.output_schema().result.clone(),
            output_strategy: self.spec.effective_output().as_str(),
        })
    }

    /// What the route sends for its output, built once per route: the native
    /// `outputConfig` with the schema in Bedrock's subset, or the result tool and its choice.
    fn output_request(&self) -> std::result::Result<&OutputRequest, &SchemaProblem> {
        self.request
            .get_or_init(|| {
                let schema = self.output_schema();
                Ok(match self.spec.effective_output() {
                    OutputStrategy::Native => OutputRequest {
                        tool_config: None,
                        output_config: Some(native_output_config(schema, self.spec.doc)?),
                    },
                    strategy => OutputRequest {
                        tool_config: Some(result_tool(schema, strategy)),
                        output_config: None,
                    },
                })
            })
            .as_ref()
    }

    /// Why the route's output schema cannot be sent as declared, if it cannot (for
    /// `Client::check_routes` and `testing::check_route_schemas`).
    fn schema_problem(&self) -> Option<SchemaProblem> {
        self.output_request().err().cloned()
    }

    async fn generate(&self, client: &Client, input: UserInput<'_>) -> Result<Generated<Typed>> {
        self.engine(None)?.generate(client, input).await
    }

    /// [`RouteCore::generate`] over ConverseStream, sending snapshots to `sender` (over
    /// Converse when the model cannot stream this route's answer).
    async fn generate_streamed(
        &self,
        client: &Client,
        input: UserInput<'_>,
        sender: &tokio::sync::mpsc::UnboundedSender<Result<stream::Event>>,
    ) -> Result<Generated<Typed>> {
        use ai_routes_catalog::{Capability, Support};
        let needs = match self.spec.effective_output() {
            OutputStrategy::Native => Capability::Streaming,
            _ => Capability::StreamingToolUse,
        };
        let streams = self
            .spec
            .model
            .catalog_model()
            .is_none_or(|model| model.supports(needs) != Support::No);
        self.engine(streams.then_some(sender))?
            .generate(client, input)
            .await
    }

    fn engine<'r>(
        &'r self,
        snapshots: Option<&'r tokio::sync::mpsc::UnboundedSender<Result<stream::Event>>>,
    ) -> Result<Engine<'r>> {
        let request = self
            .output_request()
            .map_err(|problem| Error::UnsupportedSchema {
                route: self.spec.name.into(),
                problem: problem.to_string(),
            })?;
        Ok(Engine {
            spec: &self.spec,
            schema: self.output_schema(),
            request,
            typed: (self.result_type)().read,
            snapshots,
        })
    }
}

/// A deserialized result, type-erased so the engine is compiled once.
#[doc(hidden)]
pub type Typed = Box<dyn std::any::Any + Send>;

/// The non-generic part of a generation call.
struct Engine<'r> {
    spec: &'r GenerationSpec,
    schema: &'r OutputSchema,
    request: &'r OutputRequest,
    typed: ReadResult,
    /// Where a streamed generation's snapshots go; `None` for a whole answer.
    snapshots: Option<&'r tokio::sync::mpsc::UnboundedSender<Result<stream::Event>>>,
}

impl Engine<'_> {
    /// Calls the model and returns the validated result, typed by `self.typed`.
    async fn generate(&self, client: &Client, input: UserInput<'_>) -> Result<Generated<Typed>> {
        let spec = self.spec;
        let span = tracing::info_span!(
            "generation",
            "otel.name" = format!("generation {}", spec.name),
            "ai_routes.route" = spec.name,
            "gen_ai.system" = "aws.bedrock",
            "gen_ai.operation.name" = "chat",
            "gen_ai.request.model" = spec.model.invoke_id,
            "gen_ai.request.max_tokens" = tracing::field::Empty,
            "gen_ai.response.finish_reasons" = tracing::field::Empty,
            "gen_ai.usage.input_tokens" = tracing::field::Empty,
            "gen_ai.usage.output_tokens" = tracing::field::Empty,
            "ai_routes.model_calls" = tracing::field::Empty,
            "ai_routes.cost_usd" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        if let Some(max_tokens) = spec.model.max_tokens {
            span.record("gen_ai.request.max_tokens", max_tokens);
        }
        let result = self
            .generate_in(client, input, &span)
            .instrument(span.clone())
            .await;
        if let Err(error) = &result {
            span.record("error.type", error_type(error).unwrap_or("other"));
        }
        result
    }

    async fn generate_in(
        &self,
        client: &Client,
        input: UserInput<'_>,
        span: &tracing::Span,
    ) -> Result<Generated<Typed>> {
        let spec = self.spec;
        let started = Instant::now();
        let deadline = spec.timeout_ms.map(|ms| {
            (
                started + Duration::from_millis(ms),
                format!("timeout_ms = {ms}"),
            )
        });
        // Checked before anything is built: a refused call costs nothing.
        client.check_spending_cap(client.owner()).await?;

        let input_tokens = tokens_for_chars(
            input.text.len()
                + input
                    .media
                    .iter()
                    .map(|m| match m {
                        Media::Image(_) => IMAGE_CHARS,
                        Media::Document(_) => DOCUMENT_CHARS,
                    })
                    .sum::<usize>(),
        );
        let mut messages = vec![self.user_message(input)?];
        let mut usage = Usage::default();
        let mut last_rejection = None;
        for attempt in 1..=spec.retries + 1 {
            let request = Request {
                messages: &messages,
                tool_config: self.request.tool_config.as_ref(),
                output_config: self.request.output_config.as_ref(),
                input_tokens,
                tool_chars: self.schema.tool_input_chars,
                cache_messages: false,
            };
            let info = CallInfo {
                route: spec.name,
                kind: RouteKind::Generation,
                spec: &spec.model,
                owner: client.owner(),
                conversation_id: None,
                deadline: deadline.as_ref(),
            };
            let mut snapshots = self.snapshots.map(|sender| {
                stream::Snapshots::new(
                    sender,
                    spec.effective_output() == OutputStrategy::Native,
                    self.schema.boxed,
                )
            });
            let mut sink = |delta: crate::executor::Delta| {
                if let Some(snapshots) = &mut snapshots {
                    snapshots.take(delta);
                }
            };
            let delivery = match self.snapshots {
                Some(_) => Delivery::Streamed(&mut sink),
                None => Delivery::Whole,
            };
            let reply = match client.call_model(info, request, delivery).await {
                Ok(reply) => reply,
                // Malformed on every attempt the retry policy allows: the route's own
                // correction budget still gets a fresh sample (the same request, as the
                // malformed answer is nothing to correct).
                Err(failure)
                    if matches!(failure.error, Error::MalformedModelOutput { .. })
                        && attempt <= spec.retries =>
                {
                    usage += failure.usage;
                    last_rejection = Some(Rejected {
                        reason: failure.error.to_string(),
                        raw: text_of(&failure.partial),
                        tool_use_id: None,
                    });
                    continue;
                }
                Err(failure) => return Err(failure.error),
            };
            usage += reply.usage;
            span.record("gen_ai.usage.input_tokens", usage.input_tokens);
            span.record("gen_ai.usage.output_tokens", usage.output_tokens);
            span.record("ai_routes.cost_usd", usage.cost_usd);
            span.record("ai_routes.model_calls", attempt);
            span.record("gen_ai.response.finish_reasons", reply.stop_reason.as_str());
            if reply.stop_reason == StopReason::GuardrailIntervened {
                return Err(Error::GuardrailIntervened {
                    route: spec.name.into(),
                    guardrail: spec.model.guardrail.unwrap_or_default().into(),
                    output: text_of(&reply.content),
                    trace: reply.trace,
                });
            }
            match self.extract(&reply.content) {
                Ok((value, json)) => {
                    return Ok(Generated {
                        value,
                        usage,
                        stop_reason: reply.stop_reason.as_str().to_string(),
                        latency: started.elapsed(),
                        attempts: attempt,
                        model_id: spec.model.invoke_id.to_string(),
                        json,
                        reasoning: reasoning_of(&reply.content),
                        citations: citations_of(&reply.content),
                        strategy: spec.effective_output(),
                    })
                }
                Err(_) if reply.stop_reason == StopReason::ModelContextWindowExceeded => {
                    return Err(Error::ContextWindowExceeded {
                        model_id: spec.model.invoke_id.to_string(),
                        context_window: spec.model.catalog_model().map_or(0, |m| m.context_window),
                    })
                }
                Err(rejected) if reply.stop_reason == StopReason::MaxTokens => {
                    return Err(Error::OutputTruncated {
                        route: spec.name.into(),
                        max_tokens: spec.model.max_tokens,
                        raw: rejected.raw,
                    })
                }
                Err(rejected) => {
                    if client.settings().log_content {
                        tracing::warn!(route = spec.name, attempt, reason = %rejected.reason, "invalid model output");
                    } else {
                        // The reason may quote the model's output: only logged with log_content.
                        tracing::warn!(
                            route = spec.name,
                            attempt,
                            "invalid model output; asking for a correction"
                        );
                    }
                    messages.push(assistant_echo(&reply.content)?);
                    messages.push(correction(&rejected, spec.effective_output())?);
                    last_rejection = Some(rejected);
                }
            }
        }
        let rejected = last_rejection.expect("the loop ran at least once");
        Err(Error::InvalidOutput {
            route: spec.name.into(),
            reason: rejected.reason,
            raw: rejected.raw,
            attempts: spec.retries + 1,
        })
    }

    fn user_message(&self, input: UserInput<'_>) -> Result<Message> {
        let mut text = input.text;
        if self.spec.effective_output() == OutputStrategy::AutoWithInstruction {
            text.push_str(&format!(
                "\n\nAnswer only by calling the {RESULT_TOOL} tool with the complete result as its input."
            ));
        }
        let images = input
            .media
            .iter()
            .filter(|m| matches!(m, Media::Image(_)))
            .count();
        crate::media::check_counts(images, input.media.len() - images)?;
        let mut builder = Message::builder().role(ConversationRole::User);
        for media in &input.media {
            builder = builder.content(match media {
                Media::Image(image) => image.to_block()?,
                Media::Document(document) => document.to_block()?,
            });
        }
        builder
            .content(ContentBlock::Text(text))
            .build()
            .map_err(|e| Error::InvalidInput(e.to_string()))
    }

    /// Reads the result from the answer: the JSON text of a native answer, or the input
    /// of the result tool call; tolerates a stringified value; validates against the full
    /// schema (Bedrock's subset drops some keywords), then deserializes.
    fn extract(&self, content: &[ContentPart]) -> Result<(Typed, Value), Rejected> {
        let (tool_use_id, input) = match self.spec.effective_output() {
            OutputStrategy::Native => (None, native_answer(content)?),
            _ => {
                let (id, input) = result_tool_call(content)?;
                (Some(id.clone()), input.clone())
            }
        };
        self.check(input, tool_use_id)
    }

    fn check(&self, input: Value, tool_use_id: Option<String>) -> Result<(Typed, Value), Rejected> {
        let schema = self.schema;
        let mut input = input;
        let raw = input.to_string();
        let reject = |reason: String| Rejected {
            reason,
            raw: raw.clone(),
            tool_use_id: tool_use_id.clone(),
        };
        if let Value::String(s) = &input {
            if let Ok(parsed) = serde_json::from_str::<Value>(s) {
                input = parsed;
            }
        }
        if schema.boxed {
            let Some(value) = input.get_mut("value") else {
                return Err(reject("the input has no `value` property".into()));
            };
            if let (Value::String(s), false) = (&*value, schema.accepts_string) {
                if let Ok(parsed) = serde_json::from_str::<Value>(s) {
                    *value = parsed;
                }
            }
        }
        schema
            .validate(&input)
            .map_err(|e| reject(format!("the input does not match the schema: {e}")))?;
        let value = if schema.boxed {
            input["value"].take()
        } else {
            input
        };
        let typed = (self.typed)(&value)
            .map_err(|e| reject(format!("the input does not deserialize: {e}")))?;
        Ok((typed, value))
    }
}

/// The input of the result tool call, or why there is none.
fn result_tool_call(content: &[ContentPart]) -> Result<(&String, &Value), Rejected> {
    content
        .iter()
        .find_map(|part| match part {
            ContentPart::ToolUse { id, name, input } if name == RESULT_TOOL => Some((id, input)),
            _ => None,
        })
        .ok_or_else(|| Rejected {
            reason: format!("the model did not call the {RESULT_TOOL} tool"),
            raw: text_of(content),
            tool_use_id: None,
        })
}

/// The JSON of a native structured-output answer (a text block holding it), or why it is
/// not JSON (e.g. cut off at `max_tokens`).
fn native_answer(content: &[ContentPart]) -> Result<Value, Rejected> {
    let text = text_of(content);
    let trimmed = text.trim();
    // Some models wrap the JSON in a Markdown fence despite the grammar.
    let json = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .unwrap_or(trimmed);
    serde_json::from_str(json).map_err(|e| Rejected {
        reason: format!("the answer is not valid JSON ({e})"),
        raw: text.clone(),
        tool_use_id: None,
    })
}

/// The result tool and how it is chosen, for the tool strategies.
fn result_tool(schema: &OutputSchema, strategy: OutputStrategy) -> ToolConfiguration {
    let spec = ToolSpecification::builder()
        .name(RESULT_TOOL)
        .description(RESULT_TOOL_DESCRIPTION)
        .input_schema(ToolInputSchema::Json(to_document(&schema.tool_input)))
        .build()
        .expect("name and input schema are set");
    let choice = match strategy {
        OutputStrategy::ForcedTool(ToolChoiceMode::Tool) => Some(ToolChoice::Tool(
            SpecificToolChoice::builder()
                .name(RESULT_TOOL)
                .build()
                .expect("name is set"),
        )),
        OutputStrategy::ForcedTool(ToolChoiceMode::Any) => {
            Some(ToolChoice::Any(AnyToolChoice::builder().build()))
        }
        // `auto` is the default; some models reject an explicit toolChoice altogether.
        _ => None,
    };
    ToolConfiguration::builder()
        .set_tools(Some(vec![Tool::ToolSpec(spec)]))
        .set_tool_choice(choice)
        .build()
        .expect("tools are set")
}

/// The name Bedrock's `jsonSchema` carries: the result type's title when it is a plain
/// identifier, else `result`.
fn schema_name(schema: &Value) -> String {
    schema
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 64
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .unwrap_or("result")
        .to_string()
}

/// `outputConfig.textFormat` with the result's schema in Bedrock's subset, as a JSON
/// string (the wire format: pydantic-ai cassette `test_bedrock_zai_native_output.yaml`).
fn native_output_config(
    schema: &OutputSchema,
    doc: &str,
) -> std::result::Result<OutputConfig, SchemaProblem> {
    let name = schema_name(&schema.result);
    let subset = to_bedrock_subset(&schema.tool_input, &name)?;
    crate::schema_subset::check_request_limits(&[&subset], 0)?;
    let mut definition = JsonSchemaDefinition::builder()
        .schema(subset.schema.to_string())
        .name(name);
    let doc = doc.trim();
    if !doc.is_empty() {
        definition = definition.description(doc);
    }
    let format = OutputFormat::builder()
        .r#type(OutputFormatType::JsonSchema)
        .structure(OutputFormatStructure::JsonSchema(
            definition.build().expect("schema is set"),
        ))
        .build()
        .expect("type is set");
    Ok(OutputConfig::builder().text_format(format).build())
}

/// The text blocks of an answer (cited or not), joined by newlines.
fn text_of(content: &[ContentPart]) -> String {
    let text: Vec<&str> = content
        .iter()
        .filter_map(ContentPart::answer_text)
        .collect();
    text.join("\n")
}

/// The reasoning parts of an answer, joined.
fn reasoning_of(content: &[ContentPart]) -> String {
    content
        .iter()
        .filter_map(|part| match part {
            ContentPart::Reasoning { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// The passages an answer cites, in order.
fn citations_of(content: &[ContentPart]) -> Vec<crate::Citation> {
    content
        .iter()
        .flat_map(|part| match part {
            ContentPart::CitedText { citations, .. } => citations.as_slice(),
            _ => &[],
        })
        .cloned()
        .collect()
}

/// The model's answer, sent back before the correction: unchanged, signed reasoning
/// included (with thinking on, Bedrock refuses the tool call without it), unsigned
/// reasoning left out (not needed).
fn assistant_echo(content: &[ContentPart]) -> Result<Message> {
    let sent: Vec<&ContentPart> = content
        .iter()
        .filter(|p| !matches!(p, ContentPart::Reasoning { .. }) || p.is_signed_reasoning())
        .collect();
    let blocks = if sent
        .iter()
        .all(|p| matches!(p, ContentPart::Reasoning { .. }))
    {
        vec![ContentBlock::Text("(no answer)".into())]
    } else {
        sent.into_iter().map(to_block).collect::<Result<Vec<_>>>()?
    };
    Ok(Message::builder()
        .role(ConversationRole::Assistant)
        .set_content(Some(blocks))
        .build()
        .expect("role and content are set"))
}

/// The follow-up that asks the model to fix its answer: an error tool result when it
/// called the tool, a plain instruction when it did not.
fn correction(rejected: &Rejected, strategy: OutputStrategy) -> Result<Message> {
    let fix = match strategy {
        OutputStrategy::Native => format!(
            "{}. Answer again with only the corrected, complete JSON value.",
            rejected.reason
        ),
        _ => format!(
            "{}. Call the {RESULT_TOOL} tool again with a corrected, complete input.",
            rejected.reason
        ),
    };
    let block = match &rejected.tool_use_id {
        Some(id) => ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(id)
                .content(ToolResultContentBlock::Text(fix))
                .status(ToolResultStatus::Error)
                .build()
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
        ),
        None => ContentBlock::Text(fix),
    };
    Message::builder()
        .role(ConversationRole::User)
        .content(block)
        .build()
        .map_err(|e| Error::InvalidInput(e.to_string()))
}

/// Formats a route argument inside a prompt template: strings as they are, anything else
/// as compact JSON.
#[doc(hidden)]
pub struct PromptArg<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> std::fmt::Display for PromptArg<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(Value::String(s)) => f.write_str(&s),
            Ok(other) => write!(f, "{other}"),
            Err(_) => Err(std::fmt::Error),
        }
    }
}

/// What a generation route's result type must be. A separate trait so a type that is not
/// one gets a readable error instead of a wall of trait noise.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a generation route",
    label = "this result type needs `schemars::JsonSchema` and `serde::Deserialize`",
    note = "add `#[derive(serde::Deserialize, schemars::JsonSchema)]` to `{Self}`"
)]
pub trait GenerationOutput: JsonSchema + DeserializeOwned + Send + 'static {}
impl<T: JsonSchema + DeserializeOwned + Send + 'static> GenerationOutput for T {}

/// What a route argument must be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a route argument",
    label = "route arguments need `serde::Serialize`, `serde::Deserialize` and `schemars::JsonSchema`",
    note = "add `#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]` to `{Self}` (arguments are also read from JSON when the route is served over HTTP), or pass it as `ai_routes::Image` / `ai_routes::Document`"
)]
pub trait RouteArgument: Serialize + DeserializeOwned + JsonSchema {}
impl<T: Serialize + DeserializeOwned + JsonSchema> RouteArgument for T {}

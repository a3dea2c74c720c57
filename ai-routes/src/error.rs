//! One error type for the crate, with messages that say what to do.

use crate::bedrock_errors::{ErrorKind, Refusal};
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a route call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's AWS account or IAM principal may not invoke the model in this Region: model
    /// access is not enabled in the Bedrock console, or the IAM policy lacks `bedrock:InvokeModel`
    /// (`bedrock:InvokeModelWithResponseStream` for streaming). Not retryable.
    #[error(
        "access to model `{model_id}` is not granted in {region}: enable it under Model access in the Amazon Bedrock \
         console for {region}, and allow bedrock:InvokeModel (and bedrock:InvokeModelWithResponseStream for streaming) \
         on it in the caller's IAM policy (Bedrock said: {message})"
    )]
    ModelAccessDenied {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// The AWS Region the call went to.
        region: String,
        /// Bedrock's own message.
        message: String,
    },

    /// The model exists but is not offered in the Region the client calls; `hint` names the
    /// Regions or inference profiles that serve it, according to the catalog.
    #[error("model `{model_id}` is not offered in {region}. {hint}")]
    ModelNotInRegion {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// The AWS Region the call went to.
        region: String,
        /// What to do instead (Regions or profiles that serve the model), from the catalog.
        hint: String,
    },

    /// The model only runs through a cross-Region inference profile in this Region (no on-demand
    /// throughput): declare the route with one of `profiles` (or let the macro resolve the model
    /// name, which picks the `global.`/geographic profile for you).
    #[error(
        "model `{model_id}` cannot be invoked on demand in {region}; call it through an inference profile instead: {}",
        if profiles.is_empty() { "none serves this region, pick another region".to_string() } else { profiles.join(", ") }
    )]
    NeedsInferenceProfile {
        /// The model ID that was invoked on demand.
        model_id: String,
        /// The AWS Region the call went to.
        region: String,
        /// Inference profile IDs that serve this model in `region` (empty when none does).
        profiles: Vec<String>,
    },

    /// The model is past its end of life (legacy) and Bedrock refuses calls to it.
    #[error("model `{model_id}` has reached its end of life on Bedrock; move the route to a current model (`ai-routes models --active` lists them)")]
    ModelEndOfLife {
        /// The model ID that was invoked.
        model_id: String,
    },

    /// Bedrock does not know the model ID in this Region, and the catalog does not either
    /// (often a typo, or an ID of a model that is newer than the catalog).
    #[error("model `{model_id}` is unknown to Bedrock in {region}: {message}")]
    UnknownModel {
        /// The model ID that was invoked.
        model_id: String,
        /// The AWS Region the call went to.
        region: String,
        /// Bedrock's own message.
        message: String,
    },

    /// Bedrock kept throttling the call (`ThrottlingException`) until the retry policy
    /// ([`RetryPolicy`](crate::RetryPolicy)) gave up. Retryable later.
    #[error(
        "Bedrock throttled the call to `{model_id}` and {attempts} attempt(s) did not get through: lower the request \
         rate (Client::builder().max_concurrency_per_model(..) / .tokens_per_minute(..)), raise the on-demand quota \
         (Service Quotas) or use a cross-region inference profile (Bedrock said: {message})"
    )]
    Throttled {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// Bedrock's own message.
        message: String,
        /// Attempts made by ai-routes (each with the SDK's own retries).
        attempts: u32,
    },

    /// The request (messages, system prompt, tool definitions and documents) does not fit the
    /// model's context window. Not retryable as is.
    #[error("the input is too long for `{model_id}` (context window {context_window} tokens): shorten it or pick a model with a larger context window (Bedrock said: {message})")]
    InputTooLong {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// The model's context window in tokens, from the catalog (0 when unknown).
        context_window: u32,
        /// Bedrock's own message.
        message: String,
    },

    /// A model call did not finish in time: the SDK's attempt timeout, Bedrock's
    /// `ModelTimeoutException`, or the route's `deadline` passed. Retryable.
    #[error("the call to `{model_id}` timed out after {attempts} attempt(s): {message}")]
    Timeout {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// What timed out (for a route deadline, the declared deadline and what to change).
        message: String,
        /// Model calls made, including the one that timed out.
        attempts: u32,
    },

    /// A call asked for a service tier the model is not offered in (checked against the
    /// catalog before the call is made; a route's own `service_tier` is checked at compile
    /// time).
    #[error(
        "model `{model_id}` is not offered in the {} service tier (it is offered in: {}); call it with another tier \
         (Client::with_service_tier) or move the route to a model offered in {}",
        requested.as_str(),
        offered.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
        requested.as_str()
    )]
    ServiceTierUnavailable {
        /// The model or inference profile ID the call was for.
        model_id: String,
        /// The tier asked for.
        requested: ai_routes_catalog::ServiceTier,
        /// The tiers the model is offered in.
        offered: Vec<ai_routes_catalog::ServiceTier>,
    },

    /// Bedrock rejected the request as invalid (`ValidationException`), e.g. an inference
    /// parameter the model does not accept. Not retryable as is.
    #[error("Bedrock rejected the request to `{model_id}`: {message}")]
    Validation {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// Bedrock's own message.
        message: String,
    },

    /// Any other error Bedrock answered with (e.g. `InternalServerException`,
    /// `ServiceUnavailableException`), after the retry policy gave up. Retryable for 5xx codes.
    #[error("Bedrock failed with {code} on `{model_id}` after {attempts} attempt(s): {message}")]
    Service {
        /// The model or inference profile ID that was invoked.
        model_id: String,
        /// The error code Bedrock returned, e.g. `ServiceUnavailableException`.
        code: String,
        /// Bedrock's own message.
        message: String,
        /// Model calls made before giving up.
        attempts: u32,
    },

    /// Bedrock could not be reached or its response could not be read (DNS, TLS, connection
    /// reset, unreadable body). The text says what failed and, after retries, how many attempts
    /// were made. Retryable.
    #[error("could not reach Bedrock: {0}")]
    Transport(String),

    /// A ConverseStream response stream broke before it finished (an in-stream exception, a
    /// read error, or an end without `messageStop`). Retryable.
    #[error("the response stream broke: {0}")]
    Stream(String),

    /// The model's output could not be turned into the route's result type (invalid JSON, or
    /// JSON that does not match the result's schema), after every attempt the route allows.
    #[error("route `{route}`: the model's output is not a valid result after {attempts} attempt(s): {reason}")]
    InvalidOutput {
        /// The route's name (the fn name of a `#[generation]`).
        route: String,
        /// Why the last output was rejected (parse or schema error).
        reason: String,
        /// The model's last raw output (tool input JSON or text), for logging and debugging.
        raw: String,
        /// Model calls made, each with the model's invalid output.
        attempts: u32,
    },

    /// The model reached the route's `max_tokens` before it finished the structured answer,
    /// so the output is cut off. Raise `max_tokens` on the route.
    #[error("route `{route}`: the model stopped at the max_tokens limit ({max_tokens:?}) before finishing its answer; raise max_tokens")]
    OutputTruncated {
        /// The route's name.
        route: String,
        /// The route's `max_tokens` setting (`None` when the model's default applied).
        max_tokens: Option<i32>,
        /// The model's partial output.
        raw: String,
    },

    /// Bedrock could not parse the model's answer (stop reason `malformed_tool_use` or
    /// `malformed_model_output`), on every attempt. Retryable: the same request may succeed.
    #[error(
        "the model's answer on `{model_id}` was malformed (stop reason {stop_reason}) after {attempts} attempt(s); \
         Bedrock could not parse its {}: retry, simplify the tools' or result's schema, or pick another model",
        if stop_reason == "malformed_tool_use" { "tool call" } else { "output" }
    )]
    MalformedModelOutput {
        /// The id the call was made with.
        model_id: String,
        /// `malformed_tool_use` or `malformed_model_output`.
        stop_reason: String,
        /// Model calls made (each malformed answer is re-sampled while attempts are left).
        attempts: u32,
    },

    /// The model's context window filled up before it finished its answer (stop reason
    /// `model_context_window_exceeded`). A conversation keeps the partial answer, marked
    /// incomplete. Not retryable as is.
    #[error("the model's context window on `{model_id}` ({context_window} tokens) filled up before it finished \
             (stop reason model_context_window_exceeded): shorten the input or the history, lower max_tokens, or \
             pick a model with a larger context window")]
    ContextWindowExceeded {
        /// The id the call was made with.
        model_id: String,
        /// The model's context window in tokens (0 when the catalog does not know it).
        context_window: u32,
    },

    /// The caller's input is not valid for the route: route arguments that do not match its
    /// parameters, a prompt template that does not render, a bad image or document, or an
    /// invalid client setting. Not retryable.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The store of fleet-wide limits did not answer, so a spending-capped call was not made.
    #[error(transparent)]
    SharedLimits(#[from] crate::shared_limits::SharedLimitsError),

    /// No conversation with this ID exists for the given owner (the ID is in the message).
    /// Conversations are owner-scoped: another owner's conversation is reported as not found.
    #[error("conversation `{0}` not found")]
    ConversationNotFound(String),

    /// Another turn of the same conversation is in progress; turns of one conversation run one
    /// at a time. Retry after the running turn finishes.
    #[error("conversation `{0}` is busy with another message; wait for its turn to finish, then send again")]
    ConversationBusy(String),

    /// The new message alone does not fit the model's context window, even after older history
    /// is dropped.
    #[error("the message is too large: about {estimated_tokens} tokens, and the model's context leaves room for {limit_tokens}")]
    MessageTooLarge {
        /// Estimated size of the message in tokens (from its length in characters; images and
        /// documents count as a fixed size).
        estimated_tokens: u64,
        /// Tokens the model's context window leaves for the message.
        limit_tokens: u64,
    },

    /// The previous answer of the conversation asked for client-side tools
    /// ([`ClientTool`](crate::ClientTool)); the next message must carry their results.
    #[error("the last answer called client-side tools; send their results first (tool use ids: {})", tool_use_ids.join(", "))]
    ToolResultsExpected {
        /// The tool use IDs still waiting for a result.
        tool_use_ids: Vec<String>,
    },

    /// The conversation store failed (see [`StoreError`](crate::store::StoreError)).
    #[error(transparent)]
    Store(crate::store::StoreError),

    /// The route's arguments or result could not be serialized to or parsed from JSON.
    #[error("could not serialize the route's arguments: {0}")]
    Serialize(#[from] serde_json::Error),

    /// The owner has reached the client's spending cap
    /// ([`ClientBuilder::spending_cap_per_owner`](crate::ClientBuilder::spending_cap_per_owner));
    /// the model call was not made.
    #[error(
        "owner `{owner}` has spent ${spent_usd:.4} of a ${cap_usd:.4} spending cap on this client; the call was not made \
         (raise Client::builder().spending_cap_per_owner(..) or wait for the owner's budget to be reset)"
    )]
    SpendingCapReached {
        /// The owner whose spending is capped (the conversation owner, or the owner given to the call).
        owner: String,
        /// What the owner has spent so far on this client, in US dollars (list prices).
        spent_usd: f64,
        /// The cap, in US dollars.
        cap_usd: f64,
    },

    /// The route's guardrail intervened (stop reason `guardrail_intervened`): the answer was
    /// blocked and replaced by the guardrail's message.
    #[error("route `{route}`: guardrail `{guardrail}` intervened and blocked the answer (stop reason guardrail_intervened): {output}")]
    GuardrailIntervened {
        /// The route's name.
        route: String,
        /// `id:version`.
        guardrail: String,
        /// What the guardrail answered instead (its blocked-output message).
        output: String,
        /// The guardrail trace Bedrock returned, as JSON (`Null` when absent).
        trace: serde_json::Value,
    },

    /// Two tools of one [`ToolSet`](crate::ToolSet) have the same name.
    #[error("tool `{name}` is registered twice in the tool set; tool names must be unique (rename one with `#[tool(name = \"...\")]`)")]
    DuplicateTool {
        /// The tool name that appears twice.
        name: String,
    },

    /// A route's result type (or a strict tool's input) cannot be expressed in Bedrock's
    /// JSON-schema subset for native structured output and strict tools (a recursive type,
    /// a map, too many optional or union-typed fields). Found before any call is made;
    /// `Client::check_routes` and `testing::check_route_schemas` report it at start-up.
    #[error("route `{route}`: {problem}")]
    UnsupportedSchema {
        /// The route's name.
        route: String,
        /// What cannot be expressed, naming the Rust field, and what to do.
        problem: String,
    },

    /// An MCP server could not be started, reached or listed, or one of its tools has the
    /// name of another tool of the route (feature `mcp`).
    #[error("MCP server `{server}`: {message}")]
    Mcp {
        /// The server's name, as configured.
        server: String,
        /// What went wrong and what to do.
        message: String,
    },
}

impl Error {
    /// The error after `attempts` attempts: the count lands in the variants that carry
    /// one, and in the message of transport and stream errors.
    pub(crate) fn with_attempts(self, attempts: u32) -> Self {
        match self {
            Error::Throttled {
                model_id, message, ..
            } => Error::Throttled {
                model_id,
                message,
                attempts,
            },
            Error::Timeout {
                model_id, message, ..
            } => Error::Timeout {
                model_id,
                message,
                attempts,
            },
            Error::Service {
                model_id,
                code,
                message,
                ..
            } => Error::Service {
                model_id,
                code,
                message,
                attempts,
            },
            Error::MalformedModelOutput {
                model_id,
                stop_reason,
                ..
            } => Error::MalformedModelOutput {
                model_id,
                stop_reason,
                attempts,
            },
            Error::Transport(message) if attempts > 1 => {
                Error::Transport(format!("{message} (after {attempts} attempts)"))
            }
            Error::Stream(message) if attempts > 1 => {
                Error::Stream(format!("{message} (after {attempts} attempts)"))
            }
            other => other,
        }
    }

    /// Model calls made before this error, when the error carries the count.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Throttled { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Service { attempts, .. }
            | Error::MalformedModelOutput { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Throttled { .. }
                | Error::Timeout { .. }
                | Error::Transport(_)
                | Error::Stream(_)
                // A malformed answer is a bad sample: the same request may well succeed.
                | Error::MalformedModelOutput { .. }
        ) || matches!(self, Error::Service { code, .. }
                if ErrorKind::from_code(code).is_some_and(ErrorKind::is_transient))
    }
}

/// An error response's body as text for a message: lossy UTF-8, bounded (a gateway may answer
/// with a whole HTML page).
fn body_text(body: Option<&[u8]>) -> String {
    const MAX_CHARS: usize = 1000;
    let text = String::from_utf8_lossy(body.unwrap_or_default());
    let text = text.trim();
    match text.char_indices().nth(MAX_CHARS) {
        _ if text.is_empty() => "(empty body)".to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Where a call went, to turn Bedrock's terse errors into actionable ones.
pub(crate) struct CallTarget<'a> {
    pub model_id: &'a str,
    pub region: &'a str,
    pub model: Option<&'static ai_routes_catalog::Model>,
}

impl CallTarget<'_> {
    pub(crate) fn map_sdk_error<E>(&self, err: SdkError<E>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match err {
            SdkError::TimeoutError(_) => Error::Timeout {
                model_id: self.model_id.into(),
                message: "no answer within the SDK's attempt timeout; raise it in the SDK configuration or with \
                          Client::builder().attempt_timeout(..)"
                    .into(),
                attempts: 1,
            },
            SdkError::DispatchFailure(e) => Error::Transport(format!("{e:?}")),
            SdkError::ResponseError(e) => Error::Transport(format!("unreadable response: {e:?}")),
            SdkError::ServiceError(e) => {
                // The SDK reads the code from `x-amzn-errortype` and the message from a JSON
                // `message`; an error of another shape (a gateway's page, a new type) would lose
                // both, so the HTTP status and the body stand in for them.
                let status = e.raw().status().as_u16();
                let body = body_text(e.raw().body().bytes());
                let err = e.into_err();
                let message = err
                    .message()
                    .filter(|m| !m.trim().is_empty())
                    .map_or(body, str::to_string);
                let Some(code) = err.code() else {
                    return self.map_service(&format!("HTTP {status}"), &message);
                };
                match self.map_service(code, &message) {
                    // A type this crate does not know: its status may be all that says what it is.
                    Error::Service {
                        model_id,
                        code,
                        message,
                        attempts,
                    } => Error::Service {
                        model_id,
                        code,
                        message: format!("{message} (HTTP {status})"),
                        attempts,
                    },
                    known => known,
                }
            }
            other => Error::Transport(other.to_string()),
        }
    }

    /// Maps a Bedrock error code and message (HTTP error or in-stream exception).
    pub(crate) fn map_service(&self, code: &str, message: &str) -> Error {
        let model_id = self.model_id.to_string();
        let region = self.region.to_string();
        let message = message.to_string();
        let Some(kind) = ErrorKind::from_code(code) else {
            return Error::Service {
                model_id,
                code: code.to_string(),
                message,
                attempts: 1,
            };
        };
        match (kind, Refusal::recognise(kind, &message)) {
            (ErrorKind::AccessDenied, _) | (_, Some(Refusal::NoModelAccess)) => {
                Error::ModelAccessDenied {
                    model_id,
                    region,
                    message,
                }
            }
            (ErrorKind::Throttling, _) => Error::Throttled {
                model_id,
                message,
                attempts: 1,
            },
            (ErrorKind::ModelTimeout, _) => Error::Timeout {
                model_id,
                message,
                attempts: 1,
            },
            (_, Some(Refusal::EndOfLife)) => Error::ModelEndOfLife { model_id },
            (_, Some(Refusal::NeedsInferenceProfile)) => Error::NeedsInferenceProfile {
                profiles: self.profiles(),
                model_id,
                region,
            },
            (_, Some(Refusal::InvalidModelId)) => self.not_in_region(message),
            (_, Some(Refusal::InputTooLong)) => Error::InputTooLong {
                context_window: self.model.map(|m| m.context_window).unwrap_or(0),
                model_id,
                message,
            },
            (ErrorKind::Validation, None) => Error::Validation { model_id, message },
            (kind, None) => Error::Service {
                model_id,
                code: kind.code().to_string(),
                message,
                attempts: 1,
            },
        }
    }

    fn profiles(&self) -> Vec<String> {
        self.model
            .map(|m| {
                m.profiles_for_region(self.region)
                    .iter()
                    .map(|p| p.id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn not_in_region(&self, message: String) -> Error {
        let Some(model) = self.model else {
            return Error::UnknownModel {
                model_id: self.model_id.into(),
                region: self.region.into(),
                message,
            };
        };
        let hint = match ai_routes_catalog::check_call(model, self.model_id, Some(self.region)) {
            Err(problem) => format!("{problem}; {}.", problem.fix()),
            // The catalog thinks this call works: Bedrock's word is all there is.
            Ok(()) => format!("Bedrock said: {message}"),
        };
        Error::ModelNotInRegion {
            model_id: self.model_id.into(),
            region: self.region.into(),
            hint,
        }
    }
}

//! Bedrock's error vocabulary, in one place: the exception types (which the error mapping
//! tells apart and the local stand-in sends) and the messages whose meaning matters (which
//! the mapping recognises and the stand-in reproduces word for word).

/// Bedrock's error types, with the HTTP status and the in-stream exception name each uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `ValidationException` (400): the request is invalid.
    Validation,
    /// `ThrottlingException` (429): over the quota.
    Throttling,
    /// `AccessDeniedException` (403): no model access or IAM permission.
    AccessDenied,
    /// `ResourceNotFoundException` (404): unknown model or profile.
    ResourceNotFound,
    /// `ModelTimeoutException` (408): the model took too long.
    ModelTimeout,
    /// `ModelNotReadyException` (429): the model is not ready to serve yet.
    ModelNotReady,
    /// `ModelErrorException` (424): the model failed on the request.
    ModelError,
    /// `ServiceUnavailableException` (503).
    ServiceUnavailable,
    /// `InternalServerException` (500).
    InternalServer,
    /// Only meaningful inside a stream (`modelStreamErrorException`).
    ModelStreamError,
}

// The stand-in (feature `testing`) is what sends errors; without it only the mapping is used.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
impl ErrorKind {
    /// Every error type, in declaration order (for tests that go through all of them).
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Validation,
        ErrorKind::Throttling,
        ErrorKind::AccessDenied,
        ErrorKind::ResourceNotFound,
        ErrorKind::ModelTimeout,
        ErrorKind::ModelNotReady,
        ErrorKind::ModelError,
        ErrorKind::ServiceUnavailable,
        ErrorKind::InternalServer,
        ErrorKind::ModelStreamError,
    ];

    /// The type named by an `x-amzn-errortype` code (or an in-stream exception's type);
    /// `None` for a code this crate does not know.
    pub fn from_code(code: &str) -> Option<Self> {
        ErrorKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Whether a call that failed with this type may succeed if made again soon: the
    /// service or the model was momentarily unable to answer. (Throttling and model
    /// timeouts are retried too; they have errors of their own.)
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::ServiceUnavailable
                | ErrorKind::InternalServer
                | ErrorKind::ModelNotReady
                | ErrorKind::ModelStreamError
        )
    }

    /// The `x-amzn-errortype` code, e.g. `ThrottlingException`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationException",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::ModelTimeout => "ModelTimeoutException",
            ErrorKind::ModelNotReady => "ModelNotReadyException",
            ErrorKind::ModelError => "ModelErrorException",
            ErrorKind::ServiceUnavailable => "ServiceUnavailableException",
            ErrorKind::InternalServer => "InternalServerException",
            ErrorKind::ModelStreamError => "ModelStreamErrorException",
        }
    }

    /// The HTTP status Bedrock answers this error type with.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Validation => 400,
            ErrorKind::Throttling | ErrorKind::ModelNotReady => 429,
            ErrorKind::AccessDenied => 403,
            ErrorKind::ResourceNotFound => 404,
            ErrorKind::ModelTimeout => 408,
            ErrorKind::ModelError | ErrorKind::ModelStreamError => 424,
            ErrorKind::ServiceUnavailable => 503,
            ErrorKind::InternalServer => 500,
        }
    }

    /// The lowerCamel union member used for an exception frame inside a ConverseStream
    /// response; `None` for types Bedrock never sends mid-stream.
    pub fn stream_exception_name(self) -> Option<&'static str> {
        match self {
            ErrorKind::Validation => Some("validationException"),
            ErrorKind::Throttling => Some("throttlingException"),
            ErrorKind::ServiceUnavailable => Some("serviceUnavailableException"),
            ErrorKind::InternalServer => Some("internalServerException"),
            ErrorKind::ModelStreamError => Some("modelStreamErrorException"),
            _ => None,
        }
    }

    /// Whether the SDK's standard retry strategy retries this error type.
    pub fn is_retried_by_sdk(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttling
                | ErrorKind::ServiceUnavailable
                | ErrorKind::InternalServer
                | ErrorKind::ModelNotReady
        )
    }

    /// Bedrock's usual message for this type (the stand-in's default).
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorKind::Validation => "The request is invalid.",
            ErrorKind::Throttling => "Too many requests, please wait before trying again.",
            ErrorKind::AccessDenied => {
                "You don't have access to the model with the specified model ID."
            }
            ErrorKind::ResourceNotFound => "The specified resource could not be found.",
            ErrorKind::ModelTimeout => {
                "Model has timed out in processing the request. Try your request again."
            }
            ErrorKind::ModelNotReady => {
                "Model is not ready to serve inference requests. Try again later."
            }
            ErrorKind::ModelError => "The model encountered an error processing the request.",
            ErrorKind::ServiceUnavailable => {
                "The service is currently unavailable. Try again later."
            }
            ErrorKind::InternalServer => "An internal server error occurred. Retry your request.",
            ErrorKind::ModelStreamError => {
                "An error occurred while streaming the response. Retry your request."
            }
        }
    }
}

/// A refusal whose message says more than its type: recognised in Bedrock's answers and
/// produced by the stand-in, from the same wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `ResourceNotFoundException`: the model is past its end of life.
    EndOfLife,
    /// `ValidationException`: this id is not invocable on demand here; use a profile.
    NeedsInferenceProfile,
    /// `ValidationException`: no such model id (or profile) in this region.
    InvalidModelId,
    /// `ValidationException`: the input does not fit the model's context.
    InputTooLong,
    /// `AccessDeniedException`: the account has not been granted access to the model.
    NoModelAccess,
}

#[cfg_attr(not(feature = "testing"), allow(dead_code))]
impl Refusal {
    /// Bedrock's message for the refusal (`model_id` is named by some).
    pub(crate) fn message(self, model_id: &str) -> String {
        match self {
            Refusal::EndOfLife => "This model version has reached the end of its life. Please refer to the AWS documentation for more details.".into(),
            Refusal::NeedsInferenceProfile => format!(
                "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. Retry your request with \
                 the ID or ARN of an inference profile that contains this model."
            ),
            Refusal::InvalidModelId => "The provided model identifier is invalid.".into(),
            Refusal::InputTooLong => "Input is too long for requested model.".into(),
            Refusal::NoModelAccess => "You don't have access to the model with the specified model ID.".into(),
        }
    }

    /// The type Bedrock answers the refusal with.
    pub(crate) fn kind(self) -> ErrorKind {
        match self {
            Refusal::EndOfLife => ErrorKind::ResourceNotFound,
            Refusal::NoModelAccess => ErrorKind::AccessDenied,
            _ => ErrorKind::Validation,
        }
    }

    /// The refusal an error of this type and message is, if any. Matches the phrase that
    /// identifies each message, so small rewordings by Bedrock still map.
    pub(crate) fn recognise(kind: ErrorKind, message: &str) -> Option<Self> {
        [
            (Refusal::EndOfLife, "end of its life"),
            (Refusal::NeedsInferenceProfile, "on-demand throughput"),
            (Refusal::InvalidModelId, "model identifier is invalid"),
            (Refusal::InputTooLong, "too long"),
            (Refusal::NoModelAccess, "have access to the model"),
        ]
        .into_iter()
        .find(|(refusal, phrase)| refusal.kind() == kind && message.contains(phrase))
        .map(|(refusal, _)| refusal)
    }
}

/// Bedrock's messages about native structured output, strict tools and forced tool
/// choice, as recorded from real traffic (the stand-in sends them; the error mapping keeps
/// them as Bedrock's message). Anthropic models' errors come wrapped in
/// [`MODEL_ERRORS_PREFIX`].
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) mod structured {
    /// How Bedrock wraps an Anthropic model's own validation errors (every fixture below).
    pub(crate) const MODEL_ERRORS_PREFIX: &str = "The model returned the following errors: ";

    /// A forced `toolChoice` on Claude Opus 5.5 / Sonnet 5.5 / Fable 5.1 (vercel/ai
    /// `packages/amazon-bedrock/src/__fixtures__/bedrock-opus-5-5-forced-tool-error.json`).
    pub(crate) const FORCED_TOOL_REFUSED: &str =
        "tool_choice: type \"tool\" and \"any\" are not supported for this model.";

    /// An object without `additionalProperties: false` (vercel/ai
    /// `amazon-bedrock-strict-open-schema-error.json`; `location` is `tools.0.custom` for a
    /// strict tool, `output_config.format.schema` for native output).
    pub(crate) fn open_object(location: &str) -> String {
        format!(
            "{location}: For 'object' type, 'additionalProperties' must be explicitly set to false"
        )
    }

    /// Numeric keywords (design notes §1: *"For 'integer' type, properties maximum, minimum
    /// are not supported"*); `keywords` sorted, comma-separated.
    pub(crate) fn number_keywords(location: &str, kind: &str, keywords: &[&str]) -> String {
        format!(
            "{location}: For '{kind}' type, properties {} are not supported",
            keywords.join(", ")
        )
    }

    /// `maxItems` (vercel/ai `issue-17197-max-items-error.json`).
    pub(crate) fn array_keyword(location: &str, keyword: &str) -> String {
        format!("{location}: For 'array' type, property '{keyword}' is not supported")
    }

    /// `minItems` above 1. Not in a recording: worded like the `maxItems` refusal.
    pub(crate) fn min_items(location: &str, value: u64) -> String {
        format!("{location}: For 'array' type, 'minItems' values other than 0 or 1 are not supported (got {value})")
    }

    /// A `$ref` (recursive schema). Not in a recording: worded like the others.
    pub(crate) fn reference(location: &str) -> String {
        format!("{location}: Recursive schemas and '$ref' are not supported")
    }

    /// `strict` on a model without strict tools (vercel/ai#17919, Claude 4.7+ mid-2026).
    pub(crate) fn strict_not_permitted(tool_index: usize) -> String {
        format!("tools.{tool_index}.custom.strict: Extra inputs are not permitted")
    }

    /// `outputConfig.textFormat` on an Anthropic model without it: the same wording as
    /// the `strict` refusal (vercel/ai#17919 reports both fields refused).
    pub(crate) const OUTPUT_FORMAT_NOT_PERMITTED: &str =
        "output_config.format: Extra inputs are not permitted";

    /// `outputConfig.textFormat` on another model without it, worded like Bedrock's
    /// refusals of unsupported `toolConfig` fields.
    pub(crate) const OUTPUT_CONFIG_UNSUPPORTED: &str = "This model doesn't support the outputConfig.textFormat field. Remove outputConfig.textFormat and try again.";

    /// More union-typed parameters than the grammar compiler takes (limit 16; vercel/ai
    /// `bedrock-native-structured-output-limits.ts` counts the same). Not in a recording.
    pub(crate) fn too_many_unions(count: usize) -> String {
        format!("Schemas contains too many parameters with union types ({count} parameters with type arrays or anyOf). This would cause exponential compilation cost. Reduce the number of nullable or multi-type parameters (limit: 16).")
    }

    /// More optional parameters than the grammar compiler takes (limit 24). Not in a
    /// recording.
    pub(crate) fn too_many_optional(count: usize) -> String {
        format!("Schemas contains too many optional parameters ({count}), which would make grammar compilation inefficient. Reduce the number of optional parameters in your tool schemas (limit: 24).")
    }

    /// More than 20 strict tools (pydantic-ai's limit). Not in a recording.
    pub(crate) fn too_many_strict_tools(count: usize) -> String {
        format!("Too many strict tools ({count}). The maximum number of strict tools is 20.")
    }
}

/// Bedrock's refusals of reasoning (extended thinking) requests, word for word where a
/// recording exists (sources in `shared/design/bedrock-converse-2026.md` section 2 and
/// below). The stand-in sends them; the error mapping passes them through as
/// [`ErrorKind::Validation`] messages.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) mod reasoning {
    /// Forced tool choice (`any` or a named tool) while an Anthropic model thinks
    /// (vercel/ai#11227).
    pub(crate) const FORCED_TOOL: &str =
        "Thinking may not be enabled when tool_choice forces tool use.";
    /// `temperature` other than 1 while thinking.
    pub(crate) const TEMPERATURE: &str = "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility";
    /// `top_p` below 0.95 while thinking.
    pub(crate) const TOP_P: &str = "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility";
    /// A thinking budget below 1024.
    pub(crate) const BUDGET_BELOW_MINIMUM: &str =
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    /// A thinking budget not below `maxTokens`.
    pub(crate) const BUDGET_NOT_BELOW_MAX_TOKENS: &str = "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";
    /// `thinking.type` `enabled` sent to a Claude 5 model.
    pub(crate) const ENABLED_NOT_SUPPORTED: &str = "\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\"";
    /// `thinking.type` `disabled` sent to a model that always thinks (Fable 5).
    pub(crate) const DISABLED_NOT_SUPPORTED: &str = "\"thinking.type.disabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\"";
    /// Nova 2 with effort `high` and a `maxTokens`.
    pub(crate) const NOVA_HIGH_WITH_MAX_TOKENS: &str =
        "`maxTokens` must be unset when reasoningConfig type is 'enabled' and maxReasoningEffort is 'high'";
    /// The `output_config.effort` words Bedrock takes (aws-sdk-bedrockruntime
    /// `OutputConfig.effort` doc).
    pub(crate) const OUTPUT_CONFIG_EFFORTS: [&str; 5] = ["low", "medium", "high", "xhigh", "max"];

    /// An unknown `thinking.type`.
    pub(crate) fn unknown_thinking_type(kind: &str) -> String {
        format!("thinking.type: Input tag '{kind}' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'")
    }

    /// An effort word the model does not take, at `field` (e.g. `reasoning_effort`).
    pub(crate) fn effort_not_accepted(field: &str, accepted: &[&str]) -> String {
        let accepted: Vec<String> = accepted.iter().map(|e| format!("'{e}'")).collect();
        format!("{field}: Input should be {}", accepted.join(", "))
    }

    /// An `output_config.effort` value that is none of [`OUTPUT_CONFIG_EFFORTS`]. No
    /// recording of Bedrock's wording exists; this follows the shape of its other field
    /// checks ([`effort_not_accepted`]).
    pub(crate) fn unknown_output_effort(value: &str) -> String {
        format!(
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max', not '{value}'"
        )
    }

    /// A reasoning field sent to a model that cannot reason. No recording of Bedrock's
    /// wording for this exists (for an unknown field on a Claude model Bedrock says "The
    /// model returned the following errors: reasoning: Extra inputs are not permitted",
    /// litellm#13609, but every active Claude on Bedrock reasons); this says what is wrong
    /// and what to do.
    pub(crate) fn cannot_reason(field: &str, model_id: &str) -> String {
        format!(
            "The model {model_id} does not support reasoning: remove `{field}` from additionalModelRequestFields."
        )
    }

    /// The assistant message answered by tool results does not start with its thinking.
    pub(crate) fn expected_thinking(message: usize, found: &str) -> String {
        format!("messages.{message}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking")
    }

    /// A thinking block of the latest assistant message was changed (or is another model's).
    pub(crate) fn latest_modified(message: usize, block: usize) -> String {
        format!("messages.{message}.content.{block}: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response.")
    }

    /// A thinking block of an earlier assistant message has an invalid signature.
    pub(crate) fn invalid_signature(message: usize, block: usize) -> String {
        format!("messages.{message}.content.{block}: Invalid `signature` in `thinking` block")
    }

    /// A thinking block without its signature.
    pub(crate) fn signature_missing(message: usize, block: usize) -> String {
        format!("messages.{message}.content.{block}.thinking.signature: Field required")
    }
}

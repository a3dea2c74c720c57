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

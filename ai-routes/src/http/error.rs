//! Errors as HTTP responses: a status and `{"error": {"code", "message"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::StoreError;
use crate::Error;

/// An API error: status, stable machine-readable code, human message.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// A stable, machine-readable code (`bad_request`, `not_found`, `unauthorized`,
    /// `conversation_busy`, ...), the response's `error.code`.
    pub code: &'static str,
    /// A message for humans, the response's `error.message`.
    pub message: String,
    /// Seconds for a `Retry-After` header (rate limits).
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Answers with `Retry-After: <seconds>` as well.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413 `too_large`: a name, metadata or message over its cap.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The status and code for an error of the library, shared by JSON responses and SSE error events.
pub(crate) fn classify(error: &Error) -> (StatusCode, &'static str) {
    match error {
        Error::ConversationNotFound(_) => (StatusCode::NOT_FOUND, "conversation_not_found"),
        Error::ConversationBusy(_) => (StatusCode::CONFLICT, "conversation_busy"),
        Error::InvalidInput(_) | Error::Serialize(_) | Error::Store(StoreError::Invalid(_)) => {
            (StatusCode::BAD_REQUEST, "invalid_input")
        }
        Error::Store(StoreError::TooLarge { .. }) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        Error::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
        Error::SharedLimits(_) => (StatusCode::SERVICE_UNAVAILABLE, "limits_unavailable"),
        Error::MessageTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "message_too_large"),
        // The caller's input is the problem, not the upstream: retrying it as is cannot help.
        Error::InputTooLong { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "input_too_long"),
        Error::ContextWindowExceeded { .. } => {
            (StatusCode::PAYLOAD_TOO_LARGE, "context_window_exceeded")
        }
        Error::ToolResultsExpected { .. } => (StatusCode::BAD_REQUEST, "tool_results_expected"),
        Error::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        // The caller's budget, not the upstream: a 4xx that says so.
        Error::SpendingCapReached { .. } => (StatusCode::TOO_MANY_REQUESTS, "spending_cap_reached"),
        Error::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
        Error::InvalidOutput { .. } => (StatusCode::BAD_GATEWAY, "invalid_model_output"),
        // The route's declaration is the problem: the server's, not the caller's.
        Error::UnsupportedSchema { .. } => {
            (StatusCode::INTERNAL_SERVER_ERROR, "unsupported_schema")
        }
        Error::OutputTruncated { .. } => (StatusCode::BAD_GATEWAY, "output_truncated"),
        Error::ModelAccessDenied { .. } => (StatusCode::BAD_GATEWAY, "model_access_denied"),
        Error::ModelNotInRegion { .. }
        | Error::NeedsInferenceProfile { .. }
        | Error::UnknownModel { .. } => (StatusCode::BAD_GATEWAY, "model_unavailable"),
        _ => (StatusCode::BAD_GATEWAY, "upstream_error"),
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let (status, code) = classify(&error);
        if status.is_server_error() {
            tracing::warn!(%error, "route call failed");
        }
        ApiError::new(status, code, error.to_string())
    }
}

//! Axum's extractors with their rejections (plain text) answered as [`ApiError`]s, so that every
//! error of the API has the documented JSON body.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use std::sync::Arc;

use super::error::ApiError;
use super::Api;

/// A rejection as an API error, keeping axum's status and text.
fn rejected(status: StatusCode, text: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        status if status.is_server_error() => "internal_error",
        _ => "bad_request",
    };
    ApiError::new(status, code, text)
}

/// [`Path`], rejected as JSON.
pub(super) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|e: PathRejection| rejected(e.status(), e.body_text()))
    }
}

/// [`Query`], rejected as JSON.
pub(super) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e: QueryRejection| rejected(e.status(), e.body_text()))
    }
}

/// The request body ([`Bytes`]), rejected as JSON: over the body limit is a 413, a body
/// not received within [`Api::body_timeout`](super::Api::body_timeout) a 408 (a client
/// trickling a body byte by byte would otherwise hold its connection and buffer forever).
pub(super) struct ApiBody(pub Bytes);

impl FromRequest<Arc<Api>> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, api: &Arc<Api>) -> Result<Self, ApiError> {
        match tokio::time::timeout(api.body_timeout, Bytes::from_request(request, api)).await {
            Ok(body) => body
                .map(ApiBody)
                .map_err(|e: BytesRejection| rejected(e.status(), e.body_text())),
            Err(_elapsed) => Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "the request body did not arrive within {} s",
                    api.body_timeout.as_secs_f64()
                ),
            )),
        }
    }
}

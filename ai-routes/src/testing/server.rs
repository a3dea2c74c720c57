//! The HTTP side of the stand-in: routes, request recording, faults, encoding.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ai_routes_catalog::ServiceTier;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use super::control_plane;
use super::eventstream::{event_frame, exception_frame, reply_events};
use super::faults::{Fault, FaultPlan, StreamBreak};
use super::prompt_cache::{requested_tier, PromptCache};
use super::reply::{BedrockError, Reply, Response};
use super::responder::{estimate_request_tokens, estimate_usage, RequestContext, Responder};
use super::validate::{resolve_model, validate_request};
use super::wire::ConverseRequest;

/// Which API a request called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operation {
    /// `POST /model/{modelId}/converse`.
    Converse,
    /// `POST /model/{modelId}/converse-stream`.
    ConverseStream,
}

/// One request the stand-in received, as parsed.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// Which API the request called.
    pub operation: Operation,
    /// The percent-decoded model id from the path (model id, profile id or ARN).
    pub model_id: String,
    /// The region from the SigV4 credential scope (the client's region); `None` for a
    /// bearer-token request, which the stand-in serves as from its own region
    /// ([`LocalBedrockBuilder::region`](super::LocalBedrockBuilder::region)).
    pub region: Option<String>,
    /// How the request was authenticated.
    pub auth: Auth,
    /// The SDK's attempt number (`amz-sdk-request: attempt=N`), 1 for the first try.
    pub attempt: u32,
    /// Every request header, name and value, in order (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Value::Null` when it was not JSON).
    pub body: Value,
    /// The body as a typed request, when it parsed.
    #[serde(skip)]
    pub request: Option<ConverseRequest>,
}

/// How a request was authenticated: SigV4 (access keys, roles, SSO) or a Bedrock API key
/// (`Authorization: Bearer …`, e.g. from `AWS_BEARER_TOKEN_BEDROCK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Auth {
    /// `Authorization: AWS4-HMAC-SHA256 Credential=…`.
    SigV4,
    /// `Authorization: Bearer <API key>`.
    Bearer,
    /// No `Authorization` header.
    None,
}

fn auth(headers: &HeaderMap) -> Auth {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(value) if value.starts_with("AWS4-HMAC-SHA256") => Auth::SigV4,
        Some(value) if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") => {
            Auth::Bearer
        }
        _ => Auth::None,
    }
}

pub(crate) struct Shared {
    pub(crate) default_region: String,
    pub(crate) strict: bool,
    pub(crate) responder: RwLock<Arc<dyn Responder>>,
    pub(crate) script: Mutex<VecDeque<Response>>,
    pub(crate) faults: Mutex<FaultPlan>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) served: AtomicU64,
    /// Application inference profiles the test created: ARN → the model it routes to.
    pub(crate) application_profiles:
        Mutex<std::collections::HashMap<String, &'static ai_routes_catalog::Model>>,
    /// What requests with cache checkpoints have cached, per model.
    pub(crate) prompt_cache: PromptCache,
    /// Models offered besides the catalog's, and access denied to the account.
    pub(crate) control: Mutex<control_plane::ControlPlane>,
}

impl Shared {
    /// The model a request addressed: an application inference profile the test created
    /// (callable only from its own region, as on Bedrock), else as [`resolve_model`] decides.
    fn resolve_model(
        &self,
        model_id: &str,
        region: &str,
    ) -> Result<&'static ai_routes_catalog::Model, BedrockError> {
        let profiles = self.application_profiles.lock().expect("profiles lock");
        let Some(model) = profiles.get(model_id).copied() else {
            drop(profiles);
            return resolve_model(model_id, region);
        };
        match ai_routes_catalog::check_call(model, model_id, Some(region)) {
            Ok(()) => Ok(model),
            Err(ai_routes_catalog::CallProblem::EndOfLife { .. }) => Err(super::validate::refused(
                crate::bedrock_errors::Refusal::EndOfLife,
                model.id,
            )),
            Err(_) => Err(super::validate::refused(
                crate::bedrock_errors::Refusal::InvalidModelId,
                model_id,
            )),
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/model/{model_id}/converse", post(converse))
        .route("/model/{model_id}/converse-stream", post(converse_stream))
        .route("/__local/requests", get(list_requests))
        // The control plane (`aws-sdk-bedrock`), for `ai-routes models sync`.
        .route(
            "/foundation-models",
            get(control_plane::list_foundation_models),
        )
        .route(
            "/foundation-models/{model_id}",
            get(control_plane::get_foundation_model),
        )
        .route(
            "/inference-profiles",
            get(control_plane::list_inference_profiles),
        )
        .route(
            "/foundation-model-availability/{model_id}",
            get(control_plane::get_foundation_model_availability),
        )
        // Bedrock has no request-size cap of its own beyond its media limits (checked with
        // Bedrock's error in `validate_media`); axum's default 2 MB cap refused a 1.6 MB image.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(shared)
}

async fn converse(
    state: State<Arc<Shared>>,
    model_id: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResponse {
    handle(state.0, model_id.0, headers, body, Operation::Converse).await
}

async fn converse_stream(
    state: State<Arc<Shared>>,
    model_id: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResponse {
    handle(
        state.0,
        model_id.0,
        headers,
        body,
        Operation::ConverseStream,
    )
    .await
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RecordedRequest>> {
    Json(shared.requests.lock().expect("requests lock").clone())
}

async fn handle(
    shared: Arc<Shared>,
    model_id: String,
    headers: HeaderMap,
    body: Bytes,
    operation: Operation,
) -> HttpResponse {
    let started = Instant::now();
    let request_id = format!("local-{:08}", shared.served.fetch_add(1, Ordering::Relaxed));
    let region = signing_region(&headers);
    let raw: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let parsed = serde_json::from_value::<ConverseRequest>(raw.clone());
    shared
        .requests
        .lock()
        .expect("requests lock")
        .push(RecordedRequest {
            operation,
            model_id: model_id.clone(),
            region: region.clone(),
            auth: auth(&headers),
            attempt: attempt(&headers),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: raw,
            request: parsed.as_ref().ok().cloned(),
        });

    let (fault, latency, chunk_latency) = {
        let mut plan = shared.faults.lock().expect("faults lock");
        (plan.next(), plan.latency, plan.chunk_latency)
    };
    let delay = latency
        + if let Some(Fault::Delay(d)) = &fault {
            *d
        } else {
            Duration::ZERO
        };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match &fault {
        Some(Fault::Error(error)) => return error_response(error, &request_id),
        Some(Fault::Raw {
            status,
            headers,
            body,
        }) => return raw_response(*status, headers, body, &request_id),
        _ => {}
    }

    let request = match parsed {
        Ok(request) => request,
        Err(e) => {
            return error_response(
                &BedrockError::validation(format!("Malformed input request: {e}")),
                &request_id,
            )
        }
    };
    let region = region.unwrap_or_else(|| shared.default_region.clone());
    let stream = operation == Operation::ConverseStream;
    // A model the control plane offers beyond the catalog is served, unchecked.
    let offered = shared
        .control
        .lock()
        .expect("control plane lock")
        .offers(&model_id);
    let model = match shared.resolve_model(&model_id, &region) {
        Ok(model) => Some(model),
        Err(_) if offered => None,
        Err(error) if shared.strict => return error_response(&error, &request_id),
        Err(_) => None,
    };
    let denied = shared
        .control
        .lock()
        .expect("control plane lock")
        .denies(model.map_or(model_id.as_str(), |m| m.id), &region);
    if denied {
        return error_response(
            &super::validate::refused(crate::bedrock_errors::Refusal::NoModelAccess, &model_id),
            &request_id,
        );
    }
    if let (Some(model), true) = (model, shared.strict) {
        if let Err(error) = validate_request(model, &request, stream)
            .and_then(|()| PromptCache::validate(model, &request))
        {
            return error_response(&error, &request_id);
        }
        if estimate_request_tokens(&request) > model.context_window {
            return error_response(
                &super::validate::refused(crate::bedrock_errors::Refusal::InputTooLong, model.id),
                &request_id,
            );
        }
    }

    let tier = match requested_tier(model.filter(|_| shared.strict), &request) {
        Ok(tier) => tier,
        Err(error) => return error_response(&error, &request_id),
    };
    let scripted = shared.script.lock().expect("script lock").pop_front();
    let response = scripted.unwrap_or_else(|| {
        let responder = shared.responder.read().expect("responder lock").clone();
        responder.respond(&RequestContext {
            model_id: &model_id,
            model,
            request: &request,
            stream,
        })
    });
    let mut reply = match response {
        Response::Reply(reply) => reply,
        Response::Error(error) => return error_response(&error, &request_id),
    };
    if let Some(model) = model {
        super::reasoning::add_reasoning(model, &request, &mut reply);
    }
    // Scripted usage is reported as is; an estimate goes through the prompt cache.
    let usage = reply.usage.clone().unwrap_or_else(|| {
        let estimate = estimate_usage(&request, &reply);
        match model {
            Some(model) => shared.prompt_cache.account(model, &request, estimate),
            None => estimate,
        }
    });
    let served = reply.service_tier.unwrap_or(tier);
    let latency_ms = started.elapsed().as_millis() as u64;
    if stream {
        let stream_break = match fault {
            Some(Fault::BreakStream { after_events, how }) => Some((after_events, how)),
            _ => None,
        };
        stream_response(
            &reply,
            usage,
            served,
            latency_ms,
            stream_break,
            chunk_latency,
            &request_id,
        )
    } else {
        json_response(&reply, usage, served, latency_ms, &request_id)
    }
}

fn json_response(
    reply: &Reply,
    usage: super::wire::TokenUsage,
    served: ServiceTier,
    latency_ms: u64,
    request_id: &str,
) -> HttpResponse {
    let body = json!({
        "output": {"message": {"role": "assistant", "content": reply.content}},
        "stopReason": reply.stop_reason,
        "usage": usage,
        "metrics": {"latencyMs": latency_ms},
        "serviceTier": {"type": served.as_str()},
    });
    (
        StatusCode::OK,
        [
            ("content-type", "application/json"),
            ("x-amzn-requestid", request_id),
        ],
        body.to_string(),
    )
        .into_response()
}

fn stream_response(
    reply: &Reply,
    usage: super::wire::TokenUsage,
    served: ServiceTier,
    latency_ms: u64,
    stream_break: Option<(usize, StreamBreak)>,
    chunk_latency: Duration,
    request_id: &str,
) -> HttpResponse {
    let mut frames: Vec<Vec<u8>> = reply_events(reply, usage, served, latency_ms)
        .into_iter()
        .map(|(kind, payload)| event_frame(kind, payload))
        .collect();
    if let Some((after, how)) = stream_break {
        let next = frames.get(after).cloned();
        frames.truncate(after);
        match how {
            StreamBreak::Eof => {}
            StreamBreak::Exception(kind) => {
                let name = kind
                    .stream_exception_name()
                    .unwrap_or("modelStreamErrorException");
                frames.push(exception_frame(name, &BedrockError::of(kind)));
            }
            StreamBreak::CutMidFrame => {
                if let Some(frame) = next {
                    frames.push(frame[..frame.len() / 2].to_vec());
                }
            }
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        for frame in frames {
            if !chunk_latency.is_zero() {
                tokio::time::sleep(chunk_latency).await;
            }
            if tx.send(Ok(Bytes::from(frame))).await.is_err() {
                return; // the client went away
            }
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    HttpResponse::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/vnd.amazon.eventstream")
        .header("x-amzn-requestid", request_id)
        .body(body)
        .expect("static response parts are valid")
}

/// Bedrock's error response: status, `x-amzn-errortype` (which the SDK uses to pick the
/// typed variant) and a JSON `message`.
fn error_response(error: &BedrockError, request_id: &str) -> HttpResponse {
    let status = StatusCode::from_u16(error.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let error_type = format!(
        "{}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        error.kind.code()
    );
    (
        status,
        [
            ("content-type", "application/json".to_string()),
            ("x-amzn-requestid", request_id.to_string()),
            ("x-amzn-errortype", error_type),
        ],
        json!({"message": error.message}).to_string(),
    )
        .into_response()
}

/// A scripted response, as given; only the request id is added.
fn raw_response(
    status: u16,
    headers: &[(String, String)],
    body: &str,
    request_id: &str,
) -> HttpResponse {
    let mut response = HttpResponse::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("x-amzn-requestid", request_id);
    for (name, value) in headers {
        response = response.header(name.as_str(), value.as_str());
    }
    response
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the scripted response is not valid HTTP: {e}"),
            )
                .into_response()
        })
}

/// The region of the SigV4 credential scope: `Credential=AKID/20261124/us-east-1/bedrock/aws4_request`.
pub(crate) fn signing_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?;
    scope.split('/').nth(2).map(str::to_string)
}

fn attempt(headers: &HeaderMap) -> u32 {
    headers
        .get("amz-sdk-request")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';')
                .find_map(|part| part.trim().strip_prefix("attempt="))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

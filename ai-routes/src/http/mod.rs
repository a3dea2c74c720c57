//! Serve declared routes over HTTP with axum (feature `http`).
//!
//! ```no_run
//! use ai_routes::http::{Api, JwtAuth};
//! use ai_routes::prelude::*;
//! use ai_routes::store::MemoryStore;
//!
//! /// Answers questions about the shop.
//! #[conversation(model = "Amazon Nova Lite")]
//! struct ShopAssistant;
//!
//! /// Suggests a name for a product.
//! #[generation(model = "Claude Haiku 4.5")]
//! async fn name_product(ai: &Client, description: String) -> Result<String>;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let ai = Client::from_env().await?;
//!     let assistant = ShopAssistant::new(ai.clone(), MemoryStore::new(), ());
//!     let secret = std::env::var("JWT_SECRET")?;
//!
//!     let api = Api::new(ai, JwtAuth::hs256(secret.as_bytes())?)
//!         .generation(&NAME_PRODUCT_ROUTE)
//!         .conversation(assistant.route().clone());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, api.router()).await?;
//!     Ok(())
//! }
//! ```
//!
//! | method and path | what |
//! |---|---|
//! | `GET /` | the chat page (static, embedded) |
//! | `GET /routes` | route descriptors with their JSON schemas |
//! | `GET /openapi.json` | an OpenAPI 3.1 document of the routes |
//! | `POST /generations/{route}` | the route's arguments as JSON → `{value, usage, …}` |
//! | `POST /conversations/{route}` | create (`{name?, metadata?}`) |
//! | `GET /conversations/{route}` | list the caller's, newest first (`?limit=&cursor=`) |
//! | `GET`/`PATCH`/`DELETE /conversations/{route}/{id}` | read, rename, delete |
//! | `GET /conversations/{route}/{id}/messages` | history (`?order=oldest\|newest&limit=&cursor=`) |
//! | `POST /conversations/{route}/{id}/messages` | send; the turn streams back as Server-Sent Events |
//!
//! Every endpoint but the page needs an identity from the [`Authenticator`] (401 without);
//! another owner's conversation is a 404. Errors are `{"error": {"code", "message"}}`.

mod auth;
mod conversations;
mod error;
mod extract;
mod jwks;
mod openapi;
mod rate_limit;
mod serve;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub use auth::{
    AuthChain, AuthError, Authenticator, GuestAuth, Identity, IdentityKind, JwtAuth,
    MIN_HS256_SECRET_BYTES,
};
pub use conversations::ConversationApi;
pub use error::ApiError;
use extract::{ApiBody, ApiPath};
pub use jwks::{JwksUrl, DEFAULT_JWKS_MAX_AGE};
pub use rate_limit::RateLimit;
use rate_limit::RateLimits;
pub use serve::{serve, ServeOptions, DEFAULT_HEADER_READ_TIMEOUT};

use crate::generation::{GenerationRoute, GenerationSpec, RouteDescriptor};
use crate::Client;

/// Largest request body accepted, by default (images and documents travel base64-encoded).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// The largest `limit` of a listing, by default. With names and metadata capped by the store
/// ([`MAX_NAME_BYTES`](crate::store::MAX_NAME_BYTES),
/// [`MAX_METADATA_BYTES`](crate::store::MAX_METADATA_BYTES)), one page is at most ~7 MB.
pub const DEFAULT_MAX_PAGE_SIZE: usize = 100;
/// The most text (plus `ai_context` JSON) one message may carry, by default: ~16k tokens.
/// Every later turn re-sends it, so its cost multiplies.
pub const DEFAULT_MAX_MESSAGE_TEXT_BYTES: usize = 64 * 1024;
/// How long a client may take to send a request body, by default.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A generation route as the API sees it.
#[derive(Clone)]
struct GenerationEntry {
    spec: GenerationSpec,
    descriptor: RouteDescriptor,
}

/// The routes to serve, the client they call Bedrock with, and who may call them.
pub struct Api {
    client: Client,
    auth: Arc<dyn Authenticator>,
    generations: BTreeMap<&'static str, GenerationEntry>,
    conversations: BTreeMap<&'static str, Arc<dyn ConversationApi>>,
    body_limit: usize,
    max_page_size: usize,
    max_message_text_bytes: usize,
    body_timeout: Duration,
    rate_limits: RateLimits,
    max_conversations_per_owner: Option<usize>,
    chat_page: bool,
}

impl Api {
    /// An API calling Bedrock through `client` and authenticating every request with `auth`, with
    /// no routes yet, the chat page on and an 8 MiB body limit ([`DEFAULT_BODY_LIMIT`]).
    pub fn new(client: Client, auth: impl Authenticator) -> Self {
        Self {
            client,
            auth: Arc::new(auth),
            generations: BTreeMap::new(),
            conversations: BTreeMap::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            max_message_text_bytes: DEFAULT_MAX_MESSAGE_TEXT_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            rate_limits: RateLimits::default(),
            max_conversations_per_owner: None,
            chat_page: true,
        }
    }

    /// Serves a generation route at `POST /generations/{name}`.
    pub fn generation<T: crate::generation::GenerationOutput>(
        mut self,
        route: &'static GenerationRoute<T>,
    ) -> Self {
        let spec = *route.spec();
        self.generations.insert(
            spec.name,
            GenerationEntry {
                spec,
                descriptor: route.descriptor().clone(),
            },
        );
        self
    }

    /// Serves a conversation route under `/conversations/{name}`.
    pub fn conversation(mut self, route: impl ConversationApi) -> Self {
        self.conversations.insert(route.name(), Arc::new(route));
        self
    }

    /// The largest request body accepted (default 8 MiB); larger ones get 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The largest `limit` a listing accepts (default [`DEFAULT_MAX_PAGE_SIZE`]); more is a 400.
    pub fn max_page_size(mut self, items: usize) -> Self {
        self.max_page_size = items.max(1);
        self
    }

    /// The most text (with `ai_context` as JSON) a message may carry (default
    /// [`DEFAULT_MAX_MESSAGE_TEXT_BYTES`]); more is a 413 `message_too_large`.
    pub fn max_message_text_bytes(mut self, bytes: usize) -> Self {
        self.max_message_text_bytes = bytes;
        self
    }

    /// How long a client may take to send a request body (default [`DEFAULT_BODY_TIMEOUT`]);
    /// slower is a 408. Serve with [`serve`] for a time limit on the headers as well.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Requests per authenticated owner (a user, or a guest id); over it is a 429
    /// `rate_limited` with `Retry-After`. Default: none.
    pub fn rate_limit_per_owner(mut self, limit: RateLimit) -> Self {
        self.rate_limits.set_per_owner(limit);
        self
    }

    /// Requests per client IP address, counted before authentication (failed attempts too);
    /// over it is a 429 `rate_limited` with `Retry-After`. Default: none. Needs the peer
    /// address: serve with [`serve`] (or axum's `into_make_service_with_connect_info`).
    pub fn rate_limit_per_ip(mut self, limit: RateLimit) -> Self {
        self.rate_limits.set_per_ip(limit);
        self
    }

    /// New guest ids per client IP address: a guest id the server has not seen in the last
    /// 24 hours is new (clients choose their guest ids, so without this one client could be
    /// any number of guests). Over it is a 429 `too_many_guests`. Default: none. Known guests
    /// are remembered in process memory: after a restart every guest counts as new again.
    pub fn new_guests_per_ip(mut self, limit: RateLimit) -> Self {
        self.rate_limits.set_new_guests_per_ip(limit);
        self
    }

    /// At most `n` conversations per owner and conversation route; creating one more is a
    /// 403 `too_many_conversations` (the owner deletes some first). Default: no limit.
    /// Counted from the store before each create, so concurrent creates of one owner may
    /// overshoot by the number racing.
    pub fn max_conversations_per_owner(mut self, n: usize) -> Self {
        self.max_conversations_per_owner = Some(n);
        self
    }

    /// Whether `GET /` serves the chat page (default `true`).
    pub fn chat_page(mut self, enabled: bool) -> Self {
        self.chat_page = enabled;
        self
    }

    /// The axum router serving the routes and endpoints listed in the [module docs](self).
    /// Serve it with `axum::serve`, or `nest`/`merge` it into the application's router.
    pub fn router(self) -> Router {
        let body_limit = self.body_limit;
        let chat_page = self.chat_page;
        let api = Arc::new(self);
        let mut router = Router::new()
            .route("/routes", get(list_routes))
            .route("/openapi.json", get(openapi::document))
            .route("/generations/{route}", post(generate))
            .route("/generations/{route}/stream", post(generate_stream))
            .route(
                "/conversations/{route}",
                post(conversations::create).get(conversations::list),
            )
            .route(
                "/conversations/{route}/{id}",
                get(conversations::get)
                    .patch(conversations::update)
                    .delete(conversations::delete),
            )
            .route(
                "/conversations/{route}/{id}/messages",
                get(conversations::messages).post(conversations::send),
            );
        if chat_page {
            router = router
                .route(
                    "/",
                    get(|| async { Html(include_str!("assets/chat.html")) }),
                )
                .route(
                    "/chat.js",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "text/javascript")],
                            include_str!("assets/chat.js"),
                        )
                    }),
                )
                .route(
                    "/chat.css",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "text/css")],
                            include_str!("assets/chat.css"),
                        )
                    }),
                );
        }
        router
            .fallback(|| async { ApiError::not_found("no such endpoint") })
            .method_not_allowed_fallback(|| async {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "this endpoint does not answer that method",
                )
            })
            .layer(DefaultBodyLimit::max(body_limit))
            .layer(middleware::from_fn_with_state(api.clone(), limit_ip))
            // Outermost, so that every response gets the headers, the errors of the layers
            // inside (413, 405) and the fallback included.
            .layer(middleware::map_response(security_headers))
            .with_state(api)
    }
}

/// The per-IP request limit, before anything else is done for the request.
async fn limit_ip(
    State(api): State<Arc<Api>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    if api.rate_limits.needs_ip() {
        match serve::peer(request.extensions()) {
            Some(peer) => {
                if let Err(error) = api.rate_limits.check_ip(peer.ip()) {
                    return error.into_response();
                }
            }
            None => warn_no_peer_address(),
        }
    }
    next.run(request).await
}

/// Per-IP limits are set but requests carry no peer address: said once, not per request.
fn warn_no_peer_address() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "per-IP limits are set but requests carry no peer address: serve with \
             ai_routes::http::serve (or into_make_service_with_connect_info) to apply them"
        );
    });
}

/// The page's scripts and styles come from this origin only (none is inline, so none needs
/// `'unsafe-inline'`), attached images are `data:` URLs, and the page may not be framed
/// (clickjacking) nor post forms elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Security headers on every response, the API's as well as the page's: a JSON error must not be
/// sniffed into HTML either, and no URL of the API leaks through a `Referer`.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The authenticated caller of a request.
pub struct Caller {
    /// The owner the caller's conversations and spending are scoped to: namespaced by kind
    /// (`user:…`, `guest:…`; see [`Identity::owner`]).
    pub owner: String,
}

impl FromRequestParts<Arc<Api>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        api: &Arc<Api>,
    ) -> Result<Self, Self::Rejection> {
        let identity = api
            .auth
            .authenticate(parts)
            .await
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        let owner = identity.owner();
        api.rate_limits.check_owner(
            &owner,
            identity.kind() == IdentityKind::Guest,
            serve::peer(&parts.extensions).map(|peer| peer.ip()),
        )?;
        Ok(Caller { owner })
    }
}

async fn list_routes(State(api): State<Arc<Api>>, _caller: Caller) -> Json<Value> {
    let generations: Vec<&RouteDescriptor> =
        api.generations.values().map(|g| &g.descriptor).collect();
    let conversations: Vec<Value> = api.conversations.values().map(|c| c.describe()).collect();
    Json(json!({"generations": generations, "conversations": conversations}))
}

async fn generate(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath(route): ApiPath<String>,
    ApiBody(body): ApiBody,
) -> Result<impl IntoResponse, ApiError> {
    let (entry, args) = route_arguments(&api, &route, &body)?;
    let invoke = entry.spec.invoke_json.ok_or_else(|| {
        ApiError::not_found(format!(
            "generation route `{route}` has no JSON entry point"
        ))
    })?;
    // Made for the caller, so that their spending cap and usage cover generations too.
    let generated = invoke(&api.client.for_owner(caller.owner), args).await?;
    Ok((StatusCode::OK, Json(generated_json(&generated))))
}

/// `POST /generations/{route}/stream`: the route as server-sent events, `partial` (the
/// result so far) while its JSON arrives, then `done` (as `POST /generations/{route}`
/// answers) or `error`.
async fn generate_stream(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath(route): ApiPath<String>,
    ApiBody(body): ApiBody,
) -> Result<impl IntoResponse, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures_util::StreamExt as _;
    let (entry, args) = route_arguments(&api, &route, &body)?;
    let stream = entry.spec.stream_json.ok_or_else(|| {
        ApiError::not_found(format!(
            "generation route `{route}` has no JSON entry point"
        ))
    })?;
    // The stream borrows its client: it runs in a task that owns it, and ends when the
    // caller disconnects (its events then have nowhere to go).
    let client = api.client.for_owner(caller.owner);
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut events = stream(&client, args);
        while let Some(event) = events.next().await {
            if sender.send(event).is_err() {
                break;
            }
        }
    });
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    })
    .map(|event| Ok::<Event, std::convert::Infallible>(generation_event(event)));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The generation route a request names, and its arguments (the body, one JSON object),
/// refused with the API's errors when either is wrong or too large.
fn route_arguments<'a>(
    api: &'a Api,
    route: &str,
    body: &[u8],
) -> Result<(&'a GenerationEntry, Value), ApiError> {
    let entry = api
        .generations
        .get(route)
        .ok_or_else(|| ApiError::not_found(format!("no generation route `{route}`")))?;
    check_arguments_size(&entry.spec, body.len())?;
    let args: Value = serde_json::from_slice(if body.is_empty() { b"{}" } else { body })
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    if !args.is_object() {
        return Err(ApiError::bad_request(
            "the body is the route's arguments as one JSON object",
        ));
    }
    Ok((entry, args))
}

/// What `POST /generations/{route}` answers (and its stream's `done` event carries).
fn generated_json(generated: &crate::Generated<Value>) -> Value {
    json!({
        "value": generated.value,
        "usage": generated.usage,
        "stop_reason": generated.stop_reason,
        "latency_ms": generated.latency.as_millis() as u64,
        "attempts": generated.attempts,
        "model_id": generated.model_id,
        "strategy": generated.strategy.as_str(),
    })
}

fn generation_event(
    event: crate::Result<crate::GenerationEvent<Value>>,
) -> axum::response::sse::Event {
    let (kind, data) = match event {
        Ok(crate::GenerationEvent::Partial(partial)) => {
            ("partial", json!({"value": partial.json()}))
        }
        Ok(crate::GenerationEvent::Done(generated)) => ("done", generated_json(&generated)),
        Err(error) => {
            let (status, code) = error::classify(&error);
            (
                "error",
                json!({"code": code, "status": status.as_u16(), "message": error.to_string(), "retryable": error.is_retryable()}),
            )
        }
    };
    axum::response::sse::Event::default()
        .event(kind)
        .data(data.to_string())
}

/// Arguments the route's model cannot hold are refused before the call, with a 413, instead of
/// being sent (and paid for) only for Bedrock to refuse them. The estimate and the room are
/// the ones conversations use ([`ModelSpec::input_room`](crate::model_spec::ModelSpec)); a
/// model the catalog does not know is not checked.
fn check_arguments_size(spec: &GenerationSpec, body_bytes: usize) -> Result<(), ApiError> {
    let model = &spec.model;
    let Some(room) = model.input_room(model.system_prompt.map_or(0, str::len)) else {
        return Ok(());
    };
    let estimated = crate::executor::tokens_for_chars(body_bytes);
    if estimated > room {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "input_too_long",
            format!(
                "the arguments are about {estimated} tokens, and the context of `{}` leaves room \
                 for {room}: shorten them",
                model.invoke_id
            ),
        ));
    }
    Ok(())
}

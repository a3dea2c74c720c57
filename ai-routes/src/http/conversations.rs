//! Conversation endpoints, over any conversation route (type-erased by [`ConversationApi`]).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use futures_util::future::BoxFuture;
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{classify, ApiError};
use super::extract::{ApiBody, ApiPath, ApiQuery};
use super::{Api, Caller};
use crate::conversation::{
    ConversationRecord, ConversationRoute, StoredMessage, TurnEvent, TurnStream,
};
use crate::store::{
    CappedField, ConversationPatch, MessageOrder, Page, MAX_METADATA_BYTES, MAX_NAME_BYTES,
};
use crate::{ClientTool, CreateConversation, Document, Image, Result, UserMessage};

/// A conversation route seen without its state type, so routes with different states can be
/// served by one router.
pub trait ConversationApi: Send + Sync + 'static {
    /// The route's name, the path segment it is served under.
    fn name(&self) -> &'static str;
    /// The route's description for `GET /routes` (name, doc, model and settings, as JSON).
    fn describe(&self) -> Value;
    /// Creates a conversation for `owner` ([`ConversationRoute::create`]).
    fn create<'a>(
        &'a self,
        owner: &'a str,
        request: CreateConversation,
    ) -> BoxFuture<'a, Result<ConversationRecord>>;
    /// Lists the owner's conversations ([`ConversationRoute::list`]).
    fn list<'a>(
        &'a self,
        owner: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>>>;
    /// Reads one conversation ([`ConversationRoute::get`]).
    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<ConversationRecord>>;
    /// Renames it or replaces its metadata ([`ConversationRoute::update`]).
    fn update<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord>>;
    /// Deletes it ([`ConversationRoute::delete`]).
    fn delete<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<()>>;
    /// A page of its messages ([`Conversation::messages`](crate::Conversation::messages)).
    fn messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>>>;
    /// Sends a message and streams the turn ([`Conversation::send`](crate::Conversation::send)).
    fn send<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        message: UserMessage,
    ) -> BoxFuture<'a, Result<TurnStream>>;
}

impl<S: Send + Sync + 'static> ConversationApi for ConversationRoute<S> {
    fn name(&self) -> &'static str {
        self.spec().name
    }

    fn describe(&self) -> Value {
        let spec = self.spec();
        json!({
            "name": spec.name,
            "doc": spec.doc,
            "model": spec.model.model,
            "model_id": spec.model.invoke_id,
            "stream": spec.stream,
            "max_steps": spec.max_steps,
            "tools": self.inner.tools.names(),
        })
    }

    fn create<'a>(
        &'a self,
        owner: &'a str,
        request: CreateConversation,
    ) -> BoxFuture<'a, Result<ConversationRecord>> {
        Box::pin(async move {
            let conversation = ConversationRoute::create(self, owner, request).await?;
            ConversationRoute::get(self, owner, conversation.id()).await
        })
    }

    fn list<'a>(
        &'a self,
        owner: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>>> {
        Box::pin(ConversationRoute::list(self, owner, limit, cursor))
    }

    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<ConversationRecord>> {
        Box::pin(ConversationRoute::get(self, owner, id))
    }

    fn update<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord>> {
        Box::pin(ConversationRoute::update(self, owner, id, patch))
    }

    fn delete<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(ConversationRoute::delete(self, owner, id))
    }

    fn messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>>> {
        Box::pin(async move {
            self.conversation(id)
                .messages(owner, order, limit, cursor)
                .await
        })
    }

    fn send<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        message: UserMessage,
    ) -> BoxFuture<'a, Result<TurnStream>> {
        Box::pin(async move { self.conversation(id).send(owner, message).await })
    }
}

fn route(api: &Api, name: &str) -> std::result::Result<Arc<dyn ConversationApi>, ApiError> {
    api.conversations
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no conversation route `{name}`")))
}

fn page_json<T: serde::Serialize>(page: Page<T>) -> Value {
    json!({"items": page.items, "next": page.next})
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> std::result::Result<T, ApiError> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: Option<String>,
    metadata: Option<Value>,
}

/// The store's caps, checked here too so that a custom store without them is covered.
fn check_name_and_metadata(body: &CreateBody) -> std::result::Result<(), ApiError> {
    let too_large = |field: CappedField, bytes: usize, max: usize| {
        ApiError::too_large(format!(
            "the {field} is {bytes} bytes; at most {max} are accepted"
        ))
    };
    if let Some(name) = &body.name {
        if name.len() > MAX_NAME_BYTES {
            return Err(too_large(CappedField::Name, name.len(), MAX_NAME_BYTES));
        }
    }
    if let Some(metadata) = &body.metadata {
        let bytes = metadata.to_string().len();
        if bytes > MAX_METADATA_BYTES {
            return Err(too_large(CappedField::Metadata, bytes, MAX_METADATA_BYTES));
        }
    }
    Ok(())
}

/// Fewer than [`Api::max_conversations_per_owner`] conversations on this route, counted
/// from the store page by page.
async fn check_conversation_cap(
    api: &Api,
    route: &dyn ConversationApi,
    owner: &str,
) -> std::result::Result<(), ApiError> {
    let Some(max) = api.max_conversations_per_owner else {
        return Ok(());
    };
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = route
            .list(owner, max.clamp(1, 1000), cursor.as_deref())
            .await?;
        count += page.items.len();
        if count >= max {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "too_many_conversations",
                format!("at most {max} conversations are kept per owner; delete some first"),
            ));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// A listing's `limit` within `1..=max_page_size`.
fn page_limit(
    api: &Api,
    limit: Option<usize>,
    default: usize,
) -> std::result::Result<usize, ApiError> {
    let limit = limit.unwrap_or(default.min(api.max_page_size));
    if limit == 0 || limit > api.max_page_size {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            format!(
                "`limit` must be between 1 and {}, got {limit}",
                api.max_page_size
            ),
        ));
    }
    Ok(limit)
}

pub(super) async fn create(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiBody(body): ApiBody,
) -> std::result::Result<impl IntoResponse, ApiError> {
    let body: CreateBody = parse(&body)?;
    check_name_and_metadata(&body)?;
    let route = route(&api, &name)?;
    check_conversation_cap(&api, route.as_ref(), &caller.owner).await?;
    let record = route
        .create(
            &caller.owner,
            CreateConversation {
                name: body.name,
                metadata: body.metadata,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    limit: Option<usize>,
    cursor: Option<String>,
    order: Option<String>,
}

pub(super) async fn list(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> std::result::Result<Json<Value>, ApiError> {
    let limit = page_limit(&api, query.limit, 20)?;
    let page = route(&api, &name)?
        .list(&caller.owner, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(page_json(page)))
}

pub(super) async fn get(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath((name, id)): ApiPath<(String, String)>,
) -> std::result::Result<Json<ConversationRecord>, ApiError> {
    Ok(Json(route(&api, &name)?.get(&caller.owner, &id).await?))
}

pub(super) async fn update(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath((name, id)): ApiPath<(String, String)>,
    ApiBody(body): ApiBody,
) -> std::result::Result<Json<ConversationRecord>, ApiError> {
    let body: CreateBody = parse(&body)?;
    check_name_and_metadata(&body)?;
    let patch = ConversationPatch {
        name: body.name,
        metadata: body.metadata,
    };
    Ok(Json(
        route(&api, &name)?
            .update(&caller.owner, &id, patch)
            .await?,
    ))
}

pub(super) async fn delete(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath((name, id)): ApiPath<(String, String)>,
) -> std::result::Result<StatusCode, ApiError> {
    route(&api, &name)?.delete(&caller.owner, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn messages(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath((name, id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> std::result::Result<Json<Value>, ApiError> {
    let order = match query.order.as_deref() {
        None | Some("oldest") => MessageOrder::Oldest,
        Some("newest") => MessageOrder::Newest,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`order` is `oldest` or `newest`, not `{other}`"
            )))
        }
    };
    let limit = page_limit(&api, query.limit, 50)?;
    let page = route(&api, &name)?
        .messages(&caller.owner, &id, order, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(page_json(page)))
}

/// The body of `POST .../messages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    text: Option<String>,
    #[serde(default)]
    images: Vec<Image>,
    #[serde(default)]
    documents: Vec<Document>,
    ai_context: Option<Value>,
    #[serde(default)]
    client_tools: Vec<ClientToolBody>,
    #[serde(default)]
    tool_results: Vec<ToolResultBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientToolBody {
    name: String,
    description: String,
    input_schema: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolResultBody {
    tool_use_id: String,
    content: Option<Value>,
    error: Option<String>,
}

impl SendBody {
    /// Text and `ai_context` within `max` bytes: both reach the model on this turn and on
    /// every later one.
    fn check_text_size(&self, max: usize) -> std::result::Result<(), ApiError> {
        let bytes = self.text.as_ref().map_or(0, String::len)
            + self.ai_context.as_ref().map_or(0, |c| c.to_string().len());
        if bytes > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "message_too_large",
                format!("the message's text and ai_context are {bytes} bytes; at most {max} are accepted"),
            ));
        }
        Ok(())
    }

    fn into_message(self) -> UserMessage {
        let mut message = match self.text {
            Some(text) => UserMessage::text(text),
            None => UserMessage::empty(),
        };
        for image in self.images {
            message = message.image(image);
        }
        for document in self.documents {
            message = message.document(document);
        }
        if let Some(context) = self.ai_context {
            message = message.ai_context(context);
        }
        for tool in self.client_tools {
            message = message.client_tool(ClientTool {
                name: tool.name,
                description: tool.description,
                input_schema: tool.input_schema,
            });
        }
        for result in self.tool_results {
            let outcome = match result.error {
                Some(error) => Err(error),
                None => Ok(result.content.unwrap_or(Value::Null)),
            };
            message = message.tool_result(result.tool_use_id, outcome);
        }
        message
    }
}

/// Sends a message and answers with the turn as Server-Sent Events. If the client goes away,
/// mid-stream or before the turn has even started, the turn still runs to the end and is
/// persisted.
pub(super) async fn send(
    State(api): State<Arc<Api>>,
    caller: Caller,
    ApiPath((name, id)): ApiPath<(String, String)>,
    ApiBody(body): ApiBody,
) -> std::result::Result<impl IntoResponse, ApiError> {
    let body: SendBody = parse(&body)?;
    body.check_text_size(api.max_message_text_bytes)?;
    let route = route(&api, &name)?;
    let message = body.into_message();
    // The server drops this request future when the client disconnects. Started in a task of
    // its own, `send` completes anyway: a user message it stores is always followed by its
    // turn, since a `TurnStream` nobody awaits any more (the task's output, dropped) hands the
    // turn to the runtime.
    let turn = tokio::spawn(async move { route.send(&caller.owner, &id, message).await })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "starting a turn failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the turn could not be started",
            )
        })??;
    let events = turn.map(|event| Ok::<Event, Infallible>(sse_event(event)));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn sse_event(event: TurnEvent) -> Event {
    let (kind, data) = match event {
        TurnEvent::TextDelta { text } => ("text_delta", json!({"text": text})),
        TurnEvent::ReasoningDelta { text } => ("reasoning_delta", json!({"text": text})),
        TurnEvent::ReasoningRedacted => ("reasoning_delta", json!({"redacted": true})),
        TurnEvent::Citations { citations } => ("citations", json!({"citations": citations})),
        TurnEvent::ToolUse {
            id,
            name,
            input,
            client,
        } => (
            "tool_use",
            json!({"id": id, "name": name, "input": input, "client": client}),
        ),
        TurnEvent::ToolResult {
            tool_use_id,
            name,
            status,
            content,
        } => (
            "tool_result",
            json!({"tool_use_id": tool_use_id, "name": name, "status": status, "content": content}),
        ),
        TurnEvent::TurnDone {
            stop_reason,
            usage,
            steps,
            message_count,
        } => (
            "turn_done",
            json!({"stop_reason": stop_reason, "usage": usage, "steps": steps, "message_count": message_count}),
        ),
        TurnEvent::Error(error) => {
            let (status, code) = classify(&error);
            (
                "error",
                json!({"code": code, "status": status.as_u16(), "message": error.to_string(), "retryable": error.is_retryable()}),
            )
        }
    };
    Event::default().event(kind).data(data.to_string())
}

//! Conversation routes: multi-turn chats with a tool-use loop, streamed answers and
//! persisted, owner-scoped history.
//!
//! `#[conversation]` declares a route type; its `new(client, store, state)` gives a
//! [`ConversationRoute`]. A turn ([`Conversation::send`]) stores the user message, calls the
//! model (ConverseStream, or Converse with `stream = false`), runs the tools it asks for
//! concurrently, feeds their results back, and stops at `end_turn`, `max_tokens`,
//! `max_steps` or an error, persisting every message so the history is always valid.

pub(crate) mod convert;
mod events;
mod history;
mod message;
mod turn;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub use events::{TurnEvent, TurnReply, TurnStream};
pub use message::{
    ContentPart, ConversationRecord, NewMessage, Role, StoredMessage, ToolStatus,
    REJECTED_STOP_REASON,
};

use crate::error::{Error, Result};
use crate::model_spec::ModelSpec;
use crate::store::{
    ConversationPatch, ConversationStore, MessageOrder, NewConversation, Page, StoreError,
};
use crate::tool::ToolSet;
use crate::{Client, Document, Image};

/// Everything a conversation route declares, as constants (emitted by the macro; not a
/// public API: read a route through [`RouteInfo`](crate::RouteInfo)).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ConversationSpec {
    /// The route's name (its type's name).
    pub name: &'static str,
    /// The declaration's doc comment.
    pub doc: &'static str,
    /// The model and how it is called.
    pub model: ModelSpec,
    /// Cap on model calls per turn.
    pub max_steps: u32,
    /// ConverseStream (`true`) or Converse.
    pub stream: bool,
    /// Deadline of one turn (model calls, retries and tools).
    pub turn_timeout_ms: Option<u64>,
    /// `strict_tools`: every tool is sent strict (where the model has strict tools).
    pub strict_tools: bool,
}

impl ConversationSpec {
    /// The spec of a declaration whose attribute has errors (see [`ModelSpec::UNAVAILABLE`]).
    pub const fn unavailable(name: &'static str) -> Self {
        ConversationSpec {
            name,
            doc: "",
            model: ModelSpec::UNAVAILABLE,
            max_steps: 1,
            stream: false,
            turn_timeout_ms: None,
            strict_tools: false,
        }
    }
}

/// The name and metadata of a new conversation, for [`ConversationRoute::create`]; both are
/// optional (`CreateConversation::default()`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateConversation {
    /// A display name (e.g. a chat title); `None` for none.
    pub name: Option<String>,
    /// Application data to keep with the conversation (any JSON); `None` for none.
    pub metadata: Option<Value>,
}

/// A tool the caller declares with a message and runs itself: when the model calls it the
/// turn ends with a [`TurnEvent::ToolUse`] (`client: true`) and the next message carries
/// the result ([`UserMessage::tool_result`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTool {
    /// The tool's name, unique within the turn's tools: a letter, then letters, digits, `_`
    /// or `-`, at most 64 characters (see [`valid_tool_name`](crate::valid_tool_name)).
    /// Checked when the message is sent ([`Error::InvalidInput`]).
    pub name: String,
    /// What the tool does, for the model to decide when to call it.
    pub description: String,
    /// A JSON schema of type `object`.
    pub input_schema: Value,
}

/// A user message: text, images, documents, tool results and optional `ai_context`.
#[derive(Debug, Clone, Default)]
pub struct UserMessage {
    pub(crate) text: Option<String>,
    pub(crate) images: Vec<Image>,
    pub(crate) documents: Vec<Document>,
    pub(crate) ai_context: Option<Value>,
    pub(crate) client_tools: Vec<ClientTool>,
    pub(crate) tool_results: Vec<(String, std::result::Result<Value, String>)>,
}

impl UserMessage {
    /// A message with this text.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A message that only answers client-side tool calls.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Attaches an image (sent as an image block before the text; the model must accept
    /// image input).
    pub fn image(mut self, image: Image) -> Self {
        self.images.push(image);
        self
    }

    /// Attaches a document (sent as a document block before the text; the model must support
    /// document chat).
    pub fn document(mut self, document: Document) -> Self {
        self.documents.push(document);
        self
    }

    /// Context for the model (e.g. the page the user is on), sent as an extra text block.
    pub fn ai_context(mut self, context: Value) -> Self {
        self.ai_context = Some(context);
        self
    }

    /// Declares a client-side tool for this turn: the model may call it, and the turn then ends
    /// with the call for the caller to run.
    pub fn client_tool(mut self, tool: ClientTool) -> Self {
        self.client_tools.push(tool);
        self
    }

    /// The result of a client-side tool call: `Ok(json)` or `Err(message)`.
    pub fn tool_result(
        mut self,
        tool_use_id: impl Into<String>,
        result: std::result::Result<Value, String>,
    ) -> Self {
        self.tool_results.push((tool_use_id.into(), result));
        self
    }
}

impl From<&str> for UserMessage {
    fn from(text: &str) -> Self {
        UserMessage::text(text)
    }
}

impl From<String> for UserMessage {
    fn from(text: String) -> Self {
        UserMessage::text(text)
    }
}

pub(crate) struct RouteInner<S> {
    pub(crate) spec: ConversationSpec,
    pub(crate) client: Client,
    pub(crate) store: Arc<dyn ConversationStore>,
    pub(crate) state: Arc<S>,
    pub(crate) tools: ToolSet<S>,
    /// Conversations with a turn in progress in this process, by owner and id.
    pub(crate) busy: Mutex<HashSet<(String, String)>>,
}

/// A conversation route bound to a client, a store and the application state its tools use.
pub struct ConversationRoute<S> {
    pub(crate) inner: Arc<RouteInner<S>>,
}

impl<S> Clone for ConversationRoute<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Send + Sync + 'static> ConversationRoute<S> {
    /// Binds the route declared as `spec` (a `#[conversation]` type's `SPEC` constant) to a
    /// client, a store, the application state and the tools. Usually called through the
    /// `new` the macro generates on the route type (`ShopAssistant::new(ai, store, state)`),
    /// which passes the route's own spec and declared tools.
    pub fn new(
        spec: ConversationSpec,
        client: Client,
        store: impl ConversationStore,
        state: S,
        tools: ToolSet<S>,
    ) -> Self {
        Self::with_shared_store(spec, client, Arc::new(store), state, tools)
    }

    /// Like [`ConversationRoute::new`], with a store that is already shared (e.g. by several routes).
    pub fn with_shared_store(
        spec: ConversationSpec,
        client: Client,
        store: Arc<dyn ConversationStore>,
        state: S,
        tools: ToolSet<S>,
    ) -> Self {
        Self {
            inner: Arc::new(RouteInner {
                spec,
                client,
                store,
                state: Arc::new(state),
                tools,
                busy: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// The route's declaration (name, model, settings).
    #[doc(hidden)]
    pub fn spec(&self) -> &ConversationSpec {
        &self.inner.spec
    }

    /// The store behind the route.
    pub fn store(&self) -> &Arc<dyn ConversationStore> {
        &self.inner.store
    }

    /// Starts a conversation for `owner`.
    pub async fn create(
        &self,
        owner: &str,
        request: CreateConversation,
    ) -> Result<Conversation<S>> {
        check_owner(owner)?;
        let record = self
            .inner
            .store
            .create_conversation(NewConversation {
                owner: owner.into(),
                route: self.inner.spec.name.into(),
                name: request.name,
                metadata: request.metadata,
            })
            .await
            .map_err(Error::from)?;
        Ok(self.conversation(record.id))
    }

    /// A handle on an existing conversation (ownership is checked on each call).
    pub fn conversation(&self, id: impl Into<String>) -> Conversation<S> {
        Conversation {
            route: self.clone(),
            id: id.into(),
        }
    }

    /// The owner's conversations on this route, most recently active first.
    pub async fn list(
        &self,
        owner: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<ConversationRecord>> {
        Ok(self
            .inner
            .store
            .list_conversations(owner, self.inner.spec.name, limit, cursor)
            .await?)
    }

    /// The owner's conversation `id` of this route. Fails with [`Error::ConversationNotFound`]
    /// when it does not exist, belongs to another owner or to another route.
    pub async fn get(&self, owner: &str, id: &str) -> Result<ConversationRecord> {
        let record = self.inner.store.get_conversation(owner, id).await?;
        if record.route != self.inner.spec.name {
            return Err(Error::ConversationNotFound(id.into()));
        }
        Ok(record)
    }

    /// Renames the conversation or replaces its metadata (fields left `None` in `patch` are kept).
    /// Fails with [`Error::ConversationNotFound`] as [`ConversationRoute::get`] does.
    pub async fn update(
        &self,
        owner: &str,
        id: &str,
        patch: ConversationPatch,
    ) -> Result<ConversationRecord> {
        self.get(owner, id).await?;
        Ok(self
            .inner
            .store
            .update_conversation(owner, id, patch)
            .await?)
    }

    /// Deletes the conversation and its messages. Fails with [`Error::ConversationNotFound`] as
    /// [`ConversationRoute::get`] does.
    pub async fn delete(&self, owner: &str, id: &str) -> Result<()> {
        self.get(owner, id).await?;
        Ok(self.inner.store.delete_conversation(owner, id).await?)
    }
}

/// A handle on one conversation of a route, from [`ConversationRoute::create`] or
/// [`ConversationRoute::conversation`]. It holds the route and the ID only; the owner passed
/// to each call is checked against the stored conversation.
pub struct Conversation<S> {
    route: ConversationRoute<S>,
    id: String,
}

impl<S: Send + Sync + 'static> Conversation<S> {
    /// The conversation's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sends a message and streams the turn's events. The turn runs in the background and
    /// is persisted even if the returned stream is dropped. A second `send` on the same
    /// conversation while a turn runs is rejected with [`Error::ConversationBusy`].
    pub async fn send(&self, owner: &str, message: impl Into<UserMessage>) -> Result<TurnStream> {
        turn::start(self.route.inner.clone(), owner, &self.id, message.into()).await
    }

    /// A page of the conversation's messages.
    pub async fn messages(
        &self,
        owner: &str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<StoredMessage>> {
        self.route.get(owner, &self.id).await?;
        Ok(self
            .route
            .inner
            .store
            .list_messages(owner, &self.id, order, limit, cursor)
            .await?)
    }
}

fn check_owner(owner: &str) -> Result<()> {
    if owner.trim().is_empty() {
        return Err(Error::InvalidInput("the owner is empty".into()));
    }
    Ok(())
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(id) => Error::ConversationNotFound(id),
            StoreError::Conflict {
                conversation_id, ..
            } => Error::ConversationBusy(conversation_id),
            other => Error::Store(other),
        }
    }
}

/// What a conversation's tool must be: a tool whose handler takes the conversation's state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool of a conversation whose state is `{S}`",
    label = "not a tool for state `{S}`",
    note = "list `#[tool]` fns or `#[derive(Tool)]` types whose `ToolHandler` state is the conversation's `state = ...` (stateless tools fit any state)"
)]
pub trait ConversationTool<S>: crate::tool::ToolHandler<S> {}
impl<S, T: crate::tool::ToolHandler<S>> ConversationTool<S> for T {}

#[doc(hidden)]
pub fn assert_conversation_tool<T: ConversationTool<S>, S>() {}

/// String equality usable in constants (for the duplicate-tool-name check).
#[doc(hidden)]
pub const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

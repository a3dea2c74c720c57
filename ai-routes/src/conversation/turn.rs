//! One turn: store the user message, then call the model, run tools and store their
//! results until the model ends its turn (or `max_steps`, or an error).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::types::{
    ConversationRole, Message, StopReason, Tool, ToolConfiguration, ToolInputSchema,
    ToolSpecification,
};
use serde_json::Value;
use tracing::Instrument as _;

use super::convert::{document_part, estimate_tokens, image_part, to_block};
use super::events::{event_queue, EventSender, TurnEvent, TurnStream};
use super::history::{load_window, normalise};
use super::message::{
    ContentPart, NewMessage, Role, StoredMessage, ToolStatus, REJECTED_STOP_REASON,
};
use super::{ClientTool, RouteInner, UserMessage};
use crate::document::to_document;
use crate::error::{Error, Result};
use crate::executor::{CallInfo, Delivery, Delta, Failure, Reply, Request};
use crate::metering::RouteKind;
use crate::usage::Usage;

/// Context window assumed for a model the catalog does not know.
const UNKNOWN_CONTEXT_WINDOW: u32 = 128_000;
/// Maximum output assumed for a model the catalog does not know.
const UNKNOWN_MAX_OUTPUT: u32 = 4_096;

/// Removes the conversation from the route's busy set when the turn ends, however it ends.
/// Keyed by owner and id: a caller naming someone else's conversation never holds (or sees)
/// the owner's entry.
struct BusyGuard<S> {
    inner: Arc<RouteInner<S>>,
    key: (String, String),
}

impl<S> BusyGuard<S> {
    fn acquire(inner: &Arc<RouteInner<S>>, owner: &str, id: &str) -> Result<Self> {
        let key = (owner.to_string(), id.to_string());
        let mut busy = inner.busy.lock().expect("busy set");
        if !busy.insert(key.clone()) {
            return Err(Error::ConversationBusy(id.to_string()));
        }
        Ok(Self {
            inner: inner.clone(),
            key,
        })
    }
}

impl<S> Drop for BusyGuard<S> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.inner.busy.lock() {
            busy.remove(&self.key);
        }
    }
}

/// What the route's model can hold, minus the answer, the system prompt and the tools.
fn history_budget<S>(inner: &RouteInner<S>, client_tools: &[ClientTool]) -> u64 {
    let spec = &inner.spec.model;
    let fixed_chars =
        spec.system_prompt.map(str::len).unwrap_or(0) + tool_chars(inner, client_tools);
    spec.input_room(fixed_chars).unwrap_or_else(|| {
        spec.input_room_within(UNKNOWN_CONTEXT_WINDOW, UNKNOWN_MAX_OUTPUT, fixed_chars)
    })
}

/// What the tools of a turn count in estimates: 400 characters per declared tool, and the
/// client tools' descriptions and schemas.
fn tool_chars<S>(inner: &RouteInner<S>, client_tools: &[ClientTool]) -> usize {
    inner.tools.names().len() * 400
        + client_tools
            .iter()
            .map(|t| t.description.len() + t.input_schema.to_string().len())
            .sum::<usize>()
}

pub(crate) async fn start<S: Send + Sync + 'static>(
    inner: Arc<RouteInner<S>>,
    owner: &str,
    id: &str,
    message: UserMessage,
) -> Result<TurnStream> {
    if owner.trim().is_empty() {
        return Err(Error::InvalidInput("the owner is empty".into()));
    }
    // Refused before anything is stored or sent.
    inner.client.check_spending_cap(Some(owner)).await?;
    // Ownership before the busy check: another owner gets "not found", never "busy" (which
    // would tell them the conversation exists). A turn that ends between this read and the
    // guard leaves `message_count` stale; the store's conditional append then refuses this
    // send as busy, which it was.
    let record = inner.store.get_conversation(owner, id).await?;
    if record.route != inner.spec.name {
        return Err(Error::ConversationNotFound(id.into()));
    }
    let guard = BusyGuard::acquire(&inner, owner, id)?;
    let budget = history_budget(&inner, &message.client_tools);
    let user = user_message(&message)?;
    if u64::from(user.estimated_tokens) > budget {
        return Err(Error::MessageTooLarge {
            estimated_tokens: user.estimated_tokens as u64,
            limit_tokens: budget,
        });
    }
    // A new conversation has no history to read.
    let mut window = if record.message_count == 0 {
        Vec::new()
    } else {
        load_window(
            inner.store.as_ref(),
            owner,
            id,
            budget - u64::from(user.estimated_tokens),
        )
        .await?
    };
    check_tool_results(&window, &message)?;
    let stored = inner
        .store
        .append_messages(owner, id, record.message_count, vec![user])
        .await?;
    let count = record.message_count + stored.len() as u64;
    window.extend(stored);

    // Unbounded: the turn produces events only while its stream is polled (or, detached,
    // into a queue that drops them), so they never pile up beyond one turn's worth.
    let events = event_queue();
    let span = tracing::info_span!(
        "conversation_turn",
        "otel.name" = format!("conversation_turn {}", inner.spec.name),
        "ai_routes.route" = inner.spec.name,
        "gen_ai.system" = "aws.bedrock",
        "gen_ai.operation.name" = "chat",
        "gen_ai.conversation.id" = id,
        "gen_ai.request.model" = inner.spec.model.invoke_id,
        "gen_ai.request.max_tokens" = inner.spec.model.max_tokens,
        "gen_ai.response.finish_reasons" = tracing::field::Empty,
        "gen_ai.usage.input_tokens" = tracing::field::Empty,
        "gen_ai.usage.output_tokens" = tracing::field::Empty,
        "ai_routes.steps" = tracing::field::Empty,
        "ai_routes.cost_usd" = tracing::field::Empty,
        "error.type" = tracing::field::Empty,
    );
    let deadline = inner.spec.turn_timeout_ms.map(|ms| {
        (
            Instant::now() + Duration::from_millis(ms),
            format!("turn_timeout_ms = {ms}"),
        )
    });
    let turn = Turn {
        inner,
        owner: owner.to_string(),
        id: id.to_string(),
        count,
        has_attachments: !message.images.is_empty() || !message.documents.is_empty(),
        client_tools: message.client_tools,
        events: events.clone(),
        deadline,
    };
    let finished = events.finish_on_drop();
    let turn = async move {
        // Dropped when the turn ends, however it ends: the conversation is free again and
        // the stream ends after the queued events.
        let _guards = (guard, finished);
        turn.run(window).await;
    }
    .instrument(span);
    Ok(TurnStream::new(&events, Box::pin(turn)))
}

fn user_message(message: &UserMessage) -> Result<NewMessage> {
    let mut content = Vec::new();
    for (tool_use_id, result) in &message.tool_results {
        let (status, content_value) = match result {
            Ok(value) => (ToolStatus::Success, value.clone()),
            Err(error) => (ToolStatus::Error, Value::String(error.clone())),
        };
        content.push(ContentPart::ToolResult {
            tool_use_id: tool_use_id.clone(),
            status,
            content: content_value,
        });
    }
    // Every attachment is checked before anything is stored: a file Bedrock refuses would
    // otherwise stay in the history and be sent again with every later message.
    crate::media::check_counts(message.images.len(), message.documents.len())?;
    for image in &message.images {
        image.validate()?;
        content.push(image_part(image));
    }
    for document in &message.documents {
        content.push(document_part(document)?);
    }
    if let Some(text) = &message.text {
        if text.trim().is_empty() {
            return Err(Error::InvalidInput("the message text is empty".into()));
        }
        content.push(ContentPart::text(text.clone()));
    }
    if content.is_empty() {
        return Err(Error::InvalidInput(
            "the message is empty: send text, media or tool results".into(),
        ));
    }
    for tool in &message.client_tools {
        if !ai_routes_catalog::valid_tool_name(&tool.name) {
            return Err(Error::InvalidInput(format!(
                "client tool name `{}` is not a valid Bedrock tool name: {}",
                tool.name,
                ai_routes_catalog::TOOL_NAME_RULE
            )));
        }
        if tool.input_schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(Error::InvalidInput(format!(
                "client tool `{}`: the input schema must be of type object",
                tool.name
            )));
        }
    }
    let estimated_tokens = estimate_tokens(&content, message.ai_context.as_ref());
    Ok(NewMessage {
        role: Role::User,
        content,
        ai_context: message.ai_context.clone(),
        stop_reason: None,
        usage: None,
        model_id: None,
        incomplete: false,
        estimated_tokens,
    })
}

/// Client-side tool calls left open by the last turn must be answered by this message, and
/// only those.
fn check_tool_results(window: &[StoredMessage], message: &UserMessage) -> Result<()> {
    let mut pending: Vec<String> = Vec::new();
    if let Some(at) = window
        .iter()
        .rposition(|m| m.role == Role::Assistant && !m.incomplete)
    {
        let answered: HashSet<&str> = window[at + 1..]
            .iter()
            .flat_map(|m| &m.content)
            .filter_map(|p| match p {
                ContentPart::ToolResult { tool_use_id, .. } => Some(tool_use_id.as_str()),
                _ => None,
            })
            .collect();
        pending = window[at]
            .content
            .iter()
            .filter_map(|p| match p {
                ContentPart::ToolUse { id, .. } if !answered.contains(id.as_str()) => {
                    Some(id.clone())
                }
                _ => None,
            })
            .collect();
    }
    let given: HashSet<&str> = message
        .tool_results
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    if let Some(unknown) = given.iter().find(|id| !pending.iter().any(|p| p == *id)) {
        return Err(Error::InvalidInput(format!(
            "tool result for `{unknown}`, which is not an open client tool call"
        )));
    }
    let missing: Vec<String> = pending
        .into_iter()
        .filter(|id| !given.contains(id.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(Error::ToolResultsExpected {
            tool_use_ids: missing,
        });
    }
    Ok(())
}

struct Turn<S> {
    inner: Arc<RouteInner<S>>,
    owner: String,
    id: String,
    count: u64,
    client_tools: Vec<ClientTool>,
    events: EventSender,
    /// When the turn must be over (`turn_timeout_ms`).
    deadline: Option<(Instant, String)>,
    /// The user message of this turn carries images or documents.
    has_attachments: bool,
}

impl<S: Send + Sync + 'static> Turn<S> {
    async fn emit(&self, event: TurnEvent) {
        // A caller that stopped listening does not stop the turn.
        self.events.send(event);
    }

    async fn run(mut self, mut window: Vec<StoredMessage>) {
        let spec = self.inner.spec;
        let client_names: HashSet<String> =
            self.client_tools.iter().map(|t| t.name.clone()).collect();
        let mut declared: HashSet<String> = self
            .inner
            .tools
            .names()
            .into_iter()
            .map(str::to_string)
            .collect();
        declared.extend(client_names.iter().cloned());
        let tool_config = match self.tool_config() {
            Ok(config) => config,
            Err(error) => return self.emit(TurnEvent::Error(error)).await,
        };
        let tool_chars = tool_chars(&self.inner, &self.client_tools);
        let mut total = Usage::default();

        for step_number in 1..=spec.max_steps {
            let messages = match self.request_messages(&window, &declared) {
                Ok(messages) => messages,
                Err(error) => return self.emit(TurnEvent::Error(error)).await,
            };
            let request = Request {
                messages: &messages,
                tool_config: tool_config.as_ref(),
                output_config: None,
                input_tokens: window
                    .iter()
                    .map(|m| u64::from(m.estimated_tokens))
                    .sum::<u64>(),
                tool_chars,
                // The history is sent again next step and next turn: its end is worth caching.
                cache_messages: true,
            };
            let reply = match self.call_model(request).await {
                Ok(reply) => reply,
                Err(failure) => {
                    return self
                        .fail(failure.error, failure.partial, failure.usage, step_number)
                        .await
                }
            };
            total += reply.usage;
            if reply.stop_reason == StopReason::ModelContextWindowExceeded {
                // What the model wrote before its context filled is kept, marked incomplete.
                let error = Error::ContextWindowExceeded {
                    model_id: spec.model.invoke_id.to_string(),
                    context_window: spec.model.catalog_model().map_or(0, |m| m.context_window),
                };
                return self
                    .fail(error, reply.content, reply.usage, step_number)
                    .await;
            }
            let uses: Vec<(String, String, Value)> = reply
                .content
                .iter()
                .filter_map(|p| match p {
                    ContentPart::ToolUse { id, name, input } => {
                        Some((id.clone(), name.clone(), input.clone()))
                    }
                    _ => None,
                })
                .collect();
            let stop_reason = reply.stop_reason.as_str().to_string();
            let assistant = self.assistant_message(reply.content, &stop_reason, reply.usage, false);
            if reply.stop_reason != StopReason::ToolUse || uses.is_empty() {
                if let Err(error) = self
                    .append(&mut window, assistant.into_iter().collect())
                    .await
                {
                    return self.emit(TurnEvent::Error(error)).await;
                }
                if reply.stop_reason == StopReason::GuardrailIntervened {
                    tracing::warn!(
                        route = spec.name,
                        guardrail = spec.model.guardrail.unwrap_or_default(),
                        "guardrail intervened; the turn ends with its message"
                    );
                    // The trace quotes the content: only with content logging.
                    if self.inner.client.settings().log_content && !reply.trace.is_null() {
                        tracing::info!(trace = %reply.trace, "guardrail trace");
                    }
                }
                return self.done(stop_reason, total, step_number).await;
            }

            let mut server_uses = Vec::new();
            let mut client_open = false;
            for (id, name, input) in uses {
                let client = client_names.contains(&name);
                client_open |= client;
                self.emit(TurnEvent::ToolUse {
                    id: id.clone(),
                    name: name.clone(),
                    input: input.clone(),
                    client,
                })
                .await;
                if !client {
                    server_uses.push((id, name, input));
                }
            }
            let results = self.run_tools(server_uses).await;
            let mut result_parts = Vec::with_capacity(results.len());
            for (tool_use_id, name, status, content) in results {
                self.emit(TurnEvent::ToolResult {
                    tool_use_id: tool_use_id.clone(),
                    name,
                    status,
                    content: content.clone(),
                })
                .await;
                result_parts.push(ContentPart::ToolResult {
                    tool_use_id,
                    status,
                    content,
                });
            }
            let mut messages: Vec<NewMessage> = assistant.into_iter().collect();
            if !result_parts.is_empty() {
                let estimated_tokens = estimate_tokens(&result_parts, None);
                messages.push(NewMessage {
                    role: Role::User,
                    content: result_parts,
                    ai_context: None,
                    stop_reason: None,
                    usage: None,
                    model_id: None,
                    incomplete: false,
                    estimated_tokens,
                });
            }
            // The toolUse and its results are stored together: history never holds a
            // dangling toolUse of a server-side tool.
            if let Err(error) = self.append(&mut window, messages).await {
                return self.emit(TurnEvent::Error(error)).await;
            }
            if client_open {
                return self.done("tool_use".into(), total, step_number).await;
            }
        }
        self.done("max_steps".into(), total, spec.max_steps).await
    }

    /// Runs the server-side tools concurrently, results in call order; past the turn's
    /// deadline each unfinished one gets an error result, so the stored toolUse still has
    /// its result.
    async fn run_tools(
        &self,
        uses: Vec<(String, String, Value)>,
    ) -> Vec<(String, String, ToolStatus, Value)> {
        let tools = &self.inner.tools;
        let state = &self.inner.state;
        let dispatch = futures_util::future::join_all(
            uses.iter()
                .map(|(id, name, input)| tools.run(state, id, name, input.clone())),
        );
        let results = match &self.deadline {
            None => dispatch.await,
            Some((at, declared)) => {
                let left = at.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, dispatch).await {
                    Ok(results) => results,
                    Err(_) => {
                        let message = format!(
                            "the tool did not finish before the turn's deadline ({declared})"
                        );
                        vec![(ToolStatus::Error, Value::String(message)); uses.len()]
                    }
                }
            }
        };
        uses.into_iter()
            .zip(results)
            .map(|((id, name, _), (status, content))| (id, name, status, content))
            .collect()
    }

    async fn done(&self, stop_reason: String, usage: Usage, steps: u32) {
        let span = tracing::Span::current();
        span.record("gen_ai.response.finish_reasons", stop_reason.as_str());
        span.record("gen_ai.usage.input_tokens", usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", usage.output_tokens);
        span.record("ai_routes.steps", steps);
        span.record("ai_routes.cost_usd", usage.cost_usd);
        self.emit(TurnEvent::TurnDone {
            stop_reason,
            usage,
            steps,
            message_count: self.count,
        })
        .await;
    }

    /// Keeps what the model said before the failure, marked incomplete, then reports it. A
    /// first call Bedrock refused outright ends the turn with a rejection marker instead, so
    /// that the message it refused is not sent again with every later one.
    async fn fail(
        &mut self,
        error: Error,
        partial: Vec<ContentPart>,
        usage: Usage,
        step_number: u32,
    ) {
        tracing::Span::current().record(
            "error.type",
            crate::executor::error_type(&error).unwrap_or("other"),
        );
        // Only a refusal of what this message brought (an attachment Bedrock cannot read, a
        // message too long for the model) is kept from being sent again; a validation error
        // of the route's own settings must not silence the user's later messages.
        let refused = step_number == 1
            && match error {
                Error::InputTooLong { .. } => true,
                Error::Validation { .. } => self.has_attachments,
                _ => false,
            };
        let text: Vec<ContentPart> = if refused {
            vec![ContentPart::text(format!(
                "(not answered: Bedrock refused this message, which will not be sent again: {error})"
            ))]
        } else {
            partial
                .into_iter()
                .filter(|p| p.answer_text().is_some())
                .collect()
        };
        if !text.is_empty() {
            let stop_reason = if refused {
                REJECTED_STOP_REASON
            } else {
                "error"
            };
            if let Some(message) = self.assistant_message(text, stop_reason, usage, true) {
                let mut ignored = Vec::new();
                if let Err(store_error) = self.append(&mut ignored, vec![message]).await {
                    tracing::warn!(error = %store_error, "could not store the partial answer");
                }
            }
        }
        self.emit(TurnEvent::Error(error)).await;
    }

    fn assistant_message(
        &self,
        content: Vec<ContentPart>,
        stop_reason: &str,
        usage: Usage,
        incomplete: bool,
    ) -> Option<NewMessage> {
        let content: Vec<ContentPart> = content
            .into_iter()
            .filter(|p| !p.answer_text().is_some_and(|text| text.trim().is_empty()))
            .collect();
        if content.is_empty() {
            return None;
        }
        Some(NewMessage {
            role: Role::Assistant,
            estimated_tokens: estimate_tokens(&content, None),
            content,
            ai_context: None,
            stop_reason: Some(stop_reason.to_string()),
            usage: Some(usage),
            model_id: Some(self.inner.spec.model.invoke_id.to_string()),
            incomplete,
        })
    }

    async fn append(
        &mut self,
        window: &mut Vec<StoredMessage>,
        messages: Vec<NewMessage>,
    ) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let stored = self
            .inner
            .store
            .append_messages(&self.owner, &self.id, self.count, messages)
            .await?;
        self.count += stored.len() as u64;
        window.extend(stored);
        Ok(())
    }

    fn request_messages(
        &self,
        window: &[StoredMessage],
        declared: &HashSet<String>,
    ) -> Result<Vec<Message>> {
        let normalised = normalise(window, declared, self.inner.spec.model.invoke_id);
        normalised
            .into_iter()
            .map(|(role, parts)| {
                let role = match role {
                    Role::User => ConversationRole::User,
                    Role::Assistant => ConversationRole::Assistant,
                };
                let content = parts.iter().map(to_block).collect::<Result<Vec<_>>>()?;
                Message::builder()
                    .role(role)
                    .set_content(Some(content))
                    .build()
                    .map_err(|e| Error::InvalidInput(e.to_string()))
            })
            .collect()
    }

    fn tool_config(&self) -> Result<Option<ToolConfiguration>> {
        let spec = &self.inner.spec;
        let mut tools = self
            .inner
            .tools
            .bedrock_tools_for(spec.model.catalog_model(), spec.strict_tools)
            .map_err(|problem| Error::UnsupportedSchema {
                route: spec.name.into(),
                problem: problem.to_string(),
            })?;
        for tool in &self.client_tools {
            tools.push(Tool::ToolSpec(
                ToolSpecification::builder()
                    .name(&tool.name)
                    .description(&tool.description)
                    .input_schema(ToolInputSchema::Json(to_document(&tool.input_schema)))
                    .build()
                    .expect("name and schema are set"),
            ));
        }
        Ok((!tools.is_empty()).then(|| {
            ToolConfiguration::builder()
                .set_tools(Some(tools))
                .build()
                .expect("tools are set")
        }))
    }

    /// One model call through the executor; streamed text reaches the caller as it arrives,
    /// and the passages cited text cites once the answer is complete.
    async fn call_model(&self, request: Request<'_>) -> std::result::Result<Reply, Failure> {
        let reply = self.call_model_delivering_text(request).await?;
        for part in &reply.content {
            if let ContentPart::CitedText { citations, .. } = part {
                let citations = citations.clone();
                self.emit(TurnEvent::Citations { citations }).await;
            }
        }
        Ok(reply)
    }

    async fn call_model_delivering_text(
        &self,
        request: Request<'_>,
    ) -> std::result::Result<Reply, Failure> {
        let spec = &self.inner.spec;
        let info = CallInfo {
            route: spec.name,
            kind: RouteKind::Conversation,
            spec: &spec.model,
            owner: Some(&self.owner),
            conversation_id: Some(&self.id),
            deadline: self.deadline.as_ref(),
        };
        if spec.stream {
            let events = &self.events;
            let mut sink = |delta: Delta| {
                if let Some(event) = turn_event(delta) {
                    events.send(event);
                }
            };
            let delivery = Delivery::Streamed(&mut sink);
            self.inner.client.call_model(info, request, delivery).await
        } else {
            let reply = match self
                .inner
                .client
                .call_model(info, request, Delivery::Whole)
                .await
            {
                Ok(reply) => reply,
                Err(failure) => {
                    // What is stored as the partial answer reaches the caller too.
                    for part in &failure.partial {
                        if let Some(text) = part.answer_text() {
                            self.emit(TurnEvent::TextDelta {
                                text: text.to_string(),
                            })
                            .await;
                        }
                    }
                    return Err(failure);
                }
            };
            for part in &reply.content {
                if let Some(event) = part_delta(part).and_then(turn_event) {
                    self.emit(event).await;
                }
            }
            Ok(reply)
        }
    }
}

/// The event a streamed piece of the answer is to the caller: text and reasoning. A
/// retry's start is not one (a conversation's stream is not retried once text was
/// delivered), and tool input reaches the caller as a whole `ToolUse`.
fn turn_event(delta: Delta) -> Option<TurnEvent> {
    match delta {
        Delta::Text(text) => Some(TurnEvent::TextDelta { text }),
        Delta::Reasoning(text) => Some(TurnEvent::ReasoningDelta { text }),
        Delta::RedactedReasoning => Some(TurnEvent::ReasoningRedacted),
        Delta::AttemptStarted | Delta::ToolInput(_) => None,
    }
}

/// A whole answer's part as the delta it would have streamed as.
fn part_delta(part: &ContentPart) -> Option<Delta> {
    match part {
        ContentPart::Text { text } | ContentPart::CitedText { text, .. } => {
            Some(Delta::Text(text.clone()))
        }
        ContentPart::Reasoning {
            redacted: Some(_), ..
        } => Some(Delta::RedactedReasoning),
        ContentPart::Reasoning { text, .. } if !text.is_empty() => {
            Some(Delta::Reasoning(text.clone()))
        }
        _ => None,
    }
}

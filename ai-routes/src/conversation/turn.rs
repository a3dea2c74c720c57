//! One turn: store the user message, then call the model, run tools and store their
//! results until the model ends its turn (or `max_steps`, or an error).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseStreamOutput,
    Message, SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
    ToolResultContentBlock, ToolResultStatus, ToolSpecification, ToolUseBlock,
};
use futures_util::FutureExt as _;
use serde_json::Value;
use tokio::sync::mpsc;
use tracing::Instrument as _;

use super::convert::{document_part, estimate_tokens, image_part, to_block, tool_result_part};
use super::events::{TurnEvent, TurnStream};
use super::history::{load_window, normalise};
use super::message::{
    ContentPart, NewMessage, Role, StoredMessage, ToolStatus, REJECTED_STOP_REASON,
};
use super::{ClientTool, RouteInner, UserMessage};
use crate::call::{CallInfo, ModelCall};
use crate::document::{to_document, to_json};
use crate::error::{CallTarget, Error, Result};
use crate::inference::{
    cache_point, cache_tools, guardrail_config, guardrail_stream_config, inference_config,
    system_blocks, GUARDRAIL_INTERVENED,
};
use crate::metering::RouteKind;
use crate::usage::Usage;

/// Context window assumed for a model the catalog does not know.
const UNKNOWN_CONTEXT_WINDOW: u32 = 128_000;

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
    let spec = &inner.spec;
    let model = spec.catalog_id.and_then(ai_routes_catalog::by_id);
    let context = u64::from(
        model
            .map(|m| m.context_window)
            .unwrap_or(UNKNOWN_CONTEXT_WINDOW),
    );
    let output = spec.max_tokens.map(|m| m.max(0) as u64).unwrap_or_else(|| {
        model
            .map(|m| u64::from(m.max_output_tokens))
            .unwrap_or(4_096)
            .min(context / 4)
    });
    let fixed_chars = spec.system_prompt.map(str::len).unwrap_or(0)
        + inner.tools.names().len() * 400
        + client_tools
            .iter()
            .map(|t| t.description.len() + t.input_schema.to_string().len())
            .sum::<usize>();
    let fixed = (fixed_chars as u64).div_ceil(4);
    // 10% margin: the estimate is not the model's tokenizer.
    (context.saturating_sub(output).saturating_sub(fixed) * 9 / 10).max(1)
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
    inner.client.check_spending_cap(Some(owner))?;
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
    // into a closed channel), so they never pile up beyond one turn's worth.
    let (tx, rx) = mpsc::unbounded_channel();
    let span = tracing::info_span!(
        "conversation_turn",
        "otel.name" = format!("conversation_turn {}", inner.spec.name),
        "ai_routes.route" = inner.spec.name,
        "gen_ai.system" = "aws.bedrock",
        "gen_ai.operation.name" = "chat",
        "gen_ai.conversation.id" = id,
        "gen_ai.request.model" = inner.spec.invoke_id,
        "gen_ai.request.max_tokens" = inner.spec.max_tokens,
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
        client_tools: message.client_tools,
        tx,
        deadline,
    };
    let turn = async move {
        let _guard = guard;
        turn.run(window).await;
    }
    .instrument(span);
    Ok(TurnStream::new(rx, Box::pin(turn)))
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
        if !crate::tool::valid_tool_name(&tool.name) {
            return Err(Error::InvalidInput(format!(
                "client tool name `{}` is not a valid Bedrock tool name",
                tool.name
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
    tx: mpsc::UnboundedSender<TurnEvent>,
    /// When the turn must be over (`turn_timeout_ms`).
    deadline: Option<(Instant, String)>,
}

/// One model call's result.
struct Step {
    content: Vec<ContentPart>,
    stop_reason: String,
    usage: Usage,
}

impl<S: Send + Sync + 'static> Turn<S> {
    async fn emit(&self, event: TurnEvent) {
        // A caller that stopped listening does not stop the turn.
        let _ = self.tx.send(event);
    }

    async fn run(mut self, mut window: Vec<StoredMessage>) {
        let spec = self.inner.spec;
        let model = spec.catalog_id.and_then(ai_routes_catalog::by_id);
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
        let tool_config = self.tool_config();
        let mut total = Usage::default();

        for step_number in 1..=spec.max_steps {
            let request = match self.request_messages(&window, &declared) {
                Ok(messages) => messages,
                Err(error) => return self.emit(TurnEvent::Error(error)).await,
            };
            // Reserved from a tokens-per-minute budget: the window's estimate plus
            // max_tokens, settled with the reported usage.
            let estimate = window
                .iter()
                .map(|m| u64::from(m.estimated_tokens))
                .sum::<u64>()
                + (spec.system_prompt.map(str::len).unwrap_or(0) as u64).div_ceil(4)
                + spec.max_tokens.unwrap_or(0).max(0) as u64;
            let step = if spec.stream {
                self.stream_step(request, tool_config.clone(), model, estimate)
                    .await
            } else {
                self.converse_step(request, tool_config.clone(), model, estimate)
                    .await
            };
            let step = match step {
                Ok(step) => step,
                Err((error, partial)) => return self.fail(error, partial, step_number).await,
            };
            total += step.usage;
            let uses: Vec<(String, String, Value)> = step
                .content
                .iter()
                .filter_map(|p| match p {
                    ContentPart::ToolUse { id, name, input } => {
                        Some((id.clone(), name.clone(), input.clone()))
                    }
                    _ => None,
                })
                .collect();
            let assistant = self.assistant_message(&step, false);
            if step.stop_reason != "tool_use" || uses.is_empty() {
                if let Err(error) = self
                    .append(&mut window, assistant.into_iter().collect())
                    .await
                {
                    return self.emit(TurnEvent::Error(error)).await;
                }
                return self.done(step.stop_reason, total, step_number).await;
            }

            let mut server_uses = Vec::new();
            let mut client_open = false;
            for (id, name, input) in &uses {
                let client = client_names.contains(name);
                client_open |= client;
                self.emit(TurnEvent::ToolUse {
                    id: id.clone(),
                    name: name.clone(),
                    input: input.clone(),
                    client,
                })
                .await;
                if !client {
                    server_uses.push(
                        ToolUseBlock::builder()
                            .tool_use_id(id)
                            .name(name)
                            .input(to_document(input))
                            .build()
                            .expect("id, name and input are set"),
                    );
                }
            }
            let results = self.run_tools(&server_uses).await;
            let mut result_parts = Vec::new();
            for (block, tool_use) in results.iter().zip(&server_uses) {
                let part = tool_result_part(block);
                if let ContentPart::ToolResult {
                    tool_use_id,
                    status,
                    content,
                } = &part
                {
                    self.emit(TurnEvent::ToolResult {
                        tool_use_id: tool_use_id.clone(),
                        name: tool_use.name().to_string(),
                        status: *status,
                        content: content.clone(),
                    })
                    .await;
                }
                result_parts.push(part);
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

    /// Runs the server-side tools; past the turn's deadline each unfinished one gets an
    /// error result, so the stored toolUse still has its result.
    async fn run_tools(&self, uses: &[ToolUseBlock]) -> Vec<ToolResultBlock> {
        let dispatch = self.inner.tools.dispatch_all(&self.inner.state, uses);
        let Some((at, declared)) = &self.deadline else {
            return dispatch.await;
        };
        let left = at.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, dispatch).await {
            Ok(results) => results,
            Err(_) => uses
                .iter()
                .map(|tool_use| {
                    ToolResultBlock::builder()
                        .tool_use_id(tool_use.tool_use_id())
                        .content(ToolResultContentBlock::Text(format!(
                            "the tool did not finish before the turn's deadline ({declared})"
                        )))
                        .status(ToolResultStatus::Error)
                        .build()
                        .expect("tool_use_id and content are set")
                })
                .collect(),
        }
    }

    async fn done(&self, stop_reason: String, usage: Usage, steps: u32) {
        let span = tracing::Span::current();
        span.record("gen_ai.response.finish_reasons", stop_reason.as_str());
        span.record("gen_ai.usage.input_tokens", usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", usage.output_tokens);
        span.record("ai_routes.steps", steps);
        span.record("ai_routes.cost_usd", usage.cost_usd);
        if stop_reason == GUARDRAIL_INTERVENED {
            tracing::warn!(
                route = self.inner.spec.name,
                guardrail = self.inner.spec.guardrail.unwrap_or_default(),
                "guardrail intervened; the turn ends with its message"
            );
        }
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
    async fn fail(&mut self, error: Error, partial: Vec<ContentPart>, step_number: u32) {
        tracing::Span::current().record(
            "error.type",
            crate::call::error_type(&error).unwrap_or("other"),
        );
        let refused = step_number == 1
            && matches!(error, Error::Validation { .. } | Error::InputTooLong { .. });
        let text: Vec<ContentPart> = if refused {
            vec![ContentPart::text(format!(
                "(not answered: Bedrock refused this message, which will not be sent again: {error})"
            ))]
        } else {
            partial
                .into_iter()
                .filter(|p| matches!(p, ContentPart::Text { .. }))
                .collect()
        };
        if !text.is_empty() {
            let step = Step {
                content: text,
                stop_reason: if refused {
                    REJECTED_STOP_REASON.into()
                } else {
                    "error".into()
                },
                usage: Usage::default(),
            };
            if let Some(message) = self.assistant_message(&step, true) {
                let mut ignored = Vec::new();
                if let Err(store_error) = self.append(&mut ignored, vec![message]).await {
                    tracing::warn!(error = %store_error, "could not store the partial answer");
                }
            }
        }
        self.emit(TurnEvent::Error(error)).await;
    }

    fn assistant_message(&self, step: &Step, incomplete: bool) -> Option<NewMessage> {
        let content: Vec<ContentPart> = step
            .content
            .iter()
            .filter(|p| !matches!(p, ContentPart::Text { text } if text.trim().is_empty()))
            .cloned()
            .collect();
        if content.is_empty() {
            return None;
        }
        Some(NewMessage {
            role: Role::Assistant,
            estimated_tokens: estimate_tokens(&content, None),
            content,
            ai_context: None,
            stop_reason: Some(step.stop_reason.clone()),
            usage: Some(step.usage),
            model_id: Some(self.inner.spec.invoke_id.to_string()),
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
        let normalised = normalise(window, declared);
        let last = normalised.len().saturating_sub(1);
        normalised
            .into_iter()
            .enumerate()
            .map(|(index, (role, parts))| {
                let role = match role {
                    Role::User => ConversationRole::User,
                    Role::Assistant => ConversationRole::Assistant,
                };
                let mut content = parts.iter().map(to_block).collect::<Result<Vec<_>>>()?;
                // The end of the history is the cached prefix of the next call.
                if self.inner.spec.cache && index == last {
                    content.push(ContentBlock::CachePoint(cache_point()));
                }
                Message::builder()
                    .role(role)
                    .set_content(Some(content))
                    .build()
                    .map_err(|e| Error::InvalidInput(e.to_string()))
            })
            .collect()
    }

    fn tool_config(&self) -> Option<ToolConfiguration> {
        let mut tools = self.inner.tools.bedrock_tools();
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
        (!tools.is_empty()).then(|| {
            ToolConfiguration::builder()
                .set_tools(Some(cache_tools(tools, self.inner.spec.cache)))
                .build()
                .expect("tools are set")
        })
    }

    fn call_parts(
        &self,
    ) -> (
        aws_sdk_bedrockruntime::Client,
        String,
        Option<Vec<SystemContentBlock>>,
    ) {
        let spec = &self.inner.spec;
        let (sdk, region) = self.inner.client.sdk_for(spec.region);
        let system = system_blocks(spec.system_prompt, spec.cache);
        (sdk, region, system)
    }

    fn model_call<'a>(
        &'a self,
        region: &'a str,
        model: Option<&'static ai_routes_catalog::Model>,
        stream: bool,
    ) -> ModelCall<'a> {
        let spec = &self.inner.spec;
        ModelCall::new(
            &self.inner.client,
            CallInfo {
                route: spec.name,
                kind: RouteKind::Conversation,
                invoke_id: spec.invoke_id,
                model,
                region,
                owner: Some(&self.owner),
                conversation_id: Some(&self.id),
                max_tokens: spec.max_tokens,
                deadline: self.deadline.clone(),
                stream,
            },
        )
    }

    async fn converse_step(
        &self,
        messages: Vec<Message>,
        tools: Option<ToolConfiguration>,
        model: Option<&'static ai_routes_catalog::Model>,
        estimate: u64,
    ) -> std::result::Result<Step, (Error, Vec<ContentPart>)> {
        let spec = &self.inner.spec;
        let (sdk, region, system) = self.call_parts();
        let target = CallTarget {
            model_id: spec.invoke_id,
            region: &region,
            model,
        };
        let mut call = self.model_call(&region, model, false);
        call.log_input(|| format!("{messages:?}"));
        let output = loop {
            let mut admission = call
                .admit(estimate)
                .await
                .map_err(|e| (call.give_up(e), Vec::new()))?;
            let sent = call
                .timed(async {
                    sdk.converse()
                        .model_id(spec.invoke_id)
                        .set_system(system.clone())
                        .set_messages(Some(messages.clone()))
                        .set_tool_config(tools.clone())
                        .set_inference_config(inference_config(
                            spec.max_tokens,
                            spec.temperature,
                            spec.top_p,
                            &[],
                        ))
                        .set_guardrail_config(guardrail_config(spec.guardrail))
                        .send()
                        .boxed()
                        .await
                        .map_err(|e| target.map_sdk_error(e))
                })
                .instrument(call.span.clone())
                .await;
            match sent {
                Ok(output) => {
                    let usage = Usage::from_sdk(output.usage(), model);
                    call.finish(&mut admission, usage, output.stop_reason().as_str());
                    break output;
                }
                Err(error) => {
                    drop(admission);
                    if call.retry(&error).await {
                        continue;
                    }
                    return Err((call.give_up(error), Vec::new()));
                }
            }
        };
        let usage = Usage::from_sdk(output.usage(), model);
        let stop_reason = output.stop_reason().as_str().to_string();
        let blocks = match output.output {
            Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(m)) => m.content,
            _ => Vec::new(),
        };
        call.log_output(|| format!("{blocks:?}"));
        let mut content = Vec::new();
        for block in blocks {
            match block {
                ContentBlock::Text(text) => {
                    self.emit(TurnEvent::TextDelta { text: text.clone() }).await;
                    content.push(ContentPart::Text { text });
                }
                ContentBlock::ToolUse(tool) => content.push(ContentPart::ToolUse {
                    id: tool.tool_use_id().to_string(),
                    name: tool.name().to_string(),
                    input: to_json(tool.input()),
                }),
                _ => {}
            }
        }
        Ok(Step {
            content,
            stop_reason,
            usage,
        })
    }

    /// One ConverseStream call, retried on transient errors only while nothing of it has
    /// reached the caller (a retry after a delivered delta would repeat text).
    async fn stream_step(
        &self,
        messages: Vec<Message>,
        tools: Option<ToolConfiguration>,
        model: Option<&'static ai_routes_catalog::Model>,
        estimate: u64,
    ) -> std::result::Result<Step, (Error, Vec<ContentPart>)> {
        let (sdk, region, system) = self.call_parts();
        let target = CallTarget {
            model_id: self.inner.spec.invoke_id,
            region: &region,
            model,
        };
        let mut call = self.model_call(&region, model, true);
        call.log_input(|| format!("{messages:?}"));
        loop {
            let mut admission = call
                .admit(estimate)
                .await
                .map_err(|e| (call.give_up(e), Vec::new()))?;
            let attempt = self
                .stream_attempt(
                    &call,
                    &sdk,
                    &target,
                    system.clone(),
                    messages.clone(),
                    tools.clone(),
                    model,
                )
                .instrument(call.span.clone())
                .await;
            match attempt {
                Ok(step) => {
                    call.finish(&mut admission, step.usage, &step.stop_reason);
                    call.log_output(|| format!("{:?}", step.content));
                    return Ok(step);
                }
                Err((error, partial, delivered)) => {
                    drop(admission);
                    if !delivered && call.retry(&error).await {
                        continue;
                    }
                    return Err((call.give_up(error), partial));
                }
            }
        }
    }

    /// One ConverseStream attempt: the content so far and whether any of it was delivered
    /// to the caller, on failure.
    #[allow(clippy::too_many_arguments)]
    async fn stream_attempt(
        &self,
        call: &ModelCall<'_>,
        sdk: &aws_sdk_bedrockruntime::Client,
        target: &CallTarget<'_>,
        system: Option<Vec<SystemContentBlock>>,
        messages: Vec<Message>,
        tools: Option<ToolConfiguration>,
        model: Option<&'static ai_routes_catalog::Model>,
    ) -> std::result::Result<Step, (Error, Vec<ContentPart>, bool)> {
        let spec = &self.inner.spec;
        let mut output = call
            .timed(async {
                sdk.converse_stream()
                    .model_id(spec.invoke_id)
                    .set_system(system)
                    .set_messages(Some(messages))
                    .set_tool_config(tools)
                    .set_inference_config(inference_config(
                        spec.max_tokens,
                        spec.temperature,
                        spec.top_p,
                        &[],
                    ))
                    .set_guardrail_config(guardrail_stream_config(spec.guardrail))
                    .send()
                    .boxed()
                    .await
                    .map_err(|e| target.map_sdk_error(e))
            })
            .await
            .map_err(|e| (e, Vec::new(), false))?;
        let mut blocks: BTreeMap<i32, Assembling> = BTreeMap::new();
        let mut stop_reason = None;
        let mut usage = Usage::default();
        let mut delivered = false;
        // Without a timeout, each read is awaited directly: wrapping every one of a long
        // stream's events in `timed` costs a future per event.
        let timed = call.is_limited();
        loop {
            let read = async {
                output.stream.recv().await.map_err(|error| {
                    let service = error.into_service_error();
                    target.map_service(stream_error_code(&service), &service.to_string())
                })
            };
            let event = if timed {
                call.timed(read).await
            } else {
                read.await
            };
            match event {
                Ok(Some(event)) => match event {
                    ConverseStreamOutput::ContentBlockStart(start) => {
                        if let Some(ContentBlockStart::ToolUse(tool)) = start.start() {
                            blocks.insert(
                                start.content_block_index(),
                                Assembling::Tool {
                                    id: tool.tool_use_id().to_string(),
                                    name: tool.name().to_string(),
                                    input: String::new(),
                                },
                            );
                        }
                    }
                    ConverseStreamOutput::ContentBlockDelta(delta) => match delta.delta {
                        Some(ContentBlockDelta::Text(text)) => {
                            match blocks
                                .entry(delta.content_block_index)
                                .or_insert_with(|| Assembling::Text(String::new()))
                            {
                                Assembling::Text(buffer) => buffer.push_str(&text),
                                Assembling::Tool { .. } => {}
                            }
                            delivered = true;
                            // The event takes the SDK's string; the turn keeps its own copy.
                            self.emit(TurnEvent::TextDelta { text }).await;
                        }
                        Some(ContentBlockDelta::ToolUse(fragment)) => {
                            if let Some(Assembling::Tool { input, .. }) =
                                blocks.get_mut(&delta.content_block_index)
                            {
                                input.push_str(fragment.input());
                            }
                        }
                        _ => {}
                    },
                    ConverseStreamOutput::MessageStop(stop) => {
                        stop_reason = Some(stop.stop_reason().as_str().to_string())
                    }
                    ConverseStreamOutput::Metadata(metadata) => {
                        usage = Usage::from_sdk(metadata.usage(), model);
                        if let Some(trace) = metadata.trace().filter(|_| call.log_content()) {
                            tracing::info!(trace = ?trace, "guardrail trace");
                        }
                    }
                    _ => {}
                },
                Ok(None) => break,
                Err(error) => return Err((error, finish(blocks), delivered)),
            }
        }
        match stop_reason {
            Some(stop_reason) => Ok(Step {
                content: finish(blocks),
                stop_reason,
                usage,
            }),
            // A clean end of stream without messageStop is a broken stream, not an answer.
            None => Err((
                Error::Stream("the response stream ended before messageStop".into()),
                finish(blocks),
                delivered,
            )),
        }
    }
}

enum Assembling {
    Text(String),
    Tool {
        id: String,
        name: String,
        input: String,
    },
}

fn finish(blocks: BTreeMap<i32, Assembling>) -> Vec<ContentPart> {
    blocks
        .into_values()
        .map(|block| match block {
            Assembling::Text(text) => ContentPart::Text { text },
            Assembling::Tool { id, name, input } => {
                // Input that is not JSON is passed on as a string; the tool's typed
                // dispatch then reports it to the model as an error it can fix.
                let input = if input.trim().is_empty() {
                    Value::Object(Default::default())
                } else {
                    serde_json::from_str(&input).unwrap_or(Value::String(input))
                };
                ContentPart::ToolUse { id, name, input }
            }
        })
        .collect()
}

/// In-stream exceptions carry no error code in their metadata; the variant is the type.
fn stream_error_code(
    error: &aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError,
) -> &'static str {
    use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError as E;
    match error {
        E::ThrottlingException(_) => "ThrottlingException",
        E::ValidationException(_) => "ValidationException",
        E::ModelStreamErrorException(_) => "ModelStreamErrorException",
        E::InternalServerException(_) => "InternalServerException",
        E::ServiceUnavailableException(_) => "ServiceUnavailableException",
        _ => "StreamError",
    }
}

//! What a turn streams to the caller.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::message::ToolStatus;
use crate::error::{Error, Result};
use crate::usage::Usage;

/// One event of a turn, in order: text deltas and tool activity, then exactly one
/// `TurnDone` or `Error`. New kinds of events are added as Bedrock grows (match with a
/// `_` arm).
#[derive(Debug)]
#[non_exhaustive]
pub enum TurnEvent {
    /// A piece of the assistant's text.
    TextDelta {
        /// The text; concatenate the deltas of a turn to get the answer.
        text: String,
    },
    /// A piece of the model's reasoning (extended thinking), before or between its text.
    /// Show it apart from the answer (the chat page folds it under the answer).
    ReasoningDelta {
        /// The reasoning text; concatenate the deltas of a model call to get it.
        text: String,
    },
    /// The model reasoned, but its provider redacted (encrypted) the reasoning: there is
    /// nothing to show except that it happened.
    ReasoningRedacted,
    /// The passages of the caller's documents that support the text just streamed (Claude,
    /// with [`Document::with_citations`](crate::Document::with_citations)); sent once the cited
    /// text is complete.
    Citations {
        /// The cited passages, in the order the model cited them.
        citations: Vec<crate::Citation>,
    },
    /// The model called a tool. `client: true` for a client-side tool: the turn ends and the
    /// caller sends its result with the next message.
    ToolUse {
        /// Bedrock's tool use ID.
        id: String,
        /// The tool's name.
        name: String,
        /// The input the model passed (a JSON object).
        input: Value,
        /// `true` for a client-side tool ([`ClientTool`](crate::ClientTool)): answer it with
        /// [`UserMessage::tool_result`](crate::UserMessage::tool_result) in the next message.
        client: bool,
    },
    /// A server-side tool finished; the model sees this result.
    ToolResult {
        /// The ID of the matching [`TurnEvent::ToolUse`].
        tool_use_id: String,
        /// The tool's name.
        name: String,
        /// Whether the tool succeeded.
        status: ToolStatus,
        /// The tool's output as JSON (a string for text output and for error messages).
        content: Value,
    },
    /// The turn ended; everything is persisted.
    TurnDone {
        /// Why the turn stopped: Bedrock's stop reason of the last model call (`end_turn`,
        /// `max_tokens`, `guardrail_intervened`, ...), `tool_use` when client-side tools wait for a
        /// result, or `max_steps` when the route's step cap was reached.
        stop_reason: String,
        /// Tokens and cost of every model call of the turn, summed.
        usage: Usage,
        /// Model calls made during the turn.
        steps: u32,
        /// Messages in the conversation now (the `seq` of the last one).
        message_count: u64,
    },
    /// The turn failed; the history stays valid (the user message is kept, a partial answer is
    /// stored marked incomplete).
    Error(Error),
}

/// The summary of a finished turn, from [`TurnStream::collect_text`].
#[derive(Debug, Clone, PartialEq)]
pub struct TurnReply {
    /// The assistant's text of the turn (all text deltas, joined).
    pub text: String,
    /// The model's reasoning during the turn (all reasoning deltas, joined; empty when it
    /// did not reason or its reasoning was redacted).
    pub reasoning: String,
    /// Why the turn stopped (see [`TurnEvent::TurnDone`]).
    pub stop_reason: String,
    /// Tokens and cost of the turn.
    pub usage: Usage,
    /// Model calls made during the turn.
    pub steps: u32,
    /// Tool calls made during the turn: `(name, input)`.
    pub tool_calls: Vec<(String, Value)>,
    /// Client-side tool calls the caller must answer: `(id, name, input)`.
    pub client_tool_calls: Vec<(String, String, Value)>,
    /// The passages the answer cites, in order (empty unless the model cited documents).
    pub citations: Vec<crate::Citation>,
}

/// The events a turn has produced and its caller has not taken yet.
///
/// A plain queue under a mutex rather than a channel: the turn usually runs inside its
/// stream's `poll_next`, so the lock is never contended and no waker is needed (a channel
/// paid for both on every text delta). A waker is stored only while the turn runs as a task
/// of its own.
struct Shared {
    events: VecDeque<TurnEvent>,
    /// The turn's future is gone (finished, panicked or dropped): no more events.
    finished: bool,
    /// The stream still exists; once it is dropped, events are discarded.
    listening: bool,
    waker: Option<Waker>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic while holding this lock leaves the queue consistent: keep using it.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The turn's end of its event queue.
#[derive(Clone)]
pub(crate) struct EventSender(Arc<Mutex<Shared>>);

impl EventSender {
    /// Queues an event for the caller; a caller that stopped listening does not stop the
    /// turn, its events are dropped.
    pub(crate) fn send(&self, event: TurnEvent) {
        let mut shared = lock(&self.0);
        if !shared.listening {
            return;
        }
        shared.events.push_back(event);
        let waker = shared.waker.take();
        drop(shared);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A guard to keep inside the turn's future: when the future ends, however it ends
    /// (done, panicked, dropped), the stream ends after the queued events.
    pub(crate) fn finish_on_drop(&self) -> FinishOnDrop {
        FinishOnDrop(self.clone())
    }
}

/// See [`EventSender::finish_on_drop`].
pub(crate) struct FinishOnDrop(EventSender);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        let mut shared = lock(&(self.0).0);
        shared.finished = true;
        let waker = shared.waker.take();
        drop(shared);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A turn's event queue: the sender for the turn, the shared end for its stream.
pub(crate) fn event_queue() -> EventSender {
    EventSender(Arc::new(Mutex::new(Shared {
        events: VecDeque::new(),
        finished: false,
        listening: true,
        waker: None,
    })))
}

/// The events of one turn. The turn runs to completion and is persisted even if this stream
/// is dropped early.
///
/// While the stream is polled from a task (a request handler, a spawned task), the turn runs
/// inside that poll, with no hop to another task per event; polled from outside a task (the
/// thread blocking on `#[tokio::main]`), the turn runs as a task of its own. A stream dropped
/// before the turn ends hands the rest of the turn to the runtime. A stream that is held but
/// not polled holds its turn still.
pub struct TurnStream {
    events: Arc<Mutex<Shared>>,
    turn: Option<BoxFuture<'static, ()>>,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for TurnStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnStream")
            .field("running", &self.turn.is_some())
            .finish_non_exhaustive()
    }
}

impl TurnStream {
    /// A stream over `events`, produced by `turn` (run by polling the stream, or on the
    /// current runtime once the stream is dropped).
    pub(crate) fn new(events: &EventSender, turn: BoxFuture<'static, ()>) -> Self {
        Self {
            events: events.0.clone(),
            turn: Some(turn),
            runtime: tokio::runtime::Handle::current(),
        }
    }
}

impl Stream for TurnStream {
    type Item = TurnEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TurnEvent>> {
        let this = &mut *self;
        // Outside a task (the thread blocking on `#[tokio::main]`, another executor) every
        // wake-up of the poller is slow: the turn runs as a task of its own there instead.
        if let Some(turn) = this.turn.take_if(|_| tokio::task::try_id().is_none()) {
            this.runtime.spawn(turn);
        }
        // The turn waits on I/O or a tool with this waker registered. Only the turn sends
        // events, and it runs inside this poll, so the queue needs no waker of its own
        // while the turn is here (one would wake this task again for every event).
        let mut turn_pending = false;
        loop {
            {
                let mut shared = lock(&this.events);
                if let Some(event) = shared.events.pop_front() {
                    return Poll::Ready(Some(event));
                }
                if shared.finished {
                    return Poll::Ready(None);
                }
                if this.turn.is_none() {
                    // The turn runs as a task of its own: it wakes this one per event.
                    if !shared
                        .waker
                        .as_ref()
                        .is_some_and(|w| w.will_wake(cx.waker()))
                    {
                        shared.waker = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                if turn_pending {
                    return Poll::Pending;
                }
            }
            let turn = this.turn.as_mut().expect("checked above");
            if turn.as_mut().poll(cx).is_ready() {
                this.turn = None;
            } else {
                turn_pending = true;
            }
        }
    }
}

impl Drop for TurnStream {
    fn drop(&mut self) {
        // The caller stopped listening: the turn still finishes and is stored, and what
        // it still produces is dropped rather than kept for no one.
        {
            let mut shared = lock(&self.events);
            shared.listening = false;
            shared.events.clear();
        }
        if let Some(turn) = self.turn.take() {
            self.runtime.spawn(turn);
        }
    }
}

impl TurnStream {
    /// The next event, or `None` after the last one.
    pub async fn next_event(&mut self) -> Option<TurnEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Waits for the end of the turn and returns its text and metering; a failed turn is an
    /// error.
    pub async fn collect_text(mut self) -> Result<TurnReply> {
        let mut reply = TurnReply {
            text: String::new(),
            reasoning: String::new(),
            stop_reason: String::new(),
            usage: Usage::default(),
            steps: 0,
            tool_calls: Vec::new(),
            client_tool_calls: Vec::new(),
            citations: Vec::new(),
        };
        while let Some(event) = self.next_event().await {
            match event {
                TurnEvent::TextDelta { text } => reply.text.push_str(&text),
                TurnEvent::ReasoningDelta { text } => reply.reasoning.push_str(&text),
                TurnEvent::ReasoningRedacted => {}
                TurnEvent::Citations { citations } => reply.citations.extend(citations),
                TurnEvent::ToolUse {
                    id,
                    name,
                    input,
                    client,
                } => {
                    if client {
                        reply
                            .client_tool_calls
                            .push((id, name.clone(), input.clone()));
                    }
                    reply.tool_calls.push((name, input));
                }
                TurnEvent::ToolResult { .. } => {}
                TurnEvent::TurnDone {
                    stop_reason,
                    usage,
                    steps,
                    ..
                } => {
                    reply.stop_reason = stop_reason;
                    reply.usage = usage;
                    reply.steps = steps;
                    return Ok(reply);
                }
                TurnEvent::Error(error) => return Err(error),
            }
        }
        Err(Error::Stream("the turn ended without a result".into()))
    }
}

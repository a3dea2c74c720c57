//! What a turn streams to the caller.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::message::ToolStatus;
use crate::error::{Error, Result};
use crate::usage::Usage;

/// One event of a turn, in order: text deltas and tool activity, then exactly one
/// `TurnDone` or `Error`.
#[derive(Debug)]
pub enum TurnEvent {
    /// A piece of the assistant's text.
    TextDelta {
        /// The text; concatenate the deltas of a turn to get the answer.
        text: String,
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
    events: mpsc::UnboundedReceiver<TurnEvent>,
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
    pub(crate) fn new(
        events: mpsc::UnboundedReceiver<TurnEvent>,
        turn: BoxFuture<'static, ()>,
    ) -> Self {
        Self {
            events,
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
        // events, and it runs inside this poll, so the channel needs no waker of its own
        // while the turn is here (one would wake this task again for every event).
        let mut turn_pending = false;
        loop {
            match this.events.try_recv() {
                Ok(event) => return Poll::Ready(Some(event)),
                Err(TryRecvError::Disconnected) => return Poll::Ready(None),
                Err(TryRecvError::Empty) if turn_pending => return Poll::Pending,
                Err(TryRecvError::Empty) => {}
            }
            let Some(turn) = this.turn.as_mut() else {
                return this.events.poll_recv(cx);
            };
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
        // The caller stopped listening: the turn still finishes and is stored.
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
            stop_reason: String::new(),
            usage: Usage::default(),
            steps: 0,
            tool_calls: Vec::new(),
            client_tool_calls: Vec::new(),
        };
        while let Some(event) = self.next_event().await {
            match event {
                TurnEvent::TextDelta { text } => reply.text.push_str(&text),
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

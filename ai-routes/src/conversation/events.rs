//! What a turn streams to the caller.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde_json::Value;
use tokio::sync::mpsc;

use super::message::ToolStatus;
use crate::error::{Error, Result};
use crate::usage::Usage;

/// One event of a turn, in order: text deltas and tool activity, then exactly one
/// `TurnDone` or `Error`.
#[derive(Debug)]
pub enum TurnEvent {
    /// A piece of the assistant's text.
    TextDelta { text: String },
    /// The model called a tool. `client: true` for a client-side tool: the turn ends and the
    /// caller sends its result with the next message.
    ToolUse {
        id: String,
        name: String,
        input: Value,
        client: bool,
    },
    /// A server-side tool finished; the model sees this result.
    ToolResult {
        tool_use_id: String,
        name: String,
        status: ToolStatus,
        content: Value,
    },
    /// The turn ended; everything is persisted.
    TurnDone {
        stop_reason: String,
        usage: Usage,
        steps: u32,
        message_count: u64,
    },
    /// The turn failed; the history stays valid (the user message is kept, a partial answer is
    /// stored marked incomplete).
    Error(Error),
}

/// The summary of a finished turn, from [`TurnStream::collect_text`].
#[derive(Debug, Clone, PartialEq)]
pub struct TurnReply {
    pub text: String,
    pub stop_reason: String,
    pub usage: Usage,
    pub steps: u32,
    /// Tool calls made during the turn: `(name, input)`.
    pub tool_calls: Vec<(String, Value)>,
    /// Client-side tool calls the caller must answer: `(id, name, input)`.
    pub client_tool_calls: Vec<(String, String, Value)>,
}

/// The events of one turn. The turn runs to completion and is persisted even if this stream
/// is dropped early.
#[derive(Debug)]
pub struct TurnStream {
    pub(crate) events: mpsc::Receiver<TurnEvent>,
}

impl Stream for TurnStream {
    type Item = TurnEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TurnEvent>> {
        self.events.poll_recv(cx)
    }
}

impl TurnStream {
    /// The next event, or `None` after the last one.
    pub async fn next_event(&mut self) -> Option<TurnEvent> {
        self.events.recv().await
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
        while let Some(event) = self.events.recv().await {
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

//! Encodes a reply as ConverseStream frames (`application/vnd.amazon.eventstream`).

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

use super::reply::{BedrockError, Reply};
use super::wire::{ContentBlock, TokenUsage};

/// Text deltas are cut at about this many characters, like a model's token chunks.
const TEXT_CHUNK: usize = 16;
/// Tool input JSON arrives in fragments of about this many characters.
const TOOL_INPUT_CHUNK: usize = 24;

/// The event payloads for a reply, in the order Bedrock sends them.
pub(crate) fn reply_events(
    reply: &Reply,
    usage: TokenUsage,
    latency_ms: u64,
) -> Vec<(&'static str, Value)> {
    let mut events = vec![("messageStart", json!({"role": "assistant"}))];
    for (index, block) in reply.content.iter().enumerate() {
        match block {
            ContentBlock::Text(text) => {
                for piece in chunks(text, TEXT_CHUNK) {
                    events.push((
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"text": piece}}),
                    ));
                }
            }
            ContentBlock::ToolUse(tool) => {
                events.push((
                    "contentBlockStart",
                    json!({"contentBlockIndex": index, "start": {"toolUse": {"toolUseId": tool.tool_use_id, "name": tool.name}}}),
                ));
                for piece in chunks(&tool.input.to_string(), TOOL_INPUT_CHUNK) {
                    events.push((
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}),
                    ));
                }
            }
            ContentBlock::ReasoningContent(reasoning) => {
                let text = reasoning
                    .pointer("/reasoningText/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                events.push((
                    "contentBlockDelta",
                    json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"text": text}}}),
                ));
            }
            _ => continue,
        }
        events.push(("contentBlockStop", json!({"contentBlockIndex": index})));
    }
    events.push(("messageStop", json!({"stopReason": reply.stop_reason})));
    events.push((
        "metadata",
        json!({"usage": usage, "metrics": {"latencyMs": latency_ms}}),
    ));
    events
}

/// One `event` frame. Bedrock pads payloads with a random-length `p` field; so do we, so
/// clients that choke on unknown fields fail here rather than in production.
pub(crate) fn event_frame(event_type: &str, mut payload: Value) -> Vec<u8> {
    if let Value::Object(map) = &mut payload {
        map.insert(
            "p".into(),
            Value::String(
                "abcdefghijklmnopqrstuvwxyz"
                    .chars()
                    .take(event_type.len())
                    .collect(),
            ),
        );
    }
    frame(
        vec![
            Header::new(
                ":event-type",
                HeaderValue::String(event_type.to_string().into()),
            ),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            Header::new(":message-type", HeaderValue::String("event".into())),
        ],
        payload,
    )
}

/// An `exception` frame for an error inside the stream.
pub(crate) fn exception_frame(exception_name: &str, error: &BedrockError) -> Vec<u8> {
    frame(
        vec![
            Header::new(
                ":exception-type",
                HeaderValue::String(exception_name.to_string().into()),
            ),
            Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            Header::new(":message-type", HeaderValue::String("exception".into())),
        ],
        json!({"message": error.message}),
    )
}

fn frame(headers: Vec<Header>, payload: Value) -> Vec<u8> {
    let message = Message::new_from_parts(headers, payload.to_string().into_bytes());
    let mut out = Vec::new();
    write_message_to(&message, &mut out)
        .expect("writing an event-stream frame to a Vec cannot fail");
    out
}

fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

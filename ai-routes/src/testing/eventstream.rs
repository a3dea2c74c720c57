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

/// The generated text of a `citationsContent` block.
fn cited_text(cited: &Value) -> String {
    cited["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|part| part["text"].as_str())
        .collect()
}

/// The event payloads for a reply, in the order Bedrock sends them.
pub(crate) fn reply_events(
    reply: &Reply,
    usage: TokenUsage,
    served: ai_routes_catalog::ServiceTier,
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
            // Streamed, cited text arrives as text deltas, then one `citation` delta per
            // citation (vercel/ai amazon-bedrock `bedrock-citations-content` fixtures).
            ContentBlock::CitationsContent(cited) => {
                let text = cited_text(cited);
                for piece in chunks(&text, TEXT_CHUNK) {
                    events.push((
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"text": piece}}),
                    ));
                }
                for citation in cited["citations"].as_array().into_iter().flatten() {
                    events.push((
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"citation": citation}}),
                    ));
                }
            }
            // Reasoning streams as text deltas, then its signature in a delta of its own;
            // redacted reasoning as one redactedContent delta.
            ContentBlock::ReasoningContent(reasoning) => {
                if let Some(redacted) = reasoning.get("redactedContent") {
                    events.push((
                        "contentBlockDelta",
                        json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"redactedContent": redacted}}}),
                    ));
                } else {
                    let text = reasoning
                        .pointer("/reasoningText/text")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    for piece in chunks(text, TEXT_CHUNK) {
                        events.push((
                            "contentBlockDelta",
                            json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}}),
                        ));
                    }
                    if let Some(signature) = reasoning.pointer("/reasoningText/signature") {
                        events.push((
                            "contentBlockDelta",
                            json!({"contentBlockIndex": index, "delta": {"reasoningContent": {"signature": signature}}}),
                        ));
                    }
                }
            }
            _ => continue,
        }
        events.push(("contentBlockStop", json!({"contentBlockIndex": index})));
    }
    events.push(("messageStop", json!({"stopReason": reply.stop_reason})));
    events.push((
        "metadata",
        json!({
            "usage": usage,
            "metrics": {"latencyMs": latency_ms},
            "serviceTier": {"type": served.as_str()},
        }),
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

#[cfg(test)]
mod tests {
    //! Checks the frames with a decoder written from the wire format, not the SDK's.
    use super::*;
    use crate::testing::reply::ErrorKind;

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// Returns the string headers and the JSON payload of one frame.
    fn decode(frame: &[u8]) -> (Vec<(String, String)>, Value) {
        let be = |at: usize| u32::from_be_bytes(frame[at..at + 4].try_into().unwrap());
        let total = be(0) as usize;
        let headers_len = be(4) as usize;
        assert_eq!(total, frame.len(), "total length");
        assert_eq!(be(8), crc32(&frame[..8]), "prelude CRC");
        assert_eq!(be(total - 4), crc32(&frame[..total - 4]), "message CRC");
        let mut headers = Vec::new();
        let mut at = 12;
        while at < 12 + headers_len {
            let name_len = frame[at] as usize;
            let name = String::from_utf8(frame[at + 1..at + 1 + name_len].to_vec()).unwrap();
            at += 1 + name_len;
            assert_eq!(frame[at], 7, "string header type");
            let value_len = u16::from_be_bytes([frame[at + 1], frame[at + 2]]) as usize;
            let value = String::from_utf8(frame[at + 3..at + 3 + value_len].to_vec()).unwrap();
            at += 3 + value_len;
            headers.push((name, value));
        }
        let payload = serde_json::from_slice(&frame[12 + headers_len..total - 4]).unwrap();
        (headers, payload)
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        &headers.iter().find(|(n, _)| n == name).unwrap().1
    }

    #[test]
    fn event_frames_match_the_wire_format() {
        let reply =
            Reply::tool_use("get_weather", json!({"city": "Paris"})).with_preamble("Checking");
        let events = reply_events(
            &reply,
            super::super::wire::TokenUsage::new(3, 4),
            ai_routes_catalog::ServiceTier::Default,
            9,
        );
        let decoded: Vec<_> = events
            .into_iter()
            .map(|(kind, payload)| decode(&event_frame(kind, payload)))
            .collect();
        let kinds: Vec<&str> = decoded
            .iter()
            .map(|(h, _)| header(h, ":event-type"))
            .collect();
        assert_eq!(
            kinds,
            [
                "messageStart",
                "contentBlockDelta",
                "contentBlockStop",
                "contentBlockStart",
                "contentBlockDelta",
                "contentBlockStop",
                "messageStop",
                "metadata"
            ]
        );
        for (headers, payload) in &decoded {
            assert_eq!(header(headers, ":message-type"), "event");
            assert_eq!(header(headers, ":content-type"), "application/json");
            assert!(payload.get("p").is_some(), "padding like real Bedrock");
        }
        assert_eq!(decoded[3].1["start"]["toolUse"]["name"], "get_weather");
        assert_eq!(
            decoded[4].1["delta"]["toolUse"]["input"],
            r#"{"city":"Paris"}"#
        );
        assert_eq!(decoded[6].1["stopReason"], "tool_use");
        assert_eq!(decoded[7].1["usage"]["totalTokens"], 7);
    }

    #[test]
    fn exception_frames_match_the_wire_format() {
        let (headers, payload) = decode(&exception_frame(
            "throttlingException",
            &BedrockError::of(ErrorKind::Throttling),
        ));
        assert_eq!(header(&headers, ":message-type"), "exception");
        assert_eq!(header(&headers, ":exception-type"), "throttlingException");
        assert!(payload["message"]
            .as_str()
            .unwrap()
            .contains("Too many requests"));
    }
}

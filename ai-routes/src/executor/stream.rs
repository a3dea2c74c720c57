//! One ConverseStream attempt: the answer assembled from its events, text deltas handed
//! over as they arrive.

use aws_sdk_bedrockruntime::types::{
    ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, ReasoningContentBlockDelta,
};
use base64::Engine as _;
use futures_util::FutureExt as _;
use serde_json::Value;

use super::attempts::ModelCall;
use super::{Delta, FailedAttempt, Parts, Reply};
use crate::citation::Citation;
use crate::conversation::ContentPart;
use crate::error::Error;
use crate::usage::Usage;

pub(super) async fn attempt(
    call: &ModelCall<'_>,
    parts: &Parts<'_>,
    sink: &mut (dyn FnMut(Delta) + Send),
) -> Result<Reply, FailedAttempt> {
    let target = parts.target;
    sink(Delta::AttemptStarted);
    let mut output = call
        .timed(async {
            parts
                .converse_stream()
                .send()
                .boxed()
                .await
                .map_err(|e| target.map_sdk_error(e))
        })
        .await?;
    let mut blocks = Blocks::default();
    let mut stop_reason = None;
    let mut usage = Usage::default();
    let mut served = None;
    let mut trace = Value::Null;
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
        let event = match event {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(error) => {
                return Err(FailedAttempt {
                    error,
                    partial: finish(blocks),
                    delivered,
                })
            }
        };
        match event {
            ConverseStreamOutput::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = start.start {
                    *blocks.at(start.content_block_index, Assembling::empty_text) =
                        Assembling::Tool {
                            id: tool.tool_use_id,
                            name: tool.name,
                            input: String::new(),
                        };
                }
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => match delta.delta {
                Some(ContentBlockDelta::Text(text)) => {
                    match blocks.at(delta.content_block_index, Assembling::empty_text) {
                        Assembling::Text(buffer) | Assembling::Cited { text: buffer, .. } => {
                            buffer.push_str(&text)
                        }
                        _ => {}
                    }
                    delivered = true;
                    // The sink takes the SDK's string; the answer keeps its own copy.
                    sink(Delta::Text(text));
                }
                Some(ContentBlockDelta::ReasoningContent(reasoning)) => {
                    let block = blocks.at(delta.content_block_index, Assembling::empty_reasoning);
                    // A block index first seen as (empty) text turned out to be reasoning.
                    if matches!(block, Assembling::Text(t) if t.is_empty()) {
                        *block = Assembling::empty_reasoning();
                    }
                    delivered = true;
                    if let Assembling::Reasoning {
                        text,
                        signature,
                        redacted,
                    } = block
                    {
                        match reasoning {
                            ReasoningContentBlockDelta::Text(piece) => {
                                text.push_str(&piece);
                                sink(Delta::Reasoning(piece));
                            }
                            ReasoningContentBlockDelta::Signature(piece) => {
                                signature.get_or_insert_with(String::new).push_str(&piece);
                            }
                            ReasoningContentBlockDelta::RedactedContent(bytes) => {
                                redacted
                                    .get_or_insert_with(Vec::new)
                                    .extend_from_slice(bytes.as_ref());
                                sink(Delta::RedactedReasoning);
                            }
                            _ => {}
                        }
                    }
                }
                Some(ContentBlockDelta::Citation(cited)) => {
                    let block = blocks.at(delta.content_block_index, Assembling::empty_text);
                    let citation = Citation::from_delta(&cited);
                    match block {
                        Assembling::Cited { citations, .. } => citations.push(citation),
                        Assembling::Text(text) => {
                            *block = Assembling::Cited {
                                text: std::mem::take(text),
                                citations: vec![citation],
                            }
                        }
                        _ => {}
                    }
                }
                Some(ContentBlockDelta::ToolUse(fragment)) => {
                    if let Assembling::Tool { input, .. } =
                        blocks.at(delta.content_block_index, Assembling::empty_text)
                    {
                        input.push_str(fragment.input());
                    }
                    // Not `delivered`: tool input reaches no one but a streamed generation,
                    // which starts over on `AttemptStarted`.
                    sink(Delta::ToolInput(fragment.input));
                }
                _ => {}
            },
            ConverseStreamOutput::MessageStop(stop) => stop_reason = Some(stop.stop_reason),
            ConverseStreamOutput::Metadata(metadata) => {
                served = super::served_tier(metadata.service_tier());
                usage = Usage::from_sdk(metadata.usage(), target.model, served);
                if let Some(t) = metadata.trace() {
                    trace = Value::String(format!("{t:?}"));
                }
            }
            _ => {}
        }
    }
    match stop_reason {
        Some(stop_reason) => Ok(Reply {
            content: finish(blocks),
            stop_reason,
            usage,
            served,
            trace,
            delivered,
        }),
        // A clean end of stream without messageStop is a broken stream, not an answer.
        None => Err(FailedAttempt {
            error: Error::Stream("the response stream ended before messageStop".into()),
            partial: finish(blocks),
            delivered,
        }),
    }
}

enum Assembling {
    Text(String),
    /// Text with the passages that support it (a `citationsContent` block).
    Cited {
        text: String,
        citations: Vec<Citation>,
    },
    Tool {
        id: String,
        name: String,
        input: String,
    },
    Reasoning {
        text: String,
        signature: Option<String>,
        redacted: Option<Vec<u8>>,
    },
}

impl Assembling {
    fn empty_text() -> Self {
        Assembling::Text(String::new())
    }

    fn empty_reasoning() -> Self {
        Assembling::Reasoning {
            text: String::new(),
            signature: None,
            redacted: None,
        }
    }
}

/// The answer's blocks by `contentBlockIndex`, in the order they started. Deltas almost
/// always extend the last block, so that is looked at first (a map cost a lookup per delta).
#[derive(Default)]
struct Blocks(Vec<(i32, Assembling)>);

impl Blocks {
    /// The block at `index`, created by `new` if it has not started yet.
    fn at(&mut self, index: i32, new: fn() -> Assembling) -> &mut Assembling {
        let position = match self.0.last() {
            Some((last, _)) if *last == index => self.0.len() - 1,
            _ => match self.0.iter().position(|(i, _)| *i == index) {
                Some(position) => position,
                None => {
                    self.0.push((index, new()));
                    self.0.len() - 1
                }
            },
        };
        &mut self.0[position].1
    }
}

fn finish(mut blocks: Blocks) -> Vec<ContentPart> {
    blocks.0.sort_by_key(|(index, _)| *index);
    blocks
        .0
        .into_iter()
        .map(|(_, block)| match block {
            Assembling::Text(text) => ContentPart::Text { text },
            Assembling::Cited { text, citations } => ContentPart::CitedText { text, citations },
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
            Assembling::Reasoning {
                text,
                signature,
                redacted,
            } => ContentPart::Reasoning {
                text,
                signature,
                redacted: redacted
                    .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
            },
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

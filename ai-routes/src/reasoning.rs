//! Reasoning on the wire: the request fields a route's reasoning plan sends (the plan
//! itself is the catalog's decision, [`Model::reasoning_plan`]), and the reasoning parts
//! of a reply, whatever shape the model gave them.
//!
//! [`Model::reasoning_plan`]: ai_routes_catalog::Model::reasoning_plan

use ai_routes_catalog::{ReasoningFields, ReasoningPlan};
use serde_json::{json, Value};

use crate::conversation::ContentPart;
use crate::executor::Delta;

/// `additionalModelRequestFields` for the plan, if it sets anything.
pub(crate) fn request_fields(plan: &ReasoningPlan) -> Option<Value> {
    Some(match plan.fields {
        ReasoningFields::None => return None,
        ReasoningFields::AnthropicEnabled { budget_tokens } => {
            json!({"thinking": {"type": "enabled", "budget_tokens": budget_tokens}})
        }
        ReasoningFields::AnthropicAdaptive(effort) => json!({
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": effort.as_str()},
        }),
        ReasoningFields::AnthropicDisabled => json!({"thinking": {"type": "disabled"}}),
        ReasoningFields::OpenAiEffort(effort) => json!({"reasoning_effort": effort.as_str()}),
        ReasoningFields::QwenConfig(effort) => json!({"reasoning_config": effort.as_str()}),
        ReasoningFields::NovaEffort(effort) => json!({
            "reasoningConfig": {"type": "enabled", "maxReasoningEffort": effort.as_str()},
        }),
    })
}

const THINK_OPEN: &str = "<think>";
const THINK_CLOSE: &str = "</think>";

/// A reply's parts with reasoning that arrived inline in text (`<think>…</think>`, as
/// Kimi K2 Thinking writes it) split out into unsigned reasoning parts, and text left
/// empty by that (or sent empty before the reasoning, as gpt-oss does) removed.
pub(crate) fn separate_inline_reasoning(parts: Vec<ContentPart>) -> Vec<ContentPart> {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            ContentPart::Text { text } if text.contains(THINK_OPEN) => {
                let (reasoning, answer) = split_think(&text);
                if !reasoning.trim().is_empty() {
                    out.push(ContentPart::Reasoning {
                        text: reasoning.trim().to_string(),
                        signature: None,
                        redacted: None,
                    });
                }
                if !answer.trim().is_empty() {
                    out.push(ContentPart::Text {
                        text: answer.trim_start().to_string(),
                    });
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Streamed text of a thinking model, with inline `<think>…</think>` handed over as
/// reasoning deltas: the tags may be split across deltas, so a possible partial tag is held
/// back until the next delta (or the end) settles it.
#[derive(Default)]
pub(crate) struct InlineThinking {
    inside: bool,
    held: String,
}

impl InlineThinking {
    /// The deltas `text` makes, in order.
    pub(crate) fn push(&mut self, text: &str) -> Vec<Delta> {
        let mut out = Vec::new();
        self.held.push_str(text);
        loop {
            let tag = if self.inside { THINK_CLOSE } else { THINK_OPEN };
            if let Some(at) = self.held.find(tag) {
                let before: String = self.held.drain(..at).collect();
                self.held.drain(..tag.len());
                self.emit(before, &mut out);
                self.inside = !self.inside;
                continue;
            }
            // Keep the longest suffix that could still start the tag.
            let keep = (1..tag.len())
                .rev()
                .find(|n| self.held.ends_with(&tag[..*n]))
                .unwrap_or(0);
            let ready: String = self.held.drain(..self.held.len() - keep).collect();
            self.emit(ready, &mut out);
            return out;
        }
    }

    /// What is still held back, once the stream ended.
    pub(crate) fn finish(&mut self) -> Vec<Delta> {
        let mut out = Vec::new();
        let rest = std::mem::take(&mut self.held);
        self.emit(rest, &mut out);
        out
    }

    fn emit(&self, text: String, out: &mut Vec<Delta>) {
        if !text.is_empty() {
            out.push(if self.inside {
                Delta::Reasoning(text)
            } else {
                Delta::Text(text)
            });
        }
    }
}

/// `(reasoning, answer)` of text holding `<think>…</think>` blocks; an unclosed block is
/// reasoning to the end.
fn split_think(text: &str) -> (String, String) {
    let (mut reasoning, mut answer) = (String::new(), String::new());
    let mut rest = text;
    while let Some(start) = rest.find(THINK_OPEN) {
        answer.push_str(&rest[..start]);
        let inside = &rest[start + THINK_OPEN.len()..];
        match inside.find(THINK_CLOSE) {
            Some(end) => {
                reasoning.push_str(&inside[..end]);
                rest = &inside[end + THINK_CLOSE.len()..];
            }
            None => {
                reasoning.push_str(inside);
                rest = "";
            }
        }
    }
    answer.push_str(rest);
    (reasoning, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_think_becomes_reasoning() {
        let parts = separate_inline_reasoning(vec![ContentPart::text(
            "<think>The user wants the weather.</think>\n\nIt is sunny.",
        )]);
        assert_eq!(
            parts,
            vec![
                ContentPart::Reasoning {
                    text: "The user wants the weather.".into(),
                    signature: None,
                    redacted: None
                },
                ContentPart::text("It is sunny.")
            ]
        );
        let unclosed = separate_inline_reasoning(vec![ContentPart::text("<think>hmm")]);
        assert!(matches!(&unclosed[..], [ContentPart::Reasoning { text, .. }] if text == "hmm"));
        let plain = separate_inline_reasoning(vec![ContentPart::text("a < b")]);
        assert_eq!(plain, vec![ContentPart::text("a < b")]);
    }

    #[test]
    fn inline_think_streams_as_reasoning_even_when_tags_are_split() {
        let mut splitter = InlineThinking::default();
        let mut deltas = Vec::new();
        for piece in ["<th", "ink>plan ", "it</thi", "nk>\n\nAns", "wer <b"] {
            deltas.extend(splitter.push(piece));
        }
        deltas.extend(splitter.finish());
        let reasoning: String = deltas
            .iter()
            .filter_map(|d| match d {
                Delta::Reasoning(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        let text: String = deltas
            .iter()
            .filter_map(|d| match d {
                Delta::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(reasoning, "plan it");
        assert_eq!(text, "\n\nAnswer <b");
    }

    #[test]
    fn fields_per_provider() {
        use ai_routes_catalog::{by_id, Effort, ReasoningSetting};
        let high = ReasoningSetting::Effort(Effort::High);
        let fields =
            |id: &str| request_fields(&by_id(id).unwrap().reasoning_plan(high, None).unwrap());
        assert_eq!(
            fields("anthropic.claude-sonnet-4-5-20250929-v1:0"),
            Some(json!({"thinking": {"type": "enabled", "budget_tokens": 16384}}))
        );
        assert_eq!(
            fields("anthropic.claude-opus-4-6-v1"),
            Some(json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}}))
        );
        assert_eq!(
            fields("openai.gpt-oss-120b-1:0"),
            Some(json!({"reasoning_effort": "high"}))
        );
        assert_eq!(
            fields("qwen.qwen3-32b-v1:0"),
            Some(json!({"reasoning_config": "high"}))
        );
        assert_eq!(
            fields("amazon.nova-2-lite-v1:0"),
            Some(json!({"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "high"}}))
        );
    }
}

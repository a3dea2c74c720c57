//! The part of a conversation the model sees: the newest messages that fit the context
//! window, cut at a turn boundary and normalised so Bedrock accepts it (roles alternate,
//! every `toolUse` has its `toolResult` right after it, no orphan results).

use std::collections::HashSet;

use super::convert::tool_part_as_text;
use super::message::{ContentPart, Role, StoredMessage};
use crate::error::Result;
use crate::store::{ConversationStore, MessageOrder};

/// Messages read per store page while filling the window.
const PAGE: usize = 64;
/// Upper bound on messages in a window, whatever their size.
pub(crate) const MAX_WINDOW_MESSAGES: usize = 2_000;

/// Reads the newest messages whose estimated size fits `budget_tokens`, oldest first,
/// starting at a user message that opens a turn. Reads pages newest-first, so a long
/// conversation costs what its window costs, not what its history costs.
pub(crate) async fn load_window(
    store: &dyn ConversationStore,
    owner: &str,
    conversation_id: &str,
    budget_tokens: u64,
) -> Result<Vec<StoredMessage>> {
    let mut newest_first: Vec<StoredMessage> = Vec::new();
    let mut used: u64 = 0;
    let mut cursor: Option<String> = None;
    'pages: loop {
        let page = store
            .list_messages(
                owner,
                conversation_id,
                MessageOrder::Newest,
                PAGE,
                cursor.as_deref(),
            )
            .await?;
        for message in page.items {
            let cost = u64::from(message.estimated_tokens);
            if used + cost > budget_tokens || newest_first.len() >= MAX_WINDOW_MESSAGES {
                break 'pages;
            }
            used += cost;
            newest_first.push(message);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    calibrate(&mut newest_first, used, budget_tokens);
    newest_first.reverse();
    let start = newest_first
        .iter()
        .position(opens_turn)
        .unwrap_or(newest_first.len());
    Ok(newest_first.split_off(start))
}

/// Corrects the estimate with what the model really counted: the newest answer's reported
/// prompt tokens (cached ones included) against the estimate of the messages it saw. When the model counts more
/// than estimated, the oldest messages are dropped until the scaled size fits.
fn calibrate(newest_first: &mut Vec<StoredMessage>, mut used: u64, budget_tokens: u64) {
    let Some(at) = newest_first
        .iter()
        .position(|m| m.role == Role::Assistant && m.usage.is_some_and(|u| u.prompt_tokens() > 0))
    else {
        return;
    };
    let seen: u64 = newest_first[at + 1..]
        .iter()
        .map(|m| u64::from(m.estimated_tokens))
        .sum();
    let reported = newest_first[at].usage.map_or(0, |u| u.prompt_tokens());
    if seen == 0 {
        return;
    }
    let ratio = (reported as f64 / seen as f64).clamp(1.0, 4.0);
    while used as f64 * ratio > budget_tokens as f64 {
        match newest_first.pop() {
            Some(oldest) => used -= u64::from(oldest.estimated_tokens),
            None => break,
        }
    }
}

/// The message's parts as the model's window holds them. Signed (or redacted) reasoning
/// is kept in the current turn's assistant messages written by the model called now: with
/// thinking on, Bedrock refuses the assistant message carrying a `toolUse` without its
/// signed blocks, unchanged, and refuses signed blocks another model wrote. All other
/// reasoning (earlier turns, unsigned reasoning of gpt-oss, Qwen3, DeepSeek) is left out:
/// it is not needed and would fill the window.
fn window_reasoning(
    message: &StoredMessage,
    current_turn: bool,
    model_id: &str,
) -> Vec<ContentPart> {
    let keep_signed = current_turn
        && message.role == Role::Assistant
        && message.model_id.as_deref() == Some(model_id);
    message
        .content
        .iter()
        .filter(|part| match part {
            ContentPart::Reasoning { .. } => keep_signed && part.is_signed_reasoning(),
            _ => true,
        })
        .cloned()
        .collect()
}

/// A user message that is not only tool results starts a turn.
fn opens_turn(message: &StoredMessage) -> bool {
    message.role == Role::User
        && message
            .content
            .iter()
            .any(|p| !matches!(p, ContentPart::ToolResult { .. }))
}

/// Normalises the window into `(role, parts)` messages Bedrock accepts:
/// - incomplete assistant messages are left out (they were cut short by an error), and so are
///   the user messages of a turn Bedrock refused;
/// - tool blocks of tools not declared now, and unpaired ones, become text;
/// - reasoning stays out, except signed reasoning of the current turn written by `model_id`
///   (Bedrock requires it back unchanged in a tool loop: [`window_reasoning`]);
/// - consecutive messages of one role are merged.
pub(crate) fn normalise(
    window: &[StoredMessage],
    declared_tools: &HashSet<String>,
    model_id: &str,
) -> Vec<(Role, Vec<ContentPart>)> {
    // The user messages of a turn Bedrock refused are not sent again (they would be refused
    // again, and the conversation could never move on).
    let mut refused = vec![false; window.len()];
    for (i, message) in window.iter().enumerate() {
        if message.marks_rejected_turn() {
            for j in (0..i).rev() {
                if window[j].role != Role::User {
                    break;
                }
                refused[j] = true;
            }
        }
    }
    let kept: Vec<&StoredMessage> = window
        .iter()
        .zip(refused)
        .filter(|(m, refused)| !m.incomplete && !refused)
        .map(|(m, _)| m)
        .collect();
    let current_turn = kept.iter().rposition(|m| opens_turn(m)).unwrap_or(0);
    let mut merged: Vec<(Role, Vec<ContentPart>)> = Vec::new();
    for (index, message) in kept.into_iter().enumerate() {
        let mut parts = window_reasoning(message, index >= current_turn, model_id);
        if parts.is_empty() {
            // A reply that was reasoning only (Qwen3 can answer so) has nothing left to send.
            continue;
        }
        if let Some(context) = &message.ai_context {
            parts.push(ContentPart::text(format!("Context: {context}")));
        }
        match merged.last_mut() {
            Some((role, existing)) if *role == message.role => existing.extend(parts),
            _ => merged.push((message.role, parts)),
        }
    }
    // Pair check on the merged list: a toolUse is kept when its tool is declared and the next
    // message answers it; a result when the previous message holds its (kept) toolUse. One
    // pass suffices: both conditions describe the same pairs.
    for i in 0..merged.len() {
        let answered: HashSet<String> = merged
            .get(i + 1)
            .map(|(_, parts)| {
                parts
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::ToolResult { tool_use_id, .. } => Some(tool_use_id.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let asked: HashSet<String> = if i == 0 {
            HashSet::new()
        } else {
            merged[i - 1]
                .1
                .iter()
                .filter_map(|p| match p {
                    ContentPart::ToolUse { id, name, .. } if declared_tools.contains(name) => {
                        Some(id.clone())
                    }
                    _ => None,
                })
                .collect()
        };
        let (role, parts) = &mut merged[i];
        let role = *role;
        for part in parts.iter_mut() {
            let keep = match part {
                ContentPart::ToolUse { id, name, .. } => {
                    role == Role::Assistant
                        && declared_tools.contains(name)
                        && answered.contains(id)
                }
                ContentPart::ToolResult { tool_use_id, .. } => {
                    role == Role::User && asked.contains(tool_use_id)
                }
                _ => true,
            };
            if !keep {
                if let Some(text) = tool_part_as_text(part) {
                    *part = text;
                }
            }
        }
    }
    // Anthropic models want a user message's tool results before its other blocks.
    for (role, parts) in merged.iter_mut() {
        if *role == Role::User {
            parts.sort_by_key(|p| !matches!(p, ContentPart::ToolResult { .. }));
        }
    }
    // Bedrock wants the first message from the user.
    let leading_assistant = merged
        .iter()
        .take_while(|(role, _)| *role == Role::Assistant)
        .count();
    merged.drain(..leading_assistant);
    cap_media(&mut merged);
    merged
}

/// Bedrock takes at most [`MAX_IMAGES`] images and [`MAX_DOCUMENTS`] documents in one
/// request, history included: the newest are sent and older ones are named in text instead,
/// so a conversation with many attachments keeps working rather than failing on every turn.
///
/// [`MAX_IMAGES`]: crate::MAX_IMAGES
/// [`MAX_DOCUMENTS`]: crate::MAX_DOCUMENTS
fn cap_media(messages: &mut [(Role, Vec<ContentPart>)]) {
    let (mut images, mut documents) = (0, 0);
    for (_, parts) in messages.iter_mut().rev() {
        for part in parts.iter_mut().rev() {
            let left_out = match part {
                ContentPart::Image { .. } => {
                    images += 1;
                    (images > crate::MAX_IMAGES).then(|| {
                        format!(
                            "[an image sent earlier, left out here: Bedrock takes at most {} images in one request]",
                            crate::MAX_IMAGES
                        )
                    })
                }
                ContentPart::Document { name, .. } => {
                    documents += 1;
                    (documents > crate::MAX_DOCUMENTS).then(|| {
                        format!(
                            "[document `{name}` sent earlier, left out here: Bedrock takes at most {} documents in one request]",
                            crate::MAX_DOCUMENTS
                        )
                    })
                }
                _ => None,
            };
            if let Some(text) = left_out {
                *part = ContentPart::text(text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::conversation::message::ToolStatus;
    use crate::usage::Usage;

    fn message(seq: u64, role: Role, content: Vec<ContentPart>) -> StoredMessage {
        StoredMessage {
            id: format!("m{seq}"),
            conversation_id: "c".into(),
            seq,
            role,
            content,
            ai_context: None,
            stop_reason: None,
            usage: None,
            model_id: None,
            incomplete: false,
            estimated_tokens: 10,
            created_at: 0,
        }
    }

    fn tool_use(id: &str, name: &str) -> ContentPart {
        ContentPart::ToolUse {
            id: id.into(),
            name: name.into(),
            input: json!({}),
        }
    }

    fn result(id: &str) -> ContentPart {
        ContentPart::ToolResult {
            tool_use_id: id.into(),
            status: ToolStatus::Success,
            content: json!("ok"),
        }
    }

    #[test]
    fn keeps_declared_pairs_and_turns_the_rest_into_text() {
        let declared: HashSet<String> = ["weather".to_string()].into();
        let window = vec![
            message(1, Role::User, vec![ContentPart::text("hi")]),
            message(
                2,
                Role::Assistant,
                vec![tool_use("a", "weather"), tool_use("b", "retired_tool")],
            ),
            message(3, Role::User, vec![result("a"), result("b")]),
            message(4, Role::Assistant, vec![tool_use("c", "weather")]), // never answered
            message(5, Role::User, vec![ContentPart::text("next")]),
        ];
        let out = normalise(&window, &declared, "m");
        assert_eq!(out.len(), 5);
        assert!(matches!(&out[1].1[0], ContentPart::ToolUse { id, .. } if id == "a"));
        assert!(
            matches!(&out[1].1[1], ContentPart::Text { text } if text.contains("retired_tool"))
        );
        assert!(
            matches!(&out[2].1[0], ContentPart::ToolResult { tool_use_id, .. } if tool_use_id == "a")
        );
        assert!(matches!(&out[2].1[1], ContentPart::Text { .. }));
        assert!(
            matches!(&out[3].1[0], ContentPart::Text { text } if text.contains("called tool weather"))
        );
    }

    #[test]
    fn merges_roles_drops_incomplete_answers_and_puts_results_first() {
        let declared: HashSet<String> = ["weather".to_string()].into();
        let mut cut = message(3, Role::Assistant, vec![ContentPart::text("partial")]);
        cut.incomplete = true;
        let window = vec![
            message(1, Role::Assistant, vec![ContentPart::text("orphan answer")]),
            message(2, Role::User, vec![ContentPart::text("one")]),
            cut,
            message(4, Role::User, vec![ContentPart::text("two")]),
            message(5, Role::Assistant, vec![tool_use("a", "weather")]),
            message(6, Role::User, vec![result("a")]),
            message(7, Role::User, vec![ContentPart::text("three"), result("z")]),
        ];
        let out = normalise(&window, &declared, "m");
        let roles: Vec<Role> = out.iter().map(|(r, _)| *r).collect();
        assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
        assert_eq!(
            out[0].1.len(),
            2,
            "`one` and `two` merged, the incomplete answer left out"
        );
        assert!(
            matches!(&out[2].1[0], ContentPart::ToolResult { tool_use_id, .. } if tool_use_id == "a")
        );
        assert!(matches!(&out[2].1[1], ContentPart::Text { text } if text == "three"));
        assert!(matches!(&out[2].1[2], ContentPart::Text { text } if text.contains("tool result")));
    }

    #[test]
    fn only_the_newest_images_and_documents_bedrock_takes_are_sent() {
        let image = || ContentPart::Image {
            format: "png".into(),
            data: "iVBORw==".into(),
        };
        let document = |name: &str| ContentPart::Document {
            format: "md".into(),
            name: name.into(),
            data: "IyBoaQ==".into(),
            citations: false,
        };
        let mut first = vec![ContentPart::text("many")];
        first.extend((0..15).map(|_| image()));
        first.extend((0..4).map(|i| document(&format!("old{i}"))));
        let mut second = vec![ContentPart::text("more")];
        second.extend((0..10).map(|_| image()));
        second.extend((0..3).map(|i| document(&format!("new{i}"))));
        let window = vec![
            message(1, Role::User, first),
            message(2, Role::Assistant, vec![ContentPart::text("ok")]),
            message(3, Role::User, second),
        ];
        let out = normalise(&window, &HashSet::new(), "m");
        let count = |parts: &[ContentPart], f: fn(&ContentPart) -> bool| {
            parts.iter().filter(|p| f(p)).count()
        };
        let is_image = |p: &ContentPart| matches!(p, ContentPart::Image { .. });
        let is_document = |p: &ContentPart| matches!(p, ContentPart::Document { .. });
        assert_eq!(
            count(&out[2].1, is_image),
            10,
            "the newest message keeps all"
        );
        assert_eq!(count(&out[2].1, is_document), 3);
        assert_eq!(count(&out[0].1, is_image), 10, "20 in all");
        assert_eq!(count(&out[0].1, is_document), 2, "5 in all");
        let left_out: Vec<&str> = out[0]
            .1
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } if text.contains("left out") => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(left_out.len(), 5 + 2);
        assert!(
            left_out.iter().any(|t| t.contains("`old0`")),
            "{left_out:?}"
        );
    }

    #[test]
    fn reported_usage_shrinks_the_window_when_the_estimate_was_low() {
        let mut answer = message(4, Role::Assistant, vec![ContentPart::text("a")]);
        answer.usage = Some(Usage {
            input_tokens: 60,
            ..Usage::default()
        });
        // Newest first: the answer saw 3 older messages estimated at 30 tokens but counted 60.
        let mut newest_first = vec![
            message(5, Role::User, vec![ContentPart::text("q")]),
            answer,
            message(3, Role::User, vec![ContentPart::text("x")]),
            message(2, Role::Assistant, vec![ContentPart::text("y")]),
            message(1, Role::User, vec![ContentPart::text("z")]),
        ];
        calibrate(&mut newest_first, 50, 60);
        assert_eq!(
            newest_first.len(),
            3,
            "50 estimated × 2 = 100 > 60: two oldest dropped"
        );
        let mut unchanged = newest_first.clone();
        calibrate(&mut unchanged, 30, 1000);
        assert_eq!(unchanged.len(), 3);
    }

    #[test]
    fn cached_input_tokens_count_in_the_calibration() {
        // With prompt caching Bedrock reports the cached part of the prompt apart from
        // `inputTokens`: here 5 uncached + 40 read from the cache + 15 written to it = 60
        // tokens the model saw, against 30 estimated. Counting `inputTokens` alone (5) made
        // the window never look oversized, so it drifted past the model's context.
        let mut answer = message(4, Role::Assistant, vec![ContentPart::text("a")]);
        answer.usage = Some(Usage {
            input_tokens: 5,
            cache_read_tokens: 40,
            cache_write_tokens: 15,
            ..Usage::default()
        });
        let mut newest_first = vec![
            message(5, Role::User, vec![ContentPart::text("q")]),
            answer,
            message(3, Role::User, vec![ContentPart::text("x")]),
            message(2, Role::Assistant, vec![ContentPart::text("y")]),
            message(1, Role::User, vec![ContentPart::text("z")]),
        ];
        calibrate(&mut newest_first, 50, 60);
        assert_eq!(
            newest_first.len(),
            3,
            "60 of 30 estimated: 50 × 2 = 100 > 60, two oldest dropped"
        );
    }

    fn reasoning(text: &str, signature: Option<&str>) -> ContentPart {
        ContentPart::Reasoning {
            text: text.into(),
            signature: signature.map(str::to_string),
            redacted: None,
        }
    }

    #[test]
    fn only_signed_reasoning_of_the_current_turn_by_this_model_is_sent() {
        let by = |mut m: StoredMessage, model: &str| {
            m.model_id = Some(model.into());
            m
        };
        let declared: HashSet<String> = ["weather".to_string()].into();
        let window = vec![
            message(1, Role::User, vec![ContentPart::text("first")]),
            by(
                message(
                    2,
                    Role::Assistant,
                    vec![reasoning("old", Some("s1")), ContentPart::text("a")],
                ),
                "m",
            ),
            message(3, Role::User, vec![ContentPart::text("second")]),
            by(
                message(
                    4,
                    Role::Assistant,
                    vec![reasoning("now", Some("s2")), tool_use("t", "weather")],
                ),
                "m",
            ),
            message(5, Role::User, vec![result("t")]),
            // Unsigned reasoning only (a Qwen3-style reply): nothing left, message dropped.
            by(
                message(6, Role::Assistant, vec![reasoning("unsigned", None)]),
                "m",
            ),
        ];
        let out = normalise(&window, &declared, "m");
        assert_eq!(out.len(), 5, "{out:?}");
        assert_eq!(
            out[1].1,
            vec![ContentPart::text("a")],
            "earlier turn: left out"
        );
        assert_eq!(
            out[3].1[0],
            reasoning("now", Some("s2")),
            "tool loop: kept first"
        );
        // Another model never receives the signed block.
        let other = normalise(&window, &declared, "other");
        assert!(matches!(other[3].1[0], ContentPart::ToolUse { .. }));
    }
}

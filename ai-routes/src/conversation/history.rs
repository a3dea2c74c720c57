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
    newest_first.reverse();
    let start = newest_first
        .iter()
        .position(opens_turn)
        .unwrap_or(newest_first.len());
    Ok(newest_first.split_off(start))
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
/// - incomplete assistant messages are left out (they were cut short by an error);
/// - tool blocks of tools not declared now, and unpaired ones, become text;
/// - consecutive messages of one role are merged.
pub(crate) fn normalise(
    window: &[StoredMessage],
    declared_tools: &HashSet<String>,
) -> Vec<(Role, Vec<ContentPart>)> {
    let kept: Vec<&StoredMessage> = window.iter().filter(|m| !m.incomplete).collect();
    let mut merged: Vec<(Role, Vec<ContentPart>)> = Vec::new();
    for message in kept {
        let mut parts = message.content.clone();
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
    merged
}

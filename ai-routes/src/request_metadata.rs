//! `requestMetadata`: every model call is tagged with its route, owner and conversation, so
//! Bedrock's model invocation logs can be joined with ai-routes' usage events and traces.
//!
//! Bedrock accepts at most 16 entries, keys of 1–256 and values of 0–256 characters from
//! `[a-zA-Z0-9\s._:/=+$@-]` (reference: `shared/design/bedrock-converse-2026.md` §8). Values
//! are made to fit (other characters become `_`, long ones are cut) rather than fail a call
//! over a tag; the stand-in refuses what Bedrock refuses, with this same rule.

use std::collections::HashMap;

/// Key of the route's name.
pub const ROUTE_KEY: &str = "ai_routes.route";
/// Key of the owner (`Client::for_owner`, or the conversation's owner).
pub const OWNER_KEY: &str = "ai_routes.owner";
/// Key of the conversation id.
pub const CONVERSATION_KEY: &str = "ai_routes.conversation";

/// The most entries Bedrock accepts in one request's `requestMetadata`.
pub const MAX_ENTRIES: usize = 16;
/// The most characters Bedrock accepts in a key or a value.
pub const MAX_CHARS: usize = 256;

/// Whether Bedrock accepts `c` in a `requestMetadata` key or value (`\s` being ASCII
/// whitespace, as in Java's regular expressions).
pub fn allowed(c: char) -> bool {
    c.is_ascii() && allowed_byte(c as u8)
}

fn allowed_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || b.is_ascii_whitespace()
        || matches!(
            b,
            b'.' | b'_' | b':' | b'/' | b'=' | b'+' | b'$' | b'@' | b'-'
        )
}

/// Whether Bedrock accepts this entry: a key of 1–256 and a value of at most 256
/// characters, all [`allowed`].
pub fn valid_entry(key: &str, value: &str) -> bool {
    (1..=MAX_CHARS).contains(&key.chars().count())
        && value.chars().count() <= MAX_CHARS
        && key.chars().chain(value.chars()).all(allowed)
}

/// `value` made acceptable: disallowed characters replaced by `_`, cut at 256 characters.
fn fit(value: &str) -> String {
    // The usual case (route names, ids): already acceptable, copied as is.
    if value.len() <= MAX_CHARS && value.bytes().all(allowed_byte) {
        return value.to_owned();
    }
    value
        .chars()
        .take(MAX_CHARS)
        .map(|c| if allowed(c) { c } else { '_' })
        .collect()
}

/// The metadata of one call.
pub(crate) fn for_call(
    route: &str,
    owner: Option<&str>,
    conversation_id: Option<&str>,
) -> HashMap<String, String> {
    let mut metadata = HashMap::with_capacity(3);
    metadata.insert(ROUTE_KEY.to_string(), fit(route));
    if let Some(owner) = owner {
        metadata.insert(OWNER_KEY.to_string(), fit(owner));
    }
    if let Some(id) = conversation_id {
        metadata.insert(CONVERSATION_KEY.to_string(), fit(id));
    }
    metadata
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_made_to_fit_bedrocks_rule() {
        let metadata = for_call(
            "plan_recipe",
            Some("user:ada|lovelace#1"),
            Some(&"x".repeat(300)),
        );
        assert_eq!(metadata[ROUTE_KEY], "plan_recipe");
        assert_eq!(metadata[OWNER_KEY], "user:ada_lovelace_1");
        assert_eq!(metadata[CONVERSATION_KEY].len(), 256);
        assert!(metadata.iter().all(|(k, v)| valid_entry(k, v)));
        assert!(!valid_entry("owner", "a|b"));
        assert!(!valid_entry("", "x"));
    }
}

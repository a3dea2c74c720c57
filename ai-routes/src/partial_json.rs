//! The value a prefix of a JSON document already holds: what streamed generation shows
//! while the model's JSON arrives.
//!
//! One pass over the prefix tracks the open containers, whether an object expects a key or
//! a value, and the last point where everything so far is complete; the snapshot is the
//! prefix up to that point with its containers closed. A string value still arriving is
//! included as far as it goes (so text fills in progressively); a key without its value,
//! a number or literal that may still grow (`12` of `123`, `tr` of `true`) and a dangling
//! `,` or `:` are left out until they are complete.

use serde_json::Value;

/// The value `prefix` (the start of one JSON document) already holds, or `None` when it
/// holds nothing yet (e.g. `""` or `{"ti`).
///
/// ```
/// use ai_routes::partial_json::complete_prefix;
/// use serde_json::json;
/// assert_eq!(complete_prefix(r#"{"title": "Tomato pa"#), Some(json!({"title": "Tomato pa"})));
/// assert_eq!(complete_prefix(r#"{"title": "Pasta", "servings": 1"#), Some(json!({"title": "Pasta"})));
/// assert_eq!(complete_prefix(r#"{"steps": ["boil", "to"#), Some(json!({"steps": ["boil", "to"]})));
/// ```
pub fn complete_prefix(prefix: &str) -> Option<Value> {
    let bytes = prefix.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    // The end of the longest complete prefix, and the closers it needs.
    let mut safe: Option<(usize, String)> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                stack.push(Frame::Object { expect_key: true });
                i += 1;
                safe = Some((i, closers(&stack)));
            }
            b'[' => {
                stack.push(Frame::Array);
                i += 1;
                safe = Some((i, closers(&stack)));
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
                safe = Some((i, closers(&stack)));
            }
            b':' => {
                if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                    *expect_key = false;
                }
                i += 1;
            }
            b',' => {
                if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                    *expect_key = true;
                }
                i += 1;
            }
            b'"' => {
                let is_key = matches!(stack.last(), Some(Frame::Object { expect_key: true }));
                match string_end(bytes, i + 1) {
                    Some(end) => {
                        i = end + 1;
                        if !is_key {
                            safe = Some((i, closers(&stack)));
                        }
                    }
                    // A value string still arriving: show it as far as it is whole.
                    None if !is_key => {
                        let text = trim_incomplete_escape(&prefix[i..]);
                        let candidate = format!("{}{text}\"{}", &prefix[..i], closers(&stack));
                        return serde_json::from_str(&candidate)
                            .ok()
                            .or_else(|| parse_safe(prefix, safe));
                    }
                    None => return parse_safe(prefix, safe),
                }
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                // A number or literal: complete once something follows it (a document
                // that is a bare scalar is only known complete when the stream ends).
                while i < bytes.len() && !is_delimiter(bytes[i]) {
                    i += 1;
                }
                if i < bytes.len() {
                    safe = Some((i, closers(&stack)));
                }
            }
        }
    }
    parse_safe(prefix, safe)
}

enum Frame {
    Object { expect_key: bool },
    Array,
}

fn closers(stack: &[Frame]) -> String {
    stack
        .iter()
        .rev()
        .map(|frame| match frame {
            Frame::Object { .. } => '}',
            Frame::Array => ']',
        })
        .collect()
}

fn parse_safe(prefix: &str, safe: Option<(usize, String)>) -> Option<Value> {
    let (end, closers) = safe?;
    serde_json::from_str(&format!("{}{closers}", &prefix[..end])).ok()
}

/// The index of the closing quote of a string whose content starts at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// An unterminated string (from its opening quote) without a trailing incomplete escape
/// (`\`, `\u12`), which would not parse once closed.
fn trim_incomplete_escape(open: &str) -> &str {
    let bytes = open.as_bytes();
    let mut i = 1;
    let mut last_whole = bytes.len();
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let needed = if bytes.get(i + 1) == Some(&b'u') {
                6
            } else {
                2
            };
            if i + needed > bytes.len() {
                last_whole = i;
                break;
            }
            i += needed;
        } else {
            i += 1;
        }
    }
    &open[..last_whole]
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b',' | b'}' | b']' | b':' | b'"') || b.is_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_prefix_of_a_document_is_a_growing_snapshot() {
        let document = r#"{"title": "Tomato \"pasta\" \u00e9", "servings": 12, "vegan": true, "steps": ["boil", "toss"], "note": null, "nested": {"a": [1, 2.5, {"b": "c"}]}}"#;
        let full: Value = serde_json::from_str(document).unwrap();
        let mut keys_seen = 0;
        for end in 0..=document.len() {
            if !document.is_char_boundary(end) {
                continue;
            }
            let snapshot = complete_prefix(&document[..end]);
            if let Some(Value::Object(map)) = &snapshot {
                // Keys only appear, never disappear, and every complete value is final.
                assert!(map.len() >= keys_seen, "{end}: {snapshot:?}");
                keys_seen = map.len();
                for (key, value) in map {
                    if !matches!(value, Value::String(_) | Value::Array(_) | Value::Object(_)) {
                        assert_eq!(value, &full[key], "{end}: {key}");
                    }
                }
            }
        }
        assert_eq!(complete_prefix(document), Some(full));
    }

    #[test]
    fn incomplete_pieces_are_left_out() {
        assert_eq!(complete_prefix(""), None);
        assert_eq!(complete_prefix("{"), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"ti"#), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"title""#), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"title":"#), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"n": 12"#), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"n": 12,"#), Some(json!({"n": 12})));
        assert_eq!(complete_prefix(r#"{"ok": tr"#), Some(json!({})));
        assert_eq!(complete_prefix(r#"{"s": "a\"#), Some(json!({"s": "a"})));
        assert_eq!(complete_prefix(r#"{"s": "a\u00"#), Some(json!({"s": "a"})));
        assert_eq!(complete_prefix(r#"[1, 2"#), Some(json!([1])));
        assert_eq!(
            complete_prefix(r#"{"a": [{"b": "x"}, {"#),
            Some(json!({"a": [{"b": "x"}, {}]}))
        );
    }
}

//! Synthesizes a JSON value that is valid against a JSON Schema, deterministically.
//!
//! Covers what schemars emits and what hand-written tool schemas use: `type` (single or a
//! list), `enum`, `const`, `oneOf`/`anyOf`/`allOf`, `$ref` into `$defs`/`definitions`,
//! numeric bounds, string lengths and common formats, array item counts, required and
//! optional properties. Recursive types stop at a depth limit by leaving optional
//! properties out and using empty arrays.

use serde_json::{json, Map, Value};

const MAX_DEPTH: usize = 12;

/// A value valid against `schema`, derived from `seed` text so different prompts give
/// different but reproducible values.
pub fn synthesize(schema: &Value, seed: &str) -> Value {
    Synth { root: schema, seed }.value(schema, 0, "value")
}

struct Synth<'a> {
    root: &'a Value,
    seed: &'a str,
}

impl Synth<'_> {
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut current = schema;
        for _ in 0..32 {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                break;
            };
            match self.root.pointer(pointer) {
                Some(target) => current = target,
                None => break,
            }
        }
        current
    }

    fn value(&self, schema: &Value, depth: usize, name: &str) -> Value {
        let schema = self.resolve(schema);
        if schema.is_boolean() {
            // `true` accepts anything; `false` accepts nothing, so no value is better than another.
            return Value::Null;
        }
        if let Some(constant) = schema.get("const") {
            return constant.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|v| v.first())
        {
            return first.clone();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                // Prefer a non-null branch so Option<T> gets a real value near the top.
                let pick = options
                    .iter()
                    .find(|o| {
                        self.resolve(o).get("type") != Some(&json!("null")) || depth >= MAX_DEPTH
                    })
                    .or_else(|| options.first());
                if let Some(option) = pick {
                    return self.value(option, depth + 1, name);
                }
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(fields) = self.value(part, depth + 1, name) {
                    merged.extend(fields);
                }
            }
            if !merged.is_empty() || schema.get("type").is_none() {
                return Value::Object(merged);
            }
        }
        match self.type_of(schema, depth) {
            "object" => self.object(schema, depth),
            "array" => self.array(schema, depth, name),
            "string" => self.string(schema, name),
            "integer" => self.number(schema, true),
            "number" => self.number(schema, false),
            "boolean" => Value::Bool(self.seed.len() % 2 == 0),
            "null" => Value::Null,
            _ => {
                if schema.get("properties").is_some() {
                    self.object(schema, depth)
                } else {
                    Value::String(self.text_for(name))
                }
            }
        }
    }

    fn type_of(&self, schema: &Value, depth: usize) -> &'static str {
        let pick = |t: &str| -> &'static str {
            match t {
                "object" => "object",
                "array" => "array",
                "string" => "string",
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                "null" => "null",
                _ => "",
            }
        };
        match schema.get("type") {
            Some(Value::String(t)) => pick(t),
            Some(Value::Array(types)) => {
                let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
                let non_null = names.iter().find(|t| **t != "null");
                match non_null {
                    Some(t) if depth < MAX_DEPTH => pick(t),
                    _ if names.contains(&"null") => "null",
                    Some(t) => pick(t),
                    None => "",
                }
            }
            _ => "",
        }
    }

    fn object(&self, schema: &Value, depth: usize) -> Value {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                if required.contains(&key.as_str()) || depth < 3 {
                    out.insert(key.clone(), self.value(property, depth + 1, key));
                }
            }
        }
        Value::Object(out)
    }

    fn array(&self, schema: &Value, depth: usize, name: &str) -> Value {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize)
            .unwrap_or(usize::MAX);
        let wanted = if depth >= MAX_DEPTH {
            min
        } else {
            min.max(2).min(max)
        };
        if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
            return Value::Array(
                prefix
                    .iter()
                    .map(|item| self.value(item, depth + 1, name))
                    .collect(),
            );
        }
        let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = schema
            .get("uniqueItems")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut out: Vec<Value> = Vec::with_capacity(wanted);
        for i in 0..wanted {
            let value = self.value(&items, depth + 1, &format!("{name}{}", i + 1));
            if unique && out.contains(&value) {
                break;
            }
            out.push(value);
        }
        Value::Array(out)
    }

    fn string(&self, schema: &Value, name: &str) -> Value {
        let text = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => "2026-01-02T03:04:05Z".to_string(),
            Some("date") => "2026-01-02".to_string(),
            Some("time") => "03:04:05Z".to_string(),
            Some("email") => "user@example.com".to_string(),
            Some("uri") | Some("url") => "https://example.com/".to_string(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".to_string(),
            Some("ipv4") => "192.0.2.1".to_string(),
            Some("ipv6") => "2001:db8::1".to_string(),
            _ => self.text_for(name),
        };
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize)
            .unwrap_or(usize::MAX);
        let mut text: String = text.chars().take(max).collect();
        while text.chars().count() < min {
            text.push('x');
        }
        Value::String(text)
    }

    /// A string for property `name`: the prompt's first proper noun (a capitalised word
    /// that does not start a sentence), which is what a model would pick for a `city` or a
    /// `name`; else the property name with a few words of the prompt.
    fn text_for(&self, name: &str) -> String {
        if let Some(noun) = proper_noun(self.seed) {
            return noun;
        }
        let words: Vec<&str> = self
            .seed
            .split_whitespace()
            .filter(|w| w.len() > 3)
            .take(3)
            .collect();
        if words.is_empty() {
            format!("sample {name}")
        } else {
            format!("{name}: {}", words.join(" "))
        }
    }

    fn number(&self, schema: &Value, integer: bool) -> Value {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        let mut low = bound("minimum").unwrap_or(f64::MIN);
        let mut high = bound("maximum").unwrap_or(f64::MAX);
        if let Some(x) = bound("exclusiveMinimum") {
            low = low.max(if integer { x.floor() + 1.0 } else { x + 0.5 });
        }
        if let Some(x) = bound("exclusiveMaximum") {
            high = high.min(if integer { x.ceil() - 1.0 } else { x - 0.5 });
        }
        let preferred = 1.0 + (self.seed.len() % 7) as f64;
        let mut value = preferred.clamp(low, high);
        if low > high {
            value = low;
        }
        if let Some(step) = bound("multipleOf").filter(|s| *s > 0.0) {
            value = (value / step).ceil() * step;
        }
        if integer {
            json!(value.round() as i64)
        } else {
            json!(value)
        }
    }
}

fn proper_noun(text: &str) -> Option<String> {
    let mut sentence_start = true;
    for word in text.split_whitespace() {
        let clean: String = word
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-')
            .collect();
        let capitalised = clean.chars().next().is_some_and(char::is_uppercase);
        if capitalised && !sentence_start && clean.len() > 1 {
            return Some(clean);
        }
        sentence_start = word.ends_with(['.', '?', '!', ':']);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respects_bounds_enums_and_refs() {
        let schema = json!({
            "type": "object",
            "required": ["count", "kind", "inner", "tags"],
            "properties": {
                "count": {"type": "integer", "minimum": 10, "maximum": 12},
                "kind": {"enum": ["a", "b"]},
                "inner": {"$ref": "#/$defs/Inner"},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 20}, "minItems": 3},
                "maybe": {"type": ["string", "null"]}
            },
            "$defs": {"Inner": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}}
        });
        let value = synthesize(&schema, "hello world prompt");
        assert_eq!(value["count"], json!(10));
        assert_eq!(value["kind"], json!("a"));
        assert!(value["inner"]["ok"].is_boolean());
        assert_eq!(value["tags"].as_array().unwrap().len(), 3);
        assert!(value["tags"][0].as_str().unwrap().len() >= 20);
        assert!(value["maybe"].is_string());
    }

    #[test]
    fn strings_use_the_prompts_proper_noun() {
        let schema = json!({"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}});
        assert_eq!(
            synthesize(&schema, "Is it raining in Seattle? Please check.")["city"],
            "Seattle"
        );
        assert_eq!(
            synthesize(&schema, "Weather please. Thanks")["city"],
            "city: Weather please. Thanks"
        );
    }

    #[test]
    fn recursive_schema_terminates() {
        let schema = json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {"type": "object", "required": ["children"], "properties": {
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}
        });
        let value = synthesize(&schema, "x");
        assert!(value["children"].is_array());
    }
}

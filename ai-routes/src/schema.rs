//! JSON schemas for route outputs and tool inputs, in the shape Bedrock tools accept.

use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// The JSON schema of `T`, with subschemas inlined where possible (several models handle
/// `$ref` poorly) and without the `$schema` keyword.
pub fn schema_of<T: JsonSchema + ?Sized>() -> Value {
    let mut schema = generator().into_root_schema_for::<T>().to_value();
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
    }
    schema
}

/// The generator every schema of ai-routes comes from: draft 2020-12, subschemas inlined.
pub(crate) fn generator() -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
}

/// A result type's schema as a tool input schema: Bedrock only accepts object schemas, so
/// anything else (scalars, arrays, enums, `Option`s) is boxed under a `value` property.
#[derive(Debug)]
pub struct OutputSchema {
    /// The schema of the result type itself.
    pub result: Value,
    /// The tool input schema sent to Bedrock.
    pub tool_input: Value,
    /// Whether the result is boxed under `value`.
    pub boxed: bool,
    /// Whether the result type accepts a JSON string (then a string answer is not re-parsed).
    pub accepts_string: bool,
    /// Length of the serialized tool input schema, for token estimates.
    pub tool_input_chars: usize,
    validator: jsonschema::Validator,
}

impl OutputSchema {
    /// The output schema of a result type whose JSON schema is `result` (as [`schema_of`] gives
    /// it): boxes non-object schemas under `value` and compiles the validator answers are
    /// checked with. An invalid schema validates everything.
    pub fn new(result: Value) -> Self {
        let is_object = result.get("type") == Some(&json!("object"));
        let (tool_input, boxed) = if is_object {
            (result.clone(), false)
        } else {
            let mut inner = result.clone();
            let defs = inner.as_object_mut().and_then(|m| m.remove("$defs"));
            let mut boxed = Map::new();
            boxed.insert("type".into(), json!("object"));
            boxed.insert("properties".into(), json!({ "value": inner }));
            boxed.insert("required".into(), json!(["value"]));
            if let Some(defs) = defs {
                boxed.insert("$defs".into(), defs);
            }
            (Value::Object(boxed), true)
        };
        let accepts_string = type_names(&result).contains(&"string");
        let validator = jsonschema::validator_for(&tool_input).unwrap_or_else(|_| {
            jsonschema::validator_for(&json!({})).expect("the empty schema is valid")
        });
        let tool_input_chars = tool_input.to_string().len();
        Self {
            result,
            tool_input,
            boxed,
            accepts_string,
            tool_input_chars,
            validator,
        }
    }

    /// Checks a tool input against the tool input schema; the first few errors, readable.
    pub fn validate(&self, tool_input: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(tool_input)
            .take(5)
            .map(|e| {
                let path = e.instance_path().to_string();
                if path.is_empty() {
                    e.to_string()
                } else {
                    format!("at {path}: {e}")
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

fn type_names(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => {
            let mut names = Vec::new();
            for key in ["anyOf", "oneOf"] {
                for branch in schema
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    names.extend(type_names(branch));
                }
            }
            names
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Point {
        x: i32,
        y: i32,
    }

    #[test]
    fn objects_are_used_as_is_and_the_rest_is_boxed() {
        let point = OutputSchema::new(schema_of::<Point>());
        assert!(!point.boxed);
        assert_eq!(point.tool_input["type"], "object");
        assert!(point.validate(&json!({"x": 1, "y": 2})).is_ok());
        assert!(point.validate(&json!({"x": "one"})).is_err());

        let number = OutputSchema::new(schema_of::<u8>());
        assert!(number.boxed);
        assert_eq!(number.tool_input["required"], json!(["value"]));
        assert!(number.validate(&json!({"value": 0})).is_ok());
        assert!(number.validate(&json!({"value": 300})).is_err());
        assert!(!number.accepts_string);

        assert!(OutputSchema::new(schema_of::<Option<String>>()).accepts_string);
        assert!(OutputSchema::new(schema_of::<Vec<Point>>()).boxed);
    }
}

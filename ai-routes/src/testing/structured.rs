//! Bedrock's rules for native structured output (`outputConfig.textFormat`) and strict
//! tools, as the stand-in applies them: which models take them, the JSON-schema subset and
//! the request-wide limits, refused with Bedrock's messages (`bedrock_errors::structured`).

use ai_routes_catalog::{Capability, Model, Support};
use serde_json::Value;

use super::reply::BedrockError;
use super::wire::{ConverseRequest, Tool};
use crate::bedrock_errors::structured as msg;
use crate::schema_subset::{
    MAX_OPTIONAL_FIELDS, MAX_STRICT_TOOLS, MAX_UNION_FIELDS, NUMBER_KEYWORDS,
};

/// An error an Anthropic model reports itself, wrapped the way Bedrock wraps it.
fn model_error(model: &Model, message: String) -> BedrockError {
    if model.provider == "Anthropic" {
        BedrockError::validation(format!("{}{message}", msg::MODEL_ERRORS_PREFIX))
    } else {
        BedrockError::validation(message)
    }
}

/// The refusal of a forced `toolChoice` by a model that accepts only `auto` (Claude Opus
/// 5.5, Sonnet 5.5, Fable 5.1), in Bedrock's recorded words.
pub(crate) fn forced_tool_refusal(model: &Model) -> Option<BedrockError> {
    (model.provider == "Anthropic"
        && model.tool_choice_known
        && model.forced_tool_choice().is_none())
    .then(|| model_error(model, msg::FORCED_TOOL_REFUSED.into()))
}

/// Validates `outputConfig` and every `strict` tool of a request.
pub(crate) fn validate_structured(
    model: &Model,
    req: &ConverseRequest,
) -> Result<(), BedrockError> {
    let mut counts = Counts::default();
    if let Some(format) = req
        .output_config
        .as_ref()
        .and_then(|c| c.text_format.as_ref())
    {
        if model.supports(Capability::NativeOutput) == Support::No {
            return Err(if model.provider == "Anthropic" {
                model_error(model, msg::OUTPUT_FORMAT_NOT_PERMITTED.into())
            } else {
                BedrockError::validation(msg::OUTPUT_CONFIG_UNSUPPORTED)
            });
        }
        if format.kind != "json_schema" {
            return Err(BedrockError::validation(format!(
                "1 validation error detected: Value '{}' at 'outputConfig.textFormat.type' failed to satisfy constraint: Member must satisfy enum value set: [json_schema]",
                format.kind
            )));
        }
        let location = "output_config.format.schema";
        let schema: Value = serde_json::from_str(&format.structure.json_schema.schema)
            .map_err(|e| model_error(model, format!("{location}: Invalid JSON schema: {e}")))?;
        check_subset(&schema, location, &mut counts).map_err(|m| model_error(model, m))?;
    }
    let strict: Vec<(usize, &Value)> = req
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .filter_map(|t| match t {
            Tool::ToolSpec(spec) => Some(spec),
            Tool::CachePoint(_) => None,
        })
        .enumerate()
        .filter(|(_, spec)| spec.strict == Some(true))
        .map(|(i, spec)| (i, &spec.input_schema.json))
        .collect();
    for (i, schema) in &strict {
        if model.supports(Capability::StrictTools) == Support::No {
            return Err(model_error(model, msg::strict_not_permitted(*i)));
        }
        check_subset(schema, &format!("tools.{i}.custom"), &mut counts)
            .map_err(|m| model_error(model, m))?;
    }
    if strict.len() > MAX_STRICT_TOOLS {
        return Err(model_error(model, msg::too_many_strict_tools(strict.len())));
    }
    if counts.unions > MAX_UNION_FIELDS {
        return Err(model_error(model, msg::too_many_unions(counts.unions)));
    }
    if counts.optional > MAX_OPTIONAL_FIELDS {
        return Err(model_error(model, msg::too_many_optional(counts.optional)));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    unions: usize,
    optional: usize,
}

/// The first way `schema` leaves Bedrock's subset, as Bedrock words it.
fn check_subset(schema: &Value, location: &str, counts: &mut Counts) -> Result<(), String> {
    let Some(map) = schema.as_object() else {
        return Ok(());
    };
    if map.contains_key("$ref") {
        return Err(msg::reference(location));
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.len() > 1 || map.contains_key("anyOf") || map.contains_key("oneOf") {
        counts.unions += 1;
    }
    for kind in ["integer", "number"] {
        if types.contains(&kind) {
            // Alphabetical, as Bedrock lists them.
            let found: Vec<&str> = NUMBER_KEYWORDS
                .into_iter()
                .filter(|k| map.contains_key(*k))
                .collect();
            if !found.is_empty() {
                return Err(msg::number_keywords(location, kind, &found));
            }
        }
    }
    if types.contains(&"array") || map.contains_key("items") {
        if map.contains_key("maxItems") {
            return Err(msg::array_keyword(location, "maxItems"));
        }
        if let Some(n) = map
            .get("minItems")
            .and_then(Value::as_u64)
            .filter(|n| *n > 1)
        {
            return Err(msg::min_items(location, n));
        }
    }
    if types.contains(&"object") || map.contains_key("properties") {
        if map.get("additionalProperties") != Some(&Value::Bool(false)) {
            return Err(msg::open_object(location));
        }
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, property) in properties {
                if !required.contains(&name.as_str()) {
                    counts.optional += 1;
                }
                check_subset(property, location, counts)?;
            }
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        for branch in map.get(key).and_then(Value::as_array).into_iter().flatten() {
            check_subset(branch, location, counts)?;
        }
    }
    if let Some(items) = map.get("items") {
        check_subset(items, location, counts)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first_problem(schema: Value) -> Option<String> {
        check_subset(
            &schema,
            "output_config.format.schema",
            &mut Counts::default(),
        )
        .err()
    }

    #[test]
    fn bedrocks_recorded_refusals() {
        // vercel/ai amazon-bedrock-strict-open-schema-error.json
        assert_eq!(
            check_subset(&json!({"type": "object", "properties": {}}), "tools.0.custom", &mut Counts::default()).unwrap_err(),
            "tools.0.custom: For 'object' type, 'additionalProperties' must be explicitly set to false"
        );
        // vercel/ai issue-17197-max-items-error.json
        assert_eq!(
            first_problem(json!({"type": "array", "items": {"type": "string"}, "maxItems": 3}))
                .unwrap(),
            "output_config.format.schema: For 'array' type, property 'maxItems' is not supported"
        );
        // design notes §1: the schemars schema of a `u8`
        assert_eq!(
            first_problem(json!({"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255})).unwrap(),
            "output_config.format.schema: For 'integer' type, properties maximum, minimum are not supported"
        );
        assert_eq!(
            first_problem(
                json!({"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}})
            ),
            None
        );
    }
}

//! Bedrock's JSON-schema subset for native structured output (`outputConfig.textFormat`)
//! and strict tools (`strict: true`), and the transformer that brings a schemars schema
//! into it.
//!
//! Bedrock compiles such a schema into a grammar and refuses what the grammar cannot
//! express (design notes §1, `structured-output.html`): every object must say
//! `additionalProperties: false`; numeric bounds, `maxItems`, `minItems` above 1 and
//! string lengths are rejected; recursive schemas are rejected; a request may hold at most
//! [`MAX_UNION_FIELDS`] union-typed and [`MAX_OPTIONAL_FIELDS`] optional fields across its
//! strict schemas, and [`MAX_STRICT_TOOLS`] strict tools. The transformer closes every
//! object and moves the rejected keywords into the field's `description` (the model still
//! reads them), while ai-routes keeps validating answers against the full schema, so the
//! bounds are still enforced. What cannot be expressed is a [`SchemaProblem`] naming the
//! Rust field.

use serde_json::{Map, Value};

/// Union-typed fields (`anyOf`, `oneOf`, type arrays such as `Option<T>`'s) Bedrock accepts
/// across all strict schemas of one request.
pub const MAX_UNION_FIELDS: usize = 16;
/// Optional fields (properties not in `required`) Bedrock accepts across all strict
/// schemas of one request.
pub const MAX_OPTIONAL_FIELDS: usize = 24;
/// Tools with `strict: true` Bedrock accepts in one request.
pub const MAX_STRICT_TOOLS: usize = 20;

/// Keywords of numbers Bedrock rejects (*"For 'integer' type, properties maximum, minimum
/// are not supported"*).
pub(crate) const NUMBER_KEYWORDS: [&str; 5] = [
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maximum",
    "minimum",
    "multipleOf",
];
/// Keywords of strings the AWS documentation lists as unsupported.
pub(crate) const STRING_KEYWORDS: [&str; 2] = ["maxLength", "minLength"];
/// The string formats Bedrock's grammar supports (`structured-output.html`); schemars'
/// integer formats (`uint8`, `int32`, …) are not among them.
pub(crate) const STRING_FORMATS: [&str; 10] = [
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "uri",
    "ipv4",
    "ipv6",
    "uuid",
];

/// A schema in Bedrock's subset, with what counts toward the request's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsetSchema {
    /// The schema to send.
    pub schema: Value,
    /// The union-typed fields, as paths (`Recipe.note`).
    pub union_fields: Vec<String>,
    /// The optional fields, as paths.
    pub optional_fields: Vec<String>,
}

/// Why a schema cannot be sent as a strict schema, naming the Rust field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaProblem {
    /// The type refers to itself.
    #[error("field `{field}` is recursive, and Bedrock's structured output rejects recursive schemas; make the type non-recursive (e.g. a flat `Vec` with parent indices) or use `output = \"tool\"`")]
    Recursive {
        /// The field's path, e.g. `Tree.children[]`.
        field: String,
    },
    /// The type is a map (open keys).
    #[error("field `{field}` is a map with free-form keys, but Bedrock's structured output needs every object closed (`additionalProperties: false`); use a struct or a `Vec` of key/value pairs, or `output = \"tool\"`")]
    OpenObject {
        /// The field's path.
        field: String,
    },
    /// Too many union-typed fields across the request.
    #[error("{} union-typed fields (`Option`, enums with data, untagged enums) across the request's strict schemas, Bedrock allows {MAX_UNION_FIELDS}: {}; make some required or use `output = \"tool\"`", fields.len(), fields.join(", "))]
    TooManyUnions {
        /// Every union-typed field.
        fields: Vec<String>,
    },
    /// Too many optional fields across the request.
    #[error("{} optional fields across the request's strict schemas, Bedrock allows {MAX_OPTIONAL_FIELDS}: {}; make some required or use `output = \"tool\"`", fields.len(), fields.join(", "))]
    TooManyOptional {
        /// Every optional field.
        fields: Vec<String>,
    },
    /// Too many strict tools in one request.
    #[error("{count} strict tools in one request, Bedrock allows {MAX_STRICT_TOOLS}; drop `strict` from some tools")]
    TooManyStrictTools {
        /// How many tools are strict.
        count: usize,
    },
}

/// Brings `schema` (as [`schema_of`](crate::schema::schema_of) gives it, subschemas
/// inlined) into Bedrock's subset. `root` names the type in paths (`Recipe`).
///
/// ```
/// # use serde_json::json;
/// use ai_routes::schema_subset::to_bedrock_subset;
/// let u8_field = json!({"type": "object", "properties": {
///     "servings": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255}
/// }, "required": ["servings"]});
/// let subset = to_bedrock_subset(&u8_field, "Recipe").unwrap();
/// assert_eq!(subset.schema["additionalProperties"], false);
/// let servings = &subset.schema["properties"]["servings"];
/// assert!(servings.get("maximum").is_none());
/// assert_eq!(servings["description"], "Constraints: format uint8, maximum 255, minimum 0.");
/// ```
pub fn to_bedrock_subset(schema: &Value, root: &str) -> Result<SubsetSchema, SchemaProblem> {
    let mut out = SubsetSchema {
        schema: schema.clone(),
        union_fields: Vec::new(),
        optional_fields: Vec::new(),
    };
    if let Some(map) = out.schema.as_object_mut() {
        map.remove("$defs");
        map.remove("definitions");
    }
    let mut walker = Walker {
        union_fields: &mut out.union_fields,
        optional_fields: &mut out.optional_fields,
    };
    walker.walk(&mut out.schema, root)?;
    Ok(out)
}

/// Checks the request-wide limits over every strict schema of one request.
pub fn check_request_limits(
    schemas: &[&SubsetSchema],
    strict_tools: usize,
) -> Result<(), SchemaProblem> {
    if strict_tools > MAX_STRICT_TOOLS {
        return Err(SchemaProblem::TooManyStrictTools {
            count: strict_tools,
        });
    }
    let unions: Vec<String> = schemas
        .iter()
        .flat_map(|s| s.union_fields.iter().cloned())
        .collect();
    if unions.len() > MAX_UNION_FIELDS {
        return Err(SchemaProblem::TooManyUnions { fields: unions });
    }
    let optional: Vec<String> = schemas
        .iter()
        .flat_map(|s| s.optional_fields.iter().cloned())
        .collect();
    if optional.len() > MAX_OPTIONAL_FIELDS {
        return Err(SchemaProblem::TooManyOptional { fields: optional });
    }
    Ok(())
}

struct Walker<'a> {
    union_fields: &'a mut Vec<String>,
    optional_fields: &'a mut Vec<String>,
}

impl Walker<'_> {
    fn walk(&mut self, schema: &mut Value, path: &str) -> Result<(), SchemaProblem> {
        let Some(map) = schema.as_object_mut() else {
            return Ok(());
        };
        if map.contains_key("$ref") || map.contains_key("$dynamicRef") {
            return Err(SchemaProblem::Recursive { field: path.into() });
        }
        move_to_description(map);
        let union = match map.get("type") {
            Some(Value::Array(types)) => types.len() > 1,
            _ => false,
        } || map.contains_key("anyOf")
            || map.contains_key("oneOf");
        if union {
            self.union_fields.push(path.into());
        }
        // Bedrock's grammar knows `anyOf`; schemars' `oneOf` branches (enums with data)
        // are disjoint, so `anyOf` accepts the same values. Validation keeps the original.
        if let Some(branches) = map.remove("oneOf") {
            map.insert("anyOf".into(), branches);
        }
        for key in ["anyOf", "allOf", "prefixItems"] {
            if let Some(Value::Array(branches)) = map.get_mut(key) {
                for branch in branches {
                    self.walk(branch, path)?;
                }
            }
        }
        if let Some(items) = map.get_mut("items") {
            self.walk(items, &format!("{path}[]"))?;
        }
        let is_object = map.get("type").is_some_and(|t| has_type(t, "object"))
            || map.contains_key("properties");
        if is_object {
            match map.get("additionalProperties") {
                Some(Value::Object(_)) => {
                    return Err(SchemaProblem::OpenObject { field: path.into() })
                }
                _ => {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
            }
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    let field = format!("{path}.{name}");
                    if !required.contains(name) {
                        self.optional_fields.push(field.clone());
                    }
                    self.walk(property, &field)?;
                }
            }
        }
        Ok(())
    }
}

fn has_type(t: &Value, name: &str) -> bool {
    match t {
        Value::String(s) => s == name,
        Value::Array(ts) => ts.iter().any(|t| t == name),
        _ => false,
    }
}

/// Removes the keywords Bedrock rejects from one schema node and states them in its
/// description instead, so the model still knows them.
fn move_to_description(map: &mut Map<String, Value>) {
    let mut moved = Vec::new();
    let unsupported_format = map
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| !STRING_FORMATS.contains(&f));
    if unsupported_format {
        moved.push(("format", map.remove("format").expect("checked above")));
    }
    for key in NUMBER_KEYWORDS
        .iter()
        .chain(&STRING_KEYWORDS)
        .chain(&["maxItems", "uniqueItems"])
    {
        if let Some(value) = map.remove(*key) {
            moved.push((key, value));
        }
    }
    if map
        .get("minItems")
        .and_then(Value::as_u64)
        .is_some_and(|n| n > 1)
    {
        moved.push(("minItems", map.remove("minItems").expect("checked above")));
    }
    if moved.is_empty() {
        return;
    }
    moved.sort_by(|a, b| a.0.cmp(b.0));
    let stated: Vec<String> = moved
        .iter()
        .map(|(key, value)| match value {
            Value::String(s) => format!("{key} {s}"),
            other => format!("{key} {other}"),
        })
        .collect();
    let constraints = format!("Constraints: {}.", stated.join(", "));
    let description = match map.get("description").and_then(Value::as_str) {
        Some(existing) if !existing.is_empty() => format!("{existing} {constraints}"),
        _ => constraints,
    };
    map.insert("description".into(), Value::String(description));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::schema_of;
    use schemars::JsonSchema;
    use serde_json::json;
    use std::collections::HashMap;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    enum Difficulty {
        Easy,
        Hard,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Ingredient {
        name: String,
        grams: u32,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Recipe {
        title: String,
        servings: u8,
        note: Option<String>,
        difficulty: Difficulty,
        ingredients: Vec<Ingredient>,
    }

    #[test]
    fn the_readme_types_fit_the_subset() {
        let subset = to_bedrock_subset(&schema_of::<Recipe>(), "Recipe").unwrap();
        let s = &subset.schema;
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(
            s["properties"]["ingredients"]["items"]["additionalProperties"],
            false
        );
        let servings = &s["properties"]["servings"];
        for key in ["minimum", "maximum", "format"] {
            assert!(servings.get(key).is_none(), "{key} left in {servings}");
        }
        assert!(servings["description"]
            .as_str()
            .unwrap()
            .contains("maximum 255"));
        let grams = &s["properties"]["ingredients"]["items"]["properties"]["grams"];
        assert!(grams.get("minimum").is_none(), "{grams}");
        assert_eq!(subset.union_fields, vec!["Recipe.note".to_string()]);
        assert_eq!(subset.optional_fields, vec!["Recipe.note".to_string()]);
        assert_eq!(
            s["properties"]["difficulty"]["enum"],
            json!(["Easy", "Hard"])
        );
        // Nothing the stand-in (Bedrock's rules) would reject is left.
        assert!(!s.to_string().contains("\"minimum\""));
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Tree {
        label: String,
        children: Vec<Tree>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Tagged {
        tags: HashMap<String, String>,
    }

    #[test]
    fn recursion_and_maps_are_errors_naming_the_field() {
        let err = to_bedrock_subset(&schema_of::<Tree>(), "Tree").unwrap_err();
        assert_eq!(
            err,
            SchemaProblem::Recursive {
                field: "Tree.children[]".into()
            }
        );
        assert!(err.to_string().contains("`Tree.children[]`"), "{err}");
        let err = to_bedrock_subset(&schema_of::<Tagged>(), "Tagged").unwrap_err();
        assert!(err.to_string().contains("`Tagged.tags`"), "{err}");
    }

    #[test]
    fn limits_count_across_the_request() {
        let many: Map<String, Value> = (0..17)
            .map(|i| (format!("f{i}"), json!({"type": ["string", "null"]})))
            .collect();
        let schema = json!({"type": "object", "properties": many});
        let subset = to_bedrock_subset(&schema, "Wide").unwrap();
        let err = check_request_limits(&[&subset], 0).unwrap_err();
        assert!(matches!(&err, SchemaProblem::TooManyUnions { fields } if fields.len() == 17));
        assert!(err.to_string().contains("Wide.f0"), "{err}");
        let small = to_bedrock_subset(
            &json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            "S",
        )
        .unwrap();
        assert!(check_request_limits(&[&small; 24], 0).is_ok());
        assert!(matches!(
            check_request_limits(&[&small; 25], 0),
            Err(SchemaProblem::TooManyOptional { .. })
        ));
        assert!(matches!(
            check_request_limits(&[], 21),
            Err(SchemaProblem::TooManyStrictTools { count: 21 })
        ));
    }

    #[test]
    fn min_items_up_to_one_stays_and_one_of_becomes_any_of() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "b": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
            "c": {"oneOf": [{"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}, {"const": "none"}]}
        }, "required": ["a", "b", "c"]});
        let s = to_bedrock_subset(&schema, "T").unwrap().schema;
        assert_eq!(s["properties"]["a"]["minItems"], 1);
        assert!(s["properties"]["b"].get("minItems").is_none());
        assert_eq!(
            s["properties"]["b"]["description"],
            "Constraints: maxItems 3, minItems 2."
        );
        assert!(s["properties"]["c"].get("oneOf").is_none());
        assert_eq!(
            s["properties"]["c"]["anyOf"][0]["additionalProperties"],
            false
        );
    }
}

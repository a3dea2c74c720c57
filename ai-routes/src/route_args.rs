//! A generation route's arguments: the JSON object they are sent as and its schema.
//!
//! Both are built at run time from a list the macro writes out, rather than from a struct
//! with derived `Serialize`/`JsonSchema` per route: the serialization and schema code of an
//! argument type is then compiled once for every route that takes it, which keeps a crate
//! with many routes quick to build.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::Result;

/// An argument value, type-erased for writing as JSON.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a route argument",
    label = "route arguments are sent to the model as JSON: this one needs `serde::Serialize`",
    note = "add `#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]` to `{Self}`, or pass it as `ai_routes::Image` / `ai_routes::Document`"
)]
pub trait ArgValue {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
}

impl<T: Serialize> ArgValue for T {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
}

/// The default user message: the named arguments as one compact JSON object, in
/// declaration order.
#[doc(hidden)]
pub fn args_text(args: &[(&str, &dyn ArgValue)]) -> Result<String> {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for (i, (name, value)) in args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, name)?;
        out.push(b':');
        value.write_json(&mut out)?;
    }
    out.push(b'}');
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// One argument in a route's input schema.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ArgSchema {
    pub name: &'static str,
    pub description: &'static str,
    /// `false` for `Option<_>` arguments, which may be left out.
    pub required: bool,
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

/// The schema of one argument type (shared by every route taking that type).
#[doc(hidden)]
pub fn arg_schema<T: JsonSchema + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A route's arguments as one object schema, in the same settings as result and tool
/// schemas ([`crate::schema::schema_of`]): subschemas inlined, recursive types under `$defs`.
#[doc(hidden)]
pub fn args_schema(args: &[ArgSchema]) -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for arg in args {
        let mut schema = (arg.schema)(&mut generator).to_value();
        if let Some(map) = schema.as_object_mut() {
            map.insert("description".into(), Value::String(arg.description.into()));
        }
        properties.insert(arg.name.into(), schema);
        if arg.required {
            required.push(Value::String(arg.name.into()));
        }
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        schema["$defs"] = Value::Object(definitions);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, JsonSchema)]
    struct Tree {
        children: Vec<Tree>,
    }

    #[test]
    fn text_is_a_compact_object_in_declaration_order() {
        let name = String::from("a \"quoted\" name");
        let servings = 4u8;
        let missing: Option<&str> = None;
        let text =
            args_text(&[("name", &name), ("servings", &servings), ("note", &missing)]).unwrap();
        assert_eq!(
            text,
            r#"{"name":"a \"quoted\" name","servings":4,"note":null}"#
        );
        assert_eq!(args_text(&[]).unwrap(), "{}");
    }

    #[test]
    fn schema_lists_required_arguments_and_keeps_recursive_types_in_defs() {
        let schema = args_schema(&[
            ArgSchema {
                name: "servings",
                description: "How many.",
                required: true,
                schema: arg_schema::<u8>,
            },
            ArgSchema {
                name: "note",
                description: "Optional.",
                required: false,
                schema: arg_schema::<Option<String>>,
            },
            ArgSchema {
                name: "tree",
                description: "Recursive.",
                required: true,
                schema: arg_schema::<Tree>,
            },
        ]);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], json!(["servings", "tree"]));
        assert_eq!(schema["properties"]["servings"]["type"], "integer");
        assert_eq!(schema["properties"]["servings"]["description"], "How many.");
        assert_eq!(
            schema["properties"]["note"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(
            schema["properties"]["tree"]["properties"]["children"]["items"]["$ref"],
            "#/$defs/Tree"
        );
        assert_eq!(schema["$defs"]["Tree"]["type"], "object");
        assert!(jsonschema::validator_for(&schema).is_ok());
    }
}

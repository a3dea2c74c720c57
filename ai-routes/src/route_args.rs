//! A generation route's arguments: the JSON object they are sent as and its schema.
//!
//! Both are built at run time from a list the macro writes out, rather than from a struct
//! with derived `Serialize`/`JsonSchema` per route: the serialization and schema code of an
//! argument type is then compiled once for every route that takes it, which keeps a crate
//! with many routes quick to build.

use schemars::{Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::generation::RouteArgument;

/// A route's arguments read from one JSON object, one by one (the route's JSON entry point
/// when it is served over HTTP).
#[doc(hidden)]
pub struct ArgsReader {
    route: &'static str,
    args: Map<String, Value>,
}

impl ArgsReader {
    pub fn new(route: &'static str, args: Value) -> Result<Self> {
        match args {
            Value::Object(args) => Ok(Self { route, args }),
            other => Err(Error::InvalidInput(format!(
                "the arguments of route `{route}` are one JSON object, not {}",
                json_kind(&other)
            ))),
        }
    }

    /// Takes the argument `name`. A missing one reads as `null`, so `Option`s may be left
    /// out and anything else is reported missing.
    pub fn arg<T: RouteArgument>(&mut self, name: &str) -> Result<T> {
        let route = self.route;
        match self.args.remove(name) {
            Some(value) => serde_json::from_value(value).map_err(|e| {
                Error::InvalidInput(format!("arguments of route `{route}`: `{name}`: {e}"))
            }),
            None => serde_json::from_value(Value::Null).map_err(|_| {
                Error::InvalidInput(format!(
                    "arguments of route `{route}`: missing field `{name}`"
                ))
            }),
        }
    }

    /// Fails on an argument the route does not take.
    pub fn finish(self) -> Result<()> {
        match self.args.keys().next() {
            None => Ok(()),
            Some(unknown) => Err(Error::InvalidInput(format!(
                "arguments of route `{}`: unknown field `{unknown}`",
                self.route
            ))),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

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
    String::from_utf8(out).map_err(|e| Error::InvalidInput(format!("route arguments: {e}")))
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
pub fn arg_schema<T: RouteArgument>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A route's arguments as one object schema, in the same settings as result and tool
/// schemas ([`crate::schema::schema_of`]): subschemas inlined, recursive types under `$defs`.
#[doc(hidden)]
pub fn args_schema(args: &[ArgSchema]) -> Value {
    let mut generator = crate::schema::generator();
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

    #[derive(Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct Tree {
        children: Vec<Tree>,
    }

    #[test]
    fn reader_takes_arguments_and_reports_missing_unknown_and_invalid_ones() {
        let mut args = ArgsReader::new("plan", json!({"servings": 4, "spicy": true})).unwrap();
        assert_eq!(args.arg::<u8>("servings").unwrap(), 4);
        assert_eq!(args.arg::<Option<String>>("note").unwrap(), None);
        let missing = args.arg::<String>("title").unwrap_err().to_string();
        assert!(missing.contains("missing field `title`"), "{missing}");
        let unknown = args.finish().unwrap_err().to_string();
        assert!(unknown.contains("unknown field `spicy`"), "{unknown}");

        let mut args = ArgsReader::new("plan", json!({"servings": "two"})).unwrap();
        let invalid = args.arg::<u8>("servings").unwrap_err().to_string();
        assert!(invalid.contains("`servings`: invalid type"), "{invalid}");
        assert!(ArgsReader::new("plan", json!({})).unwrap().finish().is_ok());

        let not_object = ArgsReader::new("plan", json!([1]))
            .err()
            .unwrap()
            .to_string();
        assert!(
            not_object.contains("one JSON object, not an array"),
            "{not_object}"
        );
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

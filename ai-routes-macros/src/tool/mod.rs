//! `#[tool]` on an `async fn` and `#[derive(Tool)]` on an input struct: parse into a typed
//! model, validate (collecting every error at its span), then generate the `ToolInfo` (and,
//! for fns, the input struct and `ToolHandler`) impls.

mod derive;
mod func;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::attrs::{options, Args, Spanned};
use crate::diagnostics::Errors;

pub use derive::expand as expand_derive;
pub use func::expand as expand_fn;

options! {
    /// The options of `#[tool]` and `#[derive(Tool)]`.
    pub struct ToolOptions {
        name: string -> Spanned<String>,
        strict: flag -> Spanned<bool>,
    }
}

const OPTIONS: &[&str] = ToolOptions::KEYS;

/// What `#[tool(...)]` declares: the name and whether the tool is strict.
struct Declared {
    name: String,
    strict: bool,
}

/// The tool name: `name = "..."` when given, else `default`; checked against Bedrock's
/// pattern either way; and `strict` (Bedrock validates the input against the schema, on
/// models with strict tools).
fn tool_options(args: &Args, default: &str, default_span: Span, errors: &mut Errors) -> Declared {
    let options = ToolOptions::parse(args, errors);
    let strict = options.strict.is_some_and(|s| s.value);
    let named = options.name;
    let renamed = named.is_some();
    let name = named.unwrap_or(Spanned {
        value: default.to_string(),
        span: default_span,
    });
    if !ai_routes_catalog::valid_tool_name(&name.value) {
        errors.error(
            name.span,
            format!(
                "`{}` is not a valid Bedrock tool name: {}{}",
                name.value,
                ai_routes_catalog::TOOL_NAME_RULE,
                if renamed {
                    ""
                } else {
                    "; set another with `#[tool(name = \"...\")]`"
                }
            ),
        );
    }
    Declared {
        name: name.value,
        strict,
    }
}

/// The tool description (the doc comment), required: it is how the model knows when to call
/// the tool.
fn description(doc: String, span: Span, what: &str, errors: &mut Errors) -> String {
    if doc.is_empty() {
        errors.error(
            span,
            format!(
                "{what} needs a doc comment: it is the tool's description, which tells the model what the tool does and when to call it (`/// Current weather for a city.`)"
            ),
        );
    }
    doc
}

/// `impl ToolInfo for #ty`.
fn tool_info(
    ty: &syn::Ident,
    generics: &syn::Generics,
    name: &str,
    description: &str,
    strict: bool,
    input_span: Span,
) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let schema = quote_spanned! {input_span=> ::ai_routes::__private::tool_input_schema::<Self> };
    quote! {
        impl #impl_generics ::ai_routes::__private::ToolInfo for #ty #ty_generics #where_clause {
            const DEFINITION: ::ai_routes::__private::ToolDefinition =
                ::ai_routes::__private::ToolDefinition {
                    name: #name,
                    description: #description,
                    input_schema: #schema,
                    strict: #strict,
                };
        }
    }
}

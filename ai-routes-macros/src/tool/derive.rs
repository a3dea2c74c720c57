//! `#[derive(Tool)]`: a struct that derives `Deserialize` and `JsonSchema` becomes a tool
//! input; the user implements `ToolHandler` for it.

use proc_macro2::TokenStream;
use syn::{Data, DeriveInput, Fields};

use super::{description, tool_info, tool_options, OPTIONS};
use crate::attrs::Args;
use crate::diagnostics::Errors;
use crate::docs::doc_string;

pub fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let mut args = Args(Vec::new());
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("tool")) {
        match attr.parse_args::<Args>() {
            Ok(parsed) => args.0.extend(parsed.0),
            Err(e) => errors.push(e),
        }
    }
    args.check_keys(OPTIONS, "tool", &mut errors);

    match &input.data {
        Data::Struct(s) if matches!(s.fields, Fields::Named(_)) => {}
        Data::Struct(_) => errors.error(
            input.ident.span(),
            "`#[derive(Tool)]` needs a struct with named fields: Bedrock tool inputs are JSON objects",
        ),
        Data::Enum(_) => errors.error(
            input.ident.span(),
            "`#[derive(Tool)]` needs a struct with named fields, not an enum: Bedrock tool inputs are JSON objects",
        ),
        Data::Union(_) => errors.error(
            input.ident.span(),
            "`#[derive(Tool)]` needs a struct with named fields: Bedrock tool inputs are JSON objects",
        ),
    }

    let ident = &input.ident;
    let declared = tool_options(
        &args,
        &snake_case(&syn::ext::IdentExt::unraw(ident).to_string()),
        ident.span(),
        &mut errors,
    );
    let name = declared.name;
    let description = description(
        doc_string(&input.attrs),
        ident.span(),
        &format!("tool `{name}`"),
        &mut errors,
    );
    if errors.has_errors() {
        return errors.to_compile_errors();
    }
    // A missing `Deserialize` / `JsonSchema` derive is reported once, at the struct's name.
    tool_info(
        ident,
        &input.generics,
        &name,
        &description,
        declared.strict,
        ident.span(),
    )
}

/// `SearchProducts` → `search_products`, `HTTPRequest` → `http_request`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match previous {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn struct_names_become_snake_case() {
        assert_eq!(snake_case("SearchProducts"), "search_products");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("GetV2Data"), "get_v2_data");
        assert_eq!(snake_case("ping"), "ping");
        assert_eq!(snake_case("Already_Snake"), "already_snake");
    }
}

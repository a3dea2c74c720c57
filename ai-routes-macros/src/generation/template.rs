//! `prompt = "Plan {servings} servings of: {description}"`: placeholders checked at compile
//! time against the route's arguments.

use crate::attrs::Spanned;
use ai_routes_catalog::closest;

use crate::diagnostics::Errors;
use crate::route_fn::{ArgKind, RouteArg};

pub enum Piece {
    Text(String),
    Arg(syn::Ident),
}

pub struct Template {
    pub pieces: Vec<Piece>,
}

impl Template {
    pub fn parse(
        template: &Spanned<String>,
        args: &[RouteArg],
        errors: &mut Errors,
    ) -> Option<Self> {
        let names: Vec<String> = args
            .iter()
            .filter(|a| a.kind == ArgKind::Value)
            .map(|a| a.ident.to_string())
            .collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = template.value.chars().peekable();
        let before = errors.has_errors();
        let mut failed = false;
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    let name = name.trim().to_string();
                    if !closed {
                        errors.error(
                            template.span,
                            "unclosed `{` in `prompt`; write `{{` for a literal brace",
                        );
                        failed = true;
                        break;
                    }
                    let media = args
                        .iter()
                        .find(|a| a.ident == name && a.kind != ArgKind::Value);
                    if media.is_some() {
                        errors.error(
                            template.span,
                            format!("`{{{name}}}` is an image/document argument: it is sent as a content block, not as text"),
                        );
                        failed = true;
                    } else if !name_refs.contains(&name.as_str()) {
                        let hint = closest(&name, &name_refs)
                            .map(|c| format!("; did you mean `{{{c}}}`?"))
                            .unwrap_or_default();
                        errors.error(
                            template.span,
                            format!(
                                "unknown placeholder `{{{name}}}` in `prompt`{hint} (the route's arguments: {})",
                                if names.is_empty() { "none".to_string() } else { names.join(", ") }
                            ),
                        );
                        failed = true;
                    } else {
                        if !text.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut text)));
                        }
                        pieces.push(Piece::Arg(syn::Ident::new(
                            &name,
                            proc_macro2::Span::call_site(),
                        )));
                    }
                }
                '}' => {
                    errors.error(
                        template.span,
                        "unmatched `}` in `prompt`; write `}}` for a literal brace",
                    );
                    failed = true;
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        (!failed && (before || !errors.has_errors())).then_some(Template { pieces })
    }
}

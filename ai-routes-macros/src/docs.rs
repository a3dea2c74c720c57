//! Doc comments of items and arguments.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The `///` comments as one string, lines trimmed, paragraphs kept.
pub fn doc_string(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| s.lines().map(|l| l.trim().to_string()).collect::<Vec<_>>())
        .collect();
    lines.join("\n").trim().to_string()
}

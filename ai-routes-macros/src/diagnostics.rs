//! Collects every error of an item so they are reported together, each at its span.

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
    warnings: Vec<(Span, String)>,
}

impl Errors {
    pub fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    pub fn error_at(&mut self, tokens: &impl ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// A compile-time warning, emitted as the use of a deprecated item (the only warning
    /// a stable proc macro can raise).
    pub fn warn(&mut self, span: Span, message: impl Into<String>) {
        self.warnings.push((span, message.into()));
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }

    pub fn to_warnings(&self) -> TokenStream {
        self.warnings
            .iter()
            .map(|(span, message)| {
                quote_spanned! {*span=>
                    const _: () = {
                        #[deprecated(note = #message)]
                        #[allow(non_camel_case_types)]
                        struct ai_routes_warning;
                        let _ = ai_routes_warning;
                    };
                }
            })
            .collect()
    }
}

/// Levenshtein distance, for "did you mean" on attribute keys.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// The closest candidate within a small distance.
pub fn closest<'a>(unknown: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(unknown, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

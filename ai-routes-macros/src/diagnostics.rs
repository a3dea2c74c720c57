//! Collects every error of an item so they are reported together, each at its span.

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
    warnings: Vec<(Span, String)>,
    /// A decision depended on the build date (`SOURCE_DATE_EPOCH`).
    build_date: bool,
    /// A decision depended on this account overlay file (`ai-routes models sync`).
    overlay: Option<String>,
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

    /// Records that a decision depended on the build date: the expansion then reads
    /// `SOURCE_DATE_EPOCH` through `option_env!`, so rustc records it in the crate's
    /// dep-info and cargo re-expands the route when it changes.
    pub fn track_build_date(&mut self) {
        self.build_date = true;
    }

    /// Records that a decision depended on the account overlay at `path`: the expansion
    /// includes its bytes, so cargo re-expands the route when a sync rewrites it.
    pub fn track_overlay(&mut self, path: &std::path::Path) {
        self.overlay = Some(path.to_string_lossy().into_owned());
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
        let track = self.build_date.then(|| {
            quote::quote! {
                const _: ::core::option::Option<&str> = ::core::option_env!("SOURCE_DATE_EPOCH");
            }
        });
        let overlay = self.overlay.as_ref().map(|path| {
            quote::quote! { const _: &[u8] = ::core::include_bytes!(#path); }
        });
        track
            .into_iter()
            .chain(overlay)
            .chain(self.warnings.iter().map(|(span, message)| {
                quote_spanned! {*span=>
                    const _: () = {
                        #[deprecated(note = #message)]
                        #[allow(non_camel_case_types)]
                        struct ai_routes_warning;
                        let _ = ai_routes_warning;
                    };
                }
            }))
            .collect()
    }
}

//! Parses `key = value, ...` attribute arguments into spanned, typed values.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Ident, Lit, Token};

use ai_routes_catalog::{closest, CacheTtl, ServiceTier};

use crate::diagnostics::Errors;

/// One `key = value` (or bare `key`) argument.
pub struct Arg {
    pub key: Ident,
    pub value: Option<Expr>,
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Arg { key, value })
    }
}

pub struct Args(pub Vec<Arg>);

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let list = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        Ok(Args(list.into_iter().collect()))
    }
}

/// A value with the span of the expression it came from.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl Args {
    /// Checks every key is known and appears once; reports the rest with "did you mean".
    pub fn check_keys(&self, known: &[&str], what: &str, errors: &mut Errors) {
        let mut seen: Vec<String> = Vec::new();
        for arg in &self.0 {
            let key = arg.key.to_string();
            if !known.contains(&key.as_str()) {
                let hint = closest(&key, known)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                errors.error(
                    arg.key.span(),
                    format!(
                        "unknown {what} option `{key}`{hint} (known: {})",
                        known.join(", ")
                    ),
                );
            } else if seen.contains(&key) {
                errors.error(arg.key.span(), format!("`{key}` is set twice"));
            }
            seen.push(key);
        }
    }

    fn get(&self, key: &str) -> Option<&Arg> {
        self.0.iter().find(|a| a.key == key)
    }

    fn value_of<'a>(&'a self, key: &str, errors: &mut Errors) -> Option<&'a Expr> {
        let arg = self.get(key)?;
        match &arg.value {
            Some(expr) => Some(expr),
            None => {
                errors.error(
                    arg.key.span(),
                    format!("`{key}` needs a value: `{key} = ...`"),
                );
                None
            }
        }
    }

    pub fn string(&self, key: &str, errors: &mut Errors) -> Option<Spanned<String>> {
        let expr = self.value_of(key, errors)?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(Spanned {
                value: s.value(),
                span: s.span(),
            }),
            other => {
                errors.error_at(other, format!("`{key}` must be a string literal"));
                None
            }
        }
    }

    pub fn int(&self, key: &str, errors: &mut Errors) -> Option<Spanned<i64>> {
        let expr = self.value_of(key, errors)?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => match i.base10_parse::<i64>() {
                Ok(value) => Some(Spanned {
                    value,
                    span: i.span(),
                }),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match &*u.expr {
                Expr::Lit(ExprLit {
                    lit: Lit::Int(i), ..
                }) => match i.base10_parse::<i64>() {
                    Ok(value) => Some(Spanned {
                        value: -value,
                        span: expr.span(),
                    }),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                _ => {
                    errors.error_at(expr, format!("`{key}` must be an integer literal"));
                    None
                }
            },
            other => {
                errors.error_at(other, format!("`{key}` must be an integer literal"));
                None
            }
        }
    }

    pub fn float(&self, key: &str, errors: &mut Errors) -> Option<Spanned<f64>> {
        let expr = self.value_of(key, errors)?;
        let (negative, inner) = match expr {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => (true, &*u.expr),
            other => (false, other),
        };
        let parsed = match inner {
            Expr::Lit(ExprLit {
                lit: Lit::Float(f), ..
            }) => f.base10_parse::<f64>().ok(),
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => i.base10_parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(v) => Some(Spanned {
                value: if negative { -v } else { v },
                span: expr.span(),
            }),
            None => {
                errors.error_at(expr, format!("`{key}` must be a number literal"));
                None
            }
        }
    }

    pub fn strings(&self, key: &str, errors: &mut Errors) -> Option<Spanned<Vec<String>>> {
        let expr = self.value_of(key, errors)?;
        let Expr::Array(array) = expr else {
            errors.error_at(
                expr,
                format!("`{key}` must be an array of string literals: `{key} = [\"...\"]`"),
            );
            return None;
        };
        let mut out = Vec::new();
        for element in &array.elems {
            match element {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => out.push(s.value()),
                other => {
                    errors.error_at(other, format!("`{key}` must contain string literals only"))
                }
            }
        }
        Some(Spanned {
            value: out,
            span: expr.span(),
        })
    }
}

impl Args {
    /// A flag: bare `key` is `true`, else `key = true | false`.
    pub fn flag(&self, key: &str, errors: &mut Errors) -> Option<Spanned<bool>> {
        let arg = self.get(key)?;
        if arg.value.is_none() {
            return Some(Spanned {
                value: true,
                span: arg.key.span(),
            });
        }
        self.boolean(key, errors)
    }

    pub fn boolean(&self, key: &str, errors: &mut Errors) -> Option<Spanned<bool>> {
        let expr = self.value_of(key, errors)?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Some(Spanned {
                value: b.value,
                span: b.span,
            }),
            other => {
                errors.error_at(other, format!("`{key}` must be `true` or `false`"));
                None
            }
        }
    }

    /// `cache = true | false | "5m" | "1h"`: `true` is Bedrock's default 5-minute TTL.
    pub fn cache_ttl(&self, key: &str, errors: &mut Errors) -> Option<Spanned<Option<CacheTtl>>> {
        let expr = self.value_of(key, errors)?;
        let value = match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Some(b.value.then_some(CacheTtl::FiveMinutes)),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => CacheTtl::parse(&s.value()).map(Some),
            _ => None,
        };
        match value {
            Some(value) => Some(Spanned {
                value,
                span: expr.span(),
            }),
            None => {
                errors.error_at(
                    expr,
                    format!("`{key}` is `true` (the default 5-minute TTL), \"5m\" or \"1h\""),
                );
                None
            }
        }
    }

    /// `service_tier = "flex" | "priority" | "default"`.
    pub fn service_tier(&self, key: &str, errors: &mut Errors) -> Option<Spanned<ServiceTier>> {
        let written = self.string(key, errors)?;
        match ServiceTier::parse(&written.value) {
            Some(value) => Some(Spanned {
                value,
                span: written.span,
            }),
            None => {
                const TIERS: &[&str] = &["flex", "priority", "default"];
                let hint = closest(&written.value, TIERS)
                    .map(|c| format!("; did you mean \"{c}\"?"))
                    .unwrap_or_default();
                errors.error(
                    written.span,
                    format!(
                        "unknown service tier \"{}\"{hint} (`{key}` is \"flex\", \"priority\" or \"default\")",
                        written.value
                    ),
                );
                None
            }
        }
    }

    /// A list of paths, e.g. `tools = [get_weather, SearchProducts]`.
    pub fn paths(&self, key: &str, errors: &mut Errors) -> Option<Spanned<Vec<syn::Path>>> {
        let expr = self.value_of(key, errors)?;
        let Expr::Array(array) = expr else {
            errors.error_at(expr, format!("`{key}` must be a list: `{key} = [a, b]`"));
            return None;
        };
        let mut out = Vec::new();
        for element in &array.elems {
            match element {
                Expr::Path(p) => out.push(p.path.clone()),
                other => errors.error_at(other, format!("`{key}` must list tools by path (a `#[tool]` fn or a `#[derive(Tool)]` type)")),
            }
        }
        Some(Spanned {
            value: out,
            span: expr.span(),
        })
    }

    /// A type, e.g. `state = AppState` (written as a path expression).
    pub fn type_path(&self, key: &str, errors: &mut Errors) -> Option<syn::Type> {
        let expr = self.value_of(key, errors)?;
        match expr {
            Expr::Path(p) => Some(syn::Type::Path(syn::TypePath {
                qself: p.qself.clone(),
                path: p.path.clone(),
            })),
            other => {
                errors.error_at(other, format!("`{key}` must be a type path such as `AppState` (use a type alias for generic types)"));
                None
            }
        }
    }
}

/// Declares a route kind's options: the struct, its key list (for "unknown option" and
/// "did you mean") and its parser come from one list, so an option cannot be read under a
/// misspelt name: a typo is a compile error of this crate, not an option silently ignored.
macro_rules! options {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$field_meta:meta])* $key:ident: $reader:ident -> $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $key: Option<$ty>,)*
        }

        impl $name {
            /// Every key, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            /// Reads every option (reporting values of the wrong kind); unknown keys are
            /// reported by [`Args::check_keys`](crate::attrs::Args::check_keys).
            pub fn parse(
                args: &crate::attrs::Args,
                errors: &mut crate::diagnostics::Errors,
            ) -> Self {
                Self { $($key: args.$reader(stringify!($key), errors),)* }
            }
        }
    };
}
pub(crate) use options;

options! {
    /// The options every route kind has: its model and how it is called.
    pub struct ModelOptions {
        model: string -> Spanned<String>,
        model_id: string -> Spanned<String>,
        invoke: string -> Spanned<String>,
        region: string -> Spanned<String>,
        cross_region: string -> Spanned<String>,
        system_prompt: string -> Spanned<String>,
        max_tokens: int -> Spanned<i64>,
        temperature: float -> Spanned<f64>,
        top_p: float -> Spanned<f64>,
        cache: cache_ttl -> Spanned<Option<CacheTtl>>,
        guardrail: string -> Spanned<String>,
        reasoning: string -> Spanned<String>,
        reasoning_budget: int -> Spanned<i64>,
        service_tier: service_tier -> Spanned<ServiceTier>,
    }
}

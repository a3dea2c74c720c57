//! The bodyless `async fn` a route is declared as, and its arguments.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Block, FnArg, Ident, Pat, ReturnType, Signature, Token, Type, Visibility};

use crate::diagnostics::Errors;

pub struct RouteFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Option<Block>,
}

impl Parse for RouteFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(syn::token::Brace) {
            Some(input.parse()?)
        } else {
            input.parse::<Token![;]>()?;
            None
        };
        Ok(RouteFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Value,
    Image,
    Document,
}

pub struct RouteArg {
    pub ident: Ident,
    pub ty: Type,
    pub kind: ArgKind,
    pub span: Span,
}

/// What the result type of `Result<T>` / `Result<Generated<T>>` is.
pub struct ReturnShape {
    pub output: Type,
    pub generated: bool,
}

/// The last path segment's name of a type, looking through references.
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => type_name(&r.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

fn first_generic(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

impl RouteFn {
    /// Checks the shape every route fn shares: no body, async, not generic, `&Client` first.
    pub fn check_shape(&self, route: &str, errors: &mut Errors) {
        if let Some(body) = &self.body {
            errors.error(
                body.brace_token.span.join(),
                format!("a {route} route has no body: end the declaration with `;` and ai-routes generates the call"),
            );
        }
        if self.sig.asyncness.is_none() {
            errors.error(
                self.sig.fn_token.span,
                format!("a {route} route must be `async fn`"),
            );
        }
        if !self.sig.generics.params.is_empty() {
            errors.error_at(
                &self.sig.generics,
                format!("a {route} route cannot be generic"),
            );
        }
        let client_ok = matches!(self.sig.inputs.first(), Some(FnArg::Typed(t))
            if matches!(&*t.ty, Type::Reference(r) if type_name(&r.elem).as_deref() == Some("Client")));
        if !client_ok {
            let span = self
                .sig
                .inputs
                .first()
                .map(|a| a.span())
                .unwrap_or(self.sig.ident.span());
            errors.error(
                span,
                format!("the first argument of a {route} route is the client: `ai: &Client`"),
            );
        }
    }

    /// The arguments after the client.
    pub fn args(&self, errors: &mut Errors) -> Vec<RouteArg> {
        let mut out = Vec::new();
        for input in self.sig.inputs.iter().skip(1) {
            match input {
                FnArg::Receiver(r) => {
                    errors.error_at(r, "a route is a free function, not a method")
                }
                FnArg::Typed(t) => match &*t.pat {
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                        let kind = match type_name(&t.ty).as_deref() {
                            Some("Image") => ArgKind::Image,
                            Some("Document") => ArgKind::Document,
                            _ => ArgKind::Value,
                        };
                        out.push(RouteArg {
                            ident: p.ident.clone(),
                            ty: (*t.ty).clone(),
                            kind,
                            span: t.span(),
                        });
                    }
                    other => errors.error_at(
                        other,
                        "route arguments must be plain names (`city: String`)",
                    ),
                },
            }
        }
        out
    }

    pub fn return_shape(&self, errors: &mut Errors) -> Option<ReturnShape> {
        let ReturnType::Type(_, ty) = &self.sig.output else {
            errors.error(self.sig.paren_token.span.join(), "a generation route returns `ai_routes::Result<T>` (or `Result<Generated<T>>`), T being the typed answer");
            return None;
        };
        let inner = (type_name(ty).as_deref() == Some("Result"))
            .then(|| first_generic(ty))
            .flatten();
        let Some(inner) = inner else {
            errors.error_at(ty, "a generation route returns `ai_routes::Result<T>` (or `Result<Generated<T>>`), T being the typed answer");
            return None;
        };
        if type_name(inner).as_deref() == Some("Generated") {
            if let Some(output) = first_generic(inner) {
                return Some(ReturnShape {
                    output: output.clone(),
                    generated: true,
                });
            }
        }
        Some(ReturnShape {
            output: inner.clone(),
            generated: false,
        })
    }
}

/// Gives every elided reference lifetime in `ty` the lifetime `'__a`, so argument types can
/// live in a generated struct.
pub fn with_named_lifetimes(ty: &Type) -> Type {
    use syn::visit_mut::VisitMut;
    struct Name;
    impl VisitMut for Name {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            if r.lifetime.as_ref().is_none_or(|l| l.ident == "_") {
                r.lifetime = Some(syn::Lifetime::new("'__a", Span::call_site()));
            }
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            if l.ident == "_" {
                *l = syn::Lifetime::new("'__a", Span::call_site());
            }
        }
    }
    let mut ty = ty.clone();
    Name.visit_type_mut(&mut ty);
    ty
}

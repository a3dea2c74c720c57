//! `#[tool]` on an `async fn`: the fn stays callable as written; a braced input struct named
//! like the fn (types and values live in different namespaces) carries its non-state
//! parameters, and implements `ToolInfo` and `ToolHandler`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Attribute, FnArg, Ident, Pat, ReturnType, Type};

use super::{description, tool_info, tool_options, OPTIONS};
use crate::attrs::Args;
use crate::diagnostics::Errors;
use crate::docs::doc_string;
use crate::route_fn::{type_name, RouteFn};

/// One parameter of a tool fn, in declaration order.
enum Param {
    /// The state reference: `state: &AppState` (the referenced type).
    State(Type),
    /// An input property, deserialized from the model's JSON.
    Input {
        ident: Ident,
        ty: Type,
        /// Doc comments and `#[serde]` / `#[schemars]` attributes, moved to the field.
        attrs: Vec<Attribute>,
    },
}

/// What the fn returns.
struct Return {
    /// The tool's output type.
    output: Type,
    /// `Result<T, E>`: the error is mapped to a `ToolError`.
    fallible: bool,
    span: Span,
}

/// A validated `#[tool]` fn.
struct ToolFn {
    name: String,
    strict: bool,
    description: String,
    params: Vec<Param>,
    ret: Return,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(attr) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let mut item: RouteFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let moved = strip_param_attrs(&mut item);
    let emit_fn = item.body.is_some()
        && !item
            .sig
            .inputs
            .iter()
            .any(|a| matches!(a, FnArg::Receiver(_)));
    let parsed = parse(&args, &item, moved, &mut errors);
    match parsed {
        Some(tool) if !errors.has_errors() => generate(&tool, item),
        _ => {
            let mut out = errors.to_compile_errors();
            // The fn itself, so its callers do not pile up "cannot find" errors.
            if emit_fn {
                let RouteFn {
                    attrs,
                    vis,
                    sig,
                    body,
                } = &item;
                out.extend(quote! { #(#attrs)* #[allow(dead_code)] #vis #sig #body });
            }
            out
        }
    }
}

/// Removes the parameter attributes rustc rejects on fn parameters (doc comments) and
/// those meant for the input struct's fields (`#[serde]`, `#[schemars]`); returns them per
/// parameter.
fn strip_param_attrs(item: &mut RouteFn) -> Vec<Vec<Attribute>> {
    item.sig
        .inputs
        .iter_mut()
        .map(|input| match input {
            FnArg::Typed(t) => {
                let (moved, kept) = std::mem::take(&mut t.attrs).into_iter().partition(|a| {
                    a.path().is_ident("doc")
                        || a.path().is_ident("serde")
                        || a.path().is_ident("schemars")
                });
                t.attrs = kept;
                moved
            }
            FnArg::Receiver(_) => Vec::new(),
        })
        .collect()
}

fn parse(
    args: &Args,
    item: &RouteFn,
    moved: Vec<Vec<Attribute>>,
    errors: &mut Errors,
) -> Option<ToolFn> {
    args.check_keys(OPTIONS, "tool", errors);
    let sig = &item.sig;
    if item.body.is_none() {
        errors.error(
            sig.ident.span(),
            "a #[tool] fn needs a body: it is the tool's implementation",
        );
    }
    if sig.asyncness.is_none() {
        errors.error(
            sig.fn_token.span,
            "a #[tool] fn must be `async fn`: tools run concurrently while the model waits",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.error(unsafety.span, "a #[tool] fn cannot be `unsafe`");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.error_at(
            &sig.generics,
            "a #[tool] fn cannot be generic: its input is deserialized from the model's JSON into concrete types",
        );
    }

    let mut params = Vec::new();
    let mut state_ty: Option<&Type> = None;
    for (input, attrs) in sig.inputs.iter().zip(moved) {
        let t = match input {
            FnArg::Receiver(r) => {
                errors.error_at(
                    r,
                    "a #[tool] is a free function, not a method: instead of `self`, pass shared data through a state parameter (`state: &AppState`)",
                );
                continue;
            }
            FnArg::Typed(t) => t,
        };
        if let Type::Reference(r) = &*t.ty {
            let owned = match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => Some("`String` instead of `&str`"),
                Type::Slice(_) => Some("`Vec<T>` instead of `&[T]`"),
                _ => None,
            };
            if let Some(owned) = owned {
                errors.error_at(
                    &t.ty,
                    format!("tool parameters are owned values deserialized from the model's JSON: use {owned}"),
                );
            } else if r.mutability.is_some() {
                errors.error_at(
                    &t.ty,
                    "the state parameter is a shared reference (`state: &AppState`); tools run concurrently, so use interior mutability (a Mutex, atomics) for state they change",
                );
            } else if let Some(first) = state_ty {
                let mut error = syn::Error::new_spanned(
                    &t.ty,
                    "a #[tool] fn has at most one state parameter (a reference, `state: &AppState`); input parameters are owned values, deserialized from the model's JSON",
                );
                error.combine(syn::Error::new_spanned(
                    first,
                    "the first state parameter is here; to share several things, put them in one state struct",
                ));
                errors.push(error);
            } else {
                state_ty = Some(&t.ty);
                params.push(Param::State((*r.elem).clone()));
            }
            continue;
        }
        let ident = match &*t.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            other => {
                errors.error_at(
                    other,
                    "tool parameters must be plain names (`city: String`): each name is a property of the JSON input the model fills in",
                );
                continue;
            }
        };
        if let Some(problem) = borrowed_or_generic(&t.ty) {
            errors.push(problem);
            continue;
        }
        params.push(Param::Input {
            ident,
            ty: (*t.ty).clone(),
            attrs,
        });
    }

    let ret = return_shape(item, errors);
    let description = description(
        doc_string(&item.attrs),
        sig.ident.span(),
        &format!("#[tool] fn `{}`", sig.ident),
        errors,
    );
    let default_name = syn::ext::IdentExt::unraw(&sig.ident).to_string();
    let declared = tool_options(args, &default_name, sig.ident.span(), errors);
    Some(ToolFn {
        name: declared.name,
        strict: declared.strict,
        description,
        params,
        ret: ret?,
    })
}

/// A reference, lifetime or `impl Trait` inside an input parameter's type.
fn borrowed_or_generic(ty: &Type) -> Option<syn::Error> {
    const BORROWED: &str = "tool parameters are owned values deserialized from the model's JSON: use owned types (`String`, `Vec<T>`) instead of references";
    struct Find(Option<syn::Error>);
    impl VisitMut for Find {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            self.0
                .get_or_insert_with(|| syn::Error::new_spanned(&*r, BORROWED));
        }
        fn visit_type_impl_trait_mut(&mut self, t: &mut syn::TypeImplTrait) {
            self.0.get_or_insert_with(|| {
                syn::Error::new_spanned(
                    &*t,
                    "a #[tool] fn cannot be generic: its input is deserialized from the model's JSON into concrete types",
                )
            });
        }
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            self.0
                .get_or_insert_with(|| syn::Error::new_spanned(&*l, BORROWED));
        }
    }
    // `syn` is built without its `visit` feature; a mutable visit of a copy does the same.
    let mut find = Find(None);
    find.visit_type_mut(&mut ty.clone());
    find.0
}

fn return_shape(item: &RouteFn, errors: &mut Errors) -> Option<Return> {
    let ty = match &item.sig.output {
        ReturnType::Default => {
            return Some(Return {
                output: syn::parse_quote!(()),
                fallible: false,
                span: item.sig.paren_token.span.join(),
            })
        }
        ReturnType::Type(_, ty) => &**ty,
    };
    if let Type::ImplTrait(_) = ty {
        errors.error_at(
            ty,
            "a #[tool] fn returns a concrete type (`Result<T, ToolError>` or `T`), not `impl Trait`",
        );
        return None;
    }
    let ok = (type_name(ty).as_deref() == Some("Result"))
        .then(|| first_generic(ty))
        .flatten();
    Some(match ok {
        Some(output) => Return {
            output: output.clone(),
            fallible: true,
            span: ty.span(),
        },
        None => Return {
            output: ty.clone(),
            fallible: false,
            span: ty.span(),
        },
    })
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

fn generate(tool: &ToolFn, item: RouteFn) -> TokenStream {
    let RouteFn {
        attrs,
        vis,
        sig,
        body,
    } = item;
    let ident = &sig.ident;
    let name = &tool.name;

    let inputs: Vec<_> = tool
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Input { ident, ty, attrs } => Some((ident, ty, attrs)),
            Param::State(_) => None,
        })
        .collect();
    let fields = inputs.iter().map(|(ident, ty, attrs)| {
        quote! { #(#attrs)* #vis #ident: #ty, }
    });
    // Unsuitable parameter and output types get a readable error at their span (next to
    // the derives' own).
    let argument_checks = inputs.iter().map(|(_, ty, _)| {
        quote_spanned! {ty.span()=> ::ai_routes::__private::assert_tool_argument::<#ty>(); }
    });
    let output = &tool.ret.output;
    let output_check =
        quote_spanned! {output.span()=> ::ai_routes::__private::assert_tool_output::<#output>(); };

    let state = tool.params.iter().find_map(|p| match p {
        Param::State(ty) => Some(ty.clone()),
        Param::Input { .. } => None,
    });
    let (impl_head, state_ty, state_pat) = match &state {
        Some(ty) => (
            quote! { impl },
            quote! { #ty },
            quote! { __ai_routes_state },
        ),
        None => (
            quote! { impl<__S: ::core::marker::Send + ::core::marker::Sync + 'static> },
            quote! { __S },
            quote! { _ },
        ),
    };
    let call_args = tool.params.iter().map(|p| match p {
        Param::State(_) => quote! { __ai_routes_state },
        Param::Input { ident, .. } => quote! { self.#ident },
    });
    let finish = if tool.ret.fallible {
        quote_spanned! {tool.ret.span=>
            __ai_routes_result.map_err(::ai_routes::__private::tool_error)
        }
    } else {
        quote! { ::core::result::Result::Ok(__ai_routes_result) }
    };

    let struct_doc = format!(
        "The input of the [`{name}`](fn@{ident}) tool, deserialized from the model's JSON."
    );
    let info = tool_info(
        ident,
        &syn::Generics::default(),
        name,
        &tool.description,
        tool.strict,
        Span::call_site(),
    );

    quote! {
        #(#attrs)*
        #vis #sig #body

        #[doc = #struct_doc]
        #[allow(non_camel_case_types, missing_docs)]
        #[derive(::ai_routes::__private::serde::Deserialize, ::ai_routes::__private::schemars::JsonSchema)]
        #[serde(crate = "::ai_routes::__private::serde")]
        #[schemars(crate = "::ai_routes::__private::schemars")]
        #vis struct #ident {
            #(#fields)*
        }

        #info

        #impl_head ::ai_routes::__private::ToolHandler<#state_ty> for #ident {
            type Output = #output;

            async fn handle(
                self,
                #state_pat: &#state_ty,
            ) -> ::core::result::Result<#output, ::ai_routes::__private::ToolError> {
                let __ai_routes_result = #ident(#(#call_args),*).await;
                #finish
            }
        }

        const _: () = {
            #[allow(dead_code)]
            fn __ai_routes_checks() {
                #output_check
                #(#argument_checks)*
            }
        };
    }
}

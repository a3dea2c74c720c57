//! Code generation for a validated `#[generation]` route.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Pat};

use super::template::Piece;
use super::Generation;
use crate::diagnostics::Errors;
use crate::model_spec::option;
use crate::route_fn::RouteFn;
use crate::route_fn::{with_named_lifetimes, ArgKind};
use ai_routes_catalog::OutputStrategy;

pub fn generate(g: &Generation) -> TokenStream {
    let fn_name = &g.item.sig.ident;
    let name = fn_name.to_string();
    let vis = &g.item.vis;
    let attrs = &g.item.attrs;
    let sig = &g.item.sig;
    let output = &g.ret.output;
    let route_static = format_ident!("{}_ROUTE", name.to_uppercase());
    let input_schema_fn = format_ident!("__ai_routes_{}_input_schema", name);
    let prompt_fn = format_ident!("__ai_routes_{}_prompt", name);
    let invoke_fn = format_ident!("__ai_routes_{}_invoke", name);
    let stream_json_fn = format_ident!("__ai_routes_{}_stream_json", name);
    let client = client_ident(g);

    let values: Vec<_> = g.args.iter().filter(|a| a.kind == ArgKind::Value).collect();
    let value_idents: Vec<_> = values.iter().map(|a| &a.ident).collect();
    let value_types: Vec<_> = values.iter().map(|a| with_named_lifetimes(&a.ty)).collect();
    let owned_types: Vec<_> = g.args.iter().map(|a| owned(&a.ty)).collect();
    // Arguments declared as references borrow what was read from JSON.
    let borrows = g
        .args
        .iter()
        .filter_map(|a| {
            let ident = &a.ident;
            let ty = &a.ty;
            matches!(a.ty, syn::Type::Reference(_)).then(|| quote! { let #ident: #ty = &#ident; })
        })
        .collect::<Vec<_>>();
    // An unsuitable argument type is reported at the type.
    let reads = g
        .args
        .iter()
        .zip(&owned_types)
        .map(|(a, owned)| {
            let ident = &a.ident;
            let name = ident.to_string();
            quote_spanned! {a.ty.span()=> let #ident: #owned = args.arg(#name)?; }
        })
        .collect::<Vec<_>>();
    let text = match &g.template {
        Some(template) => {
            let mut format = String::new();
            let mut format_args = Vec::new();
            for piece in &template.pieces {
                match piece {
                    Piece::Text(text) => {
                        format.push_str(&text.replace('{', "{{").replace('}', "}}"))
                    }
                    Piece::Arg(ident) => {
                        format.push_str("{}");
                        format_args.push(quote! { ::ai_routes::__private::PromptArg(#ident) });
                    }
                }
            }
            quote! { ::core::result::Result::Ok(::std::format!(#format #(, #format_args)*)) }
        }
        None => {
            let names = value_idents.iter().map(|i| i.to_string());
            quote! {
                ::ai_routes::__private::args_text(&[
                    #((#names, #value_idents as &dyn ::ai_routes::__private::ArgValue),)*
                ])
            }
        }
    };
    let media: Vec<_> = g
        .args
        .iter()
        .filter_map(|a| {
            let ident = &a.ident;
            match a.kind {
                ArgKind::Image => Some(quote! { .image(&#ident) }),
                ArgKind::Document => Some(quote! { .document(&#ident) }),
                ArgKind::Value => None,
            }
        })
        .collect();
    let finish = if g.ret.generated {
        quote! { result.map_err(::core::convert::Into::into) }
    } else {
        quote! { result.map(|generated| generated.value).map_err(::core::convert::Into::into) }
    };

    let stream_fn = stream_fn(g, &route_static, &prompt_fn, &media);
    let spec = spec_tokens(g, &input_schema_fn, &invoke_fn, &stream_json_fn);
    let result_type_fn = format_ident!("__ai_routes_{}_result_type", name);
    let new_route = quote! {
        ::ai_routes::__private::GenerationRoute::new(#spec, #result_type_fn)
    };
    // An unsuitable result type is reported here, at the type.
    let result_type = quote_spanned! {output.span()=>
        ::ai_routes::__private::result_type::<#output>()
    };
    let route_doc = format!("The route behind [`{name}`]: its descriptor (`{route_static}.descriptor()`) and call engine.");
    let arg_docs: Vec<_> = g
        .args
        .iter()
        .map(|a| format!("Argument `{}` of route `{name}`.", a.ident))
        .collect();
    let arg_names = g.args.iter().map(|a| a.ident.to_string());
    let arg_required = g.args.iter().map(|a| !is_option(&a.ty));
    // An unsuitable argument type is reported here, at the type.
    let arg_schemas = g.args.iter().zip(&owned_types).map(|(a, ty)| {
        quote_spanned! {a.ty.span()=> ::ai_routes::__private::arg_schema::<#ty> }
    });

    quote! {
        #[allow(non_snake_case, unused_variables)]
        fn #prompt_fn<'__a>(#(#value_idents: &'__a #value_types),*) -> ::ai_routes::__private::Result<::std::string::String> {
            #text
        }

        // The JSON entry point (for serving the route over HTTP) is only expanded when
        // ai-routes is built with `http`: it is about half of a route's generated code.
        ::ai_routes::__private::if_http! {
            {
                #[allow(non_snake_case)]
                fn #invoke_fn(
                    ai: &::ai_routes::__private::Client,
                    args: ::ai_routes::__private::serde_json::Value,
                ) -> ::ai_routes::__private::BoxFuture<'_, ::ai_routes::__private::Result<::ai_routes::__private::Generated<::ai_routes::__private::serde_json::Value>>> {
                    ::std::boxed::Box::pin(async move {
                        let mut args = ::ai_routes::__private::ArgsReader::new(#name, args)?;
                        #(#reads)*
                        args.finish()?;
                        #(#borrows)*
                        let text = #prompt_fn(#(&#value_idents),*)?;
                        let input = ::ai_routes::__private::UserInput::text(text) #(#media)*;
                        #route_static.generate(ai, input).await.map(::ai_routes::__private::Generated::into_json)
                    })
                }

                #[allow(non_snake_case)]
                fn #stream_json_fn(
                    ai: &::ai_routes::__private::Client,
                    args: ::ai_routes::__private::serde_json::Value,
                ) -> ::ai_routes::__private::BoxStream<'_, ::ai_routes::__private::Result<::ai_routes::__private::GenerationEvent<::ai_routes::__private::serde_json::Value>>> {
                    #route_static.stream_with(ai, move |__ai_routes_call| {
                        ::std::boxed::Box::pin(async move {
                            let mut args = ::ai_routes::__private::ArgsReader::new(#name, args)?;
                            #(#reads)*
                            args.finish()?;
                            #(#borrows)*
                            let text = #prompt_fn(#(&#value_idents),*)?;
                            let input = ::ai_routes::__private::UserInput::text(text) #(#media)*;
                            __ai_routes_call.generate(input).await
                        })
                    }).into_json()
                }
            } else {}
        }

        /// The schema of the route's arguments as one JSON object (its descriptor's input).
        #[allow(non_snake_case)]
        fn #input_schema_fn() -> ::ai_routes::__private::serde_json::Value {
            ::ai_routes::__private::args_schema(&[
                #(::ai_routes::__private::ArgSchema {
                    name: #arg_names,
                    description: #arg_docs,
                    required: #arg_required,
                    schema: #arg_schemas,
                },)*
            ])
        }

        // The route's static points at this local fn, not at ai-routes' generic one (see
        // `GenerationRoute::new`).
        #[allow(non_snake_case)]
        fn #result_type_fn() -> ::ai_routes::__private::ResultType {
            #result_type
        }

        #[doc = #route_doc]
        #vis static #route_static: ::ai_routes::__private::GenerationRoute<#output> = #new_route;

        #(#attrs)*
        #vis #sig {
            let text = match #prompt_fn(#(&#value_idents),*) {
                ::core::result::Result::Ok(text) => text,
                ::core::result::Result::Err(error) => return ::core::result::Result::Err(::core::convert::Into::into(error)),
            };
            let input = ::ai_routes::__private::UserInput::text(text) #(#media)*;
            let result = #route_static.generate(#client, input).await;
            #finish
        }

        #stream_fn
    }
}

/// `name_stream`: the route called as a stream of partial values, from the same arguments
/// (they are moved into the stream, references borrowed for its lifetime).
fn stream_fn(
    g: &Generation,
    route_static: &syn::Ident,
    prompt_fn: &syn::Ident,
    media: &[TokenStream],
) -> TokenStream {
    // A declaration with its own generic parameters is an error reported elsewhere.
    if !g.item.sig.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = g.item.sig.ident.to_string();
    let stream_fn = format_ident!("{}_stream", name);
    let vis = &g.item.vis;
    let output = &g.ret.output;
    let client = client_ident(g);
    let idents: Vec<_> = g.args.iter().map(|a| &a.ident).collect();
    let types: Vec<_> = g.args.iter().map(|a| with_named_lifetimes(&a.ty)).collect();
    let value_idents: Vec<_> = g
        .args
        .iter()
        .filter(|a| a.kind == ArgKind::Value)
        .map(|a| &a.ident)
        .collect();
    let doc = format!(
        "[`{name}`] as a stream: `Partial` snapshots of the result while its JSON arrives, then \
         `GenerationEvent::Done` with the validated result (see `GenerationRoute::stream`)."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        #vis fn #stream_fn<'__a>(
            #client: &'__a ::ai_routes::__private::Client,
            #(#idents: #types),*
        ) -> ::ai_routes::__private::GenerationStream<'__a, #output> {
            #route_static.stream_with(#client, move |__ai_routes_call| {
                ::std::boxed::Box::pin(async move {
                    let text = #prompt_fn(#(&#value_idents),*)?;
                    let input = ::ai_routes::__private::UserInput::text(text) #(#media)*;
                    __ai_routes_call.generate(input).await
                })
            })
        }
    }
}

/// The owned type an argument is read into from JSON: `&str` → `String`, `&[T]` → `Vec<T>`,
/// `&T` → `T`; the call then borrows it.
fn owned(ty: &syn::Type) -> TokenStream {
    match ty {
        syn::Type::Reference(r) => match &*r.elem {
            syn::Type::Path(p) if p.path.is_ident("str") => quote! { ::std::string::String },
            syn::Type::Slice(slice) => {
                let elem = &slice.elem;
                quote! { ::std::vec::Vec<#elem> }
            }
            other => other.to_token_stream(),
        },
        other => other.to_token_stream(),
    }
}

/// `Option<_>` arguments may be left out of the JSON object (serde reads them as `None`).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_option(&r.elem),
        syn::Type::Path(p) => {
            p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        _ => false,
    }
}

fn client_ident(g: &Generation) -> TokenStream {
    match g.item.sig.inputs.first() {
        Some(FnArg::Typed(t)) => match &*t.pat {
            Pat::Ident(p) => p.ident.to_token_stream(),
            other => {
                quote_spanned! {other.span()=> compile_error!("name the client argument: `ai: &Client`") }
            }
        },
        _ => quote! { compile_error!("the first argument of a generation route is the client") },
    }
}

fn spec_tokens(
    g: &Generation,
    input_schema_fn: &syn::Ident,
    invoke_fn: &syn::Ident,
    stream_json_fn: &syn::Ident,
) -> TokenStream {
    let name = g.item.sig.ident.to_string();
    let doc = &g.doc;
    let model = g.settings.tokens();
    let retries = g.retries;
    let timeout_ms = option(g.timeout_ms);
    let strategy = match g.strategy {
        OutputStrategy::Native => quote!(Native),
        OutputStrategy::ForcedTool(mode) => {
            let mode = format_ident!("{mode:?}");
            quote!(ForcedTool(::ai_routes::__private::ToolChoiceMode::#mode))
        }
        OutputStrategy::AutoWithInstruction => quote!(AutoWithInstruction),
    };
    let span = Span::call_site();
    quote_spanned! {span=>
        ::ai_routes::__private::GenerationSpec {
            name: #name,
            doc: #doc,
            model: #model,
            retries: #retries,
            output: ::ai_routes::__private::OutputStrategy::#strategy,
            timeout_ms: #timeout_ms,
            input_schema: #input_schema_fn,
            invoke_json: ::ai_routes::__private::if_http!({ ::core::option::Option::Some(#invoke_fn) } else { ::core::option::Option::None }),
            stream_json: ::ai_routes::__private::if_http!({ ::core::option::Option::Some(#stream_json_fn) } else { ::core::option::Option::None }),
        }
    }
}

/// What a declaration whose attribute has errors expands to, next to the errors: the fn
/// as declared (its body never runs: the build fails) and, when the return type has the
/// route shape, its `_ROUTE` static, so callers keep their types in the editor.
pub fn stub(item: &RouteFn) -> TokenStream {
    let attrs = &item.attrs;
    let vis = &item.vis;
    // Always async, as a route is: a missing `async` is reported at the declaration, not
    // again at every `.await` of its callers.
    let mut sig = item.sig.clone();
    sig.asyncness = Some(Default::default());
    let name = sig.ident.to_string();
    let route_static = format_ident!("{}_ROUTE", name.to_uppercase());
    // A generic declaration (itself an error) has no route: its type parameters are not in
    // scope of a static.
    let route = (sig.generics.params.is_empty())
        .then(|| item.return_shape(&mut Errors::default()))
        .flatten()
        .map(|ret| {
            let output = &ret.output;
            quote! {
                #[allow(dead_code)]
                #vis static #route_static: ::ai_routes::__private::GenerationRoute<#output> =
                    ::ai_routes::__private::GenerationRoute::unavailable(#name);
            }
        })
        .unwrap_or_default();
    quote! {
        #route
        #(#attrs)*
        #[allow(unused_variables, clippy::unused_async)]
        #vis #sig {
            ::core::unreachable!("the #[generation] attribute of this fn has errors")
        }
    }
}

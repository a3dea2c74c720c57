//! Code generation for a validated `#[generation]` route.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Pat};

use super::template::Piece;
use super::{Generation, Strategy};
use crate::route_fn::{with_named_lifetimes, ArgKind};

pub fn generate(g: &Generation) -> TokenStream {
    let fn_name = &g.item.sig.ident;
    let name = fn_name.to_string();
    let vis = &g.item.vis;
    let attrs = &g.item.attrs;
    let sig = &g.item.sig;
    let output = &g.ret.output;
    let route_static = format_ident!("{}_ROUTE", name.to_uppercase());
    let args_struct = format_ident!("__ai_routes_{}_args", name);
    let client = client_ident(g);

    let values: Vec<_> = g.args.iter().filter(|a| a.kind == ArgKind::Value).collect();
    let value_idents: Vec<_> = values.iter().map(|a| &a.ident).collect();
    let value_types: Vec<_> = values.iter().map(|a| with_named_lifetimes(&a.ty)).collect();
    let argument_checks = values.iter().zip(&value_types).map(|(arg, ty)| {
        quote_spanned! {arg.ty.span()=> ::ai_routes::__private::assert_argument::<#ty>(); }
    });
    let output_check =
        quote_spanned! {output.span()=> ::ai_routes::__private::assert_output::<#output>(); };

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
                        format_args.push(quote! { ::ai_routes::__private::PromptArg(&#ident) });
                    }
                }
            }
            quote! { ::std::format!(#format #(, #format_args)*) }
        }
        None => quote! {
            match ::ai_routes::__private::args_text(&#args_struct {
                #(#value_idents: &#value_idents,)*
                __marker: ::ai_routes::__private::PhantomData,
            }) {
                ::core::result::Result::Ok(text) => text,
                ::core::result::Result::Err(error) => return ::core::result::Result::Err(::core::convert::Into::into(error)),
            }
        },
    };
    let media = g.args.iter().filter_map(|a| match a.kind {
        ArgKind::Image => {
            let ident = &a.ident;
            Some(quote! { .image(&#ident) })
        }
        ArgKind::Document => {
            let ident = &a.ident;
            Some(quote! { .document(&#ident) })
        }
        ArgKind::Value => None,
    });
    let finish = if g.ret.generated {
        quote! { result.map_err(::core::convert::Into::into) }
    } else {
        quote! { result.map(|generated| generated.value).map_err(::core::convert::Into::into) }
    };

    let spec = spec_tokens(g, &args_struct);
    let route_doc = format!("The route behind [`{name}`]: its descriptor (`{route_static}.descriptor()`) and call engine.");
    let arg_docs = values
        .iter()
        .map(|a| format!("Argument `{}` of route `{name}`.", a.ident));

    quote! {
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #[derive(::ai_routes::__private::serde::Serialize, ::ai_routes::__private::schemars::JsonSchema)]
        #[serde(crate = "::ai_routes::__private::serde")]
        #[schemars(crate = "::ai_routes::__private::schemars")]
        struct #args_struct<'__a> {
            #(
                #[doc = #arg_docs]
                #value_idents: &'__a #value_types,
            )*
            #[serde(skip)]
            __marker: ::ai_routes::__private::PhantomData<&'__a ()>,
        }

        const _: () = {
            #[allow(dead_code)]
            fn __ai_routes_checks<'__a>() {
                #output_check
                #(#argument_checks)*
            }
        };

        #[doc = #route_doc]
        #vis static #route_static: ::ai_routes::__private::GenerationRoute<#output> =
            ::ai_routes::__private::GenerationRoute::new(#spec);

        #(#attrs)*
        #vis #sig {
            let text: ::std::string::String = #text;
            let input = ::ai_routes::__private::UserInput::text(text) #(#media)*;
            let result = #route_static.generate(#client, input).await;
            #finish
        }
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

fn spec_tokens(g: &Generation, args_struct: &syn::Ident) -> TokenStream {
    let name = g.item.sig.ident.to_string();
    let doc = &g.doc;
    let model = &g.model.written;
    let invoke_id = &g.model.invoke_id;
    let catalog_id = option(g.model.model.map(|m| m.id));
    let system_prompt = option(g.system_prompt.as_deref());
    let max_tokens = option(g.max_tokens);
    let temperature = option(g.temperature);
    let top_p = option(g.top_p);
    let stop_sequences = &g.stop_sequences;
    let region = option(g.region.as_deref());
    let retries = g.retries;
    let strategy = match g.strategy {
        Strategy::Tool => quote!(Tool),
        Strategy::Any => quote!(Any),
        Strategy::AutoWithInstruction => quote!(AutoWithInstruction),
    };
    let span = Span::call_site();
    quote_spanned! {span=>
        ::ai_routes::__private::GenerationSpec {
            name: #name,
            doc: #doc,
            model: #model,
            invoke_id: #invoke_id,
            catalog_id: #catalog_id,
            system_prompt: #system_prompt,
            max_tokens: #max_tokens,
            temperature: #temperature,
            top_p: #top_p,
            stop_sequences: &[#(#stop_sequences),*],
            region: #region,
            retries: #retries,
            tool_choice: ::ai_routes::__private::ToolChoiceStrategy::#strategy,
            input_schema: ::ai_routes::__private::schema_of::<#args_struct<'static>>,
        }
    }
}

fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(#v) },
        None => quote! { ::core::option::Option::None },
    }
}

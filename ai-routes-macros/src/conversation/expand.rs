//! Code generation for a validated `#[conversation]` route.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::ConversationModel;

pub fn generate(c: &ConversationModel) -> TokenStream {
    let item = &c.item;
    let ident = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    let state = &c.state;
    let tools = &c.tools;
    let spec = spec_tokens(c);

    let tool_checks = tools.iter().map(|tool| {
        quote_spanned! {tool.span()=> ::ai_routes::__private::assert_conversation_tool::<#tool, #state>(); }
    });
    let mut name_checks = Vec::new();
    for (i, a) in tools.iter().enumerate() {
        for b in &tools[i + 1..] {
            let message = format!(
                "two tools of this conversation have the same name: `{}` and `{}`; rename one with #[tool(name = \"...\")]",
                a.to_token_stream().to_string().replace(' ', ""),
                b.to_token_stream().to_string().replace(' ', "")
            );
            name_checks.push(quote_spanned! {b.span()=>
                const _: () = ::core::assert!(
                    !::ai_routes::__private::const_str_eq(
                        <#a as ::ai_routes::__private::ToolInfo>::DEFINITION.name,
                        <#b as ::ai_routes::__private::ToolInfo>::DEFINITION.name,
                    ),
                    #message
                );
            });
        }
    }

    quote! {
        #(#attrs)*
        #vis struct #ident {
            route: ::ai_routes::__private::ConversationRoute<#state>,
        }

        const _: () = {
            #[allow(dead_code)]
            fn __ai_routes_checks() {
                #(#tool_checks)*
            }
        };
        #(#name_checks)*

        impl #ident {
            /// What the route declares.
            pub const SPEC: ::ai_routes::__private::ConversationSpec = #spec;

            /// Binds the route to a Bedrock client, a conversation store and the application
            /// state its tools receive.
            pub fn new(
                ai: ::ai_routes::__private::Client,
                store: impl ::ai_routes::__private::ConversationStore,
                state: #state,
            ) -> Self {
                let tools = ::ai_routes::__private::ToolSet::<#state>::builder()
                    #(.tool::<#tools>())*
                    .build()
                    .expect("tool names are checked at compile time");
                Self { route: ::ai_routes::__private::ConversationRoute::new(Self::SPEC, ai, store, state, tools) }
            }

            /// The route itself (also reachable through `Deref`).
            pub fn route(&self) -> &::ai_routes::__private::ConversationRoute<#state> {
                &self.route
            }
        }

        impl ::core::ops::Deref for #ident {
            type Target = ::ai_routes::__private::ConversationRoute<#state>;
            fn deref(&self) -> &Self::Target {
                &self.route
            }
        }
    }
}

fn spec_tokens(c: &ConversationModel) -> TokenStream {
    let name = c.item.ident.to_string();
    let doc = &c.doc;
    let model = &c.model.written;
    let invoke_id = &c.model.invoke_id;
    let catalog_id = option(c.model.model.map(|m| m.id));
    let system_prompt = option(c.system_prompt.as_deref());
    let max_tokens = option(c.max_tokens);
    let temperature = option(c.temperature);
    let top_p = option(c.top_p);
    let region = option(c.region.as_deref());
    let max_steps = c.max_steps;
    let stream = c.stream;
    let turn_timeout_ms = option(c.production.timeout_ms);
    let cross_region = option(c.model.cross_region.as_deref());
    let cache = c.production.cache;
    let guardrail = option(c.production.guardrail.as_deref());
    quote! {
        ::ai_routes::__private::ConversationSpec {
            name: #name,
            doc: #doc,
            model: #model,
            invoke_id: #invoke_id,
            catalog_id: #catalog_id,
            system_prompt: #system_prompt,
            max_tokens: #max_tokens,
            temperature: #temperature,
            top_p: #top_p,
            region: #region,
            max_steps: #max_steps,
            stream: #stream,
            turn_timeout_ms: #turn_timeout_ms,
            cross_region: #cross_region,
            cache: #cache,
            guardrail: #guardrail,
        }
    }
}

fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(#v) },
        None => quote! { ::core::option::Option::None },
    }
}

//! Code generation for a validated `#[conversation]` route.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::ConversationModel;
use crate::model_spec::option;

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
    let model = c.settings.tokens();
    let max_steps = c.max_steps;
    let stream = c.stream;
    let turn_timeout_ms = option(c.turn_timeout_ms);
    let strict_tools = c.strict_tools;
    quote! {
        ::ai_routes::__private::ConversationSpec {
            name: #name,
            doc: #doc,
            model: #model,
            max_steps: #max_steps,
            stream: #stream,
            turn_timeout_ms: #turn_timeout_ms,
            strict_tools: #strict_tools,
        }
    }
}

/// What a declaration whose attribute has errors expands to, next to the errors: the type
/// with its `SPEC`, `new`, `route` and `Deref`, bound to no model and no tools (the build
/// fails on the errors), so callers keep their types in the editor.
pub fn stub(item: &syn::ItemStruct, state: Option<syn::Type>) -> TokenStream {
    let ident = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    let state = state.unwrap_or_else(|| syn::parse_quote!(()));
    let name = ident.to_string();
    quote! {
        #(#attrs)*
        #vis struct #ident {
            route: ::ai_routes::__private::ConversationRoute<#state>,
        }

        #[allow(dead_code)]
        impl #ident {
            /// What the route declares.
            pub const SPEC: ::ai_routes::__private::ConversationSpec =
                ::ai_routes::__private::ConversationSpec::unavailable(#name);

            /// Binds the route to a Bedrock client, a conversation store and the state.
            pub fn new(
                ai: ::ai_routes::__private::Client,
                store: impl ::ai_routes::__private::ConversationStore,
                state: #state,
            ) -> Self {
                let tools = ::ai_routes::__private::ToolSet::<#state>::builder()
                    .build()
                    .expect("an empty tool set");
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

//! `#[conversation]`: parse the declaration into a typed model, validate it against the
//! catalog (collecting every error), then generate the route type.

mod expand;

use proc_macro2::TokenStream;
use syn::spanned::Spanned as _;

use crate::attrs::Args;
use ai_routes_catalog::{Capability, Support};

use crate::checks::{
    check_inference, check_system_prompt, production_options, require, ProductionOptions,
};
use crate::diagnostics::Errors;
use crate::docs::doc_string;
use crate::model_check::{check_region, resolve_model, RouteModel};

const OPTIONS: &[&str] = &[
    "model",
    "model_id",
    "system_prompt",
    "max_tokens",
    "temperature",
    "top_p",
    "tools",
    "max_steps",
    "stream",
    "region",
    "state",
    "turn_timeout_ms",
    "cross_region",
    "cache",
    "guardrail",
];

/// A validated conversation route.
pub struct ConversationModel {
    pub item: syn::ItemStruct,
    pub doc: String,
    pub model: RouteModel,
    pub system_prompt: Option<String>,
    pub max_tokens: Option<i32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub tools: Vec<syn::Path>,
    pub max_steps: u32,
    pub stream: bool,
    pub region: Option<String>,
    pub state: syn::Type,
    pub production: ProductionOptions,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(attr) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let item: syn::ItemStruct = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "`#[conversation]` goes on a unit struct: `struct ShopAssistant;`",
            )
            .to_compile_error()
        }
    };
    let mut errors = Errors::default();
    let parsed = parse(args, item, &mut errors);
    let mut out = errors.to_warnings();
    match parsed {
        Some(conversation) if !errors.has_errors() => out.extend(expand::generate(&conversation)),
        _ => out.extend(errors.to_compile_errors()),
    }
    out
}

fn parse(args: Args, item: syn::ItemStruct, errors: &mut Errors) -> Option<ConversationModel> {
    args.check_keys(OPTIONS, "conversation", errors);
    if !matches!(item.fields, syn::Fields::Unit) {
        errors.error(
            item.fields.span(),
            "`#[conversation]` goes on a unit struct: `struct ShopAssistant;`",
        );
    }
    if !item.generics.params.is_empty() {
        errors.error_at(&item.generics, "a conversation route cannot be generic");
    }
    let region = args.string("region", errors);
    let known_region = region.as_ref().filter(|r| check_region(r, errors));
    let model = resolve_model(&args, known_region, errors);
    let production = production_options(&args, model.as_ref(), "turn_timeout_ms", errors);
    let system_prompt = args.string("system_prompt", errors);
    let max_tokens = args.int("max_tokens", errors);
    let temperature = args.float("temperature", errors);
    let top_p = args.float("top_p", errors);
    let tools = args.paths("tools", errors);
    let stream = args.boolean("stream", errors);
    let max_steps = args.int("max_steps", errors);
    let state = args
        .type_path("state", errors)
        .unwrap_or_else(|| syn::parse_quote!(()));

    let max_steps = match max_steps {
        Some(m) if !(1..=100).contains(&m.value) => {
            errors.error(m.span, "`max_steps` must be between 1 and 100");
            8
        }
        Some(m) => m.value as u32,
        None => 8,
    };
    let streaming = stream.as_ref().map(|s| s.value).unwrap_or(true);
    let tool_list = tools.as_ref().map(|t| t.value.clone()).unwrap_or_default();
    check_duplicate_tools(&tool_list, errors);

    if let Some(model) = &model {
        check_system_prompt(model, system_prompt.as_ref(), errors);
        check_inference(
            model,
            max_tokens.as_ref(),
            temperature.as_ref(),
            top_p.as_ref(),
            errors,
        );
        if let Some(catalog) = model.model.filter(|_| model.checked) {
            if !catalog.converse {
                errors.error(
                    model.span,
                    format!(
                        "model `{}` cannot be used with the Converse API",
                        catalog.name
                    ),
                );
            } else if streaming {
                let span = stream.as_ref().map(|s| s.span).unwrap_or(model.span);
                require(
                    catalog,
                    Capability::Streaming,
                    span,
                    || {
                        format!(
                            "model `{}` does not support ConverseStream; set `stream = false`",
                            catalog.name
                        )
                    },
                    errors,
                );
            }
            if let Some(tools) = tools.as_ref().filter(|t| !t.value.is_empty()) {
                let needed = if streaming {
                    Capability::StreamingToolUse
                } else {
                    Capability::ToolUse
                };
                if catalog.supports(Capability::ToolUse) != Support::Yes {
                    require(
                        catalog,
                        Capability::ToolUse,
                        tools.span,
                        || {
                            format!("model `{}` does not support tool use; remove `tools` or pick a model that does", catalog.name)
                        },
                        errors,
                    );
                } else {
                    require(
                        catalog,
                        needed,
                        tools.span,
                        || {
                            format!(
                                "model `{}` does not support tool use while streaming; set `stream = false` to use Converse \
                                 for this route, or pick a model with streaming tool use",
                                catalog.name
                            )
                        },
                        errors,
                    );
                }
            }
        }
    }

    let model = model?;
    Some(ConversationModel {
        doc: doc_string(&item.attrs),
        item,
        model,
        system_prompt: system_prompt.map(|s| s.value),
        max_tokens: max_tokens.map(|m| m.value as i32),
        temperature: temperature.map(|t| t.value as f32),
        top_p: top_p.map(|t| t.value as f32),
        tools: tool_list,
        max_steps,
        stream: streaming,
        region: region.map(|r| r.value),
        state,
        production,
    })
}

/// The same tool listed twice. Two different tools with the same name are caught by a
/// const assertion in the generated code, where the names are known.
fn check_duplicate_tools(tools: &[syn::Path], errors: &mut Errors) {
    for (i, tool) in tools.iter().enumerate() {
        if tools[..i].iter().any(|earlier| earlier == tool) {
            let name = quote::quote!(#tool).to_string().replace(' ', "");
            errors.error_at(tool, format!("tool `{name}` is listed twice"));
        }
    }
}

//! `#[conversation]`: parse the declaration into a typed model, validate it against the
//! catalog (collecting every error), then generate the route type.

mod expand;

use ai_routes_catalog::{Capability, Support};
use proc_macro2::TokenStream;
use syn::spanned::Spanned as _;

use crate::attrs::{options, Args, ModelOptions, Spanned};
use crate::checks::{check_timeout, require};
use crate::diagnostics::Errors;
use crate::docs::doc_string;
use crate::model_spec::{History, ModelSettings};

options! {
    /// The options only a conversation route has.
    pub struct ConversationOptions {
        tools: paths -> Spanned<Vec<syn::Path>>,
        max_steps: int -> Spanned<i64>,
        stream: boolean -> Spanned<bool>,
        state: type_path -> syn::Type,
        turn_timeout_ms: int -> Spanned<i64>,
        strict_tools: flag -> Spanned<bool>,
    }
}

/// A validated conversation route.
pub struct ConversationModel {
    pub item: syn::ItemStruct,
    pub doc: String,
    pub settings: ModelSettings,
    pub tools: Vec<syn::Path>,
    pub max_steps: u32,
    pub stream: bool,
    pub state: syn::Type,
    pub turn_timeout_ms: Option<u64>,
    pub strict_tools: bool,
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
    let stub_item = item.clone();
    let state = args
        .0
        .iter()
        .any(|a| a.key == "state")
        .then(|| ConversationOptions::parse(&args, &mut Errors::default()).state)
        .flatten();
    let parsed = parse(args, item, &mut errors);
    let mut out = errors.to_warnings();
    match parsed {
        Some(conversation) if !errors.has_errors() => out.extend(expand::generate(&conversation)),
        // The declared type and its API still exist, so callers keep their types while
        // the attribute is being fixed.
        _ => {
            out.extend(errors.to_compile_errors());
            out.extend(expand::stub(&stub_item, state));
        }
    }
    out
}

fn parse(args: Args, item: syn::ItemStruct, errors: &mut Errors) -> Option<ConversationModel> {
    args.check_keys(
        &[ModelOptions::KEYS, ConversationOptions::KEYS].concat(),
        "conversation",
        errors,
    );
    let model_options = ModelOptions::parse(&args, errors);
    let options = ConversationOptions::parse(&args, errors);
    if !matches!(item.fields, syn::Fields::Unit) {
        errors.error(
            item.fields.span(),
            "`#[conversation]` goes on a unit struct: `struct ShopAssistant;`",
        );
    }
    if !item.generics.params.is_empty() {
        errors.error_at(&item.generics, "a conversation route cannot be generic");
    }
    let settings = ModelSettings::check(model_options, History::Resent, errors);
    let turn_timeout_ms = check_timeout(options.turn_timeout_ms, "turn_timeout_ms", errors);
    let stream = options.stream;
    let tools = options.tools;
    let state = options.state.unwrap_or_else(|| syn::parse_quote!(()));

    let max_steps = match options.max_steps {
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

    if let Some(model) = settings.as_ref().map(|s| &s.model) {
        if let Some(catalog) = model.model.filter(|_| model.checked) {
            if catalog.converse.is_no() {
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
            if let Some(strict) = options.strict_tools.as_ref().filter(|s| s.value) {
                require(
                    catalog,
                    Capability::StrictTools,
                    strict.span,
                    || {
                        format!(
                            "model `{}` does not support strict tools (`strict: true`); remove `strict_tools`, or pick a \
                             model that has them (e.g. Claude Sonnet 4.5, Claude Haiku 4.5)",
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

    let settings = settings?;
    Some(ConversationModel {
        doc: doc_string(&item.attrs),
        item,
        settings,
        tools: tool_list,
        max_steps,
        stream: streaming,
        state,
        turn_timeout_ms,
        strict_tools: options.strict_tools.is_some_and(|s| s.value),
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

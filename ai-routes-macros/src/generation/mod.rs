//! `#[generation]`: parse the declaration into a typed model, validate it against the
//! catalog (collecting every error), then generate the route.

mod expand;
mod template;

use ai_routes_catalog::{Capability, ToolChoiceMode};
use proc_macro2::TokenStream;

use crate::attrs::{Args, Spanned};
use crate::checks::{
    check_inference, check_system_prompt, production_options, require, ProductionOptions,
};
use crate::diagnostics::Errors;
use crate::docs::doc_string;
use crate::model_check::{check_region, resolve_model, RouteModel};
use crate::route_fn::{ArgKind, ReturnShape, RouteArg, RouteFn};
use template::Template;

const OPTIONS: &[&str] = &[
    "model",
    "model_id",
    "system_prompt",
    "prompt",
    "max_tokens",
    "temperature",
    "top_p",
    "stop_sequences",
    "region",
    "retries",
    "tool_choice",
    "timeout_ms",
    "cross_region",
    "cache",
    "guardrail",
];

/// How the result tool is forced.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Tool,
    Any,
    AutoWithInstruction,
}

/// A validated generation route.
pub struct Generation {
    pub item: RouteFn,
    pub doc: String,
    pub model: RouteModel,
    pub args: Vec<RouteArg>,
    pub ret: ReturnShape,
    pub system_prompt: Option<String>,
    pub template: Option<Template>,
    pub max_tokens: Option<i32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub stop_sequences: Vec<String>,
    pub region: Option<String>,
    pub retries: u32,
    pub strategy: Strategy,
    pub production: ProductionOptions,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(attr) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let item: RouteFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let parsed = parse(args, item, &mut errors);
    match parsed {
        Some(generation) if !errors.has_errors() => {
            let mut out = errors.to_warnings();
            out.extend(expand::generate(&generation));
            out
        }
        _ => {
            let mut out = errors.to_warnings();
            out.extend(errors.to_compile_errors());
            out
        }
    }
}

fn parse(args: Args, item: RouteFn, errors: &mut Errors) -> Option<Generation> {
    args.check_keys(OPTIONS, "generation", errors);
    item.check_shape("generation", errors);
    let route_args = item.args(errors);
    let ret = item.return_shape(errors);

    let region = args.string("region", errors);
    let known_region = region.as_ref().filter(|r| check_region(r, errors));
    let model = resolve_model(&args, known_region, errors);
    let production = production_options(&args, model.as_ref(), "timeout_ms", errors);
    let system_prompt = args.string("system_prompt", errors);
    let max_tokens = args.int("max_tokens", errors);
    let temperature = args.float("temperature", errors);
    let top_p = args.float("top_p", errors);
    let stop_sequences = args.strings("stop_sequences", errors);
    let retries = args.int("retries", errors);
    let tool_choice = args.string("tool_choice", errors);
    let template = args
        .string("prompt", errors)
        .and_then(|p| Template::parse(&p, &route_args, errors));

    let retries = match retries {
        Some(r) if !(0..=10).contains(&r.value) => {
            errors.error(r.span, "`retries` must be between 0 and 10");
            1
        }
        Some(r) => r.value as u32,
        None => 1,
    };
    if let Some(stops) = &stop_sequences {
        if stops.value.iter().any(|s| s.is_empty()) {
            errors.error(
                stops.span,
                "`stop_sequences` cannot contain an empty string",
            );
        }
    }

    let mut strategy = Strategy::Tool;
    if let Some(model) = &model {
        strategy = choose_strategy(model, tool_choice.as_ref(), errors);
        if let Some(catalog) = model.model.filter(|_| model.checked) {
            check_capabilities(catalog, model, &route_args, errors);
        }
        check_system_prompt(model, system_prompt.as_ref(), errors);
        check_inference(
            model,
            max_tokens.as_ref(),
            temperature.as_ref(),
            top_p.as_ref(),
            errors,
        );
    }

    let (model, ret) = (model?, ret?);
    Some(Generation {
        doc: doc_string(&item.attrs),
        item,
        model,
        args: route_args,
        ret,
        system_prompt: system_prompt.map(|s| s.value),
        template,
        max_tokens: max_tokens.map(|m| m.value as i32),
        temperature: temperature.map(|t| t.value as f32),
        top_p: top_p.map(|t| t.value as f32),
        stop_sequences: stop_sequences.map(|s| s.value).unwrap_or_default(),
        region: region.map(|r| r.value),
        retries,
        strategy,
        production,
    })
}

fn choose_strategy(
    model: &RouteModel,
    requested: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Strategy {
    let catalog = model.model.filter(|_| model.checked);
    let Some(requested) = requested else {
        return match catalog.map(|m| m.forced_tool_choice()) {
            Some(Some(ToolChoiceMode::Tool)) | None => Strategy::Tool,
            Some(Some(ToolChoiceMode::Any)) => Strategy::Any,
            Some(_) => Strategy::AutoWithInstruction,
        };
    };
    let (strategy, mode) = match requested.value.as_str() {
        "tool" => (Strategy::Tool, ToolChoiceMode::Tool),
        "any" => (Strategy::Any, ToolChoiceMode::Any),
        "auto" => (Strategy::AutoWithInstruction, ToolChoiceMode::Auto),
        other => {
            errors.error(
                requested.span,
                format!("`tool_choice` is \"tool\", \"any\" or \"auto\", not \"{other}\""),
            );
            return Strategy::Tool;
        }
    };
    if let Some(catalog) = catalog {
        if mode != ToolChoiceMode::Auto {
            let accepted: Vec<&str> = catalog.tool_choice.iter().map(|m| m.as_str()).collect();
            require(
                catalog,
                Capability::ToolChoice(mode),
                requested.span,
                || {
                    format!(
                    "model `{}` does not accept forced tool choice `{}` (it accepts: {}); remove `tool_choice` to let \
                     ai-routes use the strongest mode the model accepts, or pick a model that supports it",
                    catalog.name,
                    mode.as_str(),
                    if accepted.is_empty() { "none".to_string() } else { accepted.join(", ") }
                )
                },
                errors,
            );
        }
    }
    strategy
}

fn check_capabilities(
    catalog: &ai_routes_catalog::Model,
    model: &RouteModel,
    args: &[RouteArg],
    errors: &mut Errors,
) {
    require(
        catalog,
        Capability::ToolUse,
        model.span,
        || {
            let able: Vec<&str> = ai_routes_catalog::models()
                .iter()
                .filter(|m| m.provider == catalog.provider && m.tool_use && m.is_active())
                .map(|m| m.name)
                .take(4)
                .collect();
            format!(
                "model `{}` does not support tool use, which a generation route needs for structured output{}",
                catalog.name,
                if able.is_empty() {
                    String::new()
                } else {
                    format!("; {} models that do: {}", catalog.provider, able.join(", "))
                }
            )
        },
        errors,
    );
    for arg in args {
        match arg.kind {
            ArgKind::Image => require(
                catalog,
                Capability::ImageInput,
                arg.span,
                || {
                    format!("model `{}` does not accept image input; pick a model with vision (e.g. Claude Sonnet 4.5, Nova Lite)", catalog.name)
                },
                errors,
            ),
            ArgKind::Document => require(
                catalog,
                Capability::DocumentInput,
                arg.span,
                || {
                    format!("model `{}` does not accept document input; pick a model with document chat", catalog.name)
                },
                errors,
            ),
            ArgKind::Value => {}
        }
    }
}

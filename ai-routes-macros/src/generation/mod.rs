//! `#[generation]`: parse the declaration into a typed model, validate it against the
//! catalog (collecting every error), then generate the route.

mod expand;
mod template;

use ai_routes_catalog::{
    unchecked_output_strategy, Capability, OutputPreference, OutputStrategy, ToolChoiceMode,
};
use proc_macro2::TokenStream;

use crate::attrs::{options, Args, ModelOptions, Spanned};
use crate::checks::{check_timeout, require};
use crate::diagnostics::Errors;
use crate::docs::doc_string;
use crate::model_check::RouteModel;
use crate::model_spec::{History, ModelSettings};
use crate::route_fn::{ArgKind, ReturnShape, RouteArg, RouteFn};
use template::Template;

options! {
    /// The options only a generation route has.
    pub struct GenerationOptions {
        prompt: string -> Spanned<String>,
        stop_sequences: strings -> Spanned<Vec<String>>,
        retries: int -> Spanned<i64>,
        tool_choice: string -> Spanned<String>,
        output: string -> Spanned<String>,
        timeout_ms: int -> Spanned<i64>,
    }
}

/// A validated generation route.
pub struct Generation {
    pub item: RouteFn,
    pub doc: String,
    pub settings: ModelSettings,
    pub args: Vec<RouteArg>,
    pub ret: ReturnShape,
    pub template: Option<Template>,
    pub retries: u32,
    pub strategy: OutputStrategy,
    pub timeout_ms: Option<u64>,
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
    let stub = expand::stub(&item);
    let parsed = parse(args, item, &mut errors);
    let mut out = errors.to_warnings();
    match parsed {
        Some(generation) if !errors.has_errors() => out.extend(expand::generate(&generation)),
        // The declared fn and its route still exist, so callers keep their types while
        // the attribute is being fixed.
        _ => {
            out.extend(errors.to_compile_errors());
            out.extend(stub);
        }
    }
    out
}

fn parse(args: Args, item: RouteFn, errors: &mut Errors) -> Option<Generation> {
    args.check_keys(
        &[ModelOptions::KEYS, GenerationOptions::KEYS].concat(),
        "generation",
        errors,
    );
    let model_options = ModelOptions::parse(&args, errors);
    let options = GenerationOptions::parse(&args, errors);
    item.check_shape("generation", errors);
    let route_args = item.args(errors);
    let ret = item.return_shape(errors);
    let mut settings = ModelSettings::check(model_options, History::None, errors);
    let template = options
        .prompt
        .as_ref()
        .and_then(|p| Template::parse(p, &route_args, errors));

    let retries = match options.retries {
        Some(r) if !(0..=10).contains(&r.value) => {
            errors.error(r.span, "`retries` must be between 0 and 10");
            1
        }
        Some(r) => r.value as u32,
        None => 1,
    };
    if let Some(stops) = &options.stop_sequences {
        if stops.value.iter().any(|s| s.is_empty()) {
            errors.error(
                stops.span,
                "`stop_sequences` cannot contain an empty string",
            );
        }
    }
    let timeout_ms = check_timeout(options.timeout_ms, "timeout_ms", errors);

    let mut strategy = OutputStrategy::ForcedTool(ToolChoiceMode::Tool);
    if let Some(settings) = &mut settings {
        let model = &settings.model;
        strategy = choose_strategy(
            settings,
            options.output.as_ref(),
            options.tool_choice.as_ref(),
            errors,
        );
        if let Some(catalog) = model.model.filter(|_| model.checked) {
            check_capabilities(catalog, model, &route_args, errors);
        }
        settings.stop_sequences = options.stop_sequences.map(|s| s.value).unwrap_or_default();
    }

    let (settings, ret) = (settings?, ret?);
    Some(Generation {
        doc: doc_string(&item.attrs),
        item,
        settings,
        args: route_args,
        ret,
        template,
        retries,
        strategy,
        timeout_ms,
    })
}

/// The route's output strategy: the catalog's decision ([`Model::output_strategy`]) for
/// what the route declares (`output`, `tool_choice`), each declaration checked against the
/// model.
fn choose_strategy(
    settings: &ModelSettings,
    output: Option<&Spanned<String>>,
    tool_choice: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> OutputStrategy {
    let model = &settings.model;
    let catalog = model.model.filter(|_| model.checked);
    // A thinking model refuses a forced tool: the result is then native output where the
    // model has it, else the result tool asked for with an instruction (`auto`).
    let thinking = settings.reasoning_plan.forbids_forced_tool();
    let mode = tool_choice.and_then(|requested| {
        let mode = match requested.value.as_str() {
            "tool" => ToolChoiceMode::Tool,
            "any" => ToolChoiceMode::Any,
            "auto" => ToolChoiceMode::Auto,
            other => {
                errors.error(
                    requested.span,
                    format!("`tool_choice` is \"tool\", \"any\" or \"auto\", not \"{other}\""),
                );
                return None;
            }
        };
        if thinking && mode != ToolChoiceMode::Auto {
            errors.error(
                requested.span,
                format!(
                    "model `{}` thinks on this route{} and Bedrock refuses forced tool choice while it thinks \
                     (\"Thinking may not be enabled when tool_choice forces tool use.\"); remove `tool_choice` \
                     (ai-routes then uses native output or asks for the result with `auto` and an instruction), \
                     or set `reasoning = \"off\"`",
                    model.written,
                    crate::reasoning::thinking_cause(settings.reasoning)
                ),
            );
            return Some(ToolChoiceMode::Auto);
        }
        if let (Some(catalog), false) = (catalog, mode == ToolChoiceMode::Auto) {
            check_tool_choice(catalog, mode, requested, errors);
        }
        Some(mode)
    });
    let preference = match output.map(|o| (o, o.value.as_str())) {
        None => match (tool_choice, mode) {
            // A declared tool choice means the tool strategy.
            (Some(_), mode) => OutputPreference::Tool(mode),
            (None, _) => OutputPreference::Default,
        },
        Some((_, "tool")) => OutputPreference::Tool(mode),
        Some((declared, "native")) => {
            if let Some(tool_choice) = tool_choice {
                errors.error(
                    tool_choice.span,
                    "`tool_choice` applies to `output = \"tool\"`; native structured output sends no tool: remove one of them",
                );
            }
            if let Some(catalog) = catalog {
                require(
                    catalog,
                    Capability::NativeOutput,
                    declared.span,
                    || {
                        let able: Vec<&str> = ai_routes_catalog::models()
                            .iter()
                            .filter(|m| m.native_output.is_yes() && m.is_active())
                            .map(|m| m.name)
                            .take(4)
                            .collect();
                        format!(
                            "model `{}` does not support native structured output (`output = \"native\"`); remove `output` to use \
                             the result tool, or pick a model that has it (e.g. {})",
                            catalog.name,
                            able.join(", ")
                        )
                    },
                    errors,
                );
            }
            OutputPreference::Native
        }
        Some((declared, other)) => {
            errors.error(
                declared.span,
                format!("`output` is \"native\" or \"tool\", not \"{other}\""),
            );
            OutputPreference::Default
        }
    };
    match catalog {
        Some(catalog) => catalog.output_strategy(preference, thinking),
        None => unchecked_output_strategy(preference),
    }
}

fn check_tool_choice(
    catalog: &ai_routes_catalog::Model,
    mode: ToolChoiceMode,
    requested: &Spanned<String>,
    errors: &mut Errors,
) {
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
                .filter(|m| m.provider == catalog.provider && m.tool_use.is_yes() && m.is_active())
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

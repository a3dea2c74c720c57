//! Checks shared by every route kind: inference parameters and the system prompt.

use ai_routes_catalog::{Capability, Model, Support};
use proc_macro2::Span;

use crate::attrs::Spanned;
use crate::diagnostics::Errors;
use crate::model_check::RouteModel;

/// A system prompt needs a model that accepts one.
pub fn check_system_prompt(
    model: &RouteModel,
    system_prompt: Option<&Spanned<String>>,
    errors: &mut Errors,
) {
    let Some(system) = system_prompt else { return };
    if system.value.trim().is_empty() {
        errors.error(
            system.span,
            "`system_prompt` is empty; remove it or say something",
        );
        return;
    }
    let Some(catalog) = model.model.filter(|_| model.checked) else {
        return;
    };
    require(
        catalog,
        Capability::SystemPrompt,
        system.span,
        || {
            format!(
                "model `{}` does not accept a system prompt; move the instructions into the prompt",
                catalog.name
            )
        },
        errors,
    );
}

pub fn check_inference(
    model: &RouteModel,
    max_tokens: Option<&Spanned<i64>>,
    temperature: Option<&Spanned<f64>>,
    top_p: Option<&Spanned<f64>>,
    errors: &mut Errors,
) {
    let catalog = model.model.filter(|_| model.checked);
    if let Some(max) = max_tokens {
        if max.value < 1 {
            errors.error(max.span, "`max_tokens` must be at least 1");
        } else if let Some(limit) = catalog
            .map(|m| m.max_output_tokens)
            .filter(|l| max.value > i64::from(*l))
        {
            errors.error(
                max.span,
                format!(
                    "`max_tokens = {}` is over the maximum output of `{}`: {limit} tokens",
                    max.value, model.written
                ),
            );
        } else if max.value > i64::from(i32::MAX) {
            errors.error(max.span, "`max_tokens` is too large");
        }
    }
    if let Some(t) = temperature {
        match catalog.map(|m| m.temperature_range) {
            Some(None) => errors.error(
                t.span,
                format!("model `{}` does not accept `temperature` (its sampling parameters are fixed); remove it", model.written),
            ),
            Some(Some((low, high))) if t.value < f64::from(low) || t.value > f64::from(high) => errors.error(
                t.span,
                format!("`temperature = {}` is out of range for `{}`: {low}..={high}", t.value, model.written),
            ),
            None if !(0.0..=1.0).contains(&t.value) => {
                errors.error(t.span, format!("`temperature = {}` is out of Bedrock's range 0..=1", t.value))
            }
            _ => {}
        }
    }
    if let Some(p) = top_p {
        if !(0.0..=1.0).contains(&p.value) {
            errors.error(
                p.span,
                format!("`top_p = {}` is out of range 0..=1", p.value),
            );
        } else if let Some(catalog) = catalog {
            if !catalog.top_p_supported {
                errors.error(
                    p.span,
                    format!(
                        "model `{}` does not accept `top_p`; remove it",
                        model.written
                    ),
                );
            } else if temperature.is_some() && catalog.temperature_top_p_exclusive {
                errors.error(
                    p.span,
                    format!(
                        "model `{}` rejects `temperature` and `top_p` together; keep only one",
                        model.written
                    ),
                );
            }
        }
    }
}

/// A capability the route needs from its model: a compile error when the catalog is sure
/// the model lacks it, a warning naming the source gap when it only believes so (its
/// sources are not high-confidence) or when its sources do not say (unknown is not
/// false), nothing when the model has it.
pub fn require(
    model: &Model,
    capability: Capability,
    span: Span,
    message: impl FnOnce() -> String,
    errors: &mut Errors,
) {
    match model.supports(capability) {
        Support::Yes => {}
        Support::No => errors.error(span, message()),
        Support::Doubtful(confidence) => errors.warn(
            span,
            format!(
                "{} (the catalog only believes this: its sources for `{}` are of {} confidence, see \
                 `ai-routes models show \"{}\"`; the route compiles and Bedrock decides)",
                message(),
                model.name,
                confidence.as_str(),
                model.name
            ),
        ),
        Support::Unknown => errors.warn(
            span,
            format!(
                "not checked: the catalog's sources do not settle `{}` for `{}` (see `ai-routes models show \"{}\"`); \
                 the route compiles and Bedrock decides. If it lacks it: {}",
                capability.field(),
                model.name,
                model.name,
                message()
            ),
        ),
    }
}

/// `cache = true` needs a model that caches; `guardrail` is "id:version".
pub fn check_cache_and_guardrail(
    model: Option<&RouteModel>,
    cache: Option<&Spanned<bool>>,
    guardrail: Option<&Spanned<String>>,
    errors: &mut Errors,
) {
    if let (Some(cache), Some(model)) = (cache.filter(|c| c.value), model) {
        if let Some(catalog) = model.model.filter(|_| model.checked) {
            require(
                catalog,
                Capability::PromptCaching,
                cache.span,
                || {
                    let able: Vec<&str> = ai_routes_catalog::models()
                        .iter()
                        .filter(|m| {
                            m.is_active() && m.supports(Capability::PromptCaching) == Support::Yes
                        })
                        .map(|m| m.name)
                        .take(4)
                        .collect();
                    format!(
                        "model `{}` does not support prompt caching on Bedrock (`cachePoint`); remove `cache = true`, or \
                         pick a model that does (e.g. {})",
                        catalog.name,
                        able.join(", ")
                    )
                },
                errors,
            );
        }
    }
    if let Some(guardrail) = guardrail {
        let valid = guardrail
            .value
            .rsplit_once(':')
            .is_some_and(|(id, version)| {
                !id.trim().is_empty()
                    && !id.contains(char::is_whitespace)
                    && (version == "DRAFT"
                        || (!version.is_empty() && version.chars().all(|c| c.is_ascii_digit())))
            });
        if !valid {
            errors.error(
                guardrail.span,
                format!(
                    "`guardrail` is \"id:version\" (the guardrail id or ARN, a colon, then a version number or DRAFT), \
                     e.g. \"gr-abc123xyz:1\"; got \"{}\"",
                    guardrail.value
                ),
            );
        }
    }
}

/// A route kind's timeout option (`timeout_ms`, `turn_timeout_ms`), in milliseconds.
pub fn check_timeout(timeout: Option<Spanned<i64>>, key: &str, errors: &mut Errors) -> Option<u64> {
    match timeout {
        Some(t) if t.value < 1 => {
            errors.error(t.span, format!("`{key}` must be at least 1 (milliseconds)"));
            None
        }
        Some(t) => Some(t.value as u64),
        None => None,
    }
}

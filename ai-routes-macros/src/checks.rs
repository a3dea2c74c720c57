//! Checks shared by every route kind: inference parameters and the system prompt.

use ai_routes_catalog::{CacheProblem, CacheTtl, Capability, Model, ServiceTier, Support};
use proc_macro2::Span;

use crate::attrs::Spanned;
use crate::diagnostics::Errors;
use crate::model_check::RouteModel;
use crate::model_spec::History;

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

/// `cache` needs a model that caches, with that TTL; on a generation route (whose
/// arguments are not cached), a system prompt shorter than the model's minimum cached
/// prefix makes the checkpoint count only if the output schema makes up the difference.
pub fn check_cache(
    model: Option<&RouteModel>,
    cache: Option<&Spanned<Option<CacheTtl>>>,
    system_prompt: Option<&Spanned<String>>,
    history: History,
    errors: &mut Errors,
) {
    let Some((cache, ttl)) = cache.and_then(|c| c.value.map(|ttl| (c, ttl))) else {
        return;
    };
    let Some(catalog) = model.filter(|m| m.checked).and_then(|m| m.model) else {
        return;
    };
    let examples = |ttl: CacheTtl| {
        ai_routes_catalog::models()
            .iter()
            .filter(|m| m.is_active() && m.cache_problem(ttl).is_none())
            .map(|m| m.name)
            .take(4)
            .collect::<Vec<_>>()
            .join(", ")
    };
    require(
        catalog,
        Capability::PromptCaching,
        cache.span,
        || {
            format!(
                "model `{}` does not support prompt caching on Bedrock (`cachePoint`); remove `cache`, or \
                 pick a model that does (e.g. {})",
                catalog.name,
                examples(CacheTtl::FiveMinutes)
            )
        },
        errors,
    );
    let Some(prompt_cache) = &catalog.prompt_cache else {
        return;
    };
    if let Some(problem @ CacheProblem::TtlNotOffered { .. }) = catalog.cache_problem(ttl) {
        errors.error(
            cache.span,
            format!(
                "model `{}` {problem}; use `cache = \"5m\"` (or `cache = true`), or a model with {}-TTL caching (e.g. {})",
                catalog.name,
                ttl.as_str(),
                examples(ttl)
            ),
        );
    }
    let system_tokens = system_prompt.map_or(0, |s| s.value.len().div_ceil(4));
    if history == History::None && system_tokens < prompt_cache.min_tokens as usize {
        let prompt = if system_tokens == 0 {
            "has no system prompt".to_string()
        } else {
            format!("has a system prompt of about {system_tokens} tokens")
        };
        let counts = if prompt_cache.tool_checkpoints {
            "its checkpoint counts only if the output schema makes up the difference"
        } else {
            "the model does not cache tools, so its checkpoint never counts"
        };
        errors.warn(
            cache.span,
            format!(
                "`{}` caches only prefixes of at least {} tokens, and this generation {prompt} (its arguments \
                 change with every call and are not cached): {counts}. ai-routes places a checkpoint only where it \
                 counts, so nothing is billed for a cache write Bedrock would ignore; lengthen the system prompt \
                 (instructions, examples) or remove `cache`",
                catalog.name, prompt_cache.min_tokens
            ),
        );
    }
}

/// `service_tier` must be one the model is offered in.
pub fn check_service_tier(
    model: Option<&RouteModel>,
    tier: Option<&Spanned<ServiceTier>>,
    errors: &mut Errors,
) {
    let (Some(tier), Some(catalog)) = (tier, model.filter(|m| m.checked).and_then(|m| m.model))
    else {
        return;
    };
    if catalog.tier_price(tier.value).is_some() {
        return;
    }
    let offering: Vec<&str> = ai_routes_catalog::models()
        .iter()
        .filter(|m| m.is_active() && m.tier_price(tier.value).is_some())
        .map(|m| m.name)
        .take(4)
        .collect();
    errors.error(
        tier.span,
        format!(
            "model `{}` is not offered in the {} service tier on Bedrock (it is offered in: {}); remove `service_tier`, \
             or pick a model offered in it (e.g. {})",
            catalog.name,
            tier.value.as_str(),
            catalog
                .offered_tiers()
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            offering.join(", ")
        ),
    );
}

/// `guardrail` is "id:version".
pub fn check_guardrail(guardrail: Option<&Spanned<String>>, errors: &mut Errors) {
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

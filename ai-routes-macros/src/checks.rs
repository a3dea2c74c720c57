//! Checks shared by every route kind: inference parameters and the system prompt.

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
    if !catalog.system_prompt {
        errors.error(
            system.span,
            format!(
                "model `{}` does not accept a system prompt; move the instructions into the prompt",
                catalog.name
            ),
        );
    }
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

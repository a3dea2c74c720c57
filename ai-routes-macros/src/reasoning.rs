//! `reasoning = "off" | "low" | "medium" | "high" | "max"` and `reasoning_budget = N`:
//! parsed, then checked against the catalog's decision ([`Model::reasoning_plan`]) and the
//! sampling settings the model refuses while it thinks.
//!
//! [`Model::reasoning_plan`]: ai_routes_catalog::Model::reasoning_plan

use ai_routes_catalog::{Effort, ReasoningPlan, ReasoningProblem, ReasoningSetting};

use crate::attrs::ModelOptions;
use crate::diagnostics::Errors;
use crate::model_check::RouteModel;

/// The route's reasoning setting and what it means on its model; every misuse reported.
pub fn check_reasoning(
    model: Option<&RouteModel>,
    options: &ModelOptions,
    errors: &mut Errors,
) -> (ReasoningSetting, ReasoningPlan) {
    let mut setting = ReasoningSetting::ModelDefault;
    let mut span = None;
    if let Some(reasoning) = &options.reasoning {
        span = Some(reasoning.span);
        match reasoning.value.as_str() {
            "off" => setting = ReasoningSetting::Off,
            word => match Effort::parse(word) {
                Some(effort) => setting = ReasoningSetting::Effort(effort),
                None => errors.error(
                    reasoning.span,
                    format!(
                        "`reasoning` is \"off\", \"low\", \"medium\", \"high\" or \"max\", not \"{word}\" \
                         (for a budget in tokens use `reasoning_budget = N`)"
                    ),
                ),
            },
        }
    }
    if let Some(budget) = &options.reasoning_budget {
        if options.reasoning.is_some() {
            errors.error(
                budget.span,
                "set `reasoning` or `reasoning_budget`, not both",
            );
        } else if !(1..=i64::from(u32::MAX)).contains(&budget.value) {
            errors.error(
                budget.span,
                "`reasoning_budget` is a number of tokens, at least 1",
            );
        } else {
            span = Some(budget.span);
            setting = ReasoningSetting::Budget(budget.value as u32);
        }
    }
    let Some(model) = model else {
        return (setting, ReasoningPlan::NONE);
    };
    let Some(catalog) = model.model.filter(|_| model.checked) else {
        if let Some(span) = span {
            errors.error(
                span,
                "`reasoning` needs a model the catalog knows (use `model = \"...\"`): how thinking is set differs per model",
            );
        }
        return (setting, ReasoningPlan::NONE);
    };
    let max_tokens = options
        .max_tokens
        .as_ref()
        .map(|m| m.value.clamp(0, i64::from(u32::MAX)) as u32);
    let plan = match catalog.reasoning_plan(setting, max_tokens) {
        Ok(plan) => plan,
        Err(problem) => {
            let span = span.expect("a problem needs a setting");
            let hint = match problem {
                ReasoningProblem::CannotReason => {
                    let able: Vec<&str> = ai_routes_catalog::models()
                        .iter()
                        .filter(|m| m.reasoning.is_some() && m.is_active())
                        .map(|m| m.name)
                        .take(5)
                        .collect();
                    format!(
                        "; remove `reasoning`, or pick a model that reasons (e.g. {})",
                        able.join(", ")
                    )
                }
                ReasoningProblem::CannotDisable => "; remove `reasoning = \"off\"`".to_string(),
                _ => String::new(),
            };
            errors.error(span, format!("model `{}`: {problem}{hint}", model.written));
            return (setting, ReasoningPlan::NONE);
        }
    };
    let sampling = [
        options
            .temperature
            .as_ref()
            .map(|t| (t.span, plan.sampling_problem(Some(t.value), None))),
        options
            .top_p
            .as_ref()
            .map(|p| (p.span, plan.sampling_problem(None, Some(p.value)))),
    ];
    // A model that takes no sampling parameters at all is reported by the inference check.
    if catalog.temperature_range.is_some() {
        for (span, problem) in sampling.into_iter().flatten() {
            if let Some(problem) = problem {
                errors.error(
                    span,
                    format!(
                        "model `{}` thinks on this route{}: {problem}",
                        model.written,
                        thinking_cause(setting)
                    ),
                );
            }
        }
    }
    (setting, plan)
}

/// Why the model thinks, for messages: the route's setting or the model's default.
pub fn thinking_cause(setting: ReasoningSetting) -> String {
    match setting {
        ReasoningSetting::ModelDefault => {
            " (it thinks by default; `reasoning = \"off\"` switches it off where the model allows)"
                .into()
        }
        ReasoningSetting::Off => String::new(),
        ReasoningSetting::Effort(e) => format!(" (`reasoning = \"{}\"`)", e.as_str()),
        ReasoningSetting::Budget(n) => format!(" (`reasoning_budget = {n}`)"),
    }
}

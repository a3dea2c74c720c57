//! Resolves a route's model against the catalog at compile time and checks what every
//! route kind needs: the model exists, is not past end of life, and is callable in the
//! declared region (directly or through the named inference profile).

use ai_routes_catalog::{Lifecycle, Model, ProfileScope, ResolvedVia};
use proc_macro2::Span;

use crate::attrs::{Args, Spanned};
use crate::diagnostics::{closest, Errors};

/// The model a route calls.
pub struct RouteModel {
    /// As written by the user.
    pub written: String,
    /// The id sent to Bedrock.
    pub invoke_id: String,
    /// The catalog entry; `None` for an unknown `model_id`.
    pub model: Option<&'static Model>,
    /// `false` for the `model_id` escape hatch: no capability checks.
    pub checked: bool,
    pub span: Span,
    /// `cross_region = "..."`, validated.
    pub cross_region: Option<String>,
}

/// Scopes `cross_region` accepts (the prefixes of system-defined inference profiles).
const SCOPES: &[&str] = &["us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"];

pub fn resolve_model(
    args: &Args,
    region: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    let cross_region = args.string("cross_region", errors);
    let scope = cross_region.as_ref().and_then(|c| {
        let scope = ProfileScope::ALL
            .into_iter()
            .find(|s| s.prefix() == c.value);
        if scope.is_none() {
            let hint = closest(&c.value, SCOPES)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            errors.error(
                c.span,
                format!(
                    "`cross_region` is \"us\", \"eu\", \"apac\" or \"global\" (or \"jp\", \"au\", \"ca\", \"us-gov\"), not \"{}\"{hint}",
                    c.value
                ),
            );
        }
        scope.map(|s| Spanned {
            value: s,
            span: c.span,
        })
    });
    let mut model = resolve_direct(args, region, scope.as_ref(), errors)?;
    if let Some(scope) = scope {
        if !model.checked {
            errors.error(
                scope.span,
                "`cross_region` needs a catalog model (`model = \"...\"`); with `model_id` name the inference profile id itself",
            );
            return None;
        }
        model.cross_region = Some(scope.value.prefix().to_string());
    }
    Some(model)
}

fn resolve_direct(
    args: &Args,
    region: Option<&Spanned<String>>,
    scope: Option<&Spanned<ProfileScope>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    let model = args.string("model", errors);
    let model_id = args.string("model_id", errors);
    match (model, model_id) {
        (Some(_), Some(id)) => {
            errors.error(id.span, "set either `model` (checked against the catalog) or `model_id` (unchecked), not both");
            None
        }
        (None, Some(id)) => {
            if id.value.trim().is_empty() {
                errors.error(id.span, "`model_id` is empty");
                return None;
            }
            // Unchecked by design; the catalog entry, if any, still gives prices and hints.
            let model = ai_routes_catalog::resolve(&id.value).map(|r| r.model);
            Some(RouteModel {
                written: id.value.clone(),
                invoke_id: id.value,
                model,
                checked: false,
                span: id.span,
                cross_region: None,
            })
        }
        (Some(name), None) => check_catalog_model(name, region, scope, errors),
        (None, None) => {
            errors.error(
                Span::call_site(),
                "missing `model = \"...\"`: name a model from the catalog (list them with `ai-routes models`), \
                 or use `model_id = \"...\"` for a model the catalog does not know yet (unchecked)",
            );
            None
        }
    }
}

fn check_catalog_model(
    name: Spanned<String>,
    region: Option<&Spanned<String>>,
    scope: Option<&Spanned<ProfileScope>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    let Some(resolved) = ai_routes_catalog::resolve(&name.value) else {
        let suggestions = ai_routes_catalog::suggest(&name.value, 3);
        let hint = if suggestions.is_empty() {
            String::new()
        } else {
            format!(
                "; did you mean {}?",
                suggestions
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        errors.error(
            name.span,
            format!(
                "unknown model `{}`{hint}\n  = help: `ai-routes models` lists every model; use `model_id = \"...\"` for a model the catalog does not know yet",
                name.value
            ),
        );
        return None;
    };
    let model = resolved.model;
    match model.lifecycle {
        Lifecycle::Eol => {
            let date = model
                .eol_date
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            errors.error(
                name.span,
                format!(
                    "model `{}` ({}) reached end of life on Bedrock{date}: calls to it fail. Current {} models: {}",
                    model.name,
                    model.id,
                    model.provider,
                    current_alternatives(model)
                ),
            );
            return None;
        }
        Lifecycle::Legacy => errors.warn(
            name.span,
            format!(
                "model `{}` is legacy on Bedrock{}: plan a move to a current model ({})",
                model.name,
                model
                    .eol_date
                    .map(|d| format!(" (end of life {d})"))
                    .unwrap_or_default(),
                current_alternatives(model)
            ),
        ),
        Lifecycle::Active | Lifecycle::Uncertain => {}
    }

    if let Some(scope) = scope {
        let invoke_id = check_cross_region(resolved, scope, region, errors)?;
        return Some(RouteModel {
            written: name.value,
            invoke_id: invoke_id.to_string(),
            model: Some(model),
            checked: true,
            span: name.span,
            cross_region: None,
        });
    }

    // A friendly name may resolve to a profile (Amplify maps Claude 4.5+ names to `global.`).
    let profile = match resolved.via {
        ResolvedVia::InferenceProfile(profile) => Some(profile),
        _ => ai_routes_catalog::profile(resolved.invoke_id).map(|(p, _)| p),
    };
    match (profile, region) {
        (Some(profile), Some(region))
            if !profile.source_regions.is_empty() && !profile.callable_from(&region.value) =>
        {
            let others = profile_ids(model, &region.value);
            errors.error(
                region.span,
                format!(
                    "inference profile `{}` cannot be called from {}; it serves: {}.{}",
                    profile.id,
                    region.value,
                    profile.source_regions.join(", "),
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(" From {} use: {others}", region.value)
                    }
                ),
            );
        }
        // A profile that serves the region, or no region to check it against.
        (Some(_), _) => {}
        (_, Some(region)) if model.region_data_known && !model.on_demand_in(&region.value) => {
            let profiles = profile_ids(model, &region.value);
            let on_demand = if model.regions.is_empty() || !model.on_demand {
                "it has no on-demand region".to_string()
            } else {
                format!("on demand it is offered in: {}", model.regions.join(", "))
            };
            let fix = if profiles.is_empty() {
                "no inference profile serves this region either; pick another region or model"
                    .to_string()
            } else {
                format!(
                    "use the inference profile {profiles} instead (`model = \"{}\"`)",
                    first_profile(model, &region.value)
                )
            };
            errors.error(
                name.span,
                format!(
                    "model `{}` is not offered on demand in {} ({on_demand}); {fix}",
                    model.name, region.value
                ),
            );
        }
        (_, None) if !model.on_demand && model.region_data_known => {
            let all: Vec<&str> = model.inference_profiles.iter().map(|p| p.id).collect();
            errors.error(
                name.span,
                format!(
                    "model `{}` can only be invoked through an inference profile, not by its bare id `{}`; use one of: {}",
                    model.name,
                    model.id,
                    if all.is_empty() { "(none known)".to_string() } else { all.join(", ") }
                ),
            );
        }
        _ => {}
    }
    let invoke_id = resolved.invoke_id.to_string();
    Some(RouteModel {
        written: name.value,
        invoke_id,
        model: Some(model),
        checked: true,
        span: name.span,
        cross_region: None,
    })
}

/// `cross_region = "us"`: the model must have a profile of that scope, and it must serve
/// the declared region. Returns the profile id to invoke.
fn check_cross_region(
    resolved: ai_routes_catalog::Resolved,
    scope: &Spanned<ProfileScope>,
    region: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Option<&'static str> {
    let model = resolved.model;
    let prefix = scope.value.prefix();
    if let ResolvedVia::InferenceProfile(named) = resolved.via {
        if named.scope != scope.value {
            errors.error(
                scope.span,
                format!(
                    "`model` names the inference profile `{}`, which is not a `{prefix}` profile; name the model \
                     (`model = \"{}\"`) and let `cross_region` pick the profile, or remove `cross_region`",
                    named.id, model.name
                ),
            );
            return None;
        }
    }
    let Some(profile) = model.profile_with_scope(scope.value) else {
        let others: Vec<String> = model
            .inference_profiles
            .iter()
            .map(|p| format!("\"{}\" (`{}`)", p.scope.prefix(), p.id))
            .collect();
        errors.error(
            scope.span,
            format!(
                "model `{}` has no `{prefix}` cross-region inference profile; {}",
                model.name,
                if others.is_empty() {
                    format!(
                        "it has no inference profile at all: remove `cross_region`{}",
                        if model.regions.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (on demand it is offered in: {})",
                                model.regions.join(", ")
                            )
                        }
                    )
                } else {
                    format!("its profiles: {}", others.join(", "))
                }
            ),
        );
        return None;
    };
    if let Some(region) = region {
        if !profile.source_regions.is_empty() && !profile.callable_from(&region.value) {
            let usable: Vec<String> = model
                .profiles_for_region(&region.value)
                .iter()
                .map(|p| format!("`cross_region = \"{}\"`", p.scope.prefix()))
                .collect();
            errors.error(
                scope.span,
                format!(
                    "the `{prefix}` inference profile of `{}` (`{}`) cannot be called from {}; it serves: {}.{}",
                    model.name,
                    profile.id,
                    region.value,
                    profile.source_regions.join(", "),
                    if usable.is_empty() {
                        " No profile of this model serves that region; pick another region".to_string()
                    } else {
                        format!(" From {} use {}", region.value, usable.join(" or "))
                    }
                ),
            );
            return None;
        }
    }
    Some(profile.id)
}

fn profile_ids(model: &Model, region: &str) -> String {
    model
        .profiles_for_region(region)
        .iter()
        .map(|p| format!("`{}`", p.id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_profile(model: &Model, region: &str) -> &'static str {
    model
        .profiles_for_region(region)
        .first()
        .map(|p| p.id)
        .unwrap_or("")
}

fn current_alternatives(model: &Model) -> String {
    let names: Vec<&str> = ai_routes_catalog::models()
        .iter()
        .filter(|m| m.provider == model.provider && m.lifecycle == Lifecycle::Active && m.tool_use)
        .map(|m| m.name)
        .take(4)
        .collect();
    if names.is_empty() {
        "see `ai-routes models --active`".into()
    } else {
        names.join(", ")
    }
}

/// Checks a region name against every region the catalog knows; `true` when known.
pub fn check_region(region: &Spanned<String>, errors: &mut Errors) -> bool {
    let mut known: Vec<&str> = ai_routes_catalog::models()
        .iter()
        .flat_map(|m| m.regions.iter().chain(m.profile_only_regions).copied())
        .collect();
    known.sort_unstable();
    known.dedup();
    if !known.contains(&region.value.as_str()) {
        let hint = closest(&region.value, &known)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        errors.error(
            region.span,
            format!("unknown AWS region `{}`{hint}", region.value),
        );
        return false;
    }
    true
}

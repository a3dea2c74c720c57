//! Resolves a route's model against the catalog at compile time and checks what every
//! route kind needs: the model exists, is not past end of life, and is callable in the
//! declared region (directly or through the named inference profile).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ai_routes_catalog::{
    model_access_console, Access, CallProblem, Date, Endpoint, Lifecycle, Model, Overlay,
    ProfileScope, ResolvedVia,
};
use proc_macro2::Span;

use crate::attrs::{ModelOptions, Spanned};
use ai_routes_catalog::closest;

use crate::diagnostics::Errors;

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
    options: &ModelOptions,
    region: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    let scope = options.cross_region.as_ref().and_then(|c| {
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
    let invoke = options
        .invoke
        .as_ref()
        .and_then(|invoke| check_invoke(invoke, options, scope.as_ref(), errors).then_some(invoke));
    let mut model = resolve_direct(options, region, scope.as_ref(), invoke, errors)?;
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

/// `invoke = "arn:…:application-inference-profile/…"`: goes with a catalog `model` (whose
/// checks it keeps), not with `model_id` or `cross_region`, and must be such an ARN.
fn check_invoke(
    invoke: &Spanned<String>,
    options: &ModelOptions,
    scope: Option<&Spanned<ProfileScope>>,
    errors: &mut Errors,
) -> bool {
    if options.model.is_none() {
        errors.error(
            invoke.span,
            "`invoke` calls an application inference profile in place of a catalog model: name that model \
             with `model = \"...\"` (its checks apply), or put the ARN itself in `model_id` (unchecked)",
        );
        return false;
    }
    if let Some(scope) = scope {
        errors.error(
            scope.span,
            "`cross_region` and `invoke` both choose what is called; keep one",
        );
        return false;
    }
    if ai_routes_catalog::ApplicationProfileArn::parse(&invoke.value).is_none() {
        errors.error(
            invoke.span,
            format!(
                "`invoke` is the ARN of an application inference profile, \
                 `arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID`; got \"{}\"",
                invoke.value
            ),
        );
        return false;
    }
    true
}

fn resolve_direct(
    options: &ModelOptions,
    region: Option<&Spanned<String>>,
    scope: Option<&Spanned<ProfileScope>>,
    invoke: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    match (options.model.clone(), options.model_id.clone()) {
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
        (Some(name), None) => check_catalog_model(name, region, scope, invoke, errors),
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
    invoke: Option<&Spanned<String>>,
    errors: &mut Errors,
) -> Option<RouteModel> {
    let overlay = account_overlay(name.span, errors);
    let resolved = ai_routes_catalog::resolve(&name.value).or_else(|| {
        // A model AWS shipped after this release, listed by the account's control plane.
        let model = overlay?.new_model(&name.value)?;
        Some(ai_routes_catalog::Resolved {
            model,
            invoke_id: model.id,
            via: ResolvedVia::Name,
        })
    });
    let Some(resolved) = resolved else {
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
    if let Some(overlay) = overlay {
        check_access(overlay, model, region, name.span, errors);
    }
    // Lifecycle status is computed from the model's dates against the build date (today,
    // or SOURCE_DATE_EPOCH for reproducible builds).
    let today = Date::today();
    if model.legacy_date.is_some() || model.planned_eol_date().is_some() {
        errors.track_build_date();
    }
    if let Some(warning) = ai_routes_catalog::lifecycle_warning(model, today) {
        errors.warn(name.span, warning);
    }

    if let Some(scope) = scope {
        if let Err(problem) = check_lifecycle(model, today) {
            report(&problem, name.span, errors);
            return None;
        }
        let invoke_id = check_cross_region(resolved, scope, region, today, errors)?;
        return Some(RouteModel {
            written: name.value,
            invoke_id: invoke_id.to_string(),
            model: Some(model),
            checked: true,
            span: name.span,
            cross_region: None,
        });
    }

    let invoke_id = invoke.map_or(resolved.invoke_id, |arn| arn.value.as_str());
    match ai_routes_catalog::check_call_on(
        model,
        invoke_id,
        region.map(|r| r.value.as_str()),
        today,
    ) {
        Ok(()) => {}
        // A profile that does not serve the region: the region is what to look at.
        Err(problem @ CallProblem::ProfileNotServed { .. }) => report(
            &problem,
            region.map(|r| r.span).unwrap_or(name.span),
            errors,
        ),
        Err(problem @ (CallProblem::EndOfLife { .. } | CallProblem::NotOnConverse { .. })) => {
            report(&problem, name.span, errors);
            return None;
        }
        Err(problem) => report(&problem, name.span, errors),
    }
    Some(RouteModel {
        written: name.value,
        invoke_id: invoke_id.to_string(),
        model: Some(model),
        checked: true,
        span: name.span,
        cross_region: None,
    })
}

/// The account overlay `ai-routes models sync` wrote for this workspace, if there is one
/// (read once per compilation). An overlay that cannot be read is an error: a stale or
/// broken file must not silently turn its checks off.
fn account_overlay(span: Span, errors: &mut Errors) -> Option<&'static Overlay> {
    static OVERLAY: OnceLock<Option<(PathBuf, Result<Overlay, String>)>> = OnceLock::new();
    let (path, overlay) = OVERLAY
        .get_or_init(|| {
            let manifest = std::env::var_os("CARGO_MANIFEST_DIR")?;
            let path = Overlay::locate(Path::new(&manifest))?;
            let overlay = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| Overlay::parse(&text));
            Some((path, overlay))
        })
        .as_ref()?;
    errors.track_overlay(path);
    match overlay {
        Ok(overlay) => Some(overlay),
        Err(problem) => {
            errors.error(
                span,
                format!(
                    "the model overlay {} cannot be read ({problem}); run `ai-routes models sync` again, or delete it",
                    path.display()
                ),
            );
            None
        }
    }
}

/// The account must have been granted access to the model where the route calls it: the
/// declared region, else every synced region (a route may run in any of them).
fn check_access(
    overlay: &Overlay,
    model: &Model,
    region: Option<&Spanned<String>>,
    span: Span,
    errors: &mut Errors,
) {
    let regions: Vec<&str> = match region {
        Some(region) => vec![region.value.as_str()],
        None => overlay.synced_regions().collect(),
    };
    for region in regions {
        if overlay.access(model.id, region) == Some(Access::NotGranted) {
            errors.error(
                span,
                format!(
                    "your AWS account has not been granted access to `{}` in {region} (ai-routes models sync, {}): \
                     request it in the Bedrock console at {}, then run `ai-routes models sync` again",
                    model.name,
                    overlay.synced_at,
                    model_access_console(region)
                ),
            );
        }
    }
}

/// The endpoint and end-of-life checks alone (a `cross_region` route invokes a profile
/// chosen later).
fn check_lifecycle(model: &'static Model, today: Date) -> Result<(), CallProblem> {
    if model.endpoint != Endpoint::Converse {
        return Err(CallProblem::NotOnConverse { model });
    }
    match model.lifecycle_on(today) {
        Lifecycle::Eol => Err(CallProblem::EndOfLife { model, on: today }),
        _ => Ok(()),
    }
}

/// A catalog decision as a compile error: what is wrong, then what to change.
fn report(problem: &CallProblem, span: Span, errors: &mut Errors) {
    errors.error(span, format!("{problem}; {}", problem.fix()));
}

/// `cross_region = "us"`: the model must have a profile of that scope, and it must serve
/// the declared region. Returns the profile id to invoke.
fn check_cross_region(
    resolved: ai_routes_catalog::Resolved,
    scope: &Spanned<ProfileScope>,
    region: Option<&Spanned<String>>,
    today: Date,
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
    if let Err(problem) =
        ai_routes_catalog::check_call_on(model, profile.id, region.map(|r| r.value.as_str()), today)
    {
        report(&problem, scope.span, errors);
        return None;
    }
    Some(profile.id)
}

/// Checks a region name against every region the catalog knows; `true` when known.
pub fn check_region(region: &Spanned<String>, errors: &mut Errors) -> bool {
    let known = ai_routes_catalog::known_regions();
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

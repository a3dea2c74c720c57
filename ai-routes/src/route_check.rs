//! Start-up checks of declared routes against the client's region
//! ([`Client::check_routes`](crate::Client::check_routes)): the compile-time checks only
//! know the region when the route declares one.

use crate::model_spec::ModelSpec;

/// What a route calls, for [`Client::check_routes`](crate::Client::check_routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// The route's name (a generation route's fn name, a conversation route's type name).
    pub name: &'static str,
    /// The model as declared.
    pub model: &'static str,
    /// The id sent to Bedrock.
    pub invoke_id: &'static str,
    /// The catalog model; `None` for an unchecked `model_id` (not checked here either).
    pub catalog_id: Option<&'static str>,
    /// The route's own region, if it declares one.
    pub region: Option<&'static str>,
    /// `cross_region = "us" | "eu" | "apac" | "global"`, if declared.
    pub cross_region: Option<&'static str>,
}

/// A declared route: generation statics (`PLAN_RECIPE_ROUTE`) and conversation specs
/// (`ShopAssistant::SPEC`).
pub trait RouteCheck {
    /// The route's name, model, invoke ID and region settings.
    fn route_info(&self) -> RouteInfo;

    /// Why the route's schemas cannot be sent as declared (Bedrock's JSON-schema subset for
    /// native structured output and strict tools), if they cannot.
    fn schema_problem(&self) -> Option<crate::schema_subset::SchemaProblem> {
        None
    }
}

impl RouteInfo {
    /// The view of a route's model spec.
    pub(crate) fn new(name: &'static str, spec: &ModelSpec) -> Self {
        RouteInfo {
            name,
            model: spec.model,
            invoke_id: spec.invoke_id,
            catalog_id: spec.catalog_id,
            region: spec.region,
            cross_region: spec.cross_region,
        }
    }
}

impl<T> RouteCheck for crate::generation::GenerationRoute<T> {
    fn route_info(&self) -> RouteInfo {
        crate::generation::GenerationRoute::route_info(self)
    }

    fn schema_problem(&self) -> Option<crate::schema_subset::SchemaProblem> {
        crate::generation::GenerationRoute::schema_problem(self)
    }
}

impl RouteCheck for crate::conversation::ConversationSpec {
    fn route_info(&self) -> RouteInfo {
        RouteInfo::new(self.name, &self.model)
    }
}

impl<S> RouteCheck for crate::conversation::ConversationRoute<S> {
    fn route_info(&self) -> RouteInfo {
        self.inner.spec.route_info()
    }

    fn schema_problem(&self) -> Option<crate::schema_subset::SchemaProblem> {
        let spec = &self.inner.spec;
        self.inner
            .tools
            .bedrock_tools_for(spec.model.catalog_model(), spec.strict_tools)
            .err()
    }
}

/// One route that cannot be called as declared from its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteProblem {
    /// The route's name.
    pub route: &'static str,
    /// The ID the route sends to Bedrock (model ID or inference-profile ID).
    pub model_id: &'static str,
    /// The region the route calls from.
    pub region: String,
    /// What is wrong, e.g. that the model is not offered on demand in the region.
    pub problem: String,
    /// What to change.
    pub fix: String,
}

impl std::fmt::Display for RouteProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "route `{}` ({} from {}): {}; fix: {}",
            self.route, self.model_id, self.region, self.problem, self.fix
        )
    }
}

/// Every problem [`Client::check_routes`](crate::Client::check_routes) found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} route(s) cannot be called as declared:\n{}", problems.len(),
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct RouteCheckError {
    /// Every route that cannot be called as declared, in the order they were given.
    pub problems: Vec<RouteProblem>,
}

/// The problem of a route whose schemas cannot be sent as declared, if any.
pub(crate) fn check_schemas(route: &dyn RouteCheck, client_region: &str) -> Option<RouteProblem> {
    let problem = route.schema_problem()?;
    let info = route.route_info();
    Some(RouteProblem {
        route: info.name,
        model_id: info.invoke_id,
        region: info.region.unwrap_or(client_region).to_string(),
        problem: problem.to_string(),
        fix: "change the named field's type, or declare `output = \"tool\"` (strict tools: drop `strict`)"
            .into(),
    })
}

pub(crate) fn check_route(info: &RouteInfo, client_region: &str) -> Option<RouteProblem> {
    let model = info.catalog_id.and_then(ai_routes_catalog::by_id)?;
    let region = info.region.unwrap_or(client_region);
    let problem = ai_routes_catalog::check_call(model, info.invoke_id, Some(region)).err()?;
    Some(RouteProblem {
        route: info.name,
        model_id: info.invoke_id,
        region: region.to_string(),
        problem: problem.to_string(),
        fix: problem.fix(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(invoke_id: &'static str, catalog_id: &'static str) -> RouteInfo {
        RouteInfo {
            name: "r",
            model: invoke_id,
            invoke_id,
            catalog_id: Some(catalog_id),
            region: None,
            cross_region: None,
        }
    }

    #[test]
    fn profiles_and_on_demand_models_are_checked_against_the_region() {
        let nova = info("amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0");
        assert_eq!(check_route(&nova, "us-east-1"), None);
        let eu = info(
            "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
        );
        let problem = check_route(&eu, "us-east-1").expect("eu profile from us-east-1");
        assert!(
            problem.problem.contains("cannot be called from us-east-1"),
            "{problem}"
        );
        assert!(
            problem.fix.contains("us.anthropic.claude-haiku-4-5"),
            "{problem}"
        );
        assert!(problem.fix.contains("cross_region = \"us\""), "{problem}");
        let bare = info(
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
        );
        let problem = check_route(&bare, "eu-west-1").expect("bare id of a profile-only model");
        assert!(
            problem
                .problem
                .contains("only be invoked through an inference profile"),
            "{problem}"
        );
        assert!(
            problem.fix.contains("eu.anthropic.claude-haiku-4-5"),
            "{problem}"
        );
        assert_eq!(check_route(&eu, "eu-central-1"), None);
        let unchecked = RouteInfo {
            catalog_id: None,
            ..nova
        };
        assert_eq!(check_route(&unchecked, "mars-1"), None);
    }

    #[test]
    fn end_of_life_is_computed_from_the_catalog_dates() {
        // Jamba 1.5 Large reached its end of life on 2026-11-26; the status comes from that
        // date (as the macros and the stand-in compute it), not from a stored snapshot.
        let jamba = info("ai21.jamba-1-5-large-v1:0", "ai21.jamba-1-5-large-v1:0");
        let problem = check_route(&jamba, "us-east-1").expect("past end of life");
        assert!(
            problem
                .problem
                .contains("reached end of life on Bedrock on 2026-11-26"),
            "{problem}"
        );
        // Claude 3 Haiku: the fix names the successor.
        let haiku = info(
            "anthropic.claude-3-haiku-20240307-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
        );
        let problem = check_route(&haiku, "us-east-1").expect("past end of life");
        assert!(problem.fix.contains("Claude Haiku 4.5"), "{problem}");
    }
}

//! A check users call in their own tests: every route's schemas fit what its model is sent.

use crate::route_check::{check_schemas, RouteCheck, RouteCheckError};

/// Checks that the result schemas of these routes (and their strict tools' inputs) fit
/// Bedrock's JSON-schema subset where they are sent as native structured output or strict
/// tools: no recursive types, no maps, at most 16 union-typed and 24 optional fields per
/// request. Each problem names the Rust field. The same check runs in
/// [`Client::check_routes`](crate::Client::check_routes); this one needs no client, so a
/// plain `#[test]` can call it.
///
/// ```no_run
/// # use ai_routes::testing::check_route_schemas;
/// # fn routes() -> Vec<&'static dyn ai_routes::RouteCheck> { Vec::new() }
/// #[test]
/// fn route_schemas_fit_bedrock() {
///     check_route_schemas(&routes()).unwrap();
/// }
/// ```
pub fn check_route_schemas(routes: &[&dyn RouteCheck]) -> Result<(), RouteCheckError> {
    let problems: Vec<_> = routes
        .iter()
        .filter_map(|route| {
            let region = route.route_info().region.unwrap_or(super::DEFAULT_REGION);
            check_schemas(*route, region)
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RouteCheckError { problems })
    }
}

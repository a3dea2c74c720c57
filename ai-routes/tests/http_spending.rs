//! Generations over HTTP are made for the caller: their usage is reported with the caller as
//! owner and counts against the caller's spending cap, as conversation turns do.
#![cfg(all(feature = "http", feature = "testing"))]

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod app;

use ai_routes::http::GuestAuth;
use ai_routes::store::MemoryStore;
use ai_routes::testing::LocalBedrock;
use ai_routes::{Client, UsageMeter};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

const GUEST: &str = "guest-0123456789abcdef";
const OTHER: &str = "guest-fedcba9876543210";

async fn generate(router: &Router, guest: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri("/generations/plan_recipe")
        .header("x-guest-id", guest)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"description": "pasta", "servings": 2}"#))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn generations_count_against_the_callers_usage_and_spending_cap() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let meter = UsageMeter::new();
    let ai = Client::builder(bedrock.client())
        .usage_sink(meter.clone())
        .spending_cap_per_owner(1.0)
        .build();
    let router = app::api(ai.clone(), MemoryStore::new(), GuestAuth).router();

    let (status, body) = generate(&router, GUEST).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let owner = format!("guest:{GUEST}");
    assert_eq!(meter.owner(&owner).calls, 1);
    assert!(ai.owner_spent(&owner) > 0.0);

    ai.set_owner_spent(&owner, 1.0);
    let before = bedrock.requests().len();
    let (status, body) = generate(&router, GUEST).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("spending_cap_reached")),
        "{body}"
    );
    assert_eq!(
        bedrock.requests().len(),
        before,
        "a capped call reached Bedrock"
    );
    // Other callers are not affected.
    assert_eq!(generate(&router, OTHER).await.0, StatusCode::OK);
}

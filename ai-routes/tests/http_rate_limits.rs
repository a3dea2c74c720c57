//! Request rate limits of the HTTP API (per owner, per IP, new guests per IP) and the cap on
//! conversations per owner.
#![cfg(all(feature = "http", feature = "testing"))]

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod app;

use std::net::SocketAddr;

use ai_routes::http::{Api, GuestAuth, RateLimit};
use ai_routes::store::MemoryStore;
use ai_routes::testing::LocalBedrock;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

const CONVERSATIONS: &str = "/conversations/ShopAssistant";

fn guest_id(n: usize) -> String {
    format!("guest-{n:016}")
}

struct Reply {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

/// A request from `ip` (as [`ai_routes::http::serve`] tags it) by guest `guest`.
async fn call(router: &Router, method: &str, path: &str, guest: &str, ip: [u8; 4]) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("x-guest-id", guest)
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        retry_after,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn code(reply: &Reply) -> &str {
    reply.body["error"]["code"].as_str().unwrap_or("<none>")
}

async fn api(bedrock: &LocalBedrock) -> Api {
    app::api(bedrock.ai_client(), MemoryStore::new(), GuestAuth)
}

#[tokio::test]
async fn an_owner_over_its_request_rate_gets_429_with_retry_after() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock)
        .await
        .rate_limit_per_owner(RateLimit::per_minute(3))
        .router();
    let (a, b) = (guest_id(1), guest_id(2));
    for _ in 0..3 {
        assert_eq!(
            call(&router, "GET", "/routes", &a, [10, 0, 0, 1])
                .await
                .status,
            StatusCode::OK
        );
    }
    // From another address too: the limit follows the owner.
    let refused = call(&router, "GET", "/routes", &a, [10, 0, 0, 2]).await;
    assert_eq!(
        (refused.status, code(&refused)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(
        matches!(refused.retry_after, Some(1..=60)),
        "{:?}",
        refused.retry_after
    );
    assert_eq!(
        call(&router, "GET", "/routes", &b, [10, 0, 0, 1])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_address_over_its_request_rate_gets_429_whoever_it_claims_to_be() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock)
        .await
        .rate_limit_per_ip(RateLimit::per_minute(3))
        .router();
    for n in 0..3 {
        let reply = call(&router, "GET", "/routes", &guest_id(n), [10, 0, 0, 1]).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let refused = call(&router, "GET", "/routes", &guest_id(9), [10, 0, 0, 1]).await;
    assert_eq!(
        (refused.status, code(&refused)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(refused.retry_after.is_some());
    // Unauthenticated requests count too, and are refused before authentication.
    let refused = call(&router, "GET", "/routes", "bad id", [10, 0, 0, 1]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let other = call(&router, "GET", "/routes", &guest_id(9), [10, 0, 0, 2]).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn an_address_may_mint_only_so_many_guests() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock)
        .await
        .new_guests_per_ip(RateLimit::per_hour(2))
        .router();
    let ip = [192, 0, 2, 7];
    for n in 0..2 {
        assert_eq!(
            call(&router, "GET", "/routes", &guest_id(n), ip)
                .await
                .status,
            StatusCode::OK
        );
    }
    let refused = call(&router, "GET", "/routes", &guest_id(2), ip).await;
    assert_eq!(
        (refused.status, code(&refused)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_guests")
    );
    // Known guests go on as before, and other addresses mint their own.
    for _ in 0..5 {
        assert_eq!(
            call(&router, "GET", "/routes", &guest_id(0), ip)
                .await
                .status,
            StatusCode::OK
        );
    }
    let elsewhere = call(&router, "GET", "/routes", &guest_id(2), [192, 0, 2, 8]).await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

#[tokio::test]
async fn an_owner_may_keep_only_so_many_conversations() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock).await.max_conversations_per_owner(2).router();
    let (a, b, ip) = (guest_id(1), guest_id(2), [10, 0, 0, 1]);
    let first = call(&router, "POST", CONVERSATIONS, &a, ip).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(
        call(&router, "POST", CONVERSATIONS, &a, ip).await.status,
        StatusCode::CREATED
    );
    let refused = call(&router, "POST", CONVERSATIONS, &a, ip).await;
    assert_eq!(
        (refused.status, code(&refused)),
        (StatusCode::FORBIDDEN, "too_many_conversations")
    );
    assert_eq!(
        call(&router, "POST", CONVERSATIONS, &b, ip).await.status,
        StatusCode::CREATED
    );

    let id = first.body["id"].as_str().unwrap();
    let deleted = call(&router, "DELETE", &format!("{CONVERSATIONS}/{id}"), &a, ip).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&router, "POST", CONVERSATIONS, &a, ip).await.status,
        StatusCode::CREATED
    );
}

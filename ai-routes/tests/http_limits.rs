//! Abuse limits of the HTTP API: size caps on names, metadata and message text, bounded
//! listings, and time limits for slow clients (headers and bodies).
#![cfg(all(feature = "http", feature = "testing"))]

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod app;

use std::time::{Duration, Instant};

use ai_routes::http::{serve, Api, GuestAuth, ServeOptions};
use ai_routes::store::{MemoryStore, MAX_METADATA_BYTES, MAX_NAME_BYTES};
use ai_routes::testing::LocalBedrock;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tower::ServiceExt as _;

const GUEST: &str = "guest-0123456789abcdef";
const CONVERSATIONS: &str = "/conversations/ShopAssistant";

async fn api(bedrock: &LocalBedrock) -> Api {
    app::api(bedrock.ai_client(), MemoryStore::new(), GuestAuth)
}

async fn call(router: &Router, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("x-guest-id", GUEST)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn names_metadata_and_message_text_over_their_caps_are_refused_with_json_errors() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock).await.router();
    let long_name = json!({"name": "n".repeat(MAX_NAME_BYTES + 1)});
    let (status, body) = call(&router, "POST", CONVERSATIONS, long_name.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{body}"
    );
    let big_metadata = json!({"metadata": {"blob": "m".repeat(MAX_METADATA_BYTES)}});
    let (status, body) = call(&router, "POST", CONVERSATIONS, big_metadata.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{body}"
    );

    let (status, created) = call(&router, "POST", CONVERSATIONS, json!({"name": "ok"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap();
    let path = format!("{CONVERSATIONS}/{id}");
    for patch in [long_name, big_metadata] {
        let (status, body) = call(&router, "PATCH", &path, patch).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            "{body}"
        );
    }

    // 70 KB of text is far below the body limit and the model's context, but over the cap.
    let (status, body) = call(
        &router,
        "POST",
        &format!("{path}/messages"),
        json!({"text": "x".repeat(70 * 1024)}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "message_too_large"),
        "{body}"
    );
    let (_, record) = call(&router, "GET", &path, Value::Null).await;
    assert_eq!(record["message_count"], 0, "a refused message was stored");
    assert_eq!(record["name"], "ok");
}

#[tokio::test]
async fn listings_are_bounded_by_the_max_page_size() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock).await.max_page_size(5).router();
    for _ in 0..7 {
        call(&router, "POST", CONVERSATIONS, json!({})).await;
    }
    let (status, body) = call(
        &router,
        "GET",
        &format!("{CONVERSATIONS}?limit=6"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_input"),
        "{body}"
    );
    let (status, body) = call(
        &router,
        "GET",
        &format!("{CONVERSATIONS}?limit=5"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    assert!(body["next"].is_string());
    // The default limit (20) is brought down to the max page size.
    let (status, body) = call(&router, "GET", CONVERSATIONS, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 5);

    // Without a setting, a listing asking for 1000 (the store's own maximum) is refused.
    let router = api(&bedrock).await.router();
    let (status, body) = call(
        &router,
        "GET",
        &format!("{CONVERSATIONS}?limit=1000"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_input"),
        "{body}"
    );
}

/// A server on a loopback port, served with [`serve`] until the test ends.
async fn start(router: Router, options: ServeOptions) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, router, options, std::future::pending()));
    addr
}

/// Everything the server sends until it closes the connection (or `limit` passes).
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut received)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let options = ServeOptions::default().header_read_timeout(Duration::from_millis(300));
    let addr = start(api(&bedrock).await.router(), options).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /routes HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let closed = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection stayed open");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_a_408() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = api(&bedrock)
        .await
        .body_timeout(Duration::from_millis(300))
        .router();
    let addr = start(router, ServeOptions::default()).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "POST {CONVERSATIONS} HTTP/1.1\r\nHost: localhost\r\nx-guest-id: {GUEST}\r\n\
                 content-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{{\"na"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let reply = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("no answer to a body that never completes");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains(r#""code":"request_timeout""#), "{reply}");
}

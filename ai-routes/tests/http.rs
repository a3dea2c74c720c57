//! The HTTP API: every endpoint, status code and error body; SSE event order; auth; limits.
//! The app is the chat example's, served in-process against the local stand-in.
#![cfg(all(feature = "http", feature = "testing"))]

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod app;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ai_routes::http::{AuthError, JwtAuth};
use ai_routes::store::MemoryStore;
use ai_routes::testing::LocalBedrock;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine as _;
use http_body_util::BodyExt as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tower::ServiceExt as _;

const SECRET: &str = "test-secret-for-hs256-tokens-at-least-32-bytes";
const GUEST: &str = "guest-0123456789abcdef";
const OTHER_GUEST: &str = "guest-fedcba9876543210";

struct Server {
    bedrock: LocalBedrock,
    router: Router,
}

async fn server() -> Server {
    let bedrock = LocalBedrock::start().await.unwrap();
    let auth = app::auth(Some(SECRET)).unwrap();
    let router = app::router(bedrock.ai_client(), MemoryStore::new(), auth);
    Server { bedrock, router }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
    text: String,
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    guest: Option<&str>,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(guest) = guest {
        request = request.header("x-guest-id", guest);
    }
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request
        .header("content-type", "application/json")
        .body(Body::from(body.unwrap_or("").to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        body,
        text,
    }
}

async fn guest(router: &Router, method: &str, path: &str, body: Option<&str>) -> Reply {
    call(router, method, path, Some(GUEST), None, body).await
}

fn error_code(reply: &Reply) -> &str {
    reply.body["error"]["code"].as_str().unwrap_or("<none>")
}

/// `(event, data)` pairs of an SSE body.
fn sse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .filter_map(|block| {
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event: "))?
                .to_string();
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((event, serde_json::from_str(data).unwrap()))
        })
        .collect()
}

fn hs256(claims: Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn routes_and_openapi_describe_the_served_routes() {
    let s = server().await;
    let reply = guest(&s.router, "GET", "/routes", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["generations"][0]["name"], "plan_recipe");
    assert_eq!(
        reply.body["generations"][0]["input_schema"]["properties"]["servings"]["type"],
        "integer"
    );
    assert_eq!(reply.body["conversations"][0]["name"], "ShopAssistant");
    assert_eq!(
        reply.body["conversations"][0]["tools"],
        json!(["get_weather", "search_products"])
    );

    let doc = call(&s.router, "GET", "/openapi.json", None, None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let generation = &doc.body["paths"]["/generations/plan_recipe"]["post"];
    assert_eq!(
        generation["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["description", "servings"])
    );
    let stream = &doc.body["paths"]["/generations/plan_recipe/stream"]["post"];
    assert!(
        stream["responses"]["200"]["content"]["text/event-stream"].is_object(),
        "{stream}"
    );
    assert!(doc.body["paths"]["/conversations/ShopAssistant/{id}/messages"]["post"].is_object());
}

#[tokio::test]
async fn generation_stream_endpoint_sends_partials_then_the_result() {
    let s = server().await;
    let reply = guest(
        &s.router,
        "POST",
        "/generations/plan_recipe/stream",
        Some(r#"{"description": "pasta", "servings": 2}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("text/event-stream"),
        "{}",
        reply.content_type
    );
    let events = sse(&reply.text);
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done", "{}", reply.text);
    assert_eq!(done["strategy"], "native");
    assert!(done["value"]["ingredients"].is_array());
    assert!(done["usage"]["cost_usd"].as_f64().unwrap() > 0.0);
    let partials: Vec<&Value> = events
        .iter()
        .filter(|(event, _)| event == "partial")
        .map(|(_, data)| &data["value"])
        .collect();
    assert!(partials.len() >= 2, "{}", reply.text);
    assert_eq!(partials.last().unwrap(), &&done["value"]);
    assert_eq!(
        s.bedrock.last_request().unwrap().operation,
        ai_routes::testing::Operation::ConverseStream
    );

    // Bad arguments end the stream with an error event naming them.
    let reply = guest(
        &s.router,
        "POST",
        "/generations/plan_recipe/stream",
        Some(r#"{"description": "pasta"}"#),
    )
    .await;
    let events = sse(&reply.text);
    assert_eq!(events.len(), 1, "{}", reply.text);
    assert_eq!(events[0].0, "error");
    assert_eq!(events[0].1["status"], 400);
    assert!(events[0].1["message"]
        .as_str()
        .unwrap()
        .contains("missing field `servings`"));
}

#[tokio::test]
async fn generation_endpoint_answers_the_typed_value_and_rejects_bad_arguments() {
    let s = server().await;
    let ok = guest(
        &s.router,
        "POST",
        "/generations/plan_recipe",
        Some(r#"{"description": "pasta", "servings": 2}"#),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.body["value"]["ingredients"].is_array());
    assert!(ok.body["usage"]["input_tokens"].as_u64().unwrap() > 0);
    assert!(ok.body["usage"]["cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(ok.body["attempts"], 1);
    assert_eq!(
        s.bedrock.last_request().unwrap().body["messages"][0]["content"][0]["text"],
        "Plan 2 servings of: pasta"
    );

    for (body, expected) in [
        (r#"{"description": "pasta"}"#, "missing field `servings`"),
        (
            r#"{"description": "pasta", "servings": "two"}"#,
            "invalid type",
        ),
        (
            r#"{"description": "pasta", "servings": 2, "spicy": true}"#,
            "unknown field `spicy`",
        ),
        (
            r#"{"description": "pasta", "servings": 300}"#,
            "invalid value",
        ),
        (r#"{"description": "#, "invalid JSON"),
        (r#"[1, 2]"#, "one JSON object"),
    ] {
        let reply = guest(&s.router, "POST", "/generations/plan_recipe", Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
    let unknown = guest(&s.router, "POST", "/generations/nope", Some("{}")).await;
    assert_eq!(
        (unknown.status, error_code(&unknown)),
        (StatusCode::NOT_FOUND, "not_found")
    );

    s.bedrock.throttle_next(50); // more than every retry layer makes
    let throttled = guest(
        &s.router,
        "POST",
        "/generations/plan_recipe",
        Some(r#"{"description": "x", "servings": 1}"#),
    )
    .await;
    assert_eq!(
        (throttled.status, error_code(&throttled)),
        (StatusCode::TOO_MANY_REQUESTS, "throttled")
    );
}

#[tokio::test]
async fn conversation_crud_and_owner_scoping() {
    let s = server().await;
    let created = guest(
        &s.router,
        "POST",
        "/conversations/ShopAssistant",
        Some(r#"{"name": "Order help", "metadata": {"k": 1}}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["owner"], format!("guest:{GUEST}"));
    let path = format!("/conversations/ShopAssistant/{id}");

    let listed = guest(
        &s.router,
        "GET",
        "/conversations/ShopAssistant?limit=10",
        None,
    )
    .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        guest(&s.router, "GET", &path, None).await.body["name"],
        "Order help"
    );
    let renamed = guest(&s.router, "PATCH", &path, Some(r#"{"name": "Renamed"}"#)).await;
    assert_eq!(
        (renamed.status, renamed.body["name"].as_str()),
        (StatusCode::OK, Some("Renamed"))
    );
    assert_eq!(
        renamed.body["metadata"],
        json!({"k": 1}),
        "fields not sent stay as they were"
    );

    // Another owner sees nothing and can touch nothing.
    let other = |method: &'static str, p: String, body: Option<&'static str>| {
        let router = s.router.clone();
        async move { call(&router, method, &p, Some(OTHER_GUEST), None, body).await }
    };
    assert!(other("GET", "/conversations/ShopAssistant".into(), None)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    for (method, p, body) in [
        ("GET", path.clone(), None),
        ("PATCH", path.clone(), Some(r#"{"name": "mine"}"#)),
        ("DELETE", path.clone(), None),
        ("GET", format!("{path}/messages"), None),
        (
            "POST",
            format!("{path}/messages"),
            Some(r#"{"text": "hi"}"#),
        ),
    ] {
        let reply = other(method, p.clone(), body).await;
        assert_eq!(
            (reply.status, error_code(&reply)),
            (StatusCode::NOT_FOUND, "conversation_not_found"),
            "{method} {p}"
        );
    }

    let messages = guest(
        &s.router,
        "GET",
        &format!("{path}/messages?order=sideways"),
        None,
    )
    .await;
    assert_eq!(messages.status, StatusCode::BAD_REQUEST);
    let bad_limit = guest(
        &s.router,
        "GET",
        "/conversations/ShopAssistant?limit=0",
        None,
    )
    .await;
    assert_eq!(
        (bad_limit.status, error_code(&bad_limit)),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let unknown_route = guest(&s.router, "GET", "/conversations/Nope", None).await;
    assert_eq!(unknown_route.status, StatusCode::NOT_FOUND);

    assert_eq!(
        guest(&s.router, "DELETE", &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        guest(&s.router, "GET", &path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn reasoning_streams_as_reasoning_delta_events_and_is_stored() {
    use ai_routes::testing::wire::ContentBlock;
    use ai_routes::testing::Reply as Answer;
    let s = server().await;
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.bedrock.push_reply(Answer::blocks(
        vec![
            ContentBlock::ReasoningContent(
                json!({"reasoningText": {"text": "The user greets me.", "signature": "c2ln"}}),
            ),
            ContentBlock::ReasoningContent(json!({"redactedContent": "AAEC"})),
            ContentBlock::Text("Hello!".into()),
        ],
        "end_turn",
    ));
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    let reply = guest(&s.router, "POST", &path, Some(r#"{"text": "Hi"}"#)).await;
    let events = sse(&reply.text);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    // Reasoning (streamed in pieces, then the redacted marker) before the answer.
    let text_at = kinds.iter().position(|k| *k == "text_delta").unwrap();
    assert!(
        kinds[..text_at].iter().all(|k| *k == "reasoning_delta"),
        "{kinds:?}"
    );
    assert_eq!(kinds[text_at..], ["text_delta", "turn_done"]);
    let reasoning: String = events[..text_at]
        .iter()
        .filter_map(|(_, data)| data["text"].as_str())
        .collect();
    assert_eq!(reasoning, "The user greets me.");
    assert_eq!(events[text_at - 1].1, json!({"redacted": true}));
    let messages = guest(
        &s.router,
        "GET",
        &format!("/conversations/ShopAssistant/{id}/messages"),
        None,
    )
    .await;
    let answer = &messages.body["items"][1]["content"];
    assert_eq!(
        answer[0],
        json!({"type": "reasoning", "text": "The user greets me.", "signature": "c2ln"})
    );
    assert_eq!(answer[1], json!({"type": "reasoning", "redacted": "AAEC"}));
}

#[tokio::test]
async fn sending_a_message_streams_the_turn_as_server_sent_events() {
    let s = server().await;
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    let reply = guest(&s.router, "POST", &path, Some(r#"{"text": "Is it raining in Seattle? Use get_weather.", "ai_context": {"page": "/"}}"#)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.content_type.starts_with("text/event-stream"),
        "{}",
        reply.content_type
    );
    let events = sse(&reply.text);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    let first_use = kinds.iter().position(|k| *k == "tool_use").unwrap();
    assert!(kinds[..first_use].iter().all(|k| *k == "text_delta"));
    assert_eq!(kinds[first_use + 1], "tool_result");
    assert!(kinds[first_use + 2..kinds.len() - 1]
        .iter()
        .all(|k| *k == "text_delta"));
    assert_eq!(kinds.last(), Some(&"turn_done"));
    assert_eq!(events[first_use].1["input"], json!({"city": "Seattle"}));
    assert_eq!(events[first_use + 1].1["content"]["forecast"], "rain, 12°C");
    let done = &events.last().unwrap().1;
    assert_eq!(
        (done["stop_reason"].as_str(), done["steps"].as_u64()),
        (Some("end_turn"), Some(2))
    );
    assert!(done["usage"]["cost_usd"].as_f64().unwrap() > 0.0);

    let history = guest(&s.router, "GET", &format!("{path}?order=oldest"), None).await;
    let roles: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
    assert_eq!(history.body["items"][0]["ai_context"], json!({"page": "/"}));

    // Bad bodies.
    for body in [
        r#"{"text": "   "}"#,
        r#"{}"#,
        r#"{"text": 5}"#,
        r#"{"txt": "hi"}"#,
    ] {
        let reply = guest(&s.router, "POST", &path, Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    // An image goes through as a content block.
    let png = base64::engine::general_purpose::STANDARD.encode([0x89, b'P', b'N', b'G', 1, 2, 3]);
    let with_image =
        format!(r#"{{"text": "what is this?", "images": [{{"format": "png", "data": "{png}"}}]}}"#);
    assert_eq!(
        guest(&s.router, "POST", &path, Some(&with_image))
            .await
            .status,
        StatusCode::OK
    );
    let sent = s.bedrock.last_request().unwrap().body;
    let last = sent["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["content"][0]["image"]["format"], "png");
}

#[tokio::test]
async fn a_second_send_while_a_turn_runs_is_a_conflict() {
    let s = server().await;
    s.bedrock.set_latency(Duration::from_millis(400));
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    let first = {
        let router = s.router.clone();
        let path = path.clone();
        tokio::spawn(async move { guest(&router, "POST", &path, Some(r#"{"text": "one"}"#)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = guest(&s.router, "POST", &path, Some(r#"{"text": "two"}"#)).await;
    assert_eq!(
        (second.status, error_code(&second)),
        (StatusCode::CONFLICT, "conversation_busy")
    );
    assert_eq!(first.await.unwrap().status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_that_disconnects_mid_stream_does_not_lose_the_turn() {
    let s = server().await;
    s.bedrock.set_chunk_latency(Duration::from_millis(20));
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    let request = Request::post(&path)
        .header("x-guest-id", GUEST)
        .body(Body::from(r#"{"text": "tell me about the shop"}"#))
        .unwrap();
    let response = s.router.clone().oneshot(request).await.unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(!first.into_data().unwrap().is_empty());
    drop(body); // the browser tab closes

    let mut stored = 0;
    for _ in 0..100 {
        stored = guest(&s.router, "GET", &path, None).await.body["items"]
            .as_array()
            .unwrap()
            .len();
        if stored == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, 2, "the turn finished and was persisted");
}

#[tokio::test]
async fn authentication_tokens_guests_and_their_failures() {
    let s = server().await;
    let anonymous = call(&s.router, "GET", "/routes", None, None, None).await;
    assert_eq!(
        (anonymous.status, error_code(&anonymous)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );

    let valid = hs256(json!({"sub": "alice", "exp": now() + 600}));
    let created = call(
        &s.router,
        "POST",
        "/conversations/ShopAssistant",
        None,
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(created.body["owner"], "user:alice");

    let expired = hs256(json!({"sub": "alice", "exp": now() - 600}));
    let bad_signature = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "alice", "exp": now() + 600}),
        &EncodingKey::from_secret(b"wrong"),
    )
    .unwrap();
    for token in [expired.as_str(), bad_signature.as_str(), "not-a-jwt"] {
        // A bad token is refused even with a guest id: no silent fall-back.
        let reply = call(
            &s.router,
            "GET",
            "/conversations/ShopAssistant",
            Some(GUEST),
            Some(token),
            None,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{token}: {}",
            reply.text
        );
    }
    let short_guest = call(&s.router, "GET", "/routes", Some("abc"), None, None).await;
    assert_eq!(short_guest.status, StatusCode::UNAUTHORIZED);

    // RS256 with keys from a JWKS document.
    let jwks = include_str!("fixtures/jwks.json");
    let der = base64::engine::general_purpose::STANDARD
        .decode(include_str!("fixtures/rsa-test-key.der.b64").trim())
        .unwrap();
    let auth = JwtAuth::from_jwks(jwks)
        .unwrap()
        .issuer("https://issuer.example")
        .audience("app-client");
    let sign = |kid: &str, claims: Value| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        encode(&header, &claims, &EncodingKey::from_rsa_der(&der)).unwrap()
    };
    let claims = json!({"sub": "bob", "iss": "https://issuer.example", "aud": "app-client", "exp": now() + 600});
    assert_eq!(
        auth.verify(&sign("test-key-1", claims.clone()))
            .unwrap()
            .owner(),
        "user:bob"
    );
    assert!(
        auth.verify(&sign("other-key", claims.clone())).is_err(),
        "unknown kid"
    );
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("someone-else");
    assert!(auth.verify(&sign("test-key-1", wrong_audience)).is_err());
    assert!(JwtAuth::from_jwks(r#"{"keys": []}"#).is_err());
}

#[tokio::test]
async fn limits_unknown_endpoints_and_the_page() {
    let s = server().await;
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let huge = format!(r#"{{"text": "{}"}}"#, "x".repeat(9 * 1024 * 1024));
    let reply = guest(
        &s.router,
        "POST",
        &format!("/conversations/ShopAssistant/{id}/messages"),
        Some(&huge),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    let missing = guest(&s.router, "GET", "/nowhere", None).await;
    assert_eq!(
        (missing.status, error_code(&missing)),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let page = call(&s.router, "GET", "/", None, None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<title>ai-routes chat</title>"));
    let script = call(&s.router, "GET", "/chat.js", None, None, None).await;
    assert!(script.content_type.starts_with("text/javascript"));
    assert!(script.text.contains("function escapeHtml"));
}

#[tokio::test]
async fn hs256_refuses_empty_and_short_secrets_and_the_example_then_accepts_no_token() {
    for secret in [&b""[..], &[7u8; 31][..]] {
        assert_eq!(
            JwtAuth::hs256(secret).err(),
            Some(AuthError::WeakSecret { len: secret.len() })
        );
    }
    assert!(JwtAuth::hs256(&[7u8; 32]).is_ok());
    let startup = app::auth(Some("")).err().unwrap().to_string();
    assert!(startup.contains("at least 32 bytes"), "{startup}");
    assert!(app::auth(Some("short")).is_err());

    // Without a configured secret, a token signed with the empty key (accepted before) is
    // refused, even next to a valid guest id.
    let bedrock = LocalBedrock::start().await.unwrap();
    let router = app::router(
        bedrock.ai_client(),
        MemoryStore::new(),
        app::auth(None).unwrap(),
    );
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "alice", "exp": now() + 600}),
        &EncodingKey::from_secret(b""),
    )
    .unwrap();
    for guest_id in [None, Some(GUEST)] {
        for (method, path) in [
            ("GET", "/conversations/ShopAssistant"),
            ("POST", "/conversations/ShopAssistant"),
        ] {
            let reply = call(&router, method, path, guest_id, Some(&forged), None).await;
            assert_eq!(
                (reply.status, error_code(&reply)),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{method} {path} {guest_id:?}: {}",
                reply.text
            );
        }
    }
    let as_guest = guest(&router, "POST", "/conversations/ShopAssistant", None).await;
    assert_eq!(as_guest.status, StatusCode::CREATED, "{}", as_guest.text);
}

#[tokio::test]
async fn a_token_whose_sub_names_a_guest_is_not_that_guest() {
    let s = server().await;
    let created = guest(
        &s.router,
        "POST",
        "/conversations/ShopAssistant",
        Some(r#"{"name": "guest secrets"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["owner"], format!("guest:{GUEST}"));
    let path = format!(
        "/conversations/ShopAssistant/{}",
        created.body["id"].as_str().unwrap()
    );

    // A validly signed token that claims to be the guest, with and without the guest's id.
    let impostor = hs256(json!({"sub": format!("guest:{GUEST}"), "exp": now() + 600}));
    for guest_id in [None, Some(GUEST)] {
        let listed = call(
            &s.router,
            "GET",
            "/conversations/ShopAssistant",
            guest_id,
            Some(&impostor),
            None,
        )
        .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        assert_eq!(listed.body["items"], json!([]), "{guest_id:?}");
        for p in [path.clone(), format!("{path}/messages")] {
            let read = call(&s.router, "GET", &p, guest_id, Some(&impostor), None).await;
            assert_eq!(
                (read.status, error_code(&read)),
                (StatusCode::NOT_FOUND, "conversation_not_found"),
                "{p} {guest_id:?}"
            );
        }
    }
    let own = call(
        &s.router,
        "POST",
        "/conversations/ShopAssistant",
        None,
        Some(&impostor),
        None,
    )
    .await;
    assert_eq!(own.body["owner"], format!("user:guest:{GUEST}"));
}

/// A request with this exact `Authorization` header value (the helper `call` writes a
/// well-formed one).
async fn with_authorization(router: &Router, authorization: &str, guest_id: Option<&str>) -> Reply {
    let mut request =
        Request::get("/conversations/ShopAssistant").header("authorization", authorization);
    if let Some(guest_id) = guest_id {
        request = request.header("x-guest-id", guest_id);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        content_type: String::new(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

#[tokio::test]
async fn authorization_scheme_is_case_insensitive_and_a_present_header_never_falls_back_to_guest() {
    let s = server().await;
    let valid = hs256(json!({"sub": "alice", "exp": now() + 600}));
    guest(&s.router, "POST", "/conversations/ShopAssistant", None).await;
    let alices = call(
        &s.router,
        "POST",
        "/conversations/ShopAssistant",
        None,
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(alices.status, StatusCode::CREATED);

    for header in [
        format!("BEARER {valid}"),
        format!("bearer {valid}"),
        format!("Bearer\t{valid}"),
        format!("Bearer   {valid} "),
    ] {
        let reply = with_authorization(&s.router, &header, Some(GUEST)).await;
        assert_eq!(reply.status, StatusCode::OK, "{header:?}: {}", reply.text);
        assert_eq!(
            reply.body["items"][0]["owner"], "user:alice",
            "{header:?} is alice, not the guest"
        );
    }

    let not_yet = hs256(json!({"sub": "alice", "nbf": now() + 600, "exp": now() + 1200}));
    for header in [
        "BEARER not-a-jwt".to_string(),
        "Bearer\tnot-a-jwt".to_string(),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "bearer \t ".to_string(),
        format!("Basic {valid}"),
        format!("Bearer {valid} {valid}"),
        format!("Bearer {not_yet}"),
    ] {
        for guest_id in [Some(GUEST), None] {
            let reply = with_authorization(&s.router, &header, guest_id).await;
            assert_eq!(
                (reply.status, error_code(&reply)),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{header:?} {guest_id:?}: {}",
                reply.text
            );
        }
    }
    let reply = with_authorization(&s.router, &format!("Bearer {not_yet}"), None).await;
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ImmatureSignature"),
        "{}",
        reply.text
    );
}

/// Status, headers and body text of one request.
async fn raw(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_the_page_keeps_no_token_on_disk() {
    let s = server().await;
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let as_guest = |method: &str, path: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("x-guest-id", GUEST)
            .body(Body::from(body))
            .unwrap()
    };
    let requests = [
        get("/"),
        get("/chat.js"),
        get("/chat.css"),
        get("/routes"), // 401
        get("/nowhere"),
        as_guest("GET", "/routes", String::new()),
        as_guest("PUT", "/routes", String::new()), // 405
        as_guest(
            "POST",
            "/conversations/ShopAssistant",
            format!(r#"{{"name": "{}"}}"#, "x".repeat(9 * 1024 * 1024)),
        ), // 413
    ];
    let mut statuses = Vec::new();
    for request in requests {
        let what = format!("{} {}", request.method(), request.uri());
        let (status, headers, _) = raw(&s.router, request).await;
        statuses.push(status.as_u16());
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_else(|| panic!("{what} ({status}) has no {name}"))
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY", "{what}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    }
    assert_eq!(statuses, [200, 200, 200, 401, 404, 200, 405, 413]);

    // The policy allows no inline script, style or handler: the page has none.
    let (_, _, page) = raw(&s.router, get("/")).await;
    for script in page.split("<script").skip(1) {
        assert!(
            script.trim_start().starts_with("src="),
            "inline script: {script}"
        );
    }
    assert!(
        !page.contains("style=") && !page.contains("<style"),
        "inline style"
    );
    assert!(
        !page.contains(" onclick=") && !page.contains(" onload="),
        "inline handler"
    );
    let (_, _, script) = raw(&s.router, get("/chat.js")).await;
    assert!(
        !script.contains(r#"localStorage.setItem("ai-routes-token""#)
            && !script.contains(r#"localStorage.getItem("ai-routes-token""#),
        "the JWT is kept in local storage"
    );
    assert!(script.contains(r#"sessionStorage.setItem("ai-routes-token""#));
}

fn post_message(path: &str, guest_id: &str, text: &str) -> Request<Body> {
    Request::post(path)
        .header("x-guest-id", guest_id)
        .header("content-type", "application/json")
        .body(Body::from(json!({ "text": text }).to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_owner_probing_a_conversation_gets_404_and_never_blocks_the_owner() {
    let bedrock = LocalBedrock::start().await.unwrap();
    // A store whose reads leave the task (SQLite runs on the blocking pool), so a probe can be
    // caught half-way, after it would have taken the busy guard and before its ownership check.
    let db = std::env::temp_dir().join(format!("ai-routes-probe-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let store = ai_routes::store::SqliteStore::open(&db).unwrap();
    let router = app::router(bedrock.ai_client(), store, app::auth(None).unwrap());
    let id = guest(&router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");

    // 1. The owner's turn is running (its first event is out): a probe is a 404, not a 409.
    bedrock.set_chunk_latency(Duration::from_millis(20));
    let running = router
        .clone()
        .oneshot(post_message(&path, GUEST, "tell me about the shop"))
        .await
        .unwrap();
    assert_eq!(running.status(), StatusCode::OK);
    let mut running = running.into_body();
    assert!(!running
        .frame()
        .await
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap()
        .is_empty());
    let probe = raw(&router, post_message(&path, OTHER_GUEST, "hi")).await;
    assert_eq!(probe.0, StatusCode::NOT_FOUND, "{}", probe.2);
    assert!(probe.2.contains("conversation_not_found"), "{}", probe.2);
    while running.frame().await.is_some() {}
    bedrock.set_chunk_latency(Duration::ZERO);

    // 2. A probe caught mid-flight, waiting on the store, does not make the owner's own send
    // fail. (Whether a first poll leaves the probe waiting depends on the blocking pool: with
    // the guard taken before the ownership check it does, and the owner got a 409.)
    let mut paused = None;
    for _ in 0..50 {
        let mut probe = Box::pin(
            router
                .clone()
                .oneshot(post_message(&path, OTHER_GUEST, "hi")),
        );
        match futures_util::FutureExt::now_or_never(&mut probe) {
            None => {
                paused = Some(probe);
                break;
            }
            Some(done) => assert_eq!(done.unwrap().status(), StatusCode::NOT_FOUND),
        }
    }
    let own = raw(&router, post_message(&path, GUEST, "and the weather?")).await;
    assert_eq!(own.0, StatusCode::OK, "{}", own.2);
    assert!(own.2.contains("event: turn_done"), "{}", own.2);
    if let Some(probe) = paused {
        assert_eq!(probe.await.unwrap().status(), StatusCode::NOT_FOUND);
    }
    let _ = std::fs::remove_file(&db);
}

/// The roles stored in a conversation, oldest first.
async fn roles(router: &Router, id: &str) -> Vec<String> {
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    guest(router, "GET", &path, None).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_string())
        .collect()
}

/// Waits (bounded) until the conversation holds a whole turn; returns its roles.
async fn settled(router: &Router, id: &str) -> Vec<String> {
    let mut stored = Vec::new();
    for _ in 0..200 {
        stored = roles(router, id).await;
        if stored.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stored
}

fn sqlite_router(bedrock: &LocalBedrock, name: &str) -> (Router, std::path::PathBuf) {
    let db = std::env::temp_dir().join(format!("ai-routes-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let store = ai_routes::store::SqliteStore::open(&db).unwrap();
    let router = app::router(bedrock.ai_client(), store, app::auth(None).unwrap());
    (router, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_right_after_sending_does_not_lose_the_turn() {
    use tokio::io::AsyncWriteExt as _;

    let bedrock = LocalBedrock::start().await.unwrap();
    // SQLite on disk: storing the user message takes the handler off the CPU long enough for
    // the server to notice the disconnect and drop the request future mid-send.
    let (router, db) = sqlite_router(&bedrock, "disconnect");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, served).await });

    let mut ids = Vec::new();
    for i in 0..30 {
        let id = guest(&router, "POST", "/conversations/ShopAssistant", None)
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let body = r#"{"text": "tell me about the shop"}"#;
        let request = format!(
            "POST /conversations/ShopAssistant/{id}/messages HTTP/1.1\r\nhost: {addr}\r\n\
             x-guest-id: {GUEST}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(request.as_bytes()).await.unwrap();
        // The tab closes before any answer: at once, or about a millisecond later.
        tokio::time::sleep(Duration::from_micros(1000 * (i % 2))).await;
        drop(tcp);
        ids.push(id);
    }
    // A request the server dropped before its handler ran stores nothing. One that reached the
    // handler stores the user message and then the whole turn: never a question left without
    // its answer (before, most of these conversations kept only the user message).
    let mut whole = 0;
    for id in &ids {
        let stored = settled(&router, id).await;
        assert!(
            stored.is_empty() || stored == ["user", "assistant"],
            "conversation {id}: {stored:?}"
        );
        whole += usize::from(!stored.is_empty());
    }
    assert!(
        whole >= ids.len() / 2,
        "only {whole} requests reached the handler"
    );
    server.abort();
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_request_future_is_dropped_mid_store_still_runs_the_turn() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let (router, db) = sqlite_router(&bedrock, "dropped");
    let id = guest(&router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    // What the server does when the client goes away: the request future is dropped where it
    // waits, here after its first poll (the message parsed, the store called).
    let mut request = Box::pin(router.clone().oneshot(post_message(&path, GUEST, "hello")));
    let _ = futures_util::FutureExt::now_or_never(&mut request);
    drop(request);
    assert_eq!(settled(&router, &id).await, ["user", "assistant"]);
    let _ = std::fs::remove_file(&db);
}

#[tokio::test]
async fn every_error_response_has_the_json_error_body() {
    let s = server().await;
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(9 * 1024 * 1024));
    let cases = [
        (
            "PUT",
            "/routes".to_string(),
            None,
            405,
            "method_not_allowed",
        ),
        (
            "DELETE",
            "/generations/plan_recipe".to_string(),
            None,
            405,
            "method_not_allowed",
        ),
        (
            "POST",
            "/conversations/ShopAssistant".to_string(),
            Some(huge.as_str()),
            413,
            "payload_too_large",
        ),
        (
            "POST",
            format!("/conversations/ShopAssistant/{id}/messages"),
            Some(huge.as_str()),
            413,
            "payload_too_large",
        ),
        (
            "GET",
            "/conversations/ShopAssistant?limit=many".to_string(),
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            format!("/conversations/ShopAssistant/{id}/messages?limit=-1"),
            None,
            400,
            "bad_request",
        ),
        (
            "GET",
            "/conversations/ShopAssistant/%FF%FE".to_string(),
            None,
            400,
            "bad_request",
        ),
        ("GET", "/nowhere".to_string(), None, 404, "not_found"),
    ];
    let (_, headers, _) = raw(
        &s.router,
        Request::put("/routes")
            .header("x-guest-id", GUEST)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        headers["allow"], "GET,HEAD",
        "a 405 still says what is allowed"
    );
    for (method, path, body, status, code) in cases {
        let reply = guest(&s.router, method, &path, body).await;
        assert_eq!(
            (reply.status.as_u16(), error_code(&reply)),
            (status, code),
            "{method} {path}: {}",
            reply.text.chars().take(300).collect::<String>()
        );
        assert!(
            reply.content_type.starts_with("application/json"),
            "{method} {path}: {}",
            reply.content_type
        );
        assert!(
            !reply.body["error"]["message"].as_str().unwrap().is_empty(),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn over_long_generation_arguments_are_a_413_before_the_call_and_bedrocks_input_too_long_a_4xx(
) {
    let s = server().await;
    // About 300k tokens for a model with a 200k context: refused without calling Bedrock.
    let long = json!({"description": "pasta ".repeat(200_000), "servings": 2}).to_string();
    let refused = guest(&s.router, "POST", "/generations/plan_recipe", Some(&long)).await;
    assert_eq!(
        (refused.status, error_code(&refused)),
        (StatusCode::PAYLOAD_TOO_LARGE, "input_too_long"),
        "{}",
        refused.text.chars().take(300).collect::<String>()
    );
    assert!(s.bedrock.requests().is_empty(), "the model was called");

    // What the estimate lets through and Bedrock refuses is the caller's problem too (4xx).
    s.bedrock.push_error(
        ai_routes::testing::ErrorKind::Validation,
        "Input is too long for requested model.",
    );
    let too_long = guest(
        &s.router,
        "POST",
        "/generations/plan_recipe",
        Some(r#"{"description": "pasta", "servings": 2}"#),
    )
    .await;
    assert_eq!(
        (too_long.status, error_code(&too_long)),
        (StatusCode::PAYLOAD_TOO_LARGE, "input_too_long"),
        "{}",
        too_long.text
    );
}

/// `{"format", "data"}` of an image whose bytes start with `magic`, `size` bytes long.
fn image_json(format: &str, magic: &[u8], size: usize) -> Value {
    let mut bytes = magic.to_vec();
    bytes.resize(size, 0);
    json!({"format": format, "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

fn document_json(format: &str, bytes: &[u8]) -> Value {
    json!({"format": format, "name": "doc", "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

#[tokio::test]
async fn attachments_bedrock_would_refuse_are_refused_before_anything_is_stored() {
    let s = server().await;
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0];
    let small_png = image_json("png", PNG, 64);
    let cases = [
        (
            json!({"text": "too big", "images": [image_json("png", PNG, 3_750_001)]}),
            "at most 3750000 bytes",
        ),
        (
            json!({"text": "not what it says", "images": [image_json("png", JPEG, 64)]}),
            "declared Png but its bytes are Jpeg",
        ),
        (
            json!({"text": "not an image", "images": [image_json("gif", b"hello", 64)]}),
            "not a PNG, JPEG, GIF or WebP",
        ),
        (
            json!({"text": "too many", "images": vec![small_png.clone(); 21]}),
            "at most 20",
        ),
        (
            json!({"text": "a pdf?", "documents": [document_json("pdf", b"just text")]}),
            "declared Pdf",
        ),
        (
            json!({"text": "a docx?", "documents": [document_json("docx", b"%PDF-1.7")]}),
            "declared Docx",
        ),
        (
            json!({"text": "text?", "documents": [document_json("txt", &[0xFF, 0xFE, 0, 0x41])]}),
            "declared Txt",
        ),
        (
            json!({"text": "too big", "documents": [document_json("txt", &vec![b'a'; 4_500_001])]}),
            "at most 4500000 bytes",
        ),
        (
            json!({"text": "too many", "documents": vec![document_json("md", b"# hi"); 6]}),
            "at most 5",
        ),
    ];
    for (body, expected) in cases {
        let reply = guest(&s.router, "POST", &path, Some(&body.to_string())).await;
        assert_eq!(
            (reply.status, error_code(&reply)),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "{expected}: {}",
            reply.text.chars().take(300).collect::<String>()
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{expected}: {message}");
    }
    assert!(roles(&s.router, &id).await.is_empty(), "nothing was stored");
    assert!(s.bedrock.requests().is_empty(), "nothing was sent");

    // What is within the limits goes through, and the conversation is as usable as before.
    let ok = json!({
        "text": "what are these?",
        "images": vec![small_png; 20],
        "documents": [document_json("pdf", b"%PDF-1.7 ..."), document_json("md", b"# notes")],
    });
    let reply = guest(&s.router, "POST", &path, Some(&ok.to_string())).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("event: turn_done"), "{}", reply.text);
    // A photo of a few MB, as phones take them (the stand-in once refused anything over 2 MB),
    // and the next message of the conversation.
    for body in [
        json!({"text": "and this photo?", "images": [image_json("png", PNG, 3_500_000)]}),
        json!({"text": "thanks"}),
    ] {
        let reply = guest(&s.router, "POST", &path, Some(&body.to_string())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert!(reply.text.contains("event: turn_done"), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_message_bedrock_refuses_does_not_make_the_next_ones_fail() {
    use ai_routes::testing::wire::ContentBlock;
    use ai_routes::testing::{BedrockError, DeterministicResponder, RequestContext, Responder};

    let s = server().await;
    // A Bedrock that cannot read GIFs: it refuses any request that holds one.
    s.bedrock.respond_with(|ctx: &RequestContext<'_>| {
        let gif = ctx.request.messages.iter().any(|m| {
            m.content
                .iter()
                .any(|b| matches!(b, ContentBlock::Image(i) if i.format == "gif"))
        });
        if gif {
            BedrockError::validation("Unable to process the image: the GIF is malformed.").into()
        } else {
            DeterministicResponder.respond(ctx)
        }
    });
    let id = guest(&s.router, "POST", "/conversations/ShopAssistant", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/conversations/ShopAssistant/{id}/messages");
    let refused = json!({"text": "what is this?", "images": [image_json("gif", b"GIF89a", 64)]});
    let reply = guest(&s.router, "POST", &path, Some(&refused.to_string())).await;
    let events = sse(&reply.text);
    assert_eq!(events.last().unwrap().0, "error", "{}", reply.text);
    assert!(events.last().unwrap().1["message"]
        .as_str()
        .unwrap()
        .contains("GIF is malformed"));

    for text in ["never mind: hello", "and the weather in Paris?"] {
        let reply = guest(
            &s.router,
            "POST",
            &path,
            Some(&json!({ "text": text }).to_string()),
        )
        .await;
        assert!(
            reply.text.contains("event: turn_done"),
            "{text}: {}",
            reply.text
        );
        let sent = s.bedrock.last_request().unwrap().body.to_string();
        assert!(
            !sent.contains("\"image\""),
            "the refused image was sent again"
        );
        assert!(
            !sent.contains("what is this?"),
            "the refused message was sent again"
        );
    }
    // The history keeps what the user sent, and says what happened to it.
    let history = guest(&s.router, "GET", &path, None).await;
    let items = history.body["items"].as_array().unwrap();
    let roles: Vec<&str> = items.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(items[1]["incomplete"], true);
    assert_eq!(
        items[1]["stop_reason"],
        ai_routes::conversation::REJECTED_STOP_REASON
    );
    assert!(items[0]["content"].to_string().contains("gif"));
}

//! `JwtAuth::from_jwks_url` against a real local JWKS server: keys are cached, fetched again
//! when the issuer rotates them (an unknown `kid`, rate-limited) and when the document expires
//! (`Cache-Control: max-age`).
#![cfg(feature = "http")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ai_routes::http::{AuthError, Authenticator, JwksUrl, JwtAuth};
use axum::extract::State;
use axum::http::{header, HeaderMap, Request};
use axum::routing::get;
use axum::Router;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const OLD_DER: &[u8] = include_bytes!("fixtures/jwks/old.der");
const NEW_DER: &[u8] = include_bytes!("fixtures/jwks/new.der");

fn public(name: &str) -> Value {
    let keys: Value = serde_json::from_str(include_str!("fixtures/jwks/public.json")).unwrap();
    keys[name].clone()
}

/// What the JWKS server serves now, and how often it was asked.
#[derive(Default)]
struct Served {
    document: Mutex<Value>,
    cache_control: Mutex<Option<&'static str>>,
    fetches: AtomicUsize,
}

impl Served {
    fn serve(&self, keys: &[&str]) {
        *self.document.lock().unwrap() =
            json!({"keys": keys.iter().map(|k| public(k)).collect::<Vec<_>>()});
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn jwks(State(served): State<Arc<Served>>) -> (HeaderMap, String) {
    served.fetches.fetch_add(1, Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    if let Some(value) = *served.cache_control.lock().unwrap() {
        headers.insert(header::CACHE_CONTROL, value.parse().unwrap());
    }
    (headers, served.document.lock().unwrap().to_string())
}

/// A JWKS server on a loopback port: its URL and what it serves.
async fn jwks_server(keys: &[&str], cache_control: Option<&'static str>) -> (String, Arc<Served>) {
    let served = Arc::new(Served::default());
    served.serve(keys);
    *served.cache_control.lock().unwrap() = cache_control;
    let router = Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(served.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, served)
}

fn token(der: &[u8], kid: &str, sub: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(
        &header,
        &json!({"sub": sub, "exp": now + 600}),
        &EncodingKey::from_rsa_der(der),
    )
    .unwrap()
}

/// The owner `auth` makes of a request bearing `token`.
async fn owner(auth: &JwtAuth, token: &str) -> Result<String, AuthError> {
    let (parts, ()) = Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts();
    auth.authenticate(&parts)
        .await
        .map(|identity| identity.owner())
}

#[tokio::test]
async fn a_rotated_key_is_fetched_on_its_unknown_kid_and_unknown_kids_are_rate_limited() {
    let (url, served) = jwks_server(&["old"], None).await;
    let interval = Duration::from_millis(300);
    let auth = JwtAuth::from_jwks_url(JwksUrl::new(&url).min_refresh_interval(interval))
        .await
        .unwrap();
    assert_eq!(served.fetches(), 1, "fetched once at start-up");
    for _ in 0..3 {
        assert_eq!(
            owner(&auth, &token(OLD_DER, "test-old", "alice"))
                .await
                .unwrap(),
            "user:alice"
        );
    }
    assert_eq!(served.fetches(), 1, "the keys are cached");

    // The issuer rotates: the old key is gone, tokens are signed with the new one.
    served.serve(&["new"]);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    let rotated = token(NEW_DER, "test-new", "bob");
    assert_eq!(owner(&auth, &rotated).await.unwrap(), "user:bob");
    assert_eq!(served.fetches(), 2, "the unknown kid made one fetch");
    assert_eq!(owner(&auth, &rotated).await.unwrap(), "user:bob");
    assert!(matches!(
        owner(&auth, &token(OLD_DER, "test-old", "alice")).await,
        Err(AuthError::Rejected(_))
    ));

    // Made-up key ids within the refresh interval are refused without fetching.
    for n in 0..10 {
        let forged = token(OLD_DER, &format!("made-up-{n}"), "mallory");
        assert!(matches!(
            owner(&auth, &forged).await,
            Err(AuthError::Rejected(_))
        ));
    }
    assert_eq!(served.fetches(), 2, "unknown kids are rate-limited");
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    let forged = token(OLD_DER, "made-up", "mallory");
    assert!(owner(&auth, &forged).await.is_err());
    assert_eq!(served.fetches(), 3, "one fetch per interval");
}

#[tokio::test]
async fn keys_are_fetched_again_when_their_max_age_expires() {
    let (url, served) = jwks_server(&["old"], Some("public, max-age=1")).await;
    let auth = JwtAuth::from_jwks_url(JwksUrl::new(&url).min_refresh_interval(Duration::ZERO))
        .await
        .unwrap();
    let old = token(OLD_DER, "test-old", "alice");
    served.serve(&["new"]);
    assert_eq!(
        owner(&auth, &old).await.unwrap(),
        "user:alice",
        "cached for max-age"
    );
    assert_eq!(served.fetches(), 1);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Expired: fetched again, and the old key is no longer trusted.
    assert!(matches!(
        owner(&auth, &old).await,
        Err(AuthError::Rejected(_))
    ));
    assert!(served.fetches() >= 2);
    let fetches = served.fetches();
    assert_eq!(
        owner(&auth, &token(NEW_DER, "test-new", "bob"))
            .await
            .unwrap(),
        "user:bob"
    );
    assert_eq!(served.fetches(), fetches, "the new keys are cached");
}

#[tokio::test]
async fn a_jwks_url_that_serves_no_keys_fails_at_start_up() {
    let (url, served) = jwks_server(&[], None).await;
    assert!(matches!(
        JwtAuth::from_jwks_url(url.as_str()).await,
        Err(AuthError::Jwks(_))
    ));
    assert_eq!(served.fetches(), 1);
    let missing = url.replace("/.well-known/jwks.json", "/nowhere");
    assert!(matches!(
        JwtAuth::from_jwks_url(missing).await,
        Err(AuthError::Jwks(_))
    ));
    // Plain HTTP is for loopback hosts only (checked before any connection is made).
    assert!(matches!(
        JwtAuth::from_jwks_url("http://issuer.invalid/jwks.json").await,
        Err(AuthError::Jwks(_))
    ));
}

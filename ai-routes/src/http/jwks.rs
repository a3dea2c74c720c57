//! A JWKS document fetched from a URL (Cognito's `.../.well-known/jwks.json`) and kept fresh:
//! cached for its `Cache-Control: max-age` (or [`DEFAULT_JWKS_MAX_AGE`]), fetched again when it
//! expires and when a token names a key id it does not have (the issuer rotated its keys), at
//! most once per [`JwksUrl::min_refresh_interval`] so that tokens with made-up key ids cannot
//! turn into a flood of fetches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, Uri};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::sync::Mutex;

use super::auth::AuthError;

/// How long a JWKS document is kept when its response says nothing (no `max-age`).
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// The longest a JWKS document is kept, whatever its `max-age` says: a revoked key must go.
const MAX_JWKS_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// The largest JWKS document read (Cognito's is about 1 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// One verification key: its `kid` (if any), the key, its algorithm.
pub(super) type Key = (Option<String>, DecodingKey, Algorithm);

/// The RS256 keys of a JWKS document (other key types are skipped).
pub(super) fn parse_jwks(json: &[u8]) -> Result<Vec<Key>, AuthError> {
    let document: Value = serde_json::from_slice(json)
        .map_err(|e| AuthError::Jwks(format!("the JWKS document is not JSON: {e}")))?;
    let mut keys = Vec::new();
    for key in document["keys"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        if key["kty"] != "RSA" {
            continue;
        }
        let (Some(n), Some(e)) = (key["n"].as_str(), key["e"].as_str()) else {
            continue;
        };
        let decoding = DecodingKey::from_rsa_components(n, e)
            .map_err(|e| AuthError::Jwks(format!("a JWKS key is invalid: {e}")))?;
        keys.push((
            key["kid"].as_str().map(str::to_string),
            decoding,
            Algorithm::RS256,
        ));
    }
    if keys.is_empty() {
        return Err(AuthError::Jwks("the JWKS document has no RSA keys".into()));
    }
    Ok(keys)
}

/// Where to fetch a JWKS document, and how often.
#[derive(Debug, Clone)]
pub struct JwksUrl {
    url: String,
    min_refresh_interval: Duration,
    default_max_age: Duration,
    timeout: Duration,
}

impl JwksUrl {
    /// An `https://` URL; plain `http://` only on a loopback host (tests, sidecars).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            min_refresh_interval: Duration::from_secs(60),
            default_max_age: DEFAULT_JWKS_MAX_AGE,
            timeout: Duration::from_secs(10),
        }
    }

    /// The least time between two fetches (default 60 s): an unknown key id within it is
    /// refused without fetching.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// How long a document is kept when its response has no `Cache-Control: max-age`
    /// (default [`DEFAULT_JWKS_MAX_AGE`]).
    pub fn default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The time limit of one fetch (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl From<&str> for JwksUrl {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl From<String> for JwksUrl {
    fn from(url: String) -> Self {
        Self::new(url)
    }
}

/// The HTTP client of a JWKS URL: TLS unless the URL is a loopback `http://` one.
#[derive(Clone)]
enum HttpClient {
    Tls(Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>),
    Plain(Client<HttpConnector, Empty<Bytes>>),
}

impl HttpClient {
    fn for_uri(uri: &Uri) -> Result<Self, AuthError> {
        let executor = TokioExecutor::new();
        match uri.scheme_str() {
            Some("https") => {
                let provider = rustls::crypto::aws_lc_rs::default_provider();
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_native_roots(provider)
                    .map_err(|e| AuthError::Jwks(format!("no TLS root certificates: {e}")))?
                    .https_only()
                    .enable_http1()
                    .build();
                Ok(HttpClient::Tls(Client::builder(executor).build(connector)))
            }
            Some("http") if is_loopback(uri) => {
                Ok(HttpClient::Plain(Client::builder(executor).build_http()))
            }
            _ => Err(AuthError::Jwks(format!(
                "the JWKS URL `{uri}` must be https:// (http:// only on a loopback host)"
            ))),
        }
    }

    async fn get(&self, uri: Uri) -> Result<axum::http::Response<hyper::body::Incoming>, String> {
        let request = axum::http::Request::get(uri)
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        match self {
            HttpClient::Tls(client) => client.request(request).await,
            HttpClient::Plain(client) => client.request(request).await,
        }
        .map_err(|e| e.to_string())
    }
}

fn is_loopback(uri: &Uri) -> bool {
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// The keys of the last successful fetch, and when to fetch again.
struct Cached {
    keys: Arc<Vec<Key>>,
    expires_at: Instant,
}

/// A JWKS URL with its cached keys.
pub(super) struct RemoteJwks {
    uri: Uri,
    options: JwksUrl,
    client: HttpClient,
    cached: std::sync::RwLock<Cached>,
    /// When the last fetch started (successful or not); one fetch at a time.
    last_fetch: Mutex<Instant>,
}

impl RemoteJwks {
    /// Fetches the document once: a URL that does not serve keys fails at start-up.
    pub(super) async fn fetch(options: JwksUrl) -> Result<Self, AuthError> {
        let uri: Uri = options.url.parse().map_err(|e| {
            AuthError::Jwks(format!("the JWKS URL `{}` is invalid: {e}", options.url))
        })?;
        let client = HttpClient::for_uri(&uri)?;
        let started = Instant::now();
        let cached = download(&client, &uri, &options).await?;
        Ok(Self {
            uri,
            options,
            client,
            cached: std::sync::RwLock::new(cached),
            last_fetch: Mutex::new(started),
        })
    }

    /// The keys cached now, without fetching (for the synchronous `JwtAuth::verify`).
    pub(super) fn cached_keys(&self) -> Arc<Vec<Key>> {
        self.read().keys.clone()
    }

    /// The cache, read (never held across an await, so a std lock does).
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.cached
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current keys, fetched again first if they expired.
    pub(super) async fn keys(&self) -> Arc<Vec<Key>> {
        let (keys, expired) = {
            let cached = self.read();
            (cached.keys.clone(), Instant::now() >= cached.expires_at)
        };
        if expired {
            if let Some(fresh) = self.refresh().await {
                return fresh;
            }
        }
        keys
    }

    /// Keys fetched anew because a token named a key id the cached ones lack, unless a fetch
    /// started within the minimum refresh interval (then `None`).
    pub(super) async fn keys_after_unknown_kid(&self) -> Option<Arc<Vec<Key>>> {
        self.refresh().await
    }

    /// Fetches the document, at most once per minimum refresh interval (concurrent callers
    /// wait for the one fetch). `None` when no fetch was allowed or it failed: the cached keys
    /// stay in use, since an issuer's hiccup must not sign everyone out.
    async fn refresh(&self) -> Option<Arc<Vec<Key>>> {
        let mut last_fetch = self.last_fetch.lock().await;
        if last_fetch.elapsed() < self.options.min_refresh_interval {
            // Another request may have just fetched: its keys are the fresh ones.
            let cached = self.read();
            return (Instant::now() < cached.expires_at).then(|| cached.keys.clone());
        }
        *last_fetch = Instant::now();
        match download(&self.client, &self.uri, &self.options).await {
            Ok(fresh) => {
                let keys = fresh.keys.clone();
                *self
                    .cached
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
                Some(keys)
            }
            Err(error) => {
                tracing::warn!(%error, url = %self.uri, "fetching the JWKS failed; keeping the cached keys");
                None
            }
        }
    }
}

async fn download(client: &HttpClient, uri: &Uri, options: &JwksUrl) -> Result<Cached, AuthError> {
    let failed = |what: String| AuthError::Jwks(format!("fetching the JWKS from `{uri}`: {what}"));
    let fetch = async {
        let response = client.get(uri.clone()).await.map_err(failed)?;
        if !response.status().is_success() {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let max_age = max_age(response.headers()).unwrap_or(options.default_max_age);
        let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|e| failed(format!("reading the body: {e}")))?
            .to_bytes();
        Ok(Cached {
            keys: Arc::new(parse_jwks(&body)?),
            expires_at: Instant::now() + max_age.min(MAX_JWKS_MAX_AGE),
        })
    };
    tokio::time::timeout(options.timeout, fetch)
        .await
        .map_err(|_| failed(format!("no answer within {:?}", options.timeout)))?
}

/// `max-age` of a `Cache-Control` header (`no-cache`/`no-store` count as 0).
fn max_age(headers: &axum::http::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let (name, argument) = directive.split_once('=').unwrap_or((directive, ""));
        match name.to_ascii_lowercase().as_str() {
            "no-cache" | "no-store" => return Some(Duration::ZERO),
            "max-age" => {
                max_age = argument
                    .trim_matches('"')
                    .parse::<u64>()
                    .ok()
                    .map(Duration::from_secs);
            }
            _ => {}
        }
    }
    max_age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        let headers = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CACHE_CONTROL, value.parse().unwrap());
            headers
        };
        assert_eq!(
            max_age(&headers("public, max-age=3600")),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            max_age(&headers("Max-Age=\"5\"")),
            Some(Duration::from_secs(5))
        );
        assert_eq!(max_age(&headers("no-store")), Some(Duration::ZERO));
        assert_eq!(max_age(&headers("public")), None);
        assert_eq!(max_age(&axum::http::HeaderMap::new()), None);
    }

    #[test]
    fn only_loopback_hosts_may_be_plain_http() {
        for (url, ok) in [
            ("http://127.0.0.1:8080/jwks.json", true),
            ("http://[::1]/jwks.json", true),
            ("http://localhost/jwks.json", true),
            ("http://example.com/jwks.json", false),
            ("ftp://127.0.0.1/jwks.json", false),
        ] {
            let uri: Uri = url.parse().unwrap();
            assert_eq!(HttpClient::for_uri(&uri).is_ok(), ok, "{url}");
        }
    }
}

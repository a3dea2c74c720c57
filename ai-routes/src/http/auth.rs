//! Who is calling: an [`Authenticator`] turns a request into an owner.
//!
//! Built in: [`JwtAuth`] (HS256 shared secret, or RS256 keys from a JWKS document or URL such
//! as Cognito's), [`GuestAuth`] (an explicit opt-in for anonymous chats) and [`AuthChain`].

use std::sync::Arc;

use axum::http::header;
use axum::http::request::Parts;
use futures_util::future::BoxFuture;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::jwks::{parse_jwks, JwksUrl, Key, RemoteJwks};

/// The kind of caller; each kind has an owner namespace of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityKind {
    /// Signed in: a verified token (its `sub`), or your own authenticator's user id.
    User,
    /// Anonymous, named by a client-chosen id ([`GuestAuth`]).
    Guest,
}

impl IdentityKind {
    fn prefix(self) -> &'static str {
        match self {
            IdentityKind::User => "user",
            IdentityKind::Guest => "guest",
        }
    }
}

/// The caller, as far as routes are concerned: a kind and an id within that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    kind: IdentityKind,
    id: String,
}

impl Identity {
    /// A signed-in user.
    pub fn user(id: impl Into<String>) -> Self {
        Self {
            kind: IdentityKind::User,
            id: id.into(),
        }
    }

    /// An anonymous guest.
    pub fn guest(id: impl Into<String>) -> Self {
        Self {
            kind: IdentityKind::Guest,
            id: id.into(),
        }
    }

    /// How the caller was identified (a verified token, or a guest id).
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The id within its kind (a token's `sub`, a guest id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What conversations are scoped to: `user:<id>` or `guest:<id>`. The kind is part of the
    /// owner so that no id of one kind names an owner of the other: a token whose `sub` is
    /// `guest:x` is the user `user:guest:x`, not guest `x`.
    pub fn owner(&self) -> String {
        format!("{}:{}", self.kind.prefix(), self.id)
    }
}

/// The shortest HS256 secret [`JwtAuth::hs256`] accepts: RFC 7518 requires a key at least as
/// long as the hash output (256 bits); a shorter one can be brute-forced offline from any token.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Why a request has no identity (answered with 401), or why an authenticator cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries none of the credentials this authenticator reads.
    #[error("missing {0}")]
    Missing(&'static str),
    /// Credentials are present but not valid (bad signature, expired, malformed, bad claims).
    #[error("{0}")]
    Rejected(String),
    /// An HS256 secret too short to resist an offline brute force (see [`MIN_HS256_SECRET_BYTES`]).
    #[error(
        "the HS256 secret is {len} bytes long; it must be at least {MIN_HS256_SECRET_BYTES} bytes \
         (256 bits) of random data, e.g. `openssl rand -base64 48`"
    )]
    WeakSecret {
        /// The secret's length in bytes.
        len: usize,
    },
    /// A JWKS document with no usable key.
    #[error("{0}")]
    Jwks(String),
}

/// Turns a request into an [`Identity`].
pub trait Authenticator: Send + Sync + 'static {
    /// The identity of the request, or why it has none (answered with 401).
    fn authenticate<'a>(&'a self, request: &'a Parts)
        -> BoxFuture<'a, Result<Identity, AuthError>>;
}

/// The token of the request's `Authorization: Bearer <token>` header: `None` without the header,
/// an error when the header is there but is not one well-formed bearer credential (so that a
/// broken header is refused rather than read as "no credentials").
fn bearer(request: &Parts) -> Result<Option<&str>, AuthError> {
    let mut values = request.headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AuthError::Rejected(
            "more than one `Authorization` header".into(),
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::Rejected("the `Authorization` header is not visible ASCII".into()))?
        .trim();
    // RFC 9110 §11.1: the scheme is case-insensitive; clients put one or more spaces (some a
    // tab) between it and the token.
    let (scheme, token) = value
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Rejected(
            "the `Authorization` scheme must be `Bearer`".into(),
        ));
    }
    let token = token.trim();
    if token.is_empty() || token.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(AuthError::Rejected(
            "`Authorization: Bearer` must be followed by exactly one token".into(),
        ));
    }
    Ok(Some(token))
}

/// Where a [`JwtAuth`]'s keys come from.
#[derive(Clone)]
enum KeySource {
    /// Given once: a secret, or a JWKS document.
    Fixed(Arc<Vec<Key>>),
    /// A JWKS URL, fetched again on expiry and on an unknown key id.
    Remote(Arc<RemoteJwks>),
}

/// Why a token failed against a set of keys.
enum Failure {
    /// No key has the token's algorithm and key id: a fresher key set may have it.
    NoKey,
    Rejected(AuthError),
}

/// Verifies `Authorization: Bearer <JWT>`; the caller is the user named by the `sub` claim (or
/// another), so the owner is `user:<sub>`.
#[derive(Clone)]
pub struct JwtAuth {
    keys: KeySource,
    issuer: Option<String>,
    audience: Option<String>,
    owner_claim: String,
}

impl JwtAuth {
    /// HS256 tokens signed with a shared secret of at least [`MIN_HS256_SECRET_BYTES`] bytes.
    /// An empty or short secret is refused: with an empty one, anyone could sign a token for
    /// any owner.
    pub fn hs256(secret: &[u8]) -> Result<Self, AuthError> {
        if secret.len() < MIN_HS256_SECRET_BYTES {
            return Err(AuthError::WeakSecret { len: secret.len() });
        }
        Ok(Self::with_keys(vec![(
            None,
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
        )]))
    }

    /// RS256 tokens whose keys are in a JWKS document (e.g. Cognito's
    /// `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json`, fetched
    /// at start-up). Keys are matched by `kid`.
    pub fn from_jwks(jwks_json: &str) -> Result<Self, AuthError> {
        Ok(Self::with_keys(parse_jwks(jwks_json.as_bytes())?))
    }

    /// RS256 tokens whose keys are served at a JWKS URL, e.g. Cognito's
    /// `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json`.
    /// Fetched now (an error if it serves no keys), then cached for the response's
    /// `Cache-Control: max-age` (default one hour) and fetched again when it expires or when a
    /// token names a key id it lacks (key rotation), at most once per
    /// [`JwksUrl::min_refresh_interval`]. `JwtAuth::from_jwks_url(url).await?` or
    /// `JwtAuth::from_jwks_url(JwksUrl::new(url).min_refresh_interval(..)).await?`.
    pub async fn from_jwks_url(jwks: impl Into<JwksUrl>) -> Result<Self, AuthError> {
        let remote = RemoteJwks::fetch(jwks.into()).await?;
        Ok(Self::with_source(KeySource::Remote(Arc::new(remote))))
    }

    fn with_keys(keys: Vec<Key>) -> Self {
        Self::with_source(KeySource::Fixed(Arc::new(keys)))
    }

    fn with_source(keys: KeySource) -> Self {
        Self {
            keys,
            issuer: None,
            audience: None,
            owner_claim: "sub".into(),
        }
    }

    /// Requires this `iss`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires this `aud` (Cognito ID tokens carry the app client id there).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The claim that names the owner (default `sub`).
    pub fn owner_claim(mut self, claim: impl Into<String>) -> Self {
        self.owner_claim = claim.into();
        self
    }

    /// Verifies a token and returns its owner. With a JWKS URL, against the keys cached now
    /// (the [`Authenticator`] implementation also fetches them again when needed).
    pub fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let keys = match &self.keys {
            KeySource::Fixed(keys) => keys.clone(),
            KeySource::Remote(remote) => remote.cached_keys(),
        };
        self.verify_with(&keys, token).map_err(Failure::into_error)
    }

    /// Verifies a token, fetching the JWKS again when it expired or lacks the token's key.
    async fn verify_fresh(&self, token: &str) -> Result<Identity, AuthError> {
        let remote = match &self.keys {
            KeySource::Fixed(keys) => {
                return self.verify_with(keys, token).map_err(Failure::into_error)
            }
            KeySource::Remote(remote) => remote,
        };
        match self.verify_with(&remote.keys().await, token) {
            Err(Failure::NoKey) => match remote.keys_after_unknown_kid().await {
                Some(keys) => self.verify_with(&keys, token),
                None => Err(Failure::NoKey),
            },
            verified => verified,
        }
        .map_err(Failure::into_error)
    }

    fn verify_with(&self, keys: &[Key], token: &str) -> Result<Identity, Failure> {
        let header = decode_header(token)
            .map_err(|e| Failure::Rejected(AuthError::Rejected(format!("malformed token: {e}"))))?;
        let key = keys
            .iter()
            .find(|(kid, _, algorithm)| {
                *algorithm == header.alg && (kid.is_none() || *kid == header.kid)
            })
            .ok_or(Failure::NoKey)?;
        let mut validation = Validation::new(key.2);
        // Off by default in jsonwebtoken: a token must not be used before its `nbf`.
        validation.validate_nbf = true;
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
        }
        let claims = decode::<Value>(token, &key.1, &validation)
            .map_err(|e| Failure::Rejected(AuthError::Rejected(format!("invalid token: {e}"))))?
            .claims;
        let owner = claims[self.owner_claim.as_str()]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Failure::Rejected(AuthError::Rejected(format!(
                    "the token has no `{}` claim",
                    self.owner_claim
                )))
            })?;
        Ok(Identity::user(owner))
    }
}

impl Failure {
    fn into_error(self) -> AuthError {
        match self {
            Failure::NoKey => {
                AuthError::Rejected("no key matches the token's algorithm and key id".into())
            }
            Failure::Rejected(error) => error,
        }
    }
}

impl Authenticator for JwtAuth {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        Box::pin(async move {
            let token =
                bearer(request)?.ok_or(AuthError::Missing("`Authorization: Bearer <token>`"))?;
            self.verify_fresh(token).await
        })
    }
}

/// Anonymous chats, explicitly opted into: the owner is `guest:<id>` where the id comes from
/// the `x-guest-id` header (the chat page keeps a random one in local storage). Anyone who
/// knows a guest id can read that guest's conversations: use it for low-stakes chats only.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuestAuth;

impl Authenticator for GuestAuth {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        Box::pin(async move {
            let id = request
                .headers
                .get("x-guest-id")
                .and_then(|v| v.to_str().ok())
                .ok_or(AuthError::Missing("`x-guest-id` header"))?;
            let valid = (16..=64).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                return Err(AuthError::Rejected(
                    "`x-guest-id` must be 16–64 letters, digits or hyphens".into(),
                ));
            }
            Ok(Identity::guest(id))
        })
    }
}

/// A boxed authenticator, for picking one at run time (e.g. from configuration).
impl<A: Authenticator + ?Sized> Authenticator for Box<A> {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        (**self).authenticate(request)
    }
}

/// One authenticator shared by several routers (the API's and the MCP endpoint's).
impl<A: Authenticator + ?Sized> Authenticator for Arc<A> {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        (**self).authenticate(request)
    }
}

/// Tries a bearer-token authenticator when the request has an `Authorization` header, else the
/// other one (e.g. JWT for signed-in users, guests otherwise). A header that is malformed or
/// whose token fails is a 401, never a silent fall-back to guest.
pub struct AuthChain {
    with_token: Arc<dyn Authenticator>,
    without_token: Arc<dyn Authenticator>,
}

impl AuthChain {
    /// Uses `with_token` for requests with an `Authorization: Bearer` header, `without_token`
    /// for the others.
    pub fn new(with_token: impl Authenticator, without_token: impl Authenticator) -> Self {
        Self {
            with_token: Arc::new(with_token),
            without_token: Arc::new(without_token),
        }
    }
}

impl Authenticator for AuthChain {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        // Any `Authorization` header, even a malformed one, goes to the token side and is
        // refused there if bad: a client that meant to sign in must not become a guest.
        if request.headers.contains_key(header::AUTHORIZATION) {
            self.with_token.authenticate(request)
        } else {
            self.without_token.authenticate(request)
        }
    }
}

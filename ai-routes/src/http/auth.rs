//! Who is calling: an [`Authenticator`] turns a request into an owner.
//!
//! Built in: [`JwtAuth`] (HS256 shared secret, or RS256 keys from a JWKS document such as
//! Cognito's), [`GuestAuth`] (an explicit opt-in for anonymous chats) and [`AuthChain`].

use std::sync::Arc;

use axum::http::request::Parts;
use futures_util::future::BoxFuture;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The caller, as far as routes are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Conversations are scoped to this value.
    pub owner: String,
}

/// Why a request has no identity (answered with 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// Turns a request into an [`Identity`].
pub trait Authenticator: Send + Sync + 'static {
    /// The identity of the request, or why it has none (answered with 401).
    fn authenticate<'a>(&'a self, request: &'a Parts)
        -> BoxFuture<'a, Result<Identity, AuthError>>;
}

fn bearer(request: &Parts) -> Option<&str> {
    let value = request.headers.get("authorization")?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// Verifies `Authorization: Bearer <JWT>`; the owner is the `sub` claim (or another).
#[derive(Clone)]
pub struct JwtAuth {
    keys: Arc<Vec<(Option<String>, DecodingKey, Algorithm)>>,
    issuer: Option<String>,
    audience: Option<String>,
    owner_claim: String,
}

impl JwtAuth {
    /// HS256 tokens signed with a shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        Self::with_keys(vec![(
            None,
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
        )])
    }

    /// RS256 tokens whose keys are in a JWKS document (e.g. Cognito's
    /// `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json`, fetched
    /// at start-up). Keys are matched by `kid`.
    pub fn from_jwks(jwks_json: &str) -> Result<Self, AuthError> {
        let document: Value = serde_json::from_str(jwks_json)
            .map_err(|e| AuthError(format!("the JWKS document is not JSON: {e}")))?;
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
                .map_err(|e| AuthError(format!("a JWKS key is invalid: {e}")))?;
            keys.push((
                key["kid"].as_str().map(str::to_string),
                decoding,
                Algorithm::RS256,
            ));
        }
        if keys.is_empty() {
            return Err(AuthError("the JWKS document has no RSA keys".into()));
        }
        Ok(Self::with_keys(keys))
    }

    fn with_keys(keys: Vec<(Option<String>, DecodingKey, Algorithm)>) -> Self {
        Self {
            keys: Arc::new(keys),
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

    /// Verifies a token and returns its owner.
    pub fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let header =
            decode_header(token).map_err(|e| AuthError(format!("malformed token: {e}")))?;
        let key = self
            .keys
            .iter()
            .find(|(kid, _, algorithm)| {
                *algorithm == header.alg && (kid.is_none() || *kid == header.kid)
            })
            .ok_or_else(|| AuthError("no key matches the token's algorithm and key id".into()))?;
        let mut validation = Validation::new(key.2);
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
        }
        let claims = decode::<Value>(token, &key.1, &validation)
            .map_err(|e| AuthError(format!("invalid token: {e}")))?
            .claims;
        let owner = claims[self.owner_claim.as_str()]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError(format!("the token has no `{}` claim", self.owner_claim)))?;
        Ok(Identity {
            owner: owner.to_string(),
        })
    }
}

impl Authenticator for JwtAuth {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        Box::pin(async move {
            let token = bearer(request)
                .ok_or_else(|| AuthError("missing `Authorization: Bearer <token>`".into()))?;
            self.verify(token)
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
                .ok_or_else(|| AuthError("missing `x-guest-id` header".into()))?;
            let valid = (16..=64).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                return Err(AuthError(
                    "`x-guest-id` must be 16–64 letters, digits or hyphens".into(),
                ));
            }
            Ok(Identity {
                owner: format!("guest:{id}"),
            })
        })
    }
}

/// Tries a bearer-token authenticator when the request carries a token, else the next ones
/// (e.g. JWT for signed-in users, guests otherwise). A token that fails is a 401, never a
/// silent fall-back to guest.
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
        if bearer(request).is_some() {
            self.with_token.authenticate(request)
        } else {
            self.without_token.authenticate(request)
        }
    }
}

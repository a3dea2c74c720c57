//! Request rate limits of [`Api`](super::Api): per owner, per client IP, and for new guest
//! identities per IP. The counting is governor's (GCRA, keyed), in process memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::error::ApiError;

/// How many requests (or new guests) a key may make: `n` per period, in a burst of up to `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per: Period,
    n: NonZeroU32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Second,
    Minute,
    Hour,
}

impl RateLimit {
    /// `n` per second (0 is taken as 1).
    pub fn per_second(n: u32) -> Self {
        Self::new(Period::Second, n)
    }

    /// `n` per minute (0 is taken as 1).
    pub fn per_minute(n: u32) -> Self {
        Self::new(Period::Minute, n)
    }

    /// `n` per hour (0 is taken as 1).
    pub fn per_hour(n: u32) -> Self {
        Self::new(Period::Hour, n)
    }

    fn new(per: Period, n: u32) -> Self {
        Self {
            per,
            n: NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
        }
    }

    fn quota(self) -> Quota {
        match self.per {
            Period::Second => Quota::per_second(self.n),
            Period::Minute => Quota::per_minute(self.n),
            Period::Hour => Quota::per_hour(self.n),
        }
    }
}

/// What a refused request was over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limited {
    Owner,
    Ip,
    NewGuests,
}

impl Limited {
    fn error(self, retry_after: Duration) -> ApiError {
        let (code, what) = match self {
            Limited::Owner => ("rate_limited", "this caller sends too many requests"),
            Limited::Ip => ("rate_limited", "this address sends too many requests"),
            Limited::NewGuests => (
                "too_many_guests",
                "this address started too many guest sessions",
            ),
        };
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            format!("{what}; retry in {seconds} s"),
        )
        .with_retry_after(seconds.max(1))
    }
}

/// One keyed limiter, pruned now and then so that keys seen once do not stay forever.
struct Keyed<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU64,
    limited: Limited,
}

/// Checks between prunings of a keyed limiter's idle keys.
const PRUNE_EVERY: u64 = 4096;

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    fn new(limit: RateLimit, limited: Limited) -> Self {
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(limit.quota()),
            checks: AtomicU64::new(0),
            limited,
        }
    }

    fn check(&self, key: &K) -> Result<(), ApiError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            self.limited
                .error(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }
}

/// How long a guest id counts as known (not new) after its last request.
const GUEST_MEMORY: Duration = Duration::from_secs(24 * 60 * 60);
/// Known guests kept at most; past it the ones idle longest are forgotten first.
const MAX_KNOWN_GUESTS: usize = 1_000_000;

/// The rate limits of an API.
#[derive(Default)]
pub(super) struct RateLimits {
    per_owner: Option<Keyed<String>>,
    per_ip: Option<Keyed<IpAddr>>,
    new_guests_per_ip: Option<Keyed<IpAddr>>,
    /// Guest owners seen recently, and when: a guest id not in here is a new guest.
    known_guests: Mutex<HashMap<String, Instant>>,
}

impl RateLimits {
    pub(super) fn set_per_owner(&mut self, limit: RateLimit) {
        self.per_owner = Some(Keyed::new(limit, Limited::Owner));
    }

    pub(super) fn set_per_ip(&mut self, limit: RateLimit) {
        self.per_ip = Some(Keyed::new(limit, Limited::Ip));
    }

    pub(super) fn set_new_guests_per_ip(&mut self, limit: RateLimit) {
        self.new_guests_per_ip = Some(Keyed::new(limit, Limited::NewGuests));
    }

    /// Whether any limit needs the client's address.
    pub(super) fn needs_ip(&self) -> bool {
        self.per_ip.is_some() || self.new_guests_per_ip.is_some()
    }

    /// Every request, before authentication (so that failed attempts count too).
    pub(super) fn check_ip(&self, ip: IpAddr) -> Result<(), ApiError> {
        match &self.per_ip {
            Some(limiter) => limiter.check(&ip),
            None => Ok(()),
        }
    }

    /// An authenticated request; `guest` when the identity is a guest.
    pub(super) fn check_owner(
        &self,
        owner: &str,
        guest: bool,
        ip: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        if guest {
            if let (Some(limiter), Some(ip)) = (&self.new_guests_per_ip, ip) {
                self.check_new_guest(limiter, owner, ip)?;
            }
        }
        match &self.per_owner {
            Some(limiter) => limiter.check(&owner.to_string()),
            None => Ok(()),
        }
    }

    /// A guest id the server has not seen lately is a new guest, minted by the client: each
    /// address may mint so many (a client could otherwise dodge the per-owner limit, and the
    /// conversation cap, with a fresh id per request).
    fn check_new_guest(
        &self,
        limiter: &Keyed<IpAddr>,
        owner: &str,
        ip: IpAddr,
    ) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut known = self
            .known_guests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(seen) = known.get_mut(owner) {
            if now.duration_since(*seen) < GUEST_MEMORY {
                *seen = now;
                return Ok(());
            }
        }
        limiter.check(&ip)?;
        if known.len() >= MAX_KNOWN_GUESTS {
            known.retain(|_, seen| now.duration_since(*seen) < GUEST_MEMORY / 24);
            if known.len() >= MAX_KNOWN_GUESTS {
                known.clear();
            }
        }
        known.insert(owner.to_string(), now);
        Ok(())
    }
}

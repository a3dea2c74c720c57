//! Limits that hold across a fleet: token budgets, concurrency caps and per-owner spending
//! caps counted in a store every process shares, instead of in each process's memory (where N
//! servers allow N times each limit). Set one with
//! [`ClientBuilder::shared_limits`](crate::ClientBuilder::shared_limits); the limits
//! themselves are the builder's usual options (`tokens_per_minute`,
//! `max_concurrency_per_model`, `spending_cap_per_owner`).
//!
//! [`DynamoDbLimits`] (feature `dynamodb`) is the built-in backend.

#[cfg(feature = "dynamodb")]
mod dynamodb;

use std::time::Duration;

use futures_util::future::BoxFuture;

#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoDbLimits, DEFAULT_SLOT_LEASE};

/// Why the shared limits store could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SharedLimitsError {
    /// The store answered with an error or not at all (the text says which).
    #[error("the shared limits store failed: {0}")]
    Backend(String),
}

/// The answer to a spend reservation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpendGrant {
    /// The estimate is reserved: settle it with the call's actual cost.
    Reserved,
    /// The owner's spent and reserved USD already reach the cap. When `spent_usd` alone is
    /// below it, calls in flight hold the rest: their settling may leave room.
    CapReached {
        /// USD of the owner's finished calls.
        spent_usd: f64,
        /// Spent plus the estimates of the owner's calls in flight.
        committed_usd: f64,
    },
}

/// The answer to a token reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenGrant {
    /// Taken from the budget of `window` (settle in the same window).
    Taken {
        /// The budget window the tokens were taken from (minutes since the epoch).
        window: u64,
    },
    /// The window's budget is used up: try again after this long.
    Full {
        /// When the next window starts.
        retry_after: Duration,
    },
}

/// What an owner has spent, fleet-wide.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OwnerSpend {
    /// USD of finished calls.
    pub spent_usd: f64,
    /// Spent plus the estimates of calls in flight: what the cap is checked against.
    pub committed_usd: f64,
}

/// A concurrency slot held by a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLease {
    /// The model id the slot limits.
    pub model: String,
    /// The slot's number, below the model's concurrency cap.
    pub slot: usize,
    /// Who holds it (a random id per lease), so that only the holder releases it.
    pub holder: String,
}

/// A store of fleet-wide counters. Each operation must be atomic across processes (e.g. a
/// conditional write): two processes racing for the last unit of room must not both get it.
pub trait SharedLimits: Send + Sync + 'static {
    /// Reserves `estimate_usd` for a call of `owner` if the owner's committed USD (spent plus
    /// reservations) is below `cap_usd`.
    fn reserve_spend<'a>(
        &'a self,
        owner: &'a str,
        cap_usd: f64,
        estimate_usd: f64,
    ) -> BoxFuture<'a, Result<SpendGrant, SharedLimitsError>>;

    /// Replaces a reservation with the call's actual cost (`actual_usd` 0 for a call that
    /// was not made or reported nothing).
    fn settle_spend<'a>(
        &'a self,
        owner: &'a str,
        estimate_usd: f64,
        actual_usd: f64,
    ) -> BoxFuture<'a, Result<(), SharedLimitsError>>;

    /// What `owner` has spent and committed.
    fn owner_spend<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<OwnerSpend, SharedLimitsError>>;

    /// Takes `tokens` from the budget `budget` of `per_minute` tokens, if the current
    /// window has room left.
    fn take_tokens<'a>(
        &'a self,
        budget: &'a str,
        per_minute: u64,
        tokens: u64,
    ) -> BoxFuture<'a, Result<TokenGrant, SharedLimitsError>>;

    /// Replaces tokens taken in `window` with the tokens the model reported.
    fn settle_tokens<'a>(
        &'a self,
        budget: &'a str,
        window: u64,
        estimate: u64,
        actual: u64,
    ) -> BoxFuture<'a, Result<(), SharedLimitsError>>;

    /// One of `max` concurrency slots of `model`, or `None` when all are held.
    fn acquire_slot<'a>(
        &'a self,
        model: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Option<SlotLease>, SharedLimitsError>>;

    /// Gives a slot back.
    fn release_slot(&self, lease: SlotLease) -> BoxFuture<'_, Result<(), SharedLimitsError>>;
}

//! Client-side retries and limits: exponential backoff with full jitter, a concurrency
//! limit per model and an optional tokens-per-minute budget, so a burst of calls queues
//! in the process instead of turning into a storm of 429s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::shared_limits::{SharedLimits, SlotLease, TokenGrant};

/// How ai-routes retries a model call that failed with a throttling or transient error
/// (`ThrottlingException`, `ServiceUnavailableException`, `InternalServerException`,
/// `ModelNotReadyException`, timeouts, transport errors, a stream that broke before its
/// first event was delivered). This is on top of the AWS SDK's own retries: every attempt
/// here is one SDK call, which may itself retry.
///
/// The wait before attempt `n + 1` is a random duration in
/// `0..=min(max_backoff, initial_backoff * 2^(n-1))` ("full jitter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retries). At least 1.
    pub max_attempts: u32,
    /// Upper bound of the first wait (before attempt 2); doubled for each further attempt.
    pub initial_backoff: Duration,
    /// Cap on the exponentially growing upper bound of the wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 250 ms initial backoff, at most 8 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// One attempt: rely on the SDK's retries only.
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// The (jittered) wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Which calls a tokens-per-minute budget covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetScope {
    /// Every call of the client, whatever the model.
    AllModels,
    /// Calls to one model: a catalog name, a model id or an inference-profile id. A
    /// catalog model's budget covers its bare id and all of its inference profiles.
    Model(String),
}

impl From<&str> for BudgetScope {
    fn from(model: &str) -> Self {
        BudgetScope::Model(model.to_string())
    }
}

impl From<String> for BudgetScope {
    fn from(model: String) -> Self {
        BudgetScope::Model(model)
    }
}

/// A token bucket of `per_minute` tokens, refilled continuously. A call takes its
/// estimate up front (waiting while the bucket is empty) and settles with the usage the
/// model reported, so the level follows what Bedrock actually counted.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    per_minute: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(per_minute: u64) -> Self {
        let per_minute = per_minute.max(1) as f64;
        Self {
            per_minute,
            state: Mutex::new((per_minute, Instant::now())),
        }
    }

    fn refill(&self, state: &mut (f64, Instant)) {
        let now = Instant::now();
        let elapsed = now.duration_since(state.1).as_secs_f64();
        state.0 = (state.0 + elapsed * self.per_minute / 60.0).min(self.per_minute);
        state.1 = now;
    }

    /// Waits until the bucket has tokens, then takes `estimate` (the level may go below
    /// zero: the next callers wait for the refill).
    pub(crate) async fn take(&self, estimate: u64) {
        loop {
            let wait = {
                let mut state = self.state.lock().expect("token bucket");
                self.refill(&mut state);
                if state.0 > 0.0 {
                    state.0 -= estimate as f64;
                    return;
                }
                let deficit = -state.0 + 1.0;
                Duration::from_secs_f64(deficit * 60.0 / self.per_minute)
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "tokens-per-minute budget exhausted; waiting"
            );
            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
        }
    }

    /// Replaces the estimate taken by [`take`](Self::take) with the reported usage.
    pub(crate) fn settle(&self, estimate: u64, actual: u64) {
        let mut state = self.state.lock().expect("token bucket");
        self.refill(&mut state);
        state.0 += estimate as f64 - actual as f64;
        state.0 = state.0.min(self.per_minute);
    }

    /// The budget per minute, for a shared store.
    fn per_minute(&self) -> u64 {
        self.per_minute as u64
    }

    /// Tokens available now (negative when in debt).
    pub(crate) fn level(&self) -> f64 {
        let mut state = self.state.lock().expect("token bucket");
        self.refill(&mut state);
        state.0
    }
}

/// The limits of one client, shared by its clones.
#[derive(Default)]
pub(crate) struct Limits {
    pub(crate) max_concurrency_per_model: Option<usize>,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
    all_models: Option<TokenBucket>,
    /// Keyed by catalog model id when the scope named a catalog model, else by the id as
    /// written.
    per_model: HashMap<String, TokenBucket>,
    /// When set, the budgets and concurrency caps are counted there, fleet-wide, instead of
    /// in `semaphores` and the buckets.
    shared: Option<Arc<dyn SharedLimits>>,
}

/// Runs a shared-store write in the background: settling and releasing happen when a call
/// ends, often in `Drop`, which cannot wait.
pub(crate) fn spawn_settle(
    what: &'static str,
    future: impl std::future::Future<Output = Result<(), crate::shared_limits::SharedLimitsError>>
        + Send
        + 'static,
) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                if let Err(error) = future.await {
                    tracing::warn!(%error, what, "updating the shared limits failed");
                }
            });
        }
        Err(_) => tracing::warn!(what, "no Tokio runtime to update the shared limits"),
    }
}

/// What a call holds in a shared store: budget windows it took `estimate` tokens from, and
/// its slot. Dropped, it gives back what was not settled and releases the slot, also when
/// the call is abandoned half-way through its admission (a deadline).
struct SharedAdmission {
    limits: Arc<dyn SharedLimits>,
    estimate: u64,
    windows: Vec<(String, u64)>,
    slot: Option<SlotLease>,
    settled: bool,
}

impl SharedAdmission {
    fn settle(&mut self, actual_tokens: u64) {
        if std::mem::replace(&mut self.settled, true) {
            return;
        }
        for (budget, window) in &self.windows {
            let (limits, budget, window) = (self.limits.clone(), budget.clone(), *window);
            let estimate = self.estimate;
            spawn_settle("settle tokens", async move {
                limits
                    .settle_tokens(&budget, window, estimate, actual_tokens)
                    .await
            });
        }
    }
}

impl Drop for SharedAdmission {
    fn drop(&mut self) {
        self.settle(0);
        if let Some(slot) = self.slot.take() {
            let limits = self.limits.clone();
            spawn_settle(
                "release slot",
                async move { limits.release_slot(slot).await },
            );
        }
    }
}

/// What a call holds while it runs: its concurrency slot, its budget reservations and its
/// spend reservation.
pub(crate) struct Admission<'a> {
    _permit: Option<OwnedSemaphorePermit>,
    buckets: Vec<&'a TokenBucket>,
    estimate: u64,
    settled: bool,
    shared: Option<SharedAdmission>,
    pub(crate) spend: Option<crate::client::SpendReservation>,
}

impl Admission<'_> {
    /// Settles the budget with the tokens the model reported.
    pub(crate) fn settle(&mut self, actual_tokens: u64) {
        self.settle_tokens(actual_tokens);
        self.settled = true;
    }

    /// Settles the spend reservation with the call's cost.
    pub(crate) fn settle_spend(&mut self, actual_usd: f64) {
        if let Some(spend) = self.spend.take() {
            spend.settle(actual_usd);
        }
    }

    fn settle_tokens(&mut self, actual_tokens: u64) {
        for bucket in &self.buckets {
            bucket.settle(self.estimate, actual_tokens);
        }
        if let Some(shared) = &mut self.shared {
            shared.settle(actual_tokens);
        }
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        // A call that failed without reported usage gives its estimate back. The shared
        // admission and the spend reservation (fields) do the same for theirs when dropped.
        if !self.settled {
            self.settle_tokens(0);
        }
    }
}

/// The wait before asking a shared store for a slot again: growing, jittered, at most 1 s.
fn slot_backoff(tries: u32) -> Duration {
    let ceiling = 20u64.saturating_mul(1 << tries.min(6)).min(1000);
    Duration::from_millis(fastrand::u64(ceiling / 2..=ceiling))
}

impl Limits {
    pub(crate) fn new(
        max_concurrency_per_model: Option<usize>,
        budgets: Vec<(BudgetScope, u64)>,
        shared: Option<Arc<dyn SharedLimits>>,
    ) -> Self {
        let mut limits = Limits {
            max_concurrency_per_model: max_concurrency_per_model.map(|n| n.max(1)),
            shared,
            ..Limits::default()
        };
        for (scope, per_minute) in budgets {
            match scope {
                BudgetScope::AllModels => limits.all_models = Some(TokenBucket::new(per_minute)),
                BudgetScope::Model(model) => {
                    let key = ai_routes_catalog::resolve(&model)
                        .filter(|r| {
                            !matches!(r.via, ai_routes_catalog::ResolvedVia::InferenceProfile(_))
                        })
                        .map(|r| r.model.id.to_string())
                        .unwrap_or(model);
                    limits.per_model.insert(key, TokenBucket::new(per_minute));
                }
            }
        }
        limits
    }

    fn semaphore(&self, invoke_id: &str) -> Option<Arc<Semaphore>> {
        let limit = self.max_concurrency_per_model?;
        let mut semaphores = self.semaphores.lock().expect("semaphores");
        Some(
            semaphores
                .entry(invoke_id.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(limit)))
                .clone(),
        )
    }

    /// Budgets covering a call to `invoke_id` (catalog model `catalog_id`), with their names
    /// in a shared store.
    fn buckets(&self, invoke_id: &str, catalog_id: Option<&str>) -> Vec<(&str, &TokenBucket)> {
        let mut buckets: Vec<(&str, &TokenBucket)> =
            self.all_models.iter().map(|b| ("all-models", b)).collect();
        if let Some(named) = self
            .per_model
            .get_key_value(invoke_id)
            .or_else(|| catalog_id.and_then(|id| self.per_model.get_key_value(id)))
        {
            buckets.push((named.0.as_str(), named.1));
        }
        buckets
    }

    /// Waits for a fleet-wide concurrency slot and budget room. A store that fails lets the
    /// call through (logged): Bedrock's own quotas still hold, and an outage of the store must
    /// not stop every model call. Spending caps, which are money, fail closed instead.
    async fn admit_shared(
        &self,
        shared: &Arc<dyn SharedLimits>,
        invoke_id: &str,
        catalog_id: Option<&str>,
        estimate: u64,
    ) -> SharedAdmission {
        let mut admission = SharedAdmission {
            limits: shared.clone(),
            estimate,
            windows: Vec::new(),
            slot: None,
            settled: false,
        };
        if let Some(max) = self.max_concurrency_per_model {
            let mut tries = 0;
            loop {
                match shared.acquire_slot(invoke_id, max).await {
                    Ok(Some(lease)) => {
                        admission.slot = Some(lease);
                        break;
                    }
                    Ok(None) => {
                        tokio::time::sleep(slot_backoff(tries)).await;
                        tries += 1;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "no shared concurrency slot; calling without");
                        break;
                    }
                }
            }
        }
        for (budget, bucket) in self.buckets(invoke_id, catalog_id) {
            loop {
                match shared
                    .take_tokens(budget, bucket.per_minute(), estimate)
                    .await
                {
                    Ok(TokenGrant::Taken { window }) => {
                        admission.windows.push((budget.to_string(), window));
                        break;
                    }
                    Ok(TokenGrant::Full { retry_after }) => {
                        tracing::debug!(
                            budget,
                            wait_ms = retry_after.as_millis() as u64,
                            "shared tokens-per-minute budget exhausted; waiting"
                        );
                        // Spread out, so that the fleet does not retry all at once.
                        let jitter = Duration::from_millis(fastrand::u64(0..=250));
                        tokio::time::sleep(retry_after + jitter).await;
                    }
                    Err(error) => {
                        tracing::warn!(%error, budget, "shared budget unavailable; calling without");
                        break;
                    }
                }
            }
        }
        admission
    }

    /// Waits for a concurrency slot for the model, then for budget.
    pub(crate) async fn admit(
        &self,
        invoke_id: &str,
        catalog_id: Option<&str>,
        estimate: u64,
    ) -> Admission<'_> {
        if let Some(shared) = &self.shared {
            let shared = self
                .admit_shared(shared, invoke_id, catalog_id, estimate)
                .await;
            return Admission {
                _permit: None,
                buckets: Vec::new(),
                estimate,
                settled: false,
                shared: Some(shared),
                spend: None,
            };
        }
        let permit = match self.semaphore(invoke_id) {
            Some(semaphore) => Some(
                semaphore
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed"),
            ),
            None => None,
        };
        let buckets: Vec<&TokenBucket> = self
            .buckets(invoke_id, catalog_id)
            .into_iter()
            .map(|(_, bucket)| bucket)
            .collect();
        for bucket in &buckets {
            bucket.take(estimate).await;
        }
        Admission {
            _permit: permit,
            buckets,
            estimate,
            settled: false,
            shared: None,
            spend: None,
        }
    }

    /// Calls to `invoke_id` running now (when a concurrency limit is set).
    pub(crate) fn in_flight(&self, invoke_id: &str) -> Option<usize> {
        let limit = self.max_concurrency_per_model?;
        let semaphores = self.semaphores.lock().expect("semaphores");
        Some(
            semaphores
                .get(invoke_id)
                .map(|s| limit - s.available_permits())
                .unwrap_or(0),
        )
    }

    /// Tokens left in the budget covering `model` (None without such a budget).
    pub(crate) fn budget_level(&self, scope: &BudgetScope) -> Option<f64> {
        match scope {
            BudgetScope::AllModels => self.all_models.as_ref().map(TokenBucket::level),
            BudgetScope::Model(model) => {
                let key = ai_routes_catalog::resolve(model)
                    .map(|r| r.model.id)
                    .unwrap_or(model);
                self.per_model
                    .get(key)
                    .or_else(|| self.per_model.get(model.as_str()))
                    .map(TokenBucket::level)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_under_an_exponential_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        for _ in 0..200 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(3) <= Duration::from_millis(400));
            assert!(policy.backoff(10) <= Duration::from_millis(500));
        }
        assert_eq!(RetryPolicy::none().backoff(3), Duration::ZERO);
    }

    #[tokio::test]
    async fn token_bucket_waits_for_refill_and_settles_with_usage() {
        let bucket = TokenBucket::new(6_000); // 100 tokens per second
        bucket.take(6_100).await;
        assert!(bucket.level() < 0.0);
        let started = Instant::now();
        bucket.take(10).await;
        assert!(started.elapsed() >= Duration::from_millis(5));
        bucket.settle(10, 0);
        // Settling above the capacity is capped.
        bucket.settle(1_000_000, 0);
        assert!(bucket.level() <= 6_000.0);
    }
}

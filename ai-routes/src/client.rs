//! The Bedrock client every route call goes through.

use ai_routes_catalog::ServiceTier;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;

use crate::error::{Error, Result};
use crate::limits::{BudgetScope, Limits, RetryPolicy};
use crate::metering::{Ledger, UsageEvent, UsageSink};
use crate::route_check::{check_route, check_schemas, RouteCheck, RouteCheckError};
use crate::shared_limits::{SharedLimits, SpendGrant};

/// A cheap-to-clone handle on an `aws_sdk_bedrockruntime::Client` and its region, with the
/// production settings every route call goes through: retries, per-model concurrency,
/// tokens-per-minute budgets, attempt timeout, usage sinks and per-owner spending caps.
///
/// Routes that declare their own `region` get a client for that region derived from this
/// one (same credentials and settings), created once and reused.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// The owner generation calls are made for ([`Client::for_owner`]).
    owner: Option<Arc<str>>,
    /// The service tier every call through this client asks for
    /// ([`Client::with_service_tier`]).
    service_tier: Option<ServiceTier>,
}

struct Inner {
    sdk: aws_sdk_bedrockruntime::Client,
    region: String,
    regional: Mutex<HashMap<String, aws_sdk_bedrockruntime::Client>>,
    settings: Settings,
    limits: Limits,
    ledger: Ledger,
}

pub(crate) struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) log_content: bool,
    pub(crate) spending_cap_per_owner: Option<f64>,
    pub(crate) sinks: Vec<Arc<dyn UsageSink>>,
    pub(crate) shared: Option<Arc<dyn SharedLimits>>,
}

/// Builds a [`Client`]: `Client::builder(sdk).retry(..).max_concurrency_per_model(..).build()`.
///
/// Every setting is optional; [`Client::builder`] shows them together.
pub struct ClientBuilder {
    sdk: aws_sdk_bedrockruntime::Client,
    retry: RetryPolicy,
    max_concurrency_per_model: Option<usize>,
    budgets: Vec<(BudgetScope, u64)>,
    attempt_timeout: Option<Duration>,
    log_content: bool,
    spending_cap_per_owner: Option<f64>,
    sinks: Vec<Arc<dyn UsageSink>>,
    shared: Option<Arc<dyn SharedLimits>>,
}

impl ClientBuilder {
    /// Retries on throttling and transient errors, on top of the SDK's own (default:
    /// [`RetryPolicy::default`], 3 attempts; [`RetryPolicy::none`] to rely on the SDK only).
    ///
    /// ```
    /// # use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    /// # let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    /// #     aws_sdk_bedrockruntime::Config::builder()
    /// #         .behavior_version(BehaviorVersion::latest())
    /// #         .region(Region::new("us-east-1"))
    /// #         .build(),
    /// # );
    /// use std::time::Duration;
    /// use ai_routes::{Client, RetryPolicy};
    ///
    /// let ai = Client::builder(sdk)
    ///     .retry(RetryPolicy {
    ///         max_attempts: 5,
    ///         initial_backoff: Duration::from_millis(500),
    ///         max_backoff: Duration::from_secs(20),
    ///     })
    ///     .build();
    /// assert_eq!(ai.retry_policy().max_attempts, 5);
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            max_attempts: policy.max_attempts.max(1),
            ..policy
        };
        self
    }

    /// At most `n` calls in flight per model id; further calls queue in the process
    /// instead of being throttled by Bedrock. Default: unlimited.
    ///
    /// ```
    /// # use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    /// # let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    /// #     aws_sdk_bedrockruntime::Config::builder()
    /// #         .behavior_version(BehaviorVersion::latest())
    /// #         .region(Region::new("us-east-1"))
    /// #         .build(),
    /// # );
    /// let ai = ai_routes::Client::builder(sdk).max_concurrency_per_model(8).build();
    /// assert_eq!(ai.in_flight("amazon.nova-lite-v1:0"), Some(0));
    /// ```
    pub fn max_concurrency_per_model(mut self, n: usize) -> Self {
        self.max_concurrency_per_model = Some(n.max(1));
        self
    }

    /// A client-side tokens-per-minute budget for one model (`"Amazon Nova Lite"`, a model
    /// id or a profile id) or for [`BudgetScope::AllModels`]. A call reserves its
    /// estimated input plus `max_tokens` before it is made (waiting while the budget is
    /// empty, as Bedrock's own quota does) and is settled with the tokens Bedrock reported
    /// (input, output and cache writes). Several budgets can be set; a call waits for each
    /// that covers it.
    ///
    /// ```
    /// # use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    /// # let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    /// #     aws_sdk_bedrockruntime::Config::builder()
    /// #         .behavior_version(BehaviorVersion::latest())
    /// #         .region(Region::new("us-east-1"))
    /// #         .build(),
    /// # );
    /// use ai_routes::{BudgetScope, Client};
    ///
    /// let ai = Client::builder(sdk)
    ///     .tokens_per_minute("Claude Haiku 4.5", 200_000)
    ///     .tokens_per_minute(BudgetScope::AllModels, 1_000_000)
    ///     .build();
    /// assert_eq!(ai.budget_left("Claude Haiku 4.5"), Some(200_000.0));
    /// assert_eq!(ai.budget_left("Amazon Nova Lite"), None);
    /// ```
    pub fn tokens_per_minute(mut self, scope: impl Into<BudgetScope>, tokens: u64) -> Self {
        self.budgets.push((scope.into(), tokens));
        self
    }

    /// A time limit for each model call attempt (for ConverseStream: for the response to
    /// start and for each event). Default: none beyond the SDK's configuration.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Records prompts and model outputs in the tracing spans (`gen_ai.input.messages`,
    /// `gen_ai.output.messages`). Off by default: they may hold personal data.
    pub fn log_content(mut self, enabled: bool) -> Self {
        self.log_content = enabled;
        self
    }

    /// Adds a sink that receives a [`UsageEvent`] for every model call (e.g. a
    /// [`UsageMeter`](crate::UsageMeter), or a closure exporting metrics).
    ///
    /// ```
    /// # use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    /// # let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    /// #     aws_sdk_bedrockruntime::Config::builder()
    /// #         .behavior_version(BehaviorVersion::latest())
    /// #         .region(Region::new("us-east-1"))
    /// #         .build(),
    /// # );
    /// use ai_routes::{Client, UsageEvent, UsageMeter};
    ///
    /// let meter = UsageMeter::new();
    /// let ai = Client::builder(sdk)
    ///     .usage_sink(meter.clone())
    ///     .usage_sink(|event: &UsageEvent| {
    ///         println!("{} on {}: ${:.6}", event.route, event.model_id, event.usage.cost_usd)
    ///     })
    ///     .build();
    /// ```
    pub fn usage_sink(mut self, sink: impl UsageSink) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// Refuses a call, before it is made, once its owner has spent `usd` through this
    /// client, with [`Error::SpendingCapReached`]. Owners are conversation owners and the
    /// owner set with [`Client::for_owner`] for generation routes; calls without an owner
    /// are not capped. The tally is in memory, per process: seed it with
    /// [`Client::set_owner_spent`] (e.g. from your billing store) after a restart.
    ///
    /// ```
    /// # use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    /// # let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    /// #     aws_sdk_bedrockruntime::Config::builder()
    /// #         .behavior_version(BehaviorVersion::latest())
    /// #         .region(Region::new("us-east-1"))
    /// #         .build(),
    /// # );
    /// let ai = ai_routes::Client::builder(sdk).spending_cap_per_owner(2.50).build();
    ///
    /// // After a restart: what each owner has already spent, from your own records.
    /// ai.set_owner_spent("user-42", 2.75);
    /// assert_eq!(ai.owner_spent("user-42"), 2.75);
    /// // The next call for user-42 fails with Error::SpendingCapReached before reaching
    /// // Bedrock: `plan_recipe(&ai.for_owner("user-42"), ..)`.
    /// ```
    pub fn spending_cap_per_owner(mut self, usd: f64) -> Self {
        self.spending_cap_per_owner = Some(usd);
        self
    }

    /// Counts the limits set with [`tokens_per_minute`](Self::tokens_per_minute),
    /// [`max_concurrency_per_model`](Self::max_concurrency_per_model) and
    /// [`spending_cap_per_owner`](Self::spending_cap_per_owner) in a store every process
    /// shares (e.g. [`DynamoDbLimits`](crate::shared_limits::DynamoDbLimits)), so that they
    /// hold across a fleet instead of per process. A call reserves its estimated cost
    /// (input estimate and `max_tokens` at list prices) before it is made, and is refused
    /// once the owner's spent and reserved USD reach the cap, so the fleet overshoots the cap
    /// by at most the last admitted call. When the store fails, spending-capped calls fail
    /// with [`Error::SharedLimits`]; budgets and concurrency let calls through (logged).
    pub fn shared_limits(mut self, limits: impl SharedLimits) -> Self {
        self.shared = Some(Arc::new(limits));
        self
    }

    /// Finishes the builder into a [`Client`]. The client's region is the SDK client's region
    /// (`us-east-1` when the SDK configuration has none).
    pub fn build(self) -> Client {
        let region = self
            .sdk
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        Client {
            inner: Arc::new(Inner {
                sdk: self.sdk,
                region,
                regional: Mutex::new(HashMap::new()),
                settings: Settings {
                    retry: self.retry,
                    attempt_timeout: self.attempt_timeout,
                    log_content: self.log_content,
                    spending_cap_per_owner: self.spending_cap_per_owner,
                    sinks: self.sinks,
                    shared: self.shared.clone(),
                },
                limits: Limits::new(self.max_concurrency_per_model, self.budgets, self.shared),
                ledger: Ledger::default(),
            }),
            owner: None,
            service_tier: None,
        }
    }
}

/// How long a call waits for other calls' spend reservations to settle before it is refused.
const SPEND_RESERVATION_WAIT: Duration = Duration::from_secs(30);

/// A call's estimated cost, reserved in the shared limits until the call ends. Dropped
/// unsettled (the call failed, or never started), it gives the estimate back.
pub(crate) struct SpendReservation {
    limits: Arc<dyn SharedLimits>,
    owner: String,
    estimate_usd: f64,
    settled: bool,
}

impl SpendReservation {
    /// Replaces the estimate with the actual cost, in the background.
    pub(crate) fn settle(mut self, actual_usd: f64) {
        self.spawn_settle(actual_usd);
    }

    fn spawn_settle(&mut self, actual_usd: f64) {
        if std::mem::replace(&mut self.settled, true) {
            return;
        }
        let (limits, owner, estimate_usd) =
            (self.limits.clone(), self.owner.clone(), self.estimate_usd);
        crate::limits::spawn_settle("settle spend", async move {
            limits.settle_spend(&owner, estimate_usd, actual_usd).await
        });
    }
}

impl Drop for SpendReservation {
    fn drop(&mut self) {
        self.spawn_settle(0.0);
    }
}

/// Attempt timeout used by [`Client::from_env`]: long outputs from large models take
/// minutes, but a hung connection must not hang a route forever (the SDK sets none).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);

impl Client {
    /// Wraps an SDK client with the default settings (3 attempts on throttling and
    /// transient errors, no client-side limits). Its region decides which models are
    /// callable on demand.
    pub fn new(sdk: aws_sdk_bedrockruntime::Client) -> Self {
        Self::builder(sdk).build()
    }

    /// Starts a client with production settings: the SDK client decides the Region and
    /// credentials, the builder adds ai-routes' own limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ai_routes::{Client, RetryPolicy, UsageMeter};
    /// use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    ///
    /// // Usually `aws_sdk_bedrockruntime::Client::new(&aws_config::load_defaults(..).await)`.
    /// let sdk = aws_sdk_bedrockruntime::Client::from_conf(
    ///     aws_sdk_bedrockruntime::Config::builder()
    ///         .behavior_version(BehaviorVersion::latest())
    ///         .region(Region::new("us-west-2"))
    ///         .build(),
    /// );
    /// let meter = UsageMeter::new();
    /// let ai = Client::builder(sdk)
    ///     .retry(RetryPolicy::default())
    ///     .max_concurrency_per_model(16)
    ///     .tokens_per_minute("Claude Haiku 4.5", 400_000)
    ///     .attempt_timeout(Duration::from_secs(120))
    ///     .usage_sink(meter.clone())
    ///     .spending_cap_per_owner(5.0)
    ///     .build();
    /// assert_eq!(ai.region(), "us-west-2");
    /// ```
    pub fn builder(sdk: aws_sdk_bedrockruntime::Client) -> ClientBuilder {
        ClientBuilder {
            sdk,
            retry: RetryPolicy::default(),
            max_concurrency_per_model: None,
            budgets: Vec::new(),
            attempt_timeout: None,
            log_content: false,
            spending_cap_per_owner: None,
            sinks: Vec::new(),
            shared: None,
        }
    }

    /// The same client (same settings, limits and tallies) making generation calls for
    /// `owner`: their usage is reported with this owner and counts against its spending
    /// cap. `plan_recipe(&ai.for_owner(&user_id), ..)`.
    pub fn for_owner(&self, owner: impl Into<String>) -> Client {
        Client {
            inner: self.inner.clone(),
            owner: Some(Arc::from(owner.into())),
            service_tier: self.service_tier,
        }
    }

    /// The same client making every call in service tier `tier`, whatever the routes
    /// declare (`service_tier = ...`): `plan_recipe(&ai.with_service_tier(ServiceTier::Flex), ..)`
    /// for work that can wait, at about half the price. The cost is computed for the tier
    /// Bedrock reports back. A route whose model is not offered in `tier` fails with
    /// [`Error::ServiceTierUnavailable`](crate::Error::ServiceTierUnavailable) before any call
    /// is made.
    ///
    /// ```
    /// # async fn run() -> ai_routes::Result<()> {
    /// use ai_routes::{Client, ServiceTier};
    /// let ai = Client::from_env().await?;
    /// let nightly = ai.with_service_tier(ServiceTier::Flex);
    /// assert_eq!(nightly.service_tier(), Some(ServiceTier::Flex));
    /// # Ok(()) }
    /// ```
    pub fn with_service_tier(&self, tier: ServiceTier) -> Client {
        Client {
            inner: self.inner.clone(),
            owner: self.owner.clone(),
            service_tier: Some(tier),
        }
    }

    /// The tier set with [`Client::with_service_tier`].
    pub fn service_tier(&self) -> Option<ServiceTier> {
        self.service_tier
    }

    /// The owner set with [`Client::for_owner`].
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// USD spent by `owner` through this client (and its clones) since it was built.
    pub fn owner_spent(&self, owner: &str) -> f64 {
        self.inner.ledger.spent(owner)
    }

    /// Sets what `owner` has spent, e.g. from a billing store at start-up.
    pub fn set_owner_spent(&self, owner: &str, usd: f64) {
        self.inner.ledger.set(owner, usd)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.settings.retry
    }

    /// Calls to `model_id` in flight now (`None` without a concurrency limit).
    pub fn in_flight(&self, model_id: &str) -> Option<usize> {
        self.inner.limits.in_flight(model_id)
    }

    /// Tokens left in the tokens-per-minute budget of `scope` (negative while calls are in
    /// debt; `None` without such a budget).
    pub fn budget_left(&self, scope: impl Into<BudgetScope>) -> Option<f64> {
        self.inner.limits.budget_level(&scope.into())
    }

    /// Checks routes against this client's region before the first call: the model (or
    /// inference profile) must be callable from the route's region, and its result type
    /// (strict tools' inputs) must fit Bedrock's JSON-schema subset when it is sent as
    /// native structured output (strict). Returns every problem
    /// with its fix. Generation routes are their `*_ROUTE` statics, conversation routes
    /// their `SPEC` constants: `ai.check_routes(&[&PLAN_RECIPE_ROUTE, &ShopAssistant::SPEC])`.
    pub fn check_routes(&self, routes: &[&dyn RouteCheck]) -> Result<(), RouteCheckError> {
        let problems: Vec<_> = routes
            .iter()
            .flat_map(|route| {
                check_route(&route.route_info(), self.region())
                    .into_iter()
                    .chain(check_schemas(*route, self.region()))
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RouteCheckError { problems })
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Refuses a call for an owner over the spending cap (fleet-wide with shared limits).
    pub(crate) async fn check_spending_cap(&self, owner: Option<&str>) -> Result<()> {
        let (Some(cap), Some(owner)) = (self.inner.settings.spending_cap_per_owner, owner) else {
            return Ok(());
        };
        let spent = match &self.inner.settings.shared {
            Some(shared) => shared.owner_spend(owner).await?.spent_usd,
            None => self.inner.ledger.spent(owner),
        };
        if spent >= cap {
            return Err(Error::SpendingCapReached {
                owner: owner.to_string(),
                spent_usd: spent,
                cap_usd: cap,
            });
        }
        Ok(())
    }

    /// Admits one model call under the owner's spending cap: with shared limits it reserves
    /// `estimate_usd` in the store (settled when the call ends), else checks the tally.
    pub(crate) async fn reserve_spend(
        &self,
        owner: Option<&str>,
        estimate_usd: f64,
    ) -> Result<Option<SpendReservation>> {
        let (Some(cap), Some(owner), Some(shared)) = (
            self.inner.settings.spending_cap_per_owner,
            owner,
            &self.inner.settings.shared,
        ) else {
            self.check_spending_cap(owner).await?;
            return Ok(None);
        };
        let started = std::time::Instant::now();
        let mut tries = 0u32;
        loop {
            match shared.reserve_spend(owner, cap, estimate_usd).await? {
                SpendGrant::Reserved => {
                    return Ok(Some(SpendReservation {
                        limits: shared.clone(),
                        owner: owner.to_string(),
                        estimate_usd,
                        settled: false,
                    }))
                }
                // Only reservations of calls in flight are in the way: they usually settle
                // for less than they reserved, so wait for them (a while, not forever: a
                // process that died holding a reservation never settles it).
                SpendGrant::CapReached { spent_usd, .. }
                    if spent_usd < cap && started.elapsed() < SPEND_RESERVATION_WAIT =>
                {
                    let ceiling = 20u64.saturating_mul(1 << tries.min(5)).min(500);
                    let wait = Duration::from_millis(fastrand::u64(ceiling / 2..=ceiling));
                    tokio::time::sleep(wait).await;
                    tries += 1;
                }
                SpendGrant::CapReached { committed_usd, .. } => {
                    return Err(Error::SpendingCapReached {
                        owner: owner.to_string(),
                        spent_usd: committed_usd,
                        cap_usd: cap,
                    })
                }
            }
        }
    }

    /// Reports a model call's usage to the sinks and the owner's tally.
    pub(crate) fn record_usage(&self, event: UsageEvent) {
        if let Some(owner) = &event.owner {
            self.inner.ledger.add(owner, event.usage.cost_usd);
        }
        for sink in &self.inner.settings.sinks {
            sink.record(&event);
        }
    }

    /// A client from the standard AWS configuration chain (environment, profile, SSO,
    /// container and instance roles), with a 300 s attempt timeout.
    pub async fn from_env() -> Result<Self> {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(DEFAULT_ATTEMPT_TIMEOUT)
                    .build(),
            )
            .load()
            .await;
        if config.region().is_none() {
            return Err(Error::InvalidInput(
                "no AWS region configured: set AWS_REGION (e.g. us-east-1) or a region in ~/.aws/config".into(),
            ));
        }
        Ok(Self::new(aws_sdk_bedrockruntime::Client::new(&config)))
    }

    /// The underlying SDK client, for calls the framework does not wrap.
    pub fn sdk(&self) -> &aws_sdk_bedrockruntime::Client {
        &self.inner.sdk
    }

    /// The client's region: the SDK client's Region (`us-east-1` when its configuration has
    /// none). Routes that do not declare a `region` call from it.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The SDK client for `region` (this client's own when `None` or equal).
    pub(crate) fn sdk_for(&self, region: Option<&str>) -> (aws_sdk_bedrockruntime::Client, String) {
        match region {
            Some(region) if region != self.inner.region => {
                let mut cache = self.inner.regional.lock().expect("regional client cache");
                let client = cache
                    .entry(region.to_string())
                    .or_insert_with(|| {
                        let config = self
                            .inner
                            .sdk
                            .config()
                            .to_builder()
                            .region(aws_sdk_bedrockruntime::config::Region::new(
                                region.to_string(),
                            ))
                            .build();
                        aws_sdk_bedrockruntime::Client::from_conf(config)
                    })
                    .clone();
                (client, region.to_string())
            }
            _ => (self.inner.sdk.clone(), self.inner.region.clone()),
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .field("owner", &self.owner)
            .field("retry", &self.inner.settings.retry)
            .finish_non_exhaustive()
    }
}

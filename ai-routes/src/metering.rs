//! Usage and cost metering: every model call reports a [`UsageEvent`] to the client's
//! [`UsageSink`]s; [`UsageMeter`] is a built-in sink aggregating per route, per model and
//! per owner.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::usage::Usage;

/// What kind of route made a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// A `#[generation]` route: one structured-output call.
    Generation,
    /// A `#[conversation]` route: a step of a conversation turn.
    Conversation,
}

/// One model call that Bedrock answered, with the tokens it reported and their cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageEvent {
    /// The route's name (`plan_recipe`, `ShopAssistant`).
    pub route: String,
    /// Whether a generation or a conversation route made the call.
    pub kind: RouteKind,
    /// The id sent to Bedrock (model id or inference-profile id).
    pub model_id: String,
    /// The AWS Region the call went to.
    pub region: String,
    /// The owner the call was made for: the conversation's owner, or the one set with
    /// [`Client::for_owner`](crate::Client::for_owner) for generation routes.
    pub owner: Option<String>,
    /// Tokens and cost in USD (`usage.cost_usd`).
    pub usage: Usage,
    /// The service tier Bedrock says it served the call in (`None` when it did not say,
    /// which is the standard tier); the cost is priced for it.
    #[serde(serialize_with = "tier_name")]
    pub service_tier: Option<ai_routes_catalog::ServiceTier>,
    /// The conversation, for conversation turns.
    pub conversation_id: Option<String>,
}

/// A tier as its wire name (`"flex"`), the catalog crate having no serde.
fn tier_name<S: serde::Serializer>(
    tier: &Option<ai_routes_catalog::ServiceTier>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_some(&tier.map(|t| t.as_str()))
}

/// Receives a [`UsageEvent`] for every model call; set with
/// [`ClientBuilder::usage_sink`](crate::ClientBuilder::usage_sink). Called on the task
/// that made the call: keep it fast and non-blocking (queue to a channel for slow
/// exporters).
pub trait UsageSink: Send + Sync + 'static {
    /// Receives one event: called once per model call Bedrock answered with token usage,
    /// including each step of a conversation turn and each generation attempt whose output
    /// was rejected and retried (those tokens are billed too).
    fn record(&self, event: &UsageEvent);
}

impl<F: Fn(&UsageEvent) + Send + Sync + 'static> UsageSink for F {
    fn record(&self, event: &UsageEvent) {
        self(event)
    }
}

impl<T: UsageSink + ?Sized> UsageSink for Arc<T> {
    fn record(&self, event: &UsageEvent) {
        (**self).record(event)
    }
}

/// Totals of a set of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    /// Model calls.
    pub calls: u64,
    /// Tokens and cost of these calls, summed.
    pub usage: Usage,
}

impl UsageTotals {
    fn add(&mut self, usage: &Usage) {
        self.calls += 1;
        self.usage += *usage;
    }
}

/// A point-in-time copy of a [`UsageMeter`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageSnapshot {
    /// Every call the meter saw.
    pub total: UsageTotals,
    /// Per route name.
    pub by_route: BTreeMap<String, UsageTotals>,
    /// Per id sent to Bedrock (model id or inference-profile id).
    pub by_model: BTreeMap<String, UsageTotals>,
    /// Calls without an owner are not listed here (they are in the other totals).
    pub by_owner: BTreeMap<String, UsageTotals>,
}

/// A [`UsageSink`] that aggregates usage and cost per route, per model and per owner, in
/// memory. Clones share the same totals.
///
/// ```
/// use ai_routes::prelude::*;
/// use ai_routes::UsageMeter;
///
/// /// Suggests a name for a product.
/// #[generation(model = "Amazon Nova Micro")]
/// async fn name_product(ai: &Client, description: String) -> Result<String>;
///
/// # #[cfg(feature = "testing")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let bedrock = ai_routes::testing::LocalBedrock::start().await?;
/// # let sdk = bedrock.client();
/// let meter = UsageMeter::new();
/// let ai = Client::builder(sdk).usage_sink(meter.clone()).build();
///
/// name_product(&ai.for_owner("user-42"), "a red kettle".into()).await?;
///
/// let usage = meter.snapshot();
/// assert_eq!(usage.total.calls, 1);
/// assert_eq!(usage.by_route["name_product"].calls, 1);
/// assert_eq!(meter.owner("user-42").calls, 1);
/// println!("{} tokens, ${:.6}", usage.total.usage.total_tokens(), usage.total.usage.cost_usd);
/// # Ok(()) }
/// # #[cfg(not(feature = "testing"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Default)]
pub struct UsageMeter {
    inner: Arc<Mutex<UsageSnapshot>>,
}

impl UsageMeter {
    /// An empty meter. Add it to a client with
    /// [`ClientBuilder::usage_sink`](crate::ClientBuilder::usage_sink), keeping a clone to read.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every total now (the meter keeps counting).
    pub fn snapshot(&self) -> UsageSnapshot {
        self.inner.lock().expect("usage meter").clone()
    }

    /// The totals of one owner.
    pub fn owner(&self, owner: &str) -> UsageTotals {
        self.inner
            .lock()
            .expect("usage meter")
            .by_owner
            .get(owner)
            .copied()
            .unwrap_or_default()
    }

    /// Clears every total.
    pub fn reset(&self) {
        *self.inner.lock().expect("usage meter") = UsageSnapshot::default();
    }
}

impl UsageSink for UsageMeter {
    fn record(&self, event: &UsageEvent) {
        let mut totals = self.inner.lock().expect("usage meter");
        totals.total.add(&event.usage);
        totals
            .by_route
            .entry(event.route.clone())
            .or_default()
            .add(&event.usage);
        totals
            .by_model
            .entry(event.model_id.clone())
            .or_default()
            .add(&event.usage);
        if let Some(owner) = &event.owner {
            totals
                .by_owner
                .entry(owner.clone())
                .or_default()
                .add(&event.usage);
        }
    }
}

/// What each owner spent through this client (process-local), for spending caps.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    spent: Mutex<HashMap<String, f64>>,
}

impl Ledger {
    pub(crate) fn add(&self, owner: &str, usd: f64) {
        *self
            .spent
            .lock()
            .expect("ledger")
            .entry(owner.to_string())
            .or_default() += usd;
    }

    pub(crate) fn spent(&self, owner: &str) -> f64 {
        self.spent
            .lock()
            .expect("ledger")
            .get(owner)
            .copied()
            .unwrap_or(0.0)
    }

    pub(crate) fn set(&self, owner: &str, usd: f64) {
        self.spent
            .lock()
            .expect("ledger")
            .insert(owner.to_string(), usd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(route: &str, model: &str, owner: Option<&str>, cost: f64) -> UsageEvent {
        UsageEvent {
            route: route.into(),
            kind: RouteKind::Generation,
            model_id: model.into(),
            region: "us-east-1".into(),
            owner: owner.map(str::to_string),
            usage: Usage {
                input_tokens: 10,
                output_tokens: 5,
                cost_usd: cost,
                ..Usage::default()
            },
            service_tier: None,
            conversation_id: None,
        }
    }

    #[test]
    fn meter_aggregates_per_route_model_and_owner() {
        let meter = UsageMeter::new();
        let sink: Arc<dyn UsageSink> = Arc::new(meter.clone());
        sink.record(&event("a", "m1", Some("alice"), 0.5));
        sink.record(&event("a", "m2", Some("bob"), 0.25));
        sink.record(&event("b", "m1", None, 1.0));
        let snapshot = meter.snapshot();
        assert_eq!(snapshot.total.calls, 3);
        assert_eq!(snapshot.total.usage.input_tokens, 30);
        assert_eq!(snapshot.by_route["a"].calls, 2);
        assert_eq!(snapshot.by_model["m1"].usage.cost_usd, 1.5);
        assert_eq!(meter.owner("alice").usage.cost_usd, 0.5);
        assert_eq!(snapshot.by_owner.len(), 2);
        meter.reset();
        assert_eq!(meter.snapshot(), UsageSnapshot::default());
    }
}

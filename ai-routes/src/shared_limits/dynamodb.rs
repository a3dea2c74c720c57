//! [`DynamoDbLimits`]: fleet-wide limits in one DynamoDB table, as conditional atomic
//! counters. Items (partition key `pk`, TTL attribute `expires_at`):
//!
//! | `pk` | attributes | written by |
//! |---|---|---|
//! | `spend#<owner>` | `spent`, `committed` (spent + reservations) | `ADD committed :estimate` if `committed < :cap`; settled with `ADD spent :actual, committed :actual - :estimate` |
//! | `tokens#<budget>#<minute>` | `used`, `expires_at` | `ADD used :tokens` if `used < :per_minute`; expires two minutes after its window |
//! | `slot#<model>#<n>` | `holder`, `expires_at` | put if absent or its lease expired; deleted by its holder |
//!
//! DynamoDB serializes writes to one item, so racing processes cannot both take the last
//! room. Spend items never expire: the tally is the owner's, across restarts.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use futures_util::future::BoxFuture;

use super::{OwnerSpend, SharedLimits, SharedLimitsError, SlotLease, SpendGrant, TokenGrant};

/// How long a concurrency slot is held at most, by default: a process that dies holding a
/// slot loses it for this long. Longer than the longest model call you allow.
pub const DEFAULT_SLOT_LEASE: Duration = Duration::from_secs(15 * 60);

const PK: &str = "pk";
const EXPIRES_AT: &str = "expires_at";

/// Fleet-wide limits in a DynamoDB table with a string partition key `pk` and TTL on
/// `expires_at` ([`create_table`](Self::create_table) makes one).
#[derive(Clone, Debug)]
pub struct DynamoDbLimits {
    client: Client,
    table: String,
    slot_lease: Duration,
}

fn backend<E: std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &str,
    error: SdkError<E, R>,
) -> SharedLimitsError {
    SharedLimitsError::Backend(format!("{operation}: {}", DisplayErrorContext(error)))
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> f64 {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

impl DynamoDbLimits {
    /// Fleet-wide limits kept in the DynamoDB table `table` (see `docs/dynamodb.md`; create
    /// it with [`DynamoDbLimits::create_table`] in development), through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            slot_lease: DEFAULT_SLOT_LEASE,
        }
    }

    /// How long a concurrency slot is held at most (default [`DEFAULT_SLOT_LEASE`]).
    pub fn slot_lease(mut self, lease: Duration) -> Self {
        self.slot_lease = lease;
        self
    }

    /// Creates the table (on-demand capacity) if it does not exist, waits until it is
    /// active and turns on TTL. Idempotent; for development and tests (production tables
    /// belong in infrastructure code: `pk` string hash key, TTL on `expires_at`).
    pub async fn create_table(&self) -> Result<(), SharedLimitsError> {
        let build =
            |e: aws_sdk_dynamodb::error::BuildError| SharedLimitsError::Backend(e.to_string());
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(PK)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(PK)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(build)?,
            )
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) => {}
            Err(e) => return Err(backend("CreateTable", e)),
        }
        for _ in 0..600 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| backend("DescribeTable", e))?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let ttl = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| backend("DescribeTimeToLive", e))?;
        let status = ttl
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status());
        if !matches!(
            status,
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) {
            self.client
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(EXPIRES_AT)
                        .enabled(true)
                        .build()
                        .map_err(build)?,
                )
                .send()
                .await
                .map_err(|e| backend("UpdateTimeToLive", e))?;
        }
        Ok(())
    }

    async fn reserve_spend(
        &self,
        owner: &str,
        cap_usd: f64,
        estimate_usd: f64,
    ) -> Result<SpendGrant, SharedLimitsError> {
        let reserved = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("spend#{owner}")))
            .update_expression("ADD committed :estimate")
            .condition_expression("attribute_not_exists(committed) OR committed < :cap")
            .expression_attribute_values(":estimate", n(estimate_usd))
            .expression_attribute_values(":cap", n(cap_usd))
            .send()
            .await;
        match reserved {
            Ok(_) => Ok(SpendGrant::Reserved),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let spend = self.owner_spend(owner).await?;
                Ok(SpendGrant::CapReached {
                    spent_usd: spend.spent_usd,
                    committed_usd: spend.committed_usd,
                })
            }
            Err(e) => Err(backend("UpdateItem", e)),
        }
    }

    async fn settle_spend(
        &self,
        owner: &str,
        estimate_usd: f64,
        actual_usd: f64,
    ) -> Result<(), SharedLimitsError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("spend#{owner}")))
            .update_expression("ADD spent :actual, committed :delta")
            .expression_attribute_values(":actual", n(actual_usd))
            .expression_attribute_values(":delta", n(actual_usd - estimate_usd))
            .send()
            .await
            .map_err(|e| backend("UpdateItem", e))?;
        Ok(())
    }

    async fn owner_spend(&self, owner: &str) -> Result<OwnerSpend, SharedLimitsError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(format!("spend#{owner}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem", e))?
            .item
            .unwrap_or_default();
        Ok(OwnerSpend {
            spent_usd: number(&item, "spent"),
            committed_usd: number(&item, "committed"),
        })
    }

    async fn take_tokens(
        &self,
        budget: &str,
        per_minute: u64,
        tokens: u64,
    ) -> Result<TokenGrant, SharedLimitsError> {
        let now = now();
        let window = now.as_secs() / 60;
        let taken = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("tokens#{budget}#{window}")))
            .update_expression("ADD used :tokens SET expires_at = :expires")
            .condition_expression("attribute_not_exists(used) OR used < :limit")
            .expression_attribute_values(":tokens", n(tokens))
            .expression_attribute_values(":limit", n(per_minute))
            .expression_attribute_values(":expires", n((window + 2) * 60))
            .send()
            .await;
        match taken {
            Ok(_) => Ok(TokenGrant::Taken { window }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let next = Duration::from_secs((window + 1) * 60);
                Ok(TokenGrant::Full {
                    retry_after: next.saturating_sub(now),
                })
            }
            Err(e) => Err(backend("UpdateItem", e)),
        }
    }

    async fn settle_tokens(
        &self,
        budget: &str,
        window: u64,
        estimate: u64,
        actual: u64,
    ) -> Result<(), SharedLimitsError> {
        let delta = actual as i128 - estimate as i128;
        if delta == 0 {
            return Ok(());
        }
        // Only an existing window is corrected: one that expired has nothing left to settle.
        let settled = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("tokens#{budget}#{window}")))
            .update_expression("ADD used :delta")
            .condition_expression("attribute_exists(used)")
            .expression_attribute_values(":delta", n(delta))
            .send()
            .await;
        match settled {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("UpdateItem", e)),
        }
    }

    async fn acquire_slot(
        &self,
        model: &str,
        max: usize,
    ) -> Result<Option<SlotLease>, SharedLimitsError> {
        let holder = uuid::Uuid::new_v4().to_string();
        let now = now().as_secs();
        // From a random slot, so that racing processes do not all contend for slot 0.
        let first = fastrand::usize(0..max.max(1));
        for i in 0..max {
            let slot = (first + i) % max;
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item(PK, s(format!("slot#{model}#{slot}")))
                .item("holder", s(&holder))
                .item(EXPIRES_AT, n(now + self.slot_lease.as_secs()))
                .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match put {
                Ok(_) => {
                    return Ok(Some(SlotLease {
                        model: model.to_string(),
                        slot,
                        holder,
                    }))
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(backend("PutItem", e)),
            }
        }
        Ok(None)
    }

    async fn release_slot(&self, lease: SlotLease) -> Result<(), SharedLimitsError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(format!("slot#{}#{}", lease.model, lease.slot)))
            .condition_expression("holder = :holder")
            .expression_attribute_values(":holder", s(lease.holder))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            // The lease expired and another call holds the slot now: it is theirs.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("DeleteItem", e)),
        }
    }
}

impl SharedLimits for DynamoDbLimits {
    fn reserve_spend<'a>(
        &'a self,
        owner: &'a str,
        cap_usd: f64,
        estimate_usd: f64,
    ) -> BoxFuture<'a, Result<SpendGrant, SharedLimitsError>> {
        Box::pin(DynamoDbLimits::reserve_spend(
            self,
            owner,
            cap_usd,
            estimate_usd,
        ))
    }

    fn settle_spend<'a>(
        &'a self,
        owner: &'a str,
        estimate_usd: f64,
        actual_usd: f64,
    ) -> BoxFuture<'a, Result<(), SharedLimitsError>> {
        Box::pin(DynamoDbLimits::settle_spend(
            self,
            owner,
            estimate_usd,
            actual_usd,
        ))
    }

    fn owner_spend<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<OwnerSpend, SharedLimitsError>> {
        Box::pin(DynamoDbLimits::owner_spend(self, owner))
    }

    fn take_tokens<'a>(
        &'a self,
        budget: &'a str,
        per_minute: u64,
        tokens: u64,
    ) -> BoxFuture<'a, Result<TokenGrant, SharedLimitsError>> {
        Box::pin(DynamoDbLimits::take_tokens(
            self, budget, per_minute, tokens,
        ))
    }

    fn settle_tokens<'a>(
        &'a self,
        budget: &'a str,
        window: u64,
        estimate: u64,
        actual: u64,
    ) -> BoxFuture<'a, Result<(), SharedLimitsError>> {
        Box::pin(DynamoDbLimits::settle_tokens(
            self, budget, window, estimate, actual,
        ))
    }

    fn acquire_slot<'a>(
        &'a self,
        model: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Option<SlotLease>, SharedLimitsError>> {
        Box::pin(DynamoDbLimits::acquire_slot(self, model, max))
    }

    fn release_slot(&self, lease: SlotLease) -> BoxFuture<'_, Result<(), SharedLimitsError>> {
        Box::pin(DynamoDbLimits::release_slot(self, lease))
    }
}

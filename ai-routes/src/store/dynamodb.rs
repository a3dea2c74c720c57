//! [`DynamoDbStore`]: conversations in Amazon DynamoDB (feature `dynamodb`).
//!
//! The table design (keys, the `by_owner_route` index, item shapes, limits, IAM) is written
//! down in `docs/dynamodb.md`; this module follows it. In short:
//!
//! - conversations table, partition key `id`; index `by_owner_route` (partition key
//!   `owner_route`, sort key `updated_key` = inverted `updated_at` + id) for newest-first
//!   listings with keyset pages;
//! - messages table, partition key `conversation_id`, sort key `seq` (Number);
//! - every write that touches messages goes through the conversation item in one
//!   `TransactWriteItems` whose condition checks the owner and the message count, so
//!   concurrent appends serialize on it; messages with `seq` above the committed
//!   `message_count` are invisible to readers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    TimeToLiveStatus, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::caps::check_name_and_metadata;
use super::memory::{
    check_limit, check_messages, conversation_cursor, message_cursor, new_id, new_record,
    not_found, now_ms, parse_conversation_cursor, parse_message_cursor, stored_message,
};
use super::{
    ConversationPatch, ConversationStore, MessageOrder, NewConversation, Page, StoreError,
};
use crate::conversation::{ConversationRecord, NewMessage, Role, StoredMessage};

type Item = HashMap<String, AttributeValue>;

/// The global secondary index of the conversations table that serves listings.
pub const BY_OWNER_ROUTE_INDEX: &str = "by_owner_route";

/// The largest message item the store writes (DynamoDB's item limit is 400 KB; the rest is
/// headroom for the size estimate). Larger messages are rejected with [`StoreError::Invalid`].
pub const MAX_MESSAGE_ITEM_BYTES: usize = 350 * 1024;

/// Messages per transaction: `TransactWriteItems` takes 100 items, one is the conversation.
const MESSAGES_PER_TRANSACTION: usize = 99;
/// Message bytes per transaction, below the 4 MB a transaction may carry (the conversation
/// item is at most ~70 KB).
const BYTES_PER_TRANSACTION: usize = 3_500_000;
/// How long an append that needs several transactions holds the conversation (renewed by
/// each transaction). Only a process dying mid-append leaves it to expire.
const APPEND_LOCK_MS: i64 = 60_000;
/// Attempts of one logical write that lost a race it may retry (transaction conflicts,
/// clock skew, a multi-transaction append in progress).
const WRITE_ATTEMPTS: u32 = 50;

// Attribute names.
const ID: &str = "id";
const OWNER: &str = "owner";
const ROUTE: &str = "route";
const OWNER_ROUTE: &str = "owner_route";
const UPDATED_KEY: &str = "updated_key";
const NAME: &str = "name";
const METADATA: &str = "metadata";
const MESSAGE_COUNT: &str = "message_count";
const CREATED_AT: &str = "created_at";
const UPDATED_AT: &str = "updated_at";
const EXPIRES_AT: &str = "expires_at";
const DELETING: &str = "deleting";
const APPEND_LOCK: &str = "append_lock";
const APPEND_LOCK_UNTIL: &str = "append_lock_until";
const CONVERSATION_ID: &str = "conversation_id";
const SEQ: &str = "seq";
const ROLE: &str = "role";
const CONTENT: &str = "content";
const AI_CONTEXT: &str = "ai_context";
const STOP_REASON: &str = "stop_reason";
const USAGE: &str = "usage";
const MODEL_ID: &str = "model_id";
const INCOMPLETE: &str = "incomplete";
const ESTIMATED_TOKENS: &str = "estimated_tokens";
const STAGED_BY: &str = "staged_by";

/// Error codes that mean "slow down" or "busy, try again": retried with exponential backoff
/// and jitter. `TransactionConflictException` is what a plain write gets while an append's
/// transaction holds the same conversation item.
const THROTTLING_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "TransactionConflictException",
];

/// The two tables of a [`DynamoDbStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    /// The conversations table (one item per conversation).
    pub conversations: String,
    /// The messages table (one item per message, keyed by conversation and `seq`).
    pub messages: String,
}

impl TableNames {
    /// `{prefix}conversations` and `{prefix}messages`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            conversations: format!("{prefix}conversations"),
            messages: format!("{prefix}messages"),
        }
    }
}

/// A table prefix: `"myapp-"` names the tables `myapp-conversations` and `myapp-messages`.
impl From<&str> for TableNames {
    fn from(prefix: &str) -> Self {
        Self::with_prefix(prefix)
    }
}

impl From<String> for TableNames {
    fn from(prefix: String) -> Self {
        Self::with_prefix(&prefix)
    }
}

/// Conversations in two DynamoDB tables, for a fleet of servers sharing history.
///
/// Cloning is cheap (the SDK client is shared). Throttling errors
/// (`ProvisionedThroughputExceededException`, `ThrottlingException`, `RequestLimitExceeded`)
/// are retried with exponential backoff and full jitter *on top of* the SDK client's own
/// retries, up to [`with_max_attempts`](Self::with_max_attempts) times (default 10, delays
/// from 25 ms doubling up to 5 s).
#[derive(Clone)]
pub struct DynamoDbStore {
    client: Client,
    tables: Arc<TableNames>,
    ttl: Option<Duration>,
    max_attempts: u32,
}

impl std::fmt::Debug for DynamoDbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoDbStore")
            .field("tables", &self.tables)
            .field("ttl", &self.ttl)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------
// attribute helpers

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("stored item has a missing or malformed `{what}`"))
}

fn get_s(item: &Item, name: &str) -> Result<String, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(corrupt(name)),
    }
}

fn get_opt_s(item: &Item, name: &str) -> Result<Option<String>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v.clone())),
        Some(_) => Err(corrupt(name)),
    }
}

fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt(name)),
        _ => Err(corrupt(name)),
    }
}

fn get_opt_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

fn from_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("stored `{name}` is not valid: {e}")))
}

fn from_json_opt<T: DeserializeOwned>(item: &Item, name: &str) -> Result<Option<T>, StoreError> {
    get_opt_s(item, name)?
        .map(|text| from_json(name, &text))
        .transpose()
}

/// `#name` → `name` for every `#name` the expressions mention (DynamoDB rejects names an
/// expression does not use, and many attribute names here are reserved words).
fn names(expressions: &[&str]) -> Option<HashMap<String, String>> {
    let mut map = HashMap::new();
    for expression in expressions {
        let mut rest = *expression;
        while let Some(at) = rest.find('#') {
            rest = &rest[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            map.insert(format!("#{name}"), name.to_string());
            rest = &rest[end..];
        }
    }
    Some(map)
}

fn values(list: Vec<(&str, AttributeValue)>) -> Option<Item> {
    Some(list.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// An unambiguous `owner#route` (the owner's length first, so neither part needs escaping).
fn owner_route(owner: &str, route: &str) -> String {
    format!("{}:{owner}#{route}", owner.len())
}

/// Sort key of the listing index: ascending order is most recently updated first, ties by
/// id ascending (the time is inverted and zero-padded, so strings sort like numbers).
fn updated_key(updated_at: i64, id: &str) -> String {
    format!("{:019}#{id}", i64::MAX - updated_at.max(0))
}

/// DynamoDB's size of an item: attribute names plus values (numbers count at most 21 bytes),
/// plus a little for the per-item overhead.
fn item_size(item: &Item) -> usize {
    100 + item
        .iter()
        .map(|(name, value)| {
            name.len()
                + match value {
                    AttributeValue::S(v) => v.len(),
                    AttributeValue::N(v) => v.len().div_ceil(2) + 1,
                    AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
                    AttributeValue::B(b) => b.as_ref().len(),
                    _ => 1024,
                }
        })
        .sum::<usize>()
}

fn is_throttling(code: Option<&str>) -> bool {
    code.is_some_and(|code| THROTTLING_CODES.contains(&code))
}

/// A service error as a store error, with the service's code and message.
fn backend<E>(what: &str, error: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (error.code(), error.message()) {
        (Some("ValidationException"), Some(message)) if message.contains("Item size") => {
            StoreError::Invalid(format!(
                "DynamoDB {what}: {message} (items are limited to 400 KB; keep large \
                 attachments in a blob store such as Amazon S3)"
            ))
        }
        (Some(code), message) => {
            let hint = if is_throttling(Some(code)) {
                " (still throttled after retrying with backoff)"
            } else {
                ""
            };
            StoreError::Backend(format!(
                "DynamoDB {what}: {code}: {}{hint}",
                message.unwrap_or("no message")
            ))
        }
        (None, _) => {
            StoreError::Backend(format!("DynamoDB {what}: {}", DisplayErrorContext(&error)))
        }
    }
}

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("building a DynamoDB request: {e}"))
}

/// Whether `item` is a live conversation of `owner`.
fn owned(item: &Item, owner: &str) -> bool {
    matches!(item.get(OWNER), Some(AttributeValue::S(o)) if o == owner)
        && !item.contains_key(DELETING)
}

fn record_from_item(item: &Item) -> Result<ConversationRecord, StoreError> {
    Ok(ConversationRecord {
        id: get_s(item, ID)?,
        owner: get_s(item, OWNER)?,
        route: get_s(item, ROUTE)?,
        name: get_opt_s(item, NAME)?,
        metadata: from_json_opt(item, METADATA)?,
        message_count: get_n(item, MESSAGE_COUNT)?,
        created_at: get_n(item, CREATED_AT)?,
        updated_at: get_n(item, UPDATED_AT)?,
    })
}

fn message_from_item(item: &Item) -> Result<StoredMessage, StoreError> {
    let role = match get_s(item, ROLE)?.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => {
            return Err(StoreError::Backend(format!(
                "stored role `{other}` unknown"
            )))
        }
    };
    Ok(StoredMessage {
        id: get_s(item, ID)?,
        conversation_id: get_s(item, CONVERSATION_ID)?,
        seq: get_n(item, SEQ)?,
        role,
        content: from_json(CONTENT, &get_s(item, CONTENT)?)?,
        ai_context: from_json_opt(item, AI_CONTEXT)?,
        stop_reason: get_opt_s(item, STOP_REASON)?,
        usage: from_json_opt(item, USAGE)?,
        model_id: get_opt_s(item, MODEL_ID)?,
        incomplete: matches!(item.get(INCOMPLETE), Some(AttributeValue::Bool(true))),
        estimated_tokens: get_n(item, ESTIMATED_TOKENS)?,
        created_at: get_n(item, CREATED_AT)?,
    })
}

/// How a transaction failed.
enum TxFailure {
    /// The condition of `transact_items[index]` failed; `item` is its old value when the
    /// service returned it.
    Condition {
        index: usize,
        item: Option<Item>,
    },
    /// Lost a race with another transaction, or throttled: try again later.
    Retry(String),
    Failed(StoreError),
}

/// What a failed append attempt leads to.
enum Next {
    /// Try again (after a pause when `wait`), with `updated_at` at least `not_before`.
    Again {
        wait: bool,
        not_before: i64,
    },
    Fail(StoreError),
}

impl DynamoDbStore {
    /// A store on `tables` (a [`TableNames`], or a prefix such as `"myapp-"`). The tables
    /// must exist: create them with your infrastructure code (see `docs/dynamodb.md`) or,
    /// in development and tests, with [`create_tables`](Self::create_tables).
    pub fn new(client: Client, tables: impl Into<TableNames>) -> Self {
        Self {
            client,
            tables: Arc::new(tables.into()),
            ttl: None,
            max_attempts: 10,
        }
    }

    /// Expire data `ttl` after its last write, with DynamoDB's Time to Live on the
    /// `expires_at` attribute (epoch seconds): a conversation `ttl` after its last update,
    /// each message `ttl` after it was appended. So a conversation idle for `ttl` disappears
    /// with all its messages, and an active one keeps a `ttl` window of history. DynamoDB
    /// deletes expired items lazily (typically within days), and until then they are still
    /// read. [`create_tables`](Self::create_tables) turns TTL on for both tables.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Attempts per request when DynamoDB throttles (default 10), on top of the SDK's own.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The table names the store uses.
    pub fn tables(&self) -> &TableNames {
        &self.tables
    }

    /// The DynamoDB SDK client the store uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates both tables and the listing index (on-demand capacity) if they do not exist,
    /// waits until they are active, and turns on TTL when [`with_ttl`](Self::with_ttl) was
    /// given. Idempotent. Meant for development and tests; production tables belong in
    /// infrastructure code (`docs/dynamodb.md` has the definitions).
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        let attribute = |name: &str, kind: ScalarAttributeType| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(kind)
                .build()
                .map_err(build_error)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(BY_OWNER_ROUTE_INDEX)
            .key_schema(key(OWNER_ROUTE, KeyType::Hash)?)
            .key_schema(key(UPDATED_KEY, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(build_error)?;
        let conversations = self
            .client
            .create_table()
            .table_name(&self.tables.conversations)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(ID, ScalarAttributeType::S)?)
            .attribute_definitions(attribute(OWNER_ROUTE, ScalarAttributeType::S)?)
            .attribute_definitions(attribute(UPDATED_KEY, ScalarAttributeType::S)?)
            .key_schema(key(ID, KeyType::Hash)?)
            .global_secondary_indexes(index);
        let messages = self
            .client
            .create_table()
            .table_name(&self.tables.messages)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(CONVERSATION_ID, ScalarAttributeType::S)?)
            .attribute_definitions(attribute(SEQ, ScalarAttributeType::N)?)
            .key_schema(key(CONVERSATION_ID, KeyType::Hash)?)
            .key_schema(key(SEQ, KeyType::Range)?);
        for request in [conversations, messages] {
            match self.send(|| request.clone().send()).await {
                Ok(_) => {}
                Err(e) if e.code() == Some("ResourceInUseException") => {}
                Err(e) => return Err(backend("CreateTable", e)),
            }
        }
        for table in [&self.tables.conversations, &self.tables.messages] {
            self.wait_active(table).await?;
            if self.ttl.is_some() {
                self.enable_ttl(table).await?;
            }
        }
        Ok(())
    }

    async fn wait_active(&self, table: &str) -> Result<(), StoreError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
        loop {
            let out = self
                .send(|| self.client.describe_table().table_name(table).send())
                .await
                .map_err(|e| backend("DescribeTable", e))?;
            let description = out.table();
            let active = description.and_then(|t| t.table_status()) == Some(&TableStatus::Active)
                && description.is_some_and(|t| {
                    t.global_secondary_indexes()
                        .iter()
                        .all(|i| i.index_status().map(|s| s.as_str()) == Some("ACTIVE"))
                });
            if active {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(StoreError::Backend(format!(
                    "DynamoDB table `{table}` is not active after 10 minutes"
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn enable_ttl(&self, table: &str) -> Result<(), StoreError> {
        let out = self
            .send(|| self.client.describe_time_to_live().table_name(table).send())
            .await
            .map_err(|e| backend("DescribeTimeToLive", e))?;
        let status = out
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status());
        if matches!(
            status,
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) {
            return Ok(());
        }
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(EXPIRES_AT)
            .build()
            .map_err(build_error)?;
        self.send(|| {
            self.client
                .update_time_to_live()
                .table_name(table)
                .time_to_live_specification(spec.clone())
                .send()
        })
        .await
        .map_err(|e| backend("UpdateTimeToLive", e))?;
        Ok(())
    }

    /// Pause before attempt `attempt + 1`: exponential from 25 ms, capped at 5 s, full jitter.
    fn backoff(attempt: u32) -> Duration {
        let ceiling = 25u64.saturating_mul(1 << attempt.min(16)).min(5_000);
        Duration::from_millis(fastrand::u64(ceiling / 4..=ceiling))
    }

    /// Runs `op`, retrying throttling errors with backoff.
    async fn send<T, E, F, Fut>(&self, mut op: F) -> Result<T, SdkError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < self.max_attempts && is_throttling(e.code()) => {
                    tracing::debug!(code = ?e.code(), attempt, "DynamoDB throttled; backing off");
                    tokio::time::sleep(Self::backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn expires_at(&self, at_ms: i64) -> Option<AttributeValue> {
        self.ttl
            .map(|ttl| n(at_ms.max(0) / 1000 + ttl.as_secs() as i64))
    }

    fn conversation_key(&self, id: &str) -> Option<Item> {
        Some(HashMap::from([(ID.to_string(), s(id))]))
    }

    /// The conversation item, read strongly consistently.
    async fn read_conversation(&self, id: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .send(|| {
                self.client
                    .get_item()
                    .table_name(&self.tables.conversations)
                    .set_key(self.conversation_key(id))
                    .consistent_read(true)
                    .send()
            })
            .await
            .map_err(|e| backend("GetItem", e))?;
        Ok(out.item)
    }

    async fn owned_conversation(&self, owner: &str, id: &str) -> Result<Item, StoreError> {
        match self.read_conversation(id).await? {
            Some(item) if owned(&item, owner) => Ok(item),
            _ => Err(not_found(id)),
        }
    }

    // -----------------------------------------------------------------------------------
    // operations

    async fn create(&self, new: NewConversation) -> Result<ConversationRecord, StoreError> {
        check_name_and_metadata(new.name.as_deref(), new.metadata.as_ref())?;
        let metadata = new.metadata.as_ref().map(to_json).transpose()?;
        let record = new_record(new);
        let now = record.created_at;
        let mut item = HashMap::from([
            (ID.to_string(), s(&record.id)),
            (OWNER.to_string(), s(&record.owner)),
            (ROUTE.to_string(), s(&record.route)),
            (
                OWNER_ROUTE.to_string(),
                s(owner_route(&record.owner, &record.route)),
            ),
            (UPDATED_KEY.to_string(), s(updated_key(now, &record.id))),
            (MESSAGE_COUNT.to_string(), n(0)),
            (CREATED_AT.to_string(), n(now)),
            (UPDATED_AT.to_string(), n(now)),
        ]);
        if let Some(name) = &record.name {
            item.insert(NAME.into(), s(name));
        }
        if let Some(metadata) = metadata {
            item.insert(METADATA.into(), s(metadata));
        }
        if let Some(expires) = self.expires_at(now) {
            item.insert(EXPIRES_AT.into(), expires);
        }
        self.send(|| {
            self.client
                .put_item()
                .table_name(&self.tables.conversations)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(#id)")
                .set_expression_attribute_names(names(&["attribute_not_exists(#id)"]))
                .send()
        })
        .await
        .map_err(|e| backend("PutItem", e))?;
        Ok(record)
    }

    async fn get(&self, owner: &str, id: &str) -> Result<ConversationRecord, StoreError> {
        record_from_item(&self.owned_conversation(owner, id).await?)
    }

    async fn list(
        &self,
        owner: &str,
        route: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<ConversationRecord>, StoreError> {
        check_limit(limit)?;
        let after = cursor.map(parse_conversation_cursor).transpose()?;
        let mut condition = "#owner_route = :owner_route".to_string();
        let mut bound = vec![(":owner_route", s(owner_route(owner, route)))];
        if let Some((updated_at, id)) = after {
            condition.push_str(" AND #updated_key > :after");
            bound.push((":after", s(updated_key(updated_at, id))));
        }
        let bound = values(bound);
        // One more than asked tells whether another page follows.
        let wanted = limit + 1;
        let mut items = Vec::with_capacity(wanted);
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .send(|| {
                    self.client
                        .query()
                        .table_name(&self.tables.conversations)
                        .index_name(BY_OWNER_ROUTE_INDEX)
                        .key_condition_expression(&condition)
                        .set_expression_attribute_names(names(&[&condition]))
                        .set_expression_attribute_values(bound.clone())
                        .scan_index_forward(true)
                        .limit((wanted - items.len()).min(i32::MAX as usize) as i32)
                        .set_exclusive_start_key(start.clone())
                        .send()
                })
                .await
                .map_err(|e| backend("Query", e))?;
            for item in out.items() {
                if owned(item, owner) {
                    items.push(record_from_item(item)?);
                }
            }
            start = out.last_evaluated_key;
            if items.len() >= wanted || start.is_none() {
                break;
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more {
            items.last().map(conversation_cursor)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn update(
        &self,
        owner: &str,
        id: &str,
        patch: ConversationPatch,
    ) -> Result<ConversationRecord, StoreError> {
        check_name_and_metadata(patch.name.as_deref(), patch.metadata.as_ref())?;
        let metadata = patch.metadata.as_ref().map(to_json).transpose()?;
        let mut set = vec!["#updated_at = :now", "#updated_key = :updated_key"];
        let mut fixed = vec![(":owner", s(owner))];
        if let Some(name) = &patch.name {
            set.push("#name = :name");
            fixed.push((":name", s(name)));
        }
        if let Some(metadata) = metadata {
            set.push("#metadata = :metadata");
            fixed.push((":metadata", s(metadata)));
        }
        if self.ttl.is_some() {
            set.push("#expires_at = :expires_at");
        }
        let expression = format!("SET {}", set.join(", "));
        const CONDITION: &str =
            "#owner = :owner AND attribute_not_exists(#deleting) AND #updated_at <= :now";
        let mut now = now_ms();
        for _ in 0..WRITE_ATTEMPTS {
            let mut bound = fixed.clone();
            bound.push((":now", n(now)));
            bound.push((":updated_key", s(updated_key(now, id))));
            if let Some(expires) = self.expires_at(now) {
                bound.push((":expires_at", expires));
            }
            let bound = values(bound);
            let result = self
                .send(|| {
                    self.client
                        .update_item()
                        .table_name(&self.tables.conversations)
                        .set_key(self.conversation_key(id))
                        .update_expression(&expression)
                        .condition_expression(CONDITION)
                        .set_expression_attribute_names(names(&[&expression, CONDITION]))
                        .set_expression_attribute_values(bound.clone())
                        .return_values(ReturnValue::AllNew)
                        .return_values_on_condition_check_failure(
                            ReturnValuesOnConditionCheckFailure::AllOld,
                        )
                        .send()
                })
                .await;
            match result {
                Ok(out) => {
                    let item = out.attributes.ok_or_else(|| {
                        StoreError::Backend("UpdateItem returned no attributes".into())
                    })?;
                    return record_from_item(&item);
                }
                Err(e) => {
                    let old = match e.as_service_error() {
                        Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                            failed.item().cloned()
                        }
                        _ => return Err(backend("UpdateItem", e)),
                    };
                    let old = match old {
                        Some(old) => Some(old),
                        None => self.read_conversation(id).await?,
                    };
                    match old {
                        Some(old) if owned(&old, owner) => {
                            // Another server's clock is ahead: keep updated_at monotonic.
                            now = now.max(get_n::<i64>(&old, UPDATED_AT)?);
                        }
                        _ => return Err(not_found(id)),
                    }
                }
            }
        }
        Err(StoreError::Backend(format!(
            "conversation `{id}`: update kept losing races after {WRITE_ATTEMPTS} attempts"
        )))
    }

    /// Marks the conversation deleted (hidden from every read and write, out of the listing
    /// index), deletes its messages in batches, then the conversation item. A process dying
    /// midway leaves a hidden conversation that another delete call finishes.
    async fn delete(&self, owner: &str, id: &str) -> Result<(), StoreError> {
        const MARK: &str = "SET #deleting = :now REMOVE #owner_route, #updated_key";
        let marked = self
            .send(|| {
                self.client
                    .update_item()
                    .table_name(&self.tables.conversations)
                    .set_key(self.conversation_key(id))
                    .update_expression(MARK)
                    .condition_expression("#owner = :owner")
                    .set_expression_attribute_names(names(&[MARK, "#owner"]))
                    .set_expression_attribute_values(values(vec![
                        (":now", n(now_ms())),
                        (":owner", s(owner)),
                    ]))
                    .return_values(ReturnValue::AllOld)
                    .send()
            })
            .await;
        match marked {
            Ok(out) => {
                // A delete that a previous call already started is finished, but reported
                // like a second delete.
                let finishing = out
                    .attributes()
                    .is_some_and(|old| old.contains_key(DELETING));
                self.delete_messages(id).await?;
                self.send(|| {
                    self.client
                        .delete_item()
                        .table_name(&self.tables.conversations)
                        .set_key(self.conversation_key(id))
                        .condition_expression("#owner = :owner")
                        .set_expression_attribute_names(names(&["#owner"]))
                        .set_expression_attribute_values(values(vec![(":owner", s(owner))]))
                        .send()
                })
                .await
                .map(drop)
                .or_else(|e| {
                    // A concurrent delete removed it first: it is gone either way.
                    if e.code() == Some("ConditionalCheckFailedException") {
                        Ok(())
                    } else {
                        Err(backend("DeleteItem", e))
                    }
                })?;
                if finishing {
                    Err(not_found(id))
                } else {
                    Ok(())
                }
            }
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Err(not_found(id)),
            Err(e) => Err(backend("UpdateItem", e)),
        }
    }

    /// Deletes every message of the conversation: keys-only queries, `BatchWriteItem`s of 25,
    /// unprocessed items retried with backoff.
    async fn delete_messages(&self, id: &str) -> Result<usize, StoreError> {
        let table = &self.tables.messages;
        let mut deleted = 0;
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .send(|| {
                    self.client
                        .query()
                        .table_name(table)
                        .key_condition_expression("#conversation_id = :id")
                        .projection_expression("#conversation_id, #seq")
                        .set_expression_attribute_names(names(&["#conversation_id, #seq"]))
                        .set_expression_attribute_values(values(vec![(":id", s(id))]))
                        .consistent_read(true)
                        .set_exclusive_start_key(start.clone())
                        .send()
                })
                .await
                .map_err(|e| backend("Query", e))?;
            for keys in out.items().chunks(25) {
                let mut pending = keys
                    .iter()
                    .map(|key| {
                        DeleteRequest::builder()
                            .set_key(Some(key.clone()))
                            .build()
                            .map(|request| WriteRequest::builder().delete_request(request).build())
                            .map_err(build_error)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut attempt = 1;
                while !pending.is_empty() {
                    let out = self
                        .send(|| {
                            self.client
                                .batch_write_item()
                                .request_items(table, pending.clone())
                                .send()
                        })
                        .await
                        .map_err(|e| backend("BatchWriteItem", e))?;
                    let left = out
                        .unprocessed_items
                        .and_then(|mut left| left.remove(table))
                        .unwrap_or_default();
                    deleted += pending.len() - left.len();
                    pending = left;
                    if !pending.is_empty() {
                        if attempt >= self.max_attempts {
                            return Err(StoreError::Backend(format!(
                                "DynamoDB kept {} messages of conversation `{id}` unprocessed \
                                 after {attempt} attempts; the conversation is hidden, delete it \
                                 again to finish",
                                pending.len()
                            )));
                        }
                        tokio::time::sleep(Self::backoff(attempt)).await;
                        attempt += 1;
                    }
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(deleted);
            }
        }
    }

    /// One `TransactWriteItems`, idempotent under the SDK's retries (client request token),
    /// throttling retried.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TxFailure> {
        let token = new_id();
        let result = self
            .send(|| {
                self.client
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .client_request_token(&token)
                    .send()
            })
            .await;
        let error = match result {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let reasons = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                cancelled.cancellation_reasons()
            }
            _ if is_throttling(error.code()) => {
                return Err(TxFailure::Retry(format!("{:?}", error.code())))
            }
            _ => return Err(TxFailure::Failed(backend("TransactWriteItems", error))),
        };
        if let Some(index) = reasons
            .iter()
            .position(|r| r.code() == Some("ConditionalCheckFailed"))
        {
            return Err(TxFailure::Condition {
                index,
                item: reasons[index].item().cloned(),
            });
        }
        let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).collect();
        if codes.iter().any(|code| {
            matches!(
                *code,
                "TransactionConflict"
                    | "ThrottlingError"
                    | "ProvisionedThroughputExceeded"
                    | "RequestLimitExceeded"
            )
        }) {
            return Err(TxFailure::Retry(codes.join(", ")));
        }
        if let Some(reason) = reasons.iter().find(|r| r.code() == Some("ValidationError")) {
            return Err(TxFailure::Failed(StoreError::Invalid(format!(
                "DynamoDB rejected the append: {}",
                reason.message().unwrap_or("validation error")
            ))));
        }
        Err(TxFailure::Failed(backend("TransactWriteItems", error)))
    }

    fn message_item(&self, message: &StoredMessage) -> Result<Item, StoreError> {
        let mut item = HashMap::from([
            (CONVERSATION_ID.to_string(), s(&message.conversation_id)),
            (SEQ.to_string(), n(message.seq)),
            (ID.to_string(), s(&message.id)),
            (ROLE.to_string(), s(message.role.as_str())),
            (CONTENT.to_string(), s(to_json(&message.content)?)),
            (
                INCOMPLETE.to_string(),
                AttributeValue::Bool(message.incomplete),
            ),
            (ESTIMATED_TOKENS.to_string(), n(message.estimated_tokens)),
            (CREATED_AT.to_string(), n(message.created_at)),
        ]);
        if let Some(ai_context) = &message.ai_context {
            item.insert(AI_CONTEXT.into(), s(to_json(ai_context)?));
        }
        if let Some(stop_reason) = &message.stop_reason {
            item.insert(STOP_REASON.into(), s(stop_reason));
        }
        if let Some(usage) = &message.usage {
            item.insert(USAGE.into(), s(to_json(usage)?));
        }
        if let Some(model_id) = &message.model_id {
            item.insert(MODEL_ID.into(), s(model_id));
        }
        if let Some(expires) = self.expires_at(message.created_at) {
            item.insert(EXPIRES_AT.into(), expires);
        }
        Ok(item)
    }

    fn put(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        // A message may only replace one left by an append that never committed (see
        // `append`); committed messages are never overwritten.
        const CONDITION: &str = "attribute_not_exists(#seq) OR attribute_exists(#staged_by)";
        let put = Put::builder()
            .table_name(&self.tables.messages)
            .set_item(Some(item))
            .condition_expression(CONDITION)
            .set_expression_attribute_names(names(&[CONDITION]))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn conversation_update(
        &self,
        id: &str,
        update: &str,
        condition: &str,
        bound: Vec<(&str, AttributeValue)>,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.tables.conversations)
            .set_key(self.conversation_key(id))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(names(&[update, condition]))
            .set_expression_attribute_values(values(bound))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Appends in one transaction when the messages fit (≤ 99 items, ≤ 3.5 MB), which is
    /// every turn of a conversation route. Larger appends take a lock on the conversation in
    /// their first transaction, write the rest in further transactions that check the lock,
    /// and commit (count, `updated_at`, lock released) in the last one; readers only see
    /// messages up to the committed count, so the append is still all or none.
    async fn append(
        &self,
        owner: &str,
        id: &str,
        expected: u64,
        messages: Vec<NewMessage>,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        check_messages(&messages)?;
        let created_at = now_ms();
        let stored: Vec<StoredMessage> = messages
            .into_iter()
            .zip(expected + 1..)
            .map(|(new, seq)| stored_message(id, seq, created_at, new))
            .collect();
        let single = {
            let mut items = Vec::with_capacity(stored.len());
            for message in &stored {
                let item = self.message_item(message)?;
                let size = item_size(&item);
                if size > MAX_MESSAGE_ITEM_BYTES {
                    return Err(StoreError::Invalid(format!(
                        "message {} is about {size} bytes as a DynamoDB item; DynamoDbStore \
                         stores at most {MAX_MESSAGE_ITEM_BYTES} bytes per message (DynamoDB \
                         items are limited to 400 KB). Keep large images and documents in a \
                         blob store such as Amazon S3 and put a reference in the message",
                        message.seq
                    )));
                }
                items.push((item, size));
            }
            items
        };
        let mut chunks: Vec<Vec<Item>> = Vec::new();
        let mut bytes = 0;
        for (item, size) in single {
            let full = chunks.last().is_none_or(|chunk| {
                chunk.len() >= MESSAGES_PER_TRANSACTION || bytes + size > BYTES_PER_TRANSACTION
            });
            if full {
                chunks.push(Vec::new());
                bytes = 0;
            }
            bytes += size;
            chunks.last_mut().expect("a chunk").push(item);
        }

        let mut not_before = created_at;
        for attempt in 1..=WRITE_ATTEMPTS {
            let outcome = if chunks.len() == 1 {
                self.append_once(owner, id, expected, &stored, &chunks[0], not_before)
                    .await
            } else {
                self.append_locked(owner, id, expected, &stored, &chunks, not_before)
                    .await
            };
            match outcome {
                Ok(()) => return Ok(stored),
                Err(Next::Fail(e)) => return Err(e),
                Err(Next::Again {
                    wait,
                    not_before: at_least,
                }) => {
                    not_before = not_before.max(at_least);
                    if wait {
                        tokio::time::sleep(Self::backoff(attempt.min(6))).await;
                    }
                }
            }
        }
        Err(StoreError::Backend(format!(
            "conversation `{id}`: append kept losing races after {WRITE_ATTEMPTS} attempts"
        )))
    }

    /// The values a committing update sets.
    fn commit_values(
        &self,
        id: &str,
        expected: u64,
        count: u64,
        now: i64,
    ) -> Vec<(&'static str, AttributeValue)> {
        let mut bound = vec![
            (":expected", n(expected)),
            (":count", n(count)),
            (":now", n(now)),
            (":updated_key", s(updated_key(now, id))),
        ];
        if let Some(expires) = self.expires_at(now) {
            bound.push((":expires_at", expires));
        }
        bound
    }

    fn commit_set(&self) -> &'static str {
        if self.ttl.is_some() {
            "SET #message_count = :count, #updated_at = :now, #updated_key = :updated_key, \
             #expires_at = :expires_at"
        } else {
            "SET #message_count = :count, #updated_at = :now, #updated_key = :updated_key"
        }
    }

    async fn append_once(
        &self,
        owner: &str,
        id: &str,
        expected: u64,
        stored: &[StoredMessage],
        items: &[Item],
        not_before: i64,
    ) -> Result<(), Next> {
        let now = now_ms().max(not_before);
        let mut bound = self.commit_values(id, expected, expected + stored.len() as u64, now);
        bound.push((":owner", s(owner)));
        let mut transaction = vec![self
            .conversation_update(
                id,
                self.commit_set(),
                "#owner = :owner AND #message_count = :expected \
                 AND attribute_not_exists(#deleting) AND #updated_at <= :now \
                 AND (attribute_not_exists(#append_lock) OR #append_lock_until < :now)",
                bound,
            )
            .map_err(Next::Fail)?];
        for item in items {
            transaction.push(self.put(item.clone()).map_err(Next::Fail)?);
        }
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(failure) => Err(self.classify(owner, id, expected, None, now, failure).await),
        }
    }

    async fn append_locked(
        &self,
        owner: &str,
        id: &str,
        expected: u64,
        stored: &[StoredMessage],
        chunks: &[Vec<Item>],
        not_before: i64,
    ) -> Result<(), Next> {
        let lock = new_id();
        let last = chunks.len() - 1;
        let mut now = now_ms().max(not_before);
        for (i, chunk) in chunks.iter().enumerate() {
            now = now.max(now_ms());
            let until = n(now + APPEND_LOCK_MS);
            let update = if i == 0 {
                self.conversation_update(
                    id,
                    "SET #append_lock = :lock, #append_lock_until = :until",
                    "#owner = :owner AND #message_count = :expected \
                     AND attribute_not_exists(#deleting) \
                     AND (attribute_not_exists(#append_lock) OR #append_lock_until < :now)",
                    vec![
                        (":owner", s(owner)),
                        (":expected", n(expected)),
                        (":now", n(now)),
                        (":lock", s(&lock)),
                        (":until", until),
                    ],
                )
            } else if i < last {
                self.conversation_update(
                    id,
                    "SET #append_lock_until = :until",
                    "#append_lock = :lock AND #message_count = :expected \
                     AND attribute_not_exists(#deleting)",
                    vec![
                        (":expected", n(expected)),
                        (":lock", s(&lock)),
                        (":until", until),
                    ],
                )
            } else {
                let mut bound =
                    self.commit_values(id, expected, expected + stored.len() as u64, now);
                bound.push((":lock", s(&lock)));
                self.conversation_update(
                    id,
                    &format!(
                        "{} REMOVE #append_lock, #append_lock_until",
                        self.commit_set()
                    ),
                    "#append_lock = :lock AND #message_count = :expected \
                     AND attribute_not_exists(#deleting) AND #updated_at <= :now",
                    bound,
                )
            }
            .map_err(Next::Fail)?;
            let mut transaction = vec![update];
            for item in chunk {
                let mut item = item.clone();
                item.insert(STAGED_BY.into(), s(&lock));
                transaction.push(self.put(item).map_err(Next::Fail)?);
            }
            if let Err(failure) = self.transact(transaction).await {
                let next = self
                    .classify(owner, id, expected, Some(&lock), now, failure)
                    .await;
                if i > 0 {
                    self.release_lock(id, &lock).await;
                }
                return Err(next);
            }
        }
        Ok(())
    }

    /// Best effort: releases a lock this append took (else it expires by itself).
    async fn release_lock(&self, id: &str, lock: &str) {
        let result = self
            .send(|| {
                self.client
                    .update_item()
                    .table_name(&self.tables.conversations)
                    .set_key(self.conversation_key(id))
                    .update_expression("REMOVE #append_lock, #append_lock_until")
                    .condition_expression("#append_lock = :lock")
                    .set_expression_attribute_names(names(&["#append_lock, #append_lock_until"]))
                    .set_expression_attribute_values(values(vec![(":lock", s(lock))]))
                    .send()
            })
            .await;
        if let Err(e) = result {
            if e.code() != Some("ConditionalCheckFailedException") {
                tracing::warn!(conversation = id, error = %DisplayErrorContext(&e), "could not release an append lock; it expires by itself");
            }
        }
    }

    /// Why an append transaction failed, from the conversation as it is now.
    async fn classify(
        &self,
        owner: &str,
        id: &str,
        expected: u64,
        lock: Option<&str>,
        now: i64,
        failure: TxFailure,
    ) -> Next {
        let (index, item) = match failure {
            TxFailure::Failed(e) => return Next::Fail(e),
            TxFailure::Retry(why) => {
                tracing::debug!(conversation = id, %why, "append transaction retried");
                return Next::Again {
                    wait: true,
                    not_before: now,
                };
            }
            TxFailure::Condition { index, item } => (index, item),
        };
        if index > 0 {
            return Next::Fail(StoreError::Backend(format!(
                "conversation `{id}`: a message with seq {} is already stored beyond the \
                 message count; the table was changed outside this store",
                expected + index as u64
            )));
        }
        let item = match item {
            Some(item) => Some(item),
            None => match self.read_conversation(id).await {
                Ok(item) => item,
                Err(e) => return Next::Fail(e),
            },
        };
        let Some(item) = item.filter(|item| owned(item, owner)) else {
            return Next::Fail(not_found(id));
        };
        let actual = get_opt_n::<u64>(&item, MESSAGE_COUNT).unwrap_or(0);
        if actual != expected {
            return Next::Fail(StoreError::Conflict {
                conversation_id: id.to_string(),
                expected,
                actual,
            });
        }
        let updated_at = get_opt_n::<i64>(&item, UPDATED_AT).unwrap_or(0);
        let held = match item.get(APPEND_LOCK) {
            Some(AttributeValue::S(holder)) => {
                Some(holder.as_str()) != lock
                    && get_opt_n::<i64>(&item, APPEND_LOCK_UNTIL).unwrap_or(0) >= now_ms()
            }
            _ => false,
        };
        // Our clock behind the stored updated_at: go again at that time, at once. Another
        // append holding the conversation (or a write that changed it in between): wait.
        Next::Again {
            wait: held || updated_at <= now,
            not_before: updated_at,
        }
    }

    async fn messages(
        &self,
        owner: &str,
        id: &str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<StoredMessage>, StoreError> {
        check_limit(limit)?;
        let cursor = cursor.map(parse_message_cursor).transpose()?;
        let conversation = self.owned_conversation(owner, id).await?;
        // Only committed messages: seq 1..=message_count.
        let count: u64 = get_n(&conversation, MESSAGE_COUNT)?;
        let (low, high, forward) = match order {
            MessageOrder::Oldest => (cursor.map_or(1, |seq| seq.saturating_add(1)), count, true),
            MessageOrder::Newest => (
                1,
                cursor.map_or(count, |seq| seq.saturating_sub(1).min(count)),
                false,
            ),
        };
        let mut items = Vec::with_capacity(limit.min(count as usize));
        if low <= high {
            let bound = values(vec![(":id", s(id)), (":low", n(low)), (":high", n(high))]);
            let mut start: Option<Item> = None;
            loop {
                let out = self
                    .send(|| {
                        self.client
                            .query()
                            .table_name(&self.tables.messages)
                            .key_condition_expression(
                                "#conversation_id = :id AND #seq BETWEEN :low AND :high",
                            )
                            .set_expression_attribute_names(names(&["#conversation_id, #seq"]))
                            .set_expression_attribute_values(bound.clone())
                            .scan_index_forward(forward)
                            .consistent_read(true)
                            .limit((limit - items.len()) as i32)
                            .set_exclusive_start_key(start.clone())
                            .send()
                    })
                    .await
                    .map_err(|e| backend("Query", e))?;
                for item in out.items() {
                    items.push(message_from_item(item)?);
                }
                start = out.last_evaluated_key;
                if items.len() >= limit || start.is_none() {
                    break;
                }
            }
        }
        items.truncate(limit);
        let more = items.len() == limit
            && items.last().is_some_and(|last| match order {
                MessageOrder::Oldest => last.seq < high,
                MessageOrder::Newest => last.seq > low,
            });
        let next = if more {
            items.last().map(message_cursor)
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

impl ConversationStore for DynamoDbStore {
    fn create_conversation(
        &self,
        new: NewConversation,
    ) -> BoxFuture<'_, Result<ConversationRecord, StoreError>> {
        Box::pin(self.create(new))
    }

    fn get_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        Box::pin(self.get(owner, id))
    }

    fn list_conversations<'a>(
        &'a self,
        owner: &'a str,
        route: &'a str,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<ConversationRecord>, StoreError>> {
        Box::pin(self.list(owner, route, limit, cursor))
    }

    fn update_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        patch: ConversationPatch,
    ) -> BoxFuture<'a, Result<ConversationRecord, StoreError>> {
        Box::pin(self.update(owner, id, patch))
    }

    fn delete_conversation<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.delete(owner, id))
    }

    fn append_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        expected_count: u64,
        messages: Vec<NewMessage>,
    ) -> BoxFuture<'a, Result<Vec<StoredMessage>, StoreError>> {
        Box::pin(self.append(owner, id, expected_count, messages))
    }

    fn list_messages<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
        order: MessageOrder,
        limit: usize,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<StoredMessage>, StoreError>> {
        Box::pin(self.messages(owner, id, order, limit, cursor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_key_sorts_newest_first_then_by_id() {
        let mut keys = vec![
            updated_key(5, "b"),
            updated_key(1_700_000_000_000, "a"),
            updated_key(5, "a"),
            updated_key(1_700_000_000_001, "z"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                updated_key(1_700_000_000_001, "z"),
                updated_key(1_700_000_000_000, "a"),
                updated_key(5, "a"),
                updated_key(5, "b"),
            ]
        );
    }

    #[test]
    fn expression_names_are_the_ones_used() {
        let names = names(&[
            "SET #message_count = :count REMOVE #append_lock",
            "#owner = :owner AND attribute_not_exists(#deleting)",
        ])
        .unwrap();
        let mut keys: Vec<&str> = names.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["#append_lock", "#deleting", "#message_count", "#owner"]
        );
        assert_eq!(names["#owner"], "owner");
    }

    #[test]
    fn owner_route_is_unambiguous() {
        assert_ne!(owner_route("a#b", "c"), owner_route("a", "b#c"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..40 {
            let d = DynamoDbStore::backoff(attempt);
            assert!(d <= Duration::from_secs(5), "{d:?}");
        }
        assert!(DynamoDbStore::backoff(1) <= Duration::from_millis(50));
    }

    #[test]
    fn item_size_counts_names_and_values() {
        let item = HashMap::from([
            ("content".to_string(), s("x".repeat(1000))),
            ("seq".to_string(), n(12345)),
        ]);
        let size = item_size(&item);
        assert!((1010..1200).contains(&size), "{size}");
    }
}

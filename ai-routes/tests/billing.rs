//! Costs that match the bill: prompt-cache checkpoints placed where they count, cache
//! writes and reads priced per TTL, and service tiers, each checked against a hand
//! computation from AWS's list prices, through the real SDK and the stand-in (which caches
//! prefixes and reports `cacheDetails` and `serviceTier` as Bedrock does).
//!
//! List prices used below (USD per million tokens, https://aws.amazon.com/bedrock/pricing/,
//! Anthropic's https://www.anthropic.com/pricing for the cache multipliers):
//! - Claude Sonnet 4.5: input 3.00, output 15.00, 1-hour cache write 6.00, cache read 0.30.
//! - Claude Sonnet 5.5: input 2.00, output 10.00, 5-minute cache write 2.50, cache read 0.10.
//! - Amazon Nova Pro: input 0.80, output 3.20; flex 0.40 / 1.60; priority 1.40 / 5.60.
#![cfg(feature = "testing")]

use std::sync::{Arc, Mutex};

use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;
use ai_routes::testing::{LocalBedrock, Reply};
use ai_routes::{ServiceTier, UsageEvent};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// What a ticket is about.
#[derive(Debug, Deserialize, JsonSchema)]
struct Triage {
    category: String,
    urgency: String,
    summary: String,
}

#[generation(
    model = "Claude Sonnet 4.5",
    system_prompt = "Rule 1: Read the whole ticket before you decide; the subject line alone is often misleading. Rule 2: Billing covers invoices, refunds, charges, payment methods, tax documents and plan prices. Rule 3: Access covers sign-in problems, password resets, multi-factor devices and locked accounts. Rule 4: Outage covers anything that says the product is down, slow for everyone, or erroring at scale. Rule 5: Feature request covers ideas, wishes and missing capabilities that are not defects. Rule 6: Bug covers behaviour that contradicts the documentation for a single customer or workflow. Rule 7: When a ticket fits two categories, choose the one that needs the fastest human response. Rule 8: Urgency is high when money was taken wrongly, when a whole team is blocked, or when data is at risk. Rule 9: Urgency is medium when one person is blocked but has a workaround, or when a deadline is mentioned. Rule 10: Urgency is low for questions, ideas, cosmetic problems and anything the customer calls minor. Rule 11: Never infer urgency from capital letters or exclamation marks alone; read what actually happened. Rule 12: Summaries are one sentence, in plain words, without greetings, names or account numbers. Rule 13: Do not copy personal data into the summary: no e-mail addresses, phone numbers or card digits. Rule 14: If the ticket is in another language, summarise it in English and keep product names as written. Rule 15: If the ticket is empty or unreadable, choose the bug category with low urgency and say so. Rule 16: Tickets from automated monitors are outages when they report errors for more than one region. Rule 17: Refund requests older than ninety days are still billing tickets; policy is decided by a human. Rule 18: Questions about the API rate limits are access tickets when requests are refused with 403 or 429. Rule 19: Questions about exporting data are feature requests unless an export that used to work now fails. Rule 20: Security reports (vulnerabilities, leaked keys, suspicious sign-ins) are always high urgency outages. Rule 21: Read the whole ticket before you decide; the subject line alone is often misleading. Rule 22: Billing covers invoices, refunds, charges, payment methods, tax documents and plan prices. Rule 23: Access covers sign-in problems, password resets, multi-factor devices and locked accounts. Rule 24: Outage covers anything that says the product is down, slow for everyone, or erroring at scale. Rule 25: Feature request covers ideas, wishes and missing capabilities that are not defects. Rule 26: Bug covers behaviour that contradicts the documentation for a single customer or workflow. Rule 27: When a ticket fits two categories, choose the one that needs the fastest human response. Rule 28: Urgency is high when money was taken wrongly, when a whole team is blocked, or when data is at risk. Rule 29: Urgency is medium when one person is blocked but has a workaround, or when a deadline is mentioned. Rule 30: Urgency is low for questions, ideas, cosmetic problems and anything the customer calls minor. Rule 31: Never infer urgency from capital letters or exclamation marks alone; read what actually happened. Rule 32: Summaries are one sentence, in plain words, without greetings, names or account numbers. Rule 33: Do not copy personal data into the summary: no e-mail addresses, phone numbers or card digits. Rule 34: If the ticket is in another language, summarise it in English and keep product names as written. Rule 35: If the ticket is empty or unreadable, choose the bug category with low urgency and say so. Rule 36: Tickets from automated monitors are outages when they report errors for more than one region. Rule 37: Refund requests older than ninety days are still billing tickets; policy is decided by a human. Rule 38: Questions about the API rate limits are access tickets when requests are refused with 403 or 429. Rule 39: Questions about exporting data are feature requests unless an export that used to work now fails. Rule 40: Security reports (vulnerabilities, leaked keys, suspicious sign-ins) are always high urgency outages. Answer with the category, the urgency and the summary only; the caller files the ticket and writes to the customer, so never draft a reply, never promise anything, and never ask the customer questions yourself.",
    cache = "1h",
    max_tokens = 300
)]
async fn triage(ai: &Client, ticket: String) -> Result<Generated<Triage>>;

#[generation(model = "Nova Pro", service_tier = "flex")]
async fn overnight_triage(ai: &Client, ticket: String) -> Result<Generated<Triage>>;

/// A support chat on a model whose cache reads cost 0.05x the input price.
#[conversation(
    model = "Claude Sonnet 5.5",
    system_prompt = "Rule 1: Read the whole ticket before you decide; the subject line alone is often misleading. Rule 2: Billing covers invoices, refunds, charges, payment methods, tax documents and plan prices. Rule 3: Access covers sign-in problems, password resets, multi-factor devices and locked accounts. Rule 4: Outage covers anything that says the product is down, slow for everyone, or erroring at scale. Rule 5: Feature request covers ideas, wishes and missing capabilities that are not defects. Rule 6: Bug covers behaviour that contradicts the documentation for a single customer or workflow. Rule 7: When a ticket fits two categories, choose the one that needs the fastest human response. Rule 8: Urgency is high when money was taken wrongly, when a whole team is blocked, or when data is at risk. Rule 9: Urgency is medium when one person is blocked but has a workaround, or when a deadline is mentioned. Rule 10: Urgency is low for questions, ideas, cosmetic problems and anything the customer calls minor. Rule 11: Never infer urgency from capital letters or exclamation marks alone; read what actually happened. Rule 12: Summaries are one sentence, in plain words, without greetings, names or account numbers. Rule 13: Do not copy personal data into the summary: no e-mail addresses, phone numbers or card digits. Rule 14: If the ticket is in another language, summarise it in English and keep product names as written. Rule 15: If the ticket is empty or unreadable, choose the bug category with low urgency and say so. Rule 16: Tickets from automated monitors are outages when they report errors for more than one region. Rule 17: Refund requests older than ninety days are still billing tickets; policy is decided by a human. Rule 18: Questions about the API rate limits are access tickets when requests are refused with 403 or 429. Rule 19: Questions about exporting data are feature requests unless an export that used to work now fails. Rule 20: Security reports (vulnerabilities, leaked keys, suspicious sign-ins) are always high urgency outages. Rule 21: Read the whole ticket before you decide; the subject line alone is often misleading. Rule 22: Billing covers invoices, refunds, charges, payment methods, tax documents and plan prices. Rule 23: Access covers sign-in problems, password resets, multi-factor devices and locked accounts. Rule 24: Outage covers anything that says the product is down, slow for everyone, or erroring at scale. Rule 25: Feature request covers ideas, wishes and missing capabilities that are not defects. Rule 26: Bug covers behaviour that contradicts the documentation for a single customer or workflow. Rule 27: When a ticket fits two categories, choose the one that needs the fastest human response. Rule 28: Urgency is high when money was taken wrongly, when a whole team is blocked, or when data is at risk. Rule 29: Urgency is medium when one person is blocked but has a workaround, or when a deadline is mentioned. Rule 30: Urgency is low for questions, ideas, cosmetic problems and anything the customer calls minor. Rule 31: Never infer urgency from capital letters or exclamation marks alone; read what actually happened. Rule 32: Summaries are one sentence, in plain words, without greetings, names or account numbers. Rule 33: Do not copy personal data into the summary: no e-mail addresses, phone numbers or card digits. Rule 34: If the ticket is in another language, summarise it in English and keep product names as written. Rule 35: If the ticket is empty or unreadable, choose the bug category with low urgency and say so. Rule 36: Tickets from automated monitors are outages when they report errors for more than one region. Rule 37: Refund requests older than ninety days are still billing tickets; policy is decided by a human. Rule 38: Questions about the API rate limits are access tickets when requests are refused with 403 or 429. Rule 39: Questions about exporting data are feature requests unless an export that used to work now fails. Rule 40: Security reports (vulnerabilities, leaked keys, suspicious sign-ins) are always high urgency outages. Answer with the category, the urgency and the summary only; the caller files the ticket and writes to the customer, so never draft a reply, never promise anything, and never ask the customer questions yourself.",
    cache = true
)]
struct SupportChat;

/// Looks up the current weather for a city.
#[tool]
async fn weather(city: String) -> Result<String, ToolError> {
    Ok(format!("Sunny in {city}"))
}

/// A chat on Nova, which caches system and messages but not tools.
#[conversation(model = "Nova Lite", system_prompt = "Be brief.", tools = [weather], cache = true)]
struct NovaChat;

/// Collects every usage event the client reports.
fn recording_client(bedrock: &LocalBedrock) -> (Client, Arc<Mutex<Vec<UsageEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let ai = Client::builder(bedrock.client())
        .usage_sink(move |event: &UsageEvent| sink.lock().unwrap().push(event.clone()))
        .build();
    (ai, events)
}

/// USD for `tokens` at `per_million`.
fn usd(tokens: u64, per_million: f64) -> f64 {
    tokens as f64 * per_million / 1_000_000.0
}

fn assert_usd(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-12,
        "cost {actual} != hand computation {expected}"
    );
}

#[tokio::test]
async fn a_one_hour_cache_write_then_a_read_cost_what_aws_lists() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();

    let first = triage(&ai, "I was charged twice this month".into())
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    // The system prompt reaches Sonnet 4.5's 1,024-token minimum: one checkpoint after
    // it, with the 1-hour TTL. The tools alone (the output schema) do not: none there.
    assert_eq!(
        body["system"][1],
        json!({"cachePoint": {"type": "default", "ttl": "1h"}})
    );
    assert!(!body["toolConfig"]["tools"]
        .to_string()
        .contains("cachePoint"));
    let label = &first.value;
    assert!(!label.category.is_empty() && !label.urgency.is_empty() && !label.summary.is_empty());
    let usage = first.usage;
    assert!(usage.cache_write_tokens >= 1_024, "{usage:?}");
    assert_eq!(
        usage.cache_write_1h_tokens, usage.cache_write_tokens,
        "cacheDetails says 1h"
    );
    assert_eq!(usage.cache_read_tokens, 0);
    assert_usd(
        usage.cost_usd,
        usd(usage.input_tokens, 3.00)
            + usd(usage.output_tokens, 15.00)
            + usd(usage.cache_write_tokens, 6.00),
    );

    // The same prefix again within the hour: read, not written.
    let second = triage(&ai, "My invoice shows the wrong VAT number".into())
        .await
        .unwrap();
    let usage = second.usage;
    assert_eq!(
        usage.cache_read_tokens, first.usage.cache_write_tokens,
        "{usage:?}"
    );
    assert_eq!(usage.cache_write_tokens, 0);
    assert_usd(
        usage.cost_usd,
        usd(usage.input_tokens, 3.00)
            + usd(usage.output_tokens, 15.00)
            + usd(usage.cache_read_tokens, 0.30),
    );
}

#[tokio::test]
async fn a_cache_read_on_claude_sonnet_5_5_costs_what_aws_lists() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let (ai, events) = recording_client(&bedrock);
    let chat = SupportChat::new(ai, MemoryStore::new(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    for text in ["My order has not arrived", "It was order 1234"] {
        conv.send("u", text)
            .await
            .unwrap()
            .collect_text()
            .await
            .unwrap();
    }
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 2);
    let (first, second) = (events[0].usage, events[1].usage);
    assert!(
        first.cache_write_tokens >= 512 && first.cache_read_tokens == 0,
        "{first:?}"
    );
    assert!(
        second.cache_read_tokens >= 512,
        "the system prompt is read back: {second:?}"
    );
    for usage in [first, second] {
        assert_eq!(usage.cache_write_1h_tokens, 0);
        assert_usd(
            usage.cost_usd,
            usd(usage.input_tokens, 2.00)
                + usd(usage.output_tokens, 10.00)
                + usd(usage.cache_write_tokens, 2.50)
                + usd(usage.cache_read_tokens, 0.10),
        );
    }
}

#[tokio::test]
async fn flex_and_priority_calls_cost_what_aws_lists_for_the_tier_bedrock_served() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let (ai, events) = recording_client(&bedrock);

    // The route's tier.
    let flex = overnight_triage(&ai, "Please add dark mode".into())
        .await
        .unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().body["serviceTier"],
        json!({"type": "flex"})
    );
    assert_usd(
        flex.usage.cost_usd,
        usd(flex.usage.input_tokens, 0.40) + usd(flex.usage.output_tokens, 1.60),
    );

    // A per-call tier wins over the route's.
    let priority = overnight_triage(
        &ai.with_service_tier(ServiceTier::Priority),
        "Site is down".into(),
    )
    .await
    .unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().body["serviceTier"],
        json!({"type": "priority"})
    );
    assert_usd(
        priority.usage.cost_usd,
        usd(priority.usage.input_tokens, 1.40) + usd(priority.usage.output_tokens, 5.60),
    );

    // Over its priority quota Bedrock serves the call in the standard tier and says so:
    // the cost follows the tier served, not the one asked for.
    bedrock.push_reply(
        Reply::tool_use(
            "return_result",
            json!({"category": "outage", "urgency": "high", "summary": "Site down"}),
        )
        .with_usage(1_000, 100)
        .served_in(ServiceTier::Default),
    );
    let served_default = overnight_triage(
        &ai.with_service_tier(ServiceTier::Priority),
        "Site is down".into(),
    )
    .await
    .unwrap();
    assert_usd(
        served_default.usage.cost_usd,
        usd(1_000, 0.80) + usd(100, 3.20),
    );

    let events = events.lock().unwrap();
    let tiers: Vec<_> = events.iter().map(|e| e.service_tier).collect();
    assert_eq!(
        tiers,
        [
            Some(ServiceTier::Flex),
            Some(ServiceTier::Priority),
            Some(ServiceTier::Default)
        ]
    );
}

#[tokio::test]
async fn a_tier_the_model_is_not_offered_in_is_refused_before_the_call() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client().with_service_tier(ServiceTier::Flex);
    let err = triage(&ai, "hello".into()).await.unwrap_err();
    match &err {
        Error::ServiceTierUnavailable {
            requested, offered, ..
        } => {
            assert_eq!(*requested, ServiceTier::Flex);
            assert_eq!(offered, &[ServiceTier::Default]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("Client::with_service_tier"),
        "{err}"
    );
    assert!(bedrock.requests().is_empty(), "no call was made");
}

#[tokio::test]
async fn checkpoints_go_only_where_the_model_caches_a_prefix_that_long() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let chat = NovaChat::new(ai, MemoryStore::new(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();

    // A short exchange: nothing reaches Nova's 1,000-token minimum, so no checkpoint (and
    // never one after the tools: Nova does not cache tools).
    conv.send("u", "hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert!(!body.to_string().contains("cachePoint"), "{body}");

    // A long message makes the history worth caching: a checkpoint at its end only.
    let long = "The attached log shows the same timeout again. ".repeat(100);
    conv.send("u", long)
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    let last = body["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last["content"].as_array().unwrap().last().unwrap(),
        &json!({"cachePoint": {"type": "default"}})
    );
    assert_eq!(body.to_string().matches("cachePoint").count(), 1, "{body}");
}

/// Bedrock's refusals of checkpoints and tiers, replayed by the stand-in for requests
/// made with the raw SDK (what a `model_id` route or another client could send).
#[tokio::test]
async fn the_stand_in_refuses_checkpoints_and_tiers_as_bedrock_does() {
    use aws_sdk_bedrockruntime::types::{
        CachePointBlock, CachePointType, CacheTtl, ContentBlock, ConversationRole, Message,
        ServiceTierType, SystemContentBlock,
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let sdk = bedrock.client();
    let point = |ttl: Option<CacheTtl>| {
        CachePointBlock::builder()
            .r#type(CachePointType::Default)
            .set_ttl(ttl)
            .build()
            .unwrap()
    };
    let user = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello".into()))
        .build()
        .unwrap();
    let refusal = |result: Result<_, aws_sdk_bedrockruntime::error::SdkError<_, _>>| -> String {
        use aws_sdk_bedrockruntime::error::ProvideErrorMetadata as _;
        let error: aws_sdk_bedrockruntime::error::SdkError<
            aws_sdk_bedrockruntime::operation::converse::ConverseError,
            _,
        > = result
            .map(|_: aws_sdk_bedrockruntime::operation::converse::ConverseOutput| ())
            .unwrap_err();
        let service = error.into_service_error();
        assert_eq!(
            service.code(),
            Some("ValidationException"),
            "{:?}",
            service.message()
        );
        service.message().unwrap_or_default().to_string()
    };
    let system = |ttl| {
        vec![
            SystemContentBlock::Text("rules".into()),
            SystemContentBlock::CachePoint(point(ttl)),
        ]
    };

    // A model without prompt caching.
    let message = refusal(
        sdk.converse()
            .model_id("openai.gpt-oss-120b-1:0")
            .set_system(Some(system(None)))
            .messages(user.clone())
            .send()
            .await,
    );
    assert_eq!(message, "This model doesn't support the cachePoint field. Remove cachePoint from your request and try again.");

    // The 1-hour TTL on a Claude model older than 4.5 (Opus 4.1), and on Nova.
    let message = refusal(
        sdk.converse()
            .model_id("us.anthropic.claude-opus-4-1-20250805-v1:0")
            .set_system(Some(system(Some(CacheTtl::OneHour))))
            .messages(user.clone())
            .send()
            .await,
    );
    assert!(
        message.ends_with("Extra inputs are not permitted"),
        "{message}"
    );
    let message = refusal(
        sdk.converse()
            .model_id("amazon.nova-lite-v1:0")
            .set_system(Some(system(Some(CacheTtl::OneHour))))
            .messages(user.clone())
            .send()
            .await,
    );
    assert_eq!(
        message,
        "Extended TTL prompt caching is only supported for Anthropic models"
    );

    // A 1-hour checkpoint after a 5-minute one.
    let late_long = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hello".into()))
        .content(ContentBlock::CachePoint(point(Some(CacheTtl::OneHour))))
        .build()
        .unwrap();
    let message = refusal(
        sdk.converse()
            .model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0")
            .set_system(Some(system(None)))
            .messages(late_long)
            .send()
            .await,
    );
    assert!(
        message.contains(
            "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block"
        ),
        "{message}"
    );

    // Five checkpoints.
    let many = Message::builder()
        .role(ConversationRole::User)
        .set_content(Some(
            (0..4)
                .flat_map(|i| {
                    [
                        ContentBlock::Text(format!("part {i}")),
                        ContentBlock::CachePoint(point(None)),
                    ]
                })
                .collect(),
        ))
        .build()
        .unwrap();
    let message = refusal(
        sdk.converse()
            .model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0")
            .set_system(Some(system(None)))
            .messages(many)
            .send()
            .await,
    );
    assert!(
        message.contains("A maximum of 4 blocks with cache_control may be provided. Found 5."),
        "{message}"
    );

    // A tier the model is not offered in (no Claude has flex).
    let message = refusal(
        sdk.converse()
            .model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0")
            .service_tier(
                aws_sdk_bedrockruntime::types::ServiceTier::builder()
                    .r#type(ServiceTierType::Flex)
                    .build()
                    .unwrap(),
            )
            .messages(user.clone())
            .send()
            .await,
    );
    assert_eq!(message, "Reservation not found.");
}

//! Production hardening end to end on the stand-in: retries and limits, timeouts and
//! deadlines, usage metering and spending caps, inference profiles and start-up checks,
//! prompt caching, guardrails and the OpenTelemetry GenAI span attributes.
#![cfg(feature = "testing")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ai_routes::conversation::Role;
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder};
use ai_routes::testing::{ErrorKind, LocalBedrock, Reply, StreamBreak};
use ai_routes::{RetryPolicy, UsageEvent, UsageMeter};
use serde_json::json;

#[generation(model = "Nova Micro", max_tokens = 200)]
async fn count(ai: &Client, text: String) -> Result<Generated<u32>>;

#[generation(model = "Nova Micro", timeout_ms = 150)]
async fn quick_count(ai: &Client, text: String) -> Result<u32>;

#[generation(model = "Claude Haiku 4.5", cross_region = "us", max_tokens = 300)]
async fn us_haiku(ai: &Client, text: String) -> Result<String>;

#[generation(model = "Nova Micro", cross_region = "eu")]
async fn eu_micro(ai: &Client, text: String) -> Result<String>;

#[generation(model = "Llama 3.1 70B Instruct")]
async fn llama_anywhere(ai: &Client, text: String) -> Result<String>;

#[generation(
    model = "Claude Haiku 4.5",
    system_prompt = "You count words.",
    cache = true,
    // The result tool, so the cache point after the tools is exercised.
    output = "tool"
)]
async fn cached_count(ai: &Client, text: String) -> Result<Generated<u32>>;

#[generation(model = "Nova Lite", guardrail = "gr-abc123:1")]
async fn guarded(ai: &Client, text: String) -> Result<String>;

/// Looks up the current weather for a city.
#[tool]
async fn weather(city: String) -> Result<String, ToolError> {
    Ok(format!("rain in {city}"))
}

/// A plain streaming chat.
#[conversation(model = "Amazon Nova Lite", system_prompt = "Be brief.")]
struct Chat;

/// A chat whose turns must finish quickly.
#[conversation(model = "Amazon Nova Lite", turn_timeout_ms = 150)]
struct HurriedChat;

/// A cached, guarded chat with a tool.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a weather bot.",
    tools = [weather],
    cache = true,
    guardrail = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr-xyz:DRAFT"
)]
struct CachedChat;

/// A chat through the `eu` inference profile.
#[conversation(model = "Nova Micro", cross_region = "eu")]
struct EuChat;

const FAST: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(5),
    max_backoff: Duration::from_millis(20),
};

fn fast_client(bedrock: &LocalBedrock) -> Client {
    Client::builder(bedrock.client()).retry(FAST).build()
}

async fn messages(
    store: &MemoryStore,
    owner: &str,
    id: &str,
) -> Vec<ai_routes::conversation::StoredMessage> {
    store
        .list_messages(owner, id, MessageOrder::Oldest, 1000, None)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn retries_recover_from_throttling_on_top_of_the_sdk() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = fast_client(&bedrock);
    // The SDK's three attempts are all throttled; ai-routes' second attempt gets through.
    bedrock.throttle_next(4);
    let generated = count(&ai, "one two".into()).await.unwrap();
    assert_eq!(bedrock.requests().len(), 5);
    assert_eq!(generated.attempts, 1, "no correction was needed");

    let once = Client::builder(bedrock.client())
        .retry(RetryPolicy::none())
        .build();
    bedrock.throttle_next(3);
    let err = count(&once, "x".into()).await.unwrap_err();
    assert!(
        matches!(err, Error::Throttled { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("1 attempt(s)"), "{err}");
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn transient_errors_are_retried_and_validation_errors_are_not() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = fast_client(&bedrock);
    for _ in 0..4 {
        bedrock.fail_next(ErrorKind::ServiceUnavailable);
    }
    count(&ai, "x".into()).await.unwrap();

    for _ in 0..9 {
        bedrock.fail_next(ErrorKind::InternalServer);
    }
    let err = count(&ai, "x".into()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Service { code, attempts: 3, .. } if code == "InternalServerException"),
        "{err:?}"
    );

    bedrock.clear_requests();
    bedrock.fail_next(ErrorKind::Validation);
    let err = count(&ai, "x".into()).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(bedrock.requests().len(), 1, "a validation error is final");
}

#[tokio::test]
async fn a_burst_queues_behind_the_per_model_concurrency_limit() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.set_latency(Duration::from_millis(50));
    let ai = Client::builder(bedrock.client())
        .max_concurrency_per_model(2)
        .build();
    let model_id = COUNT_ROUTE.route_info().invoke_id;
    let peak = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (ai, peak) = (ai.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                let now = ai.in_flight(model_id).unwrap() as u64;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let started = Instant::now();
    let calls = (0..10).map(|i| count(&ai, format!("call {i}")));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    watcher.abort();
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "never more than 2 in flight"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "5 waves of 50 ms"
    );
    assert_eq!(ai.in_flight(model_id), Some(0));
}

#[tokio::test]
async fn a_tokens_per_minute_budget_makes_the_next_call_wait() {
    let bedrock = LocalBedrock::start().await.unwrap();
    // 100 tokens a second.
    let ai = Client::builder(bedrock.client())
        .tokens_per_minute("Nova Micro", 6_000)
        .build();
    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 3})).with_usage(6_000, 30));
    count(&ai, "x".into()).await.unwrap();
    let left = ai.budget_left("amazon.nova-micro-v1:0").unwrap();
    assert!(left < 0.0, "the reported usage overdrew the budget: {left}");
    let started = Instant::now();
    count(&ai, "y".into()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited for the refill: {:?}",
        started.elapsed()
    );
    assert!(ai.budget_left(ai_routes::BudgetScope::AllModels).is_none());
}

#[tokio::test]
async fn attempt_timeout_and_route_deadline_are_typed_timeouts() {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.set_latency(Duration::from_millis(400));
    let ai = Client::builder(bedrock.client())
        .retry(RetryPolicy {
            max_attempts: 2,
            ..FAST
        })
        .attempt_timeout(Duration::from_millis(100))
        .build();
    let err = count(&ai, "x".into()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 2, .. }), "{err:?}");
    assert!(
        err.to_string().contains("attempt timeout of 100 ms"),
        "{err}"
    );

    let started = Instant::now();
    let err = quick_count(&fast_client(&bedrock), "x".into())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("timeout_ms = 150"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(390));
}

#[tokio::test]
async fn a_turn_past_its_deadline_fails_and_keeps_the_user_message() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let chat = HurriedChat::new(fast_client(&bedrock), store.clone(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    bedrock.set_latency(Duration::from_millis(400));
    let err = conv
        .send("u", "hello")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("turn_timeout_ms = 150"), "{err}");
    assert_eq!(messages(&store, "u", conv.id()).await.len(), 1);
    bedrock.clear_faults();
    conv.send("u", "again")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(messages(&store, "u", conv.id()).await.len(), 3);
}

#[tokio::test]
async fn a_stream_that_breaks_before_its_first_delta_is_retried() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let store = MemoryStore::new();
    let chat = Chat::new(fast_client(&bedrock), store.clone(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    // messageStart only, then a throttling exception: nothing reached the caller yet.
    bedrock.break_next_stream(1, StreamBreak::Exception(ErrorKind::Throttling));
    bedrock.push_reply(Reply::text("ignored by the break"));
    bedrock.push_reply(Reply::text("Hello again."));
    let reply = conv
        .send("u", "hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.text, "Hello again.");
    assert_eq!(bedrock.requests().len(), 2);
    let stored = messages(&store, "u", conv.id()).await;
    assert_eq!(stored.len(), 2);
    assert!(!stored[1].incomplete);
}

#[tokio::test]
async fn usage_is_metered_per_route_model_and_owner() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let meter = UsageMeter::new();
    let events: Arc<Mutex<Vec<UsageEvent>>> = Arc::default();
    let sink = events.clone();
    let ai = Client::builder(bedrock.client())
        .usage_sink(meter.clone())
        .usage_sink(move |event: &UsageEvent| sink.lock().unwrap().push(event.clone()))
        .build();
    let alice = ai.for_owner("alice");
    assert_eq!(alice.owner(), Some("alice"));
    count(&alice, "a".into()).await.unwrap();
    count(&alice, "b".into()).await.unwrap();
    count(&ai, "no owner".into()).await.unwrap();

    let chat = Chat::new(ai.clone(), MemoryStore::new(), ());
    let conv = chat
        .create("bob", CreateConversation::default())
        .await
        .unwrap();
    let turn = conv
        .send("bob", "hi")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();

    let snapshot = meter.snapshot();
    assert_eq!(snapshot.total.calls, 4);
    assert_eq!(snapshot.by_route["count"].calls, 3);
    assert_eq!(snapshot.by_route["Chat"].calls, 1);
    assert_eq!(snapshot.by_model["amazon.nova-micro-v1:0"].calls, 3);
    assert_eq!(snapshot.by_owner["alice"].calls, 2);
    assert_eq!(snapshot.by_owner["bob"].usage, turn.usage);
    assert!(snapshot.total.usage.cost_usd > 0.0);
    assert_eq!(ai.owner_spent("alice"), meter.owner("alice").usage.cost_usd);

    let events = events.lock().unwrap();
    assert_eq!(events.len(), 4);
    let last = events.last().unwrap();
    assert_eq!(last.kind, ai_routes::RouteKind::Conversation);
    assert_eq!(last.conversation_id.as_deref(), Some(conv.id()));
    assert_eq!(last.region, "us-east-1");
}

#[tokio::test]
async fn a_spending_cap_refuses_calls_before_they_are_made() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = Client::builder(bedrock.client())
        .spending_cap_per_owner(0.000_001)
        .build();
    let carol = ai.for_owner("carol");
    count(&carol, "first".into()).await.unwrap();
    let sent = bedrock.requests().len();
    let err = count(&carol, "second".into()).await.unwrap_err();
    match &err {
        Error::SpendingCapReached {
            owner,
            spent_usd,
            cap_usd,
        } => {
            assert_eq!(owner, "carol");
            assert!(spent_usd >= cap_usd);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bedrock.requests().len(), sent, "no request was made");
    // Calls without an owner, and other owners, are not capped.
    count(&ai, "x".into()).await.unwrap();
    count(&ai.for_owner("dave"), "x".into()).await.unwrap();

    let store = MemoryStore::new();
    let chat = Chat::new(ai.clone(), store.clone(), ());
    let conv = chat
        .create("carol", CreateConversation::default())
        .await
        .unwrap();
    let Err(err) = conv.send("carol", "hi").await else {
        panic!("the turn was not refused");
    };
    assert!(matches!(err, Error::SpendingCapReached { .. }), "{err:?}");
    assert!(
        messages(&store, "carol", conv.id()).await.is_empty(),
        "nothing stored"
    );

    // A restart seeds the tally from a billing store.
    ai.set_owner_spent("carol", 0.0);
    count(&carol, "after reset".into()).await.unwrap();
}

#[tokio::test]
async fn cache_points_follow_the_system_prompt_tools_and_history_and_cache_tokens_are_priced() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.push_reply(
        Reply::tool_use("return_result", json!({"value": 2}))
            .with_usage(100, 10)
            .with_cache_usage(2_000, 500),
    );
    let generated = cached_count(&ai, "two words".into()).await.unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["system"][1],
        json!({"cachePoint": {"type": "default"}})
    );
    assert_eq!(
        body["toolConfig"]["tools"][1],
        json!({"cachePoint": {"type": "default"}})
    );
    assert_eq!(generated.usage.cache_read_tokens, 2_000);
    assert_eq!(generated.usage.cache_write_tokens, 500);
    let model = ai_routes::catalog::by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    let per_token = model.price_input_per_1k_usd / 1000.0;
    let expected = model.cost_usd(100, 10) + 2_000.0 * per_token * 0.1 + 500.0 * per_token * 1.25;
    assert!((generated.usage.cost_usd - expected).abs() < 1e-12);

    let chat = CachedChat::new(ai.clone(), MemoryStore::new(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    conv.send("u", "weather in Paris please")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let body = bedrock.last_request().unwrap().body;
    assert_eq!(
        body["system"][1],
        json!({"cachePoint": {"type": "default"}})
    );
    let tools = body["toolConfig"]["tools"].as_array().unwrap();
    assert_eq!(
        tools.last().unwrap(),
        &json!({"cachePoint": {"type": "default"}})
    );
    let last_message = body["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last_message["content"].as_array().unwrap().last().unwrap(),
        &json!({"cachePoint": {"type": "default"}}),
        "the end of the history is a cache point"
    );
}

#[tokio::test]
async fn guardrails_are_sent_and_an_intervention_is_typed() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    bedrock.push_reply(
        Reply::text("Sorry, I cannot help with that.").with_stop_reason("guardrail_intervened"),
    );
    let err = guarded(&ai, "something bad".into()).await.unwrap_err();
    match &err {
        Error::GuardrailIntervened {
            route,
            guardrail,
            output,
            ..
        } => {
            assert_eq!(route, "guarded");
            assert_eq!(guardrail, "gr-abc123:1");
            assert_eq!(output, "Sorry, I cannot help with that.");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bedrock.last_request().unwrap().body["guardrailConfig"],
        json!({"guardrailIdentifier": "gr-abc123", "guardrailVersion": "1", "trace": "enabled"})
    );

    // Streaming: trace enabled, and the turn ends with the guardrail's stop reason.
    let store = MemoryStore::new();
    let chat = CachedChat::new(ai.clone(), store.clone(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    bedrock.push_reply(Reply::text("Blocked.").with_stop_reason("guardrail_intervened"));
    let reply = conv
        .send("u", "bad")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.stop_reason, "guardrail_intervened");
    let config = &bedrock.last_request().unwrap().body["guardrailConfig"];
    assert_eq!(
        config["guardrailIdentifier"],
        "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr-xyz"
    );
    assert_eq!(config["guardrailVersion"], "DRAFT");
    assert_eq!(config["trace"], "enabled");
    let stored = messages(&store, "u", conv.id()).await;
    assert_eq!(stored[1].role, Role::Assistant);
    assert_eq!(
        stored[1].stop_reason.as_deref(),
        Some("guardrail_intervened")
    );
}

#[tokio::test]
async fn cross_region_routes_call_the_profile_and_check_routes_names_the_fix() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    us_haiku(&ai, "hello".into()).await.unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().model_id,
        "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(US_HAIKU_ROUTE.route_info().cross_region, Some("us"));

    // From us-east-1, the `eu` profile and Llama's bare id cannot be called.
    let err = ai
        .check_routes(&[
            &US_HAIKU_ROUTE,
            &EU_MICRO_ROUTE,
            &LLAMA_ANYWHERE_ROUTE,
            &Chat::SPEC,
            &EuChat::SPEC,
        ])
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.problems.len(), 3, "{text}");
    let by_route: HashMap<&str, &ai_routes::RouteProblem> =
        err.problems.iter().map(|p| (p.route, p)).collect();
    let eu = by_route["eu_micro"];
    assert!(
        eu.problem.contains("cannot be called from us-east-1"),
        "{eu}"
    );
    assert!(eu.fix.contains("`us.amazon.nova-micro-v1:0`"), "{eu}");
    assert!(eu.fix.contains("cross_region = \"us\""), "{eu}");
    let llama = by_route["llama_anywhere"];
    assert!(llama.problem.contains("on demand: us-west-2"), "{llama}");
    assert!(
        llama.fix.contains("us.meta.llama3-1-70b-instruct-v1:0"),
        "{llama}"
    );
    assert!(by_route.contains_key("EuChat"));

    // From eu-west-1 the `eu` routes are fine; a call goes through the profile.
    let eu_client = bedrock.ai_client_in("eu-west-1");
    eu_client
        .check_routes(&[&EU_MICRO_ROUTE, &EuChat::SPEC])
        .unwrap();
    eu_micro(&eu_client, "bonjour".into()).await.unwrap();
    assert_eq!(
        bedrock.last_request().unwrap().model_id,
        "eu.amazon.nova-micro-v1:0"
    );
}

/// Spans as a test subscriber saw them: name and fields.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<SpanRecord>>>);

/// A closed span's name and fields.
type SpanRecord = (String, HashMap<String, String>);

struct FieldVisitor<'a>(&'a mut HashMap<String, String>);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            format!("{value:?}").trim_matches('"').to_string(),
        );
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

struct Fields(HashMap<String, String>);

impl<S> tracing_subscriber::Layer<S> for Captured
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = HashMap::new();
        attrs.record(&mut FieldVisitor(&mut fields));
        ctx.span(id)
            .unwrap()
            .extensions_mut()
            .insert(Fields(fields));
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        let fields = extensions.get_mut::<Fields>().unwrap();
        values.record(&mut FieldVisitor(&mut fields.0));
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span.extensions().get::<Fields>().unwrap().0.clone();
        self.0
            .lock()
            .unwrap()
            .push((span.name().to_string(), fields));
    }
}

impl Captured {
    fn spans(&self, name: &str) -> Vec<HashMap<String, String>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

#[tokio::test]
async fn spans_carry_the_genai_attributes_and_no_content_unless_enabled() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    let _default = tracing::subscriber::set_default(subscriber);

    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    count(&ai, "secret words".into()).await.unwrap();

    let chat = CachedChat::new(ai.clone(), MemoryStore::new(), ());
    let conv = chat
        .create("u", CreateConversation::default())
        .await
        .unwrap();
    conv.send("u", "call weather for Oslo")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let chats = captured.spans("chat");
    assert!(chats.len() >= 3, "one per model call: {chats:?}");
    let first = &chats[0];
    assert_eq!(first["gen_ai.system"], "aws.bedrock");
    assert_eq!(first["gen_ai.operation.name"], "chat");
    assert_eq!(first["gen_ai.request.model"], "amazon.nova-micro-v1:0");
    assert_eq!(first["gen_ai.request.max_tokens"], "200");
    assert_eq!(first["gen_ai.response.finish_reasons"], "tool_use");
    assert!(first["gen_ai.usage.input_tokens"].parse::<u64>().unwrap() > 0);
    assert!(first["gen_ai.usage.output_tokens"].parse::<u64>().unwrap() > 0);
    for span in &chats {
        assert!(!span.contains_key("gen_ai.input.messages"), "{span:?}");
        assert!(!span.contains_key("gen_ai.output.messages"), "{span:?}");
    }
    let generation = &captured.spans("generation")[0];
    assert_eq!(generation["ai_routes.route"], "count");
    assert_eq!(generation["gen_ai.system"], "aws.bedrock");
    assert!(generation.contains_key("gen_ai.usage.input_tokens"));
    let turn = &captured.spans("conversation_turn")[0];
    assert_eq!(turn["gen_ai.request.model"], "amazon.nova-lite-v1:0");
    assert_eq!(turn["gen_ai.response.finish_reasons"], "end_turn");
    assert_eq!(turn["ai_routes.steps"], "2");
    let tool = &captured.spans("tool")[0];
    assert_eq!(tool["gen_ai.tool.name"], "weather");
    assert_eq!(tool["gen_ai.operation.name"], "execute_tool");

    // With log_content(true) the prompt and the output are on the model-call span.
    let loud = Client::builder(bedrock.client()).log_content(true).build();
    count(&loud, "visible words".into()).await.unwrap();
    let last = captured.spans("chat").pop().unwrap();
    assert!(
        last["gen_ai.input.messages"].contains("visible words"),
        "{last:?}"
    );
    assert!(
        last["gen_ai.output.messages"].contains("return_result"),
        "{last:?}"
    );
}

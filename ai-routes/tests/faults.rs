//! Fault injection at scale: many concurrent generation calls and conversation turns
//! against a stand-in that throttles 30% of requests, breaks streams, adds latency spikes
//! and answers some requests with validation errors. Every call must succeed or fail with
//! the typed error its fault explains, and no conversation history may be corrupted or
//! lost. Run with `--nocapture` to see the figures.
#![cfg(feature = "testing")]

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ai_routes::conversation::{ContentPart, Role, StoredMessage};
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, MessageOrder};
use ai_routes::testing::{BedrockError, ErrorKind, Fault, LocalBedrock, StreamBreak};
use ai_routes::RetryPolicy;

const GENERATION_CALLS: usize = 200;
const CONVERSATIONS: usize = 50;
const TURNS: usize = 4;
const INJECTED_VALIDATION: &str = "injected: the request is malformed";

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code)]
struct Summary {
    title: String,
    words: u32,
}

#[generation(model = "Nova Micro", max_tokens = 300)]
async fn summarize(ai: &Client, text: String) -> Result<Summary>;

/// Looks up an order's status.
#[tool]
async fn lookup_order(order_id: String) -> Result<String, ToolError> {
    Ok(format!("order {order_id} shipped"))
}

/// A shop assistant with one tool, streaming.
#[conversation(
    model = "Amazon Nova Lite",
    system_prompt = "You are a shop assistant.",
    tools = [lookup_order],
    max_tokens = 500
)]
struct Assistant;

#[derive(Default)]
struct Figures {
    calls: AtomicU64,
    succeeded: AtomicU64,
    recovered: AtomicU64,
    failed_as_expected: AtomicU64,
    failures: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
    unexpected: std::sync::Mutex<Vec<String>>,
}

impl Figures {
    fn record(&self, tag: &str, result: std::result::Result<(), Error>, requests: usize) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(()) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                if requests > 1 {
                    self.recovered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(error) if expected(&error) => {
                self.failed_as_expected.fetch_add(1, Ordering::Relaxed);
                let kind = match error {
                    Error::Validation { .. } => "validation",
                    Error::Stream(_) => "stream broken mid-answer",
                    Error::Throttled { .. } => "throttled after retries",
                    _ => "timeout",
                };
                *self.failures.lock().unwrap().entry(kind).or_default() += 1;
            }
            Err(error) => self
                .unexpected
                .lock()
                .unwrap()
                .push(format!("{tag}: {error:?}")),
        }
    }
}

/// The typed errors the injected faults explain: the injected validation error (final),
/// a stream broken after text reached the caller (not retried, so no text is repeated),
/// and throttling or a timeout that outlasted every retry.
fn expected(error: &Error) -> bool {
    match error {
        Error::Validation { message, .. } => message.contains(INJECTED_VALIDATION),
        Error::Stream(_) | Error::Throttled { .. } | Error::Timeout { .. } => true,
        _ => false,
    }
}

/// Requests whose last user message carries `tag` (the first model call of a call or
/// turn, with its retries).
fn requests_for(bedrock: &LocalBedrock, tag: &str) -> usize {
    bedrock
        .requests()
        .iter()
        .filter(|r| {
            r.request
                .as_ref()
                .is_some_and(|req| req.last_user_text().contains(tag))
        })
        .count()
}

/// The history is valid: roles alternate once incomplete answers are set aside (a failed
/// turn may leave two user messages in a row, which are merged when sent), every toolUse
/// is answered in the next message and every toolResult answers the previous one, and
/// every accepted user message is there.
fn check_history(id: &str, messages: &[StoredMessage], accepted: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        if message.seq != i as u64 + 1 {
            problems.push(format!("{id}: seq {} at position {}", message.seq, i + 1));
        }
    }
    let complete: Vec<&StoredMessage> = messages.iter().filter(|m| !m.incomplete).collect();
    for pair in complete.windows(2) {
        if pair[0].role == Role::Assistant && pair[1].role == Role::Assistant {
            problems.push(format!(
                "{id}: two assistant messages in a row at {}",
                pair[1].seq
            ));
        }
    }
    for (i, message) in complete.iter().enumerate() {
        let uses: HashSet<&str> = message
            .content
            .iter()
            .filter_map(|p| match p {
                ContentPart::ToolUse { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        if message.role == Role::Assistant && !uses.is_empty() {
            let answered: HashSet<&str> = complete
                .get(i + 1)
                .map(|next| {
                    next.content
                        .iter()
                        .filter_map(|p| match p {
                            ContentPart::ToolResult { tool_use_id, .. } => {
                                Some(tool_use_id.as_str())
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !uses.is_subset(&answered) {
                problems.push(format!(
                    "{id}: toolUse without its result at {}",
                    message.seq
                ));
            }
        }
        for part in &message.content {
            if let ContentPart::ToolResult { tool_use_id, .. } = part {
                let previous = i.checked_sub(1).map(|p| complete[p]);
                let asked = previous.is_some_and(|p| {
                    p.content
                        .iter()
                        .any(|c| matches!(c, ContentPart::ToolUse { id, .. } if id == tool_use_id))
                });
                if !asked {
                    problems.push(format!("{id}: toolResult {tool_use_id} answers nothing"));
                }
            }
        }
        if message.incomplete
            && message
                .content
                .iter()
                .any(|p| !matches!(p, ContentPart::Text { .. }))
        {
            problems.push(format!("{id}: an incomplete message holds tool blocks"));
        }
    }
    for tag in accepted {
        let stored = messages
            .iter()
            .any(|m| m.role == Role::User && m.text().contains(tag.as_str()));
        if !stored {
            problems.push(format!("{id}: accepted user message `{tag}` was lost"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_call_succeeds_or_fails_typed_and_no_history_is_lost() {
    let bedrock = LocalBedrock::builder().seed(2024).start().await.unwrap();
    bedrock.throttle_fraction(0.30);
    bedrock.inject_fraction(
        0.05,
        Fault::BreakStream {
            after_events: 1,
            how: StreamBreak::Exception(ErrorKind::Throttling),
        },
    );
    bedrock.inject_fraction(
        0.04,
        Fault::BreakStream {
            after_events: 3,
            how: StreamBreak::Eof,
        },
    );
    bedrock.inject_fraction(0.04, Fault::Delay(Duration::from_millis(700)));
    bedrock.inject_fraction(
        0.03,
        Fault::Error(BedrockError::new(
            ErrorKind::Validation,
            INJECTED_VALIDATION,
        )),
    );
    let ai = Client::builder(bedrock.client())
        .retry(RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
        })
        .attempt_timeout(Duration::from_millis(350))
        .max_concurrency_per_model(24)
        .build();
    let figures = Arc::new(Figures::default());
    let started = Instant::now();

    // Generation calls, all at once.
    let generation = {
        let (ai, figures) = (ai.clone(), figures.clone());
        let bedrock = &bedrock;
        async move {
            let calls = (0..GENERATION_CALLS).map(|i| {
                let (ai, figures) = (ai.clone(), figures.clone());
                async move {
                    let tag = format!("gen-{i:03}");
                    let result = summarize(&ai, format!("Summarize document {tag}."))
                        .await
                        .map(|_: Summary| ());
                    figures.record(&tag, result, requests_for(bedrock, &tag));
                }
            });
            futures_util::future::join_all(calls).await;
        }
    };

    // Conversations, concurrently; turns in order within each.
    let store = MemoryStore::new();
    let assistant = Arc::new(Assistant::new(ai.clone(), store.clone(), ()));
    let conversations = (0..CONVERSATIONS).map(|c| {
        let (assistant, figures) = (assistant.clone(), figures.clone());
        let bedrock = &bedrock;
        async move {
            let owner = format!("owner-{c}");
            let conv = assistant
                .create(&owner, CreateConversation::default())
                .await
                .unwrap();
            let mut accepted = Vec::new();
            for t in 0..TURNS {
                let tag = format!("conv-{c:02}-turn-{t}");
                let text = if t % 2 == 0 {
                    format!("Please call lookup_order for my order ({tag}).")
                } else {
                    format!("Thanks, anything else? ({tag})")
                };
                let stream = conv
                    .send(&owner, text)
                    .await
                    .expect("a turn is accepted: nothing else runs on this conversation");
                accepted.push(tag.clone());
                let result = stream.collect_text().await.map(|_| ());
                figures.record(&tag, result, requests_for(bedrock, &tag));
            }
            (owner, conv.id().to_string(), accepted)
        }
    });
    let (_, conversations) =
        tokio::join!(generation, futures_util::future::join_all(conversations));
    let chaos = started.elapsed();
    let faults = bedrock.faults_injected();
    let requests = bedrock.requests().len();

    // Every history is valid and complete; a clean turn on each proves the stand-in (which
    // validates like Bedrock: alternation, tool pairs) accepts it.
    bedrock.clear_faults();
    let mut problems = Vec::new();
    for (owner, id, accepted) in &conversations {
        let messages = store
            .list_messages(owner, id, MessageOrder::Oldest, 1000, None)
            .await
            .unwrap()
            .items;
        problems.extend(check_history(id, &messages, accepted));
        let reply = assistant
            .conversation(id.clone())
            .send(owner, "One last question.")
            .await
            .unwrap()
            .collect_text()
            .await;
        if let Err(error) = reply {
            problems.push(format!(
                "{id}: a clean turn after the faults failed: {error}"
            ));
        }
    }
    let lost = problems.iter().filter(|p| p.contains("lost")).count();

    let calls = figures.calls.load(Ordering::Relaxed);
    let succeeded = figures.succeeded.load(Ordering::Relaxed);
    let recovered = figures.recovered.load(Ordering::Relaxed);
    let failed = figures.failed_as_expected.load(Ordering::Relaxed);
    let unexpected = figures.unexpected.lock().unwrap().clone();
    let failures = figures.failures.lock().unwrap().clone();
    println!(
        "fault injection: {calls} calls ({GENERATION_CALLS} generation, {} turns in {CONVERSATIONS} conversations), \
         {requests} model requests, {faults} faults injected; {succeeded} succeeded ({recovered} recovered after a \
         fault), {failed} failed as expected {failures:?}, {} unexpected, lost = {lost}, history problems = {}; {:.1}s",
        CONVERSATIONS * TURNS,
        unexpected.len(),
        problems.len(),
        chaos.as_secs_f64()
    );
    assert_eq!(calls as usize, GENERATION_CALLS + CONVERSATIONS * TURNS);
    assert!(unexpected.is_empty(), "unexpected errors: {unexpected:#?}");
    assert!(problems.is_empty(), "history problems: {problems:#?}");
    assert_eq!(lost, 0);
    assert_eq!(succeeded + failed, calls);
    assert!(
        faults as f64 > requests as f64 * 0.3,
        "faults were injected"
    );
    assert!(recovered > 50, "retries absorbed most faults: {recovered}");
    assert!(
        failed > 0,
        "some faults are final (validation, streams broken mid-answer)"
    );
}

#[tokio::test]
async fn errors_of_no_known_type_keep_their_status_and_message() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let ai = bedrock.ai_client();
    let cases = [
        // A type the SDK has no variant for, its message where the SDK looks.
        (
            418,
            vec![(
                "x-amzn-errortype",
                "BrandNewException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            )],
            r#"{"message": "a kind of failure this SDK predates"}"#,
            "BrandNewException",
            "a kind of failure this SDK predates",
        ),
        // No type at all, and a body that is not JSON (a gateway in front of Bedrock).
        (
            413,
            vec![("content-type", "text/plain")],
            "Request Entity Too Large: the body exceeds the gateway's limit",
            "HTTP 413",
            "Request Entity Too Large: the body exceeds the gateway's limit",
        ),
        // No type, and the message in a field the SDK does not read.
        (
            400,
            vec![("content-type", "application/json")],
            r#"{"error": {"detail": "the prompt was refused upstream"}}"#,
            "HTTP 400",
            "the prompt was refused upstream",
        ),
    ];
    for (status, headers, body, expected_code, expected_message) in cases {
        bedrock.inject(Fault::Raw {
            status,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
        });
        let error = summarize(&ai, "anything".into()).await.unwrap_err();
        let text = error.to_string();
        match &error {
            Error::Service { code, message, .. } => {
                assert_eq!(code, expected_code, "{text}");
                assert!(message.contains(expected_message), "{text}");
            }
            other => panic!("expected Error::Service, got {other:?}"),
        }
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(!text.contains("Unknown"), "{text}");
    }
}

//! Fleet-wide limits on DynamoDB (`DynamoDbLimits`) against a real DynamoDB-compatible server
//! (moto_server, which `.ci/run` starts): three clients, as three processes of a fleet would,
//! race for one owner's spending cap, one token budget and one concurrency cap.
//!
//! The server's address comes from `AI_ROUTES_DYNAMODB_ENDPOINT`. Without it the tests are
//! skipped loudly, except in CI (`CI` set), where they fail.
#![cfg(all(feature = "testing", feature = "dynamodb"))]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ai_routes::prelude::*;
use ai_routes::shared_limits::{DynamoDbLimits, SharedLimits, TokenGrant};
use ai_routes::testing::conformance::unique;
use ai_routes::testing::LocalBedrock;
use ai_routes::{Error, UsageMeter};
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

const ENDPOINT_VAR: &str = "AI_ROUTES_DYNAMODB_ENDPOINT";

/// The server's endpoint, or `None` (after saying so loudly) when tests must be skipped.
fn endpoint() -> Option<String> {
    match std::env::var(ENDPOINT_VAR) {
        Ok(endpoint) if !endpoint.is_empty() => Some(endpoint),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{ENDPOINT_VAR} is not set, but CI is: the DynamoDB limits tests must run in CI")
        }
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "!!! SKIPPED: the DynamoDB limits tests, {ENDPOINT_VAR} is not set (bash .ci/run sets it)"
            );
            None
        }
    }
}

/// One DynamoDB client per simulated process, each with its own connections.
fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Three handles on one fresh table, as three processes would have.
async fn fleet(test: &str) -> Option<Vec<DynamoDbLimits>> {
    let endpoint = endpoint()?;
    let table = unique(test);
    let first = DynamoDbLimits::new(dynamodb(&endpoint), &table);
    first.create_table().await.expect("create_table");
    Some(
        (0..3)
            .map(|_| DynamoDbLimits::new(dynamodb(&endpoint), &table))
            .collect(),
    )
}

/// Answers in a few words, so each call costs a little.
#[generation(model = "Claude Haiku 4.5", max_tokens = 300)]
async fn greet(ai: &Client, name: String) -> Result<String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_clients_racing_never_overshoot_the_spending_cap_by_more_than_one_call() {
    let Some(limits) = fleet("spend").await else {
        return;
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    const CAP: f64 = 0.01;
    let owner = unique("owner");
    let meters: Vec<UsageMeter> = (0..3).map(|_| UsageMeter::new()).collect();
    let clients: Vec<Client> = limits
        .iter()
        .zip(&meters)
        .map(|(limits, meter)| {
            Client::builder(bedrock.client())
                .spending_cap_per_owner(CAP)
                .usage_sink(meter.clone())
                .shared_limits(limits.clone())
                .build()
        })
        .collect();

    // Four callers per client, each calling until the cap refuses it.
    let refused = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client in &clients {
        for _ in 0..4 {
            let (ai, refused) = (client.for_owner(&owner), refused.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    match greet(&ai, "Ada".into()).await {
                        Ok(_) => {}
                        Err(Error::SpendingCapReached { .. }) => {
                            refused.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Err(other) => panic!("unexpected error: {other}"),
                    }
                }
            }));
        }
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("the callers stop at the cap")
            .unwrap();
    }
    assert_eq!(refused.load(Ordering::SeqCst), 12);

    let per_client: Vec<_> = meters.iter().map(|m| m.owner(&owner)).collect();
    let total: f64 = per_client.iter().map(|t| t.usage.cost_usd).sum();
    let calls: u64 = per_client.iter().map(|t| t.calls).sum();
    // One call costs at most this: a short prompt and at most `max_tokens` of answer.
    let haiku = ai_routes::catalog::resolve("Claude Haiku 4.5")
        .unwrap()
        .model;
    let most = haiku.cost_usd(1_000, 300);
    eprintln!("{calls} calls, ${total:.5} spent of a ${CAP} cap: {per_client:?}");
    assert!(
        total / calls.max(1) as f64 <= most,
        "a call cost more than {most}"
    );
    assert!(calls >= 3, "the clients made {calls} calls");
    assert!(
        per_client.iter().filter(|t| t.calls > 0).count() >= 2,
        "the clients raced: {per_client:?}"
    );
    assert!(
        total <= CAP + most + 1e-9,
        "spent {total} over a cap of {CAP}, more than one call (at most {most}) over"
    );
    // Callers stop only once the fleet's spend reached the cap (each process alone spent
    // less: without the shared store the three would each have gone up to it).
    assert!(total >= CAP, "the callers stopped before the cap: {total}");
    assert!(
        per_client.iter().all(|t| t.usage.cost_usd < CAP),
        "{per_client:?}"
    );

    // Settled in the background: the store's tally ends equal to what was spent, with no
    // reservation left behind.
    let mut spend = Default::default();
    for _ in 0..50 {
        spend = limits[0].owner_spend(&owner).await.unwrap();
        if (spend.committed_usd - spend.spent_usd).abs() < 1e-9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        (spend.spent_usd - total).abs() < 1e-9,
        "{spend:?} vs {total}"
    );
    assert!(
        (spend.committed_usd - spend.spent_usd).abs() < 1e-9,
        "{spend:?}"
    );

    // Every client refuses the owner now, before calling.
    for client in &clients {
        let before = bedrock.requests().len();
        assert!(matches!(
            greet(&client.for_owner(&owner), "Bob".into()).await,
            Err(Error::SpendingCapReached { .. })
        ));
        assert_eq!(bedrock.requests().len(), before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_clients_racing_for_a_token_budget_take_at_most_one_call_over_per_window() {
    let Some(limits) = fleet("tokens").await else {
        return;
    };
    const PER_MINUTE: u64 = 1_000;
    const TAKE: u64 = 70;
    let budget = unique("budget");
    let granted: Arc<Mutex<HashMap<u64, u64>>> = Arc::default();
    let mut tasks = Vec::new();
    for limits in limits {
        for _ in 0..3 {
            let (limits, budget, granted) = (limits.clone(), budget.clone(), granted.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..12 {
                    match limits.take_tokens(&budget, PER_MINUTE, TAKE).await.unwrap() {
                        TokenGrant::Taken { window } => {
                            *granted.lock().unwrap().entry(window).or_default() += TAKE;
                        }
                        TokenGrant::Full { retry_after } => {
                            assert!(retry_after <= Duration::from_secs(60));
                        }
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let granted = granted.lock().unwrap();
    // 9 callers asked 12 times for 70 tokens: 7,560, far over a 1,000 budget.
    for (window, tokens) in granted.iter() {
        assert!(
            *tokens <= PER_MINUTE + TAKE,
            "window {window}: {tokens} tokens granted of {PER_MINUTE}"
        );
    }
    assert!(granted.values().any(|t| *t >= PER_MINUTE), "{granted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_clients_racing_never_hold_more_concurrency_slots_than_the_cap() {
    let Some(limits) = fleet("slots").await else {
        return;
    };
    const MAX: usize = 2;
    let model = unique("model");
    let check = limits[0].clone();
    let held = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for limits in limits {
        for _ in 0..2 {
            let (limits, model) = (limits.clone(), model.clone());
            let (held, most, acquired) = (held.clone(), most.clone(), acquired.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..6 {
                    let Some(lease) = limits.acquire_slot(&model, MAX).await.unwrap() else {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    };
                    let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    acquired.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    held.fetch_sub(1, Ordering::SeqCst);
                    limits.release_slot(lease).await.unwrap();
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(
        most.load(Ordering::SeqCst) <= MAX,
        "{} slots held at once",
        most.load(Ordering::SeqCst)
    );
    assert!(
        acquired.load(Ordering::SeqCst) >= MAX,
        "slots were acquired"
    );
    // All released: a caller gets every slot at once, and then no more.
    let mut leases = Vec::new();
    for _ in 0..MAX {
        leases.push(
            check
                .acquire_slot(&model, MAX)
                .await
                .unwrap()
                .expect("a free slot"),
        );
    }
    assert_eq!(check.acquire_slot(&model, MAX).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fleet_wide_concurrency_cap_of_one_serializes_three_clients_calls() {
    let Some(limits) = fleet("serial").await else {
        return;
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let latency = Duration::from_millis(150);
    bedrock.set_latency(latency);
    let clients: Vec<Client> = limits
        .into_iter()
        .map(|limits| {
            Client::builder(bedrock.client())
                .max_concurrency_per_model(1)
                .shared_limits(limits)
                .build()
        })
        .collect();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for client in &clients {
        for _ in 0..2 {
            let ai = client.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..2 {
                    greet(&ai, "Ada".into()).await.unwrap();
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    // 12 calls one at a time; per-process caps would have run three at once (~0.6 s).
    let elapsed = started.elapsed();
    assert!(
        elapsed >= latency * 12,
        "12 calls of {latency:?} took {elapsed:?}"
    );
}

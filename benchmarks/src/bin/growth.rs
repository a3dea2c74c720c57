//! Conversation growth: per-turn time of a streamed framework turn when the conversation
//! already holds 10, 1,000 or 10,000 messages, on MemoryStore and SqliteStore, for a model
//! with a large context window (Nova Lite, 300k tokens) and one with a small one (Mistral
//! Small, 32k tokens). Each measured turn runs on a fresh conversation pre-filled (untimed)
//! through `store.append_messages` in batches of 500, so N is exact.
//!
//! `cargo run --release --bin growth [TURNS_SCALE]` (from `benchmarks/`); prints a markdown table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ai_routes::conversation::{ContentPart, NewMessage, Role};
use ai_routes::prelude::*;
use ai_routes::store::{ConversationStore, MemoryStore, SqliteStore};
use ai_routes_benchmarks::{percentile, start_bedrock};

/// A streamed chat on a 300k-token model.
#[conversation(model = "Amazon Nova Lite", system_prompt = "You are a chef.", max_tokens = 800)]
struct NovaChat;

/// A streamed chat on a 32k-token model.
#[conversation(model = "Mistral Small", system_prompt = "You are a chef.", max_tokens = 800)]
struct MistralChat;

const OWNER: &str = "growth-owner";

fn filler(n: u64) -> Vec<NewMessage> {
    let user = "How long should I simmer a tomato sauce for pasta, and should the lid be on or off? ".repeat(1);
    let assistant = "Simmer it uncovered for fifteen to twenty minutes so the water evaporates and the \
        sauce thickens; stir now and then, taste, and add a pinch of sugar if the tomatoes are sharp. \
        A splash of the pasta water at the end makes it cling to the noodles. "
        .repeat(2);
    (0..n)
        .map(|i| {
            let (role, text) = if i % 2 == 0 {
                (Role::User, format!("{i}: {user}"))
            } else {
                (Role::Assistant, format!("{i}: {assistant}"))
            };
            NewMessage {
                role,
                estimated_tokens: (text.len() / 4) as u32,
                content: vec![ContentPart::text(text)],
                ai_context: None,
                stop_reason: (role == Role::Assistant).then(|| "end_turn".to_string()),
                usage: None,
                model_id: None,
                incomplete: false,
            }
        })
        .collect()
}

async fn prefill(store: &dyn ConversationStore, id: &str, n: u64) {
    let mut count = 0;
    let all = filler(n);
    for batch in all.chunks(500) {
        store
            .append_messages(OWNER, id, count, batch.to_vec())
            .await
            .expect("append");
        count += batch.len() as u64;
    }
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct Row {
    model: &'static str,
    store: &'static str,
    n: u64,
    turns: usize,
    p50: Duration,
    p90: Duration,
    mean: Duration,
    sent_messages: usize,
    request_kib: f64,
    rss: f64,
}

macro_rules! measure {
    ($chat_ty:ty, $model:expr, $store_name:expr, $store:expr, $bedrock:expr, $n:expr, $turns:expr) => {{
        let chat = <$chat_ty>::new($bedrock.ai(), $store, ());
        let store: Arc<dyn ConversationStore> = chat.store().clone();
        let mut times = Vec::new();
        let mut sent = 0;
        let mut kib = 0.0;
        for _ in 0..$turns {
            let conv = chat.create(OWNER, CreateConversation::default()).await.unwrap();
            prefill(&*store, conv.id(), $n).await;
            $bedrock.clear_requests();
            let t = Instant::now();
            let reply = conv.send(OWNER, "And the basil?").await.unwrap().collect_text().await.unwrap();
            times.push(t.elapsed());
            assert!(!reply.text.is_empty());
            let req = $bedrock.last_request().unwrap();
            sent = req.body["messages"].as_array().map(|m| m.len()).unwrap_or(0);
            kib = req.body.to_string().len() as f64 / 1024.0;
        }
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        times.sort();
        Row {
            model: $model,
            store: $store_name,
            n: $n,
            turns: $turns,
            p50: percentile(&times, 50.0),
            p90: percentile(&times, 90.0),
            mean,
            sent_messages: sent,
            request_kib: kib,
            rss: rss_mib(),
        }
    }};
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // On a runtime worker, like a request handler (not on the thread blocking on main).
    tokio::spawn(run()).await.unwrap();
}

async fn run() {
    let scale: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let bedrock = start_bedrock().await;
    let dir = std::env::temp_dir().join(format!("ai-routes-growth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows = Vec::new();
    for &(n, turns) in &[(10u64, 100usize), (1_000, 40), (10_000, 15)] {
        let turns = turns * scale;
        rows.push(measure!(NovaChat, "Nova Lite (300k)", "memory", MemoryStore::new(), bedrock, n, turns));
        rows.push(measure!(NovaChat, "Nova Lite (300k)", "sqlite", SqliteStore::open(dir.join(format!("nova-{n}.db"))).unwrap(), bedrock, n, turns));
        rows.push(measure!(MistralChat, "Mistral Small (32k)", "memory", MemoryStore::new(), bedrock, n, turns));
        rows.push(measure!(MistralChat, "Mistral Small (32k)", "sqlite", SqliteStore::open(dir.join(format!("mistral-{n}.db"))).unwrap(), bedrock, n, turns));
        eprintln!("done N={n}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("| model (context window) | store | stored messages | turns | per-turn p50 | p90 | mean | messages sent | request body | process RSS after |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.sort_by_key(|r| (r.model, r.store, r.n));
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {} | {:.0} KiB | {:.0} MiB |",
            r.model,
            r.store,
            r.n,
            r.turns,
            r.p50.as_secs_f64() * 1e3,
            r.p90.as_secs_f64() * 1e3,
            r.mean.as_secs_f64() * 1e3,
            r.sent_messages,
            r.request_kib,
            r.rss
        );
    }
}

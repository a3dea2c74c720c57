//! Framework against raw SDK, interleaved: each round times a batch of one path, then a
//! batch of the other, in the same process; the median of the per-round ratios is the
//! result. Drift (warm-up, other load on the machine) hits both paths of a round alike,
//! which criterion's one-benchmark-after-the-other runs cannot promise.
//!
//! `ab [ROUNDS]` prints one table row per measure: median framework / raw, and the medians
//! of each path's mean time per operation.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;
use ai_routes_benchmarks::*;

const OWNER: &str = "ab-owner";

type Op<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Duration> + Send + 'a>> + Send + Sync + 'a>;

/// Median per-round ratio and median per-op times of `framework` and `raw`.
async fn interleave<'a>(
    rounds: usize,
    batch: usize,
    framework: Op<'a>,
    raw: Op<'a>,
) -> (f64, Duration, Duration) {
    let (mut ratios, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut per_op = [Duration::ZERO; 2];
        // Alternate which path goes first, so no order effect (a warm cache, a connection
        // just used) can favour either path.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for slot in order {
            let op = [&framework, &raw][slot];
            let mut sum = Duration::ZERO;
            for _ in 0..batch {
                sum += op().await;
            }
            per_op[slot] = sum / batch as u32;
        }
        ratios.push(per_op[0].as_secs_f64() / per_op[1].as_secs_f64());
        a.push(per_op[0]);
        b.push(per_op[1]);
    }
    ratios.sort_by(f64::total_cmp);
    a.sort();
    b.sort();
    (ratios[rounds / 2], a[rounds / 2], b[rounds / 2])
}

fn row(name: &str, (ratio, a, b): (f64, Duration, Duration)) {
    println!("| {name} | {a:.2?} | {b:.2?} | {ratio:.3} |");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(15, |s| s.parse().expect("ROUNDS"));
    // On a runtime worker, like a request handler (not on the thread blocking on main).
    tokio::spawn(run(rounds)).await.unwrap();
}

async fn run(rounds: usize) {
    let bedrock = start_bedrock().await;
    let ai = bedrock.ai();
    let sdk = bedrock.sdk();
    let chef = ChefChat::new(bedrock.ai(), MemoryStore::new(), ());
    let weather = WeatherChat::new(bedrock.ai(), MemoryStore::new(), Weather::default());
    let state = Weather::default();
    println!("| measure ({rounds} rounds, median) | framework | raw SDK | framework / raw |\n|---|---:|---:|---:|");

    row(
        "generation call",
        interleave(
            rounds,
            200,
            Box::new(|| Box::pin(async {
                let start = Instant::now();
                plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                start.elapsed()
            })),
            Box::new(|| Box::pin(async {
                let start = Instant::now();
                raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                start.elapsed()
            })),
        )
        .await,
    );
    bedrock.clear_requests();
    // Streamed turns: a fresh conversation per turn, its creation not timed.
    for (name, question, part) in [
        ("streamed turn: first text delta", "Tomato pasta?", 0),
        ("streamed turn: whole turn", "Tomato pasta?", 1),
        ("streamed turn of ~200 deltas: whole turn", LONG_QUESTION, 1),
        ("streamed turn of ~200 deltas: time per delta after the first", LONG_QUESTION, 2),
    ] {
        let pick = move |t: TurnTiming| match part {
            0 => t.first_delta,
            1 => t.total,
            _ => (t.last_delta - t.first_delta) / t.deltas.saturating_sub(1).max(1),
        };
        let (chef, sdk) = (&chef, &sdk);
        row(
            name,
            interleave(
                rounds,
                100,
                Box::new(move || Box::pin(async move {
                    let conv = chef.create(OWNER, CreateConversation::default()).await.unwrap();
                    pick(framework_stream_turn(&conv, OWNER, question).await.1)
                })),
                Box::new(move || Box::pin(async move { pick(raw_stream_turn(sdk, question).await.1) })),
            )
            .await,
        );
        bedrock.clear_requests();
    }
    let (weather, state, sdk) = (&weather, &state, &sdk);
    row(
        "3-step tool turn",
        interleave(
            rounds,
            40,
            Box::new(move || Box::pin(async move {
                let conv = weather.create(OWNER, CreateConversation::default()).await.unwrap();
                let start = Instant::now();
                framework_tool_turn(&conv, OWNER, "Weather in Seattle and Paris?").await;
                start.elapsed()
            })),
            Box::new(move || Box::pin(async move {
                let start = Instant::now();
                raw_tool_turn(sdk, state, "Weather in Seattle and Paris?").await;
                start.elapsed()
            })),
        )
        .await,
    );
}

//! Native structured output against the result tool, each against the raw SDK making the
//! same call, interleaved like `ab` (median of per-round ratios): the framework's
//! `plan_recipe_native` (Claude Haiku 4.5, `outputConfig`) against a hand-written Converse
//! call with the same `outputConfig`, and `plan_recipe` (Nova Lite, forced tool) against
//! `raw_plan_recipe`. The stand-in answers both with the same recipe.
//!
//! `native_ab [ROUNDS]` prints one table row per measure.

use std::time::{Duration, Instant};

use ai_routes_benchmarks::*;

/// Median per-round ratio and median per-op times of `framework` and `raw`.
async fn interleave<F, R, FF, RF>(rounds: usize, batch: usize, framework: F, raw: R) -> (f64, Duration, Duration)
where
    F: Fn() -> FF,
    R: Fn() -> RF,
    FF: std::future::Future<Output = ()>,
    RF: std::future::Future<Output = ()>,
{
    let (mut ratios, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut per_op = [Duration::ZERO; 2];
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for slot in order {
            let start = Instant::now();
            for _ in 0..batch {
                if slot == 0 {
                    framework().await
                } else {
                    raw().await
                }
            }
            per_op[slot] = start.elapsed() / batch as u32;
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(15, |s| s.parse().expect("ROUNDS"));
    tokio::spawn(run(rounds)).await.unwrap();
}

async fn run(rounds: usize) {
    let bedrock = start_bedrock().await;
    let ai = bedrock.ai();
    let sdk = bedrock.sdk();
    let native_id = PLAN_RECIPE_NATIVE_ROUTE.descriptor().model_id;
    // Both paths send the same request body (checked once, before timing).
    plan_recipe_native(&ai, DESCRIPTION.into(), 2).await.unwrap();
    let framework_body = bedrock.last_request().unwrap().body;
    raw_plan_recipe_native(&sdk, native_id, DESCRIPTION, 2).await.unwrap();
    let raw_body = bedrock.last_request().unwrap().body;
    assert_eq!(framework_body["outputConfig"], raw_body["outputConfig"]);
    bedrock.clear_requests();

    println!("| measure ({rounds} rounds, median) | framework | raw SDK | framework / raw |\n|---|---:|---:|---:|");
    for (name, native) in [("generation, native output", true), ("generation, forced tool", false)] {
        let (ratio, a, b) = interleave(
            rounds,
            200,
            || async {
                if native {
                    plan_recipe_native(&ai, DESCRIPTION.into(), 2).await.unwrap();
                } else {
                    plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                }
            },
            || async {
                if native {
                    raw_plan_recipe_native(&sdk, native_id, DESCRIPTION, 2).await.unwrap();
                } else {
                    raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                }
            },
        )
        .await;
        println!("| {name} | {a:.2?} | {b:.2?} | {ratio:.3} |");
        bedrock.clear_requests();
    }
}

//! Generation throughput with many concurrent callers, framework and raw SDK interleaved
//! (A, B, A, B, ...) in one process, so both see the same warm-up and drift.
//!
//! Criterion measures its benchmarks one after the other; throughput in this process keeps
//! rising for the first seconds (connection pools, allocator), which favours whichever path
//! runs last. `concurrent_ab [CALLERS] [ROUNDS]` prints each round and the median ratio.

use std::time::Instant;

use ai_routes_benchmarks::*;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let callers: usize = args.next().map_or(64, |s| s.parse().expect("CALLERS"));
    let rounds: usize = args.next().map_or(10, |s| s.parse().expect("ROUNDS"));
    let bedrock = start_bedrock().await;
    let ai = bedrock.ai();
    let sdk = bedrock.sdk();
    let mut ratios = Vec::new();
    println!("| round | framework calls/s | raw SDK calls/s | framework / raw |\n|---:|---:|---:|---:|");
    for round in 1..=rounds {
        let mut rates = [0.0; 2];
        // Alternate which path goes first, so no order effect can favour either path.
        let order = if round % 2 == 1 { [(0, true), (1, false)] } else { [(1, false), (0, true)] };
        for (slot, framework) in order {
            let start = Instant::now();
            let batches = 40;
            for _ in 0..batches {
                let tasks: Vec<_> = (0..callers)
                    .map(|_| {
                        let (ai, sdk) = (ai.clone(), sdk.clone());
                        tokio::spawn(async move {
                            if framework {
                                plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                            } else {
                                raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            }
            bedrock.clear_requests();
            rates[slot] = (batches * callers) as f64 / start.elapsed().as_secs_f64();
        }
        let ratio = rates[0] / rates[1];
        ratios.push(ratio);
        println!("| {round} | {:.0} | {:.0} | {ratio:.3} |", rates[0], rates[1]);
    }
    ratios.sort_by(f64::total_cmp);
    println!("\nmedian framework / raw throughput over {rounds} rounds: {:.3}", ratios[rounds / 2]);
}

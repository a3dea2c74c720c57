//! Framework vs hand-written SDK (vs rig) side by side, in one process, against one
//! in-process stand-in (`LocalBedrock` on a loopback port, same tokio runtime).
//!
//! `cargo bench --bench overhead` (from `benchmarks/`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;
use ai_routes_benchmarks::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const OWNER: &str = "bench-owner";
const CONCURRENCY: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

struct Env {
    bedrock: Bench,
    ai: Client,
    sdk: aws_sdk_bedrockruntime::Client,
    rig: Arc<RigExtractor>,
}

fn env(rt: &tokio::runtime::Runtime) -> Env {
    rt.block_on(async {
        let bedrock = start_bedrock().await;
        // Three separate SDK clients (each its own connection pool), same settings.
        let ai = bedrock.ai();
        let sdk = bedrock.sdk();
        let rig = Arc::new(rig_extractor(bedrock.sdk()));
        // Sanity: every path returns the same recipe.
        let expected: Recipe = serde_json::from_value(recipe_json()).unwrap();
        assert_eq!(plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap(), expected);
        assert_eq!(raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap(), expected);
        assert_eq!(rig_plan_recipe(&rig, DESCRIPTION, 2).await.unwrap(), expected);
        // Throughput in a fresh process rises for the first seconds (connection pools,
        // allocator); warm every path up with concurrent calls before any is measured, so
        // the order of the benchmarks does not favour the last one.
        for _ in 0..20 {
            let mut tasks = Vec::new();
            for _ in 0..CONCURRENCY {
                let (ai, sdk, rig) = (ai.clone(), sdk.clone(), rig.clone());
                tasks.push(tokio::spawn(async move {
                    plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                    raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                    rig_plan_recipe(&rig, DESCRIPTION, 2).await.unwrap();
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        }
        bedrock.clear_requests();
        Env { bedrock, ai, sdk, rig }
    })
}

fn generation(c: &mut Criterion) {
    let rt = runtime();
    let e = env(&rt);

    let mut g = c.benchmark_group("generation_sequential");
    g.throughput(Throughput::Elements(1));
    g.bench_function("framework", |b| {
        b.to_async(&rt).iter_custom(|n| {
            let ai = e.ai.clone();
            e.bedrock.clear_requests();
            on_worker(async move {
                let t = Instant::now();
                for _ in 0..n {
                    plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("raw_sdk", |b| {
        b.to_async(&rt).iter_custom(|n| {
            let sdk = e.sdk.clone();
            e.bedrock.clear_requests();
            on_worker(async move {
                let t = Instant::now();
                for _ in 0..n {
                    raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("rig", |b| {
        b.to_async(&rt).iter_custom(|n| {
            let rig = e.rig.clone();
            e.bedrock.clear_requests();
            on_worker(async move {
                let t = Instant::now();
                for _ in 0..n {
                    rig_plan_recipe(&rig, DESCRIPTION, 2).await.unwrap();
                }
                t.elapsed()
            })
        })
    });
    g.finish();

    // One iteration = 64 callers (tokio tasks) each making one call, all at once.
    let mut g = c.benchmark_group("generation_64_concurrent");
    g.throughput(Throughput::Elements(CONCURRENCY as u64));
    g.sample_size(30);
    for path in ["framework", "raw_sdk", "rig"] {
        g.bench_function(BenchmarkId::from_parameter(path), |b| {
            b.to_async(&rt).iter_custom(|n| {
                let (ai, sdk, rig) = (e.ai.clone(), e.sdk.clone(), e.rig.clone());
                e.bedrock.clear_requests();
                on_worker(async move {
                    let t = Instant::now();
                    for _ in 0..n {
                        let mut tasks = Vec::with_capacity(CONCURRENCY);
                        for _ in 0..CONCURRENCY {
                            let (ai, sdk, rig) = (ai.clone(), sdk.clone(), rig.clone());
                            tasks.push(tokio::spawn(async move {
                                match path {
                                    "framework" => {
                                        plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
                                    }
                                    "raw_sdk" => {
                                        raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
                                    }
                                    _ => {
                                        rig_plan_recipe(&rig, DESCRIPTION, 2).await.unwrap();
                                    }
                                }
                            }));
                        }
                        for task in tasks {
                            task.await.unwrap();
                        }
                    }
                    t.elapsed()
                })
            })
        });
    }
    g.finish();
}

/// Which part of a streamed turn to time.
#[derive(Clone, Copy)]
enum Part {
    FirstDelta,
    /// From the last text delta to the end of the turn.
    AfterLastDelta,
    Total,
}

fn streaming(c: &mut Criterion) {
    let rt = runtime();
    let (bedrock, chat, sdk) = rt.block_on(async {
        let bedrock = start_bedrock().await;
        let chat = ChefChat::new(bedrock.ai(), MemoryStore::new(), ());
        let sdk = bedrock.sdk();
        (bedrock, chat, sdk)
    });
    rt.block_on(async {
        let conv = chat.create(OWNER, CreateConversation::default()).await.unwrap();
        let (a, _) = framework_stream_turn(&conv, OWNER, "Tomato pasta?").await;
        let (b, _) = raw_stream_turn(&sdk, "Tomato pasta?").await;
        assert_eq!(a, ANSWER);
        assert_eq!(b, ANSWER);
        let (a, _) = framework_stream_turn(&conv, OWNER, LONG_QUESTION).await;
        let (b, _) = raw_stream_turn(&sdk, LONG_QUESTION).await;
        assert_eq!(a, long_answer());
        assert_eq!(b, long_answer());
    });
    let chat = Arc::new(chat);
    // The long turn streams about 200 deltas instead of about 17: the difference between
    // the two totals, per extra delta, is the per-chunk cost of each path.
    for (name, part, question) in [
        ("stream_first_delta", Part::FirstDelta, "Tomato pasta?"),
        ("stream_turn_total", Part::Total, "Tomato pasta?"),
        ("stream_after_last_delta", Part::AfterLastDelta, "Tomato pasta?"),
        ("stream_long_turn_total", Part::Total, LONG_QUESTION),
    ] {
        let mut g = c.benchmark_group(name);
        g.bench_function("framework_memory_store", |b| {
            b.to_async(&rt).iter_custom(|n| {
                let chat = chat.clone();
                bedrock.clear_requests();
                on_worker(async move {
                    let mut sum = Duration::ZERO;
                    for _ in 0..n {
                        // A fresh conversation per turn (not timed), so history stays at 0.
                        let conv = chat.create(OWNER, CreateConversation::default()).await.unwrap();
                        let (_, t) = framework_stream_turn(&conv, OWNER, question).await;
                        sum += match part {
                            Part::FirstDelta => t.first_delta,
                            Part::AfterLastDelta => t.total - t.last_delta,
                            Part::Total => t.total,
                        };
                    }
                    sum
                })
            })
        });
        g.bench_function("raw_sdk", |b| {
            b.to_async(&rt).iter_custom(|n| {
                let sdk = sdk.clone();
                bedrock.clear_requests();
                on_worker(async move {
                    let mut sum = Duration::ZERO;
                    for _ in 0..n {
                        let (_, t) = raw_stream_turn(&sdk, question).await;
                        sum += match part {
                            Part::FirstDelta => t.first_delta,
                            Part::AfterLastDelta => t.total - t.last_delta,
                            Part::Total => t.total,
                        };
                    }
                    sum
                })
            })
        });
        g.finish();
    }
}

fn tool_loop(c: &mut Criterion) {
    let rt = runtime();
    let (bedrock, chat, sdk) = rt.block_on(async {
        let bedrock = start_bedrock().await;
        let chat = WeatherChat::new(bedrock.ai(), MemoryStore::new(), Weather::default());
        let sdk = bedrock.sdk();
        (bedrock, chat, sdk)
    });
    let state = Arc::new(Weather::default());
    rt.block_on(async {
        let conv = chat.create(OWNER, CreateConversation::default()).await.unwrap();
        let (a, steps_a) = framework_tool_turn(&conv, OWNER, "Weather in Seattle and Paris?").await;
        let (b, steps_b) = raw_tool_turn(&sdk, &state, "Weather in Seattle and Paris?").await;
        assert_eq!((a.as_str(), steps_a), (ANSWER, 3));
        assert_eq!((b.as_str(), steps_b), (ANSWER, 3));
    });
    let chat = Arc::new(chat);
    let mut g = c.benchmark_group("tool_loop_3_steps");
    g.bench_function("framework_memory_store", |b| {
        b.to_async(&rt).iter_custom(|n| {
            let chat = chat.clone();
            bedrock.clear_requests();
            on_worker(async move {
                let mut sum = Duration::ZERO;
                for _ in 0..n {
                    let conv = chat.create(OWNER, CreateConversation::default()).await.unwrap();
                    let t = Instant::now();
                    framework_tool_turn(&conv, OWNER, "Weather in Seattle and Paris?").await;
                    sum += t.elapsed();
                }
                sum
            })
        })
    });
    g.bench_function("raw_sdk", |b| {
        b.to_async(&rt).iter_custom(|n| {
            let (sdk, state) = (sdk.clone(), state.clone());
            bedrock.clear_requests();
            on_worker(async move {
                let t = Instant::now();
                for _ in 0..n {
                    raw_tool_turn(&sdk, &state, "Weather in Seattle and Paris?").await;
                }
                t.elapsed()
            })
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .noise_threshold(0.03)
}

criterion_group! {
    name = benches;
    config = config();
    targets = generation, streaming, tool_loop
}
criterion_main!(benches);

/// Runs a measured batch on a runtime worker (as a server's handlers run), not on the thread
/// that blocks on it: criterion's `to_async` polls on the caller's thread, which would put
/// every wake-up of the hand-written paths across threads while the framework's turns run
/// in spawned tasks.
async fn on_worker(f: impl std::future::Future<Output = Duration> + Send + 'static) -> Duration {
    tokio::spawn(f).await.unwrap()
}

//! Runs `N` calls of one path against an in-process stand-in on a current-thread runtime,
//! after 20 warm-up calls, so `valgrind --tool=callgrind` totals at two values of N give
//! the instructions per call (the difference divided by the difference in N).
//!
//! `callgrind_driver PATH N`, PATH one of: framework, raw_sdk, rig (generation);
//! stream_framework, stream_raw (streamed turn); tool_framework, tool_raw (3-step tool turn);
//! long_stream_framework, long_stream_raw (a streamed turn of about 200 deltas);
//! framework_64, raw_sdk_64 (64 concurrent generation calls per iteration).

use ai_routes::prelude::*;
use ai_routes::store::MemoryStore;
use ai_routes_benchmarks::*;

const OWNER: &str = "cg-owner";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // In a task, like a request handler (a conversation turn polled from a task runs inside
    // it; polled from the main future it would run as a task of its own).
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async { tokio::task::spawn_local(run()).await.unwrap() })
        .await;
}

async fn run() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("PATH");
    let n: usize = args.next().expect("N").parse().expect("N");
    let bedrock = start_bedrock().await;
    let ai = bedrock.ai();
    let sdk = bedrock.sdk();
    let rig = rig_extractor(bedrock.sdk());
    let chef = ChefChat::new(bedrock.ai(), MemoryStore::new(), ());
    let weather = WeatherChat::new(bedrock.ai(), MemoryStore::new(), Weather::default());
    let state = Weather::default();
    for i in 0..(20 + n) {
        match path.as_str() {
            "framework" => {
                plan_recipe(&ai, DESCRIPTION.into(), 2).await.unwrap();
            }
            "raw_sdk" => {
                raw_plan_recipe(&sdk, DESCRIPTION, 2).await.unwrap();
            }
            "rig" => {
                rig_plan_recipe(&rig, DESCRIPTION, 2).await.unwrap();
            }
            "stream_framework" => {
                let conv = chef.create(OWNER, CreateConversation::default()).await.unwrap();
                framework_stream_turn(&conv, OWNER, "Tomato pasta?").await;
            }
            "stream_raw" => {
                raw_stream_turn(&sdk, "Tomato pasta?").await;
            }
            "long_stream_framework" => {
                let conv = chef.create(OWNER, CreateConversation::default()).await.unwrap();
                framework_stream_turn(&conv, OWNER, LONG_QUESTION).await;
            }
            "long_stream_raw" => {
                raw_stream_turn(&sdk, LONG_QUESTION).await;
            }
            "tool_framework" => {
                let conv = weather.create(OWNER, CreateConversation::default()).await.unwrap();
                framework_tool_turn(&conv, OWNER, "Weather in Seattle and Paris?").await;
            }
            "tool_raw" => {
                raw_tool_turn(&sdk, &state, "Weather in Seattle and Paris?").await;
            }
            // 64 concurrent generation calls per iteration (Ir per call = per iteration / 64).
            "framework_64" | "raw_sdk_64" => {
                let tasks: Vec<_> = (0..64)
                    .map(|_| {
                        let (ai, sdk, framework) = (ai.clone(), sdk.clone(), path == "framework_64");
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
            other => panic!("unknown path {other}"),
        }
        if i % 50 == 0 {
            bedrock.clear_requests();
        }
    }
    println!("{path}: {n} calls after 20 warm-up");
}

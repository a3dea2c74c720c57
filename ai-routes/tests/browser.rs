//! The chat page in a real headless Chromium (Debian's `chromium`, driven by Playwright from
//! `tests/browser`): send a message, see streamed text and a tool call, attach an image,
//! reload and see the history, with the model's reasoning folded under each answer. `.ci/run` installs what it needs; outside CI the test skips
//! loudly when Chromium or the Node packages are missing.
#![cfg(all(feature = "http", feature = "testing"))]

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod app;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ai_routes::http::GuestAuth;
use ai_routes::store::SqliteStore;
use ai_routes::testing::wire::ContentBlock;
use ai_routes::testing::{
    DeterministicResponder, LocalBedrock, RequestContext, Responder, Response,
};
use serde_json::json;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".into(),
        "/usr/bin/chromium-browser".into(),
    ];
    candidates
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_page_streams_shows_tools_and_keeps_history() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let ready = dir.join("node_modules/playwright-core").exists();
    let Some(chromium) = chromium().filter(|_| ready) else {
        let why = "the browser test needs Chromium (/usr/bin/chromium) and `npm ci` in ai-routes/tests/browser";
        if std::env::var_os("CI").is_some() {
            panic!("{why}: .ci/run must install them");
        }
        eprintln!("\n*** SKIPPED chat_page_streams_shows_tools_and_keeps_history: {why} ***\n");
        return;
    };

    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.set_chunk_latency(Duration::from_millis(15)); // so streaming is observable
                                                          // Every answer comes with reasoning, as a reasoning model's would: the page folds it
                                                          // under the answer, streamed and after a reload.
    bedrock.respond_with(
        |ctx: &RequestContext<'_>| match DeterministicResponder.respond(ctx) {
            Response::Reply(mut reply) => {
                let thought = json!({"reasoningText": {"text": "Thinking it over first."}});
                reply
                    .content
                    .insert(0, ContentBlock::ReasoningContent(thought));
                Response::Reply(reply)
            }
            other => other,
        },
    );
    let db = std::env::temp_dir().join(format!("ai-routes-browser-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let store = SqliteStore::open(&db).unwrap();
    let router = app::router(bedrock.ai_client(), store, GuestAuth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let output = tokio::process::Command::new("node")
        .arg(dir.join("chat.mjs"))
        .arg(&url)
        .env("CHROMIUM", &chromium)
        .env(
            "SCREENSHOT",
            std::env::temp_dir().join("ai-routes-chat.png"),
        )
        .output()
        .await
        .expect("node runs");
    server.abort();
    let _ = std::fs::remove_file(&db);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");

    // What the browser sent reached Bedrock as it should.
    let requests = bedrock.requests();
    assert!(requests.iter().any(|r| r.body["messages"]
        .to_string()
        .contains(r#""image":{"format":"png""#)));
    assert!(requests.iter().any(|r| r.body["messages"]
        .to_string()
        .contains("Is it raining in Seattle?")));
}

//! The HTTP API (feature `http`) over an in-process stand-in that answers instantly:
//! `POST /generations/plan_recipe` and the SSE conversation endpoint of `chef_chat`
//! (MemoryStore, or SQLite with `--sqlite PATH`). Prints `listening on http://ADDR`.
//!
//! `http_server [--addr 127.0.0.1:0] [--sqlite PATH]`

use ai_routes::http::{Api, GuestAuth};
use ai_routes::store::{ConversationStore, MemoryStore, SqliteStore};
use ai_routes_benchmarks::*;

#[tokio::main]
async fn main() {
    let mut addr = "127.0.0.1:0".to_string();
    let mut sqlite: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().expect("--addr ADDR"),
            "--sqlite" => sqlite = Some(args.next().expect("--sqlite PATH")),
            other => panic!("unknown argument {other}"),
        }
    }
    let bedrock = start_bedrock().await;
    let store: Box<dyn FnOnce() -> axum::Router> = {
        let ai = bedrock.ai();
        match sqlite {
            Some(path) => Box::new(move || router(ai, SqliteStore::open(path).unwrap())),
            None => Box::new(move || router(ai, MemoryStore::new())),
        }
    };
    let app = store();
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    // Keep the stand-in's request log from growing without bound during a long run.
    let b = std::sync::Arc::new(bedrock);
    let b2 = b.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            b2.clear_requests();
        }
    });
    // TCP_NODELAY on accepted sockets (unless NODELAY=0): without it every SSE response's
    // first event waits ~40 ms for the client's delayed ACK (Nagle), as the default
    // `axum::serve(listener, app)` does.
    if std::env::var("NODELAY").as_deref() == Ok("0") {
        axum::serve(listener, app).await.unwrap();
    } else {
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app).await.unwrap();
    }
    drop(b);
}

fn router(ai: ai_routes::Client, store: impl ConversationStore) -> axum::Router {
    let chat = ChefChat::new(ai.clone(), store, ());
    Api::new(ai, GuestAuth)
        .generation(&PLAN_RECIPE_ROUTE)
        .conversation(chat.route().clone())
        .router()
}

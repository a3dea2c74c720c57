//! The main example: the chat page and the HTTP API, history in SQLite.
//!
//! ```text
//! cargo run -p ai-routes --features http,testing --example chat
//! ```
//! With no AWS credentials it starts the local Bedrock stand-in in-process (and says so);
//! with credentials, or `--bedrock`, it calls Amazon Bedrock (`--local-bedrock`: never). Set `AI_ROUTES_JWT_SECRET` (at
//! least 32 bytes, e.g. `openssl rand -base64 48`) to accept HS256 tokens; without it no token
//! is accepted. Without a token, the page chats as a guest (explicit opt-in here).
//! Options: `--port N` (default 3000, 0 picks one), `--db PATH` (default `ai-routes-chat.db`).
//! With the `mcp` feature the shop's tools and the recipe route are also an MCP server at
//! `/mcp` (same authentication), and `--mcp-stdio` serves them over stdin/stdout instead of
//! HTTP, for desktop MCP clients that start servers as commands (messages then go to stderr).
//! Set up as a public demo would be: per-visitor and per-address request limits, guest ids
//! per address, conversations per visitor and a spending cap per visitor (see `main`).

mod app;

use std::sync::Arc;

use ai_routes::http::{Authenticator, RateLimit, ServeOptions};
use ai_routes::store::SqliteStore;
use ai_routes::testing::LocalBedrock;
use ai_routes::Client;

/// USD each owner may spend through the demo (per process).
const SPENDING_CAP_USD: f64 = 0.50;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port: u16 = option("--port")
        .or_else(|| std::env::var("PORT").ok())
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(3000);
    let db = option("--db").unwrap_or_else(|| "ai-routes-chat.db".into());
    // Over stdio, stdout carries MCP messages: everything said goes to stderr.
    let mcp_stdio = args.iter().any(|a| a == "--mcp-stdio");
    if mcp_stdio && !cfg!(feature = "mcp") {
        return Err("--mcp-stdio needs the `mcp` feature (--features http,testing,mcp)".into());
    }
    macro_rules! say {
        ($($arg:tt)*) => {
            if mcp_stdio { eprintln!($($arg)*) } else { println!($($arg)*) }
        };
    }

    // `--local-bedrock` keeps to the stand-in even where credentials are configured (tests).
    let use_bedrock = !args.iter().any(|a| a == "--local-bedrock")
        && (args.iter().any(|a| a == "--bedrock")
            || ai_routes::testing::aws_credentials_configured());
    let (_local, sdk) = if use_bedrock {
        say!("Using Amazon Bedrock with the default AWS credentials chain.");
        (None, Client::from_env().await?.sdk().clone())
    } else {
        let local = LocalBedrock::start().await?;
        say!("No AWS credentials found: answering with the local Bedrock stand-in at {} (pass --bedrock to use Amazon Bedrock).", local.endpoint());
        let sdk = local.client();
        (Some(local), sdk)
    };
    // A public demo: each visitor (user or guest) may spend this much on model calls.
    let ai = Client::builder(sdk)
        .spending_cap_per_owner(SPENDING_CAP_USD)
        .build();

    let store = SqliteStore::open(&db)?;
    let assistant = app::ShopAssistant::new(ai.clone(), store, app::Shop::demo());
    #[cfg(feature = "mcp")]
    if mcp_stdio {
        say!("Serving the shop's tools and plan_recipe over MCP on stdin/stdout.");
        app::mcp_server(ai, &assistant)?.serve_stdio().await?;
        return Ok(());
    }
    let secret = match std::env::var("AI_ROUTES_JWT_SECRET") {
        Ok(secret) => Some(secret),
        Err(std::env::VarError::NotPresent) => None,
        Err(e) => return Err(format!("AI_ROUTES_JWT_SECRET: {e}").into()),
    };
    // One authenticator for the API and the MCP endpoint.
    let auth: Arc<dyn Authenticator> =
        Arc::from(app::auth(secret.as_deref()).map_err(|e| format!("AI_ROUTES_JWT_SECRET: {e}"))?);
    say!(
        "{}",
        if secret.is_some() {
            "Accepting HS256 tokens signed with AI_ROUTES_JWT_SECRET, and guests."
        } else {
            "AI_ROUTES_JWT_SECRET is not set: guests only, no token is accepted."
        }
    );
    // Abuse limits for a server open to anyone: request rates per visitor and per address,
    // guest ids an address may mint, and conversations a visitor may keep.
    let router = app::api_for(ai.clone(), &assistant, auth.clone())
        .rate_limit_per_owner(RateLimit::per_minute(60))
        .rate_limit_per_ip(RateLimit::per_minute(300))
        .new_guests_per_ip(RateLimit::per_hour(20))
        .max_conversations_per_owner(100)
        .router();
    #[cfg(feature = "mcp")]
    let router = router.merge(app::mcp_server(ai, &assistant)?.router("/mcp", auth));
    #[cfg(not(feature = "mcp"))]
    let _ = (ai, auth);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    say!(
        "History in {db}. Chat page: http://{}/",
        listener.local_addr()?
    );
    if cfg!(feature = "mcp") {
        say!("MCP endpoint: http://{}/mcp", listener.local_addr()?);
    }
    // Header-read time limit (and the body timeout `Api` sets) so slow clients cannot hold
    // connections; TCP_NODELAY for the small writes of Server-Sent Events.
    ai_routes::http::serve(listener, router, ServeOptions::default(), async {
        let _ = tokio::signal::ctrl_c().await;
        say!("Shutting down.");
    })
    .await?;
    Ok(())
}

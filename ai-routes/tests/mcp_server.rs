//! `McpServer` driven by MCP clients written by others: the official Rust SDK's client (rmcp)
//! over stdio framing and streamable HTTP, and the official inspector CLI
//! (`@modelcontextprotocol/inspector-cli`, pinned in `tests/mcp/package.json`) over HTTP.
//! Generation routes answer from the local Bedrock stand-in.
#![cfg(all(feature = "mcp", feature = "testing"))]

#[path = "mcp/support.rs"]
mod support;

use std::sync::{Arc, Mutex};

use ai_routes::http::{AuthError, Authenticator, Identity};
use ai_routes::mcp::rmcp;
use ai_routes::mcp::McpServer;
use ai_routes::prelude::*;
use ai_routes::testing::{ErrorKind, LocalBedrock, Reply};
use ai_routes::UsageEvent;
use axum::http::request::Parts;
use futures_util::future::BoxFuture;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt as _};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

struct Forecasts;

/// Current weather for a city.
#[tool]
async fn get_weather(
    _state: &Forecasts,
    /** City name, e.g. "Seattle" */
    city: String,
) -> Result<String, ToolError> {
    match city.as_str() {
        "Seattle" => Ok("rain in Seattle".into()),
        other => Err(ToolError::new(format!("no forecast for {other}"))),
    }
}

/// Adds two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
struct Trip {
    city: String,
    days: u8,
    stops: Vec<String>,
}

/// Plans a short trip.
#[generation(model = "Claude Haiku 4.5")]
async fn plan_trip(ai: &Client, city: String, days: u8) -> Result<Trip>;

/// Counts the words of a text.
#[generation(model = "Nova Micro")]
async fn count_words(ai: &Client, text: String) -> Result<u32>;

fn tool_set() -> ToolSet<Forecasts> {
    ToolSet::builder()
        .tool::<get_weather>()
        .tool::<add>()
        .build()
        .unwrap()
}

fn server(ai: Client) -> McpServer<Forecasts> {
    McpServer::new(tool_set(), Forecasts)
        .name("mcp-test", "1.2.3")
        .client(ai)
        .generation(&PLAN_TRIP_ROUTE)
        .generation(&COUNT_WORDS_ROUTE)
        .build()
        .unwrap()
}

fn call(name: &str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object")
    };
    CallToolRequestParams::new(name.to_string()).with_arguments(arguments)
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every client sees, whatever the transport.
async fn check_listing_and_calls(
    client: &RunningService<RoleClient, ClientConfig>,
    bedrock: &LocalBedrock,
) {
    let info = client.peer_info().expect("initialized");
    let implementation = info.server_info.as_ref().expect("the server names itself");
    assert_eq!(implementation.name, "mcp-test");
    assert_eq!(implementation.version, "1.2.3");

    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["get_weather", "add", "plan_trip", "count_words"]);
    // Tools keep their names, descriptions and input schemas.
    let set = tool_set();
    for tool in &tools[..2] {
        let ours = set.get(&tool.name).unwrap();
        assert_eq!(
            tool.description.as_deref(),
            Some(ours.definition().description)
        );
        assert_eq!(
            &Value::Object((*tool.input_schema).clone()),
            ours.input_schema()
        );
        assert!(tool.output_schema.is_none());
    }
    // A generation route: its arguments as input, its result type as output schema.
    let plan = &tools[2];
    assert_eq!(plan.description.as_deref(), Some("Plans a short trip."));
    let descriptor = PLAN_TRIP_ROUTE.descriptor();
    assert_eq!(
        &Value::Object((*plan.input_schema).clone()),
        &descriptor.input_schema
    );
    assert_eq!(
        &Value::Object((*plan.output_schema.clone().unwrap()).clone()),
        &descriptor.output_schema
    );
    // A result that is not an object is wrapped as `{"value": …}` to fit MCP's object schemas.
    let count_schema = Value::Object((*tools[3].output_schema.clone().unwrap()).clone());
    assert_eq!(count_schema["type"], "object");
    assert_eq!(count_schema["required"], json!(["value"]));
    assert_eq!(count_schema["properties"]["value"]["type"], "integer");

    let weather = client
        .call_tool(call("get_weather", json!({"city": "Seattle"})))
        .await
        .unwrap();
    assert_ne!(weather.is_error, Some(true));
    assert_eq!(text(&weather), "rain in Seattle");

    // Tool errors are MCP tool errors (isError), with the message the model would see.
    let unknown_city = client
        .call_tool(call("get_weather", json!({"city": "Atlantis"})))
        .await
        .unwrap();
    assert_eq!(unknown_city.is_error, Some(true));
    assert_eq!(text(&unknown_city), "no forecast for Atlantis");
    let bad_input = client
        .call_tool(call("get_weather", json!({"town": 3})))
        .await
        .unwrap();
    assert_eq!(bad_input.is_error, Some(true));
    assert!(
        text(&bad_input).contains("invalid input for tool `get_weather`"),
        "{}",
        text(&bad_input)
    );

    let sum = client
        .call_tool(call("add", json!({"a": 2, "b": 3})))
        .await
        .unwrap();
    assert_eq!(sum.structured_content, Some(json!({"value": 5.0})));
    assert_eq!(
        serde_json::from_str::<Value>(&text(&sum)).unwrap(),
        json!({"value": 5.0})
    );

    // Generation routes: the typed value as structured content.
    let trip = json!({"city": "Lisbon", "days": 2, "stops": ["Alfama", "Belém"]});
    // Claude Haiku 4.5 answers in native structured output: the JSON as text.
    bedrock.push_reply(Reply::text(trip.to_string()));
    let planned = client
        .call_tool(call("plan_trip", json!({"city": "Lisbon", "days": 2})))
        .await
        .unwrap();
    assert_ne!(planned.is_error, Some(true), "{}", text(&planned));
    assert_eq!(planned.structured_content, Some(trip.clone()));
    assert_eq!(
        serde_json::from_str::<Value>(&text(&planned)).unwrap(),
        trip
    );
    let sent = bedrock.last_request().unwrap();
    assert!(sent.body["messages"].to_string().contains("Lisbon"));

    bedrock.push_reply(Reply::tool_use("return_result", json!({"value": 7})));
    let counted = client
        .call_tool(call(
            "count_words",
            json!({"text": "one two three four five six seven"}),
        ))
        .await
        .unwrap();
    assert_eq!(counted.structured_content, Some(json!({"value": 7})));

    // A failed generation is a tool error carrying the route's error message.
    bedrock.push_error(
        ErrorKind::AccessDenied,
        "You don't have access to the model with the specified model ID.",
    );
    let denied = client
        .call_tool(call("plan_trip", json!({"city": "Lisbon", "days": 2})))
        .await
        .unwrap();
    assert_eq!(denied.is_error, Some(true));
    assert!(
        text(&denied).contains("access to model"),
        "{}",
        text(&denied)
    );

    // Only an unknown tool is a protocol error (-32602, as the specification says).
    match client.call_tool(call("nope", json!({}))).await {
        Err(rmcp::ServiceError::McpError(error)) => {
            assert_eq!(error.code, rmcp::model::ErrorCode::INVALID_PARAMS);
            assert!(
                error.message.contains("unknown tool `nope`"),
                "{}",
                error.message
            );
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[tokio::test]
async fn rmcp_client_over_stdio_framing_lists_and_calls_tools_and_routes() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let server = server(bedrock.ai_client());
    // stdio is newline-delimited JSON-RPC over a byte stream pair; a duplex pipe carries the
    // same bytes as a child process's stdin and stdout.
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server.serve_io(read, write));
    let client = ClientConfig::default().serve(client_io).await.unwrap();
    check_listing_and_calls(&client, &bedrock).await;
    client.cancel().await.unwrap();
    // The server returns once the client hangs up.
    tokio::time::timeout(std::time::Duration::from_secs(10), serving)
        .await
        .expect("the server ends with the session")
        .unwrap()
        .unwrap();
}

/// Accepts one token, as user `ada`.
struct OneToken;

impl Authenticator for OneToken {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Identity, AuthError>> {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        Box::pin(async move {
            match header {
                Some("Bearer let-me-in") => Ok(Identity::user("ada")),
                Some(_) => Err(AuthError::Rejected("wrong token".into())),
                None => Err(AuthError::Missing("bearer token")),
            }
        })
    }
}

/// The MCP endpoint mounted at `/mcp` of an axum app, behind `OneToken`; generation calls are
/// metered for the caller.
async fn http_server(bedrock: &LocalBedrock) -> (String, Arc<Mutex<Vec<UsageEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let ai = Client::builder(bedrock.client())
        .usage_sink(move |event: &UsageEvent| sink.lock().unwrap().push(event.clone()))
        .build();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(server(ai).router("/mcp", OneToken));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, events)
}

#[tokio::test]
async fn rmcp_client_over_streamable_http_behind_the_authenticator() {
    let bedrock = LocalBedrock::start().await.unwrap();
    let (url, events) = http_server(&bedrock).await;

    // Without the token the handshake is refused (401).
    let anonymous = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()),
    );
    let refused = ClientConfig::default().serve(anonymous).await;
    assert!(
        refused.is_err(),
        "an unauthenticated client must not connect"
    );
    let status = reqwest_free_post(&url).await;
    assert_eq!(status, 401);

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header("let-me-in"),
    );
    let client = ClientConfig::default().serve(transport).await.unwrap();
    check_listing_and_calls(&client, &bedrock).await;
    // Generations over HTTP are made for the caller the Authenticator named.
    let owners: Vec<Option<String>> = events
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.owner.clone())
        .collect();
    assert!(!owners.is_empty());
    assert!(
        owners.iter().all(|o| o.as_deref() == Some("user:ada")),
        "{owners:?}"
    );
    client.cancel().await.unwrap();
}

/// The status of a bare `initialize` POST without credentials.
async fn reqwest_free_post(url: &str) -> u16 {
    use http_body_util::BodyExt as _;
    let uri: axum::http::Uri = url.parse().unwrap();
    let stream = tokio::net::TcpStream::connect((uri.host().unwrap(), uri.port_u16().unwrap()))
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let request = axum::http::Request::post(uri.path())
        .header("host", uri.authority().unwrap().as_str())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(http_body_util::Full::new(axum::body::Bytes::from(
            body.to_string(),
        )))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

#[tokio::test]
async fn official_inspector_cli_lists_and_calls_over_http() {
    let Some(inspector) = support::inspector_cli() else {
        return;
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let (url, _events) = http_server(&bedrock).await;
    let auth = "Authorization: Bearer let-me-in";

    let listed = support::run_json(
        &inspector,
        &[
            &url,
            "--transport",
            "http",
            "--header",
            auth,
            "--method",
            "tools/list",
        ],
    )
    .await;
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get_weather", "add", "plan_trip", "count_words"]);
    assert_eq!(
        listed["tools"][0]["inputSchema"],
        *tool_set().get("get_weather").unwrap().input_schema()
    );
    assert_eq!(
        listed["tools"][2]["outputSchema"],
        PLAN_TRIP_ROUTE.descriptor().output_schema
    );

    let weather = support::run_json(
        &inspector,
        &[
            &url,
            "--transport",
            "http",
            "--header",
            auth,
            "--method",
            "tools/call",
            "--tool-name",
            "get_weather",
            "--tool-arg",
            "city=Seattle",
        ],
    )
    .await;
    assert_eq!(weather["content"][0]["text"], "rain in Seattle");
    assert_ne!(weather["isError"], json!(true));

    let failed = support::run_json(
        &inspector,
        &[
            &url,
            "--transport",
            "http",
            "--header",
            auth,
            "--method",
            "tools/call",
            "--tool-name",
            "get_weather",
            "--tool-arg",
            "city=Atlantis",
        ],
    )
    .await;
    assert_eq!(failed["isError"], true);
    assert_eq!(failed["content"][0]["text"], "no forecast for Atlantis");

    let trip = json!({"city": "Porto", "days": 3, "stops": ["Ribeira"]});
    // Claude Haiku 4.5 answers in native structured output: the JSON as text.
    bedrock.push_reply(Reply::text(trip.to_string()));
    let planned = support::run_json(
        &inspector,
        &[
            &url,
            "--transport",
            "http",
            "--header",
            auth,
            "--method",
            "tools/call",
            "--tool-name",
            "plan_trip",
            "--tool-arg",
            "city=Porto",
            "days=3",
        ],
    )
    .await;
    assert_eq!(planned["structuredContent"], trip);

    // Without the token the inspector cannot connect.
    let refused = support::run(
        &inspector,
        &[&url, "--transport", "http", "--method", "tools/list"],
    )
    .await;
    assert!(
        !refused.status.success(),
        "listing without the token must fail"
    );
}

/// The chat example's binary, which `cargo test` builds with the tests (examples are built,
/// not run): `target/<profile>/examples/chat`, next to this test's `deps` directory.
fn chat_example() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent()?.parent()?.join("examples/chat");
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "{} is not built: `cargo test` builds it; with `--test mcp_server` alone, run \
         `cargo build -p ai-routes --features http,testing,mcp --example chat` first",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("\n*** SKIPPED the stdio inspector test: {why} ***\n");
    None
}

#[tokio::test]
async fn official_inspector_cli_lists_and_calls_the_chat_example_over_stdio() {
    let Some(inspector) = support::inspector_cli() else {
        return;
    };
    let Some(chat) = chat_example() else {
        return;
    };
    let db = std::env::temp_dir().join(format!("ai-routes-mcp-stdio-{}.db", std::process::id()));
    let chat = chat.to_str().unwrap();
    let db = db.to_str().unwrap();
    // The inspector starts the example as a desktop client would: a command speaking MCP
    // over its stdin and stdout.
    let server = [chat, "--mcp-stdio", "--local-bedrock", "--db", db];

    let listed = support::run_json(
        &inspector,
        &[&server[..], &["--method", "tools/list"]].concat(),
    )
    .await;
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get_weather", "search_products", "plan_recipe"]);
    assert!(listed["tools"][2]["outputSchema"]["properties"]["ingredients"].is_object());

    let weather = support::run_json(
        &inspector,
        &[
            &server[..],
            &[
                "--method",
                "tools/call",
                "--tool-name",
                "get_weather",
                "--tool-arg",
                "city=Paris",
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        weather["structuredContent"],
        json!({"city": "Paris", "forecast": "sunny, 21°C"})
    );

    let missing = support::run_json(
        &inspector,
        &[
            &server[..],
            &[
                "--method",
                "tools/call",
                "--tool-name",
                "get_weather",
                "--tool-arg",
                "city=Atlantis",
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(missing["isError"], true);
    assert!(missing["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("no forecast for Atlantis"));

    // The recipe route answers from the stand-in the example starts without AWS credentials:
    // a value of the route's output schema.
    let recipe = support::run_json(
        &inspector,
        &[
            &server[..],
            &[
                "--method",
                "tools/call",
                "--tool-name",
                "plan_recipe",
                "--tool-arg",
                "description=pasta",
                "servings=2",
            ],
        ]
        .concat(),
    )
    .await;
    assert_ne!(recipe["isError"], true, "{recipe}");
    assert!(recipe["structuredContent"]["title"].is_string(), "{recipe}");
    assert!(recipe["structuredContent"]["steps"].is_array(), "{recipe}");
    let _ = std::fs::remove_file(db);
}

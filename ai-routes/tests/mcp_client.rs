//! A conversation route using the tools of the MCP reference server
//! (`@modelcontextprotocol/server-everything`, pinned in `tests/mcp/package.json`, run as a
//! child process over stdio) end to end on the local Bedrock stand-in: offered next to the
//! route's own tools, called, stored; a timeout and a server that dies mid-conversation give
//! error results the model sees and a history Bedrock accepts.
#![cfg(all(feature = "mcp", feature = "testing"))]

#[path = "mcp/support.rs"]
mod support;

use std::time::Duration;

use ai_routes::conversation::{ContentPart, Role, StoredMessage, ToolStatus};
use ai_routes::mcp::{McpServerConfig, McpTools};
use ai_routes::prelude::*;
use ai_routes::store::{MemoryStore, MessageOrder};
use ai_routes::testing::wire::{ContentBlock, ToolUseBlock};
use ai_routes::testing::{LocalBedrock, Reply};
use ai_routes::Error;
use serde_json::{json, Value};

const OWNER: &str = "user:ada";

/// Tells the time in a city.
#[tool]
async fn local_time(city: String) -> String {
    format!("12:00 in {city}")
}

/// Echoes too: its name is the reference server's `echo`.
#[tool(name = "echo")]
async fn my_echo(message: String) -> String {
    message
}

/// Helps with sums and echoes.
#[conversation(model = "Amazon Nova Lite", tools = [local_time], max_steps = 4)]
struct Helper;

/// Has a tool whose name an MCP server also uses.
#[conversation(model = "Amazon Nova Lite", tools = [my_echo])]
struct Clashing;

/// The reference server over stdio; its shell writes its pid to `pid_file` first, so that the
/// test can kill it.
fn everything(pid_file: &std::path::Path) -> Option<McpServerConfig> {
    let server = support::server_everything()?;
    Some(
        McpServerConfig::command("everything", "sh")
            .args([
                "-c".to_string(),
                format!(
                    "echo $$ > '{}'; exec node '{}' stdio",
                    pid_file.display(),
                    server.display()
                ),
            ])
            .call_timeout(Duration::from_secs(3)),
    )
}

fn pid_file(test: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ai-routes-mcp-{test}-{}.pid", std::process::id()))
}

async fn history(helper: &Helper, id: &str) -> Vec<StoredMessage> {
    helper
        .conversation(id)
        .messages(OWNER, MessageOrder::Oldest, 100, None)
        .await
        .unwrap()
        .items
}

/// Every toolUse of the history has its toolResult in the next message.
fn assert_tool_uses_answered(messages: &[StoredMessage]) {
    for (index, message) in messages.iter().enumerate() {
        for part in &message.content {
            if let ContentPart::ToolUse { id, .. } = part {
                let next = &messages[index + 1];
                assert_eq!(next.role, Role::User);
                assert!(
                    next.content.iter().any(|p| matches!(p, ContentPart::ToolResult { tool_use_id, .. } if tool_use_id == id)),
                    "toolUse {id} has no result"
                );
            }
        }
    }
}

fn tool_results(message: &StoredMessage) -> Vec<(ToolStatus, Value)> {
    message
        .content
        .iter()
        .filter_map(|p| match p {
            ContentPart::ToolResult {
                status, content, ..
            } => Some((*status, content.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn conversation_calls_server_everything_tools_and_survives_its_death() {
    let pid_file = pid_file("death");
    let Some(config) = everything(&pid_file) else {
        return;
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let mcp = McpTools::connect([config]).await.unwrap();
    let listed = &mcp.tools()["everything"];
    assert!(listed.iter().any(|t| t == "get-sum"), "{listed:?}");
    let helper = Helper::new(bedrock.ai_client(), MemoryStore::new(), ());
    helper.add_mcp(mcp.clone()).unwrap();
    let conversation = helper.create(OWNER, Default::default()).await.unwrap();

    // Turn 1: the model calls the server's get-sum and the route's own tool together.
    bedrock.push_replies([
        Reply::blocks(
            vec![
                tool_use("t1", "get-sum", json!({"a": 2, "b": 3})),
                tool_use("t2", "local_time", json!({"city": "Lisbon"})),
                tool_use(
                    "t3",
                    "get-structured-content",
                    json!({"location": "Chicago"}),
                ),
            ],
            "tool_use",
        ),
        Reply::text("2 + 3 = 5, it is noon in Lisbon and Chicago is fine."),
    ]);
    let reply = conversation
        .send(
            OWNER,
            "What is 2 + 3, the time in Lisbon and the weather in Chicago?",
        )
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.stop_reason, "end_turn");
    let requests = bedrock.requests();
    // The server's tools were offered next to the route's own, with their descriptions.
    let offered: Vec<String> = requests[0].body["toolConfig"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["toolSpec"]["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(offered[0], "local_time");
    for name in [
        "echo",
        "get-sum",
        "get-structured-content",
        "trigger-long-running-operation",
    ] {
        assert!(
            offered.iter().any(|o| o == name),
            "{name} not offered: {offered:?}"
        );
    }
    let sum_spec = requests[0].body["toolConfig"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["toolSpec"]["name"] == "get-sum")
        .unwrap();
    assert_eq!(
        sum_spec["toolSpec"]["description"],
        "Returns the sum of two numbers"
    );
    assert_eq!(
        sum_spec["toolSpec"]["inputSchema"]["json"]["required"],
        json!(["a", "b"])
    );

    let messages = history(&helper, conversation.id()).await;
    assert_tool_uses_answered(&messages);
    let results = tool_results(&messages[2]);
    assert_eq!(
        results[0],
        (ToolStatus::Success, json!("The sum of 2 and 3 is 5."))
    );
    assert_eq!(results[1], (ToolStatus::Success, json!("12:00 in Lisbon")));
    // Structured content is stored as JSON.
    assert_eq!(results[2].0, ToolStatus::Success);
    assert!(results[2].1.is_object(), "{:?}", results[2].1);
    assert!(
        results[2].1.get("temperature").is_some(),
        "{:?}",
        results[2].1
    );
    // And reached the model as tool results.
    let second = requests[1].body["messages"].to_string();
    assert!(second.contains("The sum of 2 and 3 is 5."), "{second}");

    // Turn 2: a call slower than the server's call timeout is an error result.
    bedrock.push_replies([
        Reply::blocks(
            vec![tool_use(
                "t4",
                "trigger-long-running-operation",
                json!({"duration": 30, "steps": 2}),
            )],
            "tool_use",
        ),
        Reply::text("That took too long."),
    ]);
    let reply = conversation
        .send(OWNER, "Run the long operation.")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.stop_reason, "end_turn");
    let messages = history(&helper, conversation.id()).await;
    let (status, content) = tool_results(&messages[messages.len() - 2]).remove(0);
    assert_eq!(status, ToolStatus::Error);
    assert!(
        content
            .as_str()
            .unwrap()
            .contains("did not answer within 3s"),
        "{content}"
    );

    // Turn 3: the server dies; its tools give error results the model sees, the turn ends
    // normally and the route's own tools still work.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let _ = std::fs::remove_file(&pid_file);
    let killed = std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    bedrock.push_replies([
        Reply::blocks(
            vec![
                tool_use("t5", "echo", json!({"message": "still there?"})),
                tool_use("t6", "local_time", json!({"city": "Oslo"})),
            ],
            "tool_use",
        ),
        Reply::text("The echo server is gone, but it is noon in Oslo."),
    ]);
    let reply = conversation
        .send(OWNER, "Echo this, and the time in Oslo.")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.stop_reason, "end_turn");
    let messages = history(&helper, conversation.id()).await;
    assert_tool_uses_answered(&messages);
    let results = tool_results(&messages[messages.len() - 2]);
    assert_eq!(results[0].0, ToolStatus::Error);
    let message = results[0].1.as_str().unwrap();
    assert!(
        message.contains("MCP server `everything` failed"),
        "{message}"
    );
    assert_eq!(results[1], (ToolStatus::Success, json!("12:00 in Oslo")));
    let request = bedrock.last_request().unwrap().body["messages"].to_string();
    assert!(
        request.contains("MCP server `everything` failed"),
        "the model saw the error: {request}"
    );

    // Turn 4: the history (with the error results) is still one Bedrock accepts.
    bedrock.push_reply(Reply::text("Anything else?"));
    let reply = conversation
        .send(OWNER, "Thanks.")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    assert_eq!(reply.text, "Anything else?");
}

#[tokio::test]
async fn a_tool_name_taken_by_the_route_is_a_clear_error() {
    let pid_file = pid_file("clash");
    let Some(config) = everything(&pid_file) else {
        return;
    };
    let bedrock = LocalBedrock::start().await.unwrap();
    let mcp = McpTools::connect([config.clone()]).await.unwrap();
    let clashing = Clashing::new(bedrock.ai_client(), MemoryStore::new(), ());
    let error = clashing.add_mcp(mcp.clone()).unwrap_err();
    assert!(
        matches!(&error, Error::Mcp { server, .. } if server == "everything"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("tool `echo` has the name of a tool the route already offers"),
        "{error}"
    );
    // The same server twice: every name clashes.
    let helper = Helper::new(bedrock.ai_client(), MemoryStore::new(), ());
    helper.add_mcp(mcp.clone()).unwrap();
    let error = helper.add_mcp(mcp).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("has the name of a tool the route already offers"),
        "{error}"
    );
    let _ = std::fs::remove_file(&pid_file);

    // A server that cannot start is an error naming it.
    let error = McpTools::connect([McpServerConfig::command(
        "missing",
        "/nonexistent/mcp-server",
    )])
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("MCP server `missing`: could not start"),
        "{error}"
    );
}

fn tool_use(id: &str, name: &str, input: Value) -> ContentBlock {
    ContentBlock::ToolUse(ToolUseBlock {
        tool_use_id: id.into(),
        name: name.into(),
        input,
    })
}

/// An MCP server built with the official Rust SDK (rmcp) whose tool list grows: calling
/// `unlock` adds `secret` and sends `notifications/tools/list_changed`.
#[derive(Clone, Default)]
struct Growing {
    unlocked: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

mod growing {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    use ai_routes::mcp::rmcp;
    use rmcp::model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
        PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    };
    use rmcp::service::RequestContext;
    use rmcp::{ErrorData, RoleServer, ServerHandler};

    fn tool(name: &'static str, description: &'static str) -> Tool {
        let schema = serde_json::json!({"type": "object", "properties": {}});
        let serde_json::Value::Object(schema) = schema else {
            unreachable!()
        };
        Tool::new(name, description, Arc::new(schema))
    }

    impl ServerHandler for super::Growing {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(
                ServerCapabilities::builder()
                    .enable_tools()
                    .enable_tool_list_changed()
                    .build(),
            )
        }

        async fn list_tools(
            &self,
            _request: Option<PaginatedRequestParams>,
            _context: RequestContext<RoleServer>,
        ) -> Result<ListToolsResult, ErrorData> {
            let mut tools = vec![tool("unlock", "Unlocks the secret tool.")];
            if self.unlocked.load(Ordering::SeqCst) {
                tools.push(tool("secret", "Tells the secret."));
            }
            Ok(ListToolsResult::with_all_items(tools))
        }

        async fn call_tool(
            &self,
            request: CallToolRequestParams,
            context: RequestContext<RoleServer>,
        ) -> Result<CallToolResponse, ErrorData> {
            match request.name.as_ref() {
                "unlock" => {
                    self.unlocked.store(true, Ordering::SeqCst);
                    context.peer.notify_tool_list_changed().await.ok();
                    Ok(CallToolResult::success(vec![ContentBlock::text("unlocked")]).into())
                }
                "secret" if self.unlocked.load(Ordering::SeqCst) => {
                    Ok(CallToolResult::success(vec![ContentBlock::text("42")]).into())
                }
                other => Err(ErrorData::invalid_params(format!("no tool {other}"), None)),
            }
        }
    }
}

#[tokio::test]
async fn tools_are_listed_again_on_list_changed_over_streamable_http() {
    use ai_routes::mcp::rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use ai_routes::mcp::rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

    let server = Growing::default();
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        std::sync::Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let app = axum::Router::new().route_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let bedrock = LocalBedrock::start().await.unwrap();
    let mcp = McpTools::connect([McpServerConfig::http("growing", &url)])
        .await
        .unwrap();
    assert_eq!(mcp.tools()["growing"], ["unlock"]);
    let helper = Helper::new(bedrock.ai_client(), MemoryStore::new(), ());
    helper.add_mcp(mcp.clone()).unwrap();
    let conversation = helper.create(OWNER, Default::default()).await.unwrap();

    bedrock.push_replies([
        Reply::tool_use("unlock", json!({})),
        Reply::text("Unlocked."),
    ]);
    conversation
        .send(OWNER, "Unlock it.")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    // The notification makes the client list the tools again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while mcp.tools()["growing"] != ["unlock", "secret"] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not listed again: {:?}",
            mcp.tools()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    bedrock.push_replies([
        Reply::tool_use("secret", json!({})),
        Reply::text("The secret is 42."),
    ]);
    conversation
        .send(OWNER, "Tell me the secret.")
        .await
        .unwrap()
        .collect_text()
        .await
        .unwrap();
    let requests = bedrock.requests();
    let offered = requests[requests.len() - 2].body["toolConfig"].to_string();
    assert!(offered.contains("\"secret\""), "{offered}");
    let messages = history(&helper, conversation.id()).await;
    let results = tool_results(&messages[messages.len() - 2]);
    assert_eq!(results, [(ToolStatus::Success, json!("42"))]);
}

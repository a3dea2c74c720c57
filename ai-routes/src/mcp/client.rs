//! The tools of MCP servers, offered to conversation routes.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_sdk_bedrockruntime::types::{Tool as BedrockTool, ToolInputSchema, ToolSpecification};
use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ContentBlock, Tool};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, Peer, RoleClient};
use serde_json::{json, Value};
use tracing::Instrument as _;

use crate::conversation::{ConversationRoute, ToolStatus};
use crate::document::to_document;
use crate::error::{Error, Result};
use crate::tool_source::ToolSource;

/// How long a call of an MCP server's tool may take, by default; then the model gets an error
/// result saying so.
pub const DEFAULT_MCP_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long starting a server and listing its tools may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach one MCP server: a command run as a child process that speaks MCP over its
/// stdin and stdout, or a streamable HTTP endpoint.
///
/// ```
/// use std::time::Duration;
/// use ai_routes::mcp::McpServerConfig;
///
/// let everything = McpServerConfig::command("everything", "npx")
///     .args(["-y", "@modelcontextprotocol/server-everything"])
///     .call_timeout(Duration::from_secs(10));
/// let docs = McpServerConfig::http("docs", "http://127.0.0.1:8931/mcp").bearer_token("s3cret");
/// // Logs never show the token.
/// assert!(!format!("{docs:?}").contains("s3cret"));
/// # let _ = everything;
/// ```
#[derive(Clone)]
pub struct McpServerConfig {
    name: String,
    transport: Transport,
    call_timeout: Duration,
}

#[derive(Clone)]
enum Transport {
    Command {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
    Http {
        url: String,
        bearer_token: Option<String>,
    },
}

/// Shows where the server is, never its bearer token or environment values.
impl std::fmt::Debug for McpServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("McpServerConfig");
        out.field("name", &self.name);
        match &self.transport {
            Transport::Command { program, args, env } => out
                .field("program", program)
                .field("args", args)
                .field("env", &env.iter().map(|(k, _)| k).collect::<Vec<_>>()),
            Transport::Http { url, bearer_token } => out
                .field("url", url)
                .field("bearer_token", &bearer_token.as_ref().map(|_| "<redacted>")),
        };
        out.field("call_timeout", &self.call_timeout).finish()
    }
}

impl McpServerConfig {
    /// A server started as `program` (found on `PATH` unless it is a path), speaking MCP over
    /// stdio. `name` names it in errors and logs. Its stderr goes to this process's stderr.
    pub fn command(name: impl Into<String>, program: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            transport: Transport::Command {
                program: program.into(),
                args: Vec::new(),
                env: Vec::new(),
            },
            call_timeout: DEFAULT_MCP_CALL_TIMEOUT,
        }
    }

    /// A server at a streamable HTTP endpoint (plain `http://`; put a TLS-terminating proxy in
    /// front of a remote one).
    pub fn http(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            transport: Transport::Http {
                url: url.into(),
                bearer_token: None,
            },
            call_timeout: DEFAULT_MCP_CALL_TIMEOUT,
        }
    }

    /// Adds an argument of the command (no effect on an HTTP server).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        if let Transport::Command { args, .. } = &mut self.transport {
            args.push(arg.into());
        }
        self
    }

    /// Adds arguments of the command (no effect on an HTTP server).
    pub fn args(self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        args.into_iter().fold(self, |config, arg| config.arg(arg))
    }

    /// Sets an environment variable of the command (no effect on an HTTP server).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if let Transport::Command { env, .. } = &mut self.transport {
            env.push((key.into(), value.into()));
        }
        self
    }

    /// The token sent as `Authorization: Bearer …` to an HTTP server (no effect on a command).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        if let Transport::Http { bearer_token, .. } = &mut self.transport {
            *bearer_token = Some(token.into());
        }
        self
    }

    /// How long one tool call may take (default [`DEFAULT_MCP_CALL_TIMEOUT`]).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Connected MCP servers whose tools a conversation route offers next to its own
/// ([`ConversationRoute::add_mcp`]).
///
/// Each server's tools are listed when it connects and again whenever it sends
/// `notifications/tools/list_changed`. A call goes to the server that has the tool, with the
/// server's [`call_timeout`](McpServerConfig::call_timeout); its result is stored like any
/// tool result (text as text, `structuredContent` as JSON). A failed call (the tool's own
/// error, a timeout, a server that died) is an error result the model sees, never a failed
/// turn: the route keeps offering the server's last listed tools.
#[derive(Clone)]
pub struct McpTools {
    servers: Arc<Vec<Connection>>,
}

struct Connection {
    config: McpServerConfig,
    peer: Peer<RoleClient>,
    tools: Arc<RwLock<Vec<Tool>>>,
    /// Keeps the session (and a child process) alive; dropping it ends them.
    _running: RunningService<RoleClient, Listener>,
}

impl std::fmt::Debug for McpTools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpTools")
            .field(
                "servers",
                &self
                    .servers
                    .iter()
                    .map(|s| &s.config.name)
                    .collect::<Vec<_>>(),
            )
            .field("tools", &ToolSource::names(self))
            .finish()
    }
}

impl McpTools {
    /// Starts (or connects to) every server and lists its tools. Fails with [`Error::Mcp`]
    /// when a server cannot be started or listed, or when two servers have a tool of the same
    /// name.
    pub async fn connect(servers: impl IntoIterator<Item = McpServerConfig>) -> Result<Self> {
        let mut connections = Vec::new();
        for config in servers {
            let connection =
                tokio::time::timeout(CONNECT_TIMEOUT, Connection::open(config.clone()))
                    .await
                    .map_err(|_| {
                        mcp_error(&config, format!("did not start within {CONNECT_TIMEOUT:?}"))
                    })??;
            connections.push(connection);
        }
        let tools = Self {
            servers: Arc::new(connections),
        };
        tools.check_names(&[])?;
        Ok(tools)
    }

    /// The names of the servers' tools, by server name.
    pub fn tools(&self) -> BTreeMap<String, Vec<String>> {
        self.servers
            .iter()
            .map(|s| {
                let names = s
                    .tools
                    .read()
                    .expect("tool list")
                    .iter()
                    .map(|t| t.name.to_string())
                    .collect();
                (s.config.name.clone(), names)
            })
            .collect()
    }

    /// Fails on a tool name that is in `taken` or on two servers, or that Bedrock refuses.
    fn check_names(&self, taken: &[String]) -> Result<()> {
        let mut seen: BTreeMap<String, &str> = taken.iter().map(|n| (n.clone(), "")).collect();
        for server in self.servers.iter() {
            for tool in server.tools.read().expect("tool list").iter() {
                let name = tool.name.to_string();
                if !ai_routes_catalog::valid_tool_name(&name) {
                    return Err(mcp_error(
                        &server.config,
                        format!(
                            "tool `{name}` is not a valid Bedrock tool name: {}",
                            ai_routes_catalog::TOOL_NAME_RULE
                        ),
                    ));
                }
                if let Some(owner) = seen.insert(name.clone(), &server.config.name) {
                    let other = if owner.is_empty() {
                        "a tool the route already offers".to_string()
                    } else {
                        format!("a tool of MCP server `{owner}`")
                    };
                    return Err(mcp_error(
                        &server.config,
                        format!(
                            "tool `{name}` has the name of {other}; the model calls tools by name, \
                             so each name must be unique: rename the route's tool \
                             (`#[tool(name = \"...\")]`) or leave one server out"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn server_of(&self, name: &str) -> Option<&Connection> {
        self.servers.iter().find(|s| {
            s.tools
                .read()
                .expect("tool list")
                .iter()
                .any(|t| t.name == name)
        })
    }
}

impl Connection {
    async fn open(config: McpServerConfig) -> Result<Self> {
        let tools = Arc::new(RwLock::new(Vec::new()));
        let listener = Listener {
            server: config.name.clone(),
            tools: tools.clone(),
        };
        let running = match &config.transport {
            Transport::Command { program, args, env } => {
                let mut command = tokio::process::Command::new(program);
                command.args(args).envs(env.iter().map(|(k, v)| (k, v)));
                let transport = TokioChildProcess::new(command).map_err(|e| {
                    mcp_error(&config, format!("could not start `{program}`: {e}"))
                })?;
                listener.serve(transport).await
            }
            Transport::Http { url, bearer_token } => {
                let mut http = rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(token) = bearer_token {
                    http = http.auth_header(token.clone());
                }
                let transport = StreamableHttpClientTransport::from_config(http);
                listener.serve(transport).await
            }
        }
        .map_err(|e| mcp_error(&config, format!("the MCP handshake failed: {e}")))?;
        let peer = running.peer().clone();
        let listed = peer
            .list_all_tools()
            .await
            .map_err(|e| mcp_error(&config, format!("tools/list failed: {e}")))?;
        *tools.write().expect("tool list") = listed;
        Ok(Self {
            config,
            peer,
            tools,
            _running: running,
        })
    }

    async fn call(&self, name: &str, input: Value) -> (ToolStatus, Value) {
        let arguments = match input {
            Value::Object(map) => map,
            Value::String(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return error_result(format!(
                        "the input of tool `{name}` must be a JSON object; call it again with one"
                    ))
                }
            },
            _ => {
                return error_result(format!(
                    "the input of tool `{name}` must be a JSON object; call it again with one"
                ))
            }
        };
        let request = CallToolRequestParams::new(name.to_string()).with_arguments(arguments);
        let timeout = self.config.call_timeout;
        match tokio::time::timeout(timeout, self.peer.call_tool(request)).await {
            Err(_) => error_result(format!(
                "tool `{name}` of MCP server `{}` did not answer within {timeout:?}",
                self.config.name
            )),
            Ok(Err(error)) => error_result(format!(
                "tool `{name}` could not be called: MCP server `{}` failed ({error})",
                self.config.name
            )),
            Ok(Ok(result)) => stored_result(result),
        }
    }
}

fn error_result(message: String) -> (ToolStatus, Value) {
    (ToolStatus::Error, Value::String(message))
}

/// An MCP tool result as a conversation stores it: `structuredContent` as a JSON object (a
/// non-object as `{"value": …}`), otherwise the content blocks as text (media blocks are
/// named, not inlined: the model gets their type and size).
fn stored_result(result: CallToolResult) -> (ToolStatus, Value) {
    let status = if result.is_error == Some(true) {
        ToolStatus::Error
    } else {
        ToolStatus::Success
    };
    if status == ToolStatus::Success {
        match result.structured_content {
            Some(object @ Value::Object(_)) => return (status, object),
            Some(other) => return (status, json!({ "value": other })),
            None => {}
        }
    }
    let text: Vec<String> = result
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) => text.text.clone(),
            ContentBlock::Image(image) => {
                format!(
                    "[{} image, {} base64 characters, not shown]",
                    image.mime_type,
                    image.data.len()
                )
            }
            ContentBlock::Audio(audio) => {
                format!(
                    "[{} audio, {} base64 characters, not shown]",
                    audio.mime_type,
                    audio.data.len()
                )
            }
            other => serde_json::to_string(other).unwrap_or_default(),
        })
        .collect();
    let text = if text.is_empty() {
        "(the tool returned no content)".to_string()
    } else {
        text.join("\n")
    };
    (status, Value::String(text))
}

fn mcp_error(config: &McpServerConfig, message: String) -> Error {
    Error::Mcp {
        server: config.name.clone(),
        message,
    }
}

impl ToolSource for McpTools {
    fn bedrock_tools(&self) -> Vec<BedrockTool> {
        self.servers
            .iter()
            .flat_map(|s| s.tools.read().expect("tool list").clone())
            .filter_map(|tool| {
                let schema = Value::Object((*tool.input_schema).clone());
                ToolSpecification::builder()
                    .name(tool.name.to_string())
                    .set_description(
                        tool.description
                            .map(|d| d.to_string())
                            .filter(|d| !d.is_empty()),
                    )
                    .input_schema(ToolInputSchema::Json(to_document(&schema)))
                    .build()
                    .ok()
                    .map(BedrockTool::ToolSpec)
            })
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.servers
            .iter()
            .flat_map(|s| {
                s.tools
                    .read()
                    .expect("tool list")
                    .iter()
                    .map(|t| t.name.to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.server_of(name).is_some()
    }

    fn run<'a>(
        &'a self,
        id: &'a str,
        name: &'a str,
        input: Value,
    ) -> BoxFuture<'a, (ToolStatus, Value)> {
        let Some(server) = self.server_of(name) else {
            return futures_util::future::ready(error_result(format!(
                "unknown tool `{name}`: no MCP server offers it any more"
            )))
            .boxed();
        };
        let span = tracing::info_span!(
            "tool",
            "gen_ai.operation.name" = "execute_tool",
            "gen_ai.tool.name" = name,
            "gen_ai.tool.call.id" = id,
            "ai_routes.mcp.server" = server.config.name.as_str(),
            "error.type" = tracing::field::Empty,
        );
        async move {
            let (status, content) = server.call(name, input).await;
            if status == ToolStatus::Error {
                tracing::Span::current().record("error.type", "mcp_tool_error");
                tracing::warn!(error = %content, "MCP tool call failed");
            }
            (status, content)
        }
        .instrument(span)
        .boxed()
    }
}

/// Receives the server's notifications: a changed tool list is listed again.
struct Listener {
    server: String,
    tools: Arc<RwLock<Vec<Tool>>>,
}

impl Listener {
    async fn serve<T, E, A>(
        self,
        transport: T,
    ) -> std::result::Result<
        RunningService<RoleClient, Listener>,
        rmcp::service::ClientInitializeError,
    >
    where
        T: rmcp::transport::IntoTransport<RoleClient, E, A>,
        E: std::error::Error + Send + Sync + 'static,
    {
        rmcp::serve_client(self, transport).await
    }
}

impl ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::default()
    }

    async fn on_tool_list_changed(&self, context: NotificationContext<RoleClient>) {
        // Listed in a task of its own: the answer arrives through the loop that delivers this
        // notification.
        let peer = context.peer.clone();
        let tools = self.tools.clone();
        let server = self.server.clone();
        tokio::spawn(async move {
            match peer.list_all_tools().await {
                Ok(listed) => {
                    tracing::info!(
                        server,
                        tools = listed.len(),
                        "MCP server's tools listed again"
                    );
                    *tools.write().expect("tool list") = listed;
                }
                Err(error) => {
                    tracing::warn!(server, %error, "MCP server's tools could not be listed again")
                }
            }
        });
    }
}

impl<S: Send + Sync + 'static> ConversationRoute<S> {
    /// Offers the tools of MCP servers next to the route's own, from the next turn on.
    /// Fails with [`Error::Mcp`] when one of their names is already a tool of the route (its
    /// declared tools, or MCP tools added before).
    ///
    /// ```no_run
    /// use ai_routes::mcp::{McpServerConfig, McpTools};
    /// use ai_routes::prelude::*;
    /// use ai_routes::store::MemoryStore;
    ///
    /// /// Helps with anything.
    /// #[conversation(model = "Amazon Nova Lite")]
    /// struct Assistant;
    ///
    /// # async fn run() -> ai_routes::Result<()> {
    /// let ai = Client::from_env().await?;
    /// let assistant = Assistant::new(ai, MemoryStore::new(), ());
    /// let servers = McpTools::connect([McpServerConfig::command("everything", "npx")
    ///     .args(["-y", "@modelcontextprotocol/server-everything"])])
    /// .await?;
    /// assistant.add_mcp(servers)?;
    /// # Ok(()) }
    /// ```
    pub fn add_mcp(&self, tools: McpTools) -> Result<()> {
        let mut sources = self.inner.tool_sources.write().expect("tool sources");
        let mut taken: Vec<String> = self
            .inner
            .tools
            .names()
            .into_iter()
            .map(str::to_string)
            .collect();
        taken.extend(sources.iter().flat_map(|s| s.names()));
        tools.check_names(&taken)?;
        sources.push(Arc::new(tools));
        Ok(())
    }
}

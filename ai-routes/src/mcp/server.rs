//! Tools and generation routes served as an MCP server.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::conversation::ConversationRoute;
use crate::error::{Error, Result};
use crate::generation::{GenerationOutput, GenerationRoute, GenerationSpec, RouteDescriptor};
use crate::http::{ApiError, Authenticator};
use crate::tool::{ToolOutput, ToolSet};
use crate::Client;

/// The authenticated caller of an MCP request served over HTTP ([`McpServer::router`]): the
/// owner the [`Authenticator`] gave, whose spending cap and usage cover the generation routes
/// it calls. Put in the request's extensions by the router; stdio has no caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpCaller {
    /// See [`Identity::owner`](crate::http::Identity::owner).
    pub owner: String,
}

/// A generation route as an MCP tool.
#[derive(Clone)]
struct GenerationTool {
    spec: GenerationSpec,
    descriptor: RouteDescriptor,
}

/// A [`ToolSet`] and generation routes served as an MCP server: over stdio
/// ([`McpServer::serve_stdio`]) or streamable HTTP ([`McpServer::router`]).
///
/// Tools keep their names, descriptions and input schemas. A generation route is a tool named
/// after the route whose result is the route's typed value: `structuredContent` with the
/// route's output schema (a result that is not a JSON object is given as `{"value": …}`), and
/// the same JSON as text for clients that read only text. A failing tool or generation is an
/// MCP tool error (`isError: true`, the message as text), never a protocol error; only an
/// unknown tool name is one (`-32602`, as the MCP specification says).
///
/// ```no_run
/// use ai_routes::mcp::McpServer;
/// use ai_routes::prelude::*;
///
/// /// Current weather for a city.
/// #[tool]
/// async fn get_weather(/** City name */ city: String) -> String {
///     format!("sunny in {city}")
/// }
///
/// /// Suggests a name for a product.
/// #[generation(model = "Claude Haiku 4.5")]
/// async fn name_product(ai: &Client, description: String) -> Result<String>;
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let ai = Client::from_env().await?;
///     let tools = ToolSet::builder().tool::<get_weather>().build()?;
///     McpServer::new(tools, ())
///         .client(ai)
///         .generation(&NAME_PRODUCT_ROUTE)
///         .build()?
///         .serve_stdio()
///         .await?;
///     Ok(())
/// }
/// ```
pub struct McpServer<S = ()> {
    inner: Arc<ServerInner<S>>,
}

impl<S> Clone for McpServer<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct ServerInner<S> {
    info: Implementation,
    instructions: Option<String>,
    tools: ToolSet<S>,
    state: Arc<S>,
    client: Option<Client>,
    generations: Vec<GenerationTool>,
    allowed_hosts: Option<Vec<String>>,
    /// `tools/list`, computed once.
    listed: Vec<Tool>,
}

/// Builds an [`McpServer`]; see [`McpServer::new`].
pub struct McpServerBuilder<S> {
    info: Implementation,
    instructions: Option<String>,
    tools: ToolSet<S>,
    state: Arc<S>,
    client: Option<Client>,
    generations: Vec<GenerationTool>,
    allowed_hosts: Option<Vec<String>>,
}

impl<S: Send + Sync + 'static> McpServer<S> {
    /// A server offering `tools`, which run with `state` (the state their handlers take; an
    /// `Arc` of it is shared as is). Named `ai-routes` until [`McpServerBuilder::name`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new(tools: ToolSet<S>, state: impl Into<Arc<S>>) -> McpServerBuilder<S> {
        McpServerBuilder {
            info: Implementation::new("ai-routes", env!("CARGO_PKG_VERSION")),
            instructions: None,
            tools,
            state: state.into(),
            client: None,
            generations: Vec::new(),
            allowed_hosts: None,
        }
    }
}

impl<S: Send + Sync + 'static> McpServer<S> {
    /// A server offering the declared tools of a conversation route, run with the route's
    /// own state (shared, not copied): what the route's model can call, any MCP client can.
    pub fn for_route(route: &ConversationRoute<S>) -> McpServerBuilder<S> {
        Self::new(route.inner.tools.clone(), route.inner.state.clone())
    }
}

impl<S: Send + Sync + 'static> McpServerBuilder<S> {
    /// The name and version the server gives in its `initialize` answer.
    pub fn name(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.info = Implementation::new(name, version);
        self
    }

    /// Instructions for the client's model about using the server (`initialize`).
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// The client generation routes call Bedrock with (needed when there are any); over HTTP
    /// each call is made for the caller ([`Client::for_owner`]).
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Offers a generation route as a tool named after the route.
    pub fn generation<T: GenerationOutput>(mut self, route: &'static GenerationRoute<T>) -> Self {
        self.generations.push(GenerationTool {
            spec: *route.spec(),
            descriptor: route.descriptor().clone(),
        });
        self
    }

    /// The `Host` header values the HTTP endpoint accepts (names or `name:port`). By default
    /// only loopback hosts (`localhost`, `127.0.0.1`, `::1`), rmcp's guard against DNS
    /// rebinding; a server reached under a public name lists it here.
    pub fn allowed_hosts(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// The server. Fails when a route's name is also a tool's, when a route has no JSON entry
    /// point, or when there are routes and no [`client`](Self::client).
    pub fn build(self) -> Result<McpServer<S>> {
        let mut names: HashSet<&str> = self.tools.names().into_iter().collect();
        for generation in &self.generations {
            let name = generation.spec.name;
            if !names.insert(name) {
                return Err(Error::DuplicateTool { name: name.into() });
            }
            if generation.spec.invoke_json.is_none() {
                return Err(Error::InvalidInput(format!(
                    "generation route `{name}` has no JSON entry point"
                )));
            }
        }
        if !self.generations.is_empty() && self.client.is_none() {
            return Err(Error::InvalidInput(
                "the MCP server offers generation routes: give it the client they call Bedrock \
                 with (`McpServerBuilder::client`)"
                    .into(),
            ));
        }
        let mut listed: Vec<Tool> = self
            .tools
            .names()
            .into_iter()
            .map(|name| {
                let tool = self.tools.get(name).expect("listed by the set");
                let definition = tool.definition();
                Tool::new(
                    definition.name,
                    definition.description,
                    Arc::new(as_object(tool.input_schema().clone())),
                )
            })
            .collect();
        for generation in &self.generations {
            let descriptor = &generation.descriptor;
            let (output_schema, _) = structured_schema(&descriptor.output_schema);
            listed.push(
                Tool::new(
                    descriptor.name,
                    descriptor.doc,
                    Arc::new(as_object(descriptor.input_schema.clone())),
                )
                .with_raw_output_schema(Arc::new(output_schema)),
            );
        }
        Ok(McpServer {
            inner: Arc::new(ServerInner {
                info: self.info,
                instructions: self.instructions,
                tools: self.tools,
                state: self.state,
                client: self.client,
                generations: self.generations,
                allowed_hosts: self.allowed_hosts,
                listed,
            }),
        })
    }
}

impl<S: Send + Sync + 'static> McpServer<S> {
    /// The tools `tools/list` answers with: the tool set's, then the generation routes.
    pub fn tools(&self) -> &[Tool] {
        &self.inner.listed
    }

    /// Serves MCP over the process's stdin and stdout until the client closes stdin (how
    /// desktop clients run a local server: as a command). Log to stderr, never stdout.
    pub async fn serve_stdio(self) -> Result<()> {
        self.serve_io(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves MCP over a byte stream pair (newline-delimited JSON-RPC, as stdio) until the
    /// reader ends.
    pub async fn serve_io<R, W>(self, reader: R, writer: W) -> Result<()>
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let running = Handler(self)
            .serve((reader, writer))
            .await
            .map_err(|e| Error::InvalidInput(format!("MCP session did not start: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| Error::InvalidInput(format!("MCP session failed: {e}")))?;
        Ok(())
    }

    /// An axum router serving MCP over streamable HTTP at `path` (e.g. `/mcp`); every request
    /// must be authenticated by `auth` (401 otherwise, like the API). Merge it with
    /// [`Api::router`](crate::http::Api::router):
    ///
    /// ```no_run
    /// # use ai_routes::http::{Api, GuestAuth};
    /// # use ai_routes::mcp::McpServer;
    /// # fn app(api: Api, mcp: McpServer) -> axum::Router {
    /// api.router().merge(mcp.router("/mcp", GuestAuth))
    /// # }
    /// ```
    pub fn router(&self, path: &str, auth: impl Authenticator) -> Router {
        let mut config = StreamableHttpServerConfig::default();
        if let Some(hosts) = &self.inner.allowed_hosts {
            config = config.with_allowed_hosts(hosts.clone());
        }
        let server = self.clone();
        let service = StreamableHttpService::new(
            move || Ok(Handler(server.clone())),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let auth: Arc<dyn Authenticator> = Arc::new(auth);
        Router::new()
            .route_service(path, service)
            .layer(axum::middleware::from_fn(move |request, next| {
                authenticate(auth.clone(), request, next)
            }))
    }

    async fn call(&self, request: CallToolRequestParams, owner: Option<String>) -> CallToolResult {
        let input = Value::Object(request.arguments.unwrap_or_default());
        let name = request.name.as_ref();
        if let Some(generation) = self.inner.generations.iter().find(|g| g.spec.name == name) {
            return self.generate(generation, input, owner).await;
        }
        let id = format!("mcp-{}", uuid::Uuid::new_v4());
        let (status, content) = self
            .inner
            .tools
            .run(&self.inner.state, &id, name, input)
            .await;
        match (status, content) {
            (crate::conversation::ToolStatus::Error, Value::String(message)) => {
                CallToolResult::error(vec![ContentBlock::text(message)])
            }
            (crate::conversation::ToolStatus::Error, other) => {
                CallToolResult::error(vec![ContentBlock::text(other.to_string())])
            }
            (crate::conversation::ToolStatus::Success, content) => {
                match ToolOutput::from_value(content) {
                    ToolOutput::Text(text) => {
                        CallToolResult::success(vec![ContentBlock::text(text)])
                    }
                    ToolOutput::Json(object) => structured(object),
                }
            }
        }
    }

    async fn generate(
        &self,
        generation: &GenerationTool,
        input: Value,
        owner: Option<String>,
    ) -> CallToolResult {
        let client = self.inner.client.as_ref().expect("checked by build");
        let client = match owner {
            Some(owner) => client.for_owner(owner),
            None => client.clone(),
        };
        let invoke = generation.spec.invoke_json.expect("checked by build");
        match invoke(&client, input).await {
            Ok(generated) => {
                let (_, wrapped) = structured_schema(&generation.descriptor.output_schema);
                let value = if wrapped {
                    json!({ "value": generated.value })
                } else {
                    generated.value
                };
                structured(value)
            }
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
        }
    }
}

/// A structured result, with its JSON as text too (the MCP specification asks servers to
/// send both, for clients that read only text).
fn structured(value: Value) -> CallToolResult {
    let mut result = CallToolResult::structured(value);
    if result.content.is_empty() {
        if let Some(value) = &result.structured_content {
            result.content = vec![ContentBlock::text(value.to_string())];
        }
    }
    result
}

/// The route's output schema as an MCP `outputSchema` (which must be of type object), and
/// whether results are wrapped as `{"value": …}` to fit it. `$defs` stay at the root, so that
/// the schema's `$ref`s still resolve.
fn structured_schema(schema: &Value) -> (JsonObject, bool) {
    if schema.get("type").and_then(Value::as_str) == Some("object") {
        return (as_object(schema.clone()), false);
    }
    let mut inner = as_object(schema.clone());
    let mut root = Map::new();
    for key in ["$schema", "$defs", "definitions"] {
        if let Some(value) = inner.remove(key) {
            root.insert(key.to_string(), value);
        }
    }
    root.insert("type".into(), json!("object"));
    root.insert(
        "properties".into(),
        json!({ "value": Value::Object(inner) }),
    );
    root.insert("required".into(), json!(["value"]));
    (root, true)
}

fn as_object(schema: Value) -> JsonObject {
    match schema {
        Value::Object(map) => map,
        // `true` (anything) and other non-object schemas: an object with no constraints.
        _ => Map::from_iter([("type".to_string(), json!("object"))]),
    }
}

/// Authenticates an MCP HTTP request with the API's [`Authenticator`]; the caller goes into
/// the request's extensions, where the handler reads it from the HTTP parts rmcp passes on.
async fn authenticate(auth: Arc<dyn Authenticator>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match auth.authenticate(&parts).await {
        Ok(identity) => {
            parts.extensions.insert(McpCaller {
                owner: identity.owner(),
            });
            next.run(Request::from_parts(parts, body)).await
        }
        Err(error) => ApiError::unauthorized(error.to_string()).into_response(),
    }
}

/// rmcp's view of the server.
struct Handler<S>(McpServer<S>);

impl<S: Send + Sync + 'static> ServerHandler for Handler<S> {
    fn get_info(&self) -> ServerConfig {
        let inner = &self.0.inner;
        let mut config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(inner.info.clone());
        if let Some(instructions) = &inner.instructions {
            config = config.with_instructions(instructions.clone());
        }
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.0.inner.listed.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.0.inner.listed.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        if !self.0.inner.listed.iter().any(|t| t.name == request.name) {
            let names: Vec<&str> = self
                .0
                .inner
                .listed
                .iter()
                .map(|t| t.name.as_ref())
                .collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{}`; the tools are: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        }
        let owner = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<McpCaller>())
            .map(|caller| caller.owner.clone());
        Ok(self.0.call(request, owner).await.into())
    }
}

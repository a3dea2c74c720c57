//! The Model Context Protocol both ways (feature `mcp`, with the official Rust SDK `rmcp`).
//!
//! - [`McpServer`]: a [`ToolSet`](crate::ToolSet) and any generation routes served as an MCP
//!   server, over stdio ([`McpServer::serve_stdio`]) or streamable HTTP
//!   ([`McpServer::router`], mountable next to [`Api`](crate::http::Api) behind the same
//!   [`Authenticator`](crate::http::Authenticator)).
//! - [`McpTools`]: the tools of MCP servers (child processes over stdio, or streamable HTTP
//!   endpoints) offered to a conversation route next to its own tools
//!   ([`ConversationRoute::with_mcp`](crate::ConversationRoute::with_mcp)).

mod client;
mod server;

/// The MCP SDK these types come from (its model types appear in this API).
pub use rmcp;

pub use client::{McpServerConfig, McpTools, DEFAULT_MCP_CALL_TIMEOUT};
pub use server::{McpCaller, McpServer, McpServerBuilder};

//! Tools a conversation route offers next to its own [`ToolSet`](crate::ToolSet) whose list is
//! only known at run time and may change (the tools of MCP servers).

use aws_sdk_bedrockruntime::types::Tool;
use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::conversation::ToolStatus;

/// A run-time source of tools for a conversation route.
pub(crate) trait ToolSource: Send + Sync + 'static {
    /// The tools offered now, as Bedrock tool specifications.
    fn bedrock_tools(&self) -> Vec<Tool>;

    /// The names of the tools offered now.
    fn names(&self) -> Vec<String>;

    /// Whether the source has a tool called `name`.
    fn has(&self, name: &str) -> bool {
        self.names().iter().any(|n| n == name)
    }

    /// Runs one call; like [`ToolSet::run`](crate::ToolSet), never fails: every problem is an
    /// error result with a message for the model.
    fn run<'a>(
        &'a self,
        id: &'a str,
        name: &'a str,
        input: Value,
    ) -> BoxFuture<'a, (ToolStatus, Value)>;
}

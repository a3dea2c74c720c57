//! ai-routes: declare Amazon Bedrock AI routes as Rust items, checked at compile time.

mod bedrock_errors;
mod client;
pub mod conversation;
mod document;
mod error;
mod executor;
pub mod generation;
#[cfg(feature = "http")]
pub mod http;
mod inference;
mod limits;
mod media;
mod metering;
mod model_spec;
pub mod request_metadata;
mod route_args;
mod route_check;
pub mod schema;
pub mod shared_limits;
pub mod store;
mod tool;
mod usage;

#[cfg(feature = "testing")]
pub mod testing;

pub use ai_routes_catalog as catalog;
pub use ai_routes_macros::{conversation, generation};
pub use ai_routes_macros::{tool, Tool};
pub use client::{Client, ClientBuilder};
pub use conversation::{
    ClientTool, Conversation, ConversationRoute, CreateConversation, TurnEvent, TurnReply,
    TurnStream, UserMessage,
};
pub use error::{Error, Result};
pub use generation::{Generated, GenerationRoute, RouteDescriptor};
pub use limits::{BudgetScope, RetryPolicy};
pub use media::{
    Document, DocumentFormat, Image, ImageFormat, MAX_DOCUMENTS, MAX_DOCUMENT_BYTES, MAX_IMAGES,
    MAX_IMAGE_BYTES,
};
pub use metering::{RouteKind, UsageEvent, UsageMeter, UsageSink, UsageSnapshot, UsageTotals};
pub use route_check::{RouteCheck, RouteCheckError, RouteInfo, RouteProblem};
pub use tool::{
    valid_tool_name, DynTool, ToolDefinition, ToolError, ToolErrorKind, ToolHandler, ToolInfo,
    ToolOutput, ToolSet, ToolSetBuilder,
};
pub use usage::{cache_price_factors, Usage};

/// Everything a user needs in scope.
pub mod prelude {
    pub use crate::{
        conversation, ClientTool, CreateConversation, TurnEvent, TurnReply, TurnStream, UserMessage,
    };
    pub use crate::{
        generation, Client, Document, DocumentFormat, Error, Generated, Image, ImageFormat, Result,
        Usage,
    };
    pub use crate::{ToolError, ToolHandler, ToolOutput, ToolSet};
    pub use ai_routes_macros::{tool, Tool};
}

/// Expands the first group when ai-routes is built with `http`, else the second (used by
/// generated code to emit a route's JSON entry point only when it can be served).
#[cfg(feature = "http")]
#[doc(hidden)]
#[macro_export]
macro_rules! __ai_routes_if_http {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
}

#[cfg(not(feature = "http"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __ai_routes_if_http {
    ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
}

/// Paths the macros' generated code uses; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__ai_routes_if_http as if_http;
    pub use crate::conversation::ConversationRoute;
    pub use crate::conversation::{assert_conversation_tool, const_str_eq, ConversationSpec};
    pub use crate::generation::{
        result_type, GenerationRoute, GenerationSpec, PromptArg, ResultType, ToolChoiceStrategy,
        UserInput,
    };
    pub use crate::model_spec::ModelSpec;
    pub use crate::route_args::{
        arg_schema, args_schema, args_text, ArgSchema, ArgValue, ArgsReader,
    };
    pub use crate::schema::schema_of;
    pub use crate::store::ConversationStore;
    pub use crate::tool::{
        assert_tool_argument, assert_tool_output, tool_error, tool_input_schema, ToolDefinition,
        ToolError, ToolHandler, ToolInfo,
    };
    pub use crate::{Client, Generated, Result, ToolSet};
    pub use core::marker::PhantomData;
    pub use futures_util::future::BoxFuture;
    pub use schemars;
    pub use serde;
    pub use serde_json;
}

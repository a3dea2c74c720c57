//! Where a call's prompt-cache checkpoints go. A route says whether it caches (and with
//! which TTL) and whether its history is worth caching; the catalog decides where a
//! checkpoint counts for the model ([`Model::cache_checkpoints`]): after the tools, after
//! the system prompt, at the end of the messages, each only where the prefix reaches the
//! model's minimum, since Bedrock ignores a shorter one (and bills nothing for it).
//!
//! [`Model::cache_checkpoints`]: ai_routes_catalog::Model::cache_checkpoints

use std::borrow::Cow;

use ai_routes_catalog::{CachePrefix, CacheTtl, Checkpoints};
use aws_sdk_bedrockruntime::types::{
    CachePointBlock, CachePointType, ContentBlock, Message, SystemContentBlock, Tool,
    ToolConfiguration,
};

use super::{tokens_for_chars, Request};
use crate::model_spec::ModelSpec;

/// What a call sends, with its checkpoints in place. Borrowed from the route's request
/// when nothing is added.
pub(crate) struct Placed<'r> {
    pub system: Option<Vec<SystemContentBlock>>,
    pub messages: Cow<'r, [Message]>,
    pub tool_config: Option<Cow<'r, ToolConfiguration>>,
}

/// Places the checkpoints of `spec.cache` in `request`.
pub(crate) fn place<'r>(spec: &ModelSpec, request: &Request<'r>) -> Placed<'r> {
    let system = spec
        .system_prompt
        .map(|text| vec![SystemContentBlock::Text(text.to_string())]);
    let mut placed = Placed {
        system,
        messages: Cow::Borrowed(request.messages),
        tool_config: request.tool_config.map(Cow::Borrowed),
    };
    let Some(ttl) = spec.cache else {
        return placed;
    };
    let prefix = CachePrefix {
        tools: request
            .tool_config
            .map_or(0, |_| tokens_for_chars(request.tool_chars)),
        system: spec.system_prompt.map_or(0, |s| tokens_for_chars(s.len())),
        messages: if request.cache_messages && !request.messages.is_empty() {
            request.input_tokens
        } else {
            0
        },
    };
    let at = match spec.catalog_model() {
        Some(model) => model.cache_checkpoints(prefix),
        // An unchecked `model_id`: the checkpoints go where the route asked for them.
        None => Checkpoints {
            after_tools: prefix.tools > 0,
            after_system: prefix.system > 0,
            after_messages: prefix.messages > 0,
        },
    };
    if at.after_tools {
        if let Some(config) = placed.tool_config.as_mut() {
            let config = config.to_mut();
            let mut tools = config.tools().to_vec();
            tools.push(Tool::CachePoint(cache_point(ttl)));
            *config = ToolConfiguration::builder()
                .set_tools(Some(tools))
                .set_tool_choice(config.tool_choice().cloned())
                .build()
                .expect("tools are set");
        }
    }
    if at.after_system {
        if let Some(system) = placed.system.as_mut() {
            system.push(SystemContentBlock::CachePoint(cache_point(ttl)));
        }
    }
    if at.after_messages {
        let messages = placed.messages.to_mut();
        if let Some(last) = messages.pop() {
            let mut content = last.content;
            content.push(ContentBlock::CachePoint(cache_point(ttl)));
            messages.push(
                Message::builder()
                    .role(last.role)
                    .set_content(Some(content))
                    .build()
                    .expect("role and content are set"),
            );
        }
    }
    placed
}

/// A `cachePoint`; the TTL is sent only when it is not Bedrock's default (older models
/// refuse the field: "Extra inputs are not permitted").
fn cache_point(ttl: CacheTtl) -> CachePointBlock {
    let builder = CachePointBlock::builder().r#type(CachePointType::Default);
    match ttl {
        CacheTtl::FiveMinutes => builder,
        CacheTtl::OneHour => builder.ttl(aws_sdk_bedrockruntime::types::CacheTtl::OneHour),
    }
    .build()
    .expect("the type is set")
}

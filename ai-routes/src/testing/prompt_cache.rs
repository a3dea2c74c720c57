//! The stand-in's prompt cache and service tiers, with Bedrock's rules for both.
//!
//! Caching: each `cachePoint` marks a prefix (tools, then system, then messages, in that
//! order). A prefix shorter than the model's minimum is not cached. A request reads the
//! longest prefix still cached (an entry lives for its TTL, refreshed on a hit) and writes
//! the rest up to its last counting checkpoint; usage reports the reads, the writes and
//! `cacheDetails` (writes per TTL), like Bedrock. The checkpoints themselves are checked as
//! Bedrock checks them, with its messages: a model without caching, more than four
//! checkpoints, a tool checkpoint on Nova, a 1-hour TTL where the model has none, and TTLs
//! that increase along the request.
//!
//! Tiers: the request's `serviceTier` must be one the catalog offers the model in; the
//! answer says which tier served it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ai_routes_catalog::{CacheTtl, Model, ServiceTier, MAX_CACHE_CHECKPOINTS};
use serde_json::{json, Value};

use super::reply::BedrockError;
use super::responder::{content_tokens, text_tokens};
use super::wire::{CacheDetail, ContentBlock, ConverseRequest, SystemBlock, TokenUsage, Tool};

/// Bedrock's answer to a `cachePoint` on a model without prompt caching.
const NOT_CACHED: &str =
    "This model doesn't support the cachePoint field. Remove cachePoint from your request and try again.";
/// Claude models before 4.5 on `ttl` (Anthropic's schema has no such field for them).
const TTL_EXTRA_INPUT: &str =
    "The model returned the following errors: cache_control.ttl: Extra inputs are not permitted";
/// Nova on `ttl: "1h"`.
const TTL_ONLY_ANTHROPIC: &str =
    "Extended TTL prompt caching is only supported for Anthropic models";

/// One checkpoint of a request: the prefix before it and its TTL.
struct Checkpoint {
    ttl: CacheTtl,
    /// A digest of everything before the checkpoint.
    key: u64,
    /// The estimated tokens before the checkpoint.
    tokens: u32,
}

/// The stand-in's prompt cache: prefix digests of one model and their expiry.
#[derive(Default)]
pub(crate) struct PromptCache {
    entries: Mutex<HashMap<(String, u64), (Instant, CacheTtl)>>,
}

impl PromptCache {
    /// Checks the request's checkpoints as Bedrock does.
    pub(crate) fn validate(model: &Model, req: &ConverseRequest) -> Result<(), BedrockError> {
        let ttls = checkpoint_ttls(req)?;
        if ttls.is_empty() {
            return Ok(());
        }
        let Some(cache) = &model.prompt_cache else {
            return Err(BedrockError::validation(NOT_CACHED));
        };
        if ttls.len() > MAX_CACHE_CHECKPOINTS {
            return Err(BedrockError::validation(format!(
                "The model returned the following errors: A maximum of {MAX_CACHE_CHECKPOINTS} blocks with cache_control may be provided. Found {}.",
                ttls.len()
            )));
        }
        // Recorded: https://github.com/NousResearch/hermes-agent/issues/97281 (Nova Pro).
        let tool_point = req
            .tool_config
            .iter()
            .flat_map(|c| &c.tools)
            .position(|t| matches!(t, Tool::CachePoint(_)));
        if let (Some(index), false) = (tool_point, cache.tool_checkpoints) {
            return Err(BedrockError::validation(format!(
                "The model returned the following errors: Malformed input request: #/toolConfig/tools/{index}: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
            )));
        }
        for (ttl, explicit) in &ttls {
            if *explicit && !cache.ttls.contains(ttl) {
                let message = if model.id.starts_with("anthropic.") {
                    TTL_EXTRA_INPUT
                } else {
                    TTL_ONLY_ANTHROPIC
                };
                return Err(BedrockError::validation(message));
            }
        }
        if ttls.windows(2).any(|pair| pair[0].0 < pair[1].0) {
            return Err(BedrockError::validation(
                "The model returned the following errors: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`.",
            ));
        }
        Ok(())
    }

    /// Turns the estimated usage of a request into Bedrock's: cache reads of the longest
    /// prefix still cached, writes up to the last checkpoint that counts, the rest as input.
    pub(crate) fn account(
        &self,
        model: &Model,
        req: &ConverseRequest,
        usage: TokenUsage,
    ) -> TokenUsage {
        let Some(cache) = &model.prompt_cache else {
            return usage;
        };
        let counting: Vec<Checkpoint> = checkpoints(req)
            .into_iter()
            .filter(|c| c.tokens >= cache.min_tokens)
            .collect();
        if counting.is_empty() {
            return usage;
        }
        let now = Instant::now();
        let mut entries = self.entries.lock().expect("prompt cache lock");
        entries.retain(|_, (expiry, _)| *expiry > now);
        let hit = counting
            .iter()
            .rposition(|c| entries.contains_key(&(model.id.to_string(), c.key)));
        let read = hit.map_or(0, |i| counting[i].tokens);
        let mut written_before = read;
        let mut details: Vec<CacheDetail> = Vec::new();
        for (index, checkpoint) in counting.iter().enumerate() {
            let entry = entries
                .entry((model.id.to_string(), checkpoint.key))
                .or_insert((now, checkpoint.ttl));
            // A hit refreshes the entry; a write creates it.
            entry.0 = now + lifetime(checkpoint.ttl);
            if hit.is_some_and(|h| index <= h) {
                continue;
            }
            let tokens = checkpoint.tokens.saturating_sub(written_before);
            written_before = checkpoint.tokens;
            match details
                .iter_mut()
                .find(|d| d.ttl == checkpoint.ttl.as_str())
            {
                Some(detail) => detail.input_tokens += tokens,
                None => details.push(CacheDetail {
                    ttl: checkpoint.ttl.as_str().to_string(),
                    input_tokens: tokens,
                }),
            }
        }
        details.retain(|d| d.input_tokens > 0);
        let write: u32 = details.iter().map(|d| d.input_tokens).sum();
        let input = usage.input_tokens.saturating_sub(read + write).max(1);
        TokenUsage {
            input_tokens: input,
            output_tokens: usage.output_tokens,
            total_tokens: input + usage.output_tokens + read + write,
            cache_read_input_tokens: Some(read),
            cache_write_input_tokens: Some(write),
            cache_details: details,
        }
    }
}

/// How long an entry lives without a hit.
fn lifetime(ttl: CacheTtl) -> Duration {
    match ttl {
        CacheTtl::FiveMinutes => Duration::from_secs(5 * 60),
        CacheTtl::OneHour => Duration::from_secs(60 * 60),
    }
}

/// The TTL of each checkpoint in Bedrock's order, and whether it was written out (a
/// `cachePoint` without `ttl` is the 5-minute default, which every caching model takes).
fn checkpoint_ttls(req: &ConverseRequest) -> Result<Vec<(CacheTtl, bool)>, BedrockError> {
    let tools = req
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .filter_map(|t| match t {
            Tool::CachePoint(point) => Some(point),
            _ => None,
        });
    let system = req.system.iter().filter_map(|b| match b {
        SystemBlock::CachePoint(point) => Some(point),
        _ => None,
    });
    let messages = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|b| match b {
            ContentBlock::CachePoint(point) => Some(point),
            _ => None,
        });
    tools
        .chain(system)
        .chain(messages)
        .map(|point| match point.get("ttl") {
            None => Ok((CacheTtl::FiveMinutes, false)),
            Some(Value::String(ttl)) => CacheTtl::parse(ttl).map(|t| (t, true)).ok_or_else(|| {
                BedrockError::validation(format!(
                    "1 validation error detected: Value '{ttl}' at 'cachePoint.ttl' failed to satisfy constraint: Member must satisfy enum value set: [5m, 1h]"
                ))
            }),
            Some(other) => Err(BedrockError::validation(format!(
                "Malformed input request: expected a string for cachePoint.ttl, got {other}"
            ))),
        })
        .collect()
}

/// The request's checkpoints with the prefix each closes.
fn checkpoints(req: &ConverseRequest) -> Vec<Checkpoint> {
    let mut out = Vec::new();
    let mut prefix = PrefixDigest::default();
    let close = |prefix: &PrefixDigest, point: &Value, out: &mut Vec<Checkpoint>| {
        let ttl = point
            .get("ttl")
            .and_then(Value::as_str)
            .and_then(CacheTtl::parse)
            .unwrap_or(CacheTtl::FiveMinutes);
        out.push(Checkpoint {
            ttl,
            key: prefix.key(),
            tokens: prefix.tokens,
        });
    };
    for tool in req.tool_config.iter().flat_map(|c| &c.tools) {
        match tool {
            Tool::CachePoint(point) => close(&prefix, point, &mut out),
            spec => {
                let spec = json!(spec);
                let tokens = text_tokens(spec.to_string().len());
                prefix.add(&spec, tokens)
            }
        }
    }
    for block in &req.system {
        match block {
            SystemBlock::CachePoint(point) => close(&prefix, point, &mut out),
            SystemBlock::Text(text) => prefix.add(&json!(text), text_tokens(text.len())),
            other => prefix.add(&json!(other), 0),
        }
    }
    for message in &req.messages {
        prefix.add(&json!(message.role), 0);
        for block in &message.content {
            match block {
                ContentBlock::CachePoint(point) => close(&prefix, point, &mut out),
                other => prefix.add(&json!(other), content_tokens(other)),
            }
        }
    }
    out
}

/// A running digest and token count of the request up to some point.
#[derive(Default, Clone)]
struct PrefixDigest {
    hasher: std::collections::hash_map::DefaultHasher,
    tokens: u32,
}

impl PrefixDigest {
    fn add(&mut self, part: &Value, tokens: u32) {
        part.to_string().hash(&mut self.hasher);
        self.tokens += tokens;
    }

    fn key(&self) -> u64 {
        self.hasher.clone().finish()
    }
}

/// The tier a request asks for, refused as Bedrock refuses a tier the model is not offered
/// in. Recorded answer for a valid tier the model does not have:
/// <https://github.com/envoyproxy/ai-gateway/pull/1749> ("Reservation not found."); an
/// invalid one: <https://github.com/NousResearch/hermes-agent/pull/34476>.
pub(crate) fn requested_tier(
    model: Option<&Model>,
    req: &ConverseRequest,
) -> Result<ServiceTier, BedrockError> {
    let Some(tier) = &req.service_tier else {
        return Ok(ServiceTier::Default);
    };
    let name = tier.get("type").and_then(Value::as_str).unwrap_or_default();
    if name == "reserved" {
        // Reserved capacity is arranged with AWS; the stand-in has none.
        return Err(BedrockError::validation("Reservation not found."));
    }
    let tier = ServiceTier::parse(name)
        .ok_or_else(|| BedrockError::validation("service tier provided is invalid"))?;
    match model {
        Some(model) if model.tier_price(tier).is_none() => {
            Err(BedrockError::validation("Reservation not found."))
        }
        _ => Ok(tier),
    }
}

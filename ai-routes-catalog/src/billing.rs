//! What a call costs beyond plain input and output tokens: prompt caching (checkpoints,
//! TTLs, cache prices) and service tiers. The facts come from `data/billing.json`; the
//! decisions about them (which TTL and tier a model takes, where checkpoints count, what
//! a call cost) are made here, for the macros, the runtime and the stand-in alike.

use crate::Model;

/// How long Bedrock keeps a prompt-cache entry (`cachePoint.ttl`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CacheTtl {
    /// Five minutes, Bedrock's default (`"5m"`), refreshed on every hit.
    FiveMinutes,
    /// One hour (`"1h"`): Claude 4.5 and later; writes cost more.
    OneHour,
}

impl CacheTtl {
    /// The wire value: `"5m"` or `"1h"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTtl::FiveMinutes => "5m",
            CacheTtl::OneHour => "1h",
        }
    }

    /// Parses the wire value (`"5m"`, `"1h"`).
    pub fn parse(value: &str) -> Option<CacheTtl> {
        match value {
            "5m" => Some(CacheTtl::FiveMinutes),
            "1h" => Some(CacheTtl::OneHour),
            _ => None,
        }
    }
}

/// A Bedrock service tier (`serviceTier.type`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServiceTier {
    /// Standard on-demand capacity and prices (what Bedrock uses when none is sent).
    Default,
    /// Cheaper, for work that can wait: about half the standard price.
    Flex,
    /// Faster under load: about 1.75 times the standard price.
    Priority,
}

impl ServiceTier {
    /// The wire value: `"default"`, `"flex"` or `"priority"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Default => "default",
            ServiceTier::Flex => "flex",
            ServiceTier::Priority => "priority",
        }
    }

    /// Parses the wire value (`"default"`, `"flex"`, `"priority"`).
    pub fn parse(value: &str) -> Option<ServiceTier> {
        match value {
            "default" => Some(ServiceTier::Default),
            "flex" => Some(ServiceTier::Flex),
            "priority" => Some(ServiceTier::Priority),
            _ => None,
        }
    }
}

/// Prompt caching on a model: where a checkpoint counts and what cached tokens cost.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PromptCache {
    /// The fewest tokens the prefix up to a checkpoint must have to be cached; Bedrock
    /// ignores a checkpoint over a shorter prefix (nothing is written or read).
    pub min_tokens: u32,
    /// The TTLs the model accepts.
    pub ttls: &'static [CacheTtl],
    /// Whether a checkpoint may follow the tools (Nova caches system and messages only).
    pub tool_checkpoints: bool,
    /// USD per 1,000 tokens read from the cache.
    pub read_per_1k_usd: f64,
    /// USD per 1,000 tokens written with the 5-minute TTL.
    pub write_5m_per_1k_usd: f64,
    /// USD per 1,000 tokens written with the 1-hour TTL, when the model has it.
    pub write_1h_per_1k_usd: Option<f64>,
}

/// The price of a model in a [`ServiceTier`] other than `default`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct TierPrice {
    /// The tier.
    pub tier: ServiceTier,
    /// USD per 1,000 input tokens in this tier.
    pub input_per_1k_usd: f64,
    /// USD per 1,000 output tokens in this tier.
    pub output_per_1k_usd: f64,
}

/// Most cache checkpoints one request may carry (tools, system and messages together).
pub const MAX_CACHE_CHECKPOINTS: usize = 4;

/// Why a model cannot cache the way a route asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheProblem {
    /// The model has no prompt caching on Bedrock.
    NotCached,
    /// The model caches, but not with this TTL.
    TtlNotOffered {
        /// The TTL asked for.
        ttl: CacheTtl,
        /// The TTLs the model accepts.
        offered: &'static [CacheTtl],
    },
}

impl std::fmt::Display for CacheProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheProblem::NotCached => {
                f.write_str("has no prompt caching on Bedrock (`cachePoint`)")
            }
            CacheProblem::TtlNotOffered { ttl, offered } => write!(
                f,
                "does not offer the {} cache TTL (it offers {})",
                ttl.as_str(),
                offered
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The prefix a request's checkpoints would cover, in estimated tokens, in Bedrock's order
/// (tools, then system, then messages).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CachePrefix {
    /// Tokens of the tool specifications (0 when there are none).
    pub tools: u64,
    /// Tokens of the system prompt (0 when there is none).
    pub system: u64,
    /// Tokens of the messages up to the message checkpoint (0 when there is none).
    pub messages: u64,
}

/// Where a request places its cache checkpoints.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoints {
    /// A checkpoint after the tools.
    pub after_tools: bool,
    /// A checkpoint after the system prompt.
    pub after_system: bool,
    /// A checkpoint at the end of the messages.
    pub after_messages: bool,
}

impl Checkpoints {
    /// How many checkpoints are placed (never more than [`MAX_CACHE_CHECKPOINTS`]).
    pub fn count(&self) -> usize {
        [self.after_tools, self.after_system, self.after_messages]
            .iter()
            .filter(|placed| **placed)
            .count()
    }
}

impl Model {
    /// Whether the model can cache with `ttl`.
    ///
    /// ```
    /// use ai_routes_catalog::{by_name, CacheProblem, CacheTtl};
    /// assert_eq!(by_name("Claude Sonnet 4.5").unwrap().cache_problem(CacheTtl::OneHour), None);
    /// assert!(matches!(
    ///     by_name("Claude 3.7 Sonnet").unwrap().cache_problem(CacheTtl::OneHour),
    ///     Some(CacheProblem::TtlNotOffered { .. })
    /// ));
    /// assert_eq!(by_name("Llama 3.3 70B Instruct").unwrap().cache_problem(CacheTtl::FiveMinutes), Some(CacheProblem::NotCached));
    /// ```
    pub fn cache_problem(&self, ttl: CacheTtl) -> Option<CacheProblem> {
        let Some(cache) = &self.prompt_cache else {
            return Some(CacheProblem::NotCached);
        };
        (!cache.ttls.contains(&ttl)).then_some(CacheProblem::TtlNotOffered {
            ttl,
            offered: cache.ttls,
        })
    }

    /// Where checkpoints count for a request with this prefix: a checkpoint is placed only
    /// where the prefix before it reaches the model's minimum (a shorter one is ignored by
    /// Bedrock), never after the tools on a model that does not cache tools, and never more
    /// than [`MAX_CACHE_CHECKPOINTS`]. A model the catalog does not know to cache gets none.
    ///
    /// ```
    /// use ai_routes_catalog::{by_name, CachePrefix};
    /// let haiku = by_name("Claude Haiku 4.5").unwrap(); // caches prefixes of 4,096+ tokens
    /// let plan = haiku.cache_checkpoints(CachePrefix { tools: 300, system: 900, messages: 5_000 });
    /// assert!(!plan.after_tools && !plan.after_system && plan.after_messages);
    /// ```
    pub fn cache_checkpoints(&self, prefix: CachePrefix) -> Checkpoints {
        let Some(cache) = &self.prompt_cache else {
            return Checkpoints::default();
        };
        let min = u64::from(cache.min_tokens);
        let through_tools = prefix.tools;
        let through_system = through_tools + prefix.system;
        let through_messages = through_system + prefix.messages;
        Checkpoints {
            after_tools: cache.tool_checkpoints && prefix.tools > 0 && through_tools >= min,
            after_system: prefix.system > 0 && through_system >= min,
            after_messages: prefix.messages > 0 && through_messages >= min,
        }
    }

    /// The model's price in `tier`, as USD per 1,000 input and output tokens; `None` when
    /// the model is not offered in that tier. `Default` is the on-demand list price.
    ///
    /// ```
    /// use ai_routes_catalog::{by_name, ServiceTier};
    /// let nova = by_name("Nova Pro").unwrap();
    /// assert_eq!(nova.tier_price(ServiceTier::Flex), Some((0.0004, 0.0016)));
    /// assert_eq!(by_name("Claude Sonnet 4.5").unwrap().tier_price(ServiceTier::Flex), None);
    /// ```
    pub fn tier_price(&self, tier: ServiceTier) -> Option<(f64, f64)> {
        match tier {
            ServiceTier::Default => {
                Some((self.price_input_per_1k_usd, self.price_output_per_1k_usd))
            }
            other => self
                .service_tiers
                .iter()
                .find(|t| t.tier == other)
                .map(|t| (t.input_per_1k_usd, t.output_per_1k_usd)),
        }
    }

    /// The tiers the model is offered in, `Default` first.
    pub fn offered_tiers(&self) -> Vec<ServiceTier> {
        std::iter::once(ServiceTier::Default)
            .chain(self.service_tiers.iter().map(|t| t.tier))
            .collect()
    }

    /// What a call cost in USD at the catalog's list prices, from the usage Bedrock
    /// reported: input and output at the price of the `tier` Bedrock served the call in
    /// (the default price when the model has no such tier), cache reads at the read price,
    /// and cache writes at the price of their TTL (`cacheDetails`; writes it does not
    /// split out are 5-minute writes).
    ///
    /// ```
    /// use ai_routes_catalog::{by_name, BilledTokens, ServiceTier};
    /// let sonnet = by_name("Claude Sonnet 4.5").unwrap(); // $0.003 / $0.015 per 1K
    /// let tokens = BilledTokens { input: 1_000, output: 1_000, cache_write_1h: 10_000, cache_write: 10_000, ..Default::default() };
    /// let cost = sonnet.call_cost_usd(&tokens, ServiceTier::Default);
    /// assert!((cost - (0.003 + 0.015 + 10.0 * 0.006)).abs() < 1e-12);
    /// ```
    pub fn call_cost_usd(&self, tokens: &BilledTokens, tier: ServiceTier) -> f64 {
        let (input, output) = self
            .tier_price(tier)
            .unwrap_or((self.price_input_per_1k_usd, self.price_output_per_1k_usd));
        let per_1k = |count: u64, price: f64| count as f64 / 1000.0 * price;
        let mut cost = per_1k(tokens.input, input) + per_1k(tokens.output, output);
        if let Some(cache) = &self.prompt_cache {
            let one_hour = tokens.cache_write_1h.min(tokens.cache_write);
            cost += per_1k(tokens.cache_read, cache.read_per_1k_usd)
                + per_1k(tokens.cache_write - one_hour, cache.write_5m_per_1k_usd)
                + per_1k(
                    one_hour,
                    cache
                        .write_1h_per_1k_usd
                        .unwrap_or(cache.write_5m_per_1k_usd),
                );
        }
        cost
    }
}

/// The token counts Bedrock bills a call by (its `usage`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct BilledTokens {
    /// `inputTokens`: input not read from or written to the cache.
    pub input: u64,
    /// `outputTokens`.
    pub output: u64,
    /// `cacheReadInputTokens`.
    pub cache_read: u64,
    /// `cacheWriteInputTokens`: every cache write, whatever its TTL.
    pub cache_write: u64,
    /// The part of `cache_write` written with the 1-hour TTL (`cacheDetails`).
    pub cache_write_1h: u64,
}

//! Token usage and its cost.

use ai_routes_catalog::{BilledTokens, ServiceTier};
use serde::{Deserialize, Serialize};

/// Tokens a call (or several, summed) consumed, and their on-demand cost in USD from the
/// catalog's list prices (0 when the model is not in the catalog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens Bedrock billed at the full input price (cache reads and writes not included).
    pub input_tokens: u64,
    /// Output tokens the model generated.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache (billed at the model's cache-read price).
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache, whatever their TTL (billed at the model's
    /// cache-write price for that TTL).
    pub cache_write_tokens: u64,
    /// The part of `cache_write_tokens` written with the 1-hour TTL (Bedrock's
    /// `cacheDetails`), which costs more than a 5-minute write.
    #[serde(default)]
    pub cache_write_1h_tokens: u64,
    /// Estimated cost in US dollars at the catalog's list prices for the service tier Bedrock
    /// served the call in, cache reads and writes at the model's cache prices per TTL (0 when
    /// the model is not in the catalog). Discounts, batch or provisioned pricing are not applied.
    pub cost_usd: f64,
}

impl Usage {
    /// The usage Bedrock reported, priced for the tier it served the call in (`None`: the
    /// standard tier).
    pub(crate) fn from_sdk(
        usage: Option<&aws_sdk_bedrockruntime::types::TokenUsage>,
        model: Option<&ai_routes_catalog::Model>,
        served: Option<ServiceTier>,
    ) -> Self {
        let Some(usage) = usage else {
            return Self::default();
        };
        let count = |n: i32| n.max(0) as u64;
        let cache_write_1h_tokens = usage
            .cache_details()
            .iter()
            .filter(|detail| *detail.ttl() == aws_sdk_bedrockruntime::types::CacheTtl::OneHour)
            .map(|detail| count(detail.input_tokens()))
            .sum();
        Self {
            input_tokens: count(usage.input_tokens()),
            output_tokens: count(usage.output_tokens()),
            cache_read_tokens: count(usage.cache_read_input_tokens().unwrap_or(0)),
            cache_write_tokens: count(usage.cache_write_input_tokens().unwrap_or(0)),
            cache_write_1h_tokens,
            cost_usd: 0.0,
        }
        .priced(model, served.unwrap_or(ServiceTier::Default))
    }

    /// Sets `cost_usd` from the catalog's prices ([`Model::call_cost_usd`]).
    ///
    /// [`Model::call_cost_usd`]: ai_routes_catalog::Model::call_cost_usd
    pub(crate) fn priced(
        mut self,
        model: Option<&ai_routes_catalog::Model>,
        tier: ServiceTier,
    ) -> Self {
        self.cost_usd = model
            .map(|m| m.call_cost_usd(&self.billed(), tier))
            .unwrap_or(0.0);
        self
    }

    /// The counts Bedrock bills by.
    fn billed(&self) -> BilledTokens {
        BilledTokens {
            input: self.input_tokens,
            output: self.output_tokens,
            cache_read: self.cache_read_tokens,
            cache_write: self.cache_write_tokens,
            cache_write_1h: self.cache_write_1h_tokens,
        }
    }

    /// Input plus output tokens (cache reads and writes not included).
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// Every prompt token the model read: `inputTokens` plus the cache reads and writes,
    /// which Bedrock reports apart from it when prompt caching is on.
    pub fn prompt_tokens(&self) -> u64 {
        self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
    }

    /// Every token the call processed: input, output, cache reads and cache writes.
    pub fn all_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens + other.input_tokens,
            output_tokens: self.output_tokens + other.output_tokens,
            cache_read_tokens: self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens: self.cache_write_tokens + other.cache_write_tokens,
            cache_write_1h_tokens: self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            cost_usd: self.cost_usd + other.cost_usd,
        }
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_tokens_are_priced_from_the_catalogs_cache_prices() {
        let haiku = ai_routes_catalog::by_id("anthropic.claude-3-5-haiku-20241022-v1:0").unwrap();
        let usage = Usage {
            input_tokens: 1_000,
            output_tokens: 1_000,
            cache_read_tokens: 10_000,
            cache_write_tokens: 1_000,
            ..Usage::default()
        }
        .priced(Some(haiku), ServiceTier::Default);
        // Claude 3.5 Haiku: $0.0008 in, $0.004 out per 1K; reads 0.1x, 5-minute writes 1.25x.
        let expected = 0.0008 + 0.004 + 10.0 * 0.00008 + 0.001;
        assert!((usage.cost_usd - expected).abs() < 1e-12, "{usage:?}");
        assert_eq!(usage.all_tokens(), 13_000);
        assert_eq!(
            Usage::default().priced(None, ServiceTier::Default).cost_usd,
            0.0
        );
    }
}

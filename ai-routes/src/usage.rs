//! Token usage and its cost.

use serde::{Deserialize, Serialize};

/// Tokens a call (or several, summed) consumed, and their on-demand cost in USD from the
/// catalog's list prices (0 when the model is not in the catalog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens Bedrock billed at the full input price (cache reads and writes not included).
    pub input_tokens: u64,
    /// Output tokens the model generated.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache (billed at a fraction of the input price, see
    /// [`cache_price_factors`]).
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache (billed at a premium on the input price for models
    /// that charge for cache writes).
    pub cache_write_tokens: u64,
    /// Estimated cost in US dollars at the catalog's on-demand list prices (0 when the model is
    /// not in the catalog). An estimate: discounts, batch or provisioned pricing are not applied.
    pub cost_usd: f64,
}

impl Usage {
    pub(crate) fn from_sdk(
        usage: Option<&aws_sdk_bedrockruntime::types::TokenUsage>,
        model: Option<&ai_routes_catalog::Model>,
    ) -> Self {
        let Some(usage) = usage else {
            return Self::default();
        };
        let input_tokens = usage.input_tokens().max(0) as u64;
        let output_tokens = usage.output_tokens().max(0) as u64;
        Self {
            input_tokens,
            output_tokens,
            cache_read_tokens: usage.cache_read_input_tokens().unwrap_or(0).max(0) as u64,
            cache_write_tokens: usage.cache_write_input_tokens().unwrap_or(0).max(0) as u64,
            cost_usd: 0.0,
        }
        .priced(model)
    }

    /// Sets `cost_usd` from the catalog's list prices: input and output tokens at their
    /// prices, cache reads and writes at [`cache_price_factors`] of the input price.
    pub(crate) fn priced(mut self, model: Option<&ai_routes_catalog::Model>) -> Self {
        self.cost_usd = model
            .map(|m| {
                let (read, write) = cache_price_factors(m);
                let input_per_token = m.price_input_per_1k_usd / 1000.0;
                m.cost_usd(self.input_tokens, self.output_tokens)
                    + self.cache_read_tokens as f64 * input_per_token * read
                    + self.cache_write_tokens as f64 * input_per_token * write
            })
            .unwrap_or(0.0);
        self
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

/// Prices of prompt-cache reads and writes, as factors of the model's input price.
///
/// The catalog has no cache prices, so these are the providers' published ratios (an
/// assumption, not a Bedrock price list): Anthropic Claude reads at 10% and writes at
/// 125% of the input price; Amazon Nova reads at 25% and writes at the input price (no
/// write premium); any other model reads at 10% and writes at the input price. Bedrock
/// reports `inputTokens` without the cached tokens, so each token is priced once.
pub fn cache_price_factors(model: &ai_routes_catalog::Model) -> (f64, f64) {
    if model.id.starts_with("anthropic.") {
        (0.10, 1.25)
    } else if model.id.starts_with("amazon.nova") {
        (0.25, 1.0)
    } else {
        (0.10, 1.0)
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
    fn cache_tokens_are_priced_from_the_input_price() {
        let haiku = ai_routes_catalog::by_id("anthropic.claude-3-5-haiku-20241022-v1:0").unwrap();
        let usage = Usage {
            input_tokens: 1_000,
            output_tokens: 1_000,
            cache_read_tokens: 10_000,
            cache_write_tokens: 1_000,
            cost_usd: 0.0,
        }
        .priced(Some(haiku));
        let input = haiku.price_input_per_1k_usd;
        let expected = input + haiku.price_output_per_1k_usd + 10.0 * input * 0.1 + input * 1.25;
        assert!((usage.cost_usd - expected).abs() < 1e-12, "{usage:?}");
        assert_eq!(usage.all_tokens(), 13_000);
        assert_eq!(Usage::default().priced(None).cost_usd, 0.0);
    }
}

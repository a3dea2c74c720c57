//! Token usage and its cost.

use serde::{Deserialize, Serialize};

/// Tokens a call (or several, summed) consumed, and their on-demand cost in USD from the
/// catalog's list prices (0 when the model is not in the catalog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
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
            cost_usd: model
                .map(|m| m.cost_usd(input_tokens, output_tokens))
                .unwrap_or(0.0),
        }
    }

    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
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

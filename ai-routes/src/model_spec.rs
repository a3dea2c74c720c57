//! What a route declares about its model calls, as one constant both route kinds embed.

use ai_routes_catalog::{Model, ReasoningPlan, ReasoningSetting};

/// A route's model and how it is called: the id, where from, the inference settings, the
/// system prompt, caching and guardrail. Emitted by the macros (one function for both
/// route kinds), read by the executor, `Client::check_routes` and error mapping.
///
/// Not a public API: fields are added as Bedrock grows (reasoning, output mode, service
/// tier); routes read it through [`RouteInfo`](crate::RouteInfo).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// The model as written in the declaration (friendly name, id, profile id or ARN).
    pub model: &'static str,
    /// The id sent to Bedrock.
    pub invoke_id: &'static str,
    /// The catalog model, for prices, limits and error hints; `None` for an unchecked
    /// `model_id` the catalog does not know.
    pub catalog_id: Option<&'static str>,
    /// The route's own region, if it declares one (else the client's).
    pub region: Option<&'static str>,
    /// `cross_region = "us" | "eu" | "apac" | "global"`: `invoke_id` is that profile.
    pub cross_region: Option<&'static str>,
    /// The system prompt.
    pub system_prompt: Option<&'static str>,
    /// `inferenceConfig.maxTokens`.
    pub max_tokens: Option<i32>,
    /// `inferenceConfig.temperature`.
    pub temperature: Option<f32>,
    /// `inferenceConfig.topP`.
    pub top_p: Option<f32>,
    /// `inferenceConfig.stopSequences`.
    pub stop_sequences: &'static [&'static str],
    /// Prompt caching with this TTL: `cachePoint`s after the tools, the system prompt and
    /// (for conversations) the history, where the model caches a prefix that long.
    pub cache: Option<ai_routes_catalog::CacheTtl>,
    /// `guardrail = "id:version"`.
    pub guardrail: Option<&'static str>,
    /// `reasoning = "off" | "low" | ...` or `reasoning_budget = N`.
    pub reasoning: ReasoningSetting,
    /// `service_tier = "flex" | "priority" | "default"` (a client's
    /// [`with_service_tier`](crate::Client::with_service_tier) wins).
    pub service_tier: Option<ai_routes_catalog::ServiceTier>,
}

impl ModelSpec {
    /// A spec that calls nothing: the route of a declaration whose attribute has errors
    /// (the build fails on those errors; the item still exists for tools like
    /// rust-analyzer).
    pub const UNAVAILABLE: ModelSpec = ModelSpec {
        model: "",
        invoke_id: "",
        catalog_id: None,
        region: None,
        cross_region: None,
        system_prompt: None,
        max_tokens: None,
        temperature: None,
        top_p: None,
        stop_sequences: &[],
        cache: None,
        guardrail: None,
        reasoning: ReasoningSetting::ModelDefault,
        service_tier: None,
    };

    /// The catalog entry of the model, if the catalog knows it.
    pub fn catalog_model(&self) -> Option<&'static Model> {
        self.catalog_id.and_then(ai_routes_catalog::by_id)
    }

    /// The input tokens the model's context leaves for the messages: the context window
    /// less the answer (`max_tokens`, else the model's maximum output capped at a quarter
    /// of the context) and `fixed_chars` of system prompt and tools, with a 10% margin
    /// because the estimate is not the model's tokenizer. `None` when the catalog does not
    /// know the model. Used for the conversation window and to refuse oversized generation
    /// arguments before the call.
    pub(crate) fn input_room(&self, fixed_chars: usize) -> Option<u64> {
        let model = self.catalog_model()?;
        Some(self.input_room_within(model.context_window, model.max_output_tokens, fixed_chars))
    }

    /// [`ModelSpec::input_room`] for a model with this context window and maximum output.
    pub(crate) fn input_room_within(
        &self,
        context: u32,
        max_output: u32,
        fixed_chars: usize,
    ) -> u64 {
        let context = u64::from(context);
        let answer = self
            .max_tokens
            .map(|m| m.max(0) as u64)
            .unwrap_or_else(|| u64::from(max_output).min(context / 4));
        let fixed = crate::executor::tokens_for_chars(fixed_chars);
        (context.saturating_sub(answer).saturating_sub(fixed) * 9 / 10).max(1)
    }

    /// `max_tokens` as a count (0 when unset).
    pub(crate) fn max_tokens_reserved(&self) -> u64 {
        self.max_tokens_sent().unwrap_or(0).max(0) as u64
    }

    /// What the route's reasoning setting sends and implies on its model (the catalog's
    /// decision; the macros refused settings it rejects, so a rejected one cannot reach
    /// here and counts as no reasoning). A model the catalog does not know is not asked to
    /// reason.
    pub(crate) fn reasoning_plan(&self) -> ReasoningPlan {
        self.catalog_model()
            .and_then(|model| {
                let max_tokens = self.max_tokens.map(|m| m.max(0) as u32);
                model.reasoning_plan(self.reasoning, max_tokens).ok()
            })
            .unwrap_or(ReasoningPlan::NONE)
    }

    /// `inferenceConfig.maxTokens` as sent: the route's, else the one a thinking budget
    /// needs above it.
    pub(crate) fn max_tokens_sent(&self) -> Option<i32> {
        self.max_tokens.or_else(|| {
            self.reasoning_plan()
                .max_tokens
                .map(|m| m.min(i32::MAX as u32) as i32)
        })
    }
}

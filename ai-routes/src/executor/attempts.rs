//! The attempts of one logical model call: the spending cap checked before each, a
//! concurrency slot and token budget per attempt, the attempt timeout and the route's
//! deadline, retries with backoff on transient errors, then usage reported to the sinks,
//! the owner's tally and the OpenTelemetry GenAI `chat` span.

use std::future::Future;
use std::time::{Duration, Instant};

use ai_routes_catalog::ServiceTier;
use tracing::field::Empty;

use super::CallInfo;
use crate::error::{Error, Result};
use crate::limits::Admission;
use crate::metering::UsageEvent;
use crate::usage::Usage;
use crate::Client;

pub(crate) struct ModelCall<'a> {
    client: &'a Client,
    info: &'a CallInfo<'a>,
    region: &'a str,
    attempt: u32,
    /// Set when an attempt ran into the route's deadline: no retry follows.
    deadline_reached: std::sync::atomic::AtomicBool,
    pub(crate) span: tracing::Span,
}

impl<'a> ModelCall<'a> {
    pub(crate) fn new(
        client: &'a Client,
        info: &'a CallInfo<'a>,
        region: &'a str,
        stream: bool,
    ) -> Self {
        let invoke_id = info.spec.invoke_id;
        let span = tracing::info_span!(
            "chat",
            "otel.name" = format!("chat {invoke_id}"),
            "otel.kind" = "client",
            "gen_ai.system" = "aws.bedrock",
            "gen_ai.operation.name" = "chat",
            "gen_ai.request.model" = invoke_id,
            "gen_ai.request.max_tokens" = Empty,
            "gen_ai.response.finish_reasons" = Empty,
            "gen_ai.usage.input_tokens" = Empty,
            "gen_ai.usage.output_tokens" = Empty,
            "gen_ai.usage.cache_read_input_tokens" = Empty,
            "gen_ai.usage.cache_write_input_tokens" = Empty,
            "gen_ai.input.messages" = Empty,
            "gen_ai.output.messages" = Empty,
            "ai_routes.route" = info.route,
            "ai_routes.stream" = stream,
            "ai_routes.attempts" = Empty,
            "ai_routes.cost_usd" = Empty,
            "aws.bedrock.service_tier" = Empty,
            "cloud.region" = region,
            "error.type" = Empty,
        );
        if let Some(max_tokens) = info.spec.max_tokens {
            span.record("gen_ai.request.max_tokens", max_tokens);
        }
        Self {
            client,
            info,
            region,
            attempt: 0,
            deadline_reached: std::sync::atomic::AtomicBool::new(false),
            span,
        }
    }

    /// Records the request content on the span, when content logging is on.
    pub(crate) fn log_input(&self, content: impl FnOnce() -> String) {
        if self.client.settings().log_content {
            self.span.record("gen_ai.input.messages", content());
        }
    }

    /// Records the model's output on the span, when content logging is on.
    pub(crate) fn log_output(&self, content: impl FnOnce() -> String) {
        if self.client.settings().log_content {
            self.span.record("gen_ai.output.messages", content());
        }
    }

    fn deadline_error(&self) -> Error {
        self.deadline_reached
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let (_, declared) = self.info.deadline.expect("a deadline is set");
        Error::Timeout {
            model_id: self.info.spec.invoke_id.into(),
            message: format!(
                "route `{}` did not finish within its deadline ({declared}); raise it, or lower max_tokens",
                self.info.route
            ),
            attempts: self.attempt,
        }
    }

    fn remaining(&self) -> Option<Duration> {
        self.info
            .deadline
            .map(|(at, _)| at.saturating_duration_since(Instant::now()))
    }

    /// Starts the next attempt: refuses an owner over the spending cap, a passed
    /// deadline, then waits for a concurrency slot and the token budget.
    pub(crate) async fn admit(&mut self, estimate: u64) -> Result<Admission<'a>> {
        let spend = self
            .client
            .reserve_spend(self.info.owner, self.estimated_cost(estimate))
            .await?;
        self.attempt += 1;
        if self.remaining() == Some(Duration::ZERO) {
            return Err(self.deadline_error());
        }
        let spec = self.info.spec;
        let admit = self
            .client
            .limits()
            .admit(spec.invoke_id, spec.catalog_id, estimate);
        let mut admission = match self.remaining() {
            Some(left) => tokio::time::timeout(left, admit)
                .await
                .map_err(|_| self.deadline_error())?,
            None => admit.await,
        };
        admission.spend = spend;
        Ok(admission)
    }

    /// An upper estimate of an attempt's cost at list prices: the estimated input and the
    /// whole `max_tokens` of output (0 for a model the catalog does not price).
    fn estimated_cost(&self, estimate: u64) -> f64 {
        let spec = self.info.spec;
        let output = spec.max_tokens_reserved();
        spec.catalog_model().map_or(0.0, |model| {
            model.cost_usd(estimate.saturating_sub(output), output)
        })
    }

    /// The time limit of one wait inside an attempt: the attempt timeout, capped by what
    /// is left before the deadline.
    fn limit(&self) -> Option<(Duration, bool)> {
        let attempt = self.client.settings().attempt_timeout;
        match (attempt, self.remaining()) {
            (Some(a), Some(r)) if r < a => Some((r, true)),
            (Some(a), _) => Some((a, false)),
            (None, Some(r)) => Some((r, true)),
            (None, None) => None,
        }
    }

    /// Whether reads are timed (an attempt timeout or a deadline is set).
    pub(crate) fn is_limited(&self) -> bool {
        self.limit().is_some()
    }

    /// Runs `future` (a request, or one read of a stream) within the limit.
    pub(crate) async fn timed<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        match self.limit() {
            None => future.await,
            Some((limit, by_deadline)) => match tokio::time::timeout(limit, future).await {
                Ok(result) => result,
                Err(_) if by_deadline => Err(self.deadline_error()),
                Err(_) => Err(Error::Timeout {
                    model_id: self.info.spec.invoke_id.into(),
                    message: format!(
                        "no answer within the attempt timeout of {} ms; raise it with Client::builder().attempt_timeout(..)",
                        limit.as_millis()
                    ),
                    attempts: self.attempt,
                }),
            },
        }
    }

    /// After a failed attempt: `true` (after the backoff) when the error is transient,
    /// attempts are left and the backoff ends before the deadline.
    pub(crate) async fn retry(&self, error: &Error) -> bool {
        let policy = self.client.settings().retry;
        // A call stopped by its route's deadline is over, whatever the clock says now.
        if !error.is_retryable()
            || self.attempt >= policy.max_attempts
            || self
                .deadline_reached
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return false;
        }
        let wait = policy.backoff(self.attempt);
        // Also ends the call when its deadline has passed (nothing is left).
        if self.remaining().is_some_and(|left| left <= wait) {
            return false;
        }
        tracing::info!(
            parent: &self.span,
            attempt = self.attempt,
            wait_ms = wait.as_millis() as u64,
            error = %error,
            "transient model error; retrying"
        );
        tokio::time::sleep(wait).await;
        true
    }

    /// The error to report once the call gives up.
    pub(crate) fn give_up(&self, error: Error) -> Error {
        let error = error.with_attempts(self.attempt);
        self.span.record("ai_routes.attempts", self.attempt);
        self.span
            .record("error.type", error_type(&error).unwrap_or("other"));
        error
    }

    /// A finished attempt: settles the budget, records the usage on the span and reports
    /// it to the sinks and the owner's tally.
    pub(crate) fn finish(
        &self,
        admission: &mut Admission<'_>,
        usage: Usage,
        served: Option<ServiceTier>,
        stop_reason: &str,
    ) {
        admission.settle(usage.all_tokens() - usage.cache_read_tokens);
        admission.settle_spend(usage.cost_usd);
        let span = &self.span;
        span.record("ai_routes.attempts", self.attempt);
        span.record("gen_ai.response.finish_reasons", stop_reason);
        span.record("gen_ai.usage.input_tokens", usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", usage.output_tokens);
        span.record(
            "gen_ai.usage.cache_read_input_tokens",
            usage.cache_read_tokens,
        );
        span.record(
            "gen_ai.usage.cache_write_input_tokens",
            usage.cache_write_tokens,
        );
        span.record("ai_routes.cost_usd", usage.cost_usd);
        if let Some(tier) = served {
            span.record("aws.bedrock.service_tier", tier.as_str());
        }
        self.report(usage, served);
    }

    fn report(&self, usage: Usage, served: Option<ServiceTier>) {
        if usage == Usage::default() {
            return;
        }
        self.client.record_usage(UsageEvent {
            route: self.info.route.to_string(),
            kind: self.info.kind,
            model_id: self.info.spec.invoke_id.to_string(),
            region: self.region.to_string(),
            owner: self.info.owner.map(str::to_string),
            usage,
            service_tier: served,
            conversation_id: self.info.conversation_id.map(str::to_string),
        });
    }
}

/// The OpenTelemetry `error.type` of an error: Bedrock's exception name where known.
pub(crate) fn error_type(error: &Error) -> Option<&'static str> {
    Some(match error {
        Error::Throttled { .. } => "ThrottlingException",
        Error::Timeout { .. } => "timeout",
        Error::ModelAccessDenied { .. } => "AccessDeniedException",
        Error::Validation { .. }
        | Error::InputTooLong { .. }
        | Error::NeedsInferenceProfile { .. } => "ValidationException",
        Error::ModelNotInRegion { .. } | Error::UnknownModel { .. } => "ValidationException",
        Error::ModelEndOfLife { .. } => "ResourceNotFoundException",
        Error::Service { .. } => "service_error",
        Error::Transport(_) => "transport",
        Error::Stream(_) => "stream",
        Error::SpendingCapReached { .. } => "spending_cap_reached",
        Error::GuardrailIntervened { .. } => "guardrail_intervened",
        Error::MalformedModelOutput { .. } => "malformed_model_output",
        Error::ContextWindowExceeded { .. } => "model_context_window_exceeded",
        _ => return None,
    })
}

//! The one place a model call is made. Both route kinds describe what to send (a
//! [`Request`] and the route's [`ModelSpec`]) and how the answer arrives ([`Delivery`]);
//! the executor owns everything else: the request's model fields (id, system prompt,
//! inference settings, guardrail), admission (spending cap, concurrency, token budget),
//! the attempt timeout and the route's deadline, retries, error mapping, usage and cost,
//! and the OpenTelemetry GenAI `chat` span.

mod attempts;
mod cache;
mod stream;

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConverseOutput, Message, OutputConfig, ReasoningContentBlock, StopReason,
    ToolConfiguration,
};
use base64::Engine as _;
use futures_util::FutureExt as _;
use serde_json::Value;
use tracing::Instrument as _;

pub(crate) use attempts::error_type;
use attempts::ModelCall;

use crate::conversation::ContentPart;
use crate::document::to_json;
use crate::error::{CallTarget, Error};
use crate::inference::{guardrail_config, guardrail_stream_config, inference_config};
use crate::metering::RouteKind;
use crate::model_spec::ModelSpec;
use crate::request_metadata;
use crate::usage::Usage;
use crate::Client;

/// Characters per token in every estimate ai-routes makes (token budgets, the history
/// window): not the model's tokenizer, a conservative average.
const CHARS_PER_TOKEN: usize = 4;
/// What an image is counted as in estimates, in characters (1,600 tokens).
pub(crate) const IMAGE_CHARS: usize = 6_400;
/// What a document is counted as in estimates, in characters (1,000 tokens).
pub(crate) const DOCUMENT_CHARS: usize = 4_000;

/// The estimated tokens of `chars` characters of text or JSON.
pub(crate) fn tokens_for_chars(chars: usize) -> u64 {
    chars.div_ceil(CHARS_PER_TOKEN) as u64
}

/// Who makes a call and within what limits.
pub(crate) struct CallInfo<'a> {
    pub route: &'static str,
    pub kind: RouteKind,
    pub spec: &'a ModelSpec,
    pub owner: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
    /// When the route call or turn must be over, and how it was declared (for the error).
    pub deadline: Option<&'a (Instant, String)>,
}

/// What a route sends, besides what its [`ModelSpec`] declares. Borrowed: each attempt
/// makes the one copy the SDK takes ownership of.
pub(crate) struct Request<'r> {
    pub messages: &'r [Message],
    pub tool_config: Option<&'r ToolConfiguration>,
    /// `outputConfig`: native structured output (generation routes on models that have it).
    pub output_config: Option<&'r OutputConfig>,
    /// Estimated tokens of `messages` ([`tokens_for_chars`]).
    pub input_tokens: u64,
    /// Characters of the tools' names, descriptions and schemas, for the estimate.
    pub tool_chars: usize,
    /// Whether the messages are worth a cache checkpoint at their end (a conversation's
    /// history is sent again next step; a generation's arguments are not).
    pub cache_messages: bool,
}

/// The model's answer.
pub(crate) struct Reply {
    pub content: Vec<ContentPart>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// The service tier Bedrock says it served the call in (`None` when it does not say).
    pub served: Option<ai_routes_catalog::ServiceTier>,
    /// The guardrail trace Bedrock returned, as JSON (`Null` when absent).
    pub trace: Value,
    /// Whether any of it already reached the caller (streamed text).
    pub delivered: bool,
}

/// A call that failed, with what the model had said before it failed, and the usage of
/// answers that were paid for but unusable (malformed).
pub(crate) struct Failure {
    pub error: Error,
    pub partial: Vec<ContentPart>,
    pub usage: Usage,
}

/// How the answer arrives.
pub(crate) enum Delivery<'s> {
    /// Converse: the whole answer at once.
    Whole,
    /// ConverseStream: each delta is handed over as it arrives. A stream that broke after
    /// a delivered text delta is not retried (the text would repeat).
    Streamed(&'s mut (dyn FnMut(Delta) + Send)),
}

/// What a streamed answer hands over as it arrives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Delta {
    /// An attempt (the first, or a retry after a throttle or a broken stream) starts: what
    /// earlier attempts delivered is superseded.
    AttemptStarted,
    /// A text delta.
    Text(String),
    /// A fragment of a tool call's input JSON.
    ToolInput(String),
    /// Reasoning text.
    Reasoning(String),
    /// The model reasoned, but its provider redacted (encrypted) the reasoning.
    RedactedReasoning,
}

impl Client {
    /// Makes one logical model call (retries included) and returns the model's answer.
    pub(crate) async fn call_model(
        &self,
        info: CallInfo<'_>,
        request: Request<'_>,
        mut delivery: Delivery<'_>,
    ) -> Result<Reply, Failure> {
        let spec = info.spec;
        let model = spec.catalog_model();
        let (sdk, region) = self.sdk_for(spec.region);
        let target = CallTarget {
            model_id: spec.invoke_id,
            region: &region,
            model,
        };
        let streamed = matches!(delivery, Delivery::Streamed(_));
        // A model that thinks on this call may write its reasoning inline in the text.
        let thinking = spec.reasoning_plan().thinking;
        let mut call = ModelCall::new(self, &info, &region, streamed);
        call.log_input(|| format!("{:?}", request.messages));
        // Reserved from a tokens-per-minute budget, settled with the reported usage.
        let estimate = request.input_tokens
            + tokens_for_chars(spec.system_prompt.map_or(0, str::len) + request.tool_chars)
            + spec.max_tokens_reserved();
        let service_tier = self.service_tier().or(spec.service_tier);
        if let Some(error) = model.and_then(|m| unservable(spec, m, &request, service_tier)) {
            return Err(Failure {
                error,
                partial: Vec::new(),
                usage: Usage::default(),
            });
        }
        let placed = cache::place(spec, &request);
        let parts = Parts {
            sdk: &sdk,
            target: &target,
            spec,
            request: &request,
            placed: &placed,
            info: &info,
            service_tier,
        };
        // Usage of answers that were paid for but sampled again (malformed), so what the
        // route reports is what was billed.
        let mut resampled = Usage::default();
        loop {
            let mut admission = call.admit(estimate).await.map_err(|error| Failure {
                error: call.give_up(error),
                partial: Vec::new(),
                usage: resampled,
            })?;
            let attempt = match &mut delivery {
                Delivery::Whole => call
                    .timed(parts.converse())
                    .instrument(call.span.clone())
                    .await
                    .map_err(FailedAttempt::from),
                // A thinking model's inline `<think>` text reaches the caller as reasoning.
                Delivery::Streamed(sink) if thinking => {
                    let mut inline = crate::reasoning::InlineThinking::default();
                    let mut split = |delta: Delta| match delta {
                        Delta::Text(text) => inline.push(&text).into_iter().for_each(&mut **sink),
                        other => sink(other),
                    };
                    let attempt = stream::attempt(&call, &parts, &mut split)
                        .instrument(call.span.clone())
                        .await;
                    inline.finish().into_iter().for_each(&mut **sink);
                    attempt
                }
                Delivery::Streamed(sink) => {
                    stream::attempt(&call, &parts, &mut **sink)
                        .instrument(call.span.clone())
                        .await
                }
            };
            match attempt {
                Ok(mut reply) => {
                    if thinking {
                        reply.content = crate::reasoning::separate_inline_reasoning(reply.content);
                    }
                    call.finish(
                        &mut admission,
                        reply.usage,
                        reply.served,
                        reply.stop_reason.as_str(),
                    );
                    call.log_output(|| format!("{:?}", reply.content));
                    let Some(error) = malformed(&reply, spec) else {
                        reply.usage += resampled;
                        return Ok(reply);
                    };
                    // Paid for, but unusable: sampled again while attempts are left.
                    drop(admission);
                    resampled += reply.usage;
                    if !reply.delivered && call.retry(&error).await {
                        continue;
                    }
                    return Err(Failure {
                        error: call.give_up(error),
                        partial: reply.content,
                        usage: resampled,
                    });
                }
                Err(failed) => {
                    drop(admission);
                    if !failed.delivered && call.retry(&failed.error).await {
                        continue;
                    }
                    return Err(Failure {
                        error: call.give_up(failed.error),
                        partial: failed.partial,
                        usage: resampled,
                    });
                }
            }
        }
    }
}

/// Why the catalog's `model` cannot serve this call as asked, found before it is made: a
/// service tier it is not offered in, or documents to cite on a model without citations.
fn unservable(
    spec: &ModelSpec,
    model: &ai_routes_catalog::Model,
    request: &Request<'_>,
    tier: Option<ai_routes_catalog::ServiceTier>,
) -> Option<Error> {
    if let Some(requested) = tier.filter(|t| model.tier_price(*t).is_none()) {
        return Some(Error::ServiceTierUnavailable {
            model_id: spec.invoke_id.to_string(),
            requested,
            offered: model.offered_tiers(),
        });
    }
    let cites = request.messages.iter().flat_map(|m| &m.content).any(|block| {
        matches!(block, ContentBlock::Document(d) if d.citations().is_some_and(|c| c.enabled()))
    });
    if cites && request.output_config.is_some() {
        // Claude answers 400 when citations meet native structured output
        // (shared/design/bedrock-converse-2026.md §1).
        return Some(Error::InvalidInput(format!(
            "model `{}` cannot cite documents in a native structured-output answer (Bedrock refuses the \
             combination): declare `output = \"tool\"` on the route, or remove `Document::with_citations()`",
            model.name
        )));
    }
    let able = model.supports(ai_routes_catalog::Capability::Citations);
    (cites && able == ai_routes_catalog::Support::No).then(|| {
        Error::InvalidInput(format!(
            "model `{}` cannot cite documents (citations are a Claude feature on Bedrock): remove \
             `Document::with_citations()`, or move the route to a Claude model such as Claude Sonnet 4.5",
            model.name
        ))
    })
}

/// The error of an answer Bedrock could not parse (`malformed_tool_use`,
/// `malformed_model_output`), if it is one.
fn malformed(reply: &Reply, spec: &ModelSpec) -> Option<Error> {
    matches!(
        reply.stop_reason,
        StopReason::MalformedToolUse | StopReason::MalformedModelOutput
    )
    .then(|| Error::MalformedModelOutput {
        model_id: spec.invoke_id.to_string(),
        stop_reason: reply.stop_reason.as_str().to_string(),
        attempts: 1,
    })
}

/// One attempt that failed: the content so far and whether any of it reached the caller.
struct FailedAttempt {
    error: Error,
    partial: Vec<ContentPart>,
    delivered: bool,
}

impl From<Error> for FailedAttempt {
    fn from(error: Error) -> Self {
        FailedAttempt {
            error,
            partial: Vec::new(),
            delivered: false,
        }
    }
}

/// What every attempt of a call sends.
struct Parts<'a> {
    sdk: &'a aws_sdk_bedrockruntime::Client,
    target: &'a CallTarget<'a>,
    spec: &'a ModelSpec,
    request: &'a Request<'a>,
    /// The route's request with its cache checkpoints in place.
    placed: &'a cache::Placed<'a>,
    info: &'a CallInfo<'a>,
    /// The tier asked for: the client's ([`Client::with_service_tier`]), else the route's.
    service_tier: Option<ai_routes_catalog::ServiceTier>,
}

/// Sets the fields Converse and ConverseStream share on either operation's builder (two
/// SDK types with the same setters): one place for what a model call sends. The guardrail
/// is set by each, as its type differs.
macro_rules! with_request_fields {
    ($parts:expr, $builder:expr) => {{
        let parts = $parts;
        let spec = parts.spec;
        $builder
            .model_id(spec.invoke_id)
            .set_system(parts.placed.system.clone())
            .set_messages(Some(parts.placed.messages.to_vec()))
            .set_tool_config(parts.placed.tool_config.as_deref().cloned())
            .set_additional_model_request_fields(
                crate::reasoning::request_fields(&spec.reasoning_plan())
                    .map(|fields| crate::document::to_document(&fields)),
            )
            .set_output_config(parts.request.output_config.cloned())
            .set_inference_config(inference_config(
                spec.max_tokens_sent(),
                spec.temperature,
                spec.top_p,
                spec.stop_sequences,
            ))
            .set_request_metadata(Some(parts.metadata()))
            .set_service_tier(parts.service_tier())
    }};
}

impl Parts<'_> {
    /// `requestMetadata`: route, owner and conversation, for Bedrock's invocation logs.
    fn metadata(&self) -> HashMap<String, String> {
        let info = self.info;
        request_metadata::for_call(info.route, info.owner, info.conversation_id)
    }

    /// `serviceTier`, when a tier other than Bedrock's default is asked for.
    fn service_tier(&self) -> Option<aws_sdk_bedrockruntime::types::ServiceTier> {
        use ai_routes_catalog::ServiceTier;
        use aws_sdk_bedrockruntime::types::ServiceTierType;
        let tier = match self.service_tier? {
            ServiceTier::Default => return None,
            ServiceTier::Flex => ServiceTierType::Flex,
            ServiceTier::Priority => ServiceTierType::Priority,
        };
        aws_sdk_bedrockruntime::types::ServiceTier::builder()
            .r#type(tier)
            .build()
            .ok()
    }

    async fn converse(&self) -> Result<Reply, Error> {
        let spec = self.spec;
        let output = with_request_fields!(self, self.sdk.converse())
            .set_guardrail_config(guardrail_config(spec.guardrail))
            .send()
            // The SDK's future is several KB: box it so outer awaits do not move it.
            .boxed()
            .await
            .map_err(|e| self.target.map_sdk_error(e))?;
        let served = served_tier(output.service_tier());
        let usage = Usage::from_sdk(output.usage(), self.target.model, served);
        let trace = output
            .trace()
            .map(|t| Value::String(format!("{t:?}")))
            .unwrap_or(Value::Null);
        let blocks = match output.output {
            Some(ConverseOutput::Message(message)) => message.content,
            _ => Vec::new(),
        };
        Ok(Reply {
            content: blocks.into_iter().filter_map(content_part).collect(),
            stop_reason: output.stop_reason,
            usage,
            served,
            trace,
            delivered: false,
        })
    }

    fn converse_stream(
        &self,
    ) -> aws_sdk_bedrockruntime::operation::converse_stream::builders::ConverseStreamFluentBuilder
    {
        with_request_fields!(self, self.sdk.converse_stream())
            .set_guardrail_config(guardrail_stream_config(self.spec.guardrail))
    }
}

/// The tier Bedrock reports it served a call in.
fn served_tier(
    tier: Option<&aws_sdk_bedrockruntime::types::ServiceTier>,
) -> Option<ai_routes_catalog::ServiceTier> {
    ai_routes_catalog::ServiceTier::parse(tier?.r#type().as_str())
}

/// An answer block as a content part; blocks ai-routes does not keep yet are skipped.
fn content_part(block: ContentBlock) -> Option<ContentPart> {
    match block {
        ContentBlock::Text(text) => Some(ContentPart::Text { text }),
        ContentBlock::CitationsContent(cited) => Some(ContentPart::CitedText {
            text: cited
                .content()
                .iter()
                .filter_map(|part| part.as_text().ok().map(String::as_str))
                .collect(),
            citations: crate::citation::Citation::all_from_block(&cited),
        }),
        ContentBlock::ToolUse(tool) => Some(ContentPart::ToolUse {
            input: to_json(tool.input()),
            id: tool.tool_use_id,
            name: tool.name,
        }),
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning)) => {
            Some(ContentPart::Reasoning {
                text: reasoning.text,
                signature: reasoning.signature,
                redacted: None,
            })
        }
        ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(bytes)) => {
            Some(ContentPart::Reasoning {
                text: String::new(),
                signature: None,
                redacted: Some(
                    base64::engine::general_purpose::STANDARD.encode(bytes.into_inner()),
                ),
            })
        }
        _ => None,
    }
}

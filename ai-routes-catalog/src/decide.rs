//! Decisions about a model, each one typed function with its wording.
//!
//! The proc macros (at compile time), `Client::check_routes` (at start-up), the runtime's
//! error mapping and the local Bedrock stand-in all ask these functions, so a fact about
//! a model and the sentence that explains it live in one place.

use std::fmt;

use crate::{
    Confidence, Date, Endpoint, Fact, InferenceProfile, Lifecycle, Modality, Model, ToolChoiceMode,
};

/// How many days before a model's end of life a route on it starts to warn.
pub const EOL_WARNING_DAYS: i64 = 60;

/// How a model can be called from one region.
#[derive(Clone, Debug, PartialEq)]
pub enum Availability {
    /// By its bare id, on demand.
    OnDemand,
    /// Only through these inference profiles (most specific geography first, `global`
    /// last).
    ViaProfiles(Vec<&'static InferenceProfile>),
    /// Neither on demand nor through any profile.
    NotOffered,
    /// The catalog has no region data for the model: nothing can be decided.
    Unknown,
}

impl Model {
    /// How the model can be called from `region`.
    ///
    /// ```
    /// use ai_routes_catalog::{by_id, Availability};
    /// let haiku = by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    /// assert!(matches!(haiku.availability("eu-west-1"), Availability::ViaProfiles(_)));
    /// let nova = by_id("amazon.nova-micro-v1:0").unwrap();
    /// assert_eq!(nova.availability("us-east-1"), Availability::OnDemand);
    /// ```
    pub fn availability(&self, region: &str) -> Availability {
        if self.on_demand_in(region) {
            return Availability::OnDemand;
        }
        let profiles = self.profiles_for_region(region);
        if !profiles.is_empty() {
            Availability::ViaProfiles(profiles)
        } else if self.region_data_known {
            Availability::NotOffered
        } else {
            Availability::Unknown
        }
    }
}

/// Why a route's model cannot be called as declared. Its `Display` says what is wrong;
/// [`CallProblem::fix`] says what to change.
#[derive(Clone, Debug, PartialEq)]
pub enum CallProblem {
    /// The model is served only on Bedrock's OpenAI-compatible endpoint, not through
    /// Converse.
    NotOnConverse {
        /// The model.
        model: &'static Model,
    },
    /// The model is past its end of life.
    EndOfLife {
        /// The model.
        model: &'static Model,
        /// The date the status was computed for.
        on: Date,
    },
    /// The invoked inference profile cannot be called from the region.
    ProfileNotServed {
        /// The model behind the profile.
        model: &'static Model,
        /// The profile the route invokes.
        profile: &'static InferenceProfile,
        /// The region the call comes from.
        region: String,
    },
    /// The bare model id is not offered on demand in the region.
    NotOnDemandIn {
        /// The model.
        model: &'static Model,
        /// The region the call comes from.
        region: String,
    },
    /// The bare model id, with no region to check, of a model that has no on-demand
    /// region at all.
    ProfileOnly {
        /// The model.
        model: &'static Model,
    },
    /// An application inference profile lives in one region and is called from there.
    ApplicationProfileElsewhere {
        /// The model the profile is declared to route to.
        model: &'static Model,
        /// The profile's region (from its ARN).
        profile_region: String,
        /// The region the call comes from.
        region: String,
    },
}

/// An application inference profile's ARN
/// (`arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID`), which a route can
/// call in place of its model (for cost allocation tags) while keeping the model's checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationProfileArn {
    /// The region the profile lives in.
    pub region: String,
    /// The AWS account id.
    pub account: String,
    /// The profile id.
    pub id: String,
}

impl ApplicationProfileArn {
    /// Parses an application inference profile ARN; `None` for anything else.
    ///
    /// ```
    /// use ai_routes_catalog::ApplicationProfileArn;
    /// let arn = ApplicationProfileArn::parse(
    ///     "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
    /// ).unwrap();
    /// assert_eq!((arn.region.as_str(), arn.id.as_str()), ("us-east-1", "abc123"));
    /// assert!(ApplicationProfileArn::parse("us.anthropic.claude-3-haiku-20240307-v1:0").is_none());
    /// ```
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let ("arn", partition, "bedrock", region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        ) else {
            return None;
        };
        let id = resource.strip_prefix("application-inference-profile/")?;
        let valid = partition.starts_with("aws")
            && !region.is_empty()
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        valid.then(|| ApplicationProfileArn {
            region: region.to_string(),
            account: account.to_string(),
            id: id.to_string(),
        })
    }
}

/// [`check_call_on`] [`Date::today`] (`SOURCE_DATE_EPOCH` or the clock).
pub fn check_call(
    model: &'static Model,
    invoke_id: &str,
    region: Option<&str>,
) -> Result<(), CallProblem> {
    check_call_on(model, invoke_id, region, Date::today())
}

/// Whether `invoke_id` (the model's bare id or one of its profile ids) can be called from
/// `region` (`None`: not known yet, checked later) on `today` (the end-of-life decision
/// is computed from the model's dates).
///
/// ```
/// use ai_routes_catalog::{by_id, check_call, CallProblem};
/// let haiku = by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
/// let problem = check_call(haiku, "us.anthropic.claude-haiku-4-5-20251001-v1:0", Some("eu-west-1"));
/// assert!(matches!(problem, Err(CallProblem::ProfileNotServed { .. })));
/// assert!(problem.unwrap_err().fix().contains("eu.anthropic.claude-haiku-4-5"));
/// ```
pub fn check_call_on(
    model: &'static Model,
    invoke_id: &str,
    region: Option<&str>,
    today: Date,
) -> Result<(), CallProblem> {
    if model.endpoint != Endpoint::Converse {
        return Err(CallProblem::NotOnConverse { model });
    }
    if model.lifecycle_on(today) == Lifecycle::Eol {
        return Err(CallProblem::EndOfLife { model, on: today });
    }
    if let Some(arn) = ApplicationProfileArn::parse(invoke_id) {
        // What an application profile routes to is the account's, not the catalog's: only
        // its region is known.
        return match region {
            Some(region) if region != arn.region => Err(CallProblem::ApplicationProfileElsewhere {
                model,
                profile_region: arn.region,
                region: region.to_string(),
            }),
            _ => Ok(()),
        };
    }
    if let Some(profile) = model.inference_profiles.iter().find(|p| p.id == invoke_id) {
        return match region {
            Some(region)
                if !profile.source_regions.is_empty() && !profile.callable_from(region) =>
            {
                Err(CallProblem::ProfileNotServed {
                    model,
                    profile,
                    region: region.to_string(),
                })
            }
            _ => Ok(()),
        };
    }
    if !model.region_data_known {
        return Ok(());
    }
    match region {
        Some(region) if !model.on_demand_in(region) => Err(CallProblem::NotOnDemandIn {
            model,
            region: region.to_string(),
        }),
        None if !model.on_demand => Err(CallProblem::ProfileOnly { model }),
        _ => Ok(()),
    }
}

impl CallProblem {
    /// The model the problem is about.
    pub fn model(&self) -> &'static Model {
        match self {
            CallProblem::NotOnConverse { model }
            | CallProblem::EndOfLife { model, .. }
            | CallProblem::ProfileNotServed { model, .. }
            | CallProblem::NotOnDemandIn { model, .. }
            | CallProblem::ProfileOnly { model }
            | CallProblem::ApplicationProfileElsewhere { model, .. } => model,
        }
    }

    /// What to change so the call works.
    pub fn fix(&self) -> String {
        match self {
            CallProblem::NotOnConverse { model } => format!(
                "ai-routes calls Converse: pick {}, or call `{}` with an OpenAI-compatible client outside ai-routes",
                current_alternatives(model),
                model.id
            ),
            CallProblem::EndOfLife { model, on } => match model.successor_on(*on) {
                Some(next) => format!(
                    "move the route to its successor `{}` (`model = \"{}\"`)",
                    next.name, next.name
                ),
                None => format!("move the route to {}", current_alternatives(model)),
            },
            CallProblem::ProfileNotServed { model, region, .. }
            | CallProblem::NotOnDemandIn { model, region } => profile_fix(model, region),
            CallProblem::ApplicationProfileElsewhere { profile_region, .. } => format!(
                "call it from {profile_region} (the route's `region = \"{profile_region}\"`, or a client in that \
                 region), or use an application inference profile created in the calling region"
            ),
            CallProblem::ProfileOnly { model } => {
                let all: Vec<String> = model
                    .inference_profiles
                    .iter()
                    .map(|p| format!("`{}`", p.id))
                    .collect();
                if all.is_empty() {
                    "pick another model (`ai-routes models --active`)".into()
                } else {
                    format!(
                        "call it through an inference profile: {} (`cross_region = \"...\"`, or `model = \"<profile id>\"`)",
                        all.join(", ")
                    )
                }
            }
        }
    }
}

impl fmt::Display for CallProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallProblem::NotOnConverse { model } => write!(
                f,
                "model `{}` ({}) is served only on Bedrock's OpenAI-compatible endpoint (bedrock-mantle: \
                 Responses / Chat Completions), not through the Converse API",
                model.name, model.id
            ),
            CallProblem::EndOfLife { model, .. } => {
                write!(
                    f,
                    "model `{}` ({}) reached end of life on Bedrock",
                    model.name, model.id
                )?;
                if let Some(date) = model.eol_date {
                    write!(f, " on {date}")?;
                }
                f.write_str(": calls to it fail")
            }
            CallProblem::ProfileNotServed {
                profile, region, ..
            } => write!(
                f,
                "inference profile `{}` cannot be called from {region} (it serves: {})",
                profile.id,
                profile.source_regions.join(", ")
            ),
            CallProblem::NotOnDemandIn { model, region } if model.on_demand && !model.regions.is_empty() => {
                write!(
                    f,
                    "model `{}` is not offered on demand in {region} (on demand: {})",
                    model.name,
                    model.regions.join(", ")
                )
            }
            CallProblem::ApplicationProfileElsewhere {
                profile_region,
                region,
                ..
            } => write!(
                f,
                "the application inference profile lives in {profile_region} and cannot be called from {region}"
            ),
            CallProblem::NotOnDemandIn { model, .. } | CallProblem::ProfileOnly { model } => write!(
                f,
                "model `{}` can only be invoked through an inference profile, not by its bare id `{}`",
                model.name, model.id
            ),
        }
    }
}

impl std::error::Error for CallProblem {}

fn profile_fix(model: &Model, region: &str) -> String {
    let profiles = model.profiles_for_region(region);
    match profiles.first() {
        Some(first) => format!(
            "call it through an inference profile that serves {region}: {} (`cross_region = \"{}\"`, or `model = \"{}\"`)",
            profiles
                .iter()
                .map(|p| format!("`{}`", p.id))
                .collect::<Vec<_>>()
                .join(", "),
            first.scope.prefix(),
            first.id
        ),
        None if model.on_demand && !model.regions.is_empty() => format!(
            "no inference profile serves {region}; set the route's `region` to one where it is offered on demand: {}",
            model.regions.join(", ")
        ),
        None => {
            let mut served: Vec<&str> = model
                .inference_profiles
                .iter()
                .flat_map(|p| p.source_regions.iter().copied())
                .collect();
            served.sort_unstable();
            served.dedup();
            if served.is_empty() {
                "pick another model (`ai-routes models --active`)".to_string()
            } else {
                format!(
                    "set the route's `region` to one its profiles serve: {}",
                    served.join(", ")
                )
            }
        }
    }
}

/// Up to four current Converse models of the same provider that can use tools, for "move
/// to" hints: "a current Anthropic model: A, B, C, D", or a pointer to the model list when
/// the provider has none.
pub fn current_alternatives(model: &Model) -> String {
    let today = Date::today();
    let names: Vec<&str> = crate::models()
        .iter()
        .filter(|m| {
            m.provider == model.provider
                && m.endpoint == Endpoint::Converse
                && m.lifecycle_on(today) == Lifecycle::Active
                && m.tool_use.is_yes()
        })
        .map(|m| m.name)
        .take(4)
        .collect();
    if names.is_empty() {
        format!(
            "a current model (no current {} model; `ai-routes models --active` lists them)",
            model.provider
        )
    } else {
        format!("a current {} model: {}", model.provider, names.join(", "))
    }
}

/// The warning for a route on `model` compiled `today`, if it needs one: within
/// [`EOL_WARNING_DAYS`] of its end of life (confirmed or reported), or legacy. A model
/// past its end of life gets no warning: [`check_call_on`] makes it an error.
///
/// ```
/// use ai_routes_catalog::{by_name, lifecycle_warning, Date};
/// let opus41 = by_name("Claude Opus 4.1").unwrap();
/// let warning = lifecycle_warning(opus41, Date::parse("2026-12-01").unwrap()).unwrap();
/// assert!(warning.contains("reaches end of life on Bedrock on 2027-01-08 (in 38 days)"), "{warning}");
/// assert!(lifecycle_warning(opus41, Date::parse("2026-06-01").unwrap()).is_none());
/// ```
pub fn lifecycle_warning(model: &Model, today: Date) -> Option<String> {
    let status = model.lifecycle_on(today);
    if status == Lifecycle::Eol {
        return None;
    }
    let advice = || match model.successor_on(today) {
        Some(next) => format!(
            "move the route to its successor `{}` (`model = \"{}\"`)",
            next.name, next.name
        ),
        None => format!("plan a move to {}", current_alternatives(model)),
    };
    let days_to = |date: Date| today.days_until(date);
    let in_days = |days: i64| match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    if let Some(eol) = model.eol_date {
        if days_to(eol) <= EOL_WARNING_DAYS {
            return Some(format!(
                "model `{}` reaches end of life on Bedrock on {eol} ({}): calls to it fail from then and \
                 the route stops compiling; {}",
                model.name,
                in_days(days_to(eol)),
                advice()
            ));
        }
    } else if let Some(eol) = model.reported_eol_date {
        if (0..=EOL_WARNING_DAYS).contains(&days_to(eol)) {
            return Some(format!(
                "model `{}` is reported to reach end of life on Bedrock on {eol} ({}; one secondary source, \
                 see `ai-routes models show \"{}\"`); {}",
                model.name,
                in_days(days_to(eol)),
                model.name,
                advice()
            ));
        }
    }
    (status == Lifecycle::Legacy).then(|| {
        format!(
            "model `{}` is legacy on Bedrock{}{}: {}",
            model.name,
            model
                .legacy_date
                .map(|d| format!(" since {d}"))
                .unwrap_or_default(),
            model
                .eol_date
                .map(|d| format!(" (end of life {d})"))
                .unwrap_or_default(),
            advice()
        )
    })
}

/// A Converse feature a route may need from its model.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// `toolConfig` (tool use).
    ToolUse,
    /// Tool use with ConverseStream.
    StreamingToolUse,
    /// ConverseStream at all.
    Streaming,
    /// A `system` prompt.
    SystemPrompt,
    /// `image` content blocks.
    ImageInput,
    /// `document` content blocks.
    DocumentInput,
    /// This `toolChoice` variant.
    ToolChoice(ToolChoiceMode),
    /// `cachePoint` blocks (prompt caching).
    PromptCaching,
    /// Documents with `citations: {enabled: true}`, answered with `citationsContent`.
    Citations,
    /// Native structured output (`outputConfig.textFormat` with a JSON schema).
    NativeOutput,
    /// `strict: true` on tool specifications.
    StrictTools,
}

impl Capability {
    /// The catalog field that decides this capability (for messages naming a source gap).
    pub fn field(self) -> &'static str {
        match self {
            Capability::ToolUse => "tool_use",
            Capability::StreamingToolUse => "streaming_tool_use",
            Capability::Streaming => "converse_stream",
            Capability::SystemPrompt => "system_prompt",
            Capability::ImageInput => "vision",
            Capability::DocumentInput => "document_chat",
            Capability::ToolChoice(_) => "tool_choice",
            Capability::PromptCaching => "prompt caching",
            Capability::Citations => "citations",
            Capability::NativeOutput => "native_output",
            Capability::StrictTools => "strict_tools",
        }
    }
}

/// What the catalog says about a [`Capability`] of a model.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Support {
    /// The model has it.
    Yes,
    /// The model does not have it, by a high-confidence source: a route needing it is a
    /// compile error.
    No,
    /// The catalog believes the model lacks it, but its sources are not high-confidence:
    /// a route needing it compiles with a warning naming the gap.
    Doubtful(Confidence),
    /// The sources do not say: a route needing it compiles with a warning naming the gap
    /// (unknown is not false).
    Unknown,
}

impl Model {
    /// Whether the model has `capability`, honouring the confidence of the catalog's
    /// sources: only a high-confidence "no" is [`Support::No`].
    ///
    /// ```
    /// use ai_routes_catalog::{by_name, Capability, Support};
    /// let micro = by_name("Nova Micro").unwrap();
    /// assert_eq!(micro.supports(Capability::ToolUse), Support::Yes);
    /// assert_eq!(micro.supports(Capability::ImageInput), Support::No);
    /// ```
    pub fn supports(&self, capability: Capability) -> Support {
        let fact = match capability {
            Capability::ToolUse => self.tool_use,
            Capability::StreamingToolUse => self.streaming_tool_use,
            Capability::Streaming => self.converse_stream,
            Capability::SystemPrompt => self.system_prompt,
            Capability::ImageInput => input_fact(self.vision, self.accepts_input(Modality::Image)),
            Capability::DocumentInput => {
                input_fact(self.document_chat, self.accepts_input(Modality::Document))
            }
            Capability::ToolChoice(mode) => match self.tool_use {
                Fact::Yes if self.supports_tool_choice(mode) => Fact::Yes,
                Fact::Yes if !self.tool_choice_known => Fact::Unknown,
                Fact::Yes | Fact::No => Fact::No,
                Fact::Unknown => Fact::Unknown,
            },
            Capability::NativeOutput => self.native_output,
            Capability::StrictTools => self.strict_tools,
            // A rule, not a sourced flag: it is as certain as the model list it encodes.
            Capability::PromptCaching => return bool_support(self.prompt_cache.is_some()),
            // A rule, like prompt caching: citations are Anthropic's, on every Claude model
            // Bedrock still serves but Claude 3 Haiku (https://docs.anthropic.com/en/docs/build-with-claude/citations,
            // https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html).
            Capability::Citations => {
                return bool_support(
                    self.id.starts_with("anthropic.claude-")
                        && !self.id.starts_with("anthropic.claude-3-haiku")
                        && self.supports(Capability::DocumentInput) == Support::Yes,
                )
            }
        };
        match (fact, self.features_confidence) {
            (Fact::Yes, _) => Support::Yes,
            (Fact::Unknown, _) => Support::Unknown,
            (Fact::No, Confidence::High) => Support::No,
            (Fact::No, confidence) => Support::Doubtful(confidence),
        }
    }
}

/// A content capability: the flag, unless the input modalities already rule it out.
fn input_fact(flag: Fact, listed_modality: bool) -> Fact {
    match flag {
        Fact::Yes if listed_modality => Fact::Yes,
        Fact::Yes => Fact::No,
        other => other,
    }
}

fn bool_support(has: bool) -> Support {
    if has {
        Support::Yes
    } else {
        Support::No
    }
}

/// Bedrock's rule for tool names, as it states it.
pub const TOOL_NAME_RULE: &str =
    "it must start with a letter and contain only letters, digits, `_` and `-`, at most 64 characters (`^[a-zA-Z][a-zA-Z0-9_-]{0,63}$`)";

/// Whether `name` is a valid Bedrock tool name ([`TOOL_NAME_RULE`]).
///
/// ```
/// assert!(ai_routes_catalog::valid_tool_name("get_weather"));
/// assert!(!ai_routes_catalog::valid_tool_name("get weather"));
/// ```
pub fn valid_tool_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// "Did you mean": the candidate closest to `unknown` within a small edit distance
/// (for option keys, regions, scopes).
///
/// ```
/// assert_eq!(ai_routes_catalog::closest("max_token", &["max_tokens", "model"]), Some("max_tokens"));
/// assert_eq!(ai_routes_catalog::closest("zzz", &["max_tokens"]), None);
/// ```
pub fn closest<'a>(unknown: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let unknown: Vec<char> = unknown.chars().collect();
    candidates
        .iter()
        .map(|c| {
            let chars: Vec<char> = c.chars().collect();
            (crate::edit_distance(&unknown, &chars), *c)
        })
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Every region the catalog knows (on-demand or profile-only), sorted.
pub fn known_regions() -> Vec<&'static str> {
    let mut known: Vec<&'static str> = crate::models()
        .iter()
        .flat_map(|m| m.regions.iter().chain(m.profile_only_regions).copied())
        .collect();
    known.sort_unstable();
    known.dedup();
    known
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::by_id;

    #[test]
    fn tool_names() {
        assert!(valid_tool_name("get_weather"));
        assert!(valid_tool_name("a-B_9"));
        assert!(!valid_tool_name("_x"));
        assert!(!valid_tool_name("9x"));
        assert!(!valid_tool_name(""));
        assert!(!valid_tool_name(&"a".repeat(65)));
        assert!(valid_tool_name(&"a".repeat(64)));
    }

    #[test]
    fn unknown_is_not_false() {
        // Qwen3 32B: no source settles its system prompt or its toolChoice variants.
        let qwen = by_id("qwen.qwen3-32b-v1:0").unwrap();
        assert_eq!(qwen.system_prompt, Fact::Unknown);
        assert_eq!(qwen.supports(Capability::SystemPrompt), Support::Unknown);
        assert!(!qwen.tool_choice_known);
        assert_eq!(
            qwen.supports(Capability::ToolChoice(ToolChoiceMode::Any)),
            Support::Unknown
        );
        // A known, high-confidence list: a variant not in it is a "no".
        let llama = by_id("meta.llama3-1-70b-instruct-v1:0").unwrap();
        assert_eq!(
            llama.supports(Capability::ToolChoice(ToolChoiceMode::Any)),
            Support::No
        );
        // No document flag at all (GLM-5, added from LiteLLM): unknown, not "no".
        let glm5 = by_id("zai.glm-5").unwrap();
        assert_eq!(glm5.document_chat, Fact::Unknown);
        assert_eq!(glm5.supports(Capability::DocumentInput), Support::Unknown);
        // No unknown flag anywhere is a compile error.
        for model in crate::models() {
            for capability in [
                Capability::ToolUse,
                Capability::StreamingToolUse,
                Capability::Streaming,
                Capability::SystemPrompt,
                Capability::ImageInput,
                Capability::DocumentInput,
            ] {
                let flag = match capability {
                    Capability::ToolUse => model.tool_use,
                    Capability::StreamingToolUse => model.streaming_tool_use,
                    Capability::Streaming => model.converse_stream,
                    Capability::SystemPrompt => model.system_prompt,
                    Capability::ImageInput => model.vision,
                    _ => model.document_chat,
                };
                if flag == Fact::Unknown {
                    assert_eq!(model.supports(capability), Support::Unknown, "{}", model.id);
                }
            }
        }
    }

    #[test]
    fn lifecycle_is_computed_from_dates() {
        let day = |s: &str| Date::parse(s).unwrap();
        // Jamba 1.5 Large: end of life 2026-11-26, no named successor.
        let jamba = by_id("ai21.jamba-1-5-large-v1:0").unwrap();
        assert_eq!(
            check_call_on(jamba, jamba.id, Some("us-east-1"), day("2026-11-25")),
            Ok(())
        );
        let warning = lifecycle_warning(jamba, day("2026-11-25")).unwrap();
        assert!(warning.contains("on 2026-11-26 (tomorrow)"), "{warning}");
        let problem =
            check_call_on(jamba, jamba.id, Some("us-east-1"), day("2026-11-26")).unwrap_err();
        assert_eq!(
            problem,
            CallProblem::EndOfLife {
                model: jamba,
                on: day("2026-11-26")
            }
        );
        assert!(problem
            .to_string()
            .contains("reached end of life on Bedrock on 2026-11-26"));
        assert_eq!(
            lifecycle_warning(jamba, day("2026-11-26")),
            None,
            "an error, not a warning"
        );

        // Claude 3 Haiku: the error names the successor AWS recommends.
        let haiku3 = by_id("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let problem =
            check_call_on(haiku3, haiku3.id, Some("us-east-1"), day("2026-12-01")).unwrap_err();
        assert!(
            problem.fix().contains("successor `Claude Haiku 4.5`"),
            "{}",
            problem.fix()
        );
        assert_eq!(
            check_call_on(haiku3, haiku3.id, Some("us-east-1"), day("2026-01-01")),
            Ok(())
        );

        // Opus 4.1: active, then legacy (warns), then within 60 days of its end of life.
        let opus41 = by_id("anthropic.claude-opus-4-1-20250805-v1:0").unwrap();
        assert_eq!(lifecycle_warning(opus41, day("2026-07-01")), None);
        let legacy = lifecycle_warning(opus41, day("2026-08-01")).unwrap();
        assert!(
            legacy.contains("legacy on Bedrock since 2026-07-08"),
            "{legacy}"
        );
        let near = lifecycle_warning(opus41, day("2026-11-09")).unwrap();
        assert!(near.contains("(in 60 days)"), "{near}");

        // A date reported by LiteLLM only warns, and never fails the build.
        let llama = by_id("meta.llama3-3-70b-instruct-v1:0").unwrap();
        assert_eq!(llama.reported_eol_date, Some(day("2027-03-30")));
        assert!(lifecycle_warning(llama, day("2027-02-01"))
            .unwrap()
            .contains("reported"));
        assert_eq!(llama.lifecycle_on(day("2027-06-01")), Lifecycle::Active);

        // Gone without a known date: end of life whatever the date.
        let titan = by_id("amazon.titan-text-express-v1").unwrap();
        assert_eq!(titan.lifecycle_on(day("2020-01-01")), Lifecycle::Eol);
        assert_eq!(
            titan.successor_on(day("2026-12-01")).unwrap().id,
            "amazon.nova-micro-v1:0"
        );
    }

    #[test]
    fn call_checks() {
        let haiku = by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
        assert_eq!(
            check_call(haiku, haiku.id, None),
            Err(CallProblem::ProfileOnly { model: haiku })
        );
        let eu = "eu.anthropic.claude-haiku-4-5-20251001-v1:0";
        assert_eq!(check_call(haiku, eu, Some("eu-central-1")), Ok(()));
        let problem = check_call(haiku, eu, Some("us-east-1")).unwrap_err();
        assert!(problem
            .to_string()
            .contains("cannot be called from us-east-1"));
        assert!(
            problem.fix().contains("cross_region = \"us\""),
            "{}",
            problem.fix()
        );
        let nova = by_id("amazon.nova-lite-v1:0").unwrap();
        assert_eq!(check_call(nova, nova.id, Some("us-east-1")), Ok(()));
    }

    #[test]
    fn application_profiles_are_checked_for_their_region_only() {
        let haiku = by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
        let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
        assert_eq!(check_call(haiku, arn, None), Ok(()));
        assert_eq!(check_call(haiku, arn, Some("us-east-1")), Ok(()));
        let problem = check_call(haiku, arn, Some("eu-west-1")).unwrap_err();
        assert!(
            problem.to_string().contains("lives in us-east-1"),
            "{problem}"
        );
        assert!(
            problem.fix().contains("region = \"us-east-1\""),
            "{}",
            problem.fix()
        );
        assert!(ApplicationProfileArn::parse(
            "arn:aws:bedrock:us-east-1:1234:application-inference-profile/x"
        )
        .is_none());
    }

    #[test]
    fn low_confidence_gaps_are_doubtful_not_no() {
        let doubtful = crate::models()
            .iter()
            .find(|m| m.features_confidence != Confidence::High && m.tool_use.is_no());
        if let Some(model) = doubtful {
            assert!(matches!(
                model.supports(Capability::ToolUse),
                Support::Doubtful(_)
            ));
        }
        let certain = crate::models()
            .iter()
            .find(|m| m.features_confidence == Confidence::High && m.tool_use.is_no())
            .expect("a high-confidence model without tool use");
        assert_eq!(certain.supports(Capability::ToolUse), Support::No);
    }
}

//! Reasoning (extended thinking): what a model supports (`data/reasoning.json`) and the
//! one decision of what a route's `reasoning` setting sends and forbids, used by the macros,
//! the runtime and the stand-in alike.

use std::fmt;

use crate::Model;

/// How a model's thinking is set in `additionalModelRequestFields`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReasoningControl {
    /// `{"thinking": {"type": "enabled", "budget_tokens": N}}` (Claude 3.7 to 4.5).
    AnthropicBudget,
    /// `{"thinking": {"type": "adaptive"}, "output_config": {"effort": E}}` (Claude 4.6+).
    AnthropicAdaptive,
    /// `{"reasoning_effort": E}` (gpt-oss).
    OpenAiEffort,
    /// `{"reasoning_config": E}` (Qwen3).
    QwenConfig,
    /// `{"reasoningConfig": {"type": "enabled", "maxReasoningEffort": E}}` (Nova 2).
    NovaEffort,
    /// Always reasons; nothing can be set (DeepSeek R1, Kimi K2 Thinking, MiniMax M2).
    AlwaysOn,
}

/// A reasoning effort, the one vocabulary of the `reasoning` option.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effort {
    /// Little thinking.
    Low,
    /// Some thinking.
    Medium,
    /// Much thinking.
    High,
    /// As much as the model allows.
    Max,
}

impl Effort {
    /// `"low"`, `"medium"`, `"high"` or `"max"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::Max => "max",
        }
    }

    /// The effort named `s`, if it is one.
    pub fn parse(s: &str) -> Option<Effort> {
        [Effort::Low, Effort::Medium, Effort::High, Effort::Max]
            .into_iter()
            .find(|e| e.as_str() == s)
    }

    /// The thinking budget an effort stands for on a budget-controlled model.
    fn budget_tokens(self) -> u32 {
        match self {
            Effort::Low => 1_024,
            Effort::Medium => 4_096,
            Effort::High => 16_384,
            Effort::Max => 32_768,
        }
    }
}

/// What the catalog knows about a model's reasoning.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct ReasoningFacts {
    /// How thinking is set.
    pub control: ReasoningControl,
    /// The efforts the model accepts (empty for [`ReasoningControl::AlwaysOn`]).
    pub efforts: &'static [Effort],
    /// The model thinks when nothing is set.
    pub on_by_default: bool,
    /// The model accepts thinking switched off.
    pub can_disable: bool,
    /// The smallest thinking budget ([`ReasoningControl::AnthropicBudget`] only; else 0).
    pub min_budget_tokens: u32,
    /// The model signs its reasoning (Anthropic): with thinking on, the assistant message
    /// carrying a `toolUse` must be sent back with its reasoning blocks unchanged, forced
    /// tool choice is refused, and only `temperature` 1 and no `topP` are accepted.
    pub signed: bool,
}

/// A route's `reasoning` / `reasoning_budget` setting.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum ReasoningSetting {
    /// Nothing set: the model's default (on for Claude 5, gpt-oss, ...; off for Claude 4.5).
    #[default]
    ModelDefault,
    /// `reasoning = "off"`.
    Off,
    /// `reasoning = "low" | "medium" | "high" | "max"`.
    Effort(Effort),
    /// `reasoning_budget = N`: a thinking budget in tokens.
    Budget(u32),
}

/// What to put in `additionalModelRequestFields` for reasoning.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReasoningFields {
    /// Nothing.
    None,
    /// `{"thinking": {"type": "enabled", "budget_tokens": N}}`.
    AnthropicEnabled {
        /// The thinking budget.
        budget_tokens: u32,
    },
    /// `{"thinking": {"type": "adaptive"}, "output_config": {"effort": E}}`.
    AnthropicAdaptive(Effort),
    /// `{"thinking": {"type": "disabled"}}`.
    AnthropicDisabled,
    /// `{"reasoning_effort": E}`.
    OpenAiEffort(Effort),
    /// `{"reasoning_config": E}`.
    QwenConfig(Effort),
    /// `{"reasoningConfig": {"type": "enabled", "maxReasoningEffort": E}}`.
    NovaEffort(Effort),
}

/// The decision for one route: what to send, whether the model thinks, and what that
/// implies.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReasoningPlan {
    /// The request fields to send.
    pub fields: ReasoningFields,
    /// The model thinks on this call.
    pub thinking: bool,
    /// ... and signs what it thinks ([`ReasoningFacts::signed`]): forced tool choice and
    /// sampling parameters are refused, and signed blocks must round-trip.
    pub signed: bool,
    /// `maxTokens` to send when the route sets none (a budget must be below it).
    pub max_tokens: Option<u32>,
}

impl ReasoningPlan {
    /// No reasoning: nothing sent, nothing implied.
    pub const NONE: ReasoningPlan = ReasoningPlan {
        fields: ReasoningFields::None,
        thinking: false,
        signed: false,
        max_tokens: None,
    };

    /// Whether forcing a tool (`toolChoice` `tool` or `any`) is refused on this call.
    pub fn forbids_forced_tool(&self) -> bool {
        self.thinking && self.signed
    }

    /// The sampling setting the model refuses while it thinks, if any: a `temperature`
    /// other than 1, a `topP` below 0.95 (Anthropic's rule for thinking).
    pub fn sampling_problem(
        &self,
        temperature: Option<f64>,
        top_p: Option<f64>,
    ) -> Option<ReasoningProblem> {
        if !(self.thinking && self.signed) {
            return None;
        }
        if temperature.is_some_and(|t| (t - 1.0).abs() > 1e-6) {
            return Some(ReasoningProblem::TemperatureWhileThinking);
        }
        if top_p.is_some_and(|p| p < 0.95 - 1e-6) {
            return Some(ReasoningProblem::TopPWhileThinking);
        }
        None
    }
}

/// Answer tokens kept free above a thinking budget when the route sets no `max_tokens`.
pub const ANSWER_ROOM_TOKENS: u32 = 8_192;

/// Why a reasoning setting cannot be used as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReasoningProblem {
    /// The model does not reason.
    CannotReason,
    /// The model always reasons and refuses thinking switched off.
    CannotDisable,
    /// The model always reasons and has nothing to set.
    NothingToSet,
    /// The model does not accept this effort.
    EffortNotAccepted {
        /// The effort asked for.
        effort: Effort,
        /// What it accepts.
        accepted: &'static [Effort],
    },
    /// The model takes an effort, not a budget in tokens.
    BudgetNotAccepted,
    /// The budget is below the model's minimum.
    BudgetBelowMinimum {
        /// The budget asked for.
        budget: u32,
        /// The minimum.
        minimum: u32,
    },
    /// The budget is not below `max_tokens`.
    BudgetNotBelowMaxTokens {
        /// The budget.
        budget: u32,
        /// The route's `max_tokens`.
        max_tokens: u32,
    },
    /// Nova 2 with effort `high` refuses a `maxTokens`.
    MaxTokensWithHighEffort,
    /// While thinking, the model takes `temperature` 1 only.
    TemperatureWhileThinking,
    /// While thinking, the model takes `topP` of 0.95 or more only.
    TopPWhileThinking,
}

impl fmt::Display for ReasoningProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let efforts = |list: &[Effort]| {
            list.iter()
                .map(|e| format!("\"{}\"", e.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            ReasoningProblem::CannotReason => write!(f, "the model does not reason"),
            ReasoningProblem::CannotDisable => {
                write!(f, "the model always reasons and refuses thinking switched off")
            }
            ReasoningProblem::NothingToSet => write!(
                f,
                "the model always reasons and takes no reasoning setting; remove it"
            ),
            ReasoningProblem::EffortNotAccepted { effort, accepted } => write!(
                f,
                "the model does not accept reasoning \"{}\" (it accepts {})",
                effort.as_str(),
                efforts(accepted)
            ),
            ReasoningProblem::BudgetNotAccepted => write!(
                f,
                "the model takes a reasoning effort, not a budget in tokens: use `reasoning = \"low\" | \"medium\" | \"high\" | \"max\"`"
            ),
            ReasoningProblem::BudgetBelowMinimum { budget, minimum } => write!(
                f,
                "a thinking budget of {budget} tokens is below the model's minimum of {minimum}"
            ),
            ReasoningProblem::BudgetNotBelowMaxTokens { budget, max_tokens } => write!(
                f,
                "the thinking budget ({budget} tokens) must be below `max_tokens` ({max_tokens}), which covers thinking and answer"
            ),
            ReasoningProblem::TemperatureWhileThinking => write!(
                f,
                "while the model thinks it takes `temperature` 1 only (Bedrock: \"`temperature` may only be set to 1 when thinking is enabled\")"
            ),
            ReasoningProblem::TopPWhileThinking => write!(
                f,
                "while the model thinks it takes `top_p` of 0.95 or more only (Bedrock: \"`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled\")"
            ),
            ReasoningProblem::MaxTokensWithHighEffort => write!(
                f,
                "with reasoning \"high\" the model refuses a `max_tokens` (Bedrock: \"`maxTokens` must be unset when reasoningConfig type is 'enabled' and maxReasoningEffort is 'high'\"); remove `max_tokens` or lower the effort"
            ),
        }
    }
}

impl Model {
    /// What a route's reasoning setting sends to this model, or why it cannot be used.
    /// `max_tokens` is the route's `maxTokens`, if it sets one.
    ///
    /// ```
    /// use ai_routes_catalog::{by_id, Effort, ReasoningFields, ReasoningProblem, ReasoningSetting};
    /// let sonnet45 = by_id("anthropic.claude-sonnet-4-5-20250929-v1:0").unwrap();
    /// let plan = sonnet45.reasoning_plan(ReasoningSetting::Effort(Effort::High), None).unwrap();
    /// assert_eq!(plan.fields, ReasoningFields::AnthropicEnabled { budget_tokens: 16_384 });
    /// assert!(plan.thinking && plan.forbids_forced_tool());
    /// assert_eq!(plan.max_tokens, Some(16_384 + 8_192));
    ///
    /// let sonnet5 = by_id("anthropic.claude-sonnet-5").unwrap();
    /// assert!(sonnet5.reasoning_plan(ReasoningSetting::ModelDefault, None).unwrap().thinking);
    ///
    /// let gpt_oss = by_id("openai.gpt-oss-120b-1:0").unwrap();
    /// assert_eq!(
    ///     gpt_oss.reasoning_plan(ReasoningSetting::Off, None),
    ///     Err(ReasoningProblem::CannotDisable)
    /// );
    /// ```
    pub fn reasoning_plan(
        &self,
        setting: ReasoningSetting,
        max_tokens: Option<u32>,
    ) -> Result<ReasoningPlan, ReasoningProblem> {
        let Some(facts) = self.reasoning else {
            return match setting {
                ReasoningSetting::ModelDefault | ReasoningSetting::Off => Ok(ReasoningPlan::NONE),
                _ => Err(ReasoningProblem::CannotReason),
            };
        };
        let plan = |fields, thinking| ReasoningPlan {
            fields,
            thinking,
            signed: facts.signed,
            max_tokens: None,
        };
        let effort = |effort: Effort| {
            if facts.efforts.contains(&effort) {
                Ok(effort)
            } else if facts.control == ReasoningControl::AlwaysOn {
                Err(ReasoningProblem::NothingToSet)
            } else {
                Err(ReasoningProblem::EffortNotAccepted {
                    effort,
                    accepted: facts.efforts,
                })
            }
        };
        match setting {
            ReasoningSetting::ModelDefault => Ok(plan(ReasoningFields::None, facts.on_by_default)),
            ReasoningSetting::Off if !facts.can_disable => Err(ReasoningProblem::CannotDisable),
            ReasoningSetting::Off => Ok(match facts.control {
                ReasoningControl::AnthropicAdaptive if facts.on_by_default => {
                    plan(ReasoningFields::AnthropicDisabled, false)
                }
                _ => plan(ReasoningFields::None, false),
            }),
            ReasoningSetting::Budget(budget) => match facts.control {
                ReasoningControl::AnthropicBudget => {
                    self.budget_plan(facts, budget, max_tokens, true)
                }
                ReasoningControl::AlwaysOn => Err(ReasoningProblem::NothingToSet),
                _ => Err(ReasoningProblem::BudgetNotAccepted),
            },
            ReasoningSetting::Effort(wanted) => {
                let e = effort(wanted)?;
                let fields = match facts.control {
                    ReasoningControl::AnthropicBudget => {
                        return self.budget_plan(facts, e.budget_tokens(), max_tokens, false)
                    }
                    ReasoningControl::AnthropicAdaptive => ReasoningFields::AnthropicAdaptive(e),
                    ReasoningControl::OpenAiEffort => ReasoningFields::OpenAiEffort(e),
                    ReasoningControl::QwenConfig => ReasoningFields::QwenConfig(e),
                    ReasoningControl::NovaEffort => {
                        if e == Effort::High && max_tokens.is_some() {
                            return Err(ReasoningProblem::MaxTokensWithHighEffort);
                        }
                        ReasoningFields::NovaEffort(e)
                    }
                    ReasoningControl::AlwaysOn => return Err(ReasoningProblem::NothingToSet),
                };
                Ok(plan(fields, true))
            }
        }
    }

    /// A budget plan: the budget is checked against the minimum and `max_tokens` (a budget
    /// that came from an effort shrinks to fit a declared `max_tokens`); without
    /// `max_tokens`, one is sent that leaves [`ANSWER_ROOM_TOKENS`] for the answer.
    fn budget_plan(
        &self,
        facts: ReasoningFacts,
        budget: u32,
        max_tokens: Option<u32>,
        exact: bool,
    ) -> Result<ReasoningPlan, ReasoningProblem> {
        let minimum = facts.min_budget_tokens;
        let budget = match max_tokens {
            Some(max) if !exact && budget >= max => max.saturating_sub(1).max(minimum),
            _ => budget,
        };
        if budget < minimum {
            return Err(ReasoningProblem::BudgetBelowMinimum { budget, minimum });
        }
        let limit = max_tokens.unwrap_or(self.max_output_tokens);
        if budget >= limit {
            return Err(ReasoningProblem::BudgetNotBelowMaxTokens {
                budget,
                max_tokens: limit,
            });
        }
        Ok(ReasoningPlan {
            fields: ReasoningFields::AnthropicEnabled {
                budget_tokens: budget,
            },
            thinking: true,
            signed: facts.signed,
            max_tokens: match max_tokens {
                Some(_) => None,
                None => Some((budget + ANSWER_ROOM_TOKENS).min(self.max_output_tokens)),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::by_id;

    fn model(id: &str) -> &'static Model {
        by_id(id).unwrap()
    }

    #[test]
    fn per_provider_fields() {
        let high = ReasoningSetting::Effort(Effort::High);
        let cases = [
            (
                "anthropic.claude-opus-4-7",
                ReasoningFields::AnthropicAdaptive(Effort::High),
            ),
            (
                "openai.gpt-oss-20b-1:0",
                ReasoningFields::OpenAiEffort(Effort::High),
            ),
            (
                "qwen.qwen3-32b-v1:0",
                ReasoningFields::QwenConfig(Effort::High),
            ),
        ];
        for (id, fields) in cases {
            assert_eq!(
                model(id).reasoning_plan(high, None).unwrap().fields,
                fields,
                "{id}"
            );
        }
        assert_eq!(
            model("amazon.nova-2-lite-v1:0").reasoning_plan(high, Some(1000)),
            Err(ReasoningProblem::MaxTokensWithHighEffort)
        );
        assert_eq!(
            model("amazon.nova-2-lite-v1:0")
                .reasoning_plan(ReasoningSetting::Effort(Effort::Low), Some(1000))
                .unwrap()
                .fields,
            ReasoningFields::NovaEffort(Effort::Low)
        );
    }

    #[test]
    fn switching_off() {
        let sonnet5 = model("anthropic.claude-sonnet-5");
        let off = sonnet5.reasoning_plan(ReasoningSetting::Off, None).unwrap();
        assert_eq!(off.fields, ReasoningFields::AnthropicDisabled);
        assert!(!off.thinking && !off.forbids_forced_tool());
        assert_eq!(
            model("anthropic.claude-fable-5").reasoning_plan(ReasoningSetting::Off, None),
            Err(ReasoningProblem::CannotDisable)
        );
        assert_eq!(
            model("deepseek.r1-v1:0").reasoning_plan(ReasoningSetting::Effort(Effort::Low), None),
            Err(ReasoningProblem::NothingToSet)
        );
        assert_eq!(
            model("amazon.nova-micro-v1:0")
                .reasoning_plan(ReasoningSetting::Effort(Effort::Low), None),
            Err(ReasoningProblem::CannotReason)
        );
        let sonnet45 = model("anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert!(
            !sonnet45
                .reasoning_plan(ReasoningSetting::ModelDefault, None)
                .unwrap()
                .thinking
        );
    }

    #[test]
    fn budgets() {
        let sonnet45 = model("anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert_eq!(
            sonnet45.reasoning_plan(ReasoningSetting::Budget(512), None),
            Err(ReasoningProblem::BudgetBelowMinimum {
                budget: 512,
                minimum: 1024
            })
        );
        assert_eq!(
            sonnet45.reasoning_plan(ReasoningSetting::Budget(4096), Some(4096)),
            Err(ReasoningProblem::BudgetNotBelowMaxTokens {
                budget: 4096,
                max_tokens: 4096
            })
        );
        // An effort's budget shrinks to fit the declared max_tokens.
        let plan = sonnet45
            .reasoning_plan(ReasoningSetting::Effort(Effort::High), Some(8000))
            .unwrap();
        assert_eq!(
            plan.fields,
            ReasoningFields::AnthropicEnabled {
                budget_tokens: 7999
            }
        );
        assert_eq!(plan.max_tokens, None);
        assert_eq!(
            model("anthropic.claude-sonnet-5").reasoning_plan(ReasoningSetting::Budget(2048), None),
            Err(ReasoningProblem::BudgetNotAccepted)
        );
    }
}

//! How a generation route gets a typed answer from its model: the one decision the
//! `#[generation]` macro, the runtime, `Client::check_routes` and the local stand-in share.

use crate::{Model, ToolChoiceMode};

/// How a generation route makes its model answer with JSON matching the result type.
///
/// Decided at compile time by [`Model::output_strategy`]; the route's descriptor and
/// every `Generated` say which one was used.
///
/// ```
/// use ai_routes_catalog::{by_name, OutputPreference, OutputStrategy, ToolChoiceMode};
/// let sonnet = by_name("Claude Sonnet 4.5").unwrap();
/// assert_eq!(sonnet.output_strategy(OutputPreference::Default, false), OutputStrategy::Native);
/// let nova = by_name("Nova Pro").unwrap();
/// assert_eq!(
///     nova.output_strategy(OutputPreference::Default, false),
///     OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
/// );
/// // Claude Opus 5.5 refuses a forced tool and native output is not confirmed on Bedrock.
/// let opus = by_name("Claude Opus 5.5").unwrap();
/// assert_eq!(opus.output_strategy(OutputPreference::Default, false), OutputStrategy::AutoWithInstruction);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum OutputStrategy {
    /// Native structured output: `outputConfig.textFormat` with the result's JSON schema;
    /// the answer is a text block holding the JSON.
    Native,
    /// A result tool the model is forced to call with this `toolChoice` (`Tool` or `Any`).
    ForcedTool(ToolChoiceMode),
    /// The result tool offered with `toolChoice` auto (not sent) and an instruction in the
    /// prompt to call it: for models that refuse a forced tool, or with reasoning on.
    AutoWithInstruction,
}

impl OutputStrategy {
    /// The strategy's name as a route descriptor and `Generated` report it:
    /// `"native"`, `"tool"`, `"any"` or `"auto"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputStrategy::Native => "native",
            OutputStrategy::ForcedTool(mode) => mode.as_str(),
            OutputStrategy::AutoWithInstruction => "auto",
        }
    }

    /// Whether the answer comes as a result tool call (every strategy but `Native`).
    pub fn uses_tool(self) -> bool {
        !matches!(self, OutputStrategy::Native)
    }
}

/// What a route declares about its output strategy.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum OutputPreference {
    /// Nothing: native output where the catalog says the model has it, else the strongest
    /// forced tool, else auto plus an instruction.
    Default,
    /// `output = "native"` (checked against [`Capability::NativeOutput`](crate::Capability)).
    Native,
    /// `output = "tool"`, with `tool_choice` if declared (checked against
    /// [`Capability::ToolChoice`](crate::Capability)); `None` picks the strongest.
    Tool(Option<ToolChoiceMode>),
}

impl Model {
    /// The output strategy of a generation route on this model. `reasoning` is whether the
    /// route has reasoning (thinking) on: Bedrock refuses a forced tool with thinking
    /// (*"Thinking may not be enabled when tool_choice forces tool use."*), so the tool
    /// strategies fall back to auto plus an instruction then.
    ///
    /// Does not check an explicit preference against the model: that is
    /// [`Model::supports`](crate::Model::supports) with `Capability::NativeOutput` or
    /// `Capability::ToolChoice`, whose errors and warnings the macro reports.
    pub fn output_strategy(&self, preference: OutputPreference, reasoning: bool) -> OutputStrategy {
        let tool = |mode: Option<ToolChoiceMode>| match mode.or_else(|| self.forced_tool_choice()) {
            _ if reasoning => OutputStrategy::AutoWithInstruction,
            Some(ToolChoiceMode::Auto) | None => OutputStrategy::AutoWithInstruction,
            Some(forced) => OutputStrategy::ForcedTool(forced),
        };
        match preference {
            OutputPreference::Native => OutputStrategy::Native,
            OutputPreference::Tool(mode) => tool(mode),
            OutputPreference::Default if self.native_output.is_yes() => OutputStrategy::Native,
            OutputPreference::Default => tool(None),
        }
    }
}

impl Model {
    /// Whether a tool declared strict (`#[tool(strict)]`, or every tool of a route with
    /// `strict_tools`) is sent with `strict: true` to this model: only where the catalog
    /// says the model has strict tools; elsewhere the tool is sent as usual and its input
    /// is still validated by deserialization.
    pub fn sends_strict_tools(&self) -> bool {
        self.strict_tools.is_yes()
    }
}

/// The strategy of a route whose model the catalog does not know (an unchecked
/// `model_id`): a forced `tool`, the most widely accepted way, unless declared otherwise.
pub fn unchecked_output_strategy(preference: OutputPreference) -> OutputStrategy {
    match preference {
        OutputPreference::Native => OutputStrategy::Native,
        OutputPreference::Tool(Some(ToolChoiceMode::Auto)) => OutputStrategy::AutoWithInstruction,
        OutputPreference::Tool(Some(mode)) => OutputStrategy::ForcedTool(mode),
        OutputPreference::Tool(None) | OutputPreference::Default => {
            OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{by_name, models, Fact};

    #[test]
    fn native_where_the_catalog_says_so_else_the_strongest_forced_tool() {
        for model in models() {
            let strategy = model.output_strategy(OutputPreference::Default, false);
            match model.native_output {
                Fact::Yes => assert_eq!(strategy, OutputStrategy::Native, "{}", model.id),
                _ => match model.forced_tool_choice() {
                    Some(mode) => {
                        assert_eq!(strategy, OutputStrategy::ForcedTool(mode), "{}", model.id)
                    }
                    None => {
                        assert_eq!(
                            strategy,
                            OutputStrategy::AutoWithInstruction,
                            "{}",
                            model.id
                        )
                    }
                },
            }
        }
    }

    #[test]
    fn models_that_refuse_forced_tools_get_auto_with_instruction() {
        for name in ["Claude Opus 5.5", "Claude Sonnet 5.5", "Claude Fable 5.1"] {
            let model = by_name(name).unwrap();
            assert_eq!(model.forced_tool_choice(), None, "{name}");
            assert_eq!(
                model.output_strategy(OutputPreference::Default, false),
                OutputStrategy::AutoWithInstruction,
                "{name}"
            );
        }
    }

    #[test]
    fn explicit_preferences_and_reasoning() {
        let sonnet = by_name("Claude Sonnet 4.5").unwrap();
        assert_eq!(
            sonnet.output_strategy(OutputPreference::Tool(None), false),
            OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
        );
        assert_eq!(
            sonnet.output_strategy(OutputPreference::Tool(Some(ToolChoiceMode::Any)), false),
            OutputStrategy::ForcedTool(ToolChoiceMode::Any)
        );
        // Thinking forbids a forced tool; native output combines with it.
        assert_eq!(
            sonnet.output_strategy(OutputPreference::Tool(None), true),
            OutputStrategy::AutoWithInstruction
        );
        assert_eq!(
            sonnet.output_strategy(OutputPreference::Default, true),
            OutputStrategy::Native
        );
        let nova = by_name("Nova Pro").unwrap();
        assert_eq!(
            nova.output_strategy(OutputPreference::Native, false),
            OutputStrategy::Native
        );
        assert_eq!(
            unchecked_output_strategy(OutputPreference::Default),
            OutputStrategy::ForcedTool(ToolChoiceMode::Tool)
        );
    }
}

//! The `inferenceConfig` a route declares.

use aws_sdk_bedrockruntime::types::InferenceConfiguration;

/// `None` when nothing is set, so Bedrock's model defaults apply.
pub(crate) fn inference_config(
    max_tokens: Option<i32>,
    temperature: Option<f32>,
    top_p: Option<f32>,
    stop_sequences: &[&str],
) -> Option<InferenceConfiguration> {
    let empty = max_tokens.is_none()
        && temperature.is_none()
        && top_p.is_none()
        && stop_sequences.is_empty();
    (!empty).then(|| {
        InferenceConfiguration::builder()
            .set_max_tokens(max_tokens)
            .set_temperature(temperature)
            .set_top_p(top_p)
            .set_stop_sequences(
                (!stop_sequences.is_empty())
                    .then(|| stop_sequences.iter().map(|s| s.to_string()).collect()),
            )
            .build()
    })
}

/// `"id:version"` (the id may be an ARN) as identifier and version.
pub(crate) fn split_guardrail(guardrail: &str) -> (&str, &str) {
    guardrail
        .rsplit_once(':')
        .filter(|(id, version)| !id.is_empty() && !version.is_empty())
        .unwrap_or((guardrail, "DRAFT"))
}

/// `guardrailConfig` for Converse (trace enabled, so an intervention can be explained).
pub(crate) fn guardrail_config(
    guardrail: Option<&str>,
) -> Option<aws_sdk_bedrockruntime::types::GuardrailConfiguration> {
    let (id, version) = split_guardrail(guardrail?);
    Some(
        aws_sdk_bedrockruntime::types::GuardrailConfiguration::builder()
            .guardrail_identifier(id)
            .guardrail_version(version)
            .trace(aws_sdk_bedrockruntime::types::GuardrailTrace::Enabled)
            .build(),
    )
}

/// `guardrailConfig` for ConverseStream, with `trace = "enabled"`.
pub(crate) fn guardrail_stream_config(
    guardrail: Option<&str>,
) -> Option<aws_sdk_bedrockruntime::types::GuardrailStreamConfiguration> {
    let (id, version) = split_guardrail(guardrail?);
    Some(
        aws_sdk_bedrockruntime::types::GuardrailStreamConfiguration::builder()
            .guardrail_identifier(id)
            .guardrail_version(version)
            .trace(aws_sdk_bedrockruntime::types::GuardrailTrace::Enabled)
            .build(),
    )
}

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

/// A `cachePoint` (type `default`): everything before it in the request is cached.
pub(crate) fn cache_point() -> aws_sdk_bedrockruntime::types::CachePointBlock {
    aws_sdk_bedrockruntime::types::CachePointBlock::builder()
        .r#type(aws_sdk_bedrockruntime::types::CachePointType::Default)
        .build()
        .expect("the type is set")
}

/// The system prompt blocks, with a cache point after them when the route caches.
pub(crate) fn system_blocks(
    system_prompt: Option<&str>,
    cache: bool,
) -> Option<Vec<aws_sdk_bedrockruntime::types::SystemContentBlock>> {
    use aws_sdk_bedrockruntime::types::SystemContentBlock;
    let system = system_prompt?;
    let mut blocks = vec![SystemContentBlock::Text(system.to_string())];
    if cache {
        blocks.push(SystemContentBlock::CachePoint(cache_point()));
    }
    Some(blocks)
}

/// Appends a cache point after the tools when the route caches.
pub(crate) fn cache_tools(
    mut tools: Vec<aws_sdk_bedrockruntime::types::Tool>,
    cache: bool,
) -> Vec<aws_sdk_bedrockruntime::types::Tool> {
    if cache && !tools.is_empty() {
        tools.push(aws_sdk_bedrockruntime::types::Tool::CachePoint(
            cache_point(),
        ));
    }
    tools
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

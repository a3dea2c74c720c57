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

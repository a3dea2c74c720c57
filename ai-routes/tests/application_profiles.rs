//! `invoke = "arn:…:application-inference-profile/…"`: the route keeps the named model's
//! compile-time checks and prices while calling the ARN, from the ARN's region.
#![cfg(feature = "testing")]

use ai_routes::prelude::*;
use ai_routes::testing::{LocalBedrock, Reply};
use serde_json::json;

/// The first profile a fresh stand-in in us-east-1 creates.
const PROFILE: &str =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/local00000001";

#[generation(
    model = "Claude Haiku 4.5",
    invoke = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/local00000001"
)]
async fn count(ai: &Client, text: String) -> Result<Generated<u32>>;

#[tokio::test]
async fn a_route_calls_its_application_profile_with_the_models_checks_and_prices() {
    let bedrock = LocalBedrock::start().await.unwrap();
    assert_eq!(
        bedrock
            .create_application_profile("Claude Haiku 4.5")
            .as_deref(),
        Some(PROFILE)
    );
    let info = COUNT_ROUTE.route_info();
    assert_eq!(info.invoke_id, PROFILE);
    assert_eq!(
        info.catalog_id,
        Some("anthropic.claude-haiku-4-5-20251001-v1:0")
    );
    assert_eq!(
        info.region,
        Some("us-east-1"),
        "called in the profile's region"
    );

    // A client in another region still calls the profile from its own region.
    let ai = bedrock.ai_client_in("eu-west-1");
    ai.check_routes(&[&COUNT_ROUTE]).unwrap();
    // Claude Haiku 4.5 answers natively: the JSON arrives as text.
    bedrock.push_reply(Reply::text(json!({"value": 2}).to_string()).with_usage(1000, 100));
    let generated = count(&ai, "one two".into()).await.unwrap();
    assert_eq!(generated.value, 2);
    let recorded = bedrock.last_request().unwrap();
    assert_eq!(recorded.model_id, PROFILE);
    assert_eq!(recorded.region.as_deref(), Some("us-east-1"));
    let haiku = ai_routes::catalog::by_id("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    assert!((generated.usage.cost_usd - haiku.cost_usd(1000, 100)).abs() < 1e-12);
}

#[tokio::test]
async fn the_stand_in_serves_an_application_profile_only_from_its_region() {
    let bedrock = LocalBedrock::builder()
        .region("eu-west-1")
        .start()
        .await
        .unwrap();
    let arn = bedrock.create_application_profile("Nova Micro").unwrap();
    assert!(arn.starts_with("arn:aws:bedrock:eu-west-1:"), "{arn}");
    let message = aws_sdk_bedrockruntime::types::Message::builder()
        .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
        .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
            "Hi".into(),
        ))
        .build()
        .unwrap();
    let from_eu = bedrock
        .client_in("eu-west-1")
        .converse()
        .model_id(&arn)
        .messages(message.clone())
        .send()
        .await;
    assert!(from_eu.is_ok(), "{from_eu:?}");
    let from_us = bedrock
        .client_in("us-east-1")
        .converse()
        .model_id(&arn)
        .messages(message)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(from_us.is_validation_exception(), "{from_us:?}");
}

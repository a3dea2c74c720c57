//! `ai-routes models sync`: reads the Bedrock control plane of the caller's own account
//! for each region (ListFoundationModels, ListInferenceProfiles,
//! GetFoundationModelAvailability) and returns the catalog overlay the macros read.

use std::collections::BTreeMap;
use std::time::SystemTime;

use ai_routes_catalog::{Access, Overlay, RegionModels, SyncedModel, SyncedProfile};
use aws_sdk_bedrock::types::{AuthorizationStatus, EntitlementAvailability};

/// Where and how to read the control plane.
#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    /// The regions to read (at least one).
    pub regions: Vec<String>,
    /// Another endpoint than AWS's (the local stand-in, a VPC endpoint).
    pub endpoint_url: Option<String>,
}

/// Why a sync failed, with what the control plane said.
#[derive(Debug)]
pub struct SyncError(pub String);

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SyncError {}

/// Reads every region of `options` with the default AWS credential chain.
pub async fn sync(options: &SyncOptions) -> Result<Overlay, SyncError> {
    if options.regions.is_empty() {
        return Err(SyncError(
            "name at least one region: `ai-routes models sync --region us-east-1`".into(),
        ));
    }
    let mut regions = BTreeMap::new();
    for region in &options.regions {
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .load()
            .await;
        let mut config = aws_sdk_bedrock::config::Builder::from(&shared);
        if let Some(url) = &options.endpoint_url {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_bedrock::Client::from_conf(config.build());
        regions.insert(region.clone(), read_region(&client, region).await?);
    }
    Ok(Overlay {
        synced_at: rfc3339(SystemTime::now()),
        regions,
    })
}

async fn read_region(
    client: &aws_sdk_bedrock::Client,
    region: &str,
) -> Result<RegionModels, SyncError> {
    let failed = |operation: &str, error: &dyn std::fmt::Display| {
        SyncError(format!(
            "{operation} in {region} failed: {error} (the credentials need bedrock:{operation})"
        ))
    };
    let listed = client.list_foundation_models().send().await.map_err(|e| {
        failed(
            "ListFoundationModels",
            &aws_sdk_bedrock::error::DisplayErrorContext(e),
        )
    })?;
    let mut models = Vec::new();
    for summary in listed.model_summaries() {
        let id = summary.model_id().to_string();
        let availability = client
            .get_foundation_model_availability()
            .model_id(&id)
            .send()
            .await;
        let access = match availability {
            Ok(a) => {
                let authorized = a.authorization_status() == &AuthorizationStatus::Authorized;
                let entitled = a.entitlement_availability() == &EntitlementAvailability::Available;
                if authorized && entitled {
                    Access::Granted
                } else {
                    Access::NotGranted
                }
            }
            // Availability is per model and may be denied by IAM alone: the model stays
            // usable, unchecked.
            Err(_) => Access::Unknown,
        };
        models.push(SyncedModel {
            id,
            name: summary.model_name().unwrap_or_default().to_string(),
            provider: summary.provider_name().unwrap_or_default().to_string(),
            input_modalities: summary
                .input_modalities()
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
            output_modalities: summary
                .output_modalities()
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
            streaming: summary.response_streaming_supported().unwrap_or(false),
            inference_types: summary
                .inference_types_supported()
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
            lifecycle: summary
                .model_lifecycle()
                .map(|l| l.status().as_str().to_string())
                .unwrap_or_else(|| "ACTIVE".into()),
            access,
        });
    }
    let mut profiles = Vec::new();
    let mut pages = client.list_inference_profiles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            failed(
                "ListInferenceProfiles",
                &aws_sdk_bedrock::error::DisplayErrorContext(e),
            )
        })?;
        for profile in page.inference_profile_summaries() {
            // The models a system profile routes to are one foundation model in several
            // regions: its id is the ARN's last part.
            let model_id = profile
                .models()
                .iter()
                .filter_map(|m| m.model_arn())
                .filter_map(|arn| arn.rsplit_once('/').map(|(_, id)| id.to_string()))
                .next();
            if let Some(model_id) = model_id {
                profiles.push(SyncedProfile {
                    id: profile.inference_profile_id().to_string(),
                    model_id,
                });
            }
        }
    }
    Ok(RegionModels { models, profiles })
}

/// RFC 3339, e.g. `2026-12-01T04:50:00Z`.
fn rfc3339(time: SystemTime) -> String {
    use aws_sdk_bedrock::primitives::{DateTime, DateTimeFormat};
    DateTime::from(time)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| "unknown".into())
}

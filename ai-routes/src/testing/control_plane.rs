//! The Bedrock control-plane operations `ai-routes models sync` reads, served from the
//! catalog for the caller's region: ListFoundationModels, GetFoundationModel,
//! ListInferenceProfiles and GetFoundationModelAvailability (restJson1, as
//! `aws-sdk-bedrock` speaks it). A test can deny the account access to a model and offer
//! models the catalog does not know yet, as AWS does the day it ships one.

use std::sync::Arc;

use ai_routes_catalog::{Lifecycle, Modality, Model};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::server::{signing_region, Shared};

/// A model the stand-in's control plane lists although the catalog does not know it (a
/// model AWS shipped after this release of ai-routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedModel {
    /// The model id (`provider.name-v1:0`).
    pub id: String,
    /// The display name.
    pub name: String,
    /// The provider's name.
    pub provider: String,
    /// Input modalities as AWS spells them (`TEXT`, `IMAGE`, ...).
    pub input_modalities: Vec<String>,
    /// Output modalities (`TEXT`, ...).
    pub output_modalities: Vec<String>,
    /// Whether ConverseStream serves it.
    pub streaming: bool,
}

impl OfferedModel {
    /// A text-in, text-out model with streaming.
    pub fn text(
        id: impl Into<String>,
        name: impl Into<String>,
        provider: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            provider: provider.into(),
            input_modalities: vec!["TEXT".into()],
            output_modalities: vec!["TEXT".into()],
            streaming: true,
        }
    }
}

fn region_of(shared: &Shared, headers: &HeaderMap) -> String {
    signing_region(headers).unwrap_or_else(|| shared.default_region.clone())
}

fn modality(m: Modality) -> &'static str {
    match m {
        Modality::Text => "TEXT",
        Modality::Image => "IMAGE",
        Modality::Document => "TEXT",
        Modality::Video => "VIDEO",
        Modality::Audio => "AUDIO",
    }
}

/// The catalog models offered in `region` (on demand or through a profile), not past their
/// end of life.
fn served_in(region: &str) -> impl Iterator<Item = &'static Model> + '_ {
    ai_routes_catalog::models()
        .iter()
        .filter(move |m| m.available_in(region) && !matches!(m.lifecycle(), Lifecycle::Eol))
}

fn summary(model: &Model, region: &str) -> Value {
    let mut input: Vec<&str> = model
        .input_modalities
        .iter()
        .map(|m| modality(*m))
        .collect();
    input.dedup();
    let mut inference = Vec::new();
    if model.on_demand_in(region) {
        inference.push("ON_DEMAND");
    }
    if !model.profiles_for_region(region).is_empty() {
        inference.push("INFERENCE_PROFILE");
    }
    json!({
        "modelArn": format!("arn:aws:bedrock:{region}::foundation-model/{}", model.id),
        "modelId": model.id,
        "modelName": model.name,
        "providerName": model.provider,
        "inputModalities": input,
        "outputModalities": model.output_modalities.iter().map(|m| modality(*m)).collect::<Vec<_>>(),
        "responseStreamingSupported": !model.converse_stream.is_no(),
        "customizationsSupported": [],
        "inferenceTypesSupported": inference,
        "modelLifecycle": {"status": if matches!(model.lifecycle(), Lifecycle::Legacy) { "LEGACY" } else { "ACTIVE" }},
    })
}

fn offered_summary(model: &OfferedModel, region: &str) -> Value {
    json!({
        "modelArn": format!("arn:aws:bedrock:{region}::foundation-model/{}", model.id),
        "modelId": model.id,
        "modelName": model.name,
        "providerName": model.provider,
        "inputModalities": model.input_modalities,
        "outputModalities": model.output_modalities,
        "responseStreamingSupported": model.streaming,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND"],
        "modelLifecycle": {"status": "ACTIVE"},
    })
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn not_found(message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            ("content-type", "application/json"),
            ("x-amzn-errortype", "ResourceNotFoundException"),
        ],
        json!({"message": message}).to_string(),
    )
        .into_response()
}

/// `GET /foundation-models`.
pub(crate) async fn list_foundation_models(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let region = region_of(&shared, &headers);
    let mut summaries: Vec<Value> = served_in(&region).map(|m| summary(m, &region)).collect();
    let offered = shared.control.lock().expect("control plane lock");
    summaries.extend(offered.offered.iter().map(|m| offered_summary(m, &region)));
    ok(json!({"modelSummaries": summaries}))
}

/// `GET /foundation-models/{modelIdentifier}`.
pub(crate) async fn get_foundation_model(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let region = region_of(&shared, &headers);
    let offered = shared.control.lock().expect("control plane lock");
    if let Some(model) = offered.offered.iter().find(|m| m.id == id) {
        return ok(json!({"modelDetails": offered_summary(model, &region)}));
    }
    let found = served_in(&region).find(|m| m.id == id);
    match found {
        Some(model) => ok(json!({"modelDetails": summary(model, &region)})),
        None => not_found(format!(
            "Could not resolve the foundation model from the provided model identifier. {id}"
        )),
    }
}

/// `GET /inference-profiles`.
pub(crate) async fn list_inference_profiles(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let region = region_of(&shared, &headers);
    let profiles: Vec<Value> = ai_routes_catalog::models()
        .iter()
        .filter(|m| !matches!(m.lifecycle(), Lifecycle::Eol))
        .flat_map(|m| m.profiles_for_region(&region).into_iter().map(move |p| (m, p)))
        .map(|(model, profile)| {
            json!({
                "inferenceProfileName": format!("{} {}", profile.scope.prefix().to_uppercase(), model.name),
                "inferenceProfileArn": format!("arn:aws:bedrock:{region}:123456789012:inference-profile/{}", profile.id),
                "inferenceProfileId": profile.id,
                "models": profile.source_regions.iter().map(|r| json!({
                    "modelArn": format!("arn:aws:bedrock:{r}::foundation-model/{}", model.id)
                })).collect::<Vec<_>>(),
                "status": "ACTIVE",
                "type": "SYSTEM_DEFINED",
            })
        })
        .collect();
    ok(json!({"inferenceProfileSummaries": profiles}))
}

/// `GET /foundation-model-availability/{modelId}`.
pub(crate) async fn get_foundation_model_availability(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let region = region_of(&shared, &headers);
    let control = shared.control.lock().expect("control plane lock");
    let known =
        control.offered.iter().any(|m| m.id == id) || served_in(&region).any(|m| m.id == id);
    if !known {
        return not_found(format!(
            "Could not resolve the foundation model from the provided model identifier. {id}"
        ));
    }
    let denied = control.denies(&id, &region);
    ok(json!({
        "modelId": id,
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": if denied { "NOT_AUTHORIZED" } else { "AUTHORIZED" },
        "entitlementAvailability": if denied { "NOT_AVAILABLE" } else { "AVAILABLE" },
        "regionAvailability": "AVAILABLE",
    }))
}

/// What a test changed in the control plane.
#[derive(Debug, Default)]
pub(crate) struct ControlPlane {
    /// Models listed besides the catalog's.
    pub offered: Vec<OfferedModel>,
    /// Models the account may not invoke: `(model id, region or every region)`.
    pub denied: Vec<(String, Option<String>)>,
}

impl ControlPlane {
    /// Whether `model_id` is a model offered beyond the catalog.
    pub(crate) fn offers(&self, model_id: &str) -> bool {
        self.offered.iter().any(|m| m.id == model_id)
    }

    /// Whether the account may not invoke `model_id` in `region`.
    pub(crate) fn denies(&self, model_id: &str, region: &str) -> bool {
        self.denied
            .iter()
            .any(|(model, r)| model == model_id && r.as_deref().is_none_or(|r| r == region))
    }
}

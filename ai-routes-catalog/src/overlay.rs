//! The catalog overlay: what `ai-routes models sync` read from the Bedrock control plane of
//! the user's own account, per region (ListFoundationModels, ListInferenceProfiles,
//! GetFoundationModelAvailability), written to `.ai-routes/models.json` in their workspace
//! and checked into their repository, like sqlx's offline query data. The macros read it
//! when it is there: a model AWS shipped after this release becomes usable by name, and a
//! model the account has not been granted access to in a region is a compile error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{
    Confidence, Endpoint, Fact, InferenceProfile, Lifecycle, Modality, Model, ProfileScope,
};

/// The overlay file, relative to the workspace root.
pub const OVERLAY_FILE: &str = ".ai-routes/models.json";
/// An environment variable naming the overlay file, overriding the search.
pub const OVERLAY_ENV: &str = "AI_ROUTES_MODELS";

/// What `ai-routes models sync` wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// When the account was read (RFC 3339).
    pub synced_at: String,
    /// What each synced region offers the account.
    pub regions: BTreeMap<String, RegionModels>,
}

/// What one region offers the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionModels {
    /// The foundation models listed in the region.
    pub models: Vec<SyncedModel>,
    /// The system-defined inference profiles callable from the region.
    #[serde(default)]
    pub profiles: Vec<SyncedProfile>,
}

/// A foundation model as the control plane lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedModel {
    /// The model id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The provider.
    pub provider: String,
    /// `TEXT`, `IMAGE`, ... as AWS spells them.
    pub input_modalities: Vec<String>,
    /// `TEXT`, `IMAGE`, `EMBEDDING`, ...
    pub output_modalities: Vec<String>,
    /// `responseStreamingSupported`.
    pub streaming: bool,
    /// `ON_DEMAND`, `INFERENCE_PROFILE`, `PROVISIONED`.
    pub inference_types: Vec<String>,
    /// `ACTIVE` or `LEGACY`.
    pub lifecycle: String,
    /// Whether the account may invoke it here.
    pub access: Access,
}

/// A system-defined inference profile and the model it routes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedProfile {
    /// The profile id (`us.anthropic...`).
    pub id: String,
    /// The foundation model id it routes to.
    pub model_id: String,
}

/// Whether the account may invoke a model (GetFoundationModelAvailability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// `authorizationStatus: AUTHORIZED` and the entitlement is available.
    Granted,
    /// Access has not been granted (or the entitlement is not available).
    NotGranted,
    /// The availability could not be read.
    Unknown,
}

impl Overlay {
    /// Parses an overlay file's text.
    pub fn parse(text: &str) -> Result<Overlay, String> {
        serde_json::from_str(text).map_err(|e| format!("not an ai-routes model overlay: {e}"))
    }

    /// The overlay as JSON, as `ai-routes models sync` writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("an overlay serializes")
    }

    /// Where the overlay of a crate is: `$AI_ROUTES_MODELS` when set, else the first
    /// `.ai-routes/models.json` in `manifest_dir` or a directory above it (the workspace
    /// root), if any.
    pub fn locate(manifest_dir: &Path) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(OVERLAY_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        manifest_dir
            .ancestors()
            .map(|dir| dir.join(OVERLAY_FILE))
            .find(|path| path.is_file())
    }

    /// Whether the account may invoke `model_id` in `region`; `None` when the region was
    /// not synced or does not list the model.
    pub fn access(&self, model_id: &str, region: &str) -> Option<Access> {
        self.regions
            .get(region)?
            .models
            .iter()
            .find(|m| m.id == model_id)
            .map(|m| m.access)
    }

    /// The synced regions.
    pub fn synced_regions(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
    }

    /// A model the account's control plane lists but the catalog does not know, by id or
    /// (case-insensitive) name, as a catalog [`Model`] whose capabilities beyond its
    /// modalities and streaming are unknown (so checks that need them warn instead of
    /// failing). Leaked: made once per compilation by the macros.
    pub fn new_model(&self, name_or_id: &str) -> Option<&'static Model> {
        let wanted = name_or_id.trim();
        let synced = self
            .regions
            .values()
            .flat_map(|r| &r.models)
            .find(|m| m.id == wanted || m.name.eq_ignore_ascii_case(wanted))?;
        if crate::by_id(&synced.id).is_some() {
            return None;
        }
        Some(Box::leak(Box::new(self.model_of(synced))))
    }

    fn model_of(&self, synced: &SyncedModel) -> Model {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        let listing = |types: &str| -> Vec<&'static str> {
            self.regions
                .iter()
                .filter(|(_, r)| {
                    r.models
                        .iter()
                        .any(|m| m.id == synced.id && m.inference_types.iter().any(|t| t == types))
                })
                .map(|(region, _)| leak(region))
                .collect()
        };
        let on_demand = listing("ON_DEMAND");
        let profile_only: Vec<&'static str> = listing("INFERENCE_PROFILE")
            .into_iter()
            .filter(|r| !on_demand.contains(r))
            .collect();
        let mut profiles: Vec<InferenceProfile> = Vec::new();
        for (region, models) in &self.regions {
            for profile in models.profiles.iter().filter(|p| p.model_id == synced.id) {
                let Some(scope) = ProfileScope::ALL
                    .into_iter()
                    .find(|s| profile.id.starts_with(&format!("{}.", s.prefix())))
                else {
                    continue;
                };
                match profiles.iter_mut().find(|p| p.id == profile.id) {
                    Some(known) => {
                        let mut regions = known.source_regions.to_vec();
                        regions.push(leak(region));
                        known.source_regions = Box::leak(regions.into_boxed_slice());
                    }
                    None => profiles.push(InferenceProfile {
                        id: leak(&profile.id),
                        scope,
                        model_id: leak(&synced.id),
                        source_regions: Box::leak(vec![leak(region)].into_boxed_slice()),
                    }),
                }
            }
        }
        let modalities = |names: &[String]| -> &'static [Modality] {
            let list: Vec<Modality> = names
                .iter()
                .filter_map(|n| match n.as_str() {
                    "TEXT" => Some(Modality::Text),
                    "IMAGE" => Some(Modality::Image),
                    "VIDEO" => Some(Modality::Video),
                    "AUDIO" | "SPEECH" => Some(Modality::Audio),
                    _ => None,
                })
                .collect();
            Box::leak(list.into_boxed_slice())
        };
        let input = modalities(&synced.input_modalities);
        let name = leak(&synced.name);
        Model {
            id: leak(&synced.id),
            provider: leak(&synced.provider),
            name,
            endpoint: Endpoint::Converse,
            friendly_names: Box::leak(vec![name].into_boxed_slice()),
            amplify_name: None,
            input_modalities: input,
            output_modalities: modalities(&synced.output_modalities),
            converse: Fact::Unknown,
            converse_stream: if synced.streaming { Fact::Yes } else { Fact::No },
            system_prompt: Fact::Unknown,
            tool_use: Fact::Unknown,
            streaming_tool_use: Fact::Unknown,
            document_chat: Fact::Unknown,
            vision: if input.contains(&Modality::Image) {
                Fact::Yes
            } else {
                Fact::No
            },
            guardrails: Fact::Unknown,
            tool_choice: &[],
            tool_choice_known: false,
            features_confidence: Confidence::Low,
            // Not in the control plane: no limit is enforced at compile time.
            context_window: u32::MAX,
            max_output_tokens: u32::MAX,
            temperature_range: Some((0.0, 2.0)),
            temperature_default: None,
            top_p_supported: true,
            top_p_range: Some((0.0, 1.0)),
            top_p_default: None,
            temperature_top_p_exclusive: false,
            on_demand: !on_demand.is_empty(),
            regions: Box::leak(on_demand.into_boxed_slice()),
            profile_only_regions: Box::leak(profile_only.into_boxed_slice()),
            region_data_known: true,
            inference_profiles: Box::leak(profiles.into_boxed_slice()),
            price_input_per_1k_usd: 0.0,
            price_output_per_1k_usd: 0.0,
            price_known: false,
            undated_status: if synced.lifecycle == "LEGACY" {
                Lifecycle::Legacy
            } else {
                Lifecycle::Active
            },
            legacy_date: None,
            eol_date: None,
            reported_eol_date: None,
            successor: None,
            sources: Box::leak(
                vec![leak(&format!(
                    "ai-routes models sync of this account at {} (ListFoundationModels, ListInferenceProfiles)",
                    self.synced_at
                ))]
                .into_boxed_slice(),
            ),
            confidence_notes: Box::leak(
                vec!["from the account's control plane only: capabilities beyond modalities and streaming, limits and prices are unknown"]
                    .into_boxed_slice(),
            ),
            prompt_cache: None,
            service_tiers: &[],
            reasoning: None,
            native_output: Fact::Unknown,
            strict_tools: Fact::Unknown,
        }
    }
}

/// The Bedrock console page where an account requests access to models in `region`.
pub fn model_access_console(region: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/bedrock/home?region={region}#/modelaccess")
}

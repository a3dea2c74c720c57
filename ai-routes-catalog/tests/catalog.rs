//! Catalog lookups and whole-table consistency checks.

use std::collections::{HashMap, HashSet};

use ai_routes_catalog::*;

/// The Amplify `a.ai.model()` table (aws-amplify/amplify-data
/// `packages/data-schema/src/ai/ModelType.ts` @e8f46592):
/// friendly name -> Amplify's resource path.
const AMPLIFY: &[(&str, &str)] = &[
    ("Amazon Nova Pro", "amazon.nova-pro-v1:0"),
    ("Amazon Nova Lite", "amazon.nova-lite-v1:0"),
    ("Amazon Nova Micro", "amazon.nova-micro-v1:0"),
    ("Claude 3 Haiku", "anthropic.claude-3-haiku-20240307-v1:0"),
    ("Claude 3 Opus", "anthropic.claude-3-opus-20240229-v1:0"),
    ("Claude 3 Sonnet", "anthropic.claude-3-sonnet-20240229-v1:0"),
    (
        "Claude 3.5 Haiku",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
    ),
    (
        "Claude 3.5 Sonnet",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    ),
    (
        "Claude 3.5 Sonnet v2",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
    ),
    (
        "Claude 3.7 Sonnet",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
    ),
    ("Claude Opus 4", "anthropic.claude-opus-4-20250514-v1:0"),
    ("Claude Sonnet 4", "anthropic.claude-sonnet-4-20250514-v1:0"),
    (
        "Claude Haiku 4.5",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ),
    (
        "Claude Sonnet 4.5",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ),
    (
        "Claude Opus 4.5",
        "global.anthropic.claude-opus-4-5-20251101-v1:0",
    ),
    ("Claude Sonnet 4.6", "global.anthropic.claude-sonnet-4-6"),
    ("Claude Opus 4.6", "global.anthropic.claude-opus-4-6-v1"),
    ("Cohere Command R", "cohere.command-r-v1:0"),
    ("Cohere Command R+", "cohere.command-r-plus-v1:0"),
    ("Llama 3.1 8B Instruct", "meta.llama3-1-8b-instruct-v1:0"),
    ("Llama 3.1 70B Instruct", "meta.llama3-1-70b-instruct-v1:0"),
    (
        "Llama 3.1 405B Instruct",
        "meta.llama3-1-405b-instruct-v1:0",
    ),
    ("Mistral Large", "mistral.mistral-large-2402-v1:0"),
    ("Mistral Large 2", "mistral.mistral-large-2407-v1:0"),
    ("Mistral Small", "mistral.mistral-small-2402-v1:0"),
];

/// The date lifecycle assertions are made on (the day after the audit's report).
fn audit_day() -> Date {
    Date::parse("2026-12-01").unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn m(id: &str) -> &'static Model {
    by_id(id).unwrap_or_else(|| panic!("{id} missing"))
}

// ---------------------------------------------------------------- lookups

#[test]
fn table_size() {
    // 94 seed models + 17 missing Converse models + 5 OpenAI-compatible-only GPT-5.x.
    assert_eq!(models().len(), 116);
}

#[test]
fn lookup_by_id() {
    let h = m("anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(h.name, "Claude 3 Haiku");
    assert_eq!(h.provider, "Anthropic");
    assert!(by_id("anthropic.claude-3-haiku").is_none());
    assert!(by_id("ANTHROPIC.CLAUDE-3-HAIKU-20240307-V1:0").is_none());
}

#[test]
fn lookup_by_profile_id() {
    let (p, model) = profile("us.anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    assert_eq!(p.scope, ProfileScope::Us);
    assert_eq!(model.id, "anthropic.claude-3-haiku-20240307-v1:0");

    let r = resolve("global.anthropic.claude-opus-4-6-v1").unwrap();
    assert_eq!(r.model.id, "anthropic.claude-opus-4-6-v1");
    assert_eq!(r.invoke_id, "global.anthropic.claude-opus-4-6-v1");
    match r.via {
        ResolvedVia::InferenceProfile(p) => assert_eq!(p.scope, ProfileScope::Global),
        other => panic!("{other:?}"),
    }
    assert!(profile("xx.anthropic.claude-3-haiku-20240307-v1:0").is_none());
}

#[test]
fn lookup_by_arn() {
    let r = resolve("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0").unwrap();
    assert_eq!(r.model.id, "amazon.nova-pro-v1:0");
    assert_eq!(r.invoke_id, "amazon.nova-pro-v1:0");
    assert_eq!(r.via, ResolvedVia::ModelId);

    let r = resolve(
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
    )
    .unwrap();
    assert_eq!(r.model.id, "anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(r.invoke_id, "eu.anthropic.claude-3-haiku-20240307-v1:0");
    assert!(matches!(r.via, ResolvedVia::InferenceProfile(p) if p.scope == ProfileScope::Eu));

    // Wrong kind / unknown IDs / application profiles do not resolve.
    assert!(
        resolve("arn:aws:bedrock:us-east-1::foundation-model/eu.amazon.nova-pro-v1:0").is_none()
    );
    assert!(resolve("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc123").is_none());
    assert!(resolve("arn:aws:bedrock:us-east-1::foundation-model/nope").is_none());
}

#[test]
fn every_amplify_name_resolves_case_insensitively() {
    for (name, amplify_path) in AMPLIFY {
        for variant in [
            name.to_string(),
            name.to_lowercase(),
            name.to_uppercase(),
            format!("  {}  ", name.replace(' ', "   ")),
        ] {
            let r = resolve(&variant).unwrap_or_else(|| panic!("{variant:?} does not resolve"));
            assert_eq!(r.via, ResolvedVia::Name, "{variant}");
            let expected_model = amplify_path.strip_prefix("global.").unwrap_or(amplify_path);
            assert_eq!(r.model.id, expected_model, "{variant}");
            assert_eq!(r.model.amplify_name, Some(*name));
            assert!(by_name(&variant).is_some());
        }
    }
}

#[test]
fn amplify_global_names_invoke_the_global_profile() {
    for (name, path) in AMPLIFY.iter().filter(|(_, p)| p.starts_with("global.")) {
        let r = resolve(name).unwrap();
        assert_eq!(r.invoke_id, *path, "{name}");
        assert!(!r.requires_profile());
    }
}

#[test]
fn name_resolution_prefers_on_demand_then_global() {
    // On demand: bare ID, as Amplify does.
    let r = resolve("Amazon Nova Micro").unwrap();
    assert_eq!(r.invoke_id, "amazon.nova-micro-v1:0");
    // Amplify sends the bare ID for Sonnet 4, which is profile-only: improved to global.
    let r = resolve("Claude Sonnet 4").unwrap();
    assert_eq!(
        r.invoke_id,
        "global.anthropic.claude-sonnet-4-20250514-v1:0"
    );
    // Profile-only, no global profile: bare ID and the caller must pick a profile.
    let r = resolve("Llama 4 Scout 17B Instruct").unwrap();
    assert_eq!(r.invoke_id, "meta.llama4-scout-17b-instruct-v1:0");
    assert!(r.requires_profile());
    assert!(!r.model.inference_profiles.is_empty());
}

#[test]
fn human_names_also_resolve() {
    assert_eq!(by_name("nova micro").unwrap().id, "amazon.nova-micro-v1:0");
    assert_eq!(
        by_name("mistral large (24.02)").unwrap().id,
        "mistral.mistral-large-2402-v1:0"
    );
    assert_eq!(by_name("deepseek-r1").unwrap().id, "deepseek.r1-v1:0");
    assert!(by_name("").is_none());
    assert!(by_name("Claude 9").is_none());
}

// ------------------------------------------------------------ suggestions

#[test]
fn suggestions() {
    assert_eq!(suggest("Claude 3.5 Haikuu", 3)[0], "Claude 3.5 Haiku");
    assert_eq!(suggest("claude 3.5 sonet", 3)[0], "Claude 3.5 Sonnet");
    assert_eq!(
        suggest("anthropic.claude-3-haiku", 3)[0],
        "anthropic.claude-3-haiku-20240307-v1:0"
    );
    assert_eq!(suggest("amazon.nova-pro", 1), ["amazon.nova-pro-v1:0"]);
    assert!(suggest("zzzz", 5).is_empty());
    assert!(suggest("", 5).is_empty());
    assert!(suggest("Claude 3.5 Haiku", 0).is_empty());
    assert!(suggest("qwertyuiop asdfghjkl", 5).is_empty());
    assert!(suggest("Claude", 4).len() <= 4);
    let s = suggest("nova", 10);
    assert!(s.iter().all(|c| c.to_lowercase().contains("nova")), "{s:?}");
}

// ------------------------------------------------------------ real values

#[test]
fn known_values() {
    let haiku3 = m("anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(haiku3.price_input_per_1k_usd, 0.00025);
    assert_eq!(haiku3.price_output_per_1k_usd, 0.00125);
    assert!((haiku3.cost_usd(2_000, 1_000) - 0.00175).abs() < 1e-12);
    assert_eq!(haiku3.forced_tool_choice(), Some(ToolChoiceMode::Tool));
    assert_eq!(haiku3.lifecycle_on(audit_day()), Lifecycle::Eol);
    assert_eq!(haiku3.lifecycle_on(day("2026-09-09")), Lifecycle::Legacy);
    assert_eq!(haiku3.eol_date, Some(day("2026-09-10")));
    assert!(haiku3.on_demand_in("us-east-1"));
    assert!(!haiku3.on_demand_in("us-east-2"));
    assert!(haiku3.available_in("us-east-2"), "via us. profile");
    assert!(!haiku3.available_in("mars-central-1"));

    let micro = m("amazon.nova-micro-v1:0");
    assert!(micro.document_chat.is_no());
    assert!(!micro.accepts_input(Modality::Document));
    assert!(micro.vision.is_no());
    assert!(micro.supports_tool_choice(ToolChoiceMode::Tool));

    for id in [
        "amazon.titan-text-express-v1",
        "amazon.titan-text-lite-v1",
        "amazon.titan-text-premier-v1:0",
    ] {
        let t = m(id);
        assert!(t.system_prompt.is_no(), "{id}");
        assert!(t.tool_use.is_no(), "{id}");
        // Audit row 2: Titan Text Express and Lite reached end of life (was Legacy).
        assert_eq!(t.lifecycle_on(audit_day()), Lifecycle::Eol, "{id}");
    }

    let large = m("mistral.mistral-large-2402-v1:0");
    assert_eq!(
        large.tool_choice,
        &[ToolChoiceMode::Auto, ToolChoiceMode::Any]
    );
    assert_eq!(large.forced_tool_choice(), Some(ToolChoiceMode::Any));
    assert!(large.tool_use.is_yes() && large.streaming_tool_use.is_no());

    let llama31 = m("meta.llama3-1-70b-instruct-v1:0");
    assert_eq!(llama31.tool_choice, &[ToolChoiceMode::Auto]);
    assert_eq!(llama31.forced_tool_choice(), None);

    let r1 = m("deepseek.r1-v1:0");
    assert!(r1.tool_use.is_no());
    assert!(!r1.on_demand);

    let h35 = m("anthropic.claude-3-5-haiku-20241022-v1:0");
    assert!(h35.vision.is_no(), "Bedrock: text-only input (no images)");
    assert!(!h35.accepts_input(Modality::Image));

    // Curated override (data/overrides.json): AWS lists text-only input.
    let ministral = m("mistral.ministral-3-8b-instruct");
    assert!(ministral.vision.is_no());
    assert!(ministral
        .sources
        .iter()
        .any(|s| s.starts_with("override: ")));

    let sonnet45 = m("anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert!(sonnet45.temperature_top_p_exclusive);
    assert!(!sonnet45.on_demand);
    assert!(!sonnet45.on_demand_in("us-east-1"));
    assert!(sonnet45.available_in("us-east-1"));
    assert_eq!(
        sonnet45
            .profiles_for_region("us-east-1")
            .last()
            .unwrap()
            .scope,
        ProfileScope::Global
    );
    assert_eq!(
        sonnet45.profiles_for_region("us-east-1")[0].id,
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );

    let opus47 = m("anthropic.claude-opus-4-7");
    assert_eq!(opus47.temperature_range, None);
    assert!(!opus47.top_p_supported);

    // Claude 3.7 Sonnet: on demand only in eu-west-2 and us-gov-west-1.
    let s37 = m("anthropic.claude-3-7-sonnet-20250219-v1:0");
    assert!(s37.on_demand_in("eu-west-2"));
    assert!(!s37.on_demand_in("us-east-1"));

    // Unknown is not false (audit rows 5, 20): Qwen3's system prompt and toolChoice
    // variants are unknown, not "no".
    let qwen = m("qwen.qwen3-32b-v1:0");
    assert_eq!(qwen.system_prompt, Fact::Unknown);
    assert_eq!(qwen.supports(Capability::SystemPrompt), Support::Unknown);
    assert!(!qwen.tool_choice_known);
    let devstral = m("mistral.devstral-2-123b");
    assert_eq!(
        devstral.supports(Capability::ToolChoice(ToolChoiceMode::Any)),
        Support::Unknown
    );

    // Null mapping: Devstral 2 has no Region data at all.
    let dev = m("mistral.devstral-2-123b");
    assert!(!dev.region_data_known);
    assert!(!dev.on_demand);
    assert!(dev
        .confidence_notes
        .iter()
        .any(|n| n.contains("`on_demand` unknown")));

    // Null price.
    let c2 = m("anthropic.claude-v2");
    assert!(!c2.price_known);
    assert_eq!(c2.cost_usd(1000, 1000), 0.0);

    // Cohere "limited" Converse support maps to false.
    assert!(m("cohere.command-text-v14").converse.is_no());
    // Cohere R: tool use but send no toolChoice.
    let cr = m("cohere.command-r-v1:0");
    assert!(cr.tool_choice.is_empty());
    assert_eq!(cr.forced_tool_choice(), None);
}

#[test]
fn families_are_covered() {
    let names: Vec<&str> = models().iter().map(|m| m.name).collect();
    for needle in [
        "Claude 3 Haiku",
        "Claude 3.5 Sonnet",
        "Claude 3.7 Sonnet",
        "Claude Sonnet 4",
        "Claude Opus 4.1",
        "Claude Sonnet 4.5",
        "Claude Opus 4.6",
        "Nova Micro",
        "Nova Lite",
        "Nova Pro",
        "Nova Premier",
        "Titan Text G1 - Express",
        "Llama 3 8B Instruct",
        "Llama 3.1 405B Instruct",
        "Llama 3.2 90B Instruct",
        "Llama 3.3 70B Instruct",
        "Llama 4 Maverick 17B Instruct",
        "Mistral 7B Instruct",
        "Mixtral 8x7B Instruct",
        "Mistral Small (24.02)",
        "Mistral Large (24.02)",
        "Mistral Large 2 (24.07)",
        "Pixtral Large (25.02)",
        "Command R",
        "Command R+",
        "Jamba 1.5 Large",
        "DeepSeek-R1",
    ] {
        assert!(names.contains(&needle), "{needle} missing");
    }
}

// ------------------------------------------------------------ consistency

#[test]
fn no_duplicate_ids() {
    let mut seen = HashSet::new();
    for model in models() {
        assert!(seen.insert(model.id), "duplicate id {}", model.id);
        for p in model.inference_profiles {
            assert!(seen.insert(p.id), "duplicate profile id {}", p.id);
        }
    }
}

#[test]
fn no_name_collides_across_models() {
    let mut owner: HashMap<String, &str> = HashMap::new();
    for model in models() {
        let names = std::iter::once(model.name).chain(model.friendly_names.iter().copied());
        for n in names {
            let key = n.to_lowercase();
            if let Some(prev) = owner.insert(key.clone(), model.id) {
                assert_eq!(prev, model.id, "name {n:?} used by {prev} and {}", model.id);
            }
            // A name must never look like an ID (would shadow resolve order).
            assert!(by_id(n).is_none() && profile(n).is_none(), "{n}");
        }
        assert!(model.friendly_names.contains(&model.name));
        if let Some(a) = model.amplify_name {
            assert!(model.friendly_names.contains(&a));
        }
    }
}

#[test]
fn profiles_are_consistent() {
    for model in models() {
        for p in model.inference_profiles {
            assert_eq!(p.model_id, model.id);
            assert!(by_id(p.model_id).is_some());
            assert_eq!(
                p.id,
                format!("{}.{}", p.scope.prefix(), model.id),
                "prefix must match scope"
            );
            assert_eq!(ProfileScope::from_profile_id(p.id), Some(p.scope));
            assert!(!p.source_regions.is_empty(), "{}", p.id);
            for r in p.source_regions {
                let gov = r.starts_with("us-gov-");
                match p.scope {
                    ProfileScope::UsGov => assert!(gov, "{} {r}", p.id),
                    ProfileScope::Us => assert!(r.starts_with("us-") && !gov, "{} {r}", p.id),
                    ProfileScope::Eu => assert!(r.starts_with("eu-"), "{} {r}", p.id),
                    ProfileScope::Apac => assert!(r.starts_with("ap-"), "{} {r}", p.id),
                    ProfileScope::Jp => assert!(r.starts_with("ap-northeast-"), "{} {r}", p.id),
                    ProfileScope::Au => assert!(r.starts_with("ap-southeast-"), "{} {r}", p.id),
                    ProfileScope::Ca => assert!(r.starts_with("ca-"), "{} {r}", p.id),
                    ProfileScope::Global => assert!(!gov, "{} {r}", p.id),
                }
                assert!(model.available_in(r));
            }
            let (found, owner) = profile(p.id).unwrap();
            assert_eq!(found, p);
            assert_eq!(owner.id, model.id);
        }
    }
}

#[test]
fn limits_prices_and_ranges_are_sane() {
    for model in models() {
        let id = model.id;
        assert!(model.max_output_tokens > 0, "{id}");
        assert!(model.max_output_tokens <= model.context_window, "{id}");
        for price in [model.price_input_per_1k_usd, model.price_output_per_1k_usd] {
            assert!(price.is_finite() && price >= 0.0, "{id}");
        }
        if model.price_known {
            assert!(model.price_input_per_1k_usd > 0.0, "{id}");
        }
        if let Some((lo, hi)) = model.temperature_range {
            assert!(lo <= hi && lo >= 0.0 && hi <= 1.0, "{id}");
        }
        if let Some((lo, hi)) = model.top_p_range {
            assert!(lo <= hi && model.top_p_supported, "{id}");
        }
        if model.temperature_range.is_none() {
            assert!(!model.top_p_supported, "{id}: no sampling params at all");
        }
        assert!(!model.sources.is_empty(), "{id}");
        assert!(!model.input_modalities.is_empty(), "{id}");
        assert!(model.accepts_input(Modality::Text), "{id}");
        assert_eq!(model.output_modalities, &[Modality::Text], "{id}");
    }
}

#[test]
fn flags_are_consistent() {
    for model in models() {
        let id = model.id;
        // A listed modality means the flag is yes; an unlisted one means no or unknown.
        assert_eq!(
            model.vision.is_yes(),
            model.accepts_input(Modality::Image),
            "{id}"
        );
        assert_eq!(
            model.document_chat.is_yes(),
            model.accepts_input(Modality::Document),
            "{id}"
        );
        if model.streaming_tool_use.is_yes() {
            assert!(model.tool_use.is_yes(), "{id}");
        }
        if !model.tool_use.is_yes() {
            assert!(model.tool_choice.is_empty(), "{id}");
        }
        if !model.tool_choice_known {
            assert!(model.tool_choice.is_empty(), "{id}");
        }
        let distinct: HashSet<_> = model.tool_choice.iter().collect();
        assert_eq!(distinct.len(), model.tool_choice.len(), "{id}");
    }
}

#[test]
fn availability_rules() {
    for model in models() {
        let id = model.id;
        if model.on_demand {
            assert!(!model.regions.is_empty(), "{id}: on demand without Regions");
            for r in model.regions {
                assert!(model.available_in(r), "{id} {r}");
            }
        }
        let eol = model.lifecycle_on(audit_day()) == Lifecycle::Eol;
        if !model.on_demand && !eol && model.region_data_known {
            assert!(
                !model.inference_profiles.is_empty(),
                "{id}: not on demand, not EOL, and no inference profile"
            );
        }
        if !model.region_data_known {
            assert!(model.regions.is_empty() && model.profile_only_regions.is_empty());
            assert!(!model.on_demand, "{id}");
        }
        for r in model.profile_only_regions {
            assert!(!model.on_demand_in(r), "{id} {r}");
        }
    }
}

#[test]
fn lifecycle_is_computed_from_dates() {
    let mut eol = 0;
    for model in models() {
        let id = model.id;
        if model.lifecycle_on(audit_day()) == Lifecycle::Eol {
            eol += 1;
        }
        if let (Some(legacy), Some(end)) = (model.legacy_date, model.eol_date) {
            assert!(legacy <= end, "{id}");
            assert_eq!(
                model.lifecycle_on(legacy.add_days(-1)),
                model.undated_status,
                "{id}"
            );
            assert_eq!(model.lifecycle_on(legacy), Lifecycle::Legacy, "{id}");
        }
        if let Some(end) = model.eol_date {
            assert_eq!(model.lifecycle_on(end), Lifecycle::Eol, "{id}");
            assert!(
                model.reported_eol_date.is_none(),
                "{id}: confirmed date wins"
            );
        }
        if let Some(next) = model.successor {
            let next = by_id(next).unwrap_or_else(|| panic!("{id}: successor {next}"));
            assert_ne!(next.id, id);
            assert_eq!(next.endpoint, Endpoint::Converse, "{id}");
        }
        // A reported (single-source) date never makes a model end-of-life.
        if model.eol_date.is_none() && model.undated_status != Lifecycle::Eol {
            assert_ne!(
                model.lifecycle_on(day("2099-01-01")),
                Lifecycle::Eol,
                "{id}"
            );
        }
    }
    // The seed's 25 plus Jamba 1.5 Large/Mini and Titan Text Express/Lite (audit rows 1, 2).
    assert_eq!(eol, 29);
    // Every end-of-life model with a named successor resolves to a usable one.
    let haiku35 = m("anthropic.claude-3-5-haiku-20241022-v1:0");
    assert_eq!(
        haiku35.successor_on(audit_day()).unwrap().id,
        "anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    // Jamba-Instruct's successor (Jamba 1.5 Large) is itself past end of life: no successor.
    assert!(m("ai21.jamba-instruct-v1:0")
        .successor_on(audit_day())
        .is_none());
}

#[test]
fn enum_strings() {
    assert_eq!(ToolChoiceMode::Auto.as_str(), "auto");
    assert_eq!(ToolChoiceMode::Any.as_str(), "any");
    assert_eq!(ToolChoiceMode::Tool.as_str(), "tool");
    assert_eq!(Confidence::MediumHigh.as_str(), "medium-high");
    assert_eq!(Lifecycle::Legacy.as_str(), "legacy");
    assert_eq!(Modality::Document.as_str(), "document");
    assert_eq!(ProfileScope::UsGov.prefix(), "us-gov");
}

// ------------------------------------------------ audit of 2026-11-30 fixes

#[test]
fn audit_discrepancies_are_fixed() {
    // Row 1: Jamba 1.5 reached end of life on 2026-11-26.
    for id in ["ai21.jamba-1-5-large-v1:0", "ai21.jamba-1-5-mini-v1:0"] {
        assert_eq!(m(id).lifecycle_on(audit_day()), Lifecycle::Eol, "{id}");
        assert_eq!(
            m(id).lifecycle_on(day("2026-11-25")),
            Lifecycle::Active,
            "{id}"
        );
        assert_eq!(m(id).eol_date, Some(day("2026-11-26")), "{id}");
    }
    // Row 3: Opus 4.1 is legacy, EOL 2027-01-08.
    let opus41 = m("anthropic.claude-opus-4-1-20250805-v1:0");
    assert_eq!(opus41.lifecycle_on(audit_day()), Lifecycle::Legacy);
    assert_eq!(opus41.legacy_date, Some(day("2026-07-08")));
    assert_eq!(opus41.eol_date, Some(day("2027-01-08")));
    // Row 4: no ConverseStream for Llama 4 (AWS's Meta page), marked disputed.
    for id in [
        "meta.llama4-scout-17b-instruct-v1:0",
        "meta.llama4-maverick-17b-instruct-v1:0",
    ] {
        assert!(m(id).converse_stream.is_no(), "{id}");
        assert!(m(id)
            .confidence_notes
            .iter()
            .any(|n| n.contains("DISPUTED")));
    }
    // Row 6: Opus 4.6 has jp. and apac. profiles.
    let opus46 = m("anthropic.claude-opus-4-6-v1");
    assert!(opus46.profile_with_scope(ProfileScope::Jp).is_some());
    assert!(opus46.profile_with_scope(ProfileScope::Apac).is_some());
    // Row 10: Palmyra's us. profile is callable from every US Region.
    for id in ["writer.palmyra-x4-v1:0", "writer.palmyra-x5-v1:0"] {
        let us = m(id).profile_with_scope(ProfileScope::Us).unwrap();
        for r in ["us-east-1", "us-east-2", "us-west-1", "us-west-2"] {
            assert!(us.callable_from(r), "{id} {r}");
        }
    }
    // Row 11: DeepSeek V3.1 left US East, stays in Sydney.
    let v31 = m("deepseek.v3-v1:0");
    assert!(!v31.on_demand_in("us-east-2"));
    assert!(v31.on_demand_in("ap-southeast-2"));
    // Row 13: Sonnet 5 at the Bedrock price after 2026-08-31.
    let sonnet5 = m("anthropic.claude-sonnet-5");
    assert_eq!(sonnet5.price_input_per_1k_usd, 0.003);
    assert_eq!(sonnet5.price_output_per_1k_usd, 0.015);
}

#[test]
fn disputed_facts_name_both_sides() {
    for model in models() {
        for note in model
            .confidence_notes
            .iter()
            .filter(|n| n.contains("DISPUTED"))
        {
            let overrides = model
                .sources
                .iter()
                .filter(|s| s.starts_with("override: ") || s.starts_with("added: "))
                .count();
            assert!(
                overrides >= 1 && model.sources.len() >= 2,
                "{}: a disputed fact needs its sources: {note}",
                model.id
            );
        }
    }
}

#[test]
fn sources_are_public() {
    for model in models() {
        for s in model.sources {
            assert!(
                !s.contains("steering/") && !s.contains("amplify-ai-kit"),
                "{}: private source {s}",
                model.id
            );
        }
        if model.amplify_name.is_some() {
            assert!(
                model.sources.iter().any(|s| s.contains(
                    "github.com/aws-amplify/amplify-data/blob/e8f46592/packages/data-schema/src/ai/ModelType.ts"
                )),
                "{}",
                model.id
            );
        }
    }
}

#[test]
fn missing_converse_models_resolve_by_friendly_name() {
    for (name, id) in [
        ("GPT-6 Sol", "openai.gpt-6-sol"),
        ("GPT-6 Luna", "openai.gpt-6-luna"),
        ("GPT-6 Astra", "openai.gpt-6-astra"),
        ("GPT-6.1 Sol", "openai.gpt-6.1-sol"),
        ("GPT-6.1 Terra", "openai.gpt-6.1-terra"),
        ("Grok 4.7", "xai.grok-4.7"),
        ("Kimi K3", "moonshotai.kimi-k3"),
        ("Kimi K3.1", "moonshotai.kimi-k3.1"),
        ("GLM-5", "zai.glm-5"),
        ("GLM-5.3", "zai.glm-5.3"),
        ("GLM-4.7-Flash", "zai.glm-4.7-flash"),
        ("MiniMax M2.1", "minimax.minimax-m2.1"),
        ("MiniMax M2.5", "minimax.minimax-m2.5"),
        ("Nemotron Nano 3 30B", "nvidia.nemotron-nano-3-30b"),
        ("Nemotron Super 3 120B", "nvidia.nemotron-super-3-120b"),
        ("Qwen3 Coder Next", "qwen.qwen3-coder-next"),
        ("Palmyra Vision 7B", "writer.palmyra-vision-7b"),
    ] {
        let r = resolve(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(r.model.id, id);
        assert_eq!(r.model.endpoint, Endpoint::Converse, "{name}");
        assert!(r.model.converse.is_yes(), "{name}");
        assert!(
            r.model.sources.iter().any(|s| s.starts_with("added: ")),
            "{name}"
        );
        // Callable as the name resolves, from us-east-1 or through its profile.
        assert!(
            check_call(r.model, r.invoke_id, None).is_ok()
                || r.model.availability("us-east-1") != Availability::NotOffered,
            "{name}"
        );
    }
    let sol = m("openai.gpt-6-sol");
    assert_eq!(sol.context_window, 1_050_000, "AWS model card");
    assert_eq!(
        resolve("GPT-6 Sol").unwrap().invoke_id,
        "global.openai.gpt-6-sol"
    );
}

#[test]
fn openai_compatible_only_models_are_a_clear_error() {
    for name in [
        "GPT-5.4",
        "GPT-5.5",
        "GPT-5.6 Sol",
        "GPT-5.6 Terra",
        "GPT-5.6 Luna",
    ] {
        let r = resolve(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(r.model.endpoint, Endpoint::OpenAiCompatibleOnly);
        let problem = check_call(r.model, r.invoke_id, Some("us-east-1")).unwrap_err();
        assert_eq!(problem, CallProblem::NotOnConverse { model: r.model });
        assert!(
            problem.to_string().contains("OpenAI-compatible endpoint"),
            "{problem}"
        );
        assert!(
            problem.fix().contains("pick a current OpenAI model"),
            "{}",
            problem.fix()
        );
    }
    // The profile ids give the same answer.
    let r = resolve("us.openai.gpt-5.4").unwrap();
    assert!(matches!(
        check_call(r.model, r.invoke_id, None),
        Err(CallProblem::NotOnConverse { .. })
    ));
}

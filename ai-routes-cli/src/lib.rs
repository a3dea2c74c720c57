//! Rendering logic of the `ai-routes` command line, kept in a library so it
//! can be unit tested. The binary (`src/main.rs`) only parses arguments and
//! prints what these functions return.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt::Write as _;

mod sync;
pub use sync::{sync, SyncError, SyncOptions};

use ai_routes_catalog::{
    models, resolve, suggest, Date, Endpoint, Modality, Model, Resolved, ResolvedVia,
};
use serde_json::{json, Value};

/// Filters for `ai-routes models`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Keep models whose provider equals this (case-insensitive).
    pub provider: Option<String>,
    /// Keep only models with tool use.
    pub tool_use: bool,
    /// Keep only active (not deprecated, not EOL/legacy/uncertain) models.
    pub active: bool,
}

impl Filter {
    /// Whether `m` passes the filter.
    pub fn matches(&self, m: &Model) -> bool {
        if let Some(p) = &self.provider {
            if !m.provider.eq_ignore_ascii_case(p.trim()) {
                return false;
            }
        }
        (!self.tool_use || m.tool_use.is_yes())
            && (!self.active || (m.is_active() && m.endpoint == Endpoint::Converse))
    }

    /// The catalog models passing the filter, in catalog order.
    pub fn apply(&self) -> Vec<&'static Model> {
        models().iter().filter(|m| self.matches(m)).collect()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A token count in compact form: `200K`, `1M`, `4096`.
pub fn compact_tokens(n: u32) -> String {
    if n >= 1_000_000 && n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000_000 && n % 100_000 == 0 {
        format!("{:.1}M", f64::from(n) / 1e6)
    } else if n >= 10_000 && n % 1000 == 0 {
        format!("{}K", n / 1000)
    } else {
        n.to_string()
    }
}

/// A price per 1K tokens: the decimal value, or `?` when unknown.
pub fn price(m: &Model, v: f64) -> String {
    if m.price_known {
        format!("{v}")
    } else {
        "?".to_string()
    }
}

fn vision_doc(m: &Model) -> &'static str {
    match (m.vision.is_yes(), m.document_chat.is_yes()) {
        (true, true) => "vision+doc",
        (true, false) => "vision",
        (false, true) => "doc",
        (false, false) => "-",
    }
}

/// The `ai-routes models` table.
pub fn render_table(list: &[&Model]) -> String {
    const HEAD: [&str; 13] = [
        "ID",
        "PROVIDER",
        "NAME",
        "TOOLS",
        "FORCED",
        "STREAM-TOOLS",
        "VISION/DOC",
        "CONTEXT",
        "MAX-OUT",
        "$/1K-IN",
        "$/1K-OUT",
        "ON-DEMAND",
        "STATUS",
    ];
    let rows: Vec<[String; 13]> = list
        .iter()
        .map(|m| {
            [
                m.id.to_string(),
                m.provider.to_string(),
                m.name.to_string(),
                m.tool_use.as_str().to_string(),
                m.forced_tool_choice()
                    .map_or("-", |c| c.as_str())
                    .to_string(),
                m.streaming_tool_use.as_str().to_string(),
                vision_doc(m).to_string(),
                compact_tokens(m.context_window),
                compact_tokens(m.max_output_tokens),
                price(m, m.price_input_per_1k_usd),
                price(m, m.price_output_per_1k_usd),
                if m.on_demand {
                    "yes"
                } else if m.inference_profiles.is_empty() {
                    "unknown"
                } else {
                    "profile"
                }
                .to_string(),
                m.lifecycle().as_str().to_string(),
            ]
        })
        .collect();
    let mut widths = HEAD.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&HEAD);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&cells);
    }
    let _ = writeln!(out, "{} models", rows.len());
    out
}

fn modalities(ms: &[Modality]) -> Vec<&'static str> {
    ms.iter().map(|m| m.as_str()).collect()
}

fn pair(p: Option<(f32, f32)>) -> Value {
    p.map_or(Value::Null, |(a, b)| json!([a, b]))
}

/// Every field of a [`Model`] as JSON (profiles with their source Regions,
/// sources and confidence notes included).
pub fn model_json(m: &Model) -> Value {
    let mut v = json!({
        "id": m.id,
        "provider": m.provider,
        "name": m.name,
        "endpoint": m.endpoint.as_str(),
        "friendly_names": m.friendly_names,
        "amplify_name": m.amplify_name,
        "input_modalities": modalities(m.input_modalities),
        "output_modalities": modalities(m.output_modalities),
        "converse": m.converse.as_bool(),
        "converse_stream": m.converse_stream.as_bool(),
        "system_prompt": m.system_prompt.as_bool(),
        "tool_use": m.tool_use.as_bool(),
        "streaming_tool_use": m.streaming_tool_use.as_bool(),
        "document_chat": m.document_chat.as_bool(),
        "vision": m.vision.as_bool(),
        "guardrails": m.guardrails.as_bool(),
        "tool_choice": m.tool_choice_known.then(|| m.tool_choice.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
        "forced_tool_choice": m.forced_tool_choice().map(|c| c.as_str()),
        "native_output": m.native_output.as_bool(),
        "strict_tools": m.strict_tools.as_bool(),
        "generation_output": m.output_strategy(ai_routes_catalog::OutputPreference::Default, false).as_str(),
        "features_confidence": m.features_confidence.as_str(),
        "context_window": m.context_window,
        "max_output_tokens": m.max_output_tokens,
        "temperature_range": pair(m.temperature_range),
        "temperature_default": m.temperature_default,
        "top_p_supported": m.top_p_supported,
        "top_p_range": pair(m.top_p_range),
        "top_p_default": m.top_p_default,
        "temperature_top_p_exclusive": m.temperature_top_p_exclusive,
        "on_demand": m.on_demand,
        "regions": m.regions,
        "profile_only_regions": m.profile_only_regions,
        "region_data_known": m.region_data_known,
        "inference_profiles": m.inference_profiles.iter().map(|p| json!({
            "id": p.id,
            "scope": p.scope.prefix(),
            "model_id": p.model_id,
            "source_regions": p.source_regions,
        })).collect::<Vec<_>>(),
        "price_input_per_1k_usd": m.price_input_per_1k_usd,
        "price_output_per_1k_usd": m.price_output_per_1k_usd,
        "price_known": m.price_known,
        "sources": m.sources,
        "confidence_notes": m.confidence_notes,
    });
    // Lifecycle: the dates the catalog keeps and the status computed from them today
    // (SOURCE_DATE_EPOCH or the clock), as the macros compute it.
    let today = Date::today();
    let date = |d: Option<Date>| d.map_or(Value::Null, |d| Value::String(d.to_string()));
    for (key, value) in [
        ("lifecycle", json!(m.lifecycle_on(today).as_str())),
        ("lifecycle_as_of", json!(today.to_string())),
        ("undated_status", json!(m.undated_status.as_str())),
        ("legacy_date", date(m.legacy_date)),
        ("eol_date", date(m.eol_date)),
        ("reported_eol_date", date(m.reported_eol_date)),
        ("successor", json!(m.successor)),
    ] {
        v[key] = value;
    }
    v
}

/// `ai-routes models --json`: a JSON array of [`model_json`] objects.
pub fn models_json(list: &[&Model]) -> Value {
    Value::Array(list.iter().map(|m| model_json(m)).collect())
}

fn join(v: &[&str]) -> String {
    if v.is_empty() {
        "-".to_string()
    } else {
        v.join(", ")
    }
}

/// `ai-routes models show X`: one model in detail. `r` says how the user's
/// input was resolved (shown as "invoke as").
pub fn render_show(r: &Resolved) -> String {
    let m = r.model;
    let mut o = String::new();
    let _ = writeln!(o, "{} ({})", m.name, m.id);
    let mut kv = |k: &str, v: String| {
        let _ = writeln!(o, "  {:<22}{}", format!("{k}:"), v);
    };
    kv("provider", m.provider.to_string());
    kv("names", join(m.friendly_names));
    kv("amplify name", m.amplify_name.unwrap_or("-").to_string());
    let via = match r.via {
        ResolvedVia::ModelId => "model id".to_string(),
        ResolvedVia::InferenceProfile(p) => format!("{} inference profile", p.scope.prefix()),
        ResolvedVia::Name => "name".to_string(),
    };
    kv("invoke as", format!("{} (resolved via {via})", r.invoke_id));
    let today = Date::today();
    let mut status = format!("{} on {today}", m.lifecycle_on(today).as_str());
    if let Some(d) = m.legacy_date {
        let _ = write!(status, ", legacy from {d}");
    }
    if let Some(d) = m.eol_date {
        let _ = write!(status, ", end of life {d}");
    } else if let Some(d) = m.reported_eol_date {
        let _ = write!(
            status,
            ", end of life {d} (reported by one secondary source)"
        );
    }
    kv("status", status);
    if let Some(next) = m.successor_on(today) {
        kv("successor", format!("{} ({})", next.name, next.id));
    }
    if m.endpoint != Endpoint::Converse {
        kv(
            "endpoint",
            format!(
                "{} (not Converse: ai-routes cannot call it)",
                m.endpoint.as_str()
            ),
        );
    }
    kv("input", modalities(m.input_modalities).join(", "));
    kv("output", modalities(m.output_modalities).join(", "));
    kv(
        "converse / stream",
        format!("{} / {}", m.converse.as_str(), m.converse_stream.as_str()),
    );
    kv("system prompt", m.system_prompt.as_str().to_string());
    kv(
        "tool use / streaming",
        format!(
            "{} / {}",
            m.tool_use.as_str(),
            m.streaming_tool_use.as_str()
        ),
    );
    let choices: Vec<&str> = m.tool_choice.iter().map(|c| c.as_str()).collect();
    kv(
        "tool choice",
        format!(
            "{} (forced: {})",
            if !m.tool_choice_known {
                "unknown in the sources (none is sent)".to_string()
            } else if choices.is_empty() {
                "none (don't send toolChoice)".to_string()
            } else {
                choices.join(", ")
            },
            m.forced_tool_choice().map_or("-", |c| c.as_str())
        ),
    );
    kv(
        "structured output",
        format!(
            "native {}, strict tools {} (a generation route uses: {})",
            m.native_output.as_str(),
            m.strict_tools.as_str(),
            m.output_strategy(ai_routes_catalog::OutputPreference::Default, false)
                .as_str()
        ),
    );
    kv("vision", m.vision.as_str().to_string());
    kv("document chat", m.document_chat.as_str().to_string());
    kv("guardrails", m.guardrails.as_str().to_string());
    kv(
        "features confidence",
        m.features_confidence.as_str().to_string(),
    );
    kv("context window", format!("{} tokens", m.context_window));
    kv("max output", format!("{} tokens", m.max_output_tokens));
    kv(
        "temperature",
        match m.temperature_range {
            Some((lo, hi)) => format!(
                "{lo}..={hi}{}",
                m.temperature_default
                    .map_or(String::new(), |d| format!(" (default {d})"))
            ),
            None => "not accepted (don't send sampling parameters)".to_string(),
        },
    );
    kv(
        "top_p",
        match (m.top_p_supported, m.top_p_range) {
            (true, Some((lo, hi))) => format!(
                "{lo}..={hi}{}{}",
                m.top_p_default
                    .map_or(String::new(), |d| format!(" (default {d})")),
                if m.temperature_top_p_exclusive {
                    "; not together with temperature"
                } else {
                    ""
                }
            ),
            (true, None) => "supported".to_string(),
            (false, _) => "not accepted".to_string(),
        },
    );
    kv(
        "price per 1K tokens",
        if m.price_known {
            format!(
                "${} input, ${} output (on-demand list price)",
                m.price_input_per_1k_usd, m.price_output_per_1k_usd
            )
        } else {
            "unknown".to_string()
        },
    );
    kv(
        "on demand",
        if m.region_data_known {
            yes_no(m.on_demand).to_string()
        } else {
            "unknown (no Region data)".to_string()
        },
    );
    kv("on-demand regions", join(m.regions));
    kv("profile-only regions", join(m.profile_only_regions));
    if r.requires_profile() {
        let _ = writeln!(
            o,
            "  note: `{}` cannot be invoked on demand; use one of its inference profiles",
            m.id
        );
    }
    if m.inference_profiles.is_empty() {
        let _ = writeln!(o, "  inference profiles:   -");
    } else {
        let _ = writeln!(o, "  inference profiles:");
        for p in m.inference_profiles {
            let _ = writeln!(
                o,
                "    {} [{}]\n      callable from: {}",
                p.id,
                p.scope.prefix(),
                join(p.source_regions)
            );
        }
    }
    let _ = writeln!(o, "  sources:");
    for s in m.sources {
        let _ = writeln!(o, "    - {s}");
    }
    if !m.confidence_notes.is_empty() {
        let _ = writeln!(o, "  notes:");
        for s in m.confidence_notes {
            let _ = writeln!(o, "    - {s}");
        }
    }
    o
}

/// The error for an unknown model, with "did you mean" suggestions.
pub fn unknown_model_message(query: &str) -> String {
    let s = suggest(query, 3);
    if s.is_empty() {
        format!("unknown model `{query}`. Run `ai-routes models` to list known models.")
    } else {
        let list: Vec<String> = s.iter().map(|c| format!("`{c}`")).collect();
        format!(
            "unknown model `{query}`. Did you mean: {}?",
            list.join(", ")
        )
    }
}

/// Resolve `query` for `models show`: `Ok(resolved)` or `Err(message)`.
pub fn show_lookup(query: &str) -> Result<Resolved, String> {
    resolve(query).ok_or_else(|| unknown_model_message(query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai_routes_catalog::by_id;

    #[test]
    fn compact_token_counts() {
        assert_eq!(compact_tokens(200_000), "200K");
        assert_eq!(compact_tokens(1_000_000), "1M");
        assert_eq!(compact_tokens(3_500_000), "3.5M");
        assert_eq!(compact_tokens(4096), "4096");
        assert_eq!(compact_tokens(8000), "8000");
    }

    #[test]
    fn table_has_header_rows_and_count() {
        let m = by_id("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
        let t = render_table(&[m]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("ID "));
        assert!(lines[0].ends_with("STATUS"));
        assert!(lines[1].starts_with("anthropic.claude-3-haiku-20240307-v1:0"));
        for cell in [
            "Claude 3 Haiku",
            "tool",
            "vision+doc",
            "200K",
            "4096",
            "0.00025",
            "0.00125",
            "eol",
        ] {
            assert!(lines[1].contains(cell), "{cell} not in {}", lines[1]);
        }
        assert_eq!(lines[2], "1 models");
    }

    #[test]
    fn unknown_price_is_question_mark() {
        let m = by_id("anthropic.claude-v2").unwrap();
        assert_eq!(price(m, m.price_input_per_1k_usd), "?");
    }

    #[test]
    fn filters() {
        let all = Filter::default().apply();
        assert_eq!(all.len(), models().len());
        let f = Filter {
            provider: Some("anthropic".into()),
            tool_use: true,
            active: true,
        };
        let v = f.apply();
        assert!(!v.is_empty());
        assert!(v
            .iter()
            .all(|m| m.provider == "Anthropic" && m.tool_use.is_yes() && m.is_active()));
        assert!(v.len() < all.len());
    }

    #[test]
    fn json_has_every_field() {
        let m = by_id("anthropic.claude-sonnet-4-5-20250929-v1:0").unwrap();
        let j = model_json(m);
        assert_eq!(j["id"], m.id);
        assert_eq!(j["forced_tool_choice"], "tool");
        assert_eq!(j["temperature_top_p_exclusive"], true);
        let profiles = j["inference_profiles"].as_array().unwrap();
        assert_eq!(profiles.len(), m.inference_profiles.len());
        assert!(
            profiles
                .iter()
                .any(|p| p["scope"] == "global"
                    && !p["source_regions"].as_array().unwrap().is_empty())
        );
        assert!(!j["sources"].as_array().unwrap().is_empty());
        // 44 Model fields (tool_choice_known folded into a null tool_choice) + the derived
        // forced_tool_choice, generation_output, lifecycle and lifecycle_as_of.
        assert_eq!(j.as_object().unwrap().len(), 47);
        assert_eq!(j["native_output"], true);
        assert_eq!(j["generation_output"], "native");
        assert_eq!(j["endpoint"], "converse");
        // Unknown is null, not false.
        let qwen = model_json(by_id("qwen.qwen3-32b-v1:0").unwrap());
        assert!(qwen["system_prompt"].is_null(), "{qwen}");
        assert!(qwen["tool_choice"].is_null(), "{qwen}");
        assert_eq!(qwen["tool_use"], true);
    }

    #[test]
    fn show_and_unknown() {
        let r = show_lookup("claude sonnet 4.5").unwrap();
        let s = render_show(&r);
        assert!(s.starts_with("Claude Sonnet 4.5 (anthropic.claude-sonnet-4-5-20250929-v1:0)"));
        assert!(s.contains("global.anthropic.claude-sonnet-4-5-20250929-v1:0 (resolved via name)"));
        assert!(s.contains("not together with temperature"));
        assert!(
            s.contains("structured output:    native yes, strict tools yes (a generation route uses: native)"),
            "{s}"
        );

        let r = show_lookup("Llama 4 Scout 17B Instruct").unwrap();
        assert!(render_show(&r).contains("cannot be invoked on demand"));

        let e = show_lookup("Claude 3.5 Haikuu").unwrap_err();
        assert!(e.contains("Did you mean: `Claude 3.5 Haiku`"), "{e}");
        let e = show_lookup("zzzz").unwrap_err();
        assert!(e.contains("unknown model `zzzz`") && !e.contains("Did you mean"));
    }
}

//! Runs the built `ai-routes` binary.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-routes"))
        .args(args)
        .output()
        .expect("run ai-routes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn models_table() {
    let o = run(&["models"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    for col in [
        "ID", "PROVIDER", "NAME", "TOOLS", "FORCED", "CONTEXT", "$/1K-IN", "STATUS",
    ] {
        assert!(lines[0].contains(col), "{col}");
    }
    let haiku = lines
        .iter()
        .find(|l| l.starts_with("anthropic.claude-3-haiku-20240307-v1:0 "))
        .expect("Claude 3 Haiku row");
    assert!(haiku.contains("0.00025") && haiku.contains("0.00125") && haiku.contains("eol"));
    let micro = lines
        .iter()
        .find(|l| l.starts_with("amazon.nova-micro-v1:0 "))
        .expect("Nova Micro row");
    assert!(micro.contains(" - "), "no vision/doc: {micro}");
    assert_eq!(*lines.last().unwrap(), "116 models");
    assert_eq!(lines.len(), 116 + 2);
}

#[test]
fn models_table_filters() {
    let o = run(&["models", "--provider", "meta", "--tool-use", "--active"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("meta."))
        .collect();
    assert!(!rows.is_empty());
    assert!(!out.contains("anthropic."));
    assert!(!out.contains("meta.llama3-8b-instruct-v1:0"), "no tool use");
    assert!(!out.contains("meta.llama3-1-405b-instruct-v1:0"), "EOL");
    assert!(rows.iter().all(|r| r.trim_end().ends_with("active")));

    // `--active` lists only models a route can use: no OpenAI-compatible-only GPT-5.x.
    let o = run(&["models", "--provider", "openai", "--active"]);
    let out = stdout(&o);
    assert!(out.contains("openai.gpt-6-sol"), "{out}");
    assert!(!out.contains("openai.gpt-5.5"), "{out}");
}

#[test]
fn models_json() {
    let o = run(&["models", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let arr = v.as_array().expect("array");
    assert!(arr.len() >= 116);
    for m in arr {
        for key in [
            "id",
            "provider",
            "name",
            "friendly_names",
            "input_modalities",
            "tool_use",
            "streaming_tool_use",
            "tool_choice",
            "context_window",
            "max_output_tokens",
            "temperature_range",
            "on_demand",
            "regions",
            "inference_profiles",
            "price_input_per_1k_usd",
            "price_output_per_1k_usd",
            "lifecycle",
            "lifecycle_as_of",
            "eol_date",
            "successor",
            "sources",
            "confidence_notes",
        ] {
            assert!(m.get(key).is_some(), "{key} missing in {}", m["id"]);
        }
        assert!(!m["sources"].as_array().unwrap().is_empty());
        for p in m["inference_profiles"].as_array().unwrap() {
            assert!(p["id"]
                .as_str()
                .unwrap()
                .ends_with(m["id"].as_str().unwrap()));
            assert!(!p["source_regions"].as_array().unwrap().is_empty());
        }
    }
    let haiku = arr
        .iter()
        .find(|m| m["id"] == "anthropic.claude-3-haiku-20240307-v1:0")
        .unwrap();
    assert_eq!(haiku["price_input_per_1k_usd"], 0.00025);
    assert_eq!(
        haiku["tool_choice"],
        serde_json::json!(["auto", "any", "tool"])
    );
}

#[test]
fn show_by_name() {
    let o = run(&["models", "show", "claude 3.5 haiku"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Claude 3.5 Haiku (anthropic.claude-3-5-haiku-20241022-v1:0)"));
    assert!(out.contains("us.anthropic.claude-3-5-haiku-20241022-v1:0"));
    assert!(out.contains("$0.0008 input, $0.004 output"));
    assert!(out.contains("vision:               no"));
}

#[test]
fn show_by_profile_and_json() {
    let o = run(&[
        "models",
        "show",
        "global.anthropic.claude-sonnet-4-6",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["id"], "anthropic.claude-sonnet-4-6");
}

#[test]
fn unknown_model_exits_2_with_suggestion() {
    let o = run(&["models", "show", "Claude 3.5 Haikuu"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("unknown model `Claude 3.5 Haikuu`"), "{err}");
    assert!(err.contains("Did you mean: `Claude 3.5 Haiku`"), "{err}");

    let o = run(&["models", "show", "zzzz"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("Did you mean"));
}

#[test]
fn usage_errors() {
    let o = run(&["nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("models"));
}

#[test]
fn lifecycle_is_computed_for_the_build_date() {
    let show = |epoch: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_ai-routes"))
            .args(["models", "show", "Claude Opus 4.1"])
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .expect("run ai-routes");
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // 2026-12-01 and 2027-01-08 (UTC).
    let before = show("1796126400");
    assert!(before.contains("legacy on 2026-12-01"), "{before}");
    assert!(before.contains("end of life 2027-01-08"), "{before}");
    let after = show("1799409600");
    assert!(after.contains("eol on 2027-01-08"), "{after}");
}

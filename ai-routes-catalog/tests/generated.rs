//! The maintainers' update path: `src/data.rs` is exactly what `tools/gen_catalog.py`
//! writes from `data/bedrock-models.json` and `data/overrides.json`, and an overrides file
//! can add a model. These tests run the real generator (python3 and rustfmt, no network).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path in the system temp dir unique to this test process and `name`.
fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ai-routes-catalog-{}-{name}", std::process::id()))
}

fn generate(out: &Path, overrides: Option<&Path>) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(crate_dir().join("tools/gen_catalog.py"))
        .arg("--out")
        .arg(out);
    if let Some(overrides) = overrides {
        // The billing rules name models the real overrides file adds, so another
        // overrides file comes with billing rules of its own (none).
        let billing = temp(&format!(
            "billing-{}.json",
            overrides.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&billing, r#"{"prompt_cache": [], "service_tiers": []}"#).unwrap();
        cmd.arg("--overrides")
            .arg(overrides)
            .arg("--billing")
            .arg(billing);
    }
    cmd.output()
        .expect("python3 must be installed to run the catalog generator")
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "tools/gen_catalog.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn data_rs_is_what_the_generator_writes() {
    let out = temp("data.rs");
    let output = generate(&out, None);
    assert_ok(&output);
    let generated = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let checked_in = std::fs::read_to_string(crate_dir().join("src/data.rs")).unwrap();
    if generated != checked_in {
        let line = generated
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || generated.lines().count().min(checked_in.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "ai-routes-catalog/src/data.rs is stale (first difference at line {line}): the data files \
             changed without regenerating it. Run `python3 ai-routes-catalog/tools/gen_catalog.py` \
             and commit src/data.rs"
        );
    }
}

const ADDED_MODEL: &str = r#"{
  "add": [{
    "model": {
      "id": "example.added-model-v1:0",
      "provider": "Example",
      "name": "Example Added Model",
      "input_modalities": ["text"],
      "output_modalities": ["text"],
      "context_window_tokens": 32000,
      "max_output_tokens": 4096,
      "converse_features_confidence": "low",
      "converse": true,
      "tool_use": true,
      "sources": ["https://example.com/model-card"]
    },
    "source": "https://example.com/launch-post",
    "note": "a test addition"
  }],
  "overrides": []
}"#;

#[test]
fn overrides_can_add_a_model() {
    let overrides = temp("add.json");
    std::fs::write(&overrides, ADDED_MODEL).unwrap();
    let out = temp("added.rs");
    let output = generate(&out, Some(&overrides));
    let _ = std::fs::remove_file(&overrides);
    assert_ok(&output);
    let generated = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(generated.contains(r#"id: "example.added-model-v1:0""#));
    assert!(generated.contains(r#""added: https://example.com/launch-post""#));
    // The seed models are all still there (this overrides file replaces the real one, so
    // only the seed's entries and the one addition are generated).
    let seed = std::fs::read_to_string(crate_dir().join("data/bedrock-models.json")).unwrap();
    assert_eq!(
        generated.matches("\n    Model {").count(),
        seed.matches("\n  {\n").count() + 1
    );
}

#[test]
fn an_addition_without_a_source_is_refused() {
    let overrides = temp("nosource.json");
    std::fs::write(
        &overrides,
        ADDED_MODEL.replace(r#""source": "https://example.com/launch-post","#, ""),
    )
    .unwrap();
    let out = temp("nosource.rs");
    let output = generate(&out, Some(&overrides));
    let _ = std::fs::remove_file(&overrides);
    let _ = std::fs::remove_file(&out);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no source"));
}

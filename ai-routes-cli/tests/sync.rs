//! `ai-routes models sync` end to end: the real `aws-sdk-bedrock` client reads the stand-in's
//! control plane (one model offered that the catalog does not know, one model the account
//! has no access to), the overlay is written, and routes compiled against it (trybuild) can
//! use the new model by name while the ungranted one is a compile error with the console link.

use std::path::PathBuf;
use std::process::Command;

use ai_routes::testing::{LocalBedrock, OfferedModel};
use ai_routes_catalog::{Access, Overlay};

const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const NEW_MODEL: &str = "acme.lumen-2-v1:0";

/// A stand-in whose account has a new model and no access to Claude Haiku 4.5 in us-east-1.
async fn account() -> LocalBedrock {
    let bedrock = LocalBedrock::start().await.unwrap();
    bedrock.offer_model(OfferedModel::text(NEW_MODEL, "Acme Lumen 2", "Acme"));
    bedrock.deny_model_access(HAIKU, Some("us-east-1"));
    bedrock
}

fn credentials() {
    // The default credential chain, as a user's shell would give it (static keys).
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDLOCALBEDROCK");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "local-bedrock-secret");
    std::env::remove_var("AWS_PROFILE");
}

#[tokio::test]
async fn sync_reads_models_profiles_and_access_per_region() {
    credentials();
    let bedrock = account().await;
    let overlay = ai_routes_cli::sync(&ai_routes_cli::SyncOptions {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        endpoint_url: Some(bedrock.endpoint()),
    })
    .await
    .unwrap();
    assert_eq!(
        overlay.synced_regions().collect::<Vec<_>>(),
        ["eu-west-1", "us-east-1"]
    );
    assert_eq!(overlay.access(HAIKU, "us-east-1"), Some(Access::NotGranted));
    assert_eq!(overlay.access(HAIKU, "eu-west-1"), Some(Access::Granted));
    assert_eq!(
        overlay.access(NEW_MODEL, "us-east-1"),
        Some(Access::Granted)
    );
    let us = &overlay.regions["us-east-1"];
    let new = us.models.iter().find(|m| m.id == NEW_MODEL).unwrap();
    assert_eq!(
        (new.name.as_str(), new.provider.as_str()),
        ("Acme Lumen 2", "Acme")
    );
    assert!(new.streaming);
    assert!(us
        .profiles
        .iter()
        .any(|p| p.id == format!("us.{HAIKU}") && p.model_id == HAIKU));
    // The overlay round-trips through its file format.
    assert_eq!(Overlay::parse(&overlay.to_json()).unwrap(), overlay);
    // The new model is a catalog model for the macros, with what the account says of it.
    let model = overlay.new_model("acme lumen 2").unwrap();
    assert_eq!(model.id, NEW_MODEL);
    assert!(model.available_in("us-east-1"));
    assert!(
        overlay.new_model("Claude Haiku 4.5").is_none(),
        "the catalog already knows it"
    );
}

// Multi-threaded: the stand-in must serve the child process while this thread waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_writes_the_overlay_file() {
    credentials();
    let bedrock = account().await;
    let out =
        std::env::temp_dir().join(format!("ai-routes-sync-{}/models.json", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_ai-routes"))
        .args(["models", "sync", "--region", "us-east-1", "--endpoint-url"])
        .arg(bedrock.endpoint())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("wrote {}", out.display())),
        "{stdout}"
    );
    let overlay = Overlay::parse(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(overlay.access(HAIKU, "us-east-1"), Some(Access::NotGranted));
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[tokio::test]
async fn without_a_region_the_command_says_what_to_do() {
    let output = Command::new(env!("CARGO_BIN_EXE_ai-routes"))
        .args(["models", "sync"])
        .env_remove("AWS_REGION")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--region us-east-1"));
}

/// Routes compiled against a synced overlay: the new model compiles by name, the model
/// without access does not (tests/ui-sync), whatever else compiles (tests/ui-sync-pass).
#[tokio::test]
async fn routes_compile_against_the_synced_overlay() {
    credentials();
    let bedrock = account().await;
    let overlay = ai_routes_cli::sync(&ai_routes_cli::SyncOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(bedrock.endpoint()),
    })
    .await
    .unwrap();
    // The expectations name the sync time: pin it.
    let overlay = Overlay {
        synced_at: "2026-12-01T12:00:00Z".into(),
        ..overlay
    };
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("models.json");
    std::fs::write(&path, overlay.to_json()).unwrap();
    // trybuild's cargo and rustc inherit these: the macros read the overlay named here, and
    // lifecycle hints are computed for a fixed day.
    std::env::set_var(ai_routes_catalog::OVERLAY_ENV, &path);
    std::env::set_var("SOURCE_DATE_EPOCH", "1796126400");
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui-sync/*.rs");
    cases.pass("tests/ui-sync-pass/*.rs");
}

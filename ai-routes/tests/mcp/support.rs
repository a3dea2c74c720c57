//! The MCP implementations of others the MCP tests run, installed by `npm ci` in
//! `ai-routes/tests/mcp` (`.ci/run` does it). Like the browser test: with `CI` set a missing
//! package fails the test; outside CI the test skips, saying so.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp")
}

/// `node_modules/<package>/<file>`, when installed.
fn installed(package: &str, file: &str, test: &str) -> Option<PathBuf> {
    let path = dir().join("node_modules").join(package).join(file);
    if path.exists() {
        return Some(path);
    }
    let why =
        format!("{test} needs Node and `npm ci` in ai-routes/tests/mcp ({package} is missing)");
    if std::env::var_os("CI").is_some() {
        panic!("{why}: .ci/run must install it");
    }
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
    None
}

/// The official inspector's command-line client (`@modelcontextprotocol/inspector-cli`).
pub fn inspector_cli() -> Option<PathBuf> {
    installed(
        "@modelcontextprotocol/inspector-cli",
        "build/index.js",
        "the inspector CLI test",
    )
}

/// The reference server (`@modelcontextprotocol/server-everything`), run with
/// `node <path> stdio`.
pub fn server_everything() -> Option<PathBuf> {
    installed(
        "@modelcontextprotocol/server-everything",
        "dist/index.js",
        "the server-everything test",
    )
}

/// Runs `node script args…` in the script's directory: inspector-cli 1.0.3 looks for its
/// `package.json` at `../package.json` relative to the working directory (and imports it
/// relative to itself), so it only starts from its own `build` directory.
pub async fn run(script: &Path, args: &[&str]) -> Output {
    tokio::process::Command::new("node")
        .current_dir(script.parent().expect("a script in a directory"))
        .arg(script)
        .args(args)
        .output()
        .await
        .expect("node runs")
}

/// Runs `node script args…`, which must succeed and print one JSON document.
pub async fn run_json(script: &Path, args: &[&str]) -> Value {
    let output = run(script, args).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node {} {args:?} failed:\n{stdout}\n{stderr}",
        script.display()
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\n{stderr}"))
}

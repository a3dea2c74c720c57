//! Compile-time checks: every `tests/ui/*.rs` must fail to compile with exactly the error in
//! its `.stderr` file; every `tests/ui-pass/*.rs` must compile. A few errors differ with the
//! `http` feature (a route's JSON entry point adds a `Deserialize` bound to its arguments):
//! those cases live in `tests/ui-http/` and `tests/ui-no-http/`, so the suite passes with
//! and without `--all-features`. Likewise `tests/ui-mcp/` (feature `mcp`) against
//! `tests/ui-no-mcp/` and `tests/ui-http-no-mcp/` (see `ui()`).
//! Regenerate expectations with `TRYBUILD=overwrite cargo test -p ai-routes --test ui`, once
//! with `--all-features` and once without, and read the diff.

#[test]
fn ui() {
    // Which models are current (named in "pick another model" hints) is computed from the
    // catalog's dates for the build date: pin it (2026-12-01, noon UTC) so these
    // expectations do not change as days pass. tests/ui_lifecycle.rs covers dates. This
    // binary has this one test, so setting the variable races nothing.
    std::env::set_var("SOURCE_DATE_EPOCH", "1796126400");
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    #[cfg(feature = "http")]
    cases.compile_fail("tests/ui-http/*.rs");
    #[cfg(not(feature = "http"))]
    cases.compile_fail("tests/ui-no-http/*.rs");
    // With `mcp`, rmcp (which re-exports schemars) is in the crate graph and rustc names the
    // `JsonSchema` trait `JsonSchema` instead of `ai_routes::__private::schemars::JsonSchema`:
    // the cases that name it are kept once per form.
    #[cfg(not(feature = "mcp"))]
    cases.compile_fail("tests/ui-no-mcp/*.rs");
    #[cfg(all(feature = "http", not(feature = "mcp")))]
    cases.compile_fail("tests/ui-http-no-mcp/*.rs");
    #[cfg(feature = "mcp")]
    cases.compile_fail("tests/ui-mcp/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}

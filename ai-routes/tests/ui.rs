//! Compile-time checks: every `tests/ui/*.rs` must fail to compile with exactly the error in
//! its `.stderr` file; every `tests/ui-pass/*.rs` must compile.
//! Regenerate expectations with `TRYBUILD=overwrite cargo test -p ai-routes --all-features --test ui`
//! and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}

//! Lifecycle decisions are computed from the catalog's dates when a route is compiled:
//! today, or `SOURCE_DATE_EPOCH` when set. Each `tests/ui-lifecycle/YYYY-MM-DD/` directory
//! is compiled with `SOURCE_DATE_EPOCH` set to noon UTC of that date (trybuild passes the
//! environment to cargo and rustc), so a model within 60 days of its end of life warns and
//! one past it fails, reproducibly.
//!
//! This is its own test binary with a single test, so setting the variable races no other
//! test. Regenerate expectations with
//! `TRYBUILD=overwrite cargo test -p ai-routes --test ui_lifecycle` and read the diff.

use std::path::Path;

#[test]
fn lifecycle_from_the_build_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui-lifecycle");
    let mut days: Vec<String> = std::fs::read_dir(&root)
        .expect("tests/ui-lifecycle")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    days.sort();
    assert!(!days.is_empty());
    for day in days {
        let date = ai_routes::catalog::Date::parse(&day)
            .unwrap_or_else(|| panic!("tests/ui-lifecycle/{day} is not a YYYY-MM-DD directory"));
        let noon = date.days_since_epoch() * 86_400 + 43_200;
        std::env::set_var("SOURCE_DATE_EPOCH", noon.to_string());
        let cases = trybuild::TestCases::new();
        cases.compile_fail(format!("tests/ui-lifecycle/{day}/*.rs"));
        // Dropping `cases` compiles and checks them, with the variable set.
        drop(cases);
    }
}

//! Every real-world case of `../shared/cases/web.json` is either covered by
//! a named test of this crate or named here as another crate's concern, so
//! a new case cannot slip by unreviewed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

/// Covered here: `tests/bearer.rs` and `tests/flows.rs` (`web_05_*`),
/// `tests/flows.rs` (`web_07_*`).
const COVERED: &[&str] = &["WEB-05", "WEB-07"];

/// Object ownership (WEB-01) and strict JSON types (WEB-03) are decided by
/// opsguard-rbac, opsguard-validate and the reference service, not by the
/// authentication flows.
const ELSEWHERE: &[&str] = &["WEB-01", "WEB-03"];

#[test]
fn every_web_case_is_accounted_for() {
    let mut ids = opsguard_tests::case_ids("web.json");
    ids.sort();
    let mut known: Vec<String> = COVERED
        .iter()
        .chain(ELSEWHERE)
        .map(|s| (*s).to_owned())
        .collect();
    known.sort();
    assert_eq!(
        ids, known,
        "web.json changed: add tests for new cases that concern opsguard-auth"
    );
}

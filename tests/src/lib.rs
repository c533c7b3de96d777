//! Black-box tests of the opsguard family, and the small helpers the crates'
//! own tests share.
//!
//! The tests live in `tests/`:
//!
//! * `fuzz_replay.rs` replays every file of every fuzz corpus under
//!   `fuzz/corpus/` through the same check the fuzzer runs, on stable Rust;
//! * `facade.rs` checks the facade re-exports what services use;
//! * `conformance/` runs one black-box HTTP suite, over real loopback
//!   sockets, against an app on opsguard-axum and the same app on
//!   opsguard-actix, and requires byte-identical answers from both.
//!
//! The library part locates the project's shared test data: the real-world
//! cases in `../shared/cases/` and the public vectors in `../shared/vectors/`
//! (beside the checkout, in CI too). Tests read them from there and never copy
//! them into the project. Set `OPSGUARD_SHARED_DIR` to read them from
//! elsewhere.
#![forbid(unsafe_code)]
// Test support: a missing or malformed fixture must fail the test loudly.
#![allow(clippy::panic)]

use std::path::PathBuf;

use serde_json::Value;

/// The shared data directory: `$OPSGUARD_SHARED_DIR`, or `shared/` beside
/// the checkout, found at run time by walking up from the directory the test
/// runs in (cargo runs each test binary in its package's directory) to the
/// first ancestor whose `shared/` holds `cases/`.
///
/// The path is found at run time, not baked in at compile time, because a
/// build directory shared between checkouts (as `.ci/run` does) may reuse
/// this crate compiled in another checkout.
///
/// # Panics
///
/// When no ancestor of the current directory has a `shared/cases/`
/// directory and `OPSGUARD_SHARED_DIR` is not set.
#[must_use]
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OPSGUARD_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    let start = std::env::current_dir().unwrap_or_else(|e| panic!("no current directory: {e}"));
    start
        .ancestors()
        .map(|dir| dir.join("shared"))
        .find(|shared| shared.join("cases").is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no shared/ test data above {} (set OPSGUARD_SHARED_DIR to the shared/ directory)",
                start.display()
            )
        })
}

/// The path of `relative` inside the shared data directory, for example
/// `vectors/wycheproof/aes_gcm_test.json`.
///
/// # Panics
///
/// When the file does not exist: a test that silently skipped its vectors
/// would prove nothing.
#[must_use]
pub fn shared_file(relative: &str) -> PathBuf {
    let path = shared_dir().join(relative);
    assert!(
        path.is_file(),
        "shared test data {} not found (set OPSGUARD_SHARED_DIR to the shared/ directory)",
        path.display()
    );
    path
}

/// The JSON document at `relative` inside the shared data directory.
///
/// # Panics
///
/// When the file is missing or not JSON.
#[must_use]
pub fn shared_json(relative: &str) -> Value {
    let path = shared_file(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The real-world case `id` (for example `JWT-01`) from `cases/<file>`
/// (for example `tokens.json`).
///
/// # Panics
///
/// When the file or the case does not exist.
#[must_use]
pub fn case(file: &str, id: &str) -> Value {
    let all = shared_json(&format!("cases/{file}"));
    all.as_array()
        .and_then(|cases| cases.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("case {id} not found in cases/{file}"))
}

/// Every case id in `cases/<file>`, so a crate can assert it has a test for
/// each one.
///
/// # Panics
///
/// When the file is missing or malformed.
#[must_use]
pub fn case_ids(file: &str) -> Vec<String> {
    shared_json(&format!("cases/{file}"))
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

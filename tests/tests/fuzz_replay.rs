//! Replays every fuzz corpus file through its target's check, so that CI
//! exercises what the fuzzer found without nightly Rust or cargo-fuzz.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub,
    missing_docs
)]

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::PathBuf;

/// The checkout's `fuzz/` directory. `cargo test` sets `CARGO_MANIFEST_DIR`
/// when it runs the test, which is right even when the binary was reused
/// from a build directory shared with another checkout.
fn fuzz_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../fuzz")
}

fn corpus_root() -> PathBuf {
    fuzz_dir().join("corpus")
}

#[test]
fn every_corpus_dir_has_a_target_and_every_target_a_corpus() {
    let mut dirs: Vec<String> = std::fs::read_dir(corpus_root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    let mut targets: Vec<String> = checks::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    targets.sort();
    assert_eq!(dirs, targets);
    let fuzz_targets = fuzz_dir().join("fuzz_targets");
    for target in &targets {
        assert!(
            fuzz_targets.join(format!("{target}.rs")).is_file(),
            "fuzz target {target} has no fuzz_targets/{target}.rs"
        );
    }
}

#[test]
fn replay_every_corpus_file() {
    let mut replayed = 0usize;
    for dir in std::fs::read_dir(corpus_root()).unwrap() {
        let dir = dir.unwrap();
        let name = dir.file_name().into_string().unwrap();
        let check = checks::target(&name)
            .unwrap_or_else(|| panic!("corpus/{name} has no check in fuzz/src/lib.rs"));
        let mut files = 0usize;
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} failed its check", path.display());
            files += 1;
        }
        assert!(files > 0, "corpus/{name} is empty");
        replayed += files;
    }
    assert!(replayed > 0);
}

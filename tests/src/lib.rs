//! Black-box tests of the opsguard family. The tests live in `tests/`:
//!
//! * `fuzz_replay.rs` replays every file of every fuzz corpus under
//!   `fuzz/corpus/` through the same check the fuzzer runs, on stable Rust;
//! * `facade.rs` checks the facade re-exports what services use.
#![forbid(unsafe_code)]

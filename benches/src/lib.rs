//! criterion benches of the opsguard family, in `benches/`. Each bench
//! measures opsguard and the raw crate it wraps side by side in one run, so
//! the figures are ratios on the same machine. Run one with
//! `cargo bench -p opsguard-benches --bench <name>`.
#![forbid(unsafe_code)]

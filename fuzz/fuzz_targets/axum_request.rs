#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| opsguard_fuzz::axum::axum_request(data));

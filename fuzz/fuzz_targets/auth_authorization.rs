#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| opsguard_fuzz::auth::auth_authorization(data));

//! The property each fuzz target checks, shared by the cargo-fuzz binaries in
//! `fuzz_targets/` and by the corpus replay test in `opsguard-tests`
//! (`tests/tests/fuzz_replay.rs` includes this file), so CI replays every
//! corpus file through exactly the code the fuzzer ran, on stable Rust.
//!
//! Adding a target: write `pub fn <crate>_<input>(data: &[u8])` here (it may
//! panic only when the property is broken), add it to [`TARGETS`], add
//! `fuzz_targets/<name>.rs` and its `[[bin]]`, and seed `corpus/<name>/`.

pub mod auth;
pub mod axum;
pub mod crypto;
pub mod password;
pub mod rbac;
pub mod token;
pub mod validate;

/// The check of one target: panics when the property is broken.
pub type Check = fn(&[u8]);

/// Every target: its name (= the corpus directory) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("core_error_body", core_error_body),
    ("rbac_policy", rbac::rbac_policy),
    ("password_verify", password::password_verify),
    ("crypto_open", crypto::crypto_open),
    ("validate_fields", validate::validate_fields),
    ("auth_authorization", auth::auth_authorization),
    ("auth_forwarded_for", auth::auth_forwarded_for),
    ("token_verify", token::token_verify),
    ("token_jwks", token::token_jwks),
    ("axum_request", axum::axum_request),
];

/// The check of the target named `name`, if there is one.
#[must_use]
pub fn target(name: &str) -> Option<Check> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Any bytes parsed as an error body either fail cleanly or give a body whose
/// canonical encoding parses back to the same value.
pub fn core_error_body(data: &[u8]) {
    if let Ok(body) = opsguard_core::ErrorBody::from_slice(data) {
        let canonical = body.to_vec();
        let again = opsguard_core::ErrorBody::from_slice(&canonical)
            .unwrap_or_else(|e| panic!("canonical body does not parse: {e}"));
        assert_eq!(again, body, "round trip changed the body");
        assert_eq!(
            again.to_vec(),
            canonical,
            "canonical encoding is not stable"
        );
    }
}

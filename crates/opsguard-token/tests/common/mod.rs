//! Helpers shared by the integration tests: a fixed HMAC test key, a
//! settable clock, and a signer for hand-made tokens.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use opsguard_token::clock::ManualClock;
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, TokenError, Verifier};
use serde_json::{Value, json};

/// 32 bytes: the shortest HS256 secret allowed.
pub const SECRET: &[u8] = b"opsguard-token test key 32 bytes";
pub const KID: &str = "test-hs";
pub const ISS: &str = "https://auth.example";
pub const AUD: &str = "api";
/// 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000;

pub fn hs_key() -> SigningKey {
    SigningKey::from_hmac_secret(Algorithm::Hs256, SECRET)
        .unwrap()
        .with_kid(KID)
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(NOW))
}

pub fn keys() -> KeySet {
    KeySet::builder().primary(hs_key()).build().unwrap()
}

pub fn issuer(clock: &Arc<ManualClock>) -> Issuer {
    Issuer::builder(keys(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap()
}

pub fn verifier(clock: &Arc<ManualClock>) -> Verifier {
    Verifier::builder(keys(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap()
}

pub fn rotation(clock: &Arc<ManualClock>) -> RefreshRotation {
    RefreshRotation::builder(issuer(clock), Arc::new(MemoryRefreshStore::new()))
        .build()
        .unwrap()
}

/// Valid access-token claims at [`NOW`], to be overridden per test.
pub fn access_claims() -> serde_json::Map<String, Value> {
    let Value::Object(map) = json!({
        "iss": ISS, "sub": "user1", "aud": AUD, "exp": NOW + 600, "nbf": NOW, "iat": NOW,
        "jti": "jti-1", "token_use": "access", "username": "alice", "roles": ["user"],
    }) else {
        unreachable!()
    };
    map
}

/// `claims` with `overrides` applied (a `null` override keeps `null`).
pub fn with(mut claims: serde_json::Map<String, Value>, overrides: &Value) -> Vec<u8> {
    for (k, v) in overrides.as_object().unwrap() {
        claims.insert(k.clone(), v.clone());
    }
    serde_json::to_vec(&claims).unwrap()
}

/// A token with header `header` and raw payload bytes, HMAC-signed with
/// `secret` for `alg` (HS256/384/512).
pub fn sign_raw(
    header: &Value,
    payload: &[u8],
    secret: &[u8],
    alg: jsonwebtoken::Algorithm,
) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg).unwrap();
    format!("{input}.{sig}")
}

/// A token signed with the test key, header `{"alg":"HS256","kid":KID,"typ":typ}`.
pub fn sign_test(typ: &str, payload: &[u8]) -> String {
    sign_raw(
        &json!({"alg": "HS256", "kid": KID, "typ": typ}),
        payload,
        SECRET,
        jsonwebtoken::Algorithm::HS256,
    )
}

/// The decoded payload segment of a compact token.
pub fn payload_of(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap()
}

/// Asserts `result` is the error `expected` (compared by its `Display`,
/// which is unique per variant) and that the client answer is the generic
/// 401.
#[track_caller]
pub fn assert_rejected<T: std::fmt::Debug>(result: Result<T, TokenError>, expected: &TokenError) {
    match result {
        Ok(v) => panic!("accepted, expected {expected:?}: {v:?}"),
        Err(err) => {
            assert_eq!(
                std::mem::discriminant(&err),
                std::mem::discriminant(expected),
                "got {err:?}, expected {expected:?}"
            );
            assert!(err.is_token_rejection());
            let core: opsguard_core::Error = err.into();
            assert!(core.is_invalid_token());
            assert_eq!(core.message(), opsguard_core::INVALID_TOKEN_MESSAGE);
        }
    }
}

//! opsguard-token's parsers of outside input: a bearer token given to the
//! verifier, and a JWKS document fetched from another service.

use std::sync::{Arc, LazyLock};

use opsguard_token::clock::ManualClock;
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, TokenUse, Verifier};

const ISS: &str = "https://auth.example";
const AUD: &str = "api";
/// The fixed time the fuzz verifier runs at (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;
/// The fuzz key: a fixed 32-byte HS256 secret under kid `fuzz-hs`, so
/// seeds signed with it (see `corpus/token_verify/valid_access`) reach the
/// claim checks.
pub const SECRET: &[u8; 32] = b"opsguard fuzz hs256 key 32 bytes";

struct Fixture {
    verifier: Verifier,
    rotation: RefreshRotation,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let hs = SigningKey::from_hmac_secret(Algorithm::Hs256, SECRET)
        .unwrap_or_else(|e| panic!("fuzz key: {e}"))
        .with_kid("fuzz-hs");
    let ed = SigningKey::generate(Algorithm::EdDsa).unwrap_or_else(|e| panic!("ed key: {e}"));
    let keys = KeySet::builder()
        .primary(hs)
        .verify_only(ed)
        .build()
        .unwrap_or_else(|e| panic!("key set: {e}"));
    let clock = Arc::new(ManualClock::new(NOW));
    let verifier = Verifier::builder(keys.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap_or_else(|e| panic!("verifier: {e}"));
    let issuer = Issuer::builder(keys, ISS, AUD)
        .with_clock(clock)
        .build()
        .unwrap_or_else(|e| panic!("issuer: {e}"));
    let rotation = RefreshRotation::builder(issuer, Arc::new(MemoryRefreshStore::new()))
        .build()
        .unwrap_or_else(|e| panic!("rotation: {e}"));
    Fixture { verifier, rotation }
});

/// Any bytes (as lossy UTF-8) given to the verifier as an access, service or
/// refresh token are refused with an error or accepted with claims that
/// satisfy every check: right issuer, audience and use, unexpired at
/// [`NOW`], non-empty `sub` and `jti`, within the lifetime cap of the kind
/// (access 1 day, service 5 minutes, refresh the 30-day session from
/// `auth_time`, each plus the 30 s leeway). Never a panic.
pub fn token_verify(data: &[u8]) {
    const LEEWAY: i64 = 30;
    let text = String::from_utf8_lossy(data);
    let fx = &*FIXTURE;
    if let Ok(claims) = fx.verifier.verify_access(&text) {
        assert_eq!(claims.issuer(), ISS);
        assert!(claims.audience().iter().any(|a| a == AUD));
        assert_eq!(claims.token_use(), TokenUse::Access);
        assert!(claims.expires_at() > NOW - LEEWAY);
        assert!(claims.expires_at() - claims.issued_at() <= 86_400 + LEEWAY);
        assert!(!claims.subject().is_empty() && !claims.jwt_id().is_empty());
        assert!(text.len() <= opsguard_token::verify::MAX_TOKEN_BYTES);
    }
    if let Ok(claims) = fx.verifier.verify_service(&text) {
        assert_eq!(claims.token_use(), TokenUse::Service);
        assert!(claims.expires_at() <= NOW + 300 + LEEWAY);
        assert!(claims.expires_at() - claims.issued_at() <= 300 + LEEWAY);
    }
    if let Ok(claims) = fx.rotation.inspect(&text) {
        assert_eq!(claims.token_use(), TokenUse::Refresh);
        assert_eq!(claims.audience(), [ISS]);
        assert!(claims.authenticated_at() <= claims.issued_at());
        assert!(claims.expires_at() - claims.authenticated_at() <= 30 * 86_400 + LEEWAY);
    }
}

/// Any bytes parsed as a JWKS either fail cleanly or give a verify-only key
/// set whose export parses back to the same keys and re-exports to the same
/// text.
pub fn token_jwks(data: &[u8]) {
    let Ok(keys) = KeySet::from_jwks_json(data) else {
        return;
    };
    assert!(keys.primary_kid().is_none(), "a jwks set must not sign");
    let exported = keys.to_jwks().to_json();
    let again = KeySet::from_jwks_json(exported.as_bytes())
        .unwrap_or_else(|e| panic!("exported jwks does not parse: {e}"));
    let kids = |k: &KeySet| {
        k.kids()
            .map(|(kid, alg, state)| (kid.to_owned(), alg, state))
            .collect::<Vec<_>>()
    };
    assert_eq!(kids(&again), kids(&keys), "round trip changed the keys");
    assert_eq!(again.to_jwks().to_json(), exported, "export is not stable");
}

//! The verified-token cache: what a hit still checks (time, kind, key,
//! denylist), what is never stored, and the capacity bound.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use opsguard_token::clock::ManualClock;
use opsguard_token::denylist::{DenylistVerifier, MemoryDenylist};
use opsguard_token::{
    Algorithm, Issuer, KeySet, SigningKey, Subject, TokenError, Verifier, VerifyCache,
};
use serde::Deserialize;
use serde_json::json;

fn alice() -> Subject {
    Subject::new("42", "alice").with_roles(["operator"])
}

/// A cache whose entries outlive the test tokens, so that later
/// verifications are hits until the token itself ends.
fn cache() -> VerifyCache {
    VerifyCache::new(100, VerifyCache::MAX_TTL).unwrap()
}

fn cached_verifier(clock: &Arc<ManualClock>) -> Verifier {
    verifier(clock).with_cache(cache())
}

fn len(verifier: &Verifier) -> usize {
    verifier.cache().unwrap().len()
}

#[test]
fn off_by_default() {
    let clock = clock();
    assert!(verifier(&clock).cache().is_none());
    assert!(issuer(&clock).verifier().unwrap().cache().is_none());
}

#[test]
fn a_hit_returns_the_same_claims() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    let first = verifier.verify_access(token.expose_secret()).unwrap();
    assert_eq!(len(&verifier), 1);
    clock.advance(Duration::from_secs(10));
    let again = verifier.verify_access(token.expose_secret()).unwrap();
    assert_eq!(first, again);
    assert_eq!(again.subject(), "42");
    assert_eq!(again.roles(), ["operator"]);
    assert_eq!(len(&verifier), 1);
    // Clones share the cache.
    let clone = verifier.clone();
    assert_eq!(clone.verify_access(token.expose_secret()).unwrap(), first);
    assert_eq!(len(&verifier), 1);
}

#[test]
fn a_token_that_expires_while_cached_is_refused() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    verifier.verify_access(token.expose_secret()).unwrap();
    // Valid until exp (NOW + 900) plus the 30 s leeway, and not a second more.
    clock.set(NOW + 929);
    verifier.verify_access(token.expose_secret()).unwrap();
    clock.set(NOW + 930);
    assert_rejected(
        verifier.verify_access(token.expose_secret()),
        &TokenError::Expired,
    );
}

#[test]
fn the_clock_is_checked_on_every_hit() {
    // A hit re-runs nbf and iat: a clock set back before the token's start
    // (plus leeway) refuses it, cached or not.
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    verifier.verify_access(token.expose_secret()).unwrap();
    clock.set(NOW - 31);
    assert_rejected(
        verifier.verify_access(token.expose_secret()),
        &TokenError::NotYetValid,
    );
    clock.set(NOW);
    verifier.verify_access(token.expose_secret()).unwrap();
}

#[test]
fn entries_end_after_the_ttl_and_the_token_is_verified_again() {
    let clock = clock();
    let verifier =
        verifier(&clock).with_cache(VerifyCache::new(100, Duration::from_secs(5)).unwrap());
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    let first = verifier.verify_access(token.expose_secret()).unwrap();
    clock.advance(Duration::from_secs(5));
    // The stale entry is dropped, the token verified in full and stored again.
    assert_eq!(
        verifier.verify_access(token.expose_secret()).unwrap(),
        first
    );
    assert_eq!(len(&verifier), 1);
}

#[test]
fn refusals_are_never_cached() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    let token = token.expose_secret();

    // A forged signature: refused twice, nothing stored.
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for _ in 0..2 {
        assert_rejected(
            verifier.verify_access(&forged),
            &TokenError::SignatureInvalid,
        );
    }
    // Expired at its first presentation.
    clock.set(NOW + 10_000);
    assert_rejected(verifier.verify_access(token), &TokenError::Expired);
    // Another audience.
    clock.set(NOW);
    let other = Verifier::builder(keys(), ISS, "billing")
        .with_clock(clock.clone())
        .build()
        .unwrap()
        .with_cache(cache());
    assert_rejected(other.verify_access(token), &TokenError::AudienceMismatch);
    assert_eq!(len(&other), 0);
    assert_eq!(len(&verifier), 0);
    // Oversized: refused before it is hashed.
    let large = "a".repeat(9 * 1024);
    assert_rejected(verifier.verify_access(&large), &TokenError::TooLarge);
    assert_eq!(len(&verifier), 0);
}

#[test]
fn a_token_cached_as_one_kind_is_refused_as_another() {
    let clock = clock();
    let issuer = issuer(&clock);
    let verifier = cached_verifier(&clock);
    let access = issuer.issue_access(&alice()).unwrap();
    verifier.verify_access(access.expose_secret()).unwrap();
    assert_rejected(
        verifier.verify_service(access.expose_secret()),
        &TokenError::TypeMismatch,
    );

    let service = issuer.issue_service("billing", AUD, &["reader"]).unwrap();
    verifier.verify_service(service.expose_secret()).unwrap();
    verifier.verify_service(service.expose_secret()).unwrap();
    assert_rejected(
        verifier.verify_access(service.expose_secret()),
        &TokenError::TypeMismatch,
    );
    assert_eq!(len(&verifier), 2);
}

#[test]
fn a_cached_service_token_is_checked_against_the_clock() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let service = issuer(&clock)
        .issue_service("billing", AUD, &["reader"])
        .unwrap();
    verifier.verify_service(service.expose_secret()).unwrap();
    clock.set(service.expires_at() + 29);
    verifier.verify_service(service.expose_secret()).unwrap();
    clock.set(service.expires_at() + 30);
    assert_rejected(
        verifier.verify_service(service.expose_secret()),
        &TokenError::Expired,
    );
}

#[test]
fn a_retired_key_is_refused_after_retirement() {
    let clock = clock();
    let old = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let old_kid = old.kid().to_owned();
    let keys = KeySet::builder().primary(old).build().unwrap();
    let issuer = Issuer::builder(keys.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let token = issuer.issue_access(&alice()).unwrap();
    let verifier = issuer.verifier().unwrap().with_cache(cache());
    verifier.verify_access(token.expose_secret()).unwrap();
    verifier.verify_access(token.expose_secret()).unwrap();

    // Key sets are immutable: retiring means a new verifier, with its own
    // cache (a cache cannot be cloned into it).
    let retired = keys
        .rotate(SigningKey::generate(Algorithm::EdDsa).unwrap())
        .unwrap()
        .retire(&old_kid)
        .unwrap();
    let next = Verifier::builder(retired, ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap()
        .with_cache(cache());
    assert_rejected(
        next.verify_access(token.expose_secret()),
        &TokenError::KeyRetired,
    );
    assert_eq!(len(&next), 0);
}

#[tokio::test]
async fn a_denied_token_is_refused_on_a_hit() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let guarded = DenylistVerifier::new(verifier.clone(), Arc::new(MemoryDenylist::new()));
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    let claims = guarded.verify_access(token.expose_secret()).await.unwrap();
    assert_eq!(len(&verifier), 1);
    guarded.deny(&claims).await.unwrap();
    // The token is still in the cache, and still valid as far as the plain
    // verifier knows; the denylist refuses it on every call.
    assert_eq!(
        verifier.verify_access(token.expose_secret()).unwrap(),
        claims
    );
    for _ in 0..2 {
        assert_rejected(
            guarded.verify_access(token.expose_secret()).await,
            &TokenError::Denied,
        );
    }
    assert_eq!(len(&verifier), 1);
}

#[test]
fn the_capacity_bound_holds_and_evicted_tokens_still_verify() {
    let clock = clock();
    let issuer = issuer(&clock);
    let verifier =
        verifier(&clock).with_cache(VerifyCache::new(8, Duration::from_secs(60)).unwrap());
    let tokens: Vec<_> = (0..50)
        .map(|i| {
            issuer
                .issue_access(&Subject::new(format!("{i}"), "u"))
                .unwrap()
        })
        .collect();
    for token in &tokens {
        verifier.verify_access(token.expose_secret()).unwrap();
        assert!(len(&verifier) <= 8);
    }
    for (i, token) in tokens.iter().enumerate() {
        let claims = verifier.verify_access(token.expose_secret()).unwrap();
        assert_eq!(claims.subject(), format!("{i}"));
        assert!(len(&verifier) <= 8);
    }
}

#[test]
fn custom_claims_are_always_verified_in_full() {
    #[derive(Debug, Deserialize)]
    struct Tenant {
        tenant: String,
    }
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock)
        .issue_access_with(&alice(), &json!({"tenant": "acme"}))
        .unwrap();
    let claims = verifier
        .verify_access_with::<Tenant>(token.expose_secret())
        .unwrap();
    assert_eq!(claims.custom().tenant, "acme");
    assert_eq!(len(&verifier), 0);
}

#[test]
fn debug_shows_the_settings_and_no_token() {
    let clock = clock();
    let verifier = cached_verifier(&clock);
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    verifier.verify_access(token.expose_secret()).unwrap();
    let debug = format!("{verifier:?}");
    assert!(
        debug.contains("cache: Some(VerifyCache { capacity: 100, ttl: 3600, len: 1, .. })"),
        "{debug}"
    );
    assert!(!debug.contains(token.expose_secret()));
    assert!(!debug.contains(token.jwt_id()));
}

//! Regressions for the findings of the security review of issue 3, one
//! section per finding; each test failed before its fix.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use opsguard_token::clock::ManualClock;
use opsguard_token::denylist::{DenylistVerifier, MemoryDenylist, deny_until};
use opsguard_token::refresh::{
    DEFAULT_MAX_SESSION, MAX_SESSION, MemoryRefreshStore, NewFamily, RefreshRotation, RefreshStore,
    RotateOutcome, Rotation,
};
use opsguard_token::{
    Algorithm, FamilyId, Issuer, KeySet, SigningKey, Subject, TokenError, Verifier, VerifyingKey,
};
use serde_json::{Value, json};

const DAY: u64 = 86_400;

fn alice() -> Subject {
    Subject::new("42", "alice").with_roles(["operator"])
}

fn rotation_on(
    clock: &Arc<ManualClock>,
    store: Arc<dyn RefreshStore>,
    grace: Duration,
    max_session: Duration,
) -> RefreshRotation {
    RefreshRotation::builder(issuer(clock), store)
        .with_grace(grace)
        .with_max_session(max_session)
        .build()
        .unwrap()
}

// --- 1. Denylisted access tokens between exp and exp + leeway ------------

#[tokio::test]
async fn r1_denied_token_stays_denied_through_the_leeway() {
    let clock = clock();
    let denylist = Arc::new(MemoryDenylist::new());
    // Default leeway: 30 s.
    let verifier = DenylistVerifier::new(verifier(&clock), denylist.clone());
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    let claims = verifier.verify_access(token.expose_secret()).await.unwrap();
    verifier.deny(&claims).await.unwrap();
    let exp = claims.expires_at();

    for at in [exp - 1, exp, exp + 29] {
        clock.set(at);
        assert_rejected(
            verifier.verify_access(token.expose_secret()).await,
            &TokenError::Denied,
        );
        // Purging at that time keeps the entry.
        assert_eq!(
            verifier.purge_expired().await.unwrap(),
            0,
            "at exp{:+}",
            at - exp
        );
    }
    // exp + leeway: the verifier itself refuses it as expired.
    clock.set(exp + 30);
    assert_rejected(
        verifier.verify_access(token.expose_secret()).await,
        &TokenError::Expired,
    );

    // A verifier with the largest leeway, sharing the list, still refuses the
    // token one second before it would call it expired.
    let lenient = DenylistVerifier::new(
        Verifier::builder(keys(), ISS, AUD)
            .with_clock(clock.clone())
            .with_leeway(Duration::from_secs(300))
            .build()
            .unwrap(),
        denylist.clone(),
    );
    clock.set(exp + 299);
    assert_rejected(
        lenient.verify_access(token.expose_secret()).await,
        &TokenError::Denied,
    );
    assert_eq!(lenient.purge_expired().await.unwrap(), 0);
    clock.set(exp + 300);
    assert_rejected(
        lenient.verify_access(token.expose_secret()).await,
        &TokenError::Expired,
    );
    assert_eq!(lenient.purge_expired().await.unwrap(), 1);
    assert_eq!(deny_until(exp), exp + 300);
    assert_eq!(deny_until(i64::MAX - 1), i64::MAX);
}

// --- 2. Refresh families never expired absolutely ------------------------

#[tokio::test]
async fn r2_a_family_ends_at_its_maximum_session_length_however_often_rotated() {
    let clock = clock();
    let rotation = rotation_on(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::ZERO,
        DEFAULT_MAX_SESSION,
    );
    assert_eq!(DEFAULT_MAX_SESSION, Duration::from_secs(30 * DAY));
    let session_end = NOW + 30 * 86_400;
    let login = rotation.start(&alice()).await.unwrap();
    let first = rotation.inspect(login.refresh().expose_secret()).unwrap();
    assert_eq!(first.authenticated_at(), NOW);
    assert_eq!(first.expires_at(), NOW + 14 * 86_400);

    // The attack of the review: rotate every 13 days, for 520 days.
    let mut token = login.refresh().expose_secret().to_owned();
    let mut rotations = 0;
    let outcome = loop {
        clock.advance(Duration::from_secs(13 * DAY));
        match rotation.rotate(&token).await {
            Ok(pair) => {
                let claims = rotation.inspect(pair.refresh().expose_secret()).unwrap();
                assert_eq!(claims.authenticated_at(), NOW);
                assert!(claims.expires_at() <= session_end);
                token = pair.refresh().expose_secret().to_owned();
                rotations += 1;
            }
            Err(err) => break err,
        }
        assert!(rotations < 40, "the family never ended");
    };
    // Day 13 and day 26 rotate; the token of day 26 expires at day 30, so at
    // day 39 it is expired.
    assert_eq!(rotations, 2);
    assert_rejected(Err::<(), _>(outcome), &TokenError::Expired);
}

#[tokio::test]
async fn r2_the_last_token_of_a_family_expires_exactly_at_the_session_end() {
    let clock = clock();
    let rotation = rotation_on(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::ZERO,
        Duration::from_secs(20 * DAY),
    );
    let session_end = NOW + 20 * 86_400;
    let login = rotation.start(&alice()).await.unwrap();
    clock.set(NOW + 10 * 86_400);
    let pair = rotation
        .rotate(login.refresh().expose_secret())
        .await
        .unwrap();
    // min(now + 14 days, login + 20 days).
    assert_eq!(pair.refresh().expires_at(), session_end);
    clock.set(session_end - 1);
    let last = rotation
        .rotate(pair.refresh().expose_secret())
        .await
        .unwrap();
    assert_eq!(last.refresh().expires_at(), session_end);
    // Within the verifier's leeway after the end, the token would still
    // verify; the rotation refuses it because the session is over.
    clock.set(session_end + 10);
    assert_rejected(
        rotation.rotate(last.refresh().expose_secret()).await,
        &TokenError::Expired,
    );
}

#[tokio::test]
async fn r2_a_shorter_session_limit_applies_to_families_already_running() {
    let clock = clock();
    let store: Arc<dyn RefreshStore> = Arc::new(MemoryRefreshStore::new());
    let long = rotation_on(&clock, store.clone(), Duration::ZERO, MAX_SESSION);
    let login = long.start(&alice()).await.unwrap();
    clock.set(NOW + 2 * 86_400);
    let short = rotation_on(&clock, store, Duration::ZERO, Duration::from_secs(DAY));
    // The token claims a 90-day session, more than this rotation allows.
    assert_rejected(
        short.rotate(login.refresh().expose_secret()).await,
        &TokenError::LifetimeTooLong,
    );
}

#[tokio::test]
async fn r2_the_store_never_extends_a_family_past_the_limit_set_at_creation() {
    let store = MemoryRefreshStore::new();
    let fam = FamilyId::new("fam");
    store
        .create(&NewFamily::new(fam.clone(), "42", "j1", 0, 100, 150))
        .await
        .unwrap();
    // A caller asking for a later expiry (e.g. after raising the limit in
    // its configuration) gets the limit recorded at login.
    let rotate = |presented: &str, next: &str, now: i64| {
        Rotation::new(fam.clone(), presented, next, now + 1_000, now, 0)
    };
    assert_eq!(
        store.rotate(&rotate("j1", "j2", 90)).await.unwrap(),
        RotateOutcome::Rotated
    );
    assert_eq!(
        store.rotate(&rotate("j2", "j3", 149)).await.unwrap(),
        RotateOutcome::Rotated
    );
    assert_eq!(
        store.rotate(&rotate("j3", "j4", 150)).await.unwrap(),
        RotateOutcome::Inactive
    );
    assert_eq!(store.purge_expired(149).await.unwrap(), 0);
    assert_eq!(store.purge_expired(150).await.unwrap(), 1);
}

#[test]
fn r2_forged_refresh_tokens_with_an_overlong_session_are_refused() {
    let clock = clock();
    let rotation = rotation(&clock);
    let base = |overrides: Value| {
        let Value::Object(mut claims) = json!({
            "iss": ISS, "sub": "42", "aud": ISS, "exp": NOW + 600, "nbf": NOW, "iat": NOW,
            "jti": "r-1", "token_use": "refresh", "username": "alice", "roles": [],
            "fam": "fam-1", "auth_time": NOW,
        }) else {
            unreachable!()
        };
        for (k, v) in overrides.as_object().unwrap() {
            if v.is_null() {
                claims.remove(k);
            } else {
                claims.insert(k.clone(), v.clone());
            }
        }
        sign_test("refresh+jwt", &serde_json::to_vec(&claims).unwrap())
    };
    assert_eq!(
        rotation
            .inspect(&base(json!({})))
            .unwrap()
            .authenticated_at(),
        NOW
    );
    // Logged in 30 days ago (the default limit) + leeway: the last second.
    let at_limit = base(json!({"auth_time": NOW + 600 - 30 * 86_400 - 30}));
    assert!(rotation.inspect(&at_limit).is_ok());
    let beyond = base(json!({"auth_time": NOW + 600 - 30 * 86_400 - 31}));
    assert_rejected(rotation.inspect(&beyond), &TokenError::LifetimeTooLong);
    // A login after the token was issued, a missing login time, an empty
    // family: malformed.
    assert_rejected(
        rotation.inspect(&base(json!({"auth_time": NOW + 1}))),
        &TokenError::ClaimsMalformed,
    );
    assert_rejected(
        rotation.inspect(&base(json!({"auth_time": null}))),
        &TokenError::ClaimsMalformed,
    );
    assert_rejected(
        rotation.inspect(&base(json!({"fam": ""}))),
        &TokenError::ClaimsMalformed,
    );
    // A refresh token valid for a year from iat.
    assert_rejected(
        rotation.inspect(&base(json!({"exp": NOW + 365 * 86_400}))),
        &TokenError::LifetimeTooLong,
    );
}

#[test]
fn r2_the_maximum_session_length_is_bounded() {
    let clock = clock();
    for bad in [Duration::ZERO, MAX_SESSION + Duration::from_secs(1)] {
        assert!(matches!(
            RefreshRotation::builder(issuer(&clock), Arc::new(MemoryRefreshStore::new()))
                .with_max_session(bad)
                .build(),
            Err(TokenError::Config { .. })
        ));
    }
    assert_eq!(MAX_SESSION, Duration::from_secs(90 * DAY));
    assert!(
        RefreshRotation::builder(issuer(&clock), Arc::new(MemoryRefreshStore::new()))
            .with_max_session(MAX_SESSION)
            .build()
            .is_ok()
    );
}

// --- 3. Grace window replayable any number of times ----------------------

#[tokio::test]
async fn r3_the_grace_window_accepts_the_previous_token_only_once() {
    let clock = clock();
    let rotation = rotation_on(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::from_secs(10),
        DEFAULT_MAX_SESSION,
    );
    let login = rotation.start(&alice()).await.unwrap();
    let t1 = login.refresh().expose_secret().to_owned();
    let _lost = rotation.rotate(&t1).await.unwrap();
    clock.advance(Duration::from_secs(2));
    let retry = rotation.rotate(&t1).await.unwrap();
    // A second retry of the same token, still inside the window, is reuse:
    // the family is revoked, including the pair the first retry produced.
    clock.advance(Duration::from_secs(2));
    let replay = rotation.rotate(&t1).await;
    assert!(
        matches!(&replay, Err(TokenError::ReuseDetected(e)) if e.family() == login.family()),
        "{replay:?}"
    );
    assert_rejected(
        rotation.rotate(retry.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r3_two_racing_grace_retries_have_one_winner() {
    let clock = clock();
    let rotation = Arc::new(rotation_on(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::from_secs(10),
        DEFAULT_MAX_SESSION,
    ));
    for _ in 0..10 {
        let login = rotation.start(&alice()).await.unwrap();
        let t1 = Arc::new(login.refresh().expose_secret().to_owned());
        rotation.rotate(&t1).await.unwrap();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (rotation, t1) = (rotation.clone(), t1.clone());
                tokio::spawn(async move { rotation.rotate(&t1).await })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 1);
    }
}

// --- 4. Non-canonical Ed25519 public keys --------------------------------

/// The little-endian encoding of y = p + k (p = 2^255 − 19), with the sign
/// bit of x.
fn y_above_p(k: u8, sign: bool) -> [u8; 32] {
    let mut bytes = [0xff_u8; 32];
    bytes[0] = 0xed_u8 + k; // no carry for k ≤ 18
    bytes[31] = if sign { 0xff } else { 0x7f };
    bytes
}

fn okp_jwks(x: &[u8]) -> String {
    format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}"}}]}}"#,
        URL_SAFE_NO_PAD.encode(x)
    )
}

fn ed25519_spki_pem(x: &[u8]) -> String {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(x);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

#[test]
fn r4_non_canonical_ed25519_keys_are_refused_by_jwks_and_pem_import() {
    let mut checked = 0;
    for k in 2..=18 {
        for sign in [false, true] {
            let encoding = y_above_p(k, sign);
            // Only encodings the decompression accepts are interesting: they
            // name a real point, just not canonically.
            let Ok(point) = ed25519_dalek::VerifyingKey::from_bytes(&encoding) else {
                continue;
            };
            if point.is_weak() {
                continue;
            }
            let canonical = point.to_edwards().compress().to_bytes();
            assert_ne!(canonical, encoding);
            assert!(matches!(
                KeySet::from_jwks_json(okp_jwks(&encoding).as_bytes()),
                Err(TokenError::Jwks {
                    reason: "invalid public key"
                })
            ));
            assert!(matches!(
                VerifyingKey::from_public_pem(
                    Algorithm::EdDsa,
                    ed25519_spki_pem(&encoding).as_bytes()
                ),
                Err(TokenError::KeyInvalid { .. })
            ));
            // The same point, canonically encoded, is a valid key.
            assert!(KeySet::from_jwks_json(okp_jwks(&canonical).as_bytes()).is_ok());
            assert!(
                VerifyingKey::from_public_pem(
                    Algorithm::EdDsa,
                    ed25519_spki_pem(&canonical).as_bytes()
                )
                .is_ok()
            );
            checked += 1;
        }
    }
    // y = p+3 and others, both signs (the review's list).
    assert!(checked >= 20, "{checked}");
}

// --- 5. ES256 signature malleability (documented, not enforced) ----------

/// `n − s` for the P-256 group order `n`, big-endian.
fn p256_negate(s: &[u8]) -> Vec<u8> {
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = u8::try_from(d).unwrap();
    }
    out
}

#[tokio::test]
async fn r5_an_es256_twin_signature_verifies_but_is_the_same_token_to_the_denylist() {
    let clock = clock();
    let key = SigningKey::generate(Algorithm::Es256).unwrap();
    let keys = KeySet::builder().primary(key).build().unwrap();
    let issuer = Issuer::builder(keys, ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let verifier =
        DenylistVerifier::new(issuer.verifier().unwrap(), Arc::new(MemoryDenylist::new()));
    let token = issuer.issue_access(&alice()).unwrap();
    let token = token.expose_secret();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let mut twin_sig = raw[..32].to_vec();
    twin_sig.extend(p256_negate(&raw[32..]));
    let twin = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&twin_sig));
    assert_ne!(twin, token);

    // RFC 7518 §3.4 does not ask for low-S, so the twin verifies (see the
    // README): the token's bytes are not unique, its jti is.
    let original = verifier.verify_access(token).await.unwrap();
    let malleated = verifier.verify_access(&twin).await.unwrap();
    assert_eq!(malleated, original);
    verifier.deny(&original).await.unwrap();
    assert_rejected(verifier.verify_access(&twin).await, &TokenError::Denied);
}

// --- 6. null and wrongly typed header members ----------------------------

#[test]
fn r6_null_or_mistyped_header_members_are_not_absent() {
    let clock = clock();
    let verifier = verifier(&clock);
    let claims = serde_json::to_vec(&access_claims()).unwrap();
    let token = |header: Value| sign_raw(&header, &claims, SECRET, jsonwebtoken::Algorithm::HS256);
    let header = |extra: Value| {
        let mut h = json!({"alg": "HS256", "kid": KID, "typ": "at+jwt"});
        for (k, v) in extra.as_object().unwrap() {
            h[k] = v.clone();
        }
        h
    };
    assert!(verifier.verify_access(&token(header(json!({})))).is_ok());
    for crit in [json!(null), json!([]), json!(["exp"]), json!(7)] {
        assert_rejected(
            verifier.verify_access(&token(header(json!({ "crit": crit })))),
            &TokenError::CriticalHeader,
        );
    }
    for bad in [
        json!({"kid": null}),
        json!({"kid": 7}),
        json!({"typ": null}),
        json!({"typ": ["at+jwt"]}),
        json!({"alg": null}),
    ] {
        assert_rejected(
            verifier.verify_access(&token(header(bad))),
            &TokenError::Malformed,
        );
    }
}

// --- 7. Duplicate members ------------------------------------------------

#[test]
fn r7_any_duplicate_member_in_the_header_is_refused() {
    let clock = clock();
    let verifier = verifier(&clock);
    let claims = serde_json::to_vec(&access_claims()).unwrap();
    let base = format!(r#""alg":"HS256","kid":"{KID}","typ":"at+jwt""#);
    for extra in [
        r#""cty":"JWT","cty":"json""#,
        r#""jku":"https://a","jku":"https://b""#,
        r#""b64":true,"b64":false"#,
        r#""x5u":"https://a","x5u":"https://b""#,
        r#""x":{"y":1,"y":2}"#,
        r#""typ":"at+jwt""#,
        r#""\u0074yp":"refresh+jwt""#,
    ] {
        let header = format!("{{{base},{extra}}}");
        let token = sign_raw_text(&header, &claims);
        assert_rejected(verifier.verify_access(&token), &TokenError::Malformed);
    }
    // The same header without the duplicates passes.
    let token = sign_raw_text(&format!(r#"{{{base},"cty":"JWT"}}"#), &claims);
    assert!(verifier.verify_access(&token).is_ok());
}

#[test]
fn r7_any_duplicate_member_in_the_claims_is_refused_whatever_the_custom_type() {
    let clock = clock();
    let verifier = verifier(&clock);
    let text = String::from_utf8(serde_json::to_vec(&access_claims()).unwrap()).unwrap();
    let body = text.trim_end_matches('}');
    for extra in [
        r#""scope":"read","scope":"admin""#,
        r#""perm":{"jobs":"read","jobs":"write"}"#,
        r#""list":[{"a":1,"a":2}]"#,
        r#""username":"mallory""#,
        r#""\u0073ub":"1""#,
    ] {
        let token = sign_test("at+jwt", format!("{body},{extra}}}").as_bytes());
        assert_rejected(verifier.verify_access(&token), &TokenError::ClaimsMalformed);
        assert_rejected(
            verifier.verify_access_with::<HashMap<String, Value>>(&token),
            &TokenError::ClaimsMalformed,
        );
        assert_rejected(
            verifier.verify_access_with::<Value>(&token),
            &TokenError::ClaimsMalformed,
        );
    }
    let token = sign_test("at+jwt", format!(r#"{body},"scope":"read"}}"#).as_bytes());
    let custom = verifier
        .verify_access_with::<HashMap<String, Value>>(&token)
        .unwrap()
        .into_custom();
    assert_eq!(custom, HashMap::from([("scope".to_owned(), json!("read"))]));
}

/// A token with a raw (text) header, HS256 with the test key.
fn sign_raw_text(header: &str, payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.as_bytes()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap();
    let sig =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap();
    format!("{input}.{sig}")
}

// --- 8. Lifetime caps on the verifying side ------------------------------

fn service_claims(overrides: &Value) -> Vec<u8> {
    let Value::Object(claims) = json!({
        "iss": ISS, "sub": "billing", "aud": AUD, "exp": NOW + 300, "iat": NOW,
        "jti": "s-1", "token_use": "service", "roles": [],
    }) else {
        unreachable!()
    };
    let mut claims = claims;
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            claims.remove(k);
        } else {
            claims.insert(k.clone(), v.clone());
        }
    }
    serde_json::to_vec(&claims).unwrap()
}

#[test]
fn r8_service_tokens_are_capped_by_exp_minus_iat_and_need_iat() {
    let clock = clock();
    let verifier = verifier(&clock);
    let ok = sign_test("service+jwt", &service_claims(&json!({})));
    assert!(verifier.verify_service(&ok).is_ok());
    // Issued a day ago, valid for 5 more minutes: a day-long service token.
    let old = sign_test(
        "service+jwt",
        &service_claims(&json!({"iat": NOW - 86_400})),
    );
    assert_rejected(verifier.verify_service(&old), &TokenError::LifetimeTooLong);
    // 5 minutes plus leeway is the last accepted lifetime.
    let edge = sign_test(
        "service+jwt",
        &service_claims(&json!({"iat": NOW - 30, "exp": NOW + 300})),
    );
    assert!(verifier.verify_service(&edge).is_ok());
    let over = sign_test(
        "service+jwt",
        &service_claims(&json!({"iat": NOW - 31, "exp": NOW + 300})),
    );
    assert_rejected(verifier.verify_service(&over), &TokenError::LifetimeTooLong);
    let no_iat = sign_test("service+jwt", &service_claims(&json!({"iat": null})));
    assert_rejected(
        verifier.verify_service(&no_iat),
        &TokenError::ClaimsMalformed,
    );
}

#[test]
fn r8_access_tokens_are_capped_and_need_iat_jti_and_sub() {
    let clock = clock();
    // A verifier built without an issuer: the cap is the issuers' maximum
    // access TTL, 1 day.
    let verifier = verifier(&clock);
    let far = sign_test("at+jwt", &with(access_claims(), &json!({"exp": i64::MAX})));
    assert_rejected(verifier.verify_access(&far), &TokenError::LifetimeTooLong);
    let day = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"exp": NOW + 86_400 + 30})),
    );
    assert!(verifier.verify_access(&day).is_ok());
    let over = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"exp": NOW + 86_400 + 31})),
    );
    assert_rejected(verifier.verify_access(&over), &TokenError::LifetimeTooLong);

    // The issuer's own verifier caps at its access TTL (15 min) + leeway.
    let own = issuer(&clock).verifier().unwrap();
    let edge = sign_test("at+jwt", &with(access_claims(), &json!({"exp": NOW + 930})));
    assert!(own.verify_access(&edge).is_ok());
    let over = sign_test("at+jwt", &with(access_claims(), &json!({"exp": NOW + 931})));
    assert_rejected(own.verify_access(&over), &TokenError::LifetimeTooLong);
    // Configurable, within 1 second and 1 day.
    let strict = Verifier::builder(keys(), ISS, AUD)
        .with_clock(clock.clone())
        .with_max_access_ttl(Duration::from_secs(60))
        .build()
        .unwrap();
    assert_rejected(strict.verify_access(&edge), &TokenError::LifetimeTooLong);
    for bad in [Duration::ZERO, Duration::from_secs(DAY + 1)] {
        assert!(matches!(
            Verifier::builder(keys(), ISS, AUD)
                .with_max_access_ttl(bad)
                .build(),
            Err(TokenError::Config { .. })
        ));
    }

    // iat required; jti and sub non-empty.
    let mut claims = access_claims();
    claims.remove("iat");
    let no_iat = sign_test("at+jwt", &serde_json::to_vec(&claims).unwrap());
    assert_rejected(
        verifier.verify_access(&no_iat),
        &TokenError::ClaimsMalformed,
    );
    for empty in [json!({"jti": ""}), json!({"sub": ""})] {
        let t = sign_test("at+jwt", &with(access_claims(), &empty));
        assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    }
    let mut claims = access_claims();
    claims.remove("jti");
    let no_jti = sign_test("at+jwt", &serde_json::to_vec(&claims).unwrap());
    assert_rejected(
        verifier.verify_access(&no_jti),
        &TokenError::ClaimsMalformed,
    );
    // An issuer refuses to mint a token with an empty sub.
    assert!(matches!(
        issuer(&clock).issue_access(&Subject::new("", "nobody")),
        Err(TokenError::Config { .. })
    ));
}

// --- 9. Custom claims types that declare a registered claim --------------

#[test]
fn r9_a_custom_claims_type_with_a_reserved_field_is_a_configuration_error() {
    #[derive(serde::Deserialize, Debug)]
    struct WithExp {
        #[allow(dead_code)]
        exp: Option<i64>,
        #[allow(dead_code)]
        scope: Option<String>,
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Scope {
        scope: Option<String>,
    }
    let clock = clock();
    let verifier = verifier(&clock);
    let token = sign_test("at+jwt", &with(access_claims(), &json!({"scope": "read"})));
    let err = verifier.verify_access_with::<WithExp>(&token).unwrap_err();
    assert!(matches!(err, TokenError::Config { .. }), "{err:?}");
    assert!(!err.is_token_rejection());
    assert_eq!(
        opsguard_core::Error::from(err).kind(),
        opsguard_core::ErrorKind::Internal
    );
    assert_eq!(
        verifier
            .verify_access_with::<Scope>(&token)
            .unwrap()
            .into_custom(),
        Scope {
            scope: Some("read".to_owned())
        }
    );
}

//! Verification: tampering, time claims at their limits, key rotation,
//! header rules, service-token lifetimes, custom claims and the client
//! answer.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use opsguard_token::{
    Algorithm, Issuer, KeySet, KeyState, SigningKey, Subject, TokenError, Verifier,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

fn alice() -> Subject {
    Subject::new("42", "alice").with_roles(["operator", "auditor"])
}

#[test]
fn issued_access_token_round_trips_every_claim() {
    let clock = clock();
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    assert_eq!(token.expires_in(), 900);
    let claims = verifier(&clock)
        .verify_access(token.expose_secret())
        .unwrap();
    assert_eq!(claims.issuer(), ISS);
    assert_eq!(claims.subject(), "42");
    assert_eq!(claims.audience(), [AUD]);
    assert_eq!(claims.username(), "alice");
    assert_eq!(claims.roles(), ["operator", "auditor"]);
    assert_eq!(claims.issued_at(), NOW);
    assert_eq!(claims.not_before(), Some(NOW));
    assert_eq!(claims.expires_at(), NOW + 900);
    assert_eq!(claims.jwt_id(), token.jwt_id());
    assert_eq!(claims.jwt_id().len(), 22);
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.expose_secret().split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header, json!({"alg": "HS256", "kid": KID, "typ": "at+jwt"}));
}

#[test]
fn tampered_header_payload_or_signature_is_rejected() {
    let clock = clock();
    let verifier = verifier(&clock);
    for alg in [Algorithm::Hs256, Algorithm::EdDsa, Algorithm::Es256] {
        let keys = KeySet::builder()
            .primary(SigningKey::generate(alg).unwrap())
            .build()
            .unwrap();
        let issuer = Issuer::builder(keys.clone(), ISS, AUD)
            .with_clock(clock.clone())
            .build()
            .unwrap();
        let verifier = Verifier::builder(keys, ISS, AUD)
            .with_clock(clock.clone())
            .build()
            .unwrap();
        let token = issuer.issue_access(&alice()).unwrap();
        let token = token.expose_secret();
        assert!(verifier.verify_access(token).is_ok());
        let parts: Vec<&str> = token.split('.').collect();
        // Header: same kid and alg, typ changed → signature no longer matches.
        let header =
            json!({"alg": alg.name(), "kid": issuer_kid(&verifier, token), "typ": "AT+JWT"});
        let forged_header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
        let t = format!("{forged_header}.{}.{}", parts[1], parts[2]);
        assert_rejected(verifier.verify_access(&t), &TokenError::SignatureInvalid);
        // Payload: the subject becomes an administrator's id.
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = json!("1");
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let t = format!("{}.{payload}.{}", parts[0], parts[2]);
        assert_rejected(verifier.verify_access(&t), &TokenError::SignatureInvalid);
        // Signature: first byte flipped, truncated, or emptied.
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[0] ^= 1;
        let t = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&sig));
        assert_rejected(verifier.verify_access(&t), &TokenError::SignatureInvalid);
        let t = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            &parts[2][..parts[2].len() - 4]
        );
        assert_rejected(verifier.verify_access(&t), &TokenError::SignatureInvalid);
        let t = format!("{}.{}.", parts[0], parts[1]);
        assert_rejected(verifier.verify_access(&t), &TokenError::SignatureInvalid);
    }
    // A token from another key set with the same kid fails the signature.
    let other = SigningKey::from_hmac_secret(Algorithm::Hs256, &[7u8; 32])
        .unwrap()
        .with_kid(KID);
    let other = Issuer::builder(KeySet::builder().primary(other).build().unwrap(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let token = other.issue_access(&alice()).unwrap();
    assert_rejected(
        verifier.verify_access(token.expose_secret()),
        &TokenError::SignatureInvalid,
    );
}

fn issuer_kid(_: &Verifier, token: &str) -> String {
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[test]
fn exp_at_the_limits_of_i64() {
    let clock = clock();
    let verifier = verifier(&clock);
    // A far exp is not "valid for ever": exp − iat exceeds the access-token
    // lifetime cap (the subtraction saturates).
    let far = sign_test("at+jwt", &with(access_claims(), &json!({"exp": i64::MAX})));
    assert_rejected(verifier.verify_access(&far), &TokenError::LifetimeTooLong);
    for exp in [-1, i64::MIN, 0] {
        let t = sign_test("at+jwt", &with(access_claims(), &json!({"exp": exp})));
        assert_rejected(verifier.verify_access(&t), &TokenError::Expired);
    }
    let beyond = format!(
        "{{\"iss\":\"{ISS}\",\"sub\":\"u\",\"aud\":\"{AUD}\",\"exp\":9223372036854775808,\"jti\":\"j\",\"token_use\":\"access\",\"username\":\"u\"}}"
    );
    let t = sign_test("at+jwt", beyond.as_bytes());
    assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    // nbf and iat at the extremes never overflow.
    let t = sign_test("at+jwt", &with(access_claims(), &json!({"nbf": i64::MIN})));
    assert!(verifier.verify_access(&t).is_ok());
    let t = sign_test("at+jwt", &with(access_claims(), &json!({"iat": i64::MIN})));
    assert_rejected(verifier.verify_access(&t), &TokenError::LifetimeTooLong);
    let t = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"exp": i64::MIN, "iat": i64::MAX})),
    );
    assert_rejected(verifier.verify_access(&t), &TokenError::Expired);
    let t = sign_test("at+jwt", &with(access_claims(), &json!({"nbf": i64::MAX})));
    assert_rejected(verifier.verify_access(&t), &TokenError::NotYetValid);
}

#[test]
fn time_claims_honour_the_leeway_exactly() {
    let clock = clock();
    let verifier = Verifier::builder(keys(), ISS, AUD)
        .with_clock(clock.clone())
        .with_leeway(Duration::from_secs(30))
        .build()
        .unwrap();
    let exp = sign_test("at+jwt", &with(access_claims(), &json!({"exp": NOW - 29})));
    assert!(verifier.verify_access(&exp).is_ok());
    let exp = sign_test("at+jwt", &with(access_claims(), &json!({"exp": NOW - 30})));
    assert_rejected(verifier.verify_access(&exp), &TokenError::Expired);
    let nbf = sign_test("at+jwt", &with(access_claims(), &json!({"nbf": NOW + 30})));
    assert!(verifier.verify_access(&nbf).is_ok());
    let nbf = sign_test("at+jwt", &with(access_claims(), &json!({"nbf": NOW + 31})));
    assert_rejected(verifier.verify_access(&nbf), &TokenError::NotYetValid);
    let iat = sign_test("at+jwt", &with(access_claims(), &json!({"iat": NOW + 30})));
    assert!(verifier.verify_access(&iat).is_ok());
    let iat = sign_test("at+jwt", &with(access_claims(), &json!({"iat": NOW + 31})));
    assert_rejected(verifier.verify_access(&iat), &TokenError::IssuedInFuture);
    // An absent nbf is fine, an absent iat is not (RFC 9068 §2.2); null
    // ones are not "absent".
    let mut claims = access_claims();
    claims.remove("nbf");
    let t = sign_test("at+jwt", &serde_json::to_vec(&claims).unwrap());
    assert!(verifier.verify_access(&t).is_ok());
    claims.remove("iat");
    let t = sign_test("at+jwt", &serde_json::to_vec(&claims).unwrap());
    assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    for field in ["nbf", "iat"] {
        let t = sign_test("at+jwt", &with(access_claims(), &json!({ field: null })));
        assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    }
    // The issued token expires after its TTL plus leeway.
    let token = issuer(&clock).issue_access(&alice()).unwrap();
    clock.set(NOW + 900 + 29);
    assert!(verifier.verify_access(token.expose_secret()).is_ok());
    clock.set(NOW + 900 + 30);
    assert_rejected(
        verifier.verify_access(token.expose_secret()),
        &TokenError::Expired,
    );
    assert!(matches!(
        Verifier::builder(keys(), ISS, AUD)
            .with_leeway(Duration::from_secs(301))
            .build(),
        Err(TokenError::Config { .. })
    ));
}

#[test]
fn key_rotation_old_key_verifies_until_retired() {
    let clock = clock();
    let old = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let old_kid = old.kid().to_owned();
    let keys = KeySet::builder().primary(old).build().unwrap();
    let old_issuer = Issuer::builder(keys.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let old_token = old_issuer.issue_access(&alice()).unwrap();

    let rotated = keys
        .rotate(SigningKey::generate(Algorithm::Es256).unwrap())
        .unwrap();
    assert_eq!(rotated.state(&old_kid), Some(KeyState::VerifyOnly));
    let new_issuer = Issuer::builder(rotated.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let new_token = new_issuer.issue_access(&alice()).unwrap();
    let verifier = Verifier::builder(rotated.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    assert!(verifier.verify_access(old_token.expose_secret()).is_ok());
    assert!(verifier.verify_access(new_token.expose_secret()).is_ok());

    let retired = rotated.retire(&old_kid).unwrap();
    let verifier = Verifier::builder(retired.clone(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    assert_rejected(
        verifier.verify_access(old_token.expose_secret()),
        &TokenError::KeyRetired,
    );
    assert!(verifier.verify_access(new_token.expose_secret()).is_ok());
    // The primary cannot be retired, an unknown kid cannot be either.
    let primary = retired.primary_kid().unwrap().to_owned();
    assert!(matches!(
        retired.retire(&primary),
        Err(TokenError::Config { .. })
    ));
    // (a configuration error, not a token rejection: it must not become a 401)
    assert!(matches!(
        retired.retire("nope"),
        Err(TokenError::Config { .. })
    ));
    // A set without the old key does not know it at all.
    let fresh = KeySet::builder()
        .primary(SigningKey::generate(Algorithm::EdDsa).unwrap())
        .build()
        .unwrap();
    let verifier = Verifier::builder(fresh, ISS, AUD)
        .with_clock(clock)
        .build()
        .unwrap();
    assert_rejected(
        verifier.verify_access(old_token.expose_secret()),
        &TokenError::UnknownKeyId,
    );
}

#[test]
fn header_rules() {
    let clock = clock();
    let verifier = verifier(&clock);
    let payload = with(access_claims(), &json!({}));
    let sign = |header: serde_json::Value| {
        sign_raw(&header, &payload, SECRET, jsonwebtoken::Algorithm::HS256)
    };
    assert!(
        verifier
            .verify_access(&sign(json!({"alg": "HS256", "kid": KID, "typ": "at+jwt"})))
            .is_ok()
    );
    assert!(
        verifier
            .verify_access(&sign(
                json!({"alg": "HS256", "kid": KID, "typ": "application/at+jwt"})
            ))
            .is_ok()
    );
    for (header, err) in [
        (
            json!({"alg": "HS256", "typ": "at+jwt"}),
            TokenError::MissingKeyId,
        ),
        (
            json!({"alg": "HS256", "kid": "other", "typ": "at+jwt"}),
            TokenError::UnknownKeyId,
        ),
        (
            json!({"alg": "HS256", "kid": KID}),
            TokenError::TypeMismatch,
        ),
        (
            json!({"alg": "HS256", "kid": KID, "typ": "JWT"}),
            TokenError::TypeMismatch,
        ),
        (
            json!({"alg": "HS384", "kid": KID, "typ": "at+jwt"}),
            TokenError::AlgorithmMismatch,
        ),
        (
            json!({"alg": "HS256", "kid": KID, "typ": "at+jwt", "crit": ["exp"], "exp": 1}),
            TokenError::CriticalHeader,
        ),
        (
            json!({"alg": "HS256", "kid": KID, "typ": "at+jwt", "crit": ["b64"], "b64": false}),
            TokenError::CriticalHeader,
        ),
        (
            json!({"alg": "HS256", "kid": 7, "typ": "at+jwt"}),
            TokenError::Malformed,
        ),
        (json!(["HS256"]), TokenError::Malformed),
    ] {
        assert_rejected(verifier.verify_access(&sign(header)), &err);
    }
    // Duplicate header members are refused, not resolved.
    let header = r#"{"alg":"none","alg":"HS256","kid":"test-hs","typ":"at+jwt"}"#;
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(&payload)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap();
    let sig =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap();
    assert_rejected(
        verifier.verify_access(&format!("{input}.{sig}")),
        &TokenError::Malformed,
    );
    // Padded base64 or another alphabet in the header is malformed.
    assert_rejected(
        verifier.verify_access("eyJhbGciOiJIUzI1NiJ9==.e30.AA"),
        &TokenError::Malformed,
    );
    assert_rejected(
        verifier.verify_access("eyJhbGciOiJIUzI1NiJ9+.e30.AA"),
        &TokenError::Malformed,
    );
}

#[test]
fn issuer_and_use_mismatches() {
    let clock = clock();
    let verifier = verifier(&clock);
    let t = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"iss": "https://evil.example"})),
    );
    assert_rejected(verifier.verify_access(&t), &TokenError::IssuerMismatch);
    let t = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"iss": ["https://auth.example"]})),
    );
    assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    let t = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"token_use": "service"})),
    );
    assert_rejected(verifier.verify_access(&t), &TokenError::UseMismatch);
    let t = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"token_use": "id"})),
    );
    assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    let t = sign_test("at+jwt", &with(access_claims(), &json!({"sub": 42})));
    assert_rejected(verifier.verify_access(&t), &TokenError::ClaimsMalformed);
    // A claim set is an object: the same values as an array are refused
    // (serde would otherwise read them in field order).
    let positional = json!([ISS, "u", AUD, NOW + 60, NOW, NOW, "jti", "service", []]);
    let t = sign_test("service+jwt", &serde_json::to_vec(&positional).unwrap());
    let jobs = Verifier::builder(keys(), ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    assert_rejected(jobs.verify_service(&t), &TokenError::ClaimsMalformed);
}

#[test]
fn service_tokens_are_short_lived_and_audience_bound() {
    let clock = clock();
    let issuer = issuer(&clock);
    let jobs = Verifier::builder(keys(), ISS, "jobs")
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let token = issuer
        .issue_service("billing", "jobs", &["reader"])
        .unwrap();
    assert_eq!(token.expires_in(), 300);
    let claims = jobs.verify_service(token.expose_secret()).unwrap();
    assert_eq!(claims.subject(), "billing");
    assert_eq!(claims.roles(), ["reader"]);
    assert_rejected(
        verifier(&clock).verify_service(token.expose_secret()),
        &TokenError::AudienceMismatch,
    );
    // Issued elsewhere with a long lifetime: refused.
    let long = json!({
        "iss": ISS, "sub": "billing", "aud": "jobs", "exp": NOW + 3600, "iat": NOW,
        "jti": "j", "token_use": "service",
    });
    let t = sign_test("service+jwt", &serde_json::to_vec(&long).unwrap());
    assert_rejected(jobs.verify_service(&t), &TokenError::LifetimeTooLong);
    assert!(matches!(
        Issuer::builder(keys(), ISS, AUD)
            .with_service_ttl(Duration::from_secs(301))
            .build(),
        Err(TokenError::Config { .. })
    ));
    assert!(matches!(
        issuer.issue_service("", "jobs", &[]),
        Err(TokenError::Config { .. })
    ));
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Tenant {
    tenant: String,
    plan: u8,
}

#[test]
fn custom_claims_round_trip_and_reserved_names_are_refused() {
    let clock = clock();
    let issuer = issuer(&clock);
    let verifier = verifier(&clock);
    let custom = Tenant {
        tenant: "acme".into(),
        plan: 3,
    };
    let token = issuer.issue_access_with(&alice(), &custom).unwrap();
    let claims = verifier
        .verify_access_with::<Tenant>(token.expose_secret())
        .unwrap();
    assert_eq!(claims.custom(), &custom);
    assert_eq!(claims.username(), "alice");
    // The plain verifier ignores custom claims.
    assert!(verifier.verify_access(token.expose_secret()).is_ok());
    // Custom claims of the wrong shape are malformed claims.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Other {
        plan: String,
    }
    assert_rejected(
        verifier.verify_access_with::<Other>(token.expose_secret()),
        &TokenError::ClaimsMalformed,
    );
    for bad in [
        json!({"exp": 1}),
        json!({"roles": ["admin"]}),
        json!("text"),
        json!([1]),
    ] {
        assert!(matches!(
            issuer.issue_access_with(&alice(), &bad),
            Err(TokenError::Config { .. })
        ));
    }
}

#[test]
fn every_rejection_gives_the_client_the_same_answer() {
    let reasons = [
        TokenError::AlgorithmMismatch,
        TokenError::Expired,
        TokenError::ReuseDetected(
            opsguard_token::refresh::MemoryRefreshStore::new()
                .len()
                .map(|_| reuse_event())
                .unwrap(),
        ),
        TokenError::TooLarge,
        TokenError::SignatureInvalid,
    ];
    let wires: Vec<_> = reasons
        .into_iter()
        .map(|e| opsguard_core::Error::from(e).to_wire())
        .collect();
    for wire in &wires {
        assert_eq!(wire, &wires[0]);
        assert_eq!(wire.status, 401);
        assert_eq!(
            wire.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\"")
        );
    }
    let store_down = opsguard_core::Error::from(TokenError::Store(
        opsguard_token::StoreError::unavailable("connection refused"),
    ));
    assert_eq!(store_down.kind(), opsguard_core::ErrorKind::Unavailable);
    let corrupt = opsguard_core::Error::from(TokenError::Store(
        opsguard_token::StoreError::internal("bad row"),
    ));
    assert_eq!(corrupt.kind(), opsguard_core::ErrorKind::Internal);
    let config = opsguard_core::Error::from(TokenError::NoSigningKey);
    assert_eq!(config.kind(), opsguard_core::ErrorKind::Internal);
    assert_eq!(config.message(), "internal server error");
}

/// A reuse event, obtained the only way there is: by replaying a token.
fn reuse_event() -> opsguard_token::ReuseDetected {
    let clock = clock();
    let rotation = rotation(&clock);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pair = rt.block_on(rotation.start(&alice())).unwrap();
    rt.block_on(rotation.rotate(pair.refresh().expose_secret()))
        .unwrap();
    let err = rt
        .block_on(rotation.rotate(pair.refresh().expose_secret()))
        .unwrap_err();
    err.reuse_detected().unwrap().clone()
}

#[test]
fn issuer_settings_are_checked() {
    let no_primary = KeySet::builder()
        .verify_only(SigningKey::generate(Algorithm::Hs256).unwrap())
        .build()
        .unwrap();
    assert!(matches!(
        Issuer::builder(no_primary, ISS, AUD).build(),
        Err(TokenError::NoSigningKey)
    ));
    for builder in [
        Issuer::builder(keys(), "", AUD),
        Issuer::builder(keys(), ISS, ""),
        Issuer::builder(keys(), ISS, AUD).with_refresh_audience(AUD),
        Issuer::builder(keys(), ISS, AUD).with_access_ttl(Duration::ZERO),
        Issuer::builder(keys(), ISS, AUD).with_access_ttl(Duration::from_secs(86_401)),
        Issuer::builder(keys(), ISS, AUD).with_refresh_ttl(Duration::from_secs(366 * 86_400)),
    ] {
        assert!(matches!(builder.build(), Err(TokenError::Config { .. })));
    }
    assert!(matches!(
        Verifier::builder(keys(), "", AUD).build(),
        Err(TokenError::Config { .. })
    ));
}

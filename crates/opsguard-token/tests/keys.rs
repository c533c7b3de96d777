//! Key loading, generation, key ids, key sets, JWKS round trips, and that
//! no secret shows in `Debug`.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{
    Algorithm, Issuer, KeySet, KeyState, SigningKey, Subject, TokenError, Verifier, VerifyingKey,
};
use secrecy::ExposeSecret as _;

#[test]
fn hmac_secrets_shorter_than_the_hash_are_refused() {
    for (alg, min) in [
        (Algorithm::Hs256, 32),
        (Algorithm::Hs384, 48),
        (Algorithm::Hs512, 64),
    ] {
        let short = vec![1u8; min - 1];
        assert!(matches!(
            SigningKey::from_hmac_secret(alg, &short),
            Err(TokenError::KeyTooShort { min: m }) if m == min
        ));
        assert!(SigningKey::from_hmac_secret(alg, &vec![1u8; min]).is_ok());
        assert_eq!(alg.min_secret_len(), Some(min));
    }
    assert!(matches!(
        SigningKey::from_hmac_secret(Algorithm::EdDsa, &[1u8; 32]),
        Err(TokenError::KeyInvalid { .. })
    ));
}

#[test]
fn generated_keys_sign_and_verify_with_their_own_algorithm() {
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        let kid = key.kid().to_owned();
        let keys = KeySet::builder().primary(key).build().unwrap();
        let issuer = Issuer::builder(keys, ISS, AUD).build().unwrap();
        let token = issuer.issue_access(&Subject::new("1", "a")).unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.expose_secret().split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["kid"], kid.as_str());
        assert!(
            issuer
                .verifier()
                .unwrap()
                .verify_access(token.expose_secret())
                .is_ok()
        );
    }
    // Two generations give two keys.
    let a = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let b = SigningKey::generate(Algorithm::EdDsa).unwrap();
    assert_ne!(a.kid(), b.kid());
}

#[test]
fn hmac_kid_is_derived_deterministically_per_algorithm_and_hides_the_secret() {
    let a = SigningKey::from_hmac_secret(Algorithm::Hs512, &[9u8; 64]).unwrap();
    let b = SigningKey::from_hmac_secret(Algorithm::Hs512, &[9u8; 64]).unwrap();
    let c = SigningKey::from_hmac_secret(Algorithm::Hs256, &[9u8; 64]).unwrap();
    let d = SigningKey::from_hmac_secret(Algorithm::Hs512, &[8u8; 64]).unwrap();
    assert_eq!(a.kid(), b.kid());
    assert_ne!(a.kid(), c.kid());
    assert_ne!(a.kid(), d.kid());
    assert!(a.kid().starts_with("hs-"));
    assert_eq!(a.kid().len(), 25);
    assert!(!a.kid().contains(&URL_SAFE_NO_PAD.encode([9u8; 64])[..8]));
    assert_eq!(a.verifying_key().thumbprint(), None);
}

#[test]
fn keys_load_from_pem_base64_env_and_file() {
    for alg in [Algorithm::EdDsa, Algorithm::Es256] {
        let key = SigningKey::generate(alg).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(
            pem.expose_secret()
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        let from_pem = SigningKey::from_pem(alg, pem.expose_secret().as_bytes()).unwrap();
        assert_eq!(from_pem.kid(), key.kid());
        let b64 = key.to_base64();
        let from_b64 = SigningKey::from_base64(alg, b64.expose_secret()).unwrap();
        assert_eq!(from_b64.kid(), key.kid());
        // URL-safe, unpadded, with surrounding whitespace.
        let der = STANDARD.decode(b64.expose_secret()).unwrap();
        let url = format!("  {}\n", URL_SAFE_NO_PAD.encode(&der));
        assert_eq!(SigningKey::from_base64(alg, &url).unwrap().kid(), key.kid());

        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(pem.expose_secret().as_bytes()).unwrap();
        assert_eq!(
            SigningKey::from_file(alg, file.path()).unwrap().kid(),
            key.kid()
        );
        // The wrong algorithm for the material is refused.
        let other = if alg == Algorithm::EdDsa {
            Algorithm::Es256
        } else {
            Algorithm::EdDsa
        };
        assert!(matches!(
            SigningKey::from_pem(other, pem.expose_secret().as_bytes()),
            Err(TokenError::KeyInvalid { .. })
        ));
        assert!(matches!(
            SigningKey::from_pem(Algorithm::Hs256, pem.expose_secret().as_bytes()),
            Err(TokenError::KeyInvalid { .. })
        ));
    }
    let hs = SigningKey::generate(Algorithm::Hs384).unwrap();
    assert!(matches!(
        hs.to_pkcs8_pem(),
        Err(TokenError::KeyInvalid { .. })
    ));
    let text = hs.to_base64();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.expose_secret().as_bytes()).unwrap();
    assert_eq!(
        SigningKey::from_file(Algorithm::Hs384, file.path())
            .unwrap()
            .kid(),
        hs.kid()
    );
    assert!(matches!(
        SigningKey::from_file(Algorithm::Hs384, "/nonexistent/opsguard/key"),
        Err(TokenError::KeyFile(_))
    ));

    // SAFETY of the test: this variable name is unique to this test.
    let var = "OPSGUARD_TOKEN_TEST_KEY_7F3A";
    // SAFETY: no other thread of this test binary reads or writes this
    // variable (edition 2024 makes set_var unsafe; the crate forbids unsafe
    // only in library code, so use a child process instead).
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--exact")
        .arg("env_child")
        .arg("--nocapture")
        .env(var, text.expose_secret())
        .env("OPSGUARD_TOKEN_TEST_EXPECT_KID", hs.kid())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"));
    assert!(matches!(
        SigningKey::from_env(Algorithm::Hs384, "OPSGUARD_TOKEN_TEST_UNSET_VAR"),
        Err(TokenError::KeyEnvMissing { var }) if var == "OPSGUARD_TOKEN_TEST_UNSET_VAR"
    ));
    assert!(matches!(
        SigningKey::from_base64(Algorithm::Hs256, "not base64!"),
        Err(TokenError::KeyInvalid { .. })
    ));
}

/// Runs in a child process with the key in its environment.
#[test]
fn env_child() {
    let Ok(expected) = std::env::var("OPSGUARD_TOKEN_TEST_EXPECT_KID") else {
        return;
    };
    let key = SigningKey::from_env(Algorithm::Hs384, "OPSGUARD_TOKEN_TEST_KEY_7F3A").unwrap();
    assert_eq!(key.kid(), expected);
}

#[test]
fn public_pem_loads_a_verify_only_key() {
    let key = SigningKey::generate(Algorithm::Es256).unwrap();
    let jwks = KeySet::builder()
        .primary(key.clone())
        .build()
        .unwrap()
        .to_jwks()
        .to_json();
    let doc: serde_json::Value = serde_json::from_str(&jwks).unwrap();
    let jwk = &doc["keys"][0];
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
    let mut spki = hex_prefix_p256();
    spki.push(4);
    spki.extend_from_slice(&x);
    spki.extend_from_slice(&y);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&spki)
    );
    let public = VerifyingKey::from_public_pem(Algorithm::Es256, pem.as_bytes()).unwrap();
    assert_eq!(public.kid(), key.kid());
    assert_eq!(public.thumbprint().as_deref(), Some(key.kid()));
    assert!(matches!(
        VerifyingKey::from_public_pem(Algorithm::EdDsa, pem.as_bytes()),
        Err(TokenError::KeyInvalid { .. })
    ));
}

/// The SPKI DER prefix of an uncompressed P-256 public key.
fn hex_prefix_p256() -> Vec<u8> {
    let hex = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn key_set_rules() {
    let a = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let b = SigningKey::generate(Algorithm::EdDsa).unwrap();
    assert!(matches!(
        KeySet::builder()
            .primary(a.clone())
            .verify_only(a.clone())
            .build(),
        Err(TokenError::DuplicateKeyId)
    ));
    assert!(matches!(
        KeySet::builder()
            .primary(a.clone())
            .primary(b.clone())
            .build(),
        Err(TokenError::Config { .. })
    ));
    assert!(matches!(
        KeySet::builder().build(),
        Err(TokenError::Config { .. })
    ));
    for kid in ["", "has space", "tab\t", &"k".repeat(129), "é"] {
        assert!(matches!(
            KeySet::builder().primary(a.clone().with_kid(kid)).build(),
            Err(TokenError::Config { .. })
        ));
    }
    let keys = KeySet::builder()
        .primary(a.clone())
        .verify_only(b.clone())
        .retired(SigningKey::generate(Algorithm::Hs256).unwrap())
        .build()
        .unwrap();
    let states: Vec<KeyState> = keys.kids().map(|(_, _, s)| s).collect();
    assert_eq!(
        states,
        [KeyState::Primary, KeyState::VerifyOnly, KeyState::Retired]
    );
    assert_eq!(keys.primary_kid(), Some(a.kid()));
    assert!(matches!(keys.rotate(b), Err(TokenError::DuplicateKeyId)));
}

#[test]
fn jwks_round_trip_publishes_public_keys_only() {
    let ed = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let es = SigningKey::generate(Algorithm::Es256).unwrap();
    let hs = SigningKey::generate(Algorithm::Hs512).unwrap();
    let gone = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let keys = KeySet::builder()
        .primary(ed.clone())
        .verify_only(es.clone())
        .verify_only(hs.clone())
        .retired(gone.clone())
        .build()
        .unwrap();
    let jwks = keys.to_jwks();
    assert_eq!(jwks.len(), 2);
    let json = jwks.to_json();
    for secret in [hs.to_base64(), ed.to_base64(), es.to_base64()] {
        assert!(!json.contains(&secret.expose_secret()[..16]));
    }
    assert!(!json.contains(gone.kid()));
    assert!(!json.contains("\"d\""));
    assert!(!json.contains("\"k\""));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["keys"][0]["kid"], ed.kid());
    assert_eq!(doc["keys"][0]["alg"], "EdDSA");
    assert_eq!(doc["keys"][0]["use"], "sig");
    assert_eq!(doc["keys"][1]["crv"], "P-256");
    assert_eq!(serde_json::to_value(&jwks).unwrap(), doc);

    // Import, export again: the same document.
    let remote = KeySet::from_jwks_json(json.as_bytes()).unwrap();
    assert_eq!(remote.to_jwks().to_json(), json);
    assert_eq!(remote.primary_kid(), None);
    let kids: Vec<_> = remote
        .kids()
        .map(|(k, a, s)| (k.to_owned(), a, s))
        .collect();
    assert_eq!(
        kids,
        [
            (ed.kid().to_owned(), Algorithm::EdDsa, KeyState::VerifyOnly),
            (es.kid().to_owned(), Algorithm::Es256, KeyState::VerifyOnly),
        ]
    );
    // Tokens of the origin verify remotely; the remote set cannot sign.
    let issuer = Issuer::builder(keys, ISS, AUD).build().unwrap();
    let token = issuer.issue_access(&Subject::new("1", "a")).unwrap();
    let verifier = Verifier::builder(remote.clone(), ISS, AUD).build().unwrap();
    assert!(verifier.verify_access(token.expose_secret()).is_ok());
    assert!(matches!(
        Issuer::builder(remote, ISS, AUD).build(),
        Err(TokenError::NoSigningKey)
    ));
}

#[test]
fn jwks_import_refuses_bad_points_and_oversized_documents() {
    let bad_points = [
        // x of the identity / off-curve P-256 point.
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        // Ed25519 small-order point (the identity, y = 1).
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        // Wrong length.
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AQAB"}]}"#,
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519"}]}"#,
    ];
    for json in bad_points {
        assert!(
            matches!(
                KeySet::from_jwks_json(json.as_bytes()),
                Err(TokenError::Jwks { .. })
            ),
            "{json}"
        );
    }
    let big = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "a".repeat(64 * 1024));
    assert!(matches!(
        KeySet::from_jwks_json(big.as_bytes()),
        Err(TokenError::Jwks {
            reason: "document too large"
        })
    ));
    let many = format!("{{\"keys\":[{}]}}", vec![r#"{"kty":"RSA"}"#; 65].join(","));
    assert!(matches!(
        KeySet::from_jwks_json(many.as_bytes()),
        Err(TokenError::Jwks {
            reason: "too many keys"
        })
    ));
    let dup = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}]}"#;
    assert!(matches!(
        KeySet::from_jwks_json(dup.as_bytes()),
        Err(TokenError::DuplicateKeyId)
    ));
}

#[tokio::test]
async fn no_secret_appears_in_debug_output() {
    let hs = SigningKey::from_hmac_secret(Algorithm::Hs256, SECRET).unwrap();
    let ed = SigningKey::generate(Algorithm::EdDsa).unwrap();
    let ed_secret = ed.to_base64();
    let secret_b64 = STANDARD.encode(SECRET);
    let secret_text = std::str::from_utf8(SECRET).unwrap();
    let keys = KeySet::builder()
        .primary(hs.clone())
        .verify_only(ed.clone())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys.clone(), ISS, AUD).build().unwrap();
    let rotation = RefreshRotation::builder(
        issuer.clone(),
        std::sync::Arc::new(MemoryRefreshStore::new()),
    )
    .build()
    .unwrap();
    let pair = rotation.start(&Subject::new("1", "a")).await.unwrap();
    let printed = [
        format!("{hs:?}"),
        format!("{ed:?}"),
        format!("{:?}", hs.verifying_key()),
        format!("{keys:?}"),
        format!("{issuer:?}"),
        format!("{:?}", issuer.verifier().unwrap()),
        format!("{rotation:?}"),
        format!("{pair:?}"),
        format!("{:?}", pair.access()),
        format!("{:?}", hs.to_base64()),
        format!("{:?}", ed.to_pkcs8_pem().unwrap()),
    ];
    for text in &printed {
        assert!(!text.contains(secret_text), "{text}");
        assert!(!text.contains(&secret_b64), "{text}");
        assert!(!text.contains(&ed_secret.expose_secret()[20..40]), "{text}");
        assert!(!text.contains(pair.access().expose_secret()), "{text}");
        assert!(!text.contains(pair.refresh().expose_secret()), "{text}");
    }
    assert!(printed[0].contains(hs.kid()));
    assert!(printed[8].contains("[REDACTED]"));
}

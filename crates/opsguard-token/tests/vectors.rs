//! The Wycheproof JWS vectors (`json_web_crypto_test.json`), every test of
//! every group, through the public verifier with the group's keys.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{AUD, ISS, assert_rejected};
use opsguard_token::{Algorithm, KeySet, SigningKey, TokenError, Verifier};
use serde_json::{Value, json};

fn hmac_key(jwk: &Value) -> SigningKey {
    let secret = URL_SAFE_NO_PAD.decode(jwk["k"].as_str().unwrap()).unwrap();
    SigningKey::from_hmac_secret(Algorithm::Hs256, &secret)
        .unwrap()
        .with_kid(jwk["kid"].as_str().unwrap())
}

/// The group's keys as a key set: EC keys through JWKS import of their
/// public part (round-tripped through export), HMAC keys from their secret.
/// `None` for groups opsguard has no key type for (RSA, JWE).
fn key_set(group: &Value) -> Option<KeySet> {
    let private = &group["private"];
    let jwks: Vec<&Value> = match private["keys"].as_array() {
        Some(keys) => keys.iter().collect(),
        None => vec![private],
    };
    let mut ec_public = Vec::new();
    let mut hmac = Vec::new();
    for jwk in jwks {
        match (jwk["kty"].as_str().unwrap(), jwk["use"].as_str()) {
            ("oct", Some("sig")) => hmac.push(hmac_key(jwk)),
            ("EC", Some("sig")) => {
                let mut public = jwk.clone();
                public.as_object_mut().unwrap().remove("d");
                ec_public.push(public);
            }
            _ => return None,
        }
    }
    let mut set = if ec_public.is_empty() {
        let mut builder = KeySet::builder();
        for key in hmac.drain(..) {
            builder = builder.verify_only(key);
        }
        builder.build().unwrap()
    } else {
        let doc = json!({ "keys": ec_public }).to_string();
        let imported = KeySet::from_jwks_json(doc.as_bytes()).unwrap();
        let exported = imported.to_jwks().to_json();
        KeySet::from_jwks_json(exported.as_bytes()).unwrap()
    };
    for key in hmac {
        // `rotate` adds the key (as primary) and keeps the others.
        set = set.rotate(key).unwrap();
    }
    Some(set)
}

/// What opsguard answers for each JWS test (see the crate README: the
/// payload of every valid vector is `foo`, not a claim set, so a valid
/// signature ends at the first check after the signature, `typ`).
fn expected(tc: u64) -> TokenError {
    match tc {
        1 | 18 | 47 | 48 => TokenError::TypeMismatch,
        2 | 3 | 5 | 6 | 19 | 20 | 22 | 23 | 32 | 49 => TokenError::SignatureInvalid,
        4 | 7 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 17 => TokenError::Malformed,
        21 | 24 | 26 | 27 | 28 | 29 | 30 => TokenError::Malformed,
        8 | 25 => TokenError::UnknownKeyId,
        16 => TokenError::UnsupportedAlgorithm,
        31 => TokenError::AlgorithmMismatch,
        other => panic!("no expectation for tcId {other}"),
    }
}

#[test]
fn wycheproof_json_web_signature_vectors() {
    let doc = opsguard_tests::shared_json("vectors/wycheproof/json_web_crypto_test.json");
    let (mut checked, mut refused_without_keys) = (0usize, 0usize);
    for group in doc["testGroups"].as_array().unwrap() {
        let keys = key_set(group);
        for test in group["tests"].as_array().unwrap() {
            let token = match &test.get("jws").or_else(|| test.get("jwe")).unwrap() {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let tc = test["tcId"].as_u64().unwrap();
            match &keys {
                Some(keys) => {
                    let verifier = Verifier::builder(keys.clone(), ISS, AUD).build().unwrap();
                    assert_rejected(verifier.verify_access(&token), &expected(tc));
                    checked += 1;
                }
                None => {
                    // RSA JWS and JWE: no algorithm or shape opsguard
                    // accepts, whatever key a service holds.
                    let verifier = common::verifier(&common::clock());
                    let err = verifier.verify_access(&token).unwrap_err();
                    assert!(
                        matches!(
                            err,
                            TokenError::UnsupportedAlgorithm | TokenError::Malformed
                        ),
                        "tc {tc}: {err:?}"
                    );
                    refused_without_keys += 1;
                }
            }
        }
    }
    assert_eq!(checked, 35);
    assert_eq!(
        checked + refused_without_keys,
        doc["numberOfTests"].as_u64().unwrap() as usize
    );
}

//! Every real-world case of `../shared/cases/tokens.json`, each as a named
//! test reading its inputs from the file.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use opsguard_tests::{case, case_ids};
use opsguard_token::{Algorithm, KeySet, SigningKey, Subject, TokenError, Verifier};
use serde_json::{Value, json};

#[test]
fn every_tokens_case_has_a_test() {
    let covered = [
        "JWT-01", "JWT-02", "JWT-05", "JWT-07", "JWT-08", "JWT-11", "JWT-14", "JWT-15",
    ];
    assert_eq!(case_ids("tokens.json"), covered);
}

#[test]
fn jwt_01_alg_none_rejected_in_every_spelling() {
    let clock = clock();
    let verifier = verifier(&clock);
    let rotation = rotation(&clock);
    let input = case("tokens.json", "JWT-01");
    let tokens = input["input"]["tokens"].as_object().unwrap();
    assert_eq!(tokens.len(), 7);
    for (name, token) in tokens {
        let token = token.as_str().unwrap();
        assert_rejected(
            verifier.verify_access(token),
            &TokenError::UnsupportedAlgorithm,
        );
        assert_rejected(
            verifier.verify_service(token),
            &TokenError::UnsupportedAlgorithm,
        );
        assert_rejected(rotation.inspect(token), &TokenError::UnsupportedAlgorithm);
        assert!(!name.is_empty());
    }
    // The whole class: `none` in any spelling, with our own kid and typ and
    // otherwise valid claims, signed or not.
    let payload = with(access_claims(), &json!({}));
    for alg in [
        "none", "None", "NONE", "nOnE", "none ", "hs256", "", "RS256", "ES384",
    ] {
        let header = json!({"alg": alg, "kid": KID, "typ": "at+jwt"});
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
            URL_SAFE_NO_PAD.encode(&payload)
        );
        assert_rejected(
            verifier.verify_access(&unsigned),
            &TokenError::UnsupportedAlgorithm,
        );
        let signed = sign_raw(&header, &payload, SECRET, jsonwebtoken::Algorithm::HS256);
        assert_rejected(
            verifier.verify_access(&signed),
            &TokenError::UnsupportedAlgorithm,
        );
    }
    // A header without alg, or with a non-string alg, is malformed.
    for header in [
        json!({"kid": KID}),
        json!({"alg": null, "kid": KID}),
        json!({"alg": 0}),
    ] {
        let token = sign_raw(&header, &payload, SECRET, jsonwebtoken::Algorithm::HS256);
        assert_rejected(verifier.verify_access(&token), &TokenError::Malformed);
    }
}

/// The raw 32-byte Ed25519 key inside an OpenSSH `ssh-ed25519` public key.
fn ssh_ed25519_key(line: &str) -> Vec<u8> {
    let blob = STANDARD.decode(line.split(' ').nth(1).unwrap()).unwrap();
    blob[blob.len() - 32..].to_vec()
}

#[test]
fn jwt_02_hmac_over_a_public_key_is_refused_before_signature_work() {
    let input = case("tokens.json", "JWT-02");
    let ssh = input["input"]["pyjwt_advisory_public_key"]
        .as_str()
        .unwrap();
    let x = URL_SAFE_NO_PAD.encode(ssh_ed25519_key(ssh));
    let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x}]}).to_string();
    let keys = KeySet::from_jwks_json(jwks.as_bytes()).unwrap();
    let kid = keys.kids().next().unwrap().0.to_owned();
    let clock = clock();
    let verifier = Verifier::builder(keys, ISS, AUD)
        .with_clock(clock.clone())
        .build()
        .unwrap();

    // The advisory's forgery has no kid at all.
    let forged = input["input"]["pyjwt_forged_token_HS256_over_that_key"]
        .as_str()
        .unwrap();
    assert_rejected(verifier.verify_access(forged), &TokenError::MissingKeyId);

    // The generic recipe: HMAC-sign valid claims with every published form
    // of the public key, naming the Ed25519 key's kid.
    let payload = with(access_claims(), &json!({}));
    let raw = ssh_ed25519_key(ssh);
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(&raw);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&spki)
    );
    // The PEM is the same key: it loads as the same verifying key.
    let from_pem =
        opsguard_token::VerifyingKey::from_public_pem(Algorithm::EdDsa, pem.as_bytes()).unwrap();
    assert_eq!(from_pem.kid(), kid);
    let jwk_text = json!({"kty": "OKP", "crv": "Ed25519", "x": x}).to_string();
    let secrets: Vec<Vec<u8>> = vec![
        ssh.as_bytes().to_vec(),
        pem.as_bytes().to_vec(),
        pem.trim_end().as_bytes().to_vec(),
        spki,
        raw,
        jwks.as_bytes().to_vec(),
        jwk_text.into_bytes(),
    ];
    for secret in &secrets {
        for (alg, jwt_alg) in [
            ("HS256", jsonwebtoken::Algorithm::HS256),
            ("HS384", jsonwebtoken::Algorithm::HS384),
            ("HS512", jsonwebtoken::Algorithm::HS512),
        ] {
            let header = json!({"alg": alg, "kid": kid, "typ": "at+jwt"});
            let token = sign_raw(&header, &payload, secret, jwt_alg);
            assert_rejected(
                verifier.verify_access(&token),
                &TokenError::AlgorithmMismatch,
            );
        }
    }

    // Wycheproof tc31: HS256 over the EC verification key's bytes.
    let ec_keys = wycheproof_ec_keys();
    let ec_verifier = Verifier::builder(ec_keys, ISS, AUD).build().unwrap();
    let tc31 = input["input"]["wycheproof_tc31"].as_str().unwrap();
    let tc31 = tc31.split(' ').next().unwrap();
    assert_rejected(
        ec_verifier.verify_access(tc31),
        &TokenError::AlgorithmMismatch,
    );

    // An HMAC-only service: asymmetric labels on its kid are refused too.
    let hs = common::verifier(&clock);
    for alg in ["EdDSA", "ES256"] {
        let header = json!({"alg": alg, "kid": KID, "typ": "at+jwt"});
        let token = sign_raw(&header, &payload, SECRET, jsonwebtoken::Algorithm::HS256);
        assert_rejected(hs.verify_access(&token), &TokenError::AlgorithmMismatch);
    }
}

/// The public EC key of Wycheproof's `jws_ec` group, as a verify-only set.
fn wycheproof_ec_keys() -> KeySet {
    let doc = opsguard_tests::shared_json("vectors/wycheproof/json_web_crypto_test.json");
    let group = doc["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["comment"] == "jws_ec")
        .unwrap();
    let jwks = json!({"keys": [group["public"]]}).to_string();
    KeySet::from_jwks_json(jwks.as_bytes()).unwrap()
}

/// `payload` (the case's claims) merged over otherwise valid claims; the
/// case's own members win.
fn merged(payload: &Value) -> Vec<u8> {
    with(access_claims(), payload)
}

#[test]
fn jwt_05_time_claims_that_are_not_numbers_are_rejected() {
    let input = &case("tokens.json", "JWT-05")["input"];
    let clock = clock();
    let verifier = verifier(&clock);
    let rotation = rotation(&clock);
    // The case's secret is too short to ever be a key here.
    let secret = input["secret"].as_str().unwrap();
    assert!(matches!(
        SigningKey::from_hmac_secret(Algorithm::Hs256, secret.as_bytes()),
        Err(TokenError::KeyTooShort { min: 32 })
    ));

    let mut payloads: Vec<Vec<u8>> = Vec::new();
    for name in ["nbf_string", "exp_string_never", "exp_string_numeric"] {
        let token = input[name].as_str().unwrap();
        // As given (signed with "secret", no kid): refused at the kid.
        assert_rejected(verifier.verify_access(token), &TokenError::MissingKeyId);
        let claims: Value = serde_json::from_slice(&payload_of(token)).unwrap();
        payloads.push(merged(&claims));
    }
    for extra in input["more_payloads_to_sign"].as_array().unwrap() {
        match extra {
            Value::String(raw) => {
                // `1e400` does not fit a JSON number parser: splice the text.
                let base = String::from_utf8(with(access_claims(), &json!({"exp": 0}))).unwrap();
                let exp = raw.split("\"exp\":").nth(1).unwrap().trim_end_matches('}');
                payloads.push(
                    base.replace("\"exp\":0", &format!("\"exp\":{exp}"))
                        .into_bytes(),
                );
            }
            claims => payloads.push(merged(claims)),
        }
    }
    assert_eq!(payloads.len(), 7);
    for payload in &payloads {
        let token = sign_test("at+jwt", payload);
        assert_rejected(verifier.verify_access(&token), &TokenError::ClaimsMalformed);
        let mut refresh: serde_json::Map<String, Value> =
            serde_json::from_slice(payload).unwrap_or_else(|_| access_claims());
        refresh.insert("token_use".into(), json!("refresh"));
        refresh.insert("aud".into(), json!(ISS));
        refresh.insert("fam".into(), json!("fam-1"));
        refresh.insert("auth_time".into(), json!(NOW));
        if serde_json::from_slice::<Value>(payload).is_ok() {
            let token = sign_test("refresh+jwt", &serde_json::to_vec(&refresh).unwrap());
            assert_rejected(rotation.inspect(&token), &TokenError::ClaimsMalformed);
        }
    }
    // The same claims with numeric times are accepted: the failure above is
    // the type, nothing else.
    let token = sign_test("at+jwt", &merged(&json!({"sub": "user1"})));
    assert_eq!(verifier.verify_access(&token).unwrap().subject(), "user1");
}

#[test]
fn jwt_07_missing_or_null_exp_is_rejected() {
    let input = &case("tokens.json", "JWT-07")["input"];
    let clock = clock();
    let verifier = verifier(&clock);
    let rotation = rotation(&clock);
    for name in ["missing_exp", "exp_null"] {
        let token = input[name].as_str().unwrap();
        assert_rejected(verifier.verify_access(token), &TokenError::MissingKeyId);
        let case_claims: Value = serde_json::from_slice(&payload_of(token)).unwrap();
        let mut claims = access_claims();
        claims.remove("exp");
        let payload = with(claims, &case_claims);
        let access = sign_test("at+jwt", &payload);
        assert_rejected(
            verifier.verify_access(&access),
            &TokenError::ClaimsMalformed,
        );
        let mut refresh: serde_json::Map<String, Value> = serde_json::from_slice(&payload).unwrap();
        refresh.insert("token_use".into(), json!("refresh"));
        refresh.insert("aud".into(), json!(ISS));
        refresh.insert("fam".into(), json!("fam-1"));
        refresh.insert("auth_time".into(), json!(NOW));
        let refresh = sign_test("refresh+jwt", &serde_json::to_vec(&refresh).unwrap());
        assert_rejected(rotation.inspect(&refresh), &TokenError::ClaimsMalformed);
    }
    // Every token the library issues carries a numeric exp.
    let issuer = issuer(&clock);
    let alice = Subject::new("1", "alice");
    let access = issuer.issue_access(&alice).unwrap();
    let service = issuer.issue_service("billing", "jobs", &[]).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pair = rt.block_on(rotation.start(&alice)).unwrap();
    for token in [
        access.expose_secret(),
        service.expose_secret(),
        pair.refresh().expose_secret(),
    ] {
        let claims: Value = serde_json::from_slice(&payload_of(token)).unwrap();
        assert!(claims["exp"].as_i64().unwrap() > NOW);
    }
}

#[test]
fn jwt_08_audience_string_or_array_exact_match() {
    let input = &case("tokens.json", "JWT-08")["input"];
    assert_eq!(input["expected_audience"], AUD);
    let clock = clock();
    let verifier = verifier(&clock);
    let expected: &[(&str, Option<TokenError>)] = &[
        ("\"api\"", None),
        ("[\"api\"]", None),
        ("[\"other\", \"api\"]", None),
        ("[\"other\"]", Some(TokenError::AudienceMismatch)),
        ("[]", Some(TokenError::AudienceMismatch)),
        ("\"\"", Some(TokenError::AudienceMismatch)),
        ("\"API\"", Some(TokenError::AudienceMismatch)),
        ("null", Some(TokenError::ClaimsMalformed)),
        ("123", Some(TokenError::ClaimsMalformed)),
        ("[\"api\", 7]", Some(TokenError::ClaimsMalformed)),
    ];
    let tokens = input["tokens"].as_object().unwrap();
    assert_eq!(tokens.len(), expected.len());
    for (name, outcome) in expected {
        let token = tokens[*name].as_str().unwrap();
        let mut case_claims: Value = serde_json::from_slice(&payload_of(token)).unwrap();
        // The case's exp (2100) is far beyond the access-token lifetime cap;
        // this case is about aud, so the token keeps its own valid exp.
        assert_eq!(case_claims["exp"], json!(4_102_444_800_i64));
        case_claims.as_object_mut().unwrap().remove("exp");
        let ours = sign_test("at+jwt", &merged(&case_claims));
        match outcome {
            None => assert_eq!(
                verifier.verify_access(&ours).unwrap().subject(),
                "user1",
                "{name}"
            ),
            Some(err) => assert_rejected(verifier.verify_access(&ours), err),
        }
    }
    // A verifier always has an audience: a token without aud is malformed,
    // never "not checked".
    let mut claims = access_claims();
    claims.remove("aud");
    let token = sign_test("at+jwt", &serde_json::to_vec(&claims).unwrap());
    assert_rejected(verifier.verify_access(&token), &TokenError::ClaimsMalformed);
    assert!(matches!(
        Verifier::builder(keys(), ISS, "").build(),
        Err(TokenError::Config { .. })
    ));
}

#[test]
fn jwt_11_refresh_and_access_tokens_are_not_interchangeable() {
    let input = &case("tokens.json", "JWT-11")["input"];
    let clock = clock();
    let verifier = verifier(&clock);
    let rotation = rotation(&clock);
    // The case's tokens, re-signed with our key and kid, keeping their typ.
    for name in [
        "refresh_marked_by_claim",
        "refresh_marked_by_typ_header",
        "unmarked_token",
    ] {
        let token = input[name].as_str().unwrap();
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        let typ = header["typ"].as_str().unwrap();
        let case_claims: Value = serde_json::from_slice(&payload_of(token)).unwrap();
        let ours = sign_test(typ, &merged(&case_claims));
        assert_rejected(verifier.verify_access(&ours), &TokenError::TypeMismatch);
        // On the refresh path a `refresh+jwt` header passes the typ check,
        // and the claims (no `fam`) do not.
        let on_refresh_path = if typ == "refresh+jwt" {
            TokenError::ClaimsMalformed
        } else {
            TokenError::TypeMismatch
        };
        assert_rejected(rotation.inspect(&ours), &on_refresh_path);
        // With the access typ, the claim decides: a missing marker is
        // malformed, a refresh marker is the wrong use.
        let mut claims = access_claims();
        claims.remove("token_use");
        let unmarked = sign_test("at+jwt", &with(claims, &case_claims));
        assert_rejected(
            verifier.verify_access(&unmarked),
            &TokenError::ClaimsMalformed,
        );
    }
    let refresh_use = sign_test(
        "at+jwt",
        &with(access_claims(), &json!({"token_use": "refresh"})),
    );
    assert_rejected(
        verifier.verify_access(&refresh_use),
        &TokenError::UseMismatch,
    );

    // Library-issued tokens, all six directions.
    let issuer = issuer(&clock);
    let service_verifier = Verifier::builder(keys(), ISS, "jobs")
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let alice = Subject::new("1", "alice");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pair = rt.block_on(rotation.start(&alice)).unwrap();
    let access = pair.access().expose_secret();
    let refresh = pair.refresh().expose_secret();
    let service = issuer.issue_service("billing", "jobs", &[]).unwrap();
    let service = service.expose_secret();
    // access → refresh, access → service
    assert_rejected(
        rt.block_on(rotation.rotate(access)),
        &TokenError::TypeMismatch,
    );
    assert_rejected(
        service_verifier.verify_service(access),
        &TokenError::TypeMismatch,
    );
    // refresh → access, refresh → service
    assert_rejected(verifier.verify_access(refresh), &TokenError::TypeMismatch);
    assert_rejected(
        service_verifier.verify_service(refresh),
        &TokenError::TypeMismatch,
    );
    // service → access, service → refresh
    assert_rejected(
        service_verifier.verify_access(service),
        &TokenError::TypeMismatch,
    );
    assert_rejected(
        rt.block_on(rotation.rotate(service)),
        &TokenError::TypeMismatch,
    );
    // Each is accepted where it belongs.
    assert!(verifier.verify_access(access).is_ok());
    assert!(service_verifier.verify_service(service).is_ok());
    assert!(rt.block_on(rotation.rotate(refresh)).is_ok());
}

#[test]
fn jwt_14_oversized_tokens_are_rejected_before_decoding() {
    let input = &case("tokens.json", "JWT-14")["input"];
    assert_eq!(input["headers"].as_array().unwrap().len(), 4);
    let clock = clock();
    let verifier = verifier(&clock);
    let valid = issuer(&clock)
        .issue_access(&Subject::new("1", "alice"))
        .unwrap();
    let valid = valid.expose_secret();
    let (header, rest) = valid.split_once('.').unwrap();
    let sig = rest.split('.').nth(1).unwrap();
    let huge = [
        ".".repeat(1_000_000),
        vec!["a"; 10_000].join("."),
        format!("{header}.{}.{sig}", "A".repeat(1 << 20)),
        format!("{}.e30.x", "A".repeat(100 * 1024)),
    ];
    for token in &huge {
        assert_rejected(verifier.verify_access(token), &TokenError::TooLarge);
    }
    // The limit is exact: 8 KiB is decoded, one byte more is not.
    let at_limit = format!(
        "{}.e30.x",
        "A".repeat(opsguard_token::verify::MAX_TOKEN_BYTES - 6)
    );
    assert_eq!(at_limit.len(), opsguard_token::verify::MAX_TOKEN_BYTES);
    assert_rejected(verifier.verify_access(&at_limit), &TokenError::Malformed);
    let over = format!(
        "{}.e30.x",
        "A".repeat(opsguard_token::verify::MAX_TOKEN_BYTES - 5)
    );
    assert_rejected(verifier.verify_access(&over), &TokenError::TooLarge);
    // Many separators under the limit: malformed.
    assert_rejected(verifier.verify_access("a.a.a.a"), &TokenError::Malformed);
}

#[test]
fn jwt_15_jws_vectors_from_wycheproof_and_rfcs() {
    let input = &case("tokens.json", "JWT-15")["input"];
    let jwk = &input["wycheproof_hs256_key_jwk"];
    let secret = URL_SAFE_NO_PAD.decode(jwk["k"].as_str().unwrap()).unwrap();
    let hs = SigningKey::from_hmac_secret(Algorithm::Hs256, &secret)
        .unwrap()
        .with_kid(jwk["kid"].as_str().unwrap());
    let ec = wycheproof_ec_keys();
    let ec_public = ec.kids().next().unwrap().0.to_owned();
    assert_eq!(ec_public, "kid-ec-sign");
    let jwks = ec.to_jwks().to_json();
    let mut keys = KeySet::from_jwks_json(jwks.as_bytes()).unwrap();
    keys = keys.rotate(hs).unwrap();
    let verifier = Verifier::builder(keys, ISS, AUD).build().unwrap();
    for test in input["wycheproof"].as_array().unwrap() {
        let jws = match &test["jws"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let expected = match test["tcId"].as_u64().unwrap() {
            // Valid signature over the payload "foo": refused at the first
            // check after the signature (the typ), then it would be claims.
            1 => TokenError::TypeMismatch,
            2 | 3 | 5 | 32 => TokenError::SignatureInvalid,
            9 | 14 | 15 | 17 => TokenError::Malformed,
            other => panic!("unexpected tcId {other}"),
        };
        assert_eq!(
            test["result"],
            if test["tcId"] == 1 {
                "valid"
            } else {
                "invalid"
            }
        );
        assert_rejected(verifier.verify_access(&jws), &expected);
    }
    // RFC 7515 A.1 has no kid: refused before its (valid) signature is
    // checked; the signature itself is checked in the crate's unit tests.
    let a1 = input["rfc7515_A1"]["token"].as_str().unwrap();
    assert_rejected(verifier.verify_access(a1), &TokenError::MissingKeyId);
    // RFC 7520 §4.4 names its kid: the signature verifies, and the token
    // (no typ, payload not JSON claims) is refused right after.
    let rfc7520 = &input["rfc7520_4_4"];
    let key = SigningKey::from_hmac_secret(
        Algorithm::Hs256,
        &URL_SAFE_NO_PAD
            .decode(rfc7520["jwk_k"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap()
    .with_kid("018c0ae5-4d9b-471b-bfd6-eef314bc7037");
    let v = Verifier::builder(KeySet::builder().primary(key).build().unwrap(), ISS, AUD)
        .build()
        .unwrap();
    let token = rfc7520["token"].as_str().unwrap();
    assert_rejected(v.verify_access(token), &TokenError::TypeMismatch);
    let mut tampered = token.to_owned();
    tampered.insert(token.find('.').unwrap() + 1, 'A');
    assert_rejected(v.verify_access(&tampered), &TokenError::SignatureInvalid);
}

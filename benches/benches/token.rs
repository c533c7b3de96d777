//! opsguard-token against raw `jsonwebtoken` 12 in one run: issuing and
//! verifying the same access token, for HS256, EdDSA and ES256; and a
//! verification served from opsguard's verified-token cache against a full
//! one.
//!
//! The raw side uses cached `EncodingKey`/`DecodingKey`s and one cached
//! `Validation` with the same algorithm, issuer, audience and leeway, and
//! decodes into a struct with the same claims. It does not check `kid`,
//! `typ`, `token_use`, `nbf` (off by default in jsonwebtoken) or `iat`:
//! those are the checks opsguard adds.
#![allow(missing_docs, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject, Verifier, VerifyCache};
use serde::{Deserialize, Serialize};

const ISS: &str = "https://auth.example";
const AUD: &str = "api";

/// The claims of an opsguard access token, as a `jsonwebtoken` user would
/// declare them.
#[derive(Serialize, Deserialize)]
struct RawClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
    token_use: String,
    username: String,
    roles: Vec<String>,
}

struct Setup {
    issuer: Issuer,
    verifier: Verifier,
    subject: Subject,
    token: String,
    raw_header: Header,
    raw_claims: RawClaims,
    raw_encoding: EncodingKey,
    raw_decoding: DecodingKey,
    raw_validation: Validation,
}

fn setup(alg: Algorithm) -> Setup {
    let key = SigningKey::generate(alg).expect("generate");
    let raw_encoding = match alg {
        Algorithm::EdDsa | Algorithm::Es256 => {
            let pem = key.to_pkcs8_pem().expect("pem");
            let pem = secrecy::ExposeSecret::expose_secret(&pem)
                .as_bytes()
                .to_vec();
            if alg == Algorithm::EdDsa {
                EncodingKey::from_ed_pem(&pem).expect("ed pem")
            } else {
                EncodingKey::from_ec_pem(&pem).expect("ec pem")
            }
        }
        _ => {
            let secret = key.to_base64();
            EncodingKey::from_base64_secret(secrecy::ExposeSecret::expose_secret(&secret))
                .expect("secret")
        }
    };
    let kid = key.kid().to_owned();
    let keys = KeySet::builder().primary(key).build().expect("keys");
    let jwk: serde_json::Value =
        serde_json::from_str(&keys.to_jwks().to_json()).expect("jwks json");
    let jwk = &jwk["keys"][0];
    let raw_decoding = match alg {
        Algorithm::EdDsa => {
            DecodingKey::from_ed_components(jwk["x"].as_str().expect("x")).expect("ed")
        }
        Algorithm::Es256 => DecodingKey::from_ec_components(
            jwk["x"].as_str().expect("x"),
            jwk["y"].as_str().expect("y"),
        )
        .expect("ec"),
        _ => DecodingKey::from_secret(raw_encoding.as_bytes()).expect("secret"),
    };
    let issuer = Issuer::builder(keys.clone(), ISS, AUD)
        .build()
        .expect("issuer");
    let verifier = Verifier::builder(keys, ISS, AUD).build().expect("verifier");
    let subject = Subject::new("42", "alice").with_roles(["operator"]);
    let token = issuer
        .issue_access(&subject)
        .expect("issue")
        .expose_secret()
        .to_owned();
    let mut raw_header = Header::new(alg_of(alg));
    raw_header.kid = Some(kid);
    raw_header.typ = Some("at+jwt".to_owned());
    let raw_claims: RawClaims =
        jsonwebtoken::dangerous::insecure_decode_claims(&token).expect("claims");
    let mut raw_validation = Validation::new(alg_of(alg));
    raw_validation.set_issuer(&[ISS]);
    raw_validation.set_audience(&[AUD]);
    raw_validation.leeway = 30;
    Setup {
        issuer,
        verifier,
        subject,
        token,
        raw_header,
        raw_claims,
        raw_encoding,
        raw_decoding,
        raw_validation,
    }
}

fn alg_of(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        _ => jsonwebtoken::Algorithm::HS256,
    }
}

const ALGS: [Algorithm; 3] = [Algorithm::Hs256, Algorithm::EdDsa, Algorithm::Es256];

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_verify");
    group.throughput(Throughput::Elements(1));
    for alg in ALGS {
        let s = setup(alg);
        assert!(s.verifier.verify_access(&s.token).is_ok());
        assert!(decode::<RawClaims>(&s.token, &s.raw_decoding, &s.raw_validation).is_ok());
        group.bench_with_input(BenchmarkId::new("opsguard", alg), &s.token, |b, token| {
            b.iter(|| s.verifier.verify_access(black_box(token)));
        });
        group.bench_with_input(
            BenchmarkId::new("jsonwebtoken", alg),
            &s.token,
            |b, token| {
                b.iter(|| {
                    decode::<RawClaims>(black_box(token), &s.raw_decoding, &s.raw_validation)
                });
            },
        );
    }
    group.finish();
}

fn issue(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_issue");
    group.throughput(Throughput::Elements(1));
    for alg in ALGS {
        let s = setup(alg);
        group.bench_with_input(
            BenchmarkId::new("opsguard", alg),
            &s.subject,
            |b, subject| {
                b.iter(|| s.issuer.issue_access(black_box(subject)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("jsonwebtoken", alg),
            &s.raw_claims,
            |b, claims| {
                b.iter(|| encode(&s.raw_header, black_box(claims), &s.raw_encoding));
            },
        );
    }
    group.finish();
}

/// The same token verified in full every time against served from
/// `Verifier::with_cache` (a hit: SHA-256 of the token, one shard lock, the
/// key's state and the time claims checked, the claims cloned).
fn verify_cached(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_verify_cached");
    group.throughput(Throughput::Elements(1));
    for alg in [Algorithm::Hs256, Algorithm::EdDsa] {
        let s = setup(alg);
        let cached = s.verifier.clone().with_cache(
            VerifyCache::new(VerifyCache::DEFAULT_CAPACITY, VerifyCache::DEFAULT_TTL)
                .expect("cache"),
        );
        assert_eq!(
            cached.verify_access(&s.token).expect("cached"),
            s.verifier.verify_access(&s.token).expect("uncached")
        );
        group.bench_with_input(BenchmarkId::new("uncached", alg), &s.token, |b, token| {
            b.iter(|| s.verifier.verify_access(black_box(token)));
        });
        group.bench_with_input(BenchmarkId::new("cached", alg), &s.token, |b, token| {
            b.iter(|| cached.verify_access(black_box(token)));
        });
    }
    group.finish();
}

criterion_group!(benches, verify, verify_cached, issue);
criterion_main!(benches);

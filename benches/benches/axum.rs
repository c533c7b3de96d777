//! An authenticated `GET` through opsguard-axum's `CurrentUser` extractor,
//! against the same route decoding the bearer token inline with raw
//! `jsonwebtoken` (issuer, audience and expiry checked, the usual
//! hand-written extractor). Both routers run in process (`oneshot`) on one
//! current-thread runtime, with the same token, for HS256 and EdDSA. The
//! setup checks that both routes answer 200 with the same body, and 401 to
//! a forged token, before timing anything.
//!
//! Time is the calling thread's CPU time (everything runs on it: the
//! runtime is current-thread), not wall time: on the shared 2-core machine
//! other processes' load moved wall-clock results of the same code by 30%
//! between runs, while CPU time counts only this thread's own work.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use jsonwebtoken::{DecodingKey, Validation, decode};
use opsguard_axum::{CurrentUser, OpsGuard};
use opsguard_benches::ThreadCpu;
use opsguard_rbac::{Policy, SharedPolicy};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use serde::Deserialize;
use tower::ServiceExt;

const ISSUER: &str = "https://auth.example";
const AUDIENCE: &str = "opsconductor";

async fn me(user: CurrentUser) -> String {
    black_box((user.username(), user.roles()));
    user.id().to_owned()
}

/// The claims a hand-written extractor reads to know the caller as well as
/// `CurrentUser` does: id, username, roles.
#[derive(Deserialize)]
struct RawClaims {
    sub: String,
    username: String,
    roles: Vec<String>,
}

/// What a service writes without opsguard: strip `Bearer `, decode, check.
async fn raw_me(
    State(raw): State<Arc<(DecodingKey, Validation)>>,
    headers: HeaderMap,
) -> Result<String, StatusCode> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let data = decode::<RawClaims>(token, &raw.0, &raw.1).map_err(|_| StatusCode::UNAUTHORIZED)?;
    let RawClaims {
        sub,
        username,
        roles,
    } = data.claims;
    black_box((&username, &roles));
    Ok(sub)
}

struct Case {
    name: &'static str,
    opsguard: Router,
    raw: Router,
    token: String,
}

fn case(name: &'static str, key: SigningKey, raw_key: impl FnOnce(&KeySet) -> DecodingKey) -> Case {
    let raw_alg = match key.algorithm() {
        Algorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        other => panic!("no raw counterpart for {other}"),
    };
    let keys = KeySet::builder().primary(key).build().unwrap();
    let issuer = Issuer::builder(keys.clone(), ISSUER, AUDIENCE)
        .build()
        .unwrap();
    let token = issuer
        .issue_access(&Subject::new("42", "alice").with_roles(["user"]))
        .unwrap()
        .expose_secret()
        .to_owned();
    let guard = OpsGuard::verifier_builder(
        issuer.verifier().unwrap(),
        SharedPolicy::new(Policy::opsconductor()),
    )
    .build();
    let opsguard = Router::new().route("/me", get(me)).with_state(guard);

    let mut validation = Validation::new(raw_alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let raw = Router::new()
        .route("/me", get(raw_me))
        .with_state(Arc::new((raw_key(&keys), validation)));
    Case {
        name,
        opsguard,
        raw,
        token,
    }
}

fn request(authorization: &str) -> Request<Body> {
    Request::builder()
        .uri("/me")
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap()
}

async fn call(router: &Router, authorization: &str) -> (StatusCode, Vec<u8>) {
    let response = router
        .clone()
        .oneshot(request(authorization))
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body.to_vec())
}

/// The `x` member of the (single) Ed25519 JWK of `keys`.
fn ed25519_x(keys: &KeySet) -> String {
    let jwks: serde_json::Value = serde_json::from_str(&keys.to_jwks().to_json()).unwrap();
    jwks["keys"][0]["x"].as_str().unwrap().to_owned()
}

fn bench(c: &mut Criterion<ThreadCpu>) {
    let secret = [7u8; 32];
    let cases = [
        case(
            "HS256",
            SigningKey::from_hmac_secret(Algorithm::Hs256, &secret).unwrap(),
            |_| DecodingKey::from_secret(&secret).unwrap(),
        ),
        case(
            "EdDSA",
            SigningKey::generate(Algorithm::EdDsa).unwrap(),
            |keys| DecodingKey::from_ed_components(&ed25519_x(keys)).unwrap(),
        ),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    for case in &cases {
        let good = format!("Bearer {}", case.token);
        let forged = format!("Bearer {}x", case.token);
        for router in [&case.opsguard, &case.raw] {
            assert_eq!(
                rt.block_on(call(router, &good)),
                (StatusCode::OK, b"42".to_vec())
            );
            assert_eq!(
                rt.block_on(call(router, &forged)).0,
                StatusCode::UNAUTHORIZED
            );
        }
    }

    let mut group = c.benchmark_group("axum_authenticated_get");
    group.throughput(Throughput::Elements(1));
    for case in &cases {
        let authorization = format!("Bearer {}", case.token);
        group.bench_with_input(
            BenchmarkId::new("opsguard_current_user", case.name),
            &authorization,
            |b, auth| b.iter(|| rt.block_on(call(&case.opsguard, black_box(auth)))),
        );
        group.bench_with_input(
            BenchmarkId::new("raw_jsonwebtoken", case.name),
            &authorization,
            |b, auth| b.iter(|| rt.block_on(call(&case.raw, black_box(auth)))),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu::new());
    targets = bench
}
criterion_main!(benches);

//! An authenticated `GET` through opsguard-actix's `CurrentUser` extractor,
//! against the same route decoding the bearer token inline with raw
//! `jsonwebtoken` (issuer, audience and expiry checked, the usual
//! hand-written extractor). Both apps run in process
//! (`actix_web::test::call_service`) on one actix system (a current-thread
//! runtime), with the same token, for HS256 and EdDSA. The setup checks that
//! both routes answer 200 with the same body, and 401 to a forged token,
//! before timing anything.
//!
//! Time is the calling thread's CPU time ([`ThreadCpu`]): everything runs on
//! it.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, HttpResponse, web};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, Validation, decode};
use opsguard_actix::{CurrentUser, OpsGuard};
use opsguard_benches::ThreadCpu;
use opsguard_rbac::{Policy, SharedPolicy};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use serde::Deserialize;

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
async fn raw_me(req: HttpRequest, raw: web::Data<(DecodingKey, Validation)>) -> HttpResponse {
    let Some(token) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return HttpResponse::Unauthorized().finish();
    };
    match decode::<RawClaims>(token, &raw.0, &raw.1) {
        Ok(data) => {
            let RawClaims {
                sub,
                username,
                roles,
            } = data.claims;
            black_box((&username, &roles));
            HttpResponse::Ok().body(sub)
        }
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

struct Case {
    name: &'static str,
    guard: OpsGuard,
    raw: web::Data<(DecodingKey, Validation)>,
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
    let mut validation = Validation::new(raw_alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    Case {
        name,
        guard,
        raw: web::Data::new((raw_key(&keys), validation)),
        token,
    }
}

/// `GET /me` with `authorization` through `app`: status and body.
async fn call<S, B>(app: &S, authorization: &str) -> (StatusCode, Vec<u8>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = TestRequest::get()
        .uri("/me")
        .insert_header((AUTHORIZATION, authorization))
        .to_request();
    let response = test::call_service(app, request).await;
    let status = response.status();
    (status, test::read_body(response).await.to_vec())
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
    let system = actix_web::rt::System::new();

    let mut group = c.benchmark_group("actix_authenticated_get");
    group.throughput(Throughput::Elements(1));
    for case in &cases {
        let opsguard = system.block_on(test::init_service(
            App::new()
                .app_data(case.guard.clone())
                .route("/me", web::get().to(me)),
        ));
        let raw = system.block_on(test::init_service(
            App::new()
                .app_data(case.raw.clone())
                .route("/me", web::get().to(raw_me)),
        ));
        let good = format!("Bearer {}", case.token);
        let forged = format!("Bearer {}x", case.token);
        for (status, body) in [
            system.block_on(call(&opsguard, &good)),
            system.block_on(call(&raw, &good)),
        ] {
            assert_eq!((status, body), (StatusCode::OK, b"42".to_vec()));
        }
        assert_eq!(
            system.block_on(call(&opsguard, &forged)).0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            system.block_on(call(&raw, &forged)).0,
            StatusCode::UNAUTHORIZED
        );

        group.bench_with_input(
            BenchmarkId::new("opsguard_current_user", case.name),
            &good,
            |b, auth| b.iter(|| system.block_on(call(&opsguard, black_box(auth)))),
        );
        group.bench_with_input(
            BenchmarkId::new("raw_jsonwebtoken", case.name),
            &good,
            |b, auth| b.iter(|| system.block_on(call(&raw, black_box(auth)))),
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

//! Helpers shared by the in-process tests: send a request through a router
//! and read the whole answer.
#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use opsguard_core::{Error, ErrorBody};
use tower::ServiceExt;

/// A response, read to the end.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The body parsed as an opsguard error body (panics if it is not one).
    pub fn error(&self) -> ErrorBody {
        ErrorBody::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not an error envelope ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `(field, code)` of the first field error.
    pub fn first_field(&self) -> (String, String) {
        let body = self.error();
        let first = body.error.fields.first().expect("no field error");
        (first.field().to_owned(), first.code().to_owned())
    }

    /// Asserts this answer is exactly `err.to_wire()`: status, every wire
    /// header, body bytes.
    pub fn assert_wire(&self, err: &Error) {
        let wire = err.to_wire();
        assert_eq!(self.status.as_u16(), wire.status, "status");
        for (name, value) in &wire.headers {
            assert_eq!(self.header(name), Some(value.as_str()), "header {name}");
        }
        assert_eq!(
            String::from_utf8_lossy(&self.body),
            String::from_utf8_lossy(&wire.body),
            "body"
        );
    }
}

/// Sends `request` through `app` in process.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `method uri` with no body.
pub fn empty(method: &str, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

/// `method uri` with a JSON body and `content-type: application/json`.
pub fn json(method: &str, uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

// --- an OpsGuard over in-memory stores, with fast test password hashing ---

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::ConnectInfo;
use opsguard_auth::{
    Authenticator, ClientIpResolver, ManualClock, MemoryDirectory, MemorySink, MemoryThrottleStore,
    Throttle, ThrottlePolicy, UserRecord,
};
use opsguard_axum::OpsGuard;
use opsguard_password::{Argon2Params, AsyncHasher, Hasher};
use opsguard_rbac::{Policy, SharedPolicy};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use secrecy::SecretString;

pub const ISSUER: &str = "https://auth.example";
pub const AUDIENCE: &str = "opsconductor";
pub const ALICE_PASSWORD: &str = "plum kettle orbit saffron";

pub struct Fixture {
    pub guard: OpsGuard,
    /// Mints access tokens with the guard's keys.
    pub issuer: Issuer,
    pub keys: KeySet,
    pub directory: Arc<MemoryDirectory>,
    pub audit: Arc<MemorySink>,
    pub hasher: Hasher,
}

impl Fixture {
    /// No trusted proxy.
    pub fn new() -> Self {
        Self::with_resolver(ClientIpResolver::new())
    }

    pub fn with_resolver(resolver: ClientIpResolver) -> Self {
        Self::build(Algorithm::EdDsa, resolver)
    }

    pub fn build(alg: Algorithm, resolver: ClientIpResolver) -> Self {
        let keys = KeySet::builder()
            .primary(SigningKey::generate(alg).unwrap().with_kid("k1"))
            .build()
            .unwrap();
        let issuer = Issuer::builder(keys.clone(), ISSUER, AUDIENCE)
            .build()
            .unwrap();
        let verifier = issuer.verifier().unwrap();
        let rotation = RefreshRotation::builder(
            Issuer::builder(keys.clone(), ISSUER, AUDIENCE)
                .build()
                .unwrap(),
            Arc::new(MemoryRefreshStore::new()),
        )
        .build()
        .unwrap();
        let hasher = Hasher::builder()
            .with_argon2id(Argon2Params::new(64, 1, 1))
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        let directory = Arc::new(MemoryDirectory::new());
        let audit = Arc::new(MemorySink::new());
        // The throttle's time stands still, so delays never run out mid-test.
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let throttle = Throttle::with_clock(
            ThrottlePolicy::default(),
            Arc::new(MemoryThrottleStore::new()),
            clock,
        );
        let authenticator = Authenticator::builder(
            directory.clone(),
            Arc::new(AsyncHasher::new(hasher.clone())),
            rotation,
            verifier,
        )
        .with_throttle(throttle)
        .with_audit_sink(audit.clone())
        .build();
        let guard = OpsGuard::builder(authenticator, SharedPolicy::new(Policy::opsconductor()))
            .with_client_ip_resolver(resolver)
            .with_jwks(&keys.to_jwks())
            .build();
        Self {
            guard,
            issuer,
            keys,
            directory,
            audit,
            hasher,
        }
    }

    /// An access token for user `id` with `roles`.
    pub fn token(&self, id: &str, username: &str, roles: &[&str]) -> String {
        let subject = Subject::new(id, username).with_roles(roles.iter().copied());
        self.issuer
            .issue_access(&subject)
            .unwrap()
            .expose_secret()
            .to_owned()
    }

    /// Registers `username` with `password` as user `id` holding `roles`.
    pub fn register(&self, id: &str, username: &str, password: &str, roles: &[&str]) {
        let hash = self.hasher.hash(&SecretString::from(password)).unwrap();
        let user = UserRecord::new(id, username, hash).with_roles(roles.iter().copied());
        self.directory.insert(user);
    }
}

/// `request` as if it arrived on a socket from `peer`.
pub fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// `request` with `Authorization: value`.
pub fn with_auth(mut request: Request<Body>, value: &str) -> Request<Body> {
    request
        .headers_mut()
        .append("authorization", http::HeaderValue::from_str(value).unwrap());
    request
}

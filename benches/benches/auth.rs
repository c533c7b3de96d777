//! opsguard-auth: login throughput under concurrent load against the bound
//! set by password hashing (cores / single-verify time), with the raw
//! argon2 computation and one opsguard verification side by side.
//!
//! Figures and their ratios are in `crates/opsguard-auth/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use opsguard_auth::{
    AuditEvent, AuditSink, Authenticator, ClientInfo, MemoryDirectory, MemoryThrottleStore,
    StoreError, Throttle, ThrottlePolicy, UserRecord,
};
use opsguard_password::{AsyncHasher, Hasher};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Issuer, KeySet, SigningKey};
use secrecy::SecretString;

const PASSWORD: &str = "plum kettle orbit saffron";

#[derive(Debug)]
struct NullSink;

#[async_trait]
impl AuditSink for NullSink {
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        black_box(event);
        Ok(())
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn authenticator(hasher: &Hasher) -> Authenticator {
    let keys = KeySet::builder()
        .primary(SigningKey::generate(opsguard_token::Algorithm::EdDsa).unwrap())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys, "https://auth.example", "api")
        .build()
        .unwrap();
    let verifier = issuer.verifier().unwrap();
    let rotation = RefreshRotation::builder(issuer, Arc::new(MemoryRefreshStore::new()))
        .build()
        .unwrap();
    let directory = Arc::new(MemoryDirectory::new());
    let hash = hasher.hash(&SecretString::from(PASSWORD)).unwrap();
    directory.insert(UserRecord::new("1", "alice", hash));
    // Every login succeeds, from many addresses: the throttle stays out of
    // the way (the attempt-rate cap would otherwise refuse the flood).
    let policy = ThrottlePolicy::builder()
        .without_attempt_rate()
        .build()
        .unwrap();
    let throttle = Throttle::new(policy, Arc::new(MemoryThrottleStore::new()));
    Authenticator::builder(
        directory,
        Arc::new(AsyncHasher::new(hasher.clone())),
        rotation,
        verifier,
    )
    .with_throttle(throttle)
    .with_audit_sink(Arc::new(NullSink))
    .build()
}

fn bench(c: &mut Criterion) {
    let hasher = Hasher::new();
    let stored = hasher.hash(&SecretString::from(PASSWORD)).unwrap();
    let password = SecretString::from(PASSWORD);

    let mut single = c.benchmark_group("auth_single_verify");
    single.sample_size(10);
    single.throughput(Throughput::Elements(1));
    // Raw argon2id with the default (OWASP) parameters: the work of one
    // verification.
    let params = Params::new(19_456, 2, 1, Some(32)).unwrap();
    let raw = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = [7u8; 16];
    single.bench_function(BenchmarkId::new("raw_argon2id", "m19456_t2_p1"), |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            raw.hash_password_into(black_box(PASSWORD.as_bytes()), &salt, &mut out)
                .unwrap();
            out
        });
    });
    single.bench_function(BenchmarkId::new("opsguard_verify", "m19456_t2_p1"), |b| {
        b.iter(|| {
            hasher
                .verify(black_box(&password), black_box(&stored))
                .unwrap()
        });
    });
    single.finish();

    // The hashing bound measured in the same run: `cores` OS threads doing
    // nothing but raw argon2id. On a machine shared with other work this is
    // a fairer reference than cores / single-verify time.
    let workers = cores();
    let mut parallel = c.benchmark_group("auth_parallel_raw");
    parallel.sample_size(10);
    parallel.measurement_time(Duration::from_secs(10));
    parallel.throughput(Throughput::Elements(1));
    parallel.bench_with_input(
        BenchmarkId::new("raw_argon2id_threads", workers),
        &workers,
        |b, &workers| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(workers as u64);
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..workers {
                        scope.spawn(|| {
                            for _ in 0..per_thread {
                                let mut out = [0u8; 32];
                                raw.hash_password_into(
                                    black_box(PASSWORD.as_bytes()),
                                    &salt,
                                    &mut out,
                                )
                                .unwrap();
                                black_box(out);
                            }
                        });
                    }
                });
                // Scale to exactly `iters` hashes.
                start
                    .elapsed()
                    .mul_f64(iters as f64 / (per_thread * workers as u64) as f64)
            });
        },
    );
    parallel.finish();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let auth = Arc::new(authenticator(&hasher));
    let mut login = c.benchmark_group("auth_login");
    login.sample_size(10);
    login.measurement_time(Duration::from_secs(10));
    login.throughput(Throughput::Elements(1));
    for concurrency in [1usize, workers * 4] {
        login.bench_with_input(
            BenchmarkId::new("concurrent_logins", concurrency),
            &concurrency,
            |b, &concurrency| {
                b.iter_custom(|iters| {
                    runtime.block_on(async {
                        let start = Instant::now();
                        let mut done = 0u64;
                        while done < iters {
                            let batch = (iters - done).min(concurrency as u64);
                            let mut tasks = tokio::task::JoinSet::new();
                            for n in 0..batch {
                                let auth = Arc::clone(&auth);
                                let ip = IpAddr::from([10, 0, (n >> 8) as u8, n as u8]);
                                tasks.spawn(async move {
                                    let client = ClientInfo::new(ip);
                                    let password = SecretString::from(PASSWORD);
                                    auth.login("alice", &password, &client).await.unwrap();
                                });
                            }
                            while let Some(joined) = tasks.join_next().await {
                                joined.unwrap();
                            }
                            done += batch;
                        }
                        start.elapsed()
                    })
                });
            },
        );
    }
    login.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

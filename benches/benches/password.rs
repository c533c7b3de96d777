//! opsguard-password against the raw crates doing the same work, at the
//! default parameters: argon2id m=19456 KiB, t=2, p=1 (`Hasher::new()`
//! against `argon2::Argon2::default()`, the same parameters) and bcrypt
//! cost 12 (against `bcrypt::hash`/`bcrypt::verify`). What is left is
//! opsguard's own cost: strict parsing, the ceiling check, the salt from the
//! OS RNG and the rehash decision.
//!
//! After criterion's groups, `main` prints opsguard/raw time ratios measured
//! by alternating single operations, which survive the load of a shared
//! machine, and a load measurement: the latency of a trivial task (spawn and
//! join, every 500 µs) on a two-worker runtime, idle, while one burst of 64
//! default-parameter verifications runs through `AsyncHasher`, and while the
//! same burst runs directly on the executor (what `AsyncHasher` prevents).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordVerifier as _;
use argon2::{Argon2, PasswordHasher as _};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use opsguard_password::{AsyncHasher, Hasher};
use secrecy::SecretString;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const PASSWORD: &str = "correct horse battery staple";
const BCRYPT_COST: u32 = 12;
const BURST: usize = 64;

fn bcrypt_hasher() -> Hasher {
    Hasher::builder().with_bcrypt(BCRYPT_COST).build().unwrap()
}

fn raw_argon2_hash() -> String {
    Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string()
}

fn raw_argon2_verify(stored: &str) -> bool {
    Argon2::default()
        .verify_password(PASSWORD.as_bytes(), stored)
        .is_ok()
}

fn hashing(c: &mut Criterion) {
    let secret = SecretString::from(PASSWORD);
    let argon2 = Hasher::new();
    let bcrypt = bcrypt_hasher();
    let argon2_stored = argon2.hash(&secret).unwrap();
    let bcrypt_stored = bcrypt.hash(&secret).unwrap();

    let mut group = c.benchmark_group("password_argon2id_default");
    group.sample_size(10).throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("opsguard", "hash"), |b| {
        b.iter(|| argon2.hash(black_box(&secret)).unwrap());
    });
    group.bench_function(BenchmarkId::new("argon2", "hash"), |b| {
        b.iter(|| black_box(raw_argon2_hash()));
    });
    group.bench_function(BenchmarkId::new("opsguard", "verify"), |b| {
        b.iter(|| {
            argon2
                .verify(black_box(&secret), black_box(&argon2_stored))
                .unwrap()
        });
    });
    group.bench_function(BenchmarkId::new("argon2", "verify"), |b| {
        b.iter(|| assert!(raw_argon2_verify(black_box(&argon2_stored))));
    });
    group.finish();

    let mut group = c.benchmark_group("password_bcrypt_12");
    group.sample_size(10).throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("opsguard", "hash"), |b| {
        b.iter(|| bcrypt.hash(black_box(&secret)).unwrap());
    });
    group.bench_function(BenchmarkId::new("bcrypt", "hash"), |b| {
        b.iter(|| bcrypt::hash(black_box(PASSWORD), BCRYPT_COST).unwrap());
    });
    group.bench_function(BenchmarkId::new("opsguard", "verify"), |b| {
        b.iter(|| {
            bcrypt
                .verify(black_box(&secret), black_box(&bcrypt_stored))
                .unwrap()
        });
    });
    group.bench_function(BenchmarkId::new("bcrypt", "verify"), |b| {
        b.iter(|| assert!(bcrypt::verify(black_box(PASSWORD), black_box(&bcrypt_stored)).unwrap()));
    });
    group.finish();
}

/// How the burst of verifications runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    Idle,
    AsyncHasher,
    AsyncHasherOnePermit,
    OnExecutor,
}

impl Load {
    const ALL: [Self; 4] = [
        Self::Idle,
        Self::AsyncHasher,
        Self::AsyncHasherOnePermit,
        Self::OnExecutor,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::AsyncHasher => "64 verifies via AsyncHasher",
            Self::AsyncHasherOnePermit => "same, AsyncHasher 1 permit",
            Self::OnExecutor => "64 verifies on the executor",
        }
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One trivial task: spawn it and wait for it.
async fn trivial() {
    tokio::spawn(async { black_box(1u8) }).await.unwrap();
}

/// Latencies (µs) of trivial tasks started every 500 µs: while one burst of
/// 64 default-parameter verifications runs (until it ends), or, idle, for
/// `idle_samples` tasks.
fn latencies(rt: &Runtime, load: Load, idle_samples: usize) -> Vec<f64> {
    let pool = if load == Load::AsyncHasherOnePermit {
        AsyncHasher::with_permits(Hasher::new(), NonZeroUsize::MIN)
    } else {
        AsyncHasher::new(Hasher::new())
    };
    let secret = SecretString::from(PASSWORD);
    let stored = pool.hasher().hash(&secret).unwrap();
    let done = Arc::new(AtomicBool::new(load == Load::Idle));
    if load != Load::Idle {
        let done = Arc::clone(&done);
        rt.spawn(async move {
            let mut set = JoinSet::new();
            for _ in 0..BURST {
                let (pool, secret, stored) = (pool.clone(), secret.clone(), stored.clone());
                set.spawn(async move {
                    let v = if load == Load::OnExecutor {
                        pool.hasher().verify(&secret, &stored)
                    } else {
                        pool.verify(&secret, &stored).await
                    };
                    assert!(v.unwrap().is_match());
                });
            }
            while set.join_next().await.is_some() {}
            done.store(true, Ordering::SeqCst);
        });
        // Let the burst occupy the pool (or the workers) first.
        std::thread::sleep(Duration::from_millis(20));
    }
    rt.block_on(async {
        let mut latencies = Vec::new();
        loop {
            let bursting = !done.load(Ordering::SeqCst);
            if !bursting && latencies.len() >= idle_samples {
                break;
            }
            let start = Instant::now();
            trivial().await;
            let elapsed = start.elapsed();
            if bursting || load == Load::Idle {
                latencies.push(elapsed.as_secs_f64() * 1e6);
            }
            if load != Load::Idle && !bursting {
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        latencies
    })
}

criterion_group!(benches, hashing);

/// Median over `rounds` of (time of `a`) / (time of `b`), the two run back
/// to back, so both sides see the same machine load.
fn interleaved_ratio(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        a();
        let ta = start.elapsed();
        let start = Instant::now();
        b();
        let tb = start.elapsed();
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64());
    }
    median(&mut ratios)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn interleaved() {
    let secret = SecretString::from(PASSWORD);
    let argon2 = Hasher::new();
    let bcrypt = bcrypt_hasher();
    let argon2_stored = argon2.hash(&secret).unwrap();
    let bcrypt_stored = bcrypt.hash(&secret).unwrap();
    println!("\nopsguard / raw, median of interleaved single operations:");
    let rows: [(&str, usize, f64); 4] = [
        (
            "argon2id hash",
            101,
            interleaved_ratio(
                101,
                || drop(black_box(argon2.hash(&secret).unwrap())),
                || drop(black_box(raw_argon2_hash())),
            ),
        ),
        (
            "argon2id verify",
            101,
            interleaved_ratio(
                101,
                || assert!(argon2.verify(&secret, &argon2_stored).unwrap().is_match()),
                || assert!(raw_argon2_verify(&argon2_stored)),
            ),
        ),
        (
            "bcrypt-12 hash",
            21,
            interleaved_ratio(
                21,
                || drop(black_box(bcrypt.hash(&secret).unwrap())),
                || drop(black_box(bcrypt::hash(PASSWORD, BCRYPT_COST).unwrap())),
            ),
        ),
        (
            "bcrypt-12 verify",
            21,
            interleaved_ratio(
                21,
                || assert!(bcrypt.verify(&secret, &bcrypt_stored).unwrap().is_match()),
                || assert!(bcrypt::verify(PASSWORD, &bcrypt_stored).unwrap()),
            ),
        ),
    ];
    for (name, rounds, ratio) in rows {
        println!("  {name:<18} {ratio:.3}x  ({rounds} rounds)");
    }

    println!(
        "\ntrivial task latency (spawn + join every 500 µs), 2 workers, AsyncHasher default permits {}:",
        std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
    );
    let rt = runtime();
    let mut idle = (0.0, 0.0, 0.0);
    for load in Load::ALL {
        let mut l = latencies(&rt, load, 2000);
        let n = l.len();
        let mean = l.iter().sum::<f64>() / n as f64;
        let p50 = median(&mut l);
        let p99 = l[n * 99 / 100];
        if load == Load::Idle {
            idle = (mean, p50, p99);
        }
        println!(
            "  {:<28} mean {mean:>8.1} µs ({:>6.2}x)  p50 {p50:>6.1} µs ({:>4.2}x)  p99 {p99:>9.1} µs ({:>7.2}x)  {n} samples",
            load.name(),
            mean / idle.0,
            p50 / idle.1,
            p99 / idle.2,
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    interleaved();
}

//! opsguard-crypto's `Keyring::seal`/`open` on each backend against the raw
//! `aes-gcm` and `ring` AEADs doing the same work: a cipher built once, a
//! fresh nonce from `rand`'s thread RNG per seal, output `nonce || ct || tag`
//! in a new `Vec`, the same associated data (6-byte header || context).
//! What is left is opsguard's own cost: the header, the AAD concatenation,
//! the key lookup, the counter and the wiping of buffers.
//!
//! After criterion's groups, `main` prints opsguard/raw time ratios measured
//! by alternating batches, which survive the load of a shared machine.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use opsguard_crypto::{Backend, Key, Keyring};
use rand::Rng as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, UnboundKey};

const KEY: [u8; 32] = [0x42; 32];
const CONTEXT: &[u8] = b"credentials.password:42";
const SIZES: [usize; 3] = [64, 1024, 64 * 1024];

fn aad() -> Vec<u8> {
    let mut aad = vec![1u8, 1, 0, 0, 0, 1];
    aad.extend_from_slice(CONTEXT);
    aad
}

fn keyring(backend: Backend) -> Keyring {
    Keyring::builder()
        .with_key(1, Key::from_bytes(&KEY).unwrap())
        .with_primary(1)
        .with_backend(backend)
        .build()
        .unwrap()
}

/// Raw `aes-gcm`, the same nonce handling and output layout.
struct RawAesGcm(Aes256Gcm);

impl RawAesGcm {
    fn seal(&self, aad: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(12 + msg.len() + 16);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(msg);
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::from(nonce), aad, out[12..].as_mut().into())
            .unwrap();
        out.extend_from_slice(&tag);
        out
    }

    fn open(&self, aad: &[u8], blob: &[u8]) -> Vec<u8> {
        let (nonce, rest) = blob.split_first_chunk::<12>().unwrap();
        let (ct, tag) = rest.split_last_chunk::<16>().unwrap();
        let mut out = ct.to_vec();
        self.0
            .decrypt_inout_detached(
                &Nonce::from(*nonce),
                aad,
                out.as_mut_slice().into(),
                &Tag::from(*tag),
            )
            .unwrap();
        out
    }
}

/// Raw `ring`, the same nonce handling and output layout.
struct RawRing(LessSafeKey);

impl RawRing {
    fn seal(&self, aad: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(12 + msg.len() + 16);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(msg);
        let tag = self
            .0
            .seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[12..],
            )
            .unwrap();
        out.extend_from_slice(tag.as_ref());
        out
    }

    fn open(&self, aad: &[u8], blob: &[u8]) -> Vec<u8> {
        let (nonce, rest) = blob.split_first_chunk::<12>().unwrap();
        let (ct, tag) = rest.split_last_chunk::<16>().unwrap();
        let mut out = ct.to_vec();
        self.0
            .open_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                ring::aead::Tag::from(*tag),
                &mut out,
                0..,
            )
            .unwrap();
        out
    }
}

fn crypto(c: &mut Criterion) {
    let aad = aad();
    let og_aes = keyring(Backend::AesGcm);
    let og_ring = keyring(Backend::Ring);
    let raw_aes = RawAesGcm(Aes256Gcm::new(&KEY.into()));
    let raw_ring = RawRing(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &KEY).unwrap(),
    ));

    for op in ["seal", "open", "seal_open"] {
        let mut group = c.benchmark_group(format!("crypto_{op}"));
        for size in SIZES {
            let msg = vec![0xa5u8; size];
            group.throughput(Throughput::Bytes(size as u64));
            let og_sealed = og_aes.seal(&msg, CONTEXT).unwrap();
            let raw_sealed = raw_aes.seal(&aad, &msg);
            for (name, k) in [("opsguard/aes-gcm", &og_aes), ("opsguard/ring", &og_ring)] {
                group.bench_with_input(BenchmarkId::new(name, size), &msg, |b, msg| match op {
                    "seal" => b.iter(|| k.seal(black_box(msg), black_box(CONTEXT)).unwrap()),
                    "open" => b.iter(|| k.open(black_box(&og_sealed), black_box(CONTEXT)).unwrap()),
                    _ => b.iter(|| {
                        let s = k.seal(black_box(msg), black_box(CONTEXT)).unwrap();
                        k.open(&s, black_box(CONTEXT)).unwrap()
                    }),
                });
            }
            group.bench_with_input(BenchmarkId::new("aes-gcm", size), &msg, |b, msg| match op {
                "seal" => b.iter(|| raw_aes.seal(black_box(&aad), black_box(msg))),
                "open" => b.iter(|| raw_aes.open(black_box(&aad), black_box(&raw_sealed))),
                _ => b.iter(|| {
                    let s = raw_aes.seal(black_box(&aad), black_box(msg));
                    raw_aes.open(black_box(&aad), &s)
                }),
            });
            group.bench_with_input(BenchmarkId::new("ring", size), &msg, |b, msg| match op {
                "seal" => b.iter(|| raw_ring.seal(black_box(&aad), black_box(msg))),
                "open" => b.iter(|| raw_ring.open(black_box(&aad), black_box(&raw_sealed))),
                _ => b.iter(|| {
                    let s = raw_ring.seal(black_box(&aad), black_box(msg));
                    raw_ring.open(black_box(&aad), &s)
                }),
            });
        }
        group.finish();
    }
}

criterion_group!(benches, crypto);

/// Median over `ROUNDS` of (time of a batch of `a`) / (time of the same
/// batch of `b`), the two batches run back to back. On a shared, loaded
/// machine criterion's separate runs drift apart; alternating batches sees
/// both sides under the same load, so the ratio holds even when the
/// absolute times do not.
fn interleaved_ratio(iters: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    const ROUNDS: usize = 201;
    let mut ratios = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..iters {
            a();
        }
        let ta = start.elapsed();
        let start = Instant::now();
        for _ in 0..iters {
            b();
        }
        let tb = start.elapsed();
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

/// opsguard's time over the raw crate's, per operation, size and backend,
/// printed as `time ratio` (1.00 = no overhead; throughput ratio = 1 / it).
fn interleaved() {
    let aad = aad();
    let og_aes = keyring(Backend::AesGcm);
    let og_ring = keyring(Backend::Ring);
    let raw_aes = RawAesGcm(Aes256Gcm::new(&KEY.into()));
    let raw_ring = RawRing(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &KEY).unwrap(),
    ));
    println!("\ninterleaved time ratios, opsguard / raw (median of 201 alternating batches)");
    println!(
        "{:<10} {:>8} {:>14} {:>14}",
        "op", "size", "aes-gcm", "ring"
    );
    for op in ["seal", "open", "seal_open"] {
        for size in SIZES {
            let iters = match size {
                64 => 400,
                1024 => 100,
                _ => 3,
            };
            let msg = vec![0xa5u8; size];
            let og_sealed = og_aes.seal(&msg, CONTEXT).unwrap();
            let raw_sealed = raw_aes.seal(&aad, &msg);
            let ratio = |k: &Keyring,
                         raw_seal: &dyn Fn() -> Vec<u8>,
                         raw_open: &dyn Fn(&[u8]) -> Vec<u8>| {
                match op {
                    "seal" => interleaved_ratio(
                        iters,
                        || drop(black_box(k.seal(black_box(&msg), CONTEXT).unwrap())),
                        || drop(black_box(raw_seal())),
                    ),
                    "open" => interleaved_ratio(
                        iters,
                        || drop(black_box(k.open(black_box(&og_sealed), CONTEXT).unwrap())),
                        || drop(black_box(raw_open(black_box(&raw_sealed)))),
                    ),
                    _ => interleaved_ratio(
                        iters,
                        || {
                            let s = k.seal(black_box(&msg), CONTEXT).unwrap();
                            drop(black_box(k.open(&s, CONTEXT).unwrap()));
                        },
                        || {
                            let s = raw_seal();
                            drop(black_box(raw_open(&s)));
                        },
                    ),
                }
            };
            let aes = ratio(
                &og_aes,
                &|| raw_aes.seal(black_box(&aad), black_box(&msg)),
                &|blob| raw_aes.open(black_box(&aad), blob),
            );
            let ring = ratio(
                &og_ring,
                &|| raw_ring.seal(black_box(&aad), black_box(&msg)),
                &|blob| raw_ring.open(black_box(&aad), blob),
            );
            println!("{op:<10} {size:>8} {aes:>14.3} {ring:>14.3}");
        }
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    interleaved();
}

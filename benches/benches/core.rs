//! `Error::to_wire` against serializing the same body by hand with
//! `serde_json::json!`: the price of the single mapping.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use opsguard_core::{Error, FieldError};

fn to_wire(c: &mut Criterion) {
    let mut group = c.benchmark_group("error_to_wire");
    group.bench_function("opsguard/invalid_token", |b| {
        b.iter(|| black_box(Error::invalid_token()).to_wire());
    });
    group.bench_function("serde_json/invalid_token", |b| {
        b.iter(|| {
            let body = serde_json::json!({"error": {"type": "AuthError", "message": black_box("invalid or expired token")}});
            (401u16, serde_json::to_vec(&body).unwrap_or_default())
        });
    });
    let fields = vec![
        FieldError::new("username", "too_short", "must be at least 3 characters"),
        FieldError::new("email", "invalid_email", "must be an email address"),
    ];
    group.bench_function("opsguard/validation_2_fields", |b| {
        b.iter(|| Error::validation(black_box(fields.clone())).to_wire());
    });
    group.finish();
}

criterion_group!(benches, to_wire);
criterion_main!(benches);

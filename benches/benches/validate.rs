//! opsguard-validate against a hand-rolled `validator` + `regex` check of the
//! same request types (the seed service's patterns), in one run: validating
//! a parsed value, and parsing + validating a JSON body. The raw side checks
//! less (no IP canonical form, no password policy): the ratio is the price of
//! the stricter rules and the report.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::LazyLock;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use opsguard_password::PasswordPolicy;
use opsguard_validate::from_json_slice;
use opsguard_validate::types::{TargetCreate, UserCreate};
use regex::Regex;
use serde::Deserialize;
use validator::{Validate, ValidateArgs};

const TARGET: &[u8] = br#"{"name":"web-01 (rack 4)","host":"db01.prod.example.com","port":22,"platform":"linux","credential_id":3,"group_id":7}"#;
const USER: &[u8] = br#"{"username":"alice42","email":"alice@example.com","password":"Tr0ub4dor&3xyz","is_admin":false}"#;

// The seed service's patterns (a dotted-quad or hostname regex, an
// `isalnum` username), as a service would write them with `validator`.
static HOST_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)*)$")
        .unwrap_or_else(|e| unreachable!("{e}"))
});
static USERNAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9]{3,32}$").unwrap_or_else(|e| unreachable!("{e}")));

#[derive(Deserialize, Validate)]
#[allow(dead_code)]
struct RawTarget {
    #[validate(length(min = 1, max = 255))]
    name: String,
    #[validate(regex(path = *HOST_RE))]
    host: String,
    #[validate(range(min = 1))]
    port: Option<u16>,
    #[validate(regex(path = *PLATFORM_RE))]
    platform: String,
    #[validate(range(min = 1))]
    credential_id: i64,
    #[validate(range(min = 1))]
    group_id: Option<i64>,
}

static PLATFORM_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:linux|windows)$").unwrap_or_else(|e| unreachable!("{e}")));

#[derive(Deserialize, Validate)]
#[allow(dead_code)]
struct RawUser {
    #[validate(regex(path = *USERNAME_RE))]
    username: String,
    #[validate(email)]
    email: String,
    #[validate(length(min = 8, max = 4096))]
    password: String,
    is_admin: Option<bool>,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body).unwrap_or_else(|e| unreachable!("{e}"))
}

fn validate_value(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate_value");
    group.throughput(Throughput::Elements(1));
    let target: TargetCreate = parse(TARGET);
    let raw_target: RawTarget = parse(TARGET);
    group.bench_function(BenchmarkId::new("opsguard", "TargetCreate"), |b| {
        b.iter(|| black_box(&target).validate().is_ok());
    });
    group.bench_function(BenchmarkId::new("validator+regex", "TargetCreate"), |b| {
        b.iter(|| black_box(&raw_target).validate().is_ok());
    });
    // The user types check the password against opsguard-password's policy
    // (no hashing): the default NIST policy runs zxcvbn's common-password
    // check; the seed's composition policy does not.
    let user: UserCreate = parse(USER);
    let raw_user: RawUser = parse(USER);
    group.bench_function(BenchmarkId::new("opsguard", "UserCreate_nist"), |b| {
        b.iter(|| black_box(&user).validate().is_ok());
    });
    let seed_policy = PasswordPolicy::opsconductor();
    group.bench_function(
        BenchmarkId::new("opsguard", "UserCreate_opsconductor"),
        |b| {
            b.iter(|| black_box(&user).validate_with_args(&seed_policy).is_ok());
        },
    );
    group.bench_function(BenchmarkId::new("validator+regex", "UserCreate"), |b| {
        b.iter(|| black_box(&raw_user).validate().is_ok());
    });
    group.finish();
}

fn parse_and_validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("from_json_slice");
    for (name, body) in [("TargetCreate", TARGET), ("UserCreate", USER)] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        match name {
            "TargetCreate" => {
                group.bench_with_input(BenchmarkId::new("opsguard", name), body, |b, body| {
                    b.iter(|| from_json_slice::<TargetCreate>(black_box(body), 4096).is_ok());
                });
                group.bench_with_input(
                    BenchmarkId::new("serde_json+validator", name),
                    body,
                    |b, body| {
                        b.iter(|| {
                            serde_json::from_slice::<RawTarget>(black_box(body))
                                .is_ok_and(|t| t.validate().is_ok())
                        });
                    },
                );
            }
            _ => {
                group.bench_with_input(BenchmarkId::new("opsguard", name), body, |b, body| {
                    b.iter(|| from_json_slice::<UserCreate>(black_box(body), 4096).is_ok());
                });
                group.bench_with_input(
                    BenchmarkId::new("serde_json+validator", name),
                    body,
                    |b, body| {
                        b.iter(|| {
                            serde_json::from_slice::<RawUser>(black_box(body))
                                .is_ok_and(|u| u.validate().is_ok())
                        });
                    },
                );
            }
        }
    }
    // The error path: a body with several fields wrong (the seed regex
    // accepts the octal-looking host, so the raw side reports one fewer).
    let bad = br#"{"name":"","host":"0127.0.0.1","port":22,"platform":"linux","credential_id":0,"group_id":0}"#;
    group.throughput(Throughput::Bytes(bad.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("opsguard", "TargetCreate_invalid"),
        bad,
        |b, body| {
            b.iter(|| {
                from_json_slice::<TargetCreate>(black_box(body), 4096)
                    .err()
                    .map(|e| e.fields().len())
            });
        },
    );
    group.bench_with_input(
        BenchmarkId::new("serde_json+validator", "TargetCreate_invalid"),
        bad,
        |b, body| {
            b.iter(|| {
                serde_json::from_slice::<RawTarget>(black_box(body))
                    .ok()
                    .and_then(|t| t.validate().err())
                    .map(|e| e.errors().len())
            });
        },
    );
    group.finish();
}

criterion_group!(benches, validate_value, parse_and_validate);
criterion_main!(benches);

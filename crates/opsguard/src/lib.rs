#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The error model and its wire mapping ([`opsguard-core`](opsguard_core)).
pub use opsguard_core as core;

/// JWT access, refresh and service tokens, key sets, JWKS, refresh rotation
/// ([`opsguard-token`](opsguard_token)).
pub use opsguard_token as token;

/// Password hashing, verification, rehash on login and password policy
/// ([`opsguard-password`](opsguard_password)).
pub use opsguard_password as password;

/// AES-256-GCM envelope encryption of stored secrets with a keyring
/// ([`opsguard-crypto`](opsguard_crypto)).
pub use opsguard_crypto as crypto;

/// Validators and per-field error reports
/// ([`opsguard-validate`](opsguard_validate)).
pub use opsguard_validate as validate;

/// Roles, permissions and ownership as data
/// ([`opsguard-rbac`](opsguard_rbac)).
pub use opsguard_rbac as rbac;

/// Login, refresh and logout flows, throttling, client address, audit
/// events ([`opsguard-auth`](opsguard_auth)).
pub use opsguard_auth as auth;

/// The axum adapter ([`opsguard-axum`](opsguard_axum)).
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use opsguard_axum as axum;

/// The actix-web adapter ([`opsguard-actix`](opsguard_actix)).
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use opsguard_actix as actix;

/// SQLite and PostgreSQL stores ([`opsguard-store-sql`](opsguard_store_sql)).
#[cfg(feature = "sql")]
#[cfg_attr(docsrs, doc(cfg(feature = "sql")))]
pub use opsguard_store_sql as store_sql;

pub use opsguard_core::{Error, ErrorKind, FieldError, Result, Success, WireError};

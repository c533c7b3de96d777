//! End-to-end tests of opsconductor-actix: the actix-web service on a real
//! socket and a real database (SQLite, and PostgreSQL when
//! `OPSGUARD_TEST_POSTGRES_URL` is set), beside the axum service of
//! opsconductor-service on the same database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// opsconductor-service's own end-to-end helpers, not a copy: a temporary
// SQLite file or PostgreSQL schema, the axum service on it, users,
// credentials and a JSON client. The actix service is started on the same
// configuration (client.rs).
#[allow(
    dead_code,
    reason = "the helpers serve opsconductor-service's tests; these use some"
)]
#[path = "../../../opsconductor-service/tests/service/support.rs"]
mod support;

mod client;

mod ownership;
mod parity;
mod shared_database;
mod tokens;

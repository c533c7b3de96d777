//! End-to-end tests of opsconductor-service: a real service on a real socket
//! and a real database (SQLite, and PostgreSQL when
//! `OPSGUARD_TEST_POSTGRES_URL` is set), driven over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

mod credentials;
mod demo;
mod endpoints;
mod ownership;
mod refresh_race;
mod registration;
mod rotate_keys;
mod seed;
mod signing_keys;
mod stale_tokens;
mod startup;
mod targets;
mod timeouts;

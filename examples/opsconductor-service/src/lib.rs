#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accounts;
mod app;
mod bootstrap;
mod config;
mod db;
mod demo;
pub mod domain;
mod error;
mod keys;
mod private_file;
mod rotate;
mod routes;
mod server;

pub use app::{RunningService, Service, serve, spawn};
pub use bootstrap::bootstrap_admin;
pub use config::{
    Config, DEFAULT_AUDIENCE, DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_DEV_KEY_DIR,
    DEFAULT_ISSUER, Environment,
};
pub use demo::{DemoReport, DemoStep, run_demo};
pub use error::ServiceError;
pub use keys::{DEV_JWT_KEY_FILE, DEV_KEYRING_FILE};
pub use rotate::{RotationProgress, rotate_keys};

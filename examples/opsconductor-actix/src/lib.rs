#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod app;
mod caller;
mod handlers;
mod reply;
mod server;

pub use app::{BODY_LIMIT, app, routes};
pub use caller::{Caller, CallerThen};
pub use opsconductor_service::RunningService;
pub use reply::Answer;
pub use server::{serve, spawn};

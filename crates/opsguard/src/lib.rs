#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The error model and its wire mapping ([`opsguard-core`](opsguard_core)).
pub use opsguard_core as core;

pub use opsguard_core::{Error, ErrorKind, FieldError, Result, Success, WireError};

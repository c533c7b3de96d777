#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod field;
mod kind;
pub mod security_headers;
mod success;
mod wire;

pub use error::{BoxError, Error, INVALID_CREDENTIALS_MESSAGE, INVALID_TOKEN_MESSAGE, Result};
pub use field::FieldError;
pub use kind::ErrorKind;
pub use success::Success;
pub use wire::{
    BODY_HEADERS, BodyParseError, Causes, ErrorBody, ErrorDetail, JSON_CONTENT_TYPE, WireError,
};

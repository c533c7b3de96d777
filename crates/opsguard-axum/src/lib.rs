#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body_limit;
mod client_ip;
mod envelope;
mod error;
mod guard;
mod handlers;
mod json;
mod path;
mod query;
mod request_id;
mod response;
mod security_headers;
mod user;

pub use body_limit::{BodyLimit, BodyLimitLayer};
pub use client_ip::ClientIp;
pub use envelope::{ErrorEnvelope, ErrorEnvelopeLayer, ResponseFuture};
pub use error::ConfigError;
pub use guard::{OpsGuard, OpsGuardBuilder};
pub use handlers::{
    LoginRequest, RefreshRequest, TokenResponse, auth_router, jwks, login, logout, refresh,
};
pub use json::{Json, ValidJson};
pub use path::Path;
pub use query::Query;
pub use request_id::{FreshId, REQUEST_ID_HEADER, RequestId, RequestIdLayer};
pub use response::ApiError;
pub use security_headers::{
    DEFAULT_CSP, DEFAULT_HSTS, SecurityHeadersBuilder, SecurityHeadersLayer,
};
pub use user::{CurrentUser, RequireAdmin};

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body_limit;
mod client_ip;
mod envelope;
mod error;
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
pub use handlers::{
    LoginRequest, RefreshRequest, TokenResponse, auth_router, jwks, login, logout, refresh,
};
pub use json::{Json, ValidJson};
/// The guard the extractors and handlers read: keep it in your state and
/// give axum a way to reach it with `FromRef`.
///
/// ```
/// use axum::extract::FromRef;
/// use opsguard_axum::OpsGuard;
///
/// #[derive(Clone)]
/// struct AppState {
///     guard: OpsGuard,
///     // db: Pool, ...
/// }
///
/// impl FromRef<AppState> for OpsGuard {
///     fn from_ref(state: &AppState) -> Self {
///         state.guard.clone()
///     }
/// }
/// ```
///
/// Ownership and role checks are one line in a handler:
///
/// ```
/// use axum::extract::State;
/// use opsguard_axum::{ApiError, CurrentUser, OpsGuard, Path};
/// use opsguard_rbac::Resource;
///
/// async fn delete_job(
///     State(guard): State<OpsGuard>,
///     user: CurrentUser,
///     Path(id): Path<i64>,
/// ) -> Result<&'static str, ApiError> {
///     let owner_id = 42; // loaded with the job
///     guard.require(&user, "jobs:delete", &Resource::owned("jobs", id, owner_id))?;
///     Ok("deleted")
/// }
/// # let _: axum::Router<OpsGuard> = axum::Router::new()
/// #     .route("/jobs/{id}", axum::routing::delete(delete_job));
/// ```
pub use opsguard_auth::OpsGuard;
pub use opsguard_auth::OpsGuardBuilder;
pub use path::Path;
pub use query::Query;
pub use request_id::{FreshId, REQUEST_ID_HEADER, RequestId, RequestIdLayer};
pub use response::ApiError;
pub use security_headers::{
    DEFAULT_CSP, DEFAULT_HSTS, SecurityHeadersBuilder, SecurityHeadersLayer,
};
pub use user::{CurrentUser, RequireAdmin};

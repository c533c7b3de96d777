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
mod middleware;
mod path;
mod query;
mod request_id;
mod response;
mod security_headers;
mod user;

pub use body_limit::{BodyLimit, BodyLimitMiddleware};
pub use client_ip::ClientIp;
pub use envelope::{ErrorEnvelope, ErrorEnvelopeMiddleware};
pub use error::ConfigError;
pub use handlers::{
    LoginRequest, RefreshRequest, TokenResponse, auth_routes, jwks, login, logout, refresh,
};
pub use json::{Json, ValidJson};
/// The guard the extractors and handlers read: register it with
/// `App::app_data(web::Data::new(guard))` (a bare `App::app_data(guard)` is
/// found by opsguard's extractors too, but not by actix-web's
/// `web::Data<OpsGuard>` extractor).
///
/// Ownership and role checks are one line in a handler:
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::{ApiError, CurrentUser, OpsGuard, Path};
/// use opsguard_rbac::Resource;
///
/// async fn delete_job(
///     guard: web::Data<OpsGuard>,
///     user: CurrentUser,
///     Path(id): Path<i64>,
/// ) -> Result<&'static str, ApiError> {
///     let owner_id = 42; // loaded with the job
///     guard.require(&user, "jobs:delete", &Resource::owned("jobs", id, owner_id))?;
///     Ok("deleted")
/// }
///
/// fn jobs_app(guard: OpsGuard) {
///     let app = App::new()
///         .app_data(web::Data::new(guard))
///         .route("/jobs/{id}", web::delete().to(delete_job));
///     # drop(app);
/// }
/// ```
pub use opsguard_auth::OpsGuard;
pub use opsguard_auth::OpsGuardBuilder;
pub use path::Path;
pub use query::Query;
pub use request_id::{AssignRequestId, AssignRequestIdMiddleware, REQUEST_ID_HEADER, RequestId};
pub use response::ApiError;
pub use security_headers::{SecurityHeaders, SecurityHeadersMiddleware};
pub use user::{CurrentUser, OptionalUser, RequireAdmin};

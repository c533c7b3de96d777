//! The handlers: each extracts, calls one operation of
//! [`opsconductor_service::domain`] and writes its [`Reply`] out.
//!
//! [`Reply`]: opsconductor_service::domain::Reply

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use opsconductor_service::domain::jobs::{self, Job};
use opsconductor_service::domain::targets::{self, Target};
use opsconductor_service::domain::{self, AppState, Health, NewId, Profile};
use opsguard::actix::{ApiError, ClientIp, Json, Path, RefreshRequest, RequestId, ValidJson};
use opsguard::validate::types::{JobCreate, TargetCreate};

use crate::{Answer, Caller, CallerThen};

/// `GET /health`: [`domain::health`].
pub(crate) async fn health(state: web::Data<AppState>) -> Result<Answer<Health>, ApiError> {
    Ok(Answer(domain::health(&state).await?))
}

/// `POST /auth/logout`: the access token sent with it is denied
/// ([`domain::deny_access_token`]), then opsguard-actix's ready
/// [`logout`](opsguard::actix::logout) revokes the refresh token's session.
pub(crate) async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientIp,
    request_id: Option<RequestId>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    domain::deny_access_token(&state, req.headers().get_all(AUTHORIZATION)).await?;
    opsguard::actix::logout(req, client, request_id, body).await
}

/// `GET /profile`: [`domain::profile`].
pub(crate) async fn profile(
    state: web::Data<AppState>,
    Caller(caller): Caller,
) -> Result<Answer<Profile>, ApiError> {
    Ok(Answer(domain::profile(&state, &caller).await?))
}

/// `POST /targets`: [`targets::create`].
pub(crate) async fn create_target(
    state: web::Data<AppState>,
    CallerThen(caller, ValidJson(body)): CallerThen<ValidJson<TargetCreate>>,
) -> Result<Answer<NewId>, ApiError> {
    Ok(Answer(targets::create(&state, &caller, &body).await?))
}

/// `GET /targets`: [`targets::list`].
pub(crate) async fn list_targets(
    state: web::Data<AppState>,
    Caller(caller): Caller,
) -> Result<Answer<Vec<Target>>, ApiError> {
    Ok(Answer(targets::list(&state, &caller).await?))
}

/// `DELETE /targets/{id}`: [`targets::delete`].
pub(crate) async fn delete_target(
    state: web::Data<AppState>,
    CallerThen(caller, Path(id)): CallerThen<Path<i64>>,
) -> Result<Answer<serde_json::Value>, ApiError> {
    Ok(Answer(targets::delete(&state, &caller, id).await?))
}

/// `POST /jobs`: [`jobs::create`].
pub(crate) async fn create_job(
    state: web::Data<AppState>,
    CallerThen(caller, ValidJson(body)): CallerThen<ValidJson<JobCreate>>,
) -> Result<Answer<NewId>, ApiError> {
    Ok(Answer(jobs::create(&state, &caller, &body).await?))
}

/// `GET /jobs`: [`jobs::list`].
pub(crate) async fn list_jobs(
    state: web::Data<AppState>,
    Caller(caller): Caller,
) -> Result<Answer<Vec<Job>>, ApiError> {
    Ok(Answer(jobs::list(&state, &caller).await?))
}

/// `DELETE /jobs/{id}`: [`jobs::delete`].
pub(crate) async fn delete_job(
    state: web::Data<AppState>,
    CallerThen(caller, Path(id)): CallerThen<Path<i64>>,
) -> Result<Answer<serde_json::Value>, ApiError> {
    Ok(Answer(jobs::delete(&state, &caller, id).await?))
}

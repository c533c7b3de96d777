//! `/jobs`: steps to run on targets ([`crate::domain::jobs`]).

use axum::extract::State;
use opsguard::axum::{ApiError, Path, ValidJson};
use opsguard::validate::types::JobCreate;

use crate::domain::jobs::{self, Job};
use crate::domain::{AppState, Caller, NewId, Reply};

/// `POST /jobs`: [`jobs::create`].
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<JobCreate>,
) -> Result<Reply<NewId>, ApiError> {
    Ok(jobs::create(&state, &caller, &body).await?)
}

/// `GET /jobs`: [`jobs::list`].
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Reply<Vec<Job>>, ApiError> {
    Ok(jobs::list(&state, &caller).await?)
}

/// `DELETE /jobs/{id}`: [`jobs::delete`].
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Reply, ApiError> {
    Ok(jobs::delete(&state, &caller, id).await?)
}

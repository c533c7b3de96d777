//! `/jobs`: steps to run on targets.

use axum::extract::State;
use axum::response::IntoResponse;
use opsguard::Success;
use opsguard::axum::{ApiError, Json, Path, ValidJson};
use opsguard::rbac::Resource;
use opsguard::validate::types::JobCreate;

use crate::app::AppState;
use crate::db::jobs::{self, Job, KIND};
use crate::db::targets;
use crate::routes::caller::Caller;
use crate::routes::reply::{created, done, ok};

/// `POST /jobs`: create a job owned by the caller, from
/// `{"name","target_ids","steps":[{"name","command","timeout_secs"}]}`.
/// Every target must exist (else 404) and be one the caller may read: their
/// own, or for an administrator any (else 403).
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<JobCreate>,
) -> Result<impl IntoResponse, ApiError> {
    caller
        .require(
            &state,
            "jobs:create",
            &Resource::of_subject(KIND, caller.subject()),
        )
        .await?;
    for &target_id in &body.target_ids {
        let target = targets::find(&state.db, target_id)
            .await?
            .ok_or_else(|| opsguard::Error::not_found("target not found"))?;
        caller
            .require(&state, "targets:read", &target.resource())
            .await?;
    }
    let id = jobs::insert(&state.db, caller.id(), &body).await?;
    Ok(created("job created", id))
}

/// `GET /jobs`: the caller's jobs (an administrator's: all).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Success<Vec<Job>>>, ApiError> {
    let owner = caller.list_scope(&state, KIND, "jobs:read").await?;
    Ok(ok("jobs", jobs::list(&state.db, owner).await?))
}

/// `DELETE /jobs/{id}`: for its owner or an administrator.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Success>, ApiError> {
    let owner_id = jobs::find_owner(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("job not found"))?;
    caller
        .require(&state, "jobs:delete", &jobs::resource(id, owner_id))
        .await?;
    if !jobs::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("job not found").into());
    }
    Ok(done("job deleted"))
}

//! Jobs: steps to run on targets, owned by the user who created them.

use opsguard::rbac::Resource;
use opsguard::validate::types::JobCreate;

use crate::db::jobs::{self, KIND};
pub use crate::db::jobs::{Job, Step};
use crate::db::targets;
use crate::domain::{AppState, Caller, NewId, Reply};

/// Create a job owned by `caller` from `job` (`POST /jobs`:
/// `{"name","target_ids","steps":[{"name","command","timeout_secs"}]}`,
/// already validated); `201 Created` with its id.
///
/// Every target must exist and be one the caller may read: their own, or
/// for an administrator any.
///
/// # Errors
///
/// 403 `PermissionError` (audited) when the caller may not create jobs or
/// read one of the targets; 404 `NotFound` for a missing target; 409 when a
/// target is deleted meanwhile; 503 or 500 when the database fails.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    job: &JobCreate,
) -> Result<Reply<NewId>, opsguard::Error> {
    caller
        .require(
            state,
            "jobs:create",
            &Resource::of_subject(KIND, caller.subject()),
        )
        .await?;
    for &target_id in &job.target_ids {
        let target = targets::find(&state.db, target_id)
            .await?
            .ok_or_else(|| opsguard::Error::not_found("target not found"))?;
        caller
            .require(state, "targets:read", &target.resource())
            .await?;
    }
    let id = jobs::insert(&state.db, caller.id(), job).await?;
    Ok(Reply::created("job created", id))
}

/// The caller's jobs (an administrator's: all), oldest first (`GET /jobs`).
///
/// # Errors
///
/// 403 `PermissionError` when the policy lets the caller read no jobs; 503
/// or 500 when the database fails.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Reply<Vec<Job>>, opsguard::Error> {
    let owner = caller.list_scope(state, KIND, "jobs:read").await?;
    Ok(Reply::ok("jobs", jobs::list(&state.db, owner).await?))
}

/// Delete job `id`, for its owner or an administrator (`DELETE
/// /jobs/{id}`); `200 OK` with `"data": null`.
///
/// The owner is read from the stored row, then the policy decides.
///
/// # Errors
///
/// 404 `NotFound` for a job that does not exist (or is deleted meanwhile);
/// 403 `PermissionError` (audited) for another user's job; 503 or 500 when
/// the database fails.
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> Result<Reply, opsguard::Error> {
    let owner_id = jobs::find_owner(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("job not found"))?;
    caller
        .require(state, "jobs:delete", &jobs::resource(id, owner_id))
        .await?;
    if !jobs::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("job not found"));
    }
    Ok(Reply::done("job deleted"))
}

//! Targets: machines jobs run on, each with one of its owner's
//! credentials.

use opsguard::rbac::Resource;
use opsguard::validate::types::TargetCreate;

use crate::db::credentials;
pub use crate::db::targets::Target;
use crate::db::targets::{self, KIND};
use crate::domain::{AppState, Caller, NewId, Reply};

/// Create a target owned by `caller` from `target` (`POST /targets`:
/// `{"name","host","port","platform","credential_id","group_id"}`, already
/// validated); `201 Created` with its id.
///
/// The credential it names must exist and be one the caller may read:
/// their own, or for an administrator any.
///
/// # Errors
///
/// 403 `PermissionError` (audited) when the caller may not create targets
/// or read the credential; 404 `NotFound` for a missing credential; 409
/// when it is deleted meanwhile; 503 or 500 when the database fails.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    target: &TargetCreate,
) -> Result<Reply<NewId>, opsguard::Error> {
    caller
        .require(
            state,
            "targets:create",
            &Resource::of_subject(KIND, caller.subject()),
        )
        .await?;
    let credential = credentials::find(&state.db, target.credential_id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("credential not found"))?;
    caller
        .require(state, "credentials:read", &credential.resource())
        .await?;
    let id = targets::insert(&state.db, caller.id(), target).await?;
    Ok(Reply::created("target created", id))
}

/// The caller's targets (an administrator's: all), oldest first (`GET
/// /targets`).
///
/// # Errors
///
/// 403 `PermissionError` when the policy lets the caller read no targets;
/// 503 or 500 when the database fails.
pub async fn list(
    state: &AppState,
    caller: &Caller,
) -> Result<Reply<Vec<Target>>, opsguard::Error> {
    let owner = caller.list_scope(state, KIND, "targets:read").await?;
    Ok(Reply::ok("targets", targets::list(&state.db, owner).await?))
}

/// Delete target `id`, for its owner or an administrator (`DELETE
/// /targets/{id}`); `200 OK` with `"data": null`. Deleting its last target
/// is what frees a credential for deletion.
///
/// # Errors
///
/// 404 `NotFound` for a target that does not exist; 403 `PermissionError`
/// (audited) for another user's target; 409 `Conflict` while a job still
/// runs on it (delete the job first); 503 or 500 when the database fails.
pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> Result<Reply, opsguard::Error> {
    let target = targets::find(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("target not found"))?;
    caller
        .require(state, "targets:delete", &target.resource())
        .await?;
    if !targets::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("target not found"));
    }
    Ok(Reply::done("target deleted"))
}

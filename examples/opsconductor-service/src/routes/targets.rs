//! `/targets`: machines jobs run on, each with one of its owner's
//! credentials.

use axum::extract::State;
use axum::response::IntoResponse;
use opsguard::Success;
use opsguard::axum::{ApiError, Json, Path, ValidJson};
use opsguard::rbac::Resource;
use opsguard::validate::types::TargetCreate;

use crate::app::AppState;
use crate::db::credentials;
use crate::db::targets::{self, KIND, Target};
use crate::routes::caller::Caller;
use crate::routes::reply::{created, done, ok};

/// `POST /targets`: create a target owned by the caller. The credential it
/// names must exist (else 404) and be one the caller may read: their own,
/// or for an administrator any (else 403).
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<TargetCreate>,
) -> Result<impl IntoResponse, ApiError> {
    caller
        .require(
            &state,
            "targets:create",
            &Resource::of_subject(KIND, caller.subject()),
        )
        .await?;
    let credential = credentials::find(&state.db, body.credential_id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("credential not found"))?;
    caller
        .require(&state, "credentials:read", &credential.resource())
        .await?;
    let id = targets::insert(&state.db, caller.id(), &body).await?;
    Ok(created("target created", id))
}

/// `GET /targets`: the caller's targets (an administrator's: all).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Success<Vec<Target>>>, ApiError> {
    let owner = caller.list_scope(&state, KIND, "targets:read").await?;
    Ok(ok("targets", targets::list(&state.db, owner).await?))
}

/// `DELETE /targets/{id}`: for its owner or an administrator; a target a
/// job still runs on is a 409 (delete the job first). Deleting its last
/// target is what frees a credential for deletion.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Success>, ApiError> {
    let target = targets::find(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("target not found"))?;
    caller
        .require(&state, "targets:delete", &target.resource())
        .await?;
    if !targets::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("target not found").into());
    }
    Ok(done("target deleted"))
}

//! `/targets`: machines jobs run on ([`crate::domain::targets`]).

use axum::extract::State;
use opsguard::axum::{ApiError, Path, ValidJson};
use opsguard::validate::types::TargetCreate;

use crate::domain::targets::{self, Target};
use crate::domain::{AppState, Caller, NewId, Reply};

/// `POST /targets`: [`targets::create`].
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<TargetCreate>,
) -> Result<Reply<NewId>, ApiError> {
    Ok(targets::create(&state, &caller, &body).await?)
}

/// `GET /targets`: [`targets::list`].
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Reply<Vec<Target>>, ApiError> {
    Ok(targets::list(&state, &caller).await?)
}

/// `DELETE /targets/{id}`: [`targets::delete`].
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Reply, ApiError> {
    Ok(targets::delete(&state, &caller, id).await?)
}

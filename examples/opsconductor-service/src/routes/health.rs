//! `GET /health`: whether the service can reach its database.

use axum::extract::State;
use opsguard::Success;
use opsguard::axum::{ApiError, Json};
use serde::Serialize;

use crate::app::AppState;
use crate::routes::reply::ok;

#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
}

/// 200 when a query reaches the database, 503 when it cannot. No
/// authentication: load balancers call it.
pub(crate) async fn health(
    State(state): State<AppState>,
) -> Result<Json<Success<Health>>, ApiError> {
    state.db.ping().await?;
    Ok(ok("ok", Health { status: "ok" }))
}

//! `GET /health`: whether the service can reach its database.

use axum::extract::State;
use opsguard::axum::ApiError;

use crate::domain::{self, AppState, Health, Reply};

/// [`domain::health`]: 200, or 503 when the database is unreachable. No
/// authentication: load balancers call it.
pub(crate) async fn health(State(state): State<AppState>) -> Result<Reply<Health>, ApiError> {
    Ok(domain::health(&state).await?)
}

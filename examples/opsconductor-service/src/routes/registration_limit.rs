//! [`RegistrationAllowed`]: the axum side of the registration rate limit
//! ([`RegistrationLimit`](crate::domain::registration_limit::RegistrationLimit)).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use opsguard::axum::{ApiError, ClientIp};

use crate::domain::AppState;

/// An extractor that lets a registration through while its client is
/// within the limit. It reads headers only, so axum runs it before the
/// body is read: a refused client costs no parsing and no hashing.
#[derive(Debug)]
pub(crate) struct RegistrationAllowed;

impl FromRequestParts<AppState> for RegistrationAllowed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ClientIp(client) = ClientIp::from_request_parts(parts, state).await?;
        state.registrations.check(client)?;
        Ok(Self)
    }
}

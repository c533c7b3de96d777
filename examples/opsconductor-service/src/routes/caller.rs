//! The axum extractors of the caller: [`Caller`] (any user) and
//! [`AdminCaller`] (administrators).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use opsguard::axum::{ApiError, ClientIp, CurrentUser, RequestId};

use crate::domain::{AppState, Caller};

/// The caller of a request: opsguard-axum's [`CurrentUser`] (401 without a
/// valid access token) and [`ClientIp`], then [`Caller::load`] (the stored
/// account, and the denylist).
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = CurrentUser::from_request_parts(parts, state).await?;
        let client = ClientIp::from_request_parts(parts, state)
            .await?
            .to_client_info(RequestId::from_parts(parts).as_ref());
        Ok(Self::load(state, token.principal(), client).await?)
    }
}

/// A [`Caller`] who holds the `admin` role ([`Caller::require_admin`]).
///
/// It is an extractor, so axum checks it before reading the body: a
/// non-administrator gets 403 whatever the body holds. A refusal is audited
/// as `authz_fail`.
#[derive(Debug)]
pub(crate) struct AdminCaller(pub(crate) Caller);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_admin(state).await?;
        Ok(Self(caller))
    }
}

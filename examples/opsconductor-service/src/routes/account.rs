//! `POST /auth/register`, `POST /auth/logout` and `GET /profile`: a user's
//! own account.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use opsguard::auth::AuditKind;
use opsguard::axum::{ApiError, ClientIp, Json, RefreshRequest, RequestId, ValidJson};
use opsguard::validate::types::RegisterUser;

use crate::accounts;
use crate::db::users::Role;
use crate::domain::{self, AppState, Caller, NewId, Profile, Reply, client_event};
use crate::routes::registration_limit::RegistrationAllowed;

/// `POST /auth/register`: anyone may create a regular account.
///
/// The body is `{"username","email","password"}` and nothing else: a body
/// with `is_admin` or `role` is a 422 (`unknown_field`), so nobody registers
/// themselves as an administrator. The password must pass the password
/// policy (NIST SP 800-63B, without the username or email in it).
///
/// Each client address may register 10 accounts at once, then one a
/// minute ([`RegistrationAllowed`]); beyond that, 429 `RateLimited` with
/// `Retry-After`, before the body is read.
pub(crate) async fn register(
    State(state): State<AppState>,
    _allowed: RegistrationAllowed,
    client: ClientIp,
    request_id: Option<RequestId>,
    ValidJson(body): ValidJson<RegisterUser>,
) -> Result<Reply<NewId>, ApiError> {
    let id = accounts::create(
        &state.db,
        &state.hasher,
        &body.username,
        Some(&body.email),
        &body.password,
        Role::User,
    )
    .await?;
    let event = client_event(
        AuditKind::UserCreated,
        &client.to_client_info(request_id.as_ref()),
    )
    .with_user_id(id.to_string())
    .with_username(body.username.as_str())
    .with_reason("self_registration");
    opsguard::auth::record_or_log(&state.audit, &event).await;
    Ok(Reply::created("user registered", id))
}

/// `GET /profile`: [`domain::profile`].
pub(crate) async fn profile(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Reply<Profile>, ApiError> {
    Ok(domain::profile(&state, &caller).await?)
}

/// `POST /auth/logout`: `{"refresh_token"}` ends that session (opsguard's
/// ready handler: the refresh family is revoked).
///
/// An access token sent with it (`Authorization: Bearer`) is refused from
/// now on, until it expires ([`domain::deny_access_token`]). A missing,
/// expired or invalid access token is no reason to refuse the logout: the
/// session still ends.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientIp,
    request_id: Option<RequestId>,
    body: Json<RefreshRequest>,
) -> Result<Response, ApiError> {
    domain::deny_access_token(&state, headers.get_all(AUTHORIZATION)).await?;
    opsguard::axum::logout(State(state.guard.clone()), client, request_id, body).await
}

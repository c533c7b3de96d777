//! `POST /auth/register` and `GET /profile`: a user's own account.

use axum::extract::State;
use axum::response::IntoResponse;
use opsguard::Success;
use opsguard::auth::AuditKind;
use opsguard::axum::{ApiError, ClientIp, Json, RequestId, ValidJson};
use opsguard::rbac::Resource;
use opsguard::validate::types::RegisterUser;
use serde::Serialize;

use crate::accounts;
use crate::app::AppState;
use crate::db::users::{self, Role};
use crate::routes::caller::{Caller, client_event};
use crate::routes::reply::{created, ok};

/// `POST /auth/register`: anyone may create a regular account.
///
/// The body is `{"username","email","password"}` and nothing else: a body
/// with `is_admin` or `role` is a 422 (`unknown_field`), so nobody registers
/// themselves as an administrator. The password must pass the password
/// policy (NIST SP 800-63B, without the username or email in it).
pub(crate) async fn register(
    State(state): State<AppState>,
    client: ClientIp,
    request_id: Option<RequestId>,
    ValidJson(body): ValidJson<RegisterUser>,
) -> Result<impl IntoResponse, ApiError> {
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
    Ok(created("user registered", id))
}

/// The `data` of `GET /profile`.
#[derive(Debug, Serialize)]
pub(crate) struct Profile {
    user_id: i64,
    username: String,
    email: Option<String>,
    is_admin: bool,
    roles: Vec<String>,
}

/// `GET /profile`: the caller's own account.
pub(crate) async fn profile(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Success<Profile>>, ApiError> {
    caller
        .require(&state, "profile:read", &Resource::new("profile"))
        .await?;
    // A valid token of a user deleted since it was issued names nobody.
    let user = users::find(&state.db, caller.id())
        .await?
        .ok_or_else(opsguard::Error::invalid_token)?;
    Ok(ok(
        "profile",
        Profile {
            user_id: user.id,
            username: user.username,
            email: user.email,
            is_admin: user.role == Role::Admin.as_str(),
            roles: caller.roles().to_vec(),
        },
    ))
}

//! The service's health, a caller's own account, and the access token
//! that ends with a logout.

use opsguard::rbac::Resource;
use serde::Serialize;

use crate::db::users::Role;
use crate::domain::{AppState, Caller, Reply};

/// The `data` of `GET /health`: `{"status":"ok"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    status: &'static str,
}

/// Whether the service can reach its database (`GET /health`, no
/// authentication: load balancers call it); `200 OK` with
/// `{"status":"ok"}`.
///
/// # Errors
///
/// 503 `Unavailable` when a query cannot reach the database.
pub async fn health(state: &AppState) -> Result<Reply<Health>, opsguard::Error> {
    state.db.ping().await?;
    Ok(Reply::ok("ok", Health { status: "ok" }))
}

/// The `data` of `GET /profile`.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    user_id: i64,
    username: String,
    email: Option<String>,
    is_admin: bool,
    roles: Vec<String>,
}

/// The caller's own account, as stored now (`GET /profile`): `user_id`,
/// `username`, `email`, `is_admin`, `roles`.
///
/// # Errors
///
/// 403 `PermissionError` (audited) if the policy lets the caller read no
/// profile.
pub async fn profile(state: &AppState, caller: &Caller) -> Result<Reply<Profile>, opsguard::Error> {
    caller
        .require(state, "profile:read", &Resource::new("profile"))
        .await?;
    // The account as stored now: `Caller::load` has just read it.
    let user = caller.user();
    Ok(Reply::ok(
        "profile",
        Profile {
            user_id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            is_admin: user.role == Role::Admin.as_str(),
            roles: vec![user.role.clone()],
        },
    ))
}

/// The first half of `POST /auth/logout`: the access token sent with it
/// (the request's `Authorization` header values, all of them, in order) is
/// refused from now on, until it expires. It is written to the access-token
/// denylist, which [`Caller::load`] consults on every authenticated
/// request, in this instance and every other one on the same database.
///
/// A missing, expired or invalid access token is no reason to refuse the
/// logout: nothing is denied and the session still ends. The adapter then
/// runs its ready logout handler, which revokes the refresh-token family.
///
/// # Errors
///
/// 503 or 500 when the denylist cannot be written.
pub async fn deny_access_token<'a, I, T>(
    state: &AppState,
    authorization: I,
) -> Result<(), opsguard::Error>
where
    I: IntoIterator<Item = &'a T>,
    T: AsRef<[u8]> + ?Sized + 'a,
{
    if let Ok(access) = state.guard.authenticate(authorization) {
        state.deny(&access).await?;
    }
    Ok(())
}

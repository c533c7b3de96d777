//! `POST /users`, `GET /users` and `DELETE /admin/users/{id}`: account
//! management, for administrators only.

use axum::extract::State;
use opsguard::auth::{AuditKind, Resource as AuditResource};
use opsguard::axum::{ApiError, Path, ValidJson};
use opsguard::validate::types::UserCreate;

use crate::accounts;
use crate::db::users::{self, Role, User};
use crate::domain::{AppState, NewId, Reply};
use crate::routes::caller::AdminCaller;

/// `POST /users`: create an account, an administrator's if `is_admin` is
/// `true` (a JSON boolean; `"true"` or `1` is a 422).
pub(crate) async fn create(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    ValidJson(body): ValidJson<UserCreate>,
) -> Result<Reply<NewId>, ApiError> {
    let role = if body.is_admin {
        Role::Admin
    } else {
        Role::User
    };
    let id = accounts::create(
        &state.db,
        &state.hasher,
        &body.username,
        Some(&body.email),
        &body.password,
        role,
    )
    .await?;
    let event = admin
        .event(AuditKind::UserCreated)
        .with_resource(AuditResource::new("users", id))
        .with_reason(role.as_str());
    admin.record(&state, event).await;
    Ok(Reply::created("user created", id))
}

/// `GET /users`: every account (never a password hash).
pub(crate) async fn list(
    State(state): State<AppState>,
    AdminCaller(_admin): AdminCaller,
) -> Result<Reply<Vec<User>>, ApiError> {
    Ok(Reply::ok("users", users::list(&state.db).await?))
}

/// `DELETE /admin/users/{id}`: delete an account with everything it owns,
/// and end its sessions.
pub(crate) async fn delete(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    Path(id): Path<i64>,
) -> Result<Reply, ApiError> {
    if id == admin.id() {
        // The last administrator could otherwise lock everyone out.
        return Err(
            opsguard::Error::conflict("administrators cannot delete their own account").into(),
        );
    }
    if !users::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("user not found").into());
    }
    // Revoke every refresh-token family of the user now. (A later refresh
    // would be refused anyway, since the flow reloads the user; revoking
    // makes it immediate and audited.) Access tokens already issued expire
    // within 15 minutes; the user's rows are gone, so they reach nothing.
    state
        .authenticator()?
        .logout_all(&id.to_string(), admin.client())
        .await?;
    let event = admin
        .event(AuditKind::UserDeleted)
        .with_resource(AuditResource::new("users", id));
    admin.record(&state, event).await;
    Ok(Reply::done("user deleted"))
}

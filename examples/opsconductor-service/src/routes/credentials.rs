//! `/credentials`: machine logins. The password is sealed when stored and
//! leaves the service only through `reveal`, which is audited.

use axum::extract::State;
use axum::response::IntoResponse;
use opsguard::auth::{AuditKind, Resource as AuditResource};
use opsguard::axum::{ApiError, Path, ValidJson};
use opsguard::rbac::Resource;
use opsguard::validate::types::CredentialCreate;
use secrecy::ExposeSecret as _;
use serde::Serialize;

use crate::db::credentials::{self, Credential, KIND, password_context};
use crate::domain::{AppState, Caller, NewId, Reply};

/// `POST /credentials`: store a credential owned by the caller. The body
/// is `{"name","username","password"}`; an `owner_id` in it is a 422.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<CredentialCreate>,
) -> Result<Reply<NewId>, ApiError> {
    caller
        .require(
            &state,
            "credentials:create",
            &Resource::of_subject(KIND, caller.subject()),
        )
        .await?;
    let id = credentials::insert(&state.db, &state.keyring, caller.id(), &body).await?;
    Ok(Reply::created("credential stored", id))
}

/// `GET /credentials`: the caller's credentials (an administrator's: all),
/// metadata only.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Reply<Vec<Credential>>, ApiError> {
    let owner = caller.list_scope(&state, KIND, "credentials:read").await?;
    Ok(Reply::ok(
        "credentials",
        credentials::list(&state.db, owner).await?,
    ))
}

/// `GET /credentials/{id}`: one credential's metadata, for its owner or an
/// administrator.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Reply<Credential>, ApiError> {
    let credential = find(&state, id).await?;
    caller
        .require(&state, "credentials:read", &credential.resource())
        .await?;
    Ok(Reply::ok("credential", credential))
}

/// The `data` of a reveal: the credential with its password in clear.
#[derive(Serialize)]
struct Revealed<'a> {
    id: i64,
    name: &'a str,
    username: &'a str,
    password: &'a str,
}

/// `POST /credentials/{id}/reveal`: the password in clear, for its owner or
/// an administrator; every reveal is audited as `credential_revealed`.
///
/// A sealed value that does not open under its own row's context (moved
/// from another row, altered, or sealed with a key no longer in the
/// keyring) is the service's fault, not the client's: a generic 500, and a
/// `crypt_decrypt_fail` audit event.
pub(crate) async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let credential = find(&state, id).await?;
    caller
        .require(&state, "credentials:reveal", &credential.resource())
        .await?;
    let sealed = credentials::sealed_password(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("credential not found"))?;
    let audited = AuditResource::new(KIND, id);
    let password = match state.keyring.open_secret(&sealed, password_context(id)) {
        Ok(password) => password,
        Err(err) => {
            let event = caller
                .event(AuditKind::CryptDecryptFail)
                .with_resource(audited);
            caller.record(&state, event).await;
            return Err(opsguard::Error::from(err).into());
        }
    };
    let event = caller
        .event(AuditKind::CredentialRevealed)
        .with_resource(audited);
    caller.record(&state, event).await;
    Ok(Reply::ok(
        "credential revealed",
        Revealed {
            id,
            name: &credential.name,
            username: &credential.username,
            password: password.expose_secret(),
        },
    )
    .into_response())
}

/// `DELETE /credentials/{id}`: for its owner or an administrator; a
/// credential a target still uses is a 409.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Reply, ApiError> {
    let credential = find(&state, id).await?;
    caller
        .require(&state, "credentials:delete", &credential.resource())
        .await?;
    if !credentials::delete(&state.db, id).await? {
        return Err(opsguard::Error::not_found("credential not found").into());
    }
    Ok(Reply::done("credential deleted"))
}

/// Credential `id`, or 404.
async fn find(state: &AppState, id: i64) -> Result<Credential, ApiError> {
    credentials::find(&state.db, id)
        .await?
        .ok_or_else(|| opsguard::Error::not_found("credential not found").into())
}

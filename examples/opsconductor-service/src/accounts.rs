//! Creating an account: the one path behind self-registration, `POST /users`
//! and `bootstrap-admin`.

use opsguard::password::AsyncHasher;
use secrecy::SecretString;

use crate::ServiceError;
use crate::db::Db;
use crate::db::users::{self, Role};

/// Create the account `username` with `password` and `role`; the new id.
/// The caller has validated the username, email and password.
pub(crate) async fn create(
    db: &Db,
    hasher: &AsyncHasher,
    username: &str,
    email: Option<&str>,
    password: &SecretString,
    role: Role,
) -> Result<i64, ServiceError> {
    // Stored in the normalized form (ASCII lowercase) that the login flow
    // looks up, so `Alice` and `alice` are one account.
    let username = opsguard::validate::normalize_username(username)
        .map_err(|err| ServiceError::Opsguard(err.into()))?;
    let email = email.map(normalize_email).transpose()?;
    // Hashing runs on tokio's blocking pool, a bounded number at a time,
    // so a burst of registrations cannot stall the executor.
    let password_hash = hasher
        .hash(password)
        .await
        .map_err(|err| ServiceError::Opsguard(err.into()))?;
    users::insert(db, &username, email.as_deref(), &password_hash, role).await
}

/// The form in which an email address is stored and kept unique:
/// opsguard-validate's normal form (the domain as lowercase ASCII, so
/// `EXAMPLE.com` and a fullwidth `ｅｘａｍｐｌｅ.com` are one domain), with
/// the local part lowercased too. RFC 5321 lets a mail server tell `Ops@`
/// from `ops@`; this service decides they are one person, as nearly every
/// mail provider does, so one mailbox cannot register twice.
fn normalize_email(email: &str) -> Result<String, ServiceError> {
    let email = opsguard::validate::normalize_email(email)
        .map_err(|err| ServiceError::Opsguard(err.into()))?;
    Ok(match email.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.to_lowercase()),
        None => email,
    })
}

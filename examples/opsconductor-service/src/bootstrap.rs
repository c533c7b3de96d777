//! `bootstrap-admin`: create the first administrator, who can then create
//! the others with `POST /users`.

use opsguard::auth::{AuditEvent, AuditKind, record_or_log};
use opsguard::password::{AsyncHasher, PasswordPolicy, PolicyContext};
use opsguard::validate::{Checks, email, field_errors, username};
use secrecy::SecretString;

use crate::db::Db;
use crate::db::users::Role;
use crate::{Config, ServiceError, accounts};

/// Create the administrator `name` (with `address` as email, if given)
/// whose password is `password`, in the database of `config`; the new
/// user's id.
///
/// The rules are those of `POST /users`: a valid username and email, and a
/// password the policy accepts (NIST SP 800-63B, without the username or
/// email in it). The password comes from the caller, never from a command
/// line argument: `main` reads it from `OPSGUARD_ADMIN_PASSWORD` or stdin.
///
/// # Errors
///
/// [`ServiceError::Invalid`] listing every broken rule;
/// [`ServiceError::Conflict`] when the username or email is taken; database
/// errors.
pub async fn bootstrap_admin(
    config: &Config,
    name: &str,
    address: Option<&str>,
    password: &SecretString,
) -> Result<i64, ServiceError> {
    check(name, address, password)?;
    let db = Db::connect(config).await?;
    let created = create(&db, config, name, address, password).await;
    db.close().await;
    created
}

/// Every rule the new administrator's details break, in one error.
fn check(name: &str, address: Option<&str>, password: &SecretString) -> Result<(), ServiceError> {
    let mut context = PolicyContext::new().with_username(name);
    let mut checks = Checks::new();
    checks.field("username", username(name));
    if let Some(address) = address {
        context = context.with_email(address);
        checks.field("email", email(address));
    }
    checks.password("password", password, &PasswordPolicy::default(), &context);
    checks
        .finish()
        .map_err(|errors| ServiceError::Invalid(field_errors(&errors)))
}

async fn create(
    db: &Db,
    config: &Config,
    name: &str,
    address: Option<&str>,
    password: &SecretString,
) -> Result<i64, ServiceError> {
    db.migrate().await?;
    let hasher = AsyncHasher::new(config.password_hasher()?);
    let id = accounts::create(db, &hasher, name, address, password, Role::Admin).await?;
    let event = AuditEvent::new(AuditKind::UserCreated)
        .with_user_id(id.to_string())
        .with_username(name)
        .with_reason("bootstrap_admin");
    record_or_log(&db.stores().audit_log(), &event).await;
    Ok(id)
}

//! The `users` table, and the user directory opsguard's login flow reads.

use async_trait::async_trait;
use opsguard::auth::{Directory, StoreError, UserRecord};
use opsguard::rbac::ADMIN_ROLE;
use serde::Serialize;

use crate::ServiceError;
use crate::db::{Db, now, with_pool};

const INSERT: &str = "\
INSERT INTO users (username, email, password_hash, role, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id";
/// The caller of an authenticated request in one round trip: their row,
/// and whether their access token (`$2` issuer, `$3` jti) is on
/// opsguard-store-sql's access-token denylist at `$4`. The subquery is
/// [`opsguard::store_sql::SqlDenylist`]'s own lookup: an entry counts while
/// its stored end (`expires_at`, the token's `exp` plus the largest
/// verifier leeway) is after now.
const FIND_CALLER: &str = "\
SELECT id, username, email, role, created_at,
    EXISTS (SELECT 1 FROM opsguard_access_denylist
            WHERE issuer = $2 AND jti = $3 AND expires_at > $4) AS denied
FROM users WHERE id = $1";
const LIST: &str = "SELECT id, username, email, role, created_at FROM users ORDER BY id";
const DELETE: &str = "DELETE FROM users WHERE id = $1";
const LOGIN_BY_NAME: &str =
    "SELECT id, username, password_hash, role FROM users WHERE username = $1";
const LOGIN_BY_ID: &str = "SELECT id, username, password_hash, role FROM users WHERE id = $1";
/// Replaces a hash only if it is still the one the login verified against,
/// so an upgrade made at login cannot undo a password change that finished
/// meanwhile.
const UPDATE_HASH: &str =
    "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3";

/// A user's role: a role of opsguard-rbac's built-in policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Admin,
    User,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Admin => ADMIN_ROLE,
            Self::User => "user",
        }
    }
}

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) email: Option<String>,
    pub(crate) role: String,
    pub(crate) created_at: i64,
}

impl User {
    /// The user id.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The username, in its stored (normalized) form.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The email address, if the account has one.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The role the authorization policy sees: `admin` or `user`.
    #[must_use]
    pub fn role(&self) -> &str {
        &self.role
    }
}

/// A user as a request's caller: the stored row, and whether the access
/// token they sent is denied.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CallerRow {
    #[sqlx(flatten)]
    pub(crate) user: User,
    pub(crate) denied: bool,
}

/// A user as the login flow needs them.
#[derive(sqlx::FromRow)]
struct Login {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
}

impl From<Login> for UserRecord {
    fn from(login: Login) -> Self {
        Self::new(login.id.to_string(), login.username, login.password_hash)
            .with_roles([login.role])
    }
}

/// Insert a user whose `username` is already normalized and whose password
/// is already hashed; the new id.
pub(crate) async fn insert(
    db: &Db,
    username: &str,
    email: Option<&str>,
    password_hash: &str,
    role: Role,
) -> Result<i64, ServiceError> {
    with_pool!(db, |pool| sqlx::query_scalar(INSERT)
        .bind(username)
        .bind(email)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now())
        .fetch_one(pool)
        .await
        .map_err(|err| ServiceError::on_write(
            "insert a user",
            "username or email already registered",
            err
        )))
}

/// User `id` (`None` if there is none), and whether the access token
/// `jti` of `issuer` is denied at `now`: one query, so that an
/// authenticated request costs one round trip.
pub(crate) async fn find_caller(
    db: &Db,
    id: i64,
    issuer: &str,
    jti: &str,
    now: i64,
) -> Result<Option<CallerRow>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_as(FIND_CALLER)
        .bind(id)
        .bind(issuer)
        .bind(jti)
        .bind(now)
        .fetch_optional(pool)
        .await
        .map_err(|err| ServiceError::database("read the caller", err)))
}

pub(crate) async fn list(db: &Db) -> Result<Vec<User>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_as(LIST)
        .fetch_all(pool)
        .await
        .map_err(|err| ServiceError::database("list users", err)))
}

/// Delete user `id` and, by cascade, their credentials, targets and jobs;
/// whether there was such a user.
pub(crate) async fn delete(db: &Db, id: i64) -> Result<bool, ServiceError> {
    with_pool!(db, |pool| sqlx::query(DELETE)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|err| ServiceError::on_delete(
            "delete a user",
            "another user's target or job refers to this user's objects",
            err
        )))
}

/// The `users` table as opsguard-auth's [`Directory`]: what the login and
/// refresh flows look users up in.
#[derive(Debug, Clone)]
pub(crate) struct UserDirectory {
    db: Db,
}

impl UserDirectory {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl Directory for UserDirectory {
    async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let login: Option<Login> = with_pool!(&self.db, |pool| sqlx::query_as(LOGIN_BY_NAME)
            .bind(username)
            .fetch_optional(pool)
            .await
            .map_err(|err| StoreError::new("users", err)))?;
        Ok(login.map(UserRecord::from))
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        // Ids come from verified tokens, which this service issued with
        // decimal ids; anything else names no user.
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let login: Option<Login> = with_pool!(&self.db, |pool| sqlx::query_as(LOGIN_BY_ID)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(|err| StoreError::new("users", err)))?;
        Ok(login.map(UserRecord::from))
    }

    async fn update_password_hash(
        &self,
        id: &str,
        expected_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let id = id
            .parse::<i64>()
            .map_err(|err| StoreError::new("users", err))?;
        with_pool!(&self.db, |pool| sqlx::query(UPDATE_HASH)
            .bind(new_hash)
            .bind(id)
            .bind(expected_hash)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1)
            .map_err(|err| StoreError::new("users", err)))
    }
}

//! The `credentials` table: machine logins whose passwords are stored
//! sealed with opsguard-crypto, each bound to its own row.

use opsguard::crypto::Keyring;
use opsguard::rbac::Resource;
use opsguard::validate::types::CredentialCreate;
use serde::Serialize;

use crate::ServiceError;
use crate::db::{Db, now, with_pool};

/// The rbac resource kind and audit resource kind of a credential.
pub(crate) const KIND: &str = "credentials";

const INSERT: &str = "\
INSERT INTO credentials (owner_id, name, username, password_sealed, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id";
const SET_SEALED: &str = "UPDATE credentials SET password_sealed = $1 WHERE id = $2";
const FIND: &str = "\
SELECT id, owner_id, name, username, created_at FROM credentials WHERE id = $1";
const LIST_ALL: &str = "\
SELECT id, owner_id, name, username, created_at FROM credentials ORDER BY id";
const LIST_OWNED: &str = "\
SELECT id, owner_id, name, username, created_at FROM credentials WHERE owner_id = $1 ORDER BY id";
const SEALED: &str = "SELECT password_sealed FROM credentials WHERE id = $1";
const DELETE: &str = "DELETE FROM credentials WHERE id = $1";
const PAGE_SEALED: &str = "\
SELECT id, password_sealed FROM credentials WHERE id > $1 ORDER BY id LIMIT $2";
/// Rewrites a sealed value only if it is still the one that was read, so
/// two rotations running at once cannot overwrite each other's work.
const REPLACE_SEALED: &str = "\
UPDATE credentials SET password_sealed = $1 WHERE id = $2 AND password_sealed = $3";

/// A credential as the API shows it: metadata only, never the password.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub(crate) struct Credential {
    pub(crate) id: i64,
    pub(crate) owner_id: i64,
    pub(crate) name: String,
    pub(crate) username: String,
    pub(crate) created_at: i64,
}

impl Credential {
    /// This row as the authorization policy sees it: kind, id, owner.
    pub(crate) fn resource(&self) -> Resource<'static> {
        Resource::owned(KIND, self.id, self.owner_id)
    }
}

/// What a credential's password is sealed under: the table, the column and
/// the row, so a sealed value copied to another row or column does not open.
pub(crate) fn password_context(id: i64) -> String {
    format!("credentials.password:{id}")
}

/// Store `credential` for `owner_id`; the new id.
///
/// The password is sealed under the context of the new row, whose id exists
/// only once the row does: insert the row with an empty value, seal under
/// its id, write the sealed value, all in one transaction, so no reader ever
/// sees the empty value.
pub(crate) async fn insert(
    db: &Db,
    keyring: &Keyring,
    owner_id: i64,
    credential: &CredentialCreate,
) -> Result<i64, ServiceError> {
    let failed = |err| ServiceError::database("store a credential", err);
    with_pool!(db, |pool| {
        let mut tx = pool.begin().await.map_err(failed)?;
        let id: i64 = sqlx::query_scalar(INSERT)
            .bind(owner_id)
            .bind(&credential.name)
            .bind(&credential.username)
            .bind(Vec::<u8>::new())
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(failed)?;
        let sealed = keyring
            .seal_secret(&credential.password, password_context(id))
            .map_err(|err| ServiceError::Opsguard(err.into()))?;
        sqlx::query(SET_SEALED)
            .bind(sealed.as_bytes())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(id)
    })
}

pub(crate) async fn find(db: &Db, id: i64) -> Result<Option<Credential>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_as(FIND)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|err| ServiceError::database("read a credential", err)))
}

/// Every credential (`owner_id` `None`) or those of one owner.
pub(crate) async fn list(db: &Db, owner_id: Option<i64>) -> Result<Vec<Credential>, ServiceError> {
    with_pool!(db, |pool| {
        let query = match owner_id {
            None => sqlx::query_as(LIST_ALL),
            Some(owner_id) => sqlx::query_as(LIST_OWNED).bind(owner_id),
        };
        query
            .fetch_all(pool)
            .await
            .map_err(|err| ServiceError::database("list credentials", err))
    })
}

/// The stored sealed password of credential `id`.
pub(crate) async fn sealed_password(db: &Db, id: i64) -> Result<Option<Vec<u8>>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_scalar(SEALED)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|err| ServiceError::database(
            "read a sealed credential",
            err
        )))
}

/// Delete credential `id`; whether it existed.
pub(crate) async fn delete(db: &Db, id: i64) -> Result<bool, ServiceError> {
    with_pool!(db, |pool| sqlx::query(DELETE)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|err| ServiceError::on_delete(
            "delete a credential",
            "the credential is used by a target",
            err
        )))
}

/// Up to `limit` `(id, sealed password)` pairs with ids above `after`, in
/// id order: one batch of a key rotation.
pub(crate) async fn page_sealed(
    db: &Db,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<u8>)>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_as(PAGE_SEALED)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
        .map_err(|err| ServiceError::database(
            "read sealed credentials",
            err
        )))
}

/// A re-encrypted password: the row, the value read, the value to write.
pub(crate) struct Resealed {
    pub(crate) id: i64,
    pub(crate) old: Vec<u8>,
    pub(crate) new: Vec<u8>,
}

/// Write every re-encrypted value of one batch in one transaction; how many
/// rows changed (a row changed or deleted since it was read is left as it
/// is).
pub(crate) async fn replace_sealed(db: &Db, batch: &[Resealed]) -> Result<u64, ServiceError> {
    let failed = |err| ServiceError::database("write re-encrypted credentials", err);
    with_pool!(db, |pool| {
        let mut tx = pool.begin().await.map_err(failed)?;
        let mut changed = 0;
        for row in batch {
            let done = sqlx::query(REPLACE_SEALED)
                .bind(&row.new)
                .bind(row.id)
                .bind(&row.old)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            changed += done.rows_affected();
        }
        tx.commit().await.map_err(failed)?;
        Ok(changed)
    })
}

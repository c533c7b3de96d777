//! The `targets` table: machines that jobs run on, each logged in to with
//! one of its owner's credentials.

use opsguard::rbac::Resource;
use opsguard::validate::types::TargetCreate;
use serde::Serialize;

use crate::ServiceError;
use crate::db::{Db, now, with_pool};

/// The rbac resource kind and audit resource kind of a target.
pub(crate) const KIND: &str = "targets";

const INSERT: &str = "\
INSERT INTO targets (owner_id, name, host, port, platform, credential_id, group_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id";
const FIND: &str = "\
SELECT id, owner_id, name, host, port, platform, credential_id, group_id, created_at
FROM targets WHERE id = $1";
const LIST_ALL: &str = "\
SELECT id, owner_id, name, host, port, platform, credential_id, group_id, created_at
FROM targets ORDER BY id";
const LIST_OWNED: &str = "\
SELECT id, owner_id, name, host, port, platform, credential_id, group_id, created_at
FROM targets WHERE owner_id = $1 ORDER BY id";
const DELETE: &str = "DELETE FROM targets WHERE id = $1";

/// A target as the API shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Target {
    pub(crate) id: i64,
    pub(crate) owner_id: i64,
    pub(crate) name: String,
    pub(crate) host: String,
    pub(crate) port: i32,
    pub(crate) platform: String,
    pub(crate) credential_id: i64,
    pub(crate) group_id: Option<i64>,
    pub(crate) created_at: i64,
}

impl Target {
    /// This row as the authorization policy sees it: kind, id, owner.
    pub(crate) fn resource(&self) -> Resource<'static> {
        Resource::owned(KIND, self.id, self.owner_id)
    }
}

/// Store `target` for `owner_id`; the new id. The caller has checked that
/// `target.credential_id` is a credential it may use.
pub(crate) async fn insert(
    db: &Db,
    owner_id: i64,
    target: &TargetCreate,
) -> Result<i64, ServiceError> {
    with_pool!(db, |pool| sqlx::query_scalar(INSERT)
        .bind(owner_id)
        .bind(&target.name)
        .bind(&target.host)
        .bind(i32::from(target.port_or_default().get()))
        .bind(target.platform.as_str())
        .bind(target.credential_id)
        .bind(target.group_id)
        .bind(now())
        .fetch_one(pool)
        .await
        .map_err(|err| ServiceError::database("insert a target", err)))
}

pub(crate) async fn find(db: &Db, id: i64) -> Result<Option<Target>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_as(FIND)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|err| ServiceError::database("read a target", err)))
}

/// Every target (`owner_id` `None`) or those of one owner.
pub(crate) async fn list(db: &Db, owner_id: Option<i64>) -> Result<Vec<Target>, ServiceError> {
    with_pool!(db, |pool| {
        let query = match owner_id {
            None => sqlx::query_as(LIST_ALL),
            Some(owner_id) => sqlx::query_as(LIST_OWNED).bind(owner_id),
        };
        query
            .fetch_all(pool)
            .await
            .map_err(|err| ServiceError::database("list targets", err))
    })
}

/// Delete target `id`; whether it existed. A target a job still runs on is
/// [`ServiceError::InUse`] (`job_targets` refers to it without cascade).
pub(crate) async fn delete(db: &Db, id: i64) -> Result<bool, ServiceError> {
    with_pool!(db, |pool| sqlx::query(DELETE)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|err| ServiceError::on_delete(
            "delete a target",
            "the target is used by a job",
            err
        )))
}

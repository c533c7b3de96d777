//! The `jobs` and `job_targets` tables: steps to run on targets.

use std::collections::HashMap;

use opsguard::rbac::Resource;
use opsguard::validate::types::{JobCreate, JobStep};
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::db::{Db, now, with_pool};

/// The rbac resource kind and audit resource kind of a job.
pub(crate) const KIND: &str = "jobs";

const INSERT: &str = "\
INSERT INTO jobs (owner_id, name, steps, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
const INSERT_TARGET: &str = "INSERT INTO job_targets (job_id, target_id) VALUES ($1, $2)";
const OWNER: &str = "SELECT owner_id FROM jobs WHERE id = $1";
const LIST_ALL: &str = "SELECT id, owner_id, name, steps, created_at FROM jobs ORDER BY id";
const LIST_OWNED: &str = "\
SELECT id, owner_id, name, steps, created_at FROM jobs WHERE owner_id = $1 ORDER BY id";
const TARGETS_ALL: &str = "SELECT job_id, target_id FROM job_targets ORDER BY job_id, target_id";
const TARGETS_OWNED: &str = "\
SELECT jt.job_id, jt.target_id FROM job_targets jt JOIN jobs j ON j.id = jt.job_id
WHERE j.owner_id = $1 ORDER BY jt.job_id, jt.target_id";
const DELETE: &str = "DELETE FROM jobs WHERE id = $1";

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub(crate) id: i64,
    pub(crate) owner_id: i64,
    pub(crate) name: String,
    pub(crate) target_ids: Vec<i64>,
    pub(crate) steps: Vec<Step>,
    pub(crate) created_at: i64,
}

/// One step of a job, as stored (JSON in `jobs.steps`) and shown.
///
/// Its own type rather than opsguard-validate's request type `JobStep`,
/// whose deserializer refuses the `null` its serializer writes for a
/// missing timeout: stored data is read back with this type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub(crate) name: String,
    pub(crate) command: String,
    pub(crate) timeout_secs: Option<u32>,
}

impl From<&JobStep> for Step {
    fn from(step: &JobStep) -> Self {
        Self {
            name: step.name.clone(),
            command: step.command.clone(),
            timeout_secs: step.timeout_secs,
        }
    }
}

/// A row of `jobs`: the steps still as stored JSON.
#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    owner_id: i64,
    name: String,
    steps: String,
    created_at: i64,
}

/// A job as the authorization policy sees it: kind, id, owner.
pub(crate) fn resource(id: i64, owner_id: i64) -> Resource<'static> {
    Resource::owned(KIND, id, owner_id)
}

/// Store `job` for `owner_id`, with its targets, in one transaction; the new
/// id. The caller has checked that every target is one it may use.
pub(crate) async fn insert(db: &Db, owner_id: i64, job: &JobCreate) -> Result<i64, ServiceError> {
    let steps: Vec<Step> = job.steps.iter().map(Step::from).collect();
    let steps = serde_json::to_string(&steps).map_err(|err| ServiceError::Database {
        operation: "encode a job's steps",
        source: Box::new(err),
        transient: false,
    })?;
    let failed = |err| ServiceError::database("insert a job", err);
    with_pool!(db, |pool| {
        let mut tx = pool.begin().await.map_err(failed)?;
        let id: i64 = sqlx::query_scalar(INSERT)
            .bind(owner_id)
            .bind(&job.name)
            .bind(&steps)
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(failed)?;
        for target_id in &job.target_ids {
            sqlx::query(INSERT_TARGET)
                .bind(id)
                .bind(target_id)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        Ok(id)
    })
}

/// The owner of job `id`, if it exists.
pub(crate) async fn find_owner(db: &Db, id: i64) -> Result<Option<i64>, ServiceError> {
    with_pool!(db, |pool| sqlx::query_scalar(OWNER)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|err| ServiceError::database("read a job", err)))
}

/// Every job (`owner_id` `None`) or those of one owner, with their targets.
pub(crate) async fn list(db: &Db, owner_id: Option<i64>) -> Result<Vec<Job>, ServiceError> {
    let failed = |err| ServiceError::database("list jobs", err);
    let (rows, links): (Vec<JobRow>, Vec<(i64, i64)>) = with_pool!(db, |pool| {
        let (rows, links) = match owner_id {
            None => (sqlx::query_as(LIST_ALL), sqlx::query_as(TARGETS_ALL)),
            Some(owner_id) => (
                sqlx::query_as(LIST_OWNED).bind(owner_id),
                sqlx::query_as(TARGETS_OWNED).bind(owner_id),
            ),
        };
        (
            rows.fetch_all(pool).await.map_err(failed)?,
            links.fetch_all(pool).await.map_err(failed)?,
        )
    });
    let mut targets: HashMap<i64, Vec<i64>> = HashMap::new();
    for (job_id, target_id) in links {
        targets.entry(job_id).or_default().push(target_id);
    }
    rows.into_iter()
        .map(|row| {
            let steps = serde_json::from_str(&row.steps).map_err(|err| ServiceError::Database {
                operation: "decode a job's steps",
                source: Box::new(err),
                transient: false,
            })?;
            Ok(Job {
                id: row.id,
                owner_id: row.owner_id,
                name: row.name,
                target_ids: targets.remove(&row.id).unwrap_or_default(),
                steps,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// Delete job `id` (and its target links); whether it existed.
pub(crate) async fn delete(db: &Db, id: i64) -> Result<bool, ServiceError> {
    with_pool!(db, |pool| sqlx::query(DELETE)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|err| ServiceError::database("delete a job", err)))
}

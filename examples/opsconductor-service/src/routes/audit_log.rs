//! `GET /admin/audit`: the security audit log, newest first, a page at a
//! time.

use axum::extract::State;
use opsguard::axum::{ApiError, Query};
use opsguard::store_sql::{AuditPage, AuditQuery};
use serde::Deserialize;

use crate::domain::{AppState, Reply};
use crate::routes::caller::AdminCaller;

/// The largest page.
const MAX_LIMIT: u32 = 200;

/// The query string: `?limit=50&before=<id>&user_id=<id>`, all optional;
/// any other parameter is a 422.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    /// Page size, 1 to [`MAX_LIMIT`] (default 50); another number is a
    /// 422 rather than silently clamped.
    limit: Option<u32>,
    /// Only events older than this id: the previous page's `next_before`.
    before: Option<i64>,
    /// Only events about this user.
    user_id: Option<i64>,
}

/// `GET /admin/audit`: `data` is `{"records": [...], "next_before": id or
/// null}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    AdminCaller(_admin): AdminCaller,
    Query(params): Query<AuditParams>,
) -> Result<Reply<AuditPage>, ApiError> {
    let mut query = AuditQuery::new();
    if let Some(limit) = params.limit {
        if !(1..=MAX_LIMIT).contains(&limit) {
            // opsguard-validate's code and wording for a number out of range.
            return Err(
                opsguard::Error::invalid_field("limit", "range", "must be 1 to 200").into(),
            );
        }
        query = query.with_limit(limit);
    }
    if let Some(before) = params.before {
        query = query.with_before(before);
    }
    if let Some(user_id) = params.user_id {
        query = query.with_user_id(user_id.to_string());
    }
    Ok(Reply::ok("audit events", state.audit.page(&query).await?))
}

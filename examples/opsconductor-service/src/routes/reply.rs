//! The success answers: opsguard's envelope `{"success":true,"message",
//! "data"}` with the right status.

use axum::http::StatusCode;
use opsguard::Success;
use opsguard::axum::Json;
use serde::Serialize;

/// The `data` of a `201 Created`: the new row's id.
#[derive(Debug, Serialize)]
pub(crate) struct NewId {
    id: i64,
}

/// `201 Created` with `{"data":{"id":<id>}}`.
pub(crate) fn created(message: &'static str, id: i64) -> (StatusCode, Json<Success<NewId>>) {
    (
        StatusCode::CREATED,
        Json(Success::new(message, NewId { id })),
    )
}

/// `200 OK` carrying `data`.
pub(crate) fn ok<T: Serialize>(message: &'static str, data: T) -> Json<Success<T>> {
    Json(Success::new(message, data))
}

/// `200 OK` with `"data": null`.
pub(crate) fn done(message: &'static str) -> Json<Success> {
    Json(Success::without_data(message))
}

//! [`Reply`] as an axum response: its status, and its envelope through
//! opsguard-axum's `Json`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use opsguard::axum::Json;
use serde::Serialize;

use crate::domain::Reply;

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        // Always 200 or 201 (the constructors of `Reply`).
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.into_body())).into_response()
    }
}

//! [`ApiError`]: an [`opsguard_core::Error`] as an actix-web response.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use opsguard_core::{Error, ErrorKind};

/// An [`opsguard_core::Error`] that actix-web can send.
///
/// The orphan rule keeps this crate from implementing `ResponseError` for
/// `opsguard_core::Error` itself, so handlers return `ApiError`. Every error
/// that converts into an `opsguard_core::Error` converts into an `ApiError`
/// too, so `?` works on the errors of every opsguard crate:
///
/// ```
/// use opsguard_actix::ApiError;
/// use opsguard_core::Error;
///
/// async fn delete_job() -> Result<&'static str, ApiError> {
///     Err(Error::permission_denied())?
/// }
/// ```
///
/// The response is built from [`Error::to_wire`] and from nothing else:
/// status, `content-type`, `www-authenticate`, `retry-after` and the exact
/// body bytes — the same bytes opsguard-axum sends. It also carries the
/// error's [`ErrorKind`] as a response extension, for metrics and for
/// [`ErrorEnvelope`](crate::ErrorEnvelope), which leaves such responses as
/// they are.
///
/// The cause of an [`ErrorKind::Internal`] or [`ErrorKind::Unavailable`]
/// error (its `source()` chain) is logged at error level to the `tracing`
/// target `opsguard::error` when the response is built; the client sees the
/// generic message only.
pub struct ApiError(Error);

impl ApiError {
    /// The wrapped error.
    #[must_use]
    pub fn error(&self) -> &Error {
        &self.0
    }

    /// The wrapped error, by value.
    #[must_use]
    pub fn into_error(self) -> Error {
        self.0
    }
}

impl<E: Into<Error>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ApiError").field(&self.0).finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind().status())
    }

    fn error_response(&self) -> HttpResponse {
        response_of(&self.0)
    }
}

/// The response of `err`: [`Error::to_wire`] copied out, plus the kind as
/// an extension.
pub(crate) fn response_of(err: &Error) -> HttpResponse {
    let kind = err.kind();
    if matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable) {
        tracing::error!(
            target: "opsguard::error",
            kind = kind.wire_type(),
            cause = %err.causes(),
            "request failed"
        );
    }
    let wire = err.to_wire();
    let mut response = HttpResponse::with_body(status_of(wire.status), wire.body);
    for (name, value) in wire.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().insert(name, value);
            }
            _ => tracing::error!(
                target: "opsguard::error",
                header = name,
                "error header not representable in http"
            ),
        }
    }
    response.extensions_mut().insert(kind);
    response.map_into_boxed_body()
}

/// `status` as a [`StatusCode`]; the statuses of [`ErrorKind`] are all valid,
/// so the fallback is never used.
fn status_of(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

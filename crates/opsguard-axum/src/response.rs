//! [`ApiError`]: an [`opsguard_core::Error`] as an axum response.

use std::fmt;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode};
use opsguard_core::{Error, ErrorKind};

/// An [`opsguard_core::Error`] that axum can send.
///
/// The orphan rule keeps this crate from implementing `IntoResponse` for
/// `opsguard_core::Error` itself, so handlers return `ApiError`. Every error
/// that converts into an `opsguard_core::Error` converts into an `ApiError`
/// too, so `?` works on the errors of every opsguard crate:
///
/// ```
/// use opsguard_axum::ApiError;
/// use opsguard_core::Error;
///
/// async fn delete_job() -> Result<&'static str, ApiError> {
///     Err(Error::permission_denied())?
/// }
/// ```
///
/// The response is built from [`Error::to_wire`] and from nothing else:
/// status, `content-type`, `www-authenticate`, `retry-after` and the exact
/// body bytes. It also carries the error's [`ErrorKind`] as a response
/// extension, for metrics and for
/// [`ErrorEnvelopeLayer`](crate::ErrorEnvelopeLayer), which leaves such
/// responses as they are.
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

    /// The HTTP status this error is answered with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        status_of(self.0.kind().status())
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
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
        let mut response = Response::new(Body::from(wire.body));
        *response.status_mut() = status_of(wire.status);
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
        response
    }
}

/// `status` as a [`StatusCode`]; the statuses of [`ErrorKind`] are all valid,
/// so the fallback is never used.
fn status_of(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

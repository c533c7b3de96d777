//! The framework-free HTTP form of an [`Error`]: status, headers and body.

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind, FieldError};

/// `content-type` of every error and success body.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// An error as an HTTP answer, ready for any web framework to copy out.
///
/// Both adapters build their responses from this and from nothing else, so
/// their statuses, headers and bodies are identical by construction.
/// Header names are lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WireError {
    /// The HTTP status code.
    pub status: u16,
    /// Headers to send, in order: always `content-type`, then
    /// `www-authenticate` for 401 and `retry-after` for 429 when known.
    pub headers: Vec<(&'static str, String)>,
    /// The exact JSON body bytes.
    pub body: Vec<u8>,
}

impl WireError {
    /// The value of the first header named `name` (lowercase).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A body that is valid JSON in the documented shape, used when a body could
/// not be serialized (which does not happen for well-formed strings, but the
/// code path must not panic either).
const FALLBACK_BODY: &[u8] =
    br#"{"error":{"type":"InternalError","message":"internal server error"}}"#;

impl Error {
    /// The HTTP form of this error: the single mapping every adapter uses.
    ///
    /// * status from [`ErrorKind::status`];
    /// * `content-type: application/json`;
    /// * for [`ErrorKind::Auth`], `www-authenticate: Bearer` or, when a
    ///   presented token was refused, `Bearer error="invalid_token"`
    ///   (RFC 6750 §3);
    /// * for [`ErrorKind::RateLimited`], `retry-after` in seconds when known;
    /// * body `{"error":{"type":...,"message":...}}`, plus `"fields":[...]`
    ///   for validation errors only.
    ///
    /// ```
    /// use opsguard_core::{Error, FieldError};
    ///
    /// let wire = Error::validation(vec![FieldError::new("port", "out_of_range", "must be 1 to 65535")])
    ///     .to_wire();
    /// assert_eq!(wire.status, 422);
    /// assert_eq!(
    ///     wire.body,
    ///     br#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"port","code":"out_of_range","message":"must be 1 to 65535"}]}}"#
    /// );
    /// ```
    #[must_use]
    pub fn to_wire(&self) -> WireError {
        let kind = self.kind();
        let mut headers = vec![("content-type", JSON_CONTENT_TYPE.to_owned())];
        match kind {
            ErrorKind::Auth => headers.push((
                "www-authenticate",
                self.challenge().header_value().to_owned(),
            )),
            ErrorKind::RateLimited => {
                if let Some(secs) = self.retry_after_secs() {
                    headers.push(("retry-after", secs.to_string()));
                }
            }
            _ => {}
        }
        let fields: &[FieldError] = if kind == ErrorKind::Validation {
            self.fields()
        } else {
            &[]
        };
        let body = BodyRef {
            error: DetailRef {
                kind,
                message: self.message(),
                fields,
            },
        };
        let body = serde_json::to_vec(&body).unwrap_or_else(|_| FALLBACK_BODY.to_vec());
        WireError {
            status: kind.status(),
            headers,
            body,
        }
    }
}

#[derive(Serialize)]
struct BodyRef<'a> {
    error: DetailRef<'a>,
}

#[derive(Serialize)]
struct DetailRef<'a> {
    #[serde(rename = "type")]
    kind: ErrorKind,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

/// A parsed error body, for clients and tests of opsguard services.
///
/// ```
/// use opsguard_core::{Error, ErrorBody, ErrorKind};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let wire = Error::permission_denied().to_wire();
/// let body = ErrorBody::from_slice(&wire.body)?;
/// assert_eq!(body.error.kind, ErrorKind::Permission);
/// assert_eq!(body.error.message, "permission denied");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The error object.
    pub error: ErrorDetail,
}

/// The `error` object of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The wire `type`.
    #[serde(rename = "type")]
    pub kind: ErrorKind,
    /// The client-safe message.
    pub message: String,
    /// Field problems; present on the wire only for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ErrorBody {
    /// Parse an error body. Strict: unknown members and unknown `type`
    /// strings are refused.
    ///
    /// # Errors
    ///
    /// [`BodyParseError`] when `bytes` is not an error body of this shape.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, BodyParseError> {
        serde_json::from_slice(bytes).map_err(BodyParseError)
    }

    /// The canonical JSON bytes of this body (what [`Error::to_wire`] sends).
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| FALLBACK_BODY.to_vec())
    }
}

/// The bytes were not an opsguard error body.
#[derive(Debug, thiserror::Error)]
#[error("not an opsguard error body")]
pub struct BodyParseError(#[source] serde_json::Error);

/// The headers that describe a response's body (lowercase): dropped with
/// the body when an adapter gives a framework's answer the envelope
/// ([`Error::replacing_status`]).
pub const BODY_HEADERS: [&str; 3] = ["content-type", "content-length", "content-encoding"];

impl Error {
    /// The error a framework's own error response with `status` stands for,
    /// so that adapters can give answers they did not build (an unknown
    /// route, a wrong method, a body over a server limit) the envelope:
    ///
    /// | status | kind |
    /// |---|---|
    /// | 401 | `Auth` (`WWW-Authenticate: Bearer`) |
    /// | 403 | `Permission` |
    /// | 404, 405, 410 | `NotFound` (there is no 405 kind) |
    /// | 409 | `Conflict` |
    /// | 413 | `PayloadTooLarge` |
    /// | 429 | `RateLimited` |
    /// | 503 | `Unavailable` |
    /// | other 5xx | `Internal` |
    /// | other 4xx | `Validation`, one field error with code `invalid_request` |
    ///
    /// ```
    /// use opsguard_core::{Error, ErrorKind};
    ///
    /// assert_eq!(Error::for_status(405).kind(), ErrorKind::NotFound);
    /// assert_eq!(Error::for_status(400).fields()[0].code(), "invalid_request");
    /// ```
    #[must_use]
    pub fn for_status(status: u16) -> Self {
        let kind = match status {
            401 => ErrorKind::Auth,
            403 => ErrorKind::Permission,
            404 | 405 | 410 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            413 => ErrorKind::PayloadTooLarge,
            429 => ErrorKind::RateLimited,
            503 => ErrorKind::Unavailable,
            500..=599 => ErrorKind::Internal,
            _ => {
                return Self::invalid_field(
                    "",
                    "invalid_request",
                    "the request could not be processed",
                );
            }
        };
        Self::from_kind(kind)
    }

    /// The error that replaces a framework's own answer with `status`, or
    /// `None` when there is nothing to replace (a status below 400 or past
    /// 599): what both adapters' error-envelope middleware ask, so they
    /// envelope exactly the same answers. An answer that already carries an
    /// opsguard [`ErrorKind`] is the adapter's to leave alone.
    ///
    /// The replaced answer keeps its other headers but not
    /// [`BODY_HEADERS`], which described the dropped body.
    ///
    /// ```
    /// use opsguard_core::{Error, ErrorKind};
    ///
    /// assert_eq!(Error::replacing_status(405).map(|e| e.kind()), Some(ErrorKind::NotFound));
    /// assert!(Error::replacing_status(302).is_none());
    /// ```
    #[must_use]
    pub fn replacing_status(status: u16) -> Option<Self> {
        (400..=599)
            .contains(&status)
            .then(|| Self::for_status(status))
    }

    /// This error's `source()` chain joined with `: `, for logs
    /// (`"no cause recorded"` when there is none). Adapters log it for
    /// [`ErrorKind::Internal`] and [`ErrorKind::Unavailable`] answers; the
    /// client never sees it.
    #[must_use]
    pub fn causes(&self) -> Causes<'_> {
        Causes(self)
    }
}

/// The `source()` chain of an [`Error`], displayed joined with `: `
/// ([`Error::causes`]).
#[derive(Debug, Clone, Copy)]
pub struct Causes<'a>(&'a Error);

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut next = std::error::Error::source(self.0);
        let mut first = true;
        while let Some(cause) = next {
            if !first {
                f.write_str(": ")?;
            }
            write!(f, "{cause}")?;
            first = false;
            next = cause.source();
        }
        if first {
            f.write_str("no cause recorded")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;

    /// Only error statuses are replaced, each by its `for_status` error.
    #[test]
    fn replacing_status_covers_exactly_the_error_statuses() {
        for code in 0..=1000u16 {
            match Error::replacing_status(code) {
                Some(err) => {
                    assert!((400..=599).contains(&code), "{code} replaced");
                    assert_eq!(err.to_wire(), Error::for_status(code).to_wire());
                }
                None => assert!(!(400..=599).contains(&code), "{code} kept"),
            }
        }
    }

    #[test]
    fn every_error_status_maps_to_a_kind_with_an_error_status() {
        for code in 400..=599 {
            let wire = Error::for_status(code).to_wire().status;
            assert!((400..=599).contains(&wire), "{code} -> {wire}");
            if (500..=599).contains(&code) {
                assert!(wire >= 500, "server error {code} answered as {wire}");
            }
        }
        assert_eq!(Error::for_status(405).to_wire().status, 404);
        assert_eq!(Error::for_status(418).to_wire().status, 422);
    }

    #[test]
    fn causes_are_joined() {
        #[derive(Debug, thiserror::Error)]
        #[error("pool exhausted")]
        struct Pool(#[source] std::io::Error);
        let err = Error::internal(Pool(std::io::Error::other("connection refused")));
        assert_eq!(
            err.causes().to_string(),
            "pool exhausted: connection refused"
        );
        assert_eq!(
            Error::from_kind(ErrorKind::Internal).causes().to_string(),
            "no cause recorded"
        );
    }
}

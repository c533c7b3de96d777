//! The one error type every opsguard crate converts into.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::{ErrorKind, FieldError};

/// A boxed error that caused an [`Error`]; kept for logs, never sent to a
/// client.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The `WWW-Authenticate` challenge of a 401 answer (RFC 6750 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Bearer`: no usable credential was presented.
    Bearer,
    /// `Bearer error="invalid_token"`: a token was presented and refused.
    InvalidToken,
}

impl Challenge {
    pub(crate) const fn header_value(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::InvalidToken => "Bearer error=\"invalid_token\"",
        }
    }
}

/// An error that can be shown to a client safely.
///
/// It is opaque: build it with the constructors below (or through a `From`
/// conversion from a primitive crate's error), inspect it with [`kind`],
/// and turn it into an HTTP answer with [`to_wire`]. The message is chosen by
/// the code that builds the error and must never contain a secret or an
/// internal detail; the cause of an [`ErrorKind::Internal`] error is kept as
/// [`source`](std::error::Error::source) for logs only.
///
/// [`kind`]: Error::kind
/// [`to_wire`]: Error::to_wire
///
/// ```
/// use opsguard_core::{Error, ErrorKind};
///
/// let err = Error::invalid_token();
/// assert_eq!(err.kind(), ErrorKind::Auth);
/// let wire = err.to_wire();
/// assert_eq!(wire.status, 401);
/// assert_eq!(wire.header("www-authenticate"), Some("Bearer error=\"invalid_token\""));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    fields: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    challenge: Challenge,
    source: Option<BoxError>,
}

impl Error {
    /// An error of `kind` with a client-safe `message`.
    ///
    /// For [`ErrorKind::Internal`] the message is replaced by the fixed
    /// generic one: use [`Error::internal`] to keep a cause for logs. For
    /// [`ErrorKind::RateLimited`] no `Retry-After` is sent unless you use
    /// [`Error::rate_limited`].
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        let message = match kind {
            ErrorKind::Internal => Cow::Borrowed(kind.default_message()),
            _ => message.into(),
        };
        Self::build(kind, message)
    }

    /// An error of `kind` with the kind's generic message.
    #[must_use]
    pub fn from_kind(kind: ErrorKind) -> Self {
        Self::build(kind, Cow::Borrowed(kind.default_message()))
    }

    fn build(kind: ErrorKind, message: Cow<'static, str>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message,
                fields: Vec::new(),
                retry_after_secs: None,
                challenge: Challenge::Bearer,
                source: None,
            }),
        }
    }

    /// 401: no credential was presented where one is required.
    ///
    /// Answers `WWW-Authenticate: Bearer` without an error code, as RFC 6750
    /// §3.1 asks when the request carries no authentication information.
    #[must_use]
    pub fn missing_credentials() -> Self {
        Self::from_kind(ErrorKind::Auth)
    }

    /// 401: a presented token was refused, for whatever reason.
    ///
    /// Every token failure (malformed, expired, wrong key, wrong type,
    /// revoked) uses this one constructor, so clients cannot tell the reasons
    /// apart (DESIGN.md invariant 3). Answers
    /// `WWW-Authenticate: Bearer error="invalid_token"`.
    #[must_use]
    pub fn invalid_token() -> Self {
        let mut err = Self::build(ErrorKind::Auth, Cow::Borrowed(INVALID_TOKEN_MESSAGE));
        err.inner.challenge = Challenge::InvalidToken;
        err
    }

    /// 401: a username/password pair was refused.
    ///
    /// The same answer for an unknown user, a wrong password and a disabled
    /// account.
    #[must_use]
    pub fn invalid_credentials() -> Self {
        Self::build(ErrorKind::Auth, Cow::Borrowed(INVALID_CREDENTIALS_MESSAGE))
    }

    /// 403 with the generic message.
    #[must_use]
    pub fn permission_denied() -> Self {
        Self::from_kind(ErrorKind::Permission)
    }

    /// 404 with a message such as `"job not found"`.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// 409 with a message such as `"username already taken"`.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// 422 listing every field problem, in the order given.
    #[must_use]
    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self::from_kind(ErrorKind::Validation).with_fields(fields)
    }

    /// 422 with a single problem on `field`.
    pub fn invalid_field(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    /// 429 telling the client to wait `retry_after` (sent as whole seconds,
    /// rounded up, at least 1).
    #[must_use]
    pub fn rate_limited(retry_after: Duration) -> Self {
        let mut secs = retry_after.as_secs();
        if retry_after.subsec_nanos() > 0 {
            secs = secs.saturating_add(1);
        }
        let mut err = Self::from_kind(ErrorKind::RateLimited);
        err.inner.retry_after_secs = Some(secs.max(1));
        err
    }

    /// 413 with the generic message.
    #[must_use]
    pub fn payload_too_large() -> Self {
        Self::from_kind(ErrorKind::PayloadTooLarge)
    }

    /// 503: a dependency is down; `source` is kept for logs.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::from_kind(ErrorKind::Unavailable).with_source(source)
    }

    /// 500: something failed inside the service. The client sees only
    /// `"internal server error"`; `source` is kept for logs.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self::from_kind(ErrorKind::Internal).with_source(source)
    }

    /// Attach field problems. Only validation errors send them to clients.
    #[must_use]
    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.inner.fields = fields;
        self
    }

    /// Attach the underlying cause, for logs (`source()`); never sent to
    /// clients.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// The category of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The client-safe message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The field problems (empty unless this is a validation error).
    #[must_use]
    pub fn fields(&self) -> &[FieldError] {
        &self.inner.fields
    }

    /// The delay a rate-limited client is told to wait, in whole seconds.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.inner.retry_after_secs
    }

    /// Whether this is the generic "a presented token was refused" error.
    #[must_use]
    pub fn is_invalid_token(&self) -> bool {
        self.inner.kind == ErrorKind::Auth && self.inner.challenge == Challenge::InvalidToken
    }

    pub(crate) fn challenge(&self) -> Challenge {
        self.inner.challenge
    }
}

/// The message of every refused token.
pub const INVALID_TOKEN_MESSAGE: &str = "invalid or expired token";
/// The message of every refused username/password pair.
pub const INVALID_CREDENTIALS_MESSAGE: &str = "invalid username or password";

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if !self.inner.fields.is_empty() {
            d.field("fields", &self.inner.fields);
        }
        if let Some(secs) = self.inner.retry_after_secs {
            d.field("retry_after_secs", &secs);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::from_kind(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_internal_discards_message() {
        let err = Error::new(ErrorKind::Internal, "db password is hunter2");
        assert_eq!(err.message(), "internal server error");
    }

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(
            Error::rate_limited(Duration::from_millis(1)).retry_after_secs(),
            Some(1)
        );
        assert_eq!(
            Error::rate_limited(Duration::from_millis(1500)).retry_after_secs(),
            Some(2)
        );
        assert_eq!(
            Error::rate_limited(Duration::from_secs(30)).retry_after_secs(),
            Some(30)
        );
        assert_eq!(
            Error::rate_limited(Duration::ZERO).retry_after_secs(),
            Some(1)
        );
        assert_eq!(
            Error::rate_limited(Duration::MAX).retry_after_secs(),
            Some(u64::MAX)
        );
    }

    #[test]
    fn source_is_kept_for_logs() {
        let err = Error::internal("connection refused");
        let source = StdError::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection refused"));
        assert_eq!(err.to_string(), "internal server error");
    }
}

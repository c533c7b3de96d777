//! Security events named after the OWASP Logging Vocabulary, and the sinks
//! that record them.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::StoreError;

/// What happened, in the words of the OWASP Application Logging Vocabulary
/// Cheat Sheet, so that monitoring can alert on the same names across
/// services.
///
/// [`as_str`](Self::as_str) gives the vocabulary name and
/// [`severity`](Self::severity) its level. One kind is an opsguard addition
/// in the same style, because the vocabulary has no word for it:
/// [`CredentialRevealed`](Self::CredentialRevealed), a stored machine
/// credential decrypted and shown to a user (the vocabulary's closest word
/// is the generic `sensitive_read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditKind {
    /// `authn_login_fail`: a login was refused (unknown user, wrong
    /// password or disabled account; the event's reason tells which).
    AuthnLoginFail,
    /// `authn_login_fail_max`: a login was refused because a client reached
    /// the failure limit and must wait.
    AuthnLoginFailMax,
    /// `authn_login_lock`: repeated failures locked an account for a client
    /// (or a client address for every account) for a while.
    AuthnLoginLock,
    /// `authn_login_success`: a user logged in.
    AuthnLoginSuccess,
    /// `authn_login_successafterfail`: a user logged in after failures.
    AuthnLoginSuccessAfterFail,
    /// `authn_password_change`: a user's password (or its stored hash) was
    /// changed.
    AuthnPasswordChange,
    /// `authn_password_change_fail`: a password change was refused.
    AuthnPasswordChangeFail,
    /// `authn_token_created`: a token pair was issued.
    AuthnTokenCreated,
    /// `authn_token_delete`: a token was deleted (logout).
    AuthnTokenDelete,
    /// `authn_token_reuse`: a refresh token was presented again after it had
    /// been rotated; its whole family is revoked.
    AuthnTokenReuse,
    /// `authn_token_revoked`: a revoked token was presented, or tokens were
    /// revoked.
    AuthnTokenRevoked,
    /// `authz_admin`: an administrator used a privileged function.
    AuthzAdmin,
    /// `authz_change`: a user's roles or permissions changed.
    AuthzChange,
    /// `authz_fail`: an authenticated user was refused an action.
    AuthzFail,
    /// `credential_revealed` (opsguard addition, the vocabulary's
    /// `sensitive_read` for machine credentials): a stored secret was
    /// decrypted and shown.
    CredentialRevealed,
    /// `crypt_decrypt_fail`: decrypting a stored value failed.
    CryptDecryptFail,
    /// `crypt_encrypt_fail`: encrypting a value failed.
    CryptEncryptFail,
    /// `excess_rate_limit_exceeded`: a client went over a rate limit.
    ExcessRateLimitExceeded,
    /// `input_validation_fail`: input was refused by validation.
    InputValidationFail,
    /// `session_expired`: a session or token expired.
    SessionExpired,
    /// `session_renewed`: a session was extended (a refresh token was
    /// rotated).
    SessionRenewed,
    /// `user_created`: a user account was created.
    UserCreated,
    /// `user_deleted`: a user account was deleted.
    UserDeleted,
    /// `user_updated`: a user account was changed.
    UserUpdated,
}

impl AuditKind {
    /// The vocabulary name, for example `"authn_login_success"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthnLoginFail => "authn_login_fail",
            Self::AuthnLoginFailMax => "authn_login_fail_max",
            Self::AuthnLoginLock => "authn_login_lock",
            Self::AuthnLoginSuccess => "authn_login_success",
            Self::AuthnLoginSuccessAfterFail => "authn_login_successafterfail",
            Self::AuthnPasswordChange => "authn_password_change",
            Self::AuthnPasswordChangeFail => "authn_password_change_fail",
            Self::AuthnTokenCreated => "authn_token_created",
            Self::AuthnTokenDelete => "authn_token_delete",
            Self::AuthnTokenReuse => "authn_token_reuse",
            Self::AuthnTokenRevoked => "authn_token_revoked",
            Self::AuthzAdmin => "authz_admin",
            Self::AuthzChange => "authz_change",
            Self::AuthzFail => "authz_fail",
            Self::CredentialRevealed => "credential_revealed",
            Self::CryptDecryptFail => "crypt_decrypt_fail",
            Self::CryptEncryptFail => "crypt_encrypt_fail",
            Self::ExcessRateLimitExceeded => "excess_rate_limit_exceeded",
            Self::InputValidationFail => "input_validation_fail",
            Self::SessionExpired => "session_expired",
            Self::SessionRenewed => "session_renewed",
            Self::UserCreated => "user_created",
            Self::UserDeleted => "user_deleted",
            Self::UserUpdated => "user_updated",
        }
    }

    /// The level the vocabulary gives the event.
    #[must_use]
    pub const fn severity(self) -> Severity {
        match self {
            Self::AuthnLoginSuccess
            | Self::AuthnLoginSuccessAfterFail
            | Self::AuthnPasswordChange
            | Self::AuthnTokenCreated
            | Self::AuthnTokenRevoked
            | Self::SessionExpired
            | Self::SessionRenewed => Severity::Info,
            Self::AuthnPasswordChangeFail | Self::AuthnTokenReuse | Self::AuthzFail => {
                Severity::Critical
            }
            Self::AuthnLoginFail
            | Self::AuthnLoginFailMax
            | Self::AuthnLoginLock
            | Self::AuthnTokenDelete
            | Self::AuthzAdmin
            | Self::AuthzChange
            | Self::CredentialRevealed
            | Self::CryptDecryptFail
            | Self::CryptEncryptFail
            | Self::ExcessRateLimitExceeded
            | Self::InputValidationFail
            | Self::UserCreated
            | Self::UserDeleted
            | Self::UserUpdated => Severity::Warn,
        }
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent an [`AuditKind`] is, as the OWASP vocabulary grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Routine: a success, a token issued.
    Info,
    /// Worth a look: a failure, a change to an account.
    Warn,
    /// Likely an attack: token reuse, an authorization failure.
    Critical,
}

impl Severity {
    /// `"INFO"`, `"WARN"` or `"CRITICAL"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Critical => "CRITICAL",
        }
    }
}

/// A thing an event is about, such as `credentials:42`: a static kind and
/// an identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    kind: &'static str,
    id: String,
}

impl Resource {
    /// The resource `id` of type `kind` (for example `credentials`, `42`).
    pub fn new(kind: &'static str, id: impl fmt::Display) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }

    /// The type, for example `"credentials"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The identifier.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// One security event: what happened, when, to whom, from where.
///
/// It holds identifiers only. There is no field for free text, the reason
/// is a `&'static str` chosen in code, and no field takes a secret type, so
/// a password, token or key can reach an event only if code passes one as
/// a user id, username or resource id, which review can see.
///
/// ```
/// use opsguard_auth::{AuditEvent, AuditKind, Resource};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let event = AuditEvent::new(AuditKind::CredentialRevealed)
///     .with_user_id("7")
///     .with_username("alice")
///     .with_client_ip("203.0.113.9".parse()?)
///     .with_request_id("req-1")
///     .with_resource(Resource::new("credentials", 42));
/// assert_eq!(event.kind().as_str(), "credential_revealed");
/// assert_eq!(event.resource().map(ToString::to_string).as_deref(), Some("credentials:42"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    time: SystemTime,
    kind: AuditKind,
    user_id: Option<String>,
    username: Option<String>,
    client_ip: Option<IpAddr>,
    request_id: Option<String>,
    family_id: Option<String>,
    resource: Option<Resource>,
    reason: Option<&'static str>,
}

impl AuditEvent {
    /// An event of `kind` happening now.
    #[must_use]
    pub fn new(kind: AuditKind) -> Self {
        Self::at(kind, SystemTime::now())
    }

    /// An event of `kind` that happened at `time`.
    #[must_use]
    pub fn at(kind: AuditKind, time: SystemTime) -> Self {
        Self {
            time,
            kind,
            user_id: None,
            username: None,
            client_ip: None,
            request_id: None,
            family_id: None,
            resource: None,
            reason: None,
        }
    }

    /// The id of the user concerned.
    #[must_use]
    pub fn with_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The username concerned (as typed, for a refused login).
    #[must_use]
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The client's address (see [`ClientIpResolver`](crate::ClientIpResolver)).
    #[must_use]
    pub fn with_client_ip(mut self, ip: IpAddr) -> Self {
        self.client_ip = Some(ip);
        self
    }

    /// The id of the request, to join the event with other logs.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The refresh-token family concerned (its id, never a token).
    #[must_use]
    pub fn with_family_id(mut self, family_id: impl Into<String>) -> Self {
        self.family_id = Some(family_id.into());
        self
    }

    /// The resource concerned.
    #[must_use]
    pub fn with_resource(mut self, resource: Resource) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Why, in a fixed word chosen in code (for example `"unknown_user"`).
    #[must_use]
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// When it happened.
    #[must_use]
    pub fn time(&self) -> SystemTime {
        self.time
    }

    /// What happened.
    #[must_use]
    pub fn kind(&self) -> AuditKind {
        self.kind
    }

    /// The user id, if known.
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The username, if known.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The client address, if known.
    #[must_use]
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }

    /// The request id, if known.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The refresh-token family id, if any.
    #[must_use]
    pub fn family_id(&self) -> Option<&str> {
        self.family_id.as_deref()
    }

    /// The resource, if any.
    #[must_use]
    pub fn resource(&self) -> Option<&Resource> {
        self.resource.as_ref()
    }

    /// The reason, if any.
    #[must_use]
    pub fn reason(&self) -> Option<&'static str> {
        self.reason
    }

    /// Milliseconds since the Unix epoch (0 for a time before it).
    #[must_use]
    pub fn time_unix_ms(&self) -> u64 {
        self.time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Where audit events go: a log, a table, a SIEM.
///
/// Implement it for your storage; opsguard ships [`TracingSink`] and
/// [`MemorySink`], and the SQL sink comes with the store crates. Callers
/// record through [`record_or_log`], so a failing sink is logged and never
/// fails the request that caused the event.
#[async_trait]
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// Record `event`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the event could not be stored.
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError>;
}

/// Records `event` in `sink`; a failure is logged at error level to the
/// `tracing` target `opsguard::audit` (with the event's kind, not its
/// details) and otherwise ignored, so that an audit outage never turns a
/// good login into a failed one.
pub async fn record_or_log(sink: &dyn AuditSink, event: &AuditEvent) {
    if let Err(err) = sink.record(event).await {
        tracing::error!(
            target: "opsguard::audit",
            event = event.kind().as_str(),
            error = &err as &(dyn std::error::Error + 'static),
            "audit sink failed; event not recorded"
        );
    }
}

/// Writes each event as a `tracing` event on the target `opsguard::audit`,
/// at info, warn or error level for [`Severity::Info`], [`Severity::Warn`]
/// and [`Severity::Critical`], with the fields `event`, `severity`,
/// `time_unix_ms` and whichever of `user_id`, `username`, `client_ip`,
/// `request_id`, `family_id`, `resource` and `reason` are set.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl TracingSink {
    /// The sink.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

macro_rules! audit_event {
    ($level:expr, $e:expr) => {
        tracing::event!(
            target: "opsguard::audit",
            $level,
            event = $e.kind.as_str(),
            severity = $e.kind.severity().as_str(),
            time_unix_ms = $e.time_unix_ms(),
            user_id = $e.user_id.as_deref(),
            username = $e.username.as_deref(),
            client_ip = $e.client_ip.map(tracing::field::display),
            request_id = $e.request_id.as_deref(),
            family_id = $e.family_id.as_deref(),
            resource = $e.resource.as_ref().map(tracing::field::display),
            reason = $e.reason,
            "security event"
        )
    };
}

#[async_trait]
impl AuditSink for TracingSink {
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        match event.kind.severity() {
            Severity::Info => audit_event!(tracing::Level::INFO, event),
            Severity::Warn => audit_event!(tracing::Level::WARN, event),
            Severity::Critical => audit_event!(tracing::Level::ERROR, event),
        }
        Ok(())
    }
}

/// Keeps every event in memory, for tests and examples.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemorySink {
    /// An empty sink.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event recorded so far, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The kinds of the events recorded so far, oldest first.
    #[must_use]
    pub fn kinds(&self) -> Vec<AuditKind> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(AuditEvent::kind)
            .collect()
    }

    /// Forget every event.
    pub fn clear(&self) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[async_trait]
impl AuditSink for MemorySink {
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    }
}

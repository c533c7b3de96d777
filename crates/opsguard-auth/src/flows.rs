//! Login, refresh and logout: the steps in the one order that is safe.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use opsguard_core::Error;
use opsguard_password::Outcome;
use opsguard_token::claims::NoCustomClaims;
use opsguard_token::refresh::RefreshRotation;
use opsguard_token::{
    FamilyId, RefreshClaims, ReuseDetected, Subject, TokenError, TokenPair, Verifier,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    AuditEvent, AuditKind, AuditSink, AuthError, Clock, Directory, MemoryThrottleStore,
    PasswordCheck, Principal, SystemClock, Throttle, ThrottlePolicy, ThrottleScope, TracingSink,
    UserRecord, authenticate, record_or_log,
};

/// The longest username looked at when a submitted one is not a valid
/// username (it is then only a throttle key).
const MAX_RAW_USERNAME: usize = 128;

/// Where a request came from, for the throttle and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    ip: IpAddr,
    request_id: Option<String>,
}

impl ClientInfo {
    /// A client at `ip` (from a [`ClientIpResolver`](crate::ClientIpResolver)).
    #[must_use]
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            request_id: None,
        }
    }

    /// The same client, for the request `request_id`.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The client address.
    #[must_use]
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The request id, if any.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// The authentication flows over a [`Directory`], a [`PasswordCheck`],
/// opsguard-token's [`RefreshRotation`] and access-token [`Verifier`], a
/// [`Throttle`] and an [`AuditSink`].
///
/// * [`login`](Self::login): throttle check → user lookup → password
///   verification (a dummy one when the user is unknown or disabled, so
///   every failure costs the same and answers the same) → hash upgrade →
///   token pair → audit.
/// * [`refresh`](Self::refresh): rotation with reuse detection; the user is
///   reloaded, so a disabled or deleted user's session ends at its next
///   refresh and new tokens carry the current roles.
/// * [`logout`](Self::logout) and [`logout_all`](Self::logout_all): revoke
///   one session or all of a user's.
/// * [`authenticate`](Self::authenticate): the caller of a request.
///
/// Every failure answers with one generic [`Error`]; the precise reason goes
/// to the audit sink and the `opsguard::rejection` log target.
pub struct Authenticator {
    directory: Arc<dyn Directory>,
    passwords: Arc<dyn PasswordCheck>,
    rotation: RefreshRotation,
    verifier: Verifier,
    throttle: Throttle,
    audit: Arc<dyn AuditSink>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("directory", &self.directory)
            .field("passwords", &self.passwords)
            .field("rotation", &self.rotation)
            .field("throttle", &self.throttle)
            .field("audit", &self.audit)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Authenticator`].
pub struct AuthenticatorBuilder {
    directory: Arc<dyn Directory>,
    passwords: Arc<dyn PasswordCheck>,
    rotation: RefreshRotation,
    verifier: Verifier,
    throttle: Option<Throttle>,
    audit: Arc<dyn AuditSink>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for AuthenticatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatorBuilder")
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// A builder over the four parts every deployment supplies. The throttle
    /// defaults to [`ThrottlePolicy::default`] over a
    /// [`MemoryThrottleStore`], the audit sink to [`TracingSink`].
    pub fn builder(
        directory: Arc<dyn Directory>,
        passwords: Arc<dyn PasswordCheck>,
        rotation: RefreshRotation,
        verifier: Verifier,
    ) -> AuthenticatorBuilder {
        AuthenticatorBuilder {
            directory,
            passwords,
            rotation,
            verifier,
            throttle: None,
            audit: Arc::new(TracingSink),
            clock: Arc::new(SystemClock),
        }
    }
}

impl AuthenticatorBuilder {
    /// Throttle logins with `throttle` (for example over a shared store).
    #[must_use]
    pub fn with_throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Send audit events to `sink`.
    #[must_use]
    pub fn with_audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
    }

    /// Time audit events (and the default throttle) by `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The authenticator.
    #[must_use]
    pub fn build(self) -> Authenticator {
        let clock = self.clock;
        let throttle = self.throttle.unwrap_or_else(|| {
            Throttle::with_clock(
                ThrottlePolicy::default(),
                Arc::new(MemoryThrottleStore::new()),
                Arc::clone(&clock),
            )
        });
        Authenticator {
            directory: self.directory,
            passwords: self.passwords,
            rotation: self.rotation,
            verifier: self.verifier,
            throttle,
            audit: self.audit,
            clock,
        }
    }
}

/// Why a login failed, for the audit log only.
#[derive(Debug, Clone, Copy)]
enum LoginFailure {
    AccountDisabled,
    /// Password hashing refused the work (its queue is full): nothing was
    /// verified, so this is no failure of the client's; answered with 503.
    Busy,
    /// The password cannot be checked against the stored hash's scheme
    /// (over 72 bytes, or a NUL, against bcrypt): the client's input, not a
    /// fault of the stored data.
    PasswordUnusableForStoredScheme,
    StoredHashUnusable,
    UnknownUser,
    WrongPassword,
}

impl LoginFailure {
    const fn as_str(self) -> &'static str {
        match self {
            Self::AccountDisabled => "account_disabled",
            Self::Busy => "busy",
            Self::PasswordUnusableForStoredScheme => "password_unusable_for_stored_scheme",
            Self::StoredHashUnusable => "stored_hash_unusable",
            Self::UnknownUser => "unknown_user",
            Self::WrongPassword => "wrong_password",
        }
    }
}

/// How presenting a refresh token to end its family turned out.
enum Ended {
    /// The token was its family's current one; the family is now revoked.
    Revoked(FamilyId),
    /// The token had been rotated already: reuse, the family is revoked.
    Reused(ReuseDetected),
    /// The family was already revoked, expired or unknown; nothing changed.
    AlreadyInactive(FamilyId),
}

impl Authenticator {
    /// Log `username` in with `password`.
    ///
    /// `username` is normalized with
    /// [`opsguard_validate::normalize_username`]; a value that is not a
    /// valid username is treated as an unknown user (dummy verification,
    /// same answer).
    ///
    /// # Errors
    ///
    /// * [`Error::invalid_credentials`] for an unknown user, a wrong
    ///   password, a disabled account or an unusable stored hash: one answer,
    ///   one cost (one password verification);
    /// * [`Error::rate_limited`] when the throttle refuses the attempt (no
    ///   password is verified);
    /// * 503 when the throttle store cannot be read or written (the attempt
    ///   is counted before the password is verified, so a store that cannot
    ///   count refuses it), the directory is down or password hashing is
    ///   busy (its queue is full; known and unknown users alike, and the
    ///   throttle counts are given back); 500/503 when tokens cannot be
    ///   issued.
    pub async fn login(
        &self,
        username: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<TokenPair, Error> {
        let normalized = opsguard_validate::normalize_username(username).ok();
        let throttle_key = normalized.clone().unwrap_or_else(|| raw_key(username));
        let attempt = match self.throttle.check(&throttle_key, client.ip).await {
            Ok(attempt) => attempt,
            Err(AuthError::Throttled(throttled)) => {
                let kind = if throttled.scope() == ThrottleScope::AttemptRate {
                    AuditKind::ExcessRateLimitExceeded
                } else {
                    AuditKind::AuthnLoginFailMax
                };
                self.record(
                    self.event(kind, client)
                        .with_username(throttle_key)
                        .with_reason(throttled.scope().as_str()),
                )
                .await;
                return Err(throttled.into());
            }
            Err(other) => return Err(other.into()),
        };
        let user = match &normalized {
            Some(name) => match self.directory.find_by_username(name).await {
                Ok(user) => user,
                Err(err) => {
                    // No password was verified: the attempt is not a guess.
                    if let Err(err) = attempt.cancel().await {
                        tracing::warn!(
                            target: "opsguard::auth",
                            error = &err as &(dyn std::error::Error + 'static),
                            "throttle counts of an undecided login not given back"
                        );
                    }
                    return Err(err.into());
                }
            },
            None => None,
        };
        let verdict = self.verify(user.as_ref(), password).await;
        match (verdict, user) {
            (Ok(new_hash), Some(user)) => {
                let prior_failures = attempt.prior_failures();
                if let Err(err) = attempt.succeed().await {
                    tracing::error!(
                        target: "opsguard::auth",
                        error = &err as &(dyn std::error::Error + 'static),
                        "throttle counters not reset after a successful login"
                    );
                }
                if let Some(new_hash) = new_hash {
                    self.store_upgraded_hash(&user, &new_hash).await;
                }
                let subject = Subject::new(user.id(), user.username())
                    .with_roles(user.roles().iter().cloned());
                let pair = self.rotation.start(&subject).await.map_err(Error::from)?;
                let kind = if prior_failures > 0 {
                    AuditKind::AuthnLoginSuccessAfterFail
                } else {
                    AuditKind::AuthnLoginSuccess
                };
                self.record(
                    self.event(kind, client)
                        .with_user_id(user.id())
                        .with_username(user.username())
                        .with_family_id(pair.family().as_str()),
                )
                .await;
                Ok(pair)
            }
            (Err(LoginFailure::Busy), _) => {
                // No password was verified, for a known or an unknown user
                // alike (one answer): the attempt is not a guess.
                if let Err(err) = attempt.cancel().await {
                    tracing::warn!(
                        target: "opsguard::auth",
                        error = &err as &(dyn std::error::Error + 'static),
                        "throttle counts of an undecided login not given back"
                    );
                }
                Err(opsguard_password::Error::Busy.into())
            }
            (verdict, user) => {
                let reason = match verdict {
                    Err(reason) => reason,
                    // Unreachable in practice: a match needs a user.
                    Ok(_) => LoginFailure::UnknownUser,
                };
                // Counted by the throttle before the verification.
                let lockout = attempt.fail();
                let mut event = self
                    .event(AuditKind::AuthnLoginFail, client)
                    .with_username(throttle_key.clone())
                    .with_reason(reason.as_str());
                if let Some(user) = &user {
                    event = event.with_user_id(user.id());
                }
                self.record(event).await;
                if let Some(lockout) = lockout {
                    let mut event = self
                        .event(AuditKind::AuthnLoginLock, client)
                        .with_username(throttle_key)
                        .with_reason(lockout.scope().as_str());
                    if let Some(user) = &user {
                        event = event.with_user_id(user.id());
                    }
                    self.record(event).await;
                }
                Err(Error::invalid_credentials())
            }
        }
    }

    /// One password verification, whatever the case: against the stored
    /// hash for an enabled user, the dummy one otherwise. `Ok` carries the
    /// upgraded hash to store, if any.
    async fn verify(
        &self,
        user: Option<&UserRecord>,
        password: &SecretString,
    ) -> Result<Option<String>, LoginFailure> {
        let user = match user {
            Some(user) if !user.is_disabled() => user,
            Some(_) => {
                return Err(self
                    .dummy_verify(password, LoginFailure::AccountDisabled)
                    .await);
            }
            None => return Err(self.dummy_verify(password, LoginFailure::UnknownUser).await),
        };
        match self
            .passwords
            .verify_and_update(password, user.password_hash())
            .await
        {
            Ok(Outcome::Match { new_hash }) => Ok(new_hash),
            Ok(Outcome::Mismatch) => Err(LoginFailure::WrongPassword),
            Err(opsguard_password::Error::Busy) => Err(LoginFailure::Busy),
            // The client sent a password the stored (bcrypt) hash cannot
            // take; opsguard-password spent a verification's time on it.
            Err(
                err @ (opsguard_password::Error::PasswordTooLong { .. }
                | opsguard_password::Error::PasswordContainsNul),
            ) => {
                tracing::debug!(
                    target: "opsguard::rejection",
                    user_id = user.id(),
                    reason = %err,
                    "password refused by the stored hash's scheme"
                );
                Err(LoginFailure::PasswordUnusableForStoredScheme)
            }
            Err(err) => {
                tracing::error!(
                    target: "opsguard::auth",
                    user_id = user.id(),
                    error = &err as &(dyn std::error::Error + 'static),
                    "stored password hash could not be verified"
                );
                Err(LoginFailure::StoredHashUnusable)
            }
        }
    }

    async fn dummy_verify(&self, password: &SecretString, reason: LoginFailure) -> LoginFailure {
        match self.passwords.verify_unknown_user(password).await {
            Ok(()) => {}
            Err(opsguard_password::Error::Busy) => return LoginFailure::Busy,
            Err(err) => {
                tracing::error!(
                    target: "opsguard::auth",
                    error = &err as &(dyn std::error::Error + 'static),
                    "dummy password verification failed"
                );
            }
        }
        reason
    }

    /// Stores the hash upgraded at login, only if the stored one is still
    /// the hash the password matched: a reset that finished meanwhile wins.
    async fn store_upgraded_hash(&self, user: &UserRecord, new_hash: &str) {
        match self
            .directory
            .update_password_hash(user.id(), user.password_hash(), new_hash)
            .await
        {
            Ok(true) => tracing::info!(
                target: "opsguard::auth",
                user_id = user.id(),
                "password hash upgraded to the current scheme"
            ),
            Ok(false) => tracing::info!(
                target: "opsguard::auth",
                user_id = user.id(),
                "password hash changed while the login verified it; upgrade not stored"
            ),
            // The old hash still works; the upgrade is retried next login.
            Err(err) => tracing::warn!(
                target: "opsguard::auth",
                user_id = user.id(),
                error = &err as &(dyn std::error::Error + 'static),
                "upgraded password hash not stored"
            ),
        }
    }

    /// Exchange `refresh_token` for a new pair (rotation).
    ///
    /// The user is reloaded from the directory: a deleted or disabled
    /// user's family is revoked and refused, and the new access token
    /// carries the user's current roles. Presenting an already-used token
    /// revokes its family and records `authn_token_reuse` with the user and
    /// family ids (for a disabled or deleted user too). An authentic but
    /// expired token records `session_expired`.
    ///
    /// # Errors
    ///
    /// [`Error::invalid_token`] for every refused token; 503 when a store is
    /// down.
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        client: &ClientInfo,
    ) -> Result<TokenPair, Error> {
        let token = refresh_token.expose_secret();
        let claims = match self.rotation.inspect(token) {
            Ok(claims) => claims,
            Err(err) => return Err(self.refuse_token(err, client).await),
        };
        let user = self.directory.find_by_id(claims.subject()).await?;
        let Some(user) = user.filter(|u| !u.is_disabled()) else {
            match self.end_family(token, &claims).await? {
                Ended::Revoked(family) => {
                    self.record(
                        self.token_event(AuditKind::AuthnTokenRevoked, client, &claims, &family)
                            .with_reason("user_disabled_or_deleted"),
                    )
                    .await;
                }
                Ended::Reused(reuse) => self.record_reuse(&reuse, &claims, client).await,
                Ended::AlreadyInactive(family) => {
                    self.record(
                        self.token_event(AuditKind::AuthnTokenRevoked, client, &claims, &family)
                            .with_reason("family_inactive"),
                    )
                    .await;
                }
            }
            return Err(Error::invalid_token());
        };
        let subject =
            Subject::new(user.id(), user.username()).with_roles(user.roles().iter().cloned());
        match self
            .rotation
            .rotate_with(token, &subject, &NoCustomClaims {})
            .await
        {
            Ok(pair) => {
                self.record(
                    self.event(AuditKind::SessionRenewed, client)
                        .with_user_id(user.id())
                        .with_username(user.username())
                        .with_family_id(pair.family().as_str()),
                )
                .await;
                Ok(pair)
            }
            Err(TokenError::ReuseDetected(reuse)) => {
                self.record_reuse(&reuse, &claims, client).await;
                Err(Error::invalid_token())
            }
            Err(TokenError::Revoked) => {
                self.record(
                    self.event(AuditKind::AuthnTokenRevoked, client)
                        .with_user_id(user.id())
                        .with_username(user.username())
                        .with_family_id(claims.family().as_str())
                        .with_reason("family_inactive"),
                )
                .await;
                Err(Error::invalid_token())
            }
            Err(err) => Err(self.refuse_token(err, client).await),
        }
    }

    /// Log out the session of `refresh_token`: its whole family is revoked.
    /// Idempotent.
    ///
    /// The token is presented to the rotation as a refresh would present
    /// it, so that the outcome is known exactly: the family's current token
    /// revokes the family (`authn_token_revoked`, reason `logout`); a token
    /// that was already rotated is reuse (`authn_token_reuse`, and the
    /// family is revoked all the same); a family that was already inactive
    /// records nothing, since nothing was revoked. An authentic but expired
    /// token records `session_expired` and is refused.
    ///
    /// # Errors
    ///
    /// [`Error::invalid_token`] when the token is refused; 503 when the
    /// store is down.
    pub async fn logout(
        &self,
        refresh_token: &SecretString,
        client: &ClientInfo,
    ) -> Result<(), Error> {
        let token = refresh_token.expose_secret();
        let claims = match self.rotation.inspect(token) {
            Ok(claims) => claims,
            Err(err) => return Err(self.refuse_token(err, client).await),
        };
        match self.end_family(token, &claims).await? {
            Ended::Revoked(family) => {
                self.record(
                    self.token_event(AuditKind::AuthnTokenRevoked, client, &claims, &family)
                        .with_reason("logout"),
                )
                .await;
            }
            Ended::Reused(reuse) => self.record_reuse(&reuse, &claims, client).await,
            Ended::AlreadyInactive(_) => tracing::debug!(
                target: "opsguard::auth",
                user_id = claims.subject(),
                "logout of a session that had already ended"
            ),
        }
        Ok(())
    }

    /// Log `user_id` out everywhere (password change or reset, account
    /// disabled, "sign out all devices"); how many sessions were active.
    /// The user's known clients are forgotten too, so an address that had
    /// logged in before (perhaps with a stolen password) is again judged by
    /// the client-wide and account-wide throttle counters. Access tokens
    /// already issued stay valid until they expire (15 minutes by default).
    ///
    /// Records `authn_token_revoked` (reason `logout_all`) when at least one
    /// session was revoked.
    ///
    /// # Errors
    ///
    /// 503 when the refresh store is down. A failure to forget known
    /// clients (directory or throttle store down) is logged, not returned:
    /// the sessions are revoked by then.
    pub async fn logout_all(&self, user_id: &str, client: &ClientInfo) -> Result<u64, Error> {
        let revoked = self
            .rotation
            .revoke_user(user_id)
            .await
            .map_err(Error::from)?;
        self.forget_known_clients(user_id).await;
        if revoked > 0 {
            self.record(
                self.event(AuditKind::AuthnTokenRevoked, client)
                    .with_user_id(user_id)
                    .with_reason("logout_all"),
            )
            .await;
        }
        Ok(revoked)
    }

    async fn forget_known_clients(&self, user_id: &str) {
        let forgotten = match self.directory.find_by_id(user_id).await {
            Ok(Some(user)) => self.throttle.forget_known_clients(user.username()).await,
            Ok(None) => Ok(()),
            Err(err) => Err(err),
        };
        if let Err(err) = forgotten {
            tracing::warn!(
                target: "opsguard::auth",
                user_id,
                error = &err as &(dyn std::error::Error + 'static),
                "known clients of the user not forgotten"
            );
        }
    }

    /// Ends the family of `token` (whose verified claims are `claims`),
    /// learning from the rotation whether the token was the current one.
    ///
    /// The rotation store answers "current", "used" or "inactive" only by
    /// rotating, and rotating a used token is exactly the reuse check, which
    /// revokes the family itself. For a current token the pair it makes is
    /// dropped unseen (nobody ever holds it) and the family is revoked.
    async fn end_family(&self, token: &str, claims: &RefreshClaims) -> Result<Ended, Error> {
        match self.rotation.rotate(token).await {
            Ok(pair) => {
                let family = pair.family().clone();
                drop(pair);
                let revoked = self
                    .rotation
                    .revoke_family(&family)
                    .await
                    .map_err(Error::from)?;
                Ok(if revoked {
                    Ended::Revoked(family)
                } else {
                    // Another request (a concurrent reuse, logout or
                    // logout-all) revoked it first and recorded it.
                    Ended::AlreadyInactive(family)
                })
            }
            Err(TokenError::ReuseDetected(reuse)) => Ok(Ended::Reused(reuse)),
            Err(TokenError::Revoked) => Ok(Ended::AlreadyInactive(claims.family().clone())),
            Err(err) => Err(reject_token(err)),
        }
    }

    async fn record_reuse(
        &self,
        reuse: &ReuseDetected,
        claims: &RefreshClaims,
        client: &ClientInfo,
    ) {
        self.record(
            self.event(AuditKind::AuthnTokenReuse, client)
                .with_user_id(reuse.user_id())
                .with_username(claims.username())
                .with_family_id(reuse.family().as_str())
                .with_reason("refresh_token_reused"),
        )
        .await;
    }

    fn token_event(
        &self,
        kind: AuditKind,
        client: &ClientInfo,
        claims: &RefreshClaims,
        family: &FamilyId,
    ) -> AuditEvent {
        self.event(kind, client)
            .with_user_id(claims.subject())
            .with_username(claims.username())
            .with_family_id(family.as_str())
    }

    /// A refused refresh or logout token: an authentic but expired one is
    /// recorded as `session_expired` (the token's claims cannot be read, so
    /// without a user); every reason goes to the rejection log.
    async fn refuse_token(&self, err: TokenError, client: &ClientInfo) -> Error {
        if matches!(err, TokenError::Expired) {
            self.record(
                self.event(AuditKind::SessionExpired, client)
                    .with_reason("refresh_token_expired"),
            )
            .await;
        }
        reject_token(err)
    }

    /// The caller of a request, from its `Authorization` header values (see
    /// [`authenticate`](crate::authenticate)).
    ///
    /// # Errors
    ///
    /// As [`authenticate`](crate::authenticate).
    pub fn authenticate<'a, I, T>(&self, authorization: I) -> Result<Principal, Error>
    where
        I: IntoIterator<Item = &'a T>,
        T: AsRef<[u8]> + ?Sized + 'a,
    {
        authenticate(&self.verifier, authorization)
    }

    /// The throttle, for services that guard other endpoints with it.
    #[must_use]
    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// The audit sink, so services record their own events (`authz_fail`,
    /// `credential_revealed`, ...) in the same place.
    #[must_use]
    pub fn audit_sink(&self) -> &dyn AuditSink {
        self.audit.as_ref()
    }

    fn event(&self, kind: AuditKind, client: &ClientInfo) -> AuditEvent {
        let event = AuditEvent::at(kind, self.clock.now()).with_client_ip(client.ip);
        match &client.request_id {
            Some(id) => event.with_request_id(id.clone()),
            None => event,
        }
    }

    async fn record(&self, event: AuditEvent) {
        record_or_log(self.audit.as_ref(), &event).await;
    }
}

/// A refused refresh or logout token: the reason to the rejection log, the
/// generic answer to the client (store failures stay 503).
fn reject_token(err: TokenError) -> Error {
    if err.is_token_rejection() {
        tracing::debug!(
            target: "opsguard::rejection",
            reason = %err,
            "refresh token refused"
        );
    }
    Error::from(err)
}

/// The throttle key of a submitted username that is not a valid one: its
/// ASCII-lowercase form, cut to a bounded length.
fn raw_key(username: &str) -> String {
    let cut = username.floor_char_boundary(MAX_RAW_USERNAME);
    username.get(..cut).unwrap_or_default().to_ascii_lowercase()
}

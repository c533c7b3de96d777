//! Refresh-token rotation with reuse detection (RFC 9700 §4.14.2).
//!
//! Every login starts a *family*. Each use of a refresh token returns a new
//! access token and a new refresh token and makes the presented one used.
//! Presenting a used refresh token again means two parties hold the family
//! (one of them stole it), so the whole family is revoked: the next refresh
//! of either party fails and the user must log in again. The caller gets
//! [`TokenError::ReuseDetected`] carrying the user and family for its audit
//! log, while the client sees the same 401 as for any bad token.
//!
//! An optional grace window (default 0, off) accepts the token that was just
//! rotated one more time, shortly after, for a client whose first answer was
//! lost: only that immediately preceding token qualifies, and only once (the
//! store forgets it in the same atomic step); a second retry is reuse.
//!
//! # Session length
//!
//! Each rotation issues a refresh token valid for the issuer's refresh TTL
//! (14 days by default) from now: a family nobody uses for that long dies
//! (the idle timeout). However often it is used, a family never outlives
//! its *maximum session length* counted from the login (`auth_time`, default
//! [`DEFAULT_MAX_SESSION`], 30 days; at most [`MAX_SESSION`]): every refresh
//! token's `exp` is `min(now + refresh TTL, auth_time + max session)`, the
//! store records the same limit when the family is created and never extends
//! the family past it, and a token claiming a longer session is refused.
//! The user then logs in again (OWASP Session Management Cheat Sheet,
//! "absolute timeout"; ASVS 4.0 V3.3.2 asks for re-authentication at least
//! every 30 days at level 1 and 12 hours at levels 2 and 3, after NIST SP
//! 800-63B AAL1 and AAL2).
//!
//! # Roles are carried, not reloaded, by `rotate`
//!
//! **[`RefreshRotation::rotate`] issues the new access token with the
//! `username` and `roles` of the presented refresh token**, that is, as they
//! were at login. A user whose roles were reduced keeps the old roles for as
//! long as the family lives. A service should rather call
//! [`RefreshRotation::rotate_with`] with the user reloaded from its user
//! store (and revoke the family of a deleted or disabled user):
//! `opsguard-auth`'s refresh flow does exactly that (it reads the token's
//! `sub` with [`inspect`](RefreshRotation::inspect), reloads the user by id,
//! and rotates with the current roles).
//!
//! ```
//! use std::sync::Arc;
//! use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject, TokenError};
//! use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! # rt.block_on(async {
//! let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::EdDsa)?).build()?;
//! let issuer = Issuer::builder(keys, "https://auth.example", "api").build()?;
//! let rotation = RefreshRotation::builder(issuer, Arc::new(MemoryRefreshStore::new())).build()?;
//!
//! let login = rotation.start(&Subject::new("42", "alice")).await?;
//! let next = rotation.rotate(login.refresh().expose_secret()).await?;
//!
//! // The first refresh token was used: presenting it again revokes the family.
//! let replay = rotation.rotate(login.refresh().expose_secret()).await;
//! let Err(TokenError::ReuseDetected(event)) = replay else { panic!("reuse not detected") };
//! assert_eq!(event.user_id(), "42");
//! assert_eq!(event.family(), login.family());
//!
//! // ... and the newest token of the family is dead too.
//! assert!(matches!(
//!     rotation.rotate(next.refresh().expose_secret()).await,
//!     Err(TokenError::Revoked)
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

mod memory;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use self::memory::MemoryRefreshStore;
pub use self::store::{NewFamily, RefreshStore, RotateOutcome, Rotation};
use crate::TokenError;
use crate::claims::{FamilyId, RefreshClaims, Subject};
use crate::clock::secs;
use crate::error::ReuseDetected;
use crate::issue::{IssuedToken, Issuer, check_subject, custom_object};
use crate::verify::Verifier;

/// The longest grace window a rotation accepts.
pub const MAX_GRACE: Duration = Duration::from_secs(60);

/// The default maximum session length: a family ends 30 days after its
/// login, however often it is rotated (the longest re-authentication
/// interval ASVS 4.0 V3.3.2 allows, at level 1).
pub const DEFAULT_MAX_SESSION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The longest maximum session length a rotation accepts: 90 days.
pub const MAX_SESSION: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// What a login or a refresh returns: an access token, the next refresh
/// token, and the family they belong to.
#[derive(Debug, Clone)]
pub struct TokenPair {
    access: IssuedToken,
    refresh: IssuedToken,
    family: FamilyId,
}

impl TokenPair {
    /// The access token.
    #[must_use]
    pub fn access(&self) -> &IssuedToken {
        &self.access
    }

    /// The refresh token; the client presents it to the next refresh.
    #[must_use]
    pub fn refresh(&self) -> &IssuedToken {
        &self.refresh
    }

    /// The rotation family.
    #[must_use]
    pub fn family(&self) -> &FamilyId {
        &self.family
    }

    /// The access token's `expires_in` (seconds), for the token response.
    #[must_use]
    pub fn expires_in(&self) -> u64 {
        self.access.expires_in()
    }
}

/// Issues refresh tokens and rotates them through a [`RefreshStore`].
///
/// It is the only way to mint a refresh token, so every refresh token in
/// circulation is registered in the store.
#[derive(Clone)]
pub struct RefreshRotation {
    issuer: Issuer,
    verifier: Verifier,
    store: Arc<dyn RefreshStore>,
    grace: i64,
    max_session: i64,
}

impl RefreshRotation {
    /// A builder rotating tokens of `issuer` through `store`.
    pub fn builder(issuer: Issuer, store: Arc<dyn RefreshStore>) -> RefreshRotationBuilder {
        RefreshRotationBuilder {
            issuer,
            store,
            grace: Duration::ZERO,
            max_session: DEFAULT_MAX_SESSION,
        }
    }

    /// Start a family for `subject` (a login): an access token and the
    /// family's first refresh token.
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the store fails (no token is returned then);
    /// [`TokenError::Signing`] if signing fails; [`TokenError::Config`] if
    /// the subject's id is empty.
    pub async fn start(&self, subject: &Subject) -> Result<TokenPair, TokenError> {
        self.start_inner(subject, None).await
    }

    /// [`start`](Self::start), with custom claims in the access token (see
    /// [`Issuer::issue_access_with`]).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start); [`TokenError::Config`] for custom claims
    /// that are not a JSON object or reuse a reserved name.
    pub async fn start_with<C: Serialize + Sync>(
        &self,
        subject: &Subject,
        custom: &C,
    ) -> Result<TokenPair, TokenError> {
        let custom = custom_object(custom)?;
        self.start_inner(subject, Some(custom)).await
    }

    async fn start_inner(
        &self,
        subject: &Subject,
        custom: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<TokenPair, TokenError> {
        check_subject(subject)?;
        let now = self.issuer.clock().now();
        let family = FamilyId::random();
        let session_end = now.saturating_add(self.max_session);
        let claims = self
            .issuer
            .refresh_claims(subject, &family, now, now, session_end);
        let refresh = self.issuer.sign_refresh(&claims)?;
        let access = self.issuer.issue_access_object(subject, custom)?;
        self.store
            .create(&NewFamily::new(
                family.clone(),
                subject.id(),
                claims.jti,
                now,
                claims.exp,
                session_end,
            ))
            .await?;
        Ok(TokenPair {
            access,
            refresh,
            family,
        })
    }

    /// Rotate `refresh_token`: a new pair for the identity (`sub`,
    /// `username`, `roles`) the refresh token carries.
    ///
    /// **The roles are those of the presented token, i.e. as they were at
    /// login**: a user whose roles were reduced since keeps the old ones
    /// until the family ends. Services with a user store should call
    /// [`rotate_with`](Self::rotate_with) with the user reloaded by the
    /// token's `sub` (as `opsguard-auth`'s refresh flow does); see the
    /// [module docs](self).
    ///
    /// # Errors
    ///
    /// Any verification error of the token (see [`crate::verify`]);
    /// [`TokenError::Expired`] if its family has reached the maximum session
    /// length; [`TokenError::ReuseDetected`] if it had already been used
    /// (the family is now revoked); [`TokenError::Revoked`] if its family is
    /// unknown, revoked or expired in the store; [`TokenError::Store`] if
    /// the store fails.
    pub async fn rotate(&self, refresh_token: &str) -> Result<TokenPair, TokenError> {
        let claims = self.verifier.verify_refresh(refresh_token)?;
        let subject = claims.to_subject();
        self.rotate_verified(claims, &subject, None).await
    }

    /// Rotate `refresh_token`, issuing the new pair for `subject` as it is
    /// now (for example with roles reloaded from the user store), with
    /// `custom` claims in the access token. `subject.id()` must be the
    /// token's `sub`.
    ///
    /// # Errors
    ///
    /// As [`rotate`](Self::rotate); [`TokenError::SubjectMismatch`] (before
    /// the store is touched) if `subject` is another user;
    /// [`TokenError::Config`] for custom claims that are not a JSON object
    /// or reuse a reserved name.
    pub async fn rotate_with<C: Serialize + Sync>(
        &self,
        refresh_token: &str,
        subject: &Subject,
        custom: &C,
    ) -> Result<TokenPair, TokenError> {
        let custom = custom_object(custom)?;
        let claims = self.verifier.verify_refresh(refresh_token)?;
        if claims.subject() != subject.id() {
            return Err(TokenError::SubjectMismatch);
        }
        self.rotate_verified(claims, subject, Some(custom)).await
    }

    async fn rotate_verified(
        &self,
        presented: RefreshClaims,
        subject: &Subject,
        custom: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<TokenPair, TokenError> {
        let now = self.issuer.clock().now();
        let session_end = presented.auth_time.saturating_add(self.max_session);
        if session_end <= now {
            return Err(TokenError::Expired);
        }
        let next = self.issuer.refresh_claims(
            subject,
            &presented.fam,
            now,
            presented.auth_time,
            session_end,
        );
        // Sign before recording: if signing failed after the store had
        // rotated, the client would be left holding a used token.
        let refresh = self.issuer.sign_refresh(&next)?;
        let access = self.issuer.issue_access_object(subject, custom)?;
        let rotation = Rotation::new(
            presented.fam.clone(),
            presented.jti,
            next.jti,
            next.exp,
            now,
            self.grace,
        );
        match self.store.rotate(&rotation).await? {
            RotateOutcome::Rotated => Ok(TokenPair {
                access,
                refresh,
                family: presented.fam,
            }),
            RotateOutcome::ReuseDetected => Err(TokenError::ReuseDetected(ReuseDetected::new(
                presented.sub,
                presented.fam,
            ))),
            RotateOutcome::Inactive => Err(TokenError::Revoked),
        }
    }

    /// Verify `refresh_token` as a JWT and return its claims, **without**
    /// consulting the store: a used or revoked token passes. Use it to learn
    /// whose token it is (to reload the user before
    /// [`rotate_with`](Self::rotate_with)), never as proof that it may be
    /// used.
    ///
    /// # Errors
    ///
    /// Any verification error of the token (see [`crate::verify`]).
    pub fn inspect(&self, refresh_token: &str) -> Result<RefreshClaims, TokenError> {
        self.verifier.verify_refresh(refresh_token)
    }

    /// Log out: revoke the family of `refresh_token` (any validly signed,
    /// unexpired token of the family, used or not). Idempotent.
    ///
    /// # Errors
    ///
    /// Any verification error of the token; [`TokenError::Store`] if the
    /// store fails.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), TokenError> {
        let claims = self.verifier.verify_refresh(refresh_token)?;
        self.store.revoke_family(&claims.fam).await?;
        Ok(())
    }

    /// Revoke the family `family`; whether an active family was revoked.
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the store fails.
    pub async fn revoke_family(&self, family: &FamilyId) -> Result<bool, TokenError> {
        Ok(self.store.revoke_family(family).await?)
    }

    /// Revoke every family of `user_id` (password change, account disabled,
    /// admin action); how many were active.
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the store fails.
    pub async fn revoke_user(&self, user_id: &str) -> Result<u64, TokenError> {
        Ok(self.store.revoke_user(user_id).await?)
    }

    /// Delete families whose last token has expired; how many. Run it
    /// periodically.
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the store fails.
    pub async fn purge_expired(&self) -> Result<u64, TokenError> {
        let now = self.issuer.clock().now();
        Ok(self.store.purge_expired(now).await?)
    }
}

impl fmt::Debug for RefreshRotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRotation")
            .field("issuer", &self.issuer)
            .field("store", &self.store)
            .field("grace", &self.grace)
            .field("max_session", &self.max_session)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RefreshRotation`]; see [`RefreshRotation::builder`].
#[derive(Debug)]
#[must_use]
pub struct RefreshRotationBuilder {
    issuer: Issuer,
    store: Arc<dyn RefreshStore>,
    grace: Duration,
    max_session: Duration,
}

impl RefreshRotationBuilder {
    /// Accept the token a rotation just replaced once more, within `grace`
    /// of that rotation (default zero: off; at most [`MAX_GRACE`]). Only the
    /// immediately preceding token of a family qualifies, only once, and it
    /// yields a fresh pair. The refresh token the first presentation
    /// produced is then no longer current: presenting it is reuse and
    /// revokes the family.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The maximum session length: no refresh token of a family is valid
    /// after `max_session` from its login, however often the family is
    /// rotated (default [`DEFAULT_MAX_SESSION`], 30 days; 1 second to
    /// [`MAX_SESSION`], 90 days; whole seconds). Choose 12 hours for
    /// applications at ASVS level 2 or 3.
    ///
    /// Lowering it applies to running families at once: a refresh token
    /// whose `exp` lies beyond `auth_time` plus the new limit (plus leeway)
    /// is refused with [`TokenError::LifetimeTooLong`], and its user logs
    /// in again. Raising it never extends a running family past the limit
    /// its store recorded at login.
    pub fn with_max_session(mut self, max_session: Duration) -> Self {
        self.max_session = max_session;
        self
    }

    /// The rotation. Refresh tokens are verified with the issuer's keys,
    /// `iss`, refresh audience and clock, the default leeway, and the
    /// maximum session length.
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if the grace window exceeds [`MAX_GRACE`] or
    /// the maximum session length is zero or exceeds [`MAX_SESSION`].
    pub fn build(self) -> Result<RefreshRotation, TokenError> {
        if self.grace > MAX_GRACE {
            return Err(TokenError::Config {
                reason: "grace window must be at most 60 seconds",
            });
        }
        if self.max_session.as_secs() == 0 || self.max_session > MAX_SESSION {
            return Err(TokenError::Config {
                reason: "maximum session length must be 1 second to 90 days",
            });
        }
        let verifier = Verifier::builder(
            Arc::clone(self.issuer.keys()),
            self.issuer.issuer().to_owned(),
            self.issuer.refresh_audience().to_owned(),
        )
        .with_clock(Arc::clone(self.issuer.clock()))
        .with_max_session(self.max_session)
        .build()?;
        Ok(RefreshRotation {
            issuer: self.issuer,
            verifier,
            store: self.store,
            grace: secs(self.grace),
            max_session: secs(self.max_session),
        })
    }
}

//! An optional denylist of access tokens, keyed by `(iss, jti)`, for
//! revoking an access token before it expires (for example at logout).
//!
//! Access tokens are stateless and short-lived; most services need no
//! denylist. A service that does wraps its [`Verifier`] in a
//! [`DenylistVerifier`], whose `verify_access` checks the signature and
//! claims first and asks the denylist only for tokens that are otherwise
//! valid.
//!
//! An entry must outlive its token as *any* verifier sees it: a verifier
//! accepts a token until `exp` plus its leeway, so an entry that lapsed at
//! `exp` would let a denied token through again for the leeway. Entries
//! therefore last until [`deny_until`]`(exp)` = `exp` + [`MAX_LEEWAY`]
//! (5 minutes, the largest leeway any [`Verifier`] can be built with), so
//! every verifier sharing the list, whatever its leeway, refuses the token
//! until it would refuse it as expired anyway. The list stays as small as
//! the set of revoked tokens that are unexpired or expired for less than
//! 5 minutes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::claims::AccessClaims;
use crate::clock::secs;
use crate::verify::{MAX_LEEWAY, Verifier};
use crate::{StoreError, TokenError};

/// Until when a token whose `exp` is `exp` must stay denied: `exp` plus
/// [`MAX_LEEWAY`] (saturating), the last second at which any verifier could
/// still accept it. [`DenylistVerifier::deny`] passes this to
/// [`AccessDenylist::deny`]; a caller of the trait should too.
///
/// ```
/// use opsguard_token::denylist::deny_until;
///
/// assert_eq!(deny_until(1_700_000_000), 1_700_000_300);
/// assert_eq!(deny_until(i64::MAX), i64::MAX);
/// ```
#[must_use]
pub fn deny_until(exp: i64) -> i64 {
    exp.saturating_add(secs(MAX_LEEWAY))
}

/// Where denied access tokens are remembered.
///
/// Each operation must be atomic for its key; `deny` followed by
/// `is_denied` of the same key from any instance must see the entry.
///
/// The store compares times only: the `until` it is given already includes
/// the verifiers' leeway ([`deny_until`]: the token's `exp` plus
/// [`MAX_LEEWAY`]), so an entry counts while `until > now` and may be
/// deleted once `until <= now`. A SQL table with primary key `(iss, jti)`
/// and a column `until`, or a Redis key `deny:{iss}:{jti}` set with
/// `SET ... EXAT until` (expiring exactly at `until`, never at the token's
/// bare `exp`), both fit.
#[async_trait]
pub trait AccessDenylist: Send + Sync + fmt::Debug {
    /// Deny the token `(issuer, jti)` until `until` ([`deny_until`] of its
    /// `exp`, not the bare `exp`). Denying twice is not an error; the later
    /// `until` wins.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn deny(&self, issuer: &str, jti: &str, until: i64) -> Result<(), StoreError>;

    /// Whether `(issuer, jti)` is denied at `now`: an entry counts while
    /// `until > now`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn is_denied(&self, issuer: &str, jti: &str, now: i64) -> Result<bool, StoreError>;

    /// Delete entries with `until <= now` (no verifier accepts their token
    /// any more); how many.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
}

/// An in-process [`AccessDenylist`]: a map behind one mutex, never held
/// across an `.await`.
#[derive(Debug, Default)]
pub struct MemoryDenylist {
    entries: Mutex<Entries>,
}

/// `(iss, jti)` → until when it is denied.
type Entries = HashMap<(String, String), i64>;

impl MemoryDenylist {
    /// An empty denylist.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Entries>, StoreError> {
        self.entries
            .lock()
            .map_err(|_| StoreError::internal("denylist lock poisoned"))
    }
}

#[async_trait]
impl AccessDenylist for MemoryDenylist {
    async fn deny(&self, issuer: &str, jti: &str, until: i64) -> Result<(), StoreError> {
        let mut entries = self.lock()?;
        let entry = entries
            .entry((issuer.to_owned(), jti.to_owned()))
            .or_insert(until);
        *entry = (*entry).max(until);
        Ok(())
    }

    async fn is_denied(&self, issuer: &str, jti: &str, now: i64) -> Result<bool, StoreError> {
        let entries = self.lock()?;
        let key = (issuer.to_owned(), jti.to_owned());
        Ok(entries.get(&key).is_some_and(|&until| until > now))
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut entries = self.lock()?;
        let before = entries.len();
        entries.retain(|_, until| *until > now);
        Ok(u64::try_from(before.saturating_sub(entries.len())).unwrap_or(u64::MAX))
    }
}

/// A [`Verifier`] whose access tokens are also checked against an
/// [`AccessDenylist`].
///
/// ```
/// use std::sync::Arc;
/// use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject, TokenError};
/// use opsguard_token::denylist::{DenylistVerifier, MemoryDenylist};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::EdDsa)?).build()?;
/// let issuer = Issuer::builder(keys, "https://auth.example", "api").build()?;
/// let verifier = DenylistVerifier::new(issuer.verifier()?, Arc::new(MemoryDenylist::new()));
///
/// let token = issuer.issue_access(&Subject::new("42", "alice"))?;
/// let claims = verifier.verify_access(token.expose_secret()).await?;
/// verifier.deny(&claims).await?;
/// assert!(matches!(
///     verifier.verify_access(token.expose_secret()).await,
///     Err(TokenError::Denied)
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DenylistVerifier {
    verifier: Verifier,
    denylist: Arc<dyn AccessDenylist>,
}

impl DenylistVerifier {
    /// `verifier`, with `denylist` consulted for every access token that is
    /// otherwise valid.
    #[must_use]
    pub fn new(verifier: Verifier, denylist: Arc<dyn AccessDenylist>) -> Self {
        Self { verifier, denylist }
    }

    /// Verify an access token, then check the denylist.
    ///
    /// With a [cached](Verifier::with_cache) verifier, a token found in the
    /// cache skips the signature check but never this denylist check.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify_access`]; [`TokenError::Denied`] if the token is
    /// denied; [`TokenError::Store`] if the denylist fails (the token is then
    /// not accepted).
    pub async fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let claims = self.verifier.verify_access(token)?;
        self.refuse_denied(claims.issuer(), claims.jwt_id()).await?;
        Ok(claims)
    }

    /// [`verify_access`](Self::verify_access) with custom claims `C`.
    ///
    /// # Errors
    ///
    /// As [`verify_access`](Self::verify_access).
    pub async fn verify_access_with<C: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<AccessClaims<C>, TokenError> {
        let claims = self.verifier.verify_access_with::<C>(token)?;
        self.refuse_denied(claims.issuer(), claims.jwt_id()).await?;
        Ok(claims)
    }

    /// [`TokenError::Denied`] if the token `(issuer, jti)` is denied now.
    async fn refuse_denied(&self, issuer: &str, jti: &str) -> Result<(), TokenError> {
        let now = self.verifier.clock().now();
        if self.denylist.is_denied(issuer, jti, now).await? {
            return Err(TokenError::Denied);
        }
        Ok(())
    }

    /// Deny the token these claims came from until no verifier can accept
    /// it any more: [`deny_until`] of its `exp` (`exp` + [`MAX_LEEWAY`]).
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the denylist fails.
    pub async fn deny<C: Sync>(&self, claims: &AccessClaims<C>) -> Result<(), TokenError> {
        self.denylist
            .deny(
                claims.issuer(),
                claims.jwt_id(),
                deny_until(claims.expires_at()),
            )
            .await?;
        Ok(())
    }

    /// Delete entries that no longer matter (denied until a time that has
    /// passed); how many.
    ///
    /// # Errors
    ///
    /// [`TokenError::Store`] if the denylist fails.
    pub async fn purge_expired(&self) -> Result<u64, TokenError> {
        let now = self.verifier.clock().now();
        Ok(self.denylist.purge_expired(now).await?)
    }

    /// The wrapped verifier.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

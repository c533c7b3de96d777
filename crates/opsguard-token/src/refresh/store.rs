//! The storage contract of refresh-token rotation.

use std::fmt;

use async_trait::async_trait;

use crate::StoreError;
use crate::claims::FamilyId;

/// Where refresh-token families live: in memory for one process
/// ([`MemoryRefreshStore`](super::MemoryRefreshStore)), in SQL or Redis when
/// several instances share them.
///
/// A family is one login's chain of refresh tokens. The store keeps, per
/// family: the user id, the `jti` of the one current token, the `jti` of the
/// token it replaced and when (for the grace window; cleared once the grace
/// has been used), the expiry, the absolute end set at creation that the
/// expiry never passes (the maximum session length), and whether the family
/// is revoked. It never stores a token.
///
/// # Atomicity (every implementation must give it)
///
/// [`rotate`](RefreshStore::rotate) is a single atomic step: read the family,
/// decide, and write the decision, with no other `rotate`, `revoke_*` or
/// `purge_expired` of that family in between. When several callers present
/// the same token at once, exactly one of them sees
/// [`RotateOutcome::Rotated`] (with the default grace window of zero). The
/// other operations must be atomic per family as well. Ways to get this:
///
/// * in memory: one mutex around the map, held without an `.await`;
/// * SQL: one conditional `UPDATE ... WHERE family_id = $1 AND NOT revoked
///   AND expires_at > $now` whose `SET` uses `CASE` on
///   `current_jti = $presented` (and on the grace condition) and whose
///   `RETURNING` tells which branch ran; or `SELECT ... FOR UPDATE` and the
///   `UPDATE` in one transaction;
/// * Redis: one Lua script per operation (`EVALSHA`), which Redis runs
///   atomically.
///
/// # Decision table of `rotate`
///
/// | family state | presented `jti` | outcome | write |
/// |---|---|---|---|
/// | missing, revoked, `expires_at <= now` or `max_expires_at <= now` | any | [`Inactive`](RotateOutcome::Inactive) | none |
/// | active | = current | [`Rotated`](RotateOutcome::Rotated) | current := next, previous := presented, rotated_at := now, expires_at := min(next_expires_at, max_expires_at) |
/// | active, `grace_secs > 0` | = previous (not null) and `now < rotated_at + grace_secs` | [`Rotated`](RotateOutcome::Rotated) | current := next, **previous := null** (the grace is used up), expires_at := min(next_expires_at, max_expires_at); rotated_at unchanged |
/// | active | anything else | [`ReuseDetected`](RotateOutcome::ReuseDetected) | revoked := true |
///
/// Only tokens whose signature, issuer, audience and expiry were verified
/// reach the store, so "anything else" means an older token of the family:
/// a replay (RFC 9700 §4.14.2). Clearing `previous` in the grace row makes
/// the grace single-use: a second retry of the same token, or two retries
/// racing, find it neither current nor previous and revoke the family.
/// `expires_at` never exceeds `max_expires_at`, whatever a caller passes
/// as `next_expires_at`.
#[async_trait]
pub trait RefreshStore: Send + Sync + fmt::Debug {
    /// Record a new family whose current token is `family.jti`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails (or, for a family id that already
    /// exists, which a random 128-bit id makes impossible in practice,
    /// [`StoreError::internal`]).
    async fn create(&self, family: &NewFamily) -> Result<(), StoreError>;

    /// Decide and record one rotation, atomically (see the trait docs).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails; the family must then be left
    /// as it was.
    async fn rotate(&self, rotation: &Rotation) -> Result<RotateOutcome, StoreError>;

    /// Revoke one family (logout). Returns whether an active family was
    /// revoked; revoking an unknown or already revoked family is not an
    /// error.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn revoke_family(&self, family: &FamilyId) -> Result<bool, StoreError>;

    /// Revoke every family of `user_id` (password change, admin action).
    /// Returns how many active families were revoked.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn revoke_user(&self, user_id: &str) -> Result<u64, StoreError>;

    /// Delete every family with `expires_at <= now`, revoked or not (its
    /// tokens have expired, so it can never be presented again; since
    /// `expires_at <= max_expires_at`, this includes every family past its
    /// maximum session length). Returns how many were deleted.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the backend fails.
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError>;
}

/// A family to record: its first refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewFamily {
    /// The family id (`fam`).
    pub family: FamilyId,
    /// The user (`sub`).
    pub user_id: String,
    /// The `jti` of the family's first token.
    pub jti: String,
    /// When the family was created (seconds since the epoch).
    pub created_at: i64,
    /// The first token's `exp`.
    pub expires_at: i64,
    /// The family's absolute end (`created_at` plus the maximum session
    /// length): no rotation moves `expires_at` past it.
    pub max_expires_at: i64,
}

impl NewFamily {
    /// A record, for store implementations' own tests.
    pub fn new(
        family: FamilyId,
        user_id: impl Into<String>,
        jti: impl Into<String>,
        created_at: i64,
        expires_at: i64,
        max_expires_at: i64,
    ) -> Self {
        Self {
            family,
            user_id: user_id.into(),
            jti: jti.into(),
            created_at,
            expires_at,
            max_expires_at,
        }
    }
}

/// One presented refresh token to rotate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation {
    /// The family of the presented token.
    pub family: FamilyId,
    /// The presented token's `jti`.
    pub presented_jti: String,
    /// The `jti` of the token that replaces it.
    pub next_jti: String,
    /// The replacement's `exp`: the family's new expiry (the store caps it
    /// at the family's `max_expires_at`).
    pub next_expires_at: i64,
    /// The current time (seconds since the epoch).
    pub now: i64,
    /// How long after a rotation the token it replaced is still accepted,
    /// once (a retry whose answer was lost); 0 disables it.
    pub grace_secs: i64,
}

impl Rotation {
    /// A request, for store implementations' own tests.
    pub fn new(
        family: FamilyId,
        presented_jti: impl Into<String>,
        next_jti: impl Into<String>,
        next_expires_at: i64,
        now: i64,
        grace_secs: i64,
    ) -> Self {
        Self {
            family,
            presented_jti: presented_jti.into(),
            next_jti: next_jti.into(),
            next_expires_at,
            now,
            grace_secs,
        }
    }
}

/// What [`RefreshStore::rotate`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RotateOutcome {
    /// The family is unknown, revoked or expired; nothing was written.
    Inactive,
    /// The presented token was not the current one (nor a grace retry): the
    /// family is now revoked.
    ReuseDetected,
    /// The presented token was accepted; `next_jti` is now current.
    Rotated,
}

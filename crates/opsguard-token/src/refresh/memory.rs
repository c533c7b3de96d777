//! The in-process [`RefreshStore`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::store::{NewFamily, RefreshStore, RotateOutcome, Rotation};
use crate::StoreError;
use crate::claims::FamilyId;

/// Refresh families in a `HashMap` behind one mutex: for a single process,
/// tests and development. Families are lost on restart (every user has to
/// log in again), and instances do not share them.
///
/// The mutex is a `std::sync::Mutex` held for a few map operations and
/// never across an `.await`, which makes every operation atomic.
#[derive(Debug, Default)]
pub struct MemoryRefreshStore {
    families: Mutex<HashMap<FamilyId, Family>>,
}

#[derive(Debug)]
struct Family {
    user_id: String,
    current_jti: String,
    previous_jti: Option<String>,
    rotated_at: i64,
    expires_at: i64,
    max_expires_at: i64,
    revoked: bool,
}

impl MemoryRefreshStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many families the store holds (active, revoked and not yet
    /// purged).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if an earlier holder of the lock panicked.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.len())
    }

    /// Whether the store holds no family.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if an earlier holder of the lock panicked.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.lock()?.is_empty())
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<FamilyId, Family>>, StoreError> {
        // No code path panics while holding the lock; if one ever did, the
        // map may be half-updated, so refuse to use it rather than guess.
        self.families
            .lock()
            .map_err(|_| StoreError::internal("refresh store lock poisoned"))
    }
}

#[async_trait]
impl RefreshStore for MemoryRefreshStore {
    async fn create(&self, family: &NewFamily) -> Result<(), StoreError> {
        let mut families = self.lock()?;
        if families.contains_key(&family.family) {
            return Err(StoreError::internal("refresh family id already exists"));
        }
        families.insert(
            family.family.clone(),
            Family {
                user_id: family.user_id.clone(),
                current_jti: family.jti.clone(),
                previous_jti: None,
                rotated_at: family.created_at,
                expires_at: family.expires_at.min(family.max_expires_at),
                max_expires_at: family.max_expires_at,
                revoked: false,
            },
        );
        Ok(())
    }

    async fn rotate(&self, rotation: &Rotation) -> Result<RotateOutcome, StoreError> {
        let mut families = self.lock()?;
        let Some(family) = families.get_mut(&rotation.family) else {
            return Ok(RotateOutcome::Inactive);
        };
        if family.revoked
            || family.expires_at <= rotation.now
            || family.max_expires_at <= rotation.now
        {
            return Ok(RotateOutcome::Inactive);
        }
        let next_expires_at = rotation.next_expires_at.min(family.max_expires_at);
        if family.current_jti == rotation.presented_jti {
            family.previous_jti = Some(std::mem::replace(
                &mut family.current_jti,
                rotation.next_jti.clone(),
            ));
            family.rotated_at = rotation.now;
            family.expires_at = next_expires_at;
            return Ok(RotateOutcome::Rotated);
        }
        let in_grace = rotation.grace_secs > 0
            && family.previous_jti.as_deref() == Some(rotation.presented_jti.as_str())
            && rotation.now < family.rotated_at.saturating_add(rotation.grace_secs);
        if in_grace {
            // Single use: the replaced token is forgotten, so presenting it
            // again is reuse.
            family.previous_jti = None;
            family.current_jti.clone_from(&rotation.next_jti);
            family.expires_at = next_expires_at;
            return Ok(RotateOutcome::Rotated);
        }
        family.revoked = true;
        Ok(RotateOutcome::ReuseDetected)
    }

    async fn revoke_family(&self, family: &FamilyId) -> Result<bool, StoreError> {
        let mut families = self.lock()?;
        Ok(match families.get_mut(family) {
            Some(f) if !f.revoked => {
                f.revoked = true;
                true
            }
            _ => false,
        })
    }

    async fn revoke_user(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut families = self.lock()?;
        let mut revoked = 0u64;
        for family in families.values_mut() {
            if family.user_id == user_id && !family.revoked {
                family.revoked = true;
                revoked = revoked.saturating_add(1);
            }
        }
        Ok(revoked)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        let mut families = self.lock()?;
        let before = families.len();
        families.retain(|_, f| f.expires_at > now);
        Ok(u64::try_from(before.saturating_sub(families.len())).unwrap_or(u64::MAX))
    }
}

//! An opt-in, bounded cache of verified tokens, so that a token presented
//! again skips the signature check and the claims decoding (Envoy's
//! `jwt_authn` filter calls the same idea `jwt_cache_config`).
//!
//! It is a memo of a pure function, not security state: an entry says "these
//! exact bytes passed steps 1–11 of [`crate::verify`] against this
//! verifier's key set and settings, and these are their claims". On every
//! hit the verifier still checks what can change with time or keys: the
//! key named by the token's `kid` is in its key set and not retired, and
//! `token_use`, `iss`, `aud`, `exp`, `nbf` and `iat` against the current
//! clock. See the crate README, "Verified-token cache", for the reasoning.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::TokenError;
use crate::claims::{AccessClaims, Registered, ServiceClaims, TokenUse};
use crate::clock::secs;

/// How many independently locked parts the cache is split into (fewer when
/// the capacity is smaller), so concurrent requests rarely wait for each
/// other.
const SHARDS: usize = 16;

/// A cache of verified tokens for one [`Verifier`](crate::Verifier); off
/// unless given to [`Verifier::with_cache`](crate::Verifier::with_cache).
///
/// Entries are keyed by the token's kind and the SHA-256 of its exact
/// bytes, and hold the verified claims and the `kid` of the key that
/// checked the signature. Only tokens that passed every check are stored,
/// never refusals. An entry lasts at most the cache's TTL, and never past
/// the token's own `exp` plus leeway. At most `capacity` entries are kept:
/// a full part first drops its stale entries, then half of the rest, picked
/// by hash order.
///
/// The cache is not `Clone`: it belongs to the verifier it is given to (and
/// that verifier's clones, which share its settings), so a token verified
/// for one issuer, audience or key set can never be served to another.
///
/// ```
/// use std::time::Duration;
/// use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
/// use opsguard_token::VerifyCache;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::EdDsa)?).build()?;
/// let issuer = Issuer::builder(keys, "https://auth.example", "jobs").build()?;
/// let verifier = issuer
///     .verifier()?
///     .with_cache(VerifyCache::new(10_000, Duration::from_secs(60))?);
///
/// let token = issuer.issue_access(&Subject::new("42", "alice"))?;
/// let first = verifier.verify_access(token.expose_secret())?; // verified in full
/// let again = verifier.verify_access(token.expose_secret())?; // from the cache
/// assert_eq!(first, again);
/// # Ok(())
/// # }
/// ```
pub struct VerifyCache {
    shards: Box<[Mutex<Shard>]>,
    /// Entries per shard; `shards.len() * per_shard <= capacity`.
    per_shard: usize,
    capacity: usize,
    /// Seconds an entry lasts at most.
    ttl: i64,
}

/// The cache key: the kind the token was verified as, and the SHA-256 of
/// its bytes. The kind is part of the key, so a token stored as one kind is
/// never found when another is asked for.
pub(crate) type Key = (TokenUse, [u8; 32]);

type Shard = HashMap<Key, Entry>;

struct Entry {
    claims: Cached,
    /// The `kid` of the key that verified the signature.
    kid: Box<str>,
    /// The first second at which the entry no longer counts: the TTL from
    /// insertion, or the token's `exp` plus leeway if sooner.
    until: i64,
}

/// The claims of the kinds the cache serves.
#[derive(Clone)]
pub(crate) enum Cached {
    Access(AccessClaims),
    Service(ServiceClaims),
}

/// A claim set the cache can hold.
pub(crate) trait Cacheable: Registered + Clone {
    fn to_cached(&self) -> Cached;
    fn from_cached(cached: &Cached) -> Option<Self>;
}

impl Cacheable for AccessClaims {
    fn to_cached(&self) -> Cached {
        Cached::Access(self.clone())
    }

    fn from_cached(cached: &Cached) -> Option<Self> {
        match cached {
            Cached::Access(claims) => Some(claims.clone()),
            Cached::Service(_) => None,
        }
    }
}

impl Cacheable for ServiceClaims {
    fn to_cached(&self) -> Cached {
        Cached::Service(self.clone())
    }

    fn from_cached(cached: &Cached) -> Option<Self> {
        match cached {
            Cached::Service(claims) => Some(claims.clone()),
            Cached::Access(_) => None,
        }
    }
}

impl VerifyCache {
    /// The capacity recommended for one service instance: 10,000 tokens
    /// (a few MiB at most).
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// The TTL recommended: 60 seconds.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

    /// The largest capacity accepted: 1,000,000 tokens.
    pub const MAX_CAPACITY: usize = 1_000_000;

    /// The longest TTL accepted: 1 hour.
    pub const MAX_TTL: Duration = Duration::from_secs(60 * 60);

    /// A cache of at most `capacity` verified tokens, each kept at most
    /// `ttl` (whole seconds) and never past its own expiry.
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if `capacity` is 0 or above
    /// [`MAX_CAPACITY`](Self::MAX_CAPACITY), or `ttl` is under a second or
    /// above [`MAX_TTL`](Self::MAX_TTL).
    pub fn new(capacity: usize, ttl: Duration) -> Result<Self, TokenError> {
        if capacity == 0 || capacity > Self::MAX_CAPACITY {
            return Err(TokenError::Config {
                reason: "verify cache capacity must be 1 to 1000000",
            });
        }
        if ttl.as_secs() == 0 || ttl > Self::MAX_TTL {
            return Err(TokenError::Config {
                reason: "verify cache ttl must be 1 second to 1 hour",
            });
        }
        let shards = SHARDS.min(capacity);
        Ok(Self {
            shards: (0..shards).map(|_| Mutex::new(Shard::new())).collect(),
            per_shard: capacity / shards,
            capacity,
            ttl: secs(ttl),
        })
    }

    /// The most tokens the cache holds.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The longest an entry is kept.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl.unsigned_abs())
    }

    /// How many tokens the cache holds now (stale ones included until they
    /// are found or evicted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .filter_map(|shard| shard.lock().ok())
            .map(|shard| shard.len())
            .sum()
    }

    /// Whether the cache holds no token.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key of `token` verified as `kind`.
    pub(crate) fn key(kind: TokenUse, token: &str) -> Key {
        (kind, Sha256::digest(token.as_bytes()).into())
    }

    /// The claims stored under `key`, if the entry still counts at `now`
    /// and `kid_accepted` says its key still verifies. An entry that no
    /// longer counts is removed.
    pub(crate) fn get<T: Cacheable>(
        &self,
        key: &Key,
        now: i64,
        kid_accepted: impl FnOnce(&str) -> bool,
    ) -> Option<T> {
        let mut shard = self.shard(key)?;
        let entry = shard.get(key)?;
        if entry.until > now
            && kid_accepted(&entry.kid)
            && let Some(claims) = T::from_cached(&entry.claims)
        {
            return Some(claims);
        }
        shard.remove(key);
        None
    }

    /// Remember `claims`, verified at `now` with the key `kid`; they stop
    /// counting at `stale_at` (the token's `exp` plus leeway) or after the
    /// TTL, whichever is sooner.
    pub(crate) fn insert(&self, key: Key, claims: Cached, kid: &str, now: i64, stale_at: i64) {
        let Some(mut shard) = self.shard(&key) else {
            return;
        };
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            shard.retain(|_, entry| entry.until > now);
            if shard.len() >= self.per_shard {
                // Keep every other entry in hash order: a random half.
                let mut n = 0_usize;
                shard.retain(|_, _| {
                    n = n.wrapping_add(1);
                    n.is_multiple_of(2)
                });
            }
        }
        let until = now.saturating_add(self.ttl).min(stale_at);
        shard.insert(
            key,
            Entry {
                claims,
                kid: kid.into(),
                until,
            },
        );
    }

    /// The locked shard of `key`; `None` if its lock is poisoned, so that
    /// the verifier falls back to a full verification.
    fn shard(&self, key: &Key) -> Option<MutexGuard<'_, Shard>> {
        let index = usize::from(key.1.first().copied().unwrap_or(0)) % self.shards.len().max(1);
        self.shards.get(index)?.lock().ok()
    }
}

impl fmt::Debug for VerifyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyCache")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::NoCustomClaims;

    fn claims(jti: &str) -> AccessClaims {
        AccessClaims {
            iss: "i".into(),
            sub: "s".into(),
            aud: vec!["a".into()],
            exp: 10_000,
            nbf: None,
            iat: 0,
            jti: jti.into(),
            token_use: TokenUse::Access,
            username: "u".into(),
            roles: Vec::new(),
            custom: NoCustomClaims {},
        }
    }

    fn fill(cache: &VerifyCache, n: usize, now: i64) {
        for i in 0..n {
            let token = format!("token-{i}");
            let key = VerifyCache::key(TokenUse::Access, &token);
            cache.insert(key, claims(&token).to_cached(), "k", now, i64::MAX);
        }
    }

    #[test]
    fn capacity_bound_holds() {
        for capacity in [1, 2, 15, 16, 17, 100, 1000] {
            let cache = VerifyCache::new(capacity, Duration::from_secs(60)).unwrap();
            fill(&cache, capacity * 10 + 7, 0);
            assert!(cache.len() <= capacity, "{capacity}: {}", cache.len());
            assert!(!cache.is_empty());
        }
    }

    #[test]
    fn stale_entries_are_dropped_before_live_ones() {
        // 16 shards of 2; three tokens of the first shard.
        let cache = VerifyCache::new(32, Duration::from_secs(60)).unwrap();
        let mut same_shard = (0..)
            .map(|i| format!("t{i}"))
            .filter(|t| VerifyCache::key(TokenUse::Access, t).1[0].is_multiple_of(16));
        let mut next = || {
            let token = same_shard.next().unwrap();
            (VerifyCache::key(TokenUse::Access, &token), token)
        };
        let (old, old_token) = next();
        let (live, live_token) = next();
        let (new, new_token) = next();
        cache.insert(old, claims(&old_token).to_cached(), "k", 0, i64::MAX);
        cache.insert(live, claims(&live_token).to_cached(), "k", 30, i64::MAX);
        // The shard is full at 60, when `old` is stale and `live` is not.
        cache.insert(new, claims(&new_token).to_cached(), "k", 60, i64::MAX);
        assert_eq!(cache.len(), 2);
        assert!(cache.get::<AccessClaims>(&old, 60, |_| true).is_none());
        let got = |key| cache.get::<AccessClaims>(key, 60, |_| true).unwrap();
        assert_eq!(got(&live).jwt_id(), live_token);
        assert_eq!(got(&new).jwt_id(), new_token);
    }

    #[test]
    fn an_entry_counts_until_its_ttl_or_stale_time() {
        let cache = VerifyCache::new(10, Duration::from_secs(60)).unwrap();
        let key = VerifyCache::key(TokenUse::Access, "t");
        cache.insert(key, claims("t").to_cached(), "k", 100, i64::MAX);
        assert!(cache.get::<AccessClaims>(&key, 159, |_| true).is_some());
        assert!(cache.get::<AccessClaims>(&key, 160, |_| true).is_none());
        // Removed, not only skipped.
        assert!(cache.get::<AccessClaims>(&key, 100, |_| true).is_none());
        assert_eq!(cache.len(), 0);

        cache.insert(key, claims("t").to_cached(), "k", 100, 130);
        assert!(cache.get::<AccessClaims>(&key, 129, |_| true).is_some());
        assert!(cache.get::<AccessClaims>(&key, 130, |_| true).is_none());
    }

    #[test]
    fn a_refused_kid_drops_the_entry() {
        let cache = VerifyCache::new(10, Duration::from_secs(60)).unwrap();
        let key = VerifyCache::key(TokenUse::Access, "t");
        cache.insert(key, claims("t").to_cached(), "old", 0, i64::MAX);
        assert!(
            cache
                .get::<AccessClaims>(&key, 1, |kid| kid == "old")
                .is_some()
        );
        assert!(
            cache
                .get::<AccessClaims>(&key, 1, |kid| kid == "new")
                .is_none()
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn the_kind_is_part_of_the_key() {
        let cache = VerifyCache::new(10, Duration::from_secs(60)).unwrap();
        let access = VerifyCache::key(TokenUse::Access, "t");
        cache.insert(access, claims("t").to_cached(), "k", 0, i64::MAX);
        let service = VerifyCache::key(TokenUse::Service, "t");
        assert_ne!(access, service);
        assert!(cache.get::<ServiceClaims>(&service, 1, |_| true).is_none());
        // Asked for the wrong claim type under the right key: a miss, and
        // the entry goes.
        assert!(cache.get::<ServiceClaims>(&access, 1, |_| true).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn settings_are_bounded() {
        let sixty = Duration::from_secs(60);
        assert!(VerifyCache::new(0, sixty).is_err());
        assert!(VerifyCache::new(VerifyCache::MAX_CAPACITY + 1, sixty).is_err());
        assert!(VerifyCache::new(1, Duration::from_millis(999)).is_err());
        assert!(VerifyCache::new(1, VerifyCache::MAX_TTL + Duration::from_secs(1)).is_err());
        let cache = VerifyCache::new(VerifyCache::MAX_CAPACITY, VerifyCache::MAX_TTL).unwrap();
        assert_eq!(cache.capacity(), VerifyCache::MAX_CAPACITY);
        assert_eq!(cache.ttl(), VerifyCache::MAX_TTL);
        assert_eq!(
            format!("{:?}", VerifyCache::new(5, sixty).unwrap()),
            "VerifyCache { capacity: 5, ttl: 60, len: 0, .. }"
        );
    }
}

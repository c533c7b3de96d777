//! Where the throttle keeps its counters: a trait for shared stores and an
//! in-memory implementation.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::StoreError;

/// The name of one counter, such as the failures of one account from one
/// client network. Stores use [`as_str`](Self::as_str) as their key.
///
/// The throttle makes its keys from a keyed hash (HMAC-SHA-256) of the
/// account name, so a key never holds a username (nor a password a user
/// typed into the username field); the client network appears in clear in
/// the keys that name only a client. Keys are ASCII, at most 90 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThrottleKey(String);

impl ThrottleKey {
    /// A key with the text `key`. The throttle makes its own keys; this is
    /// for tests of [`ThrottleStore`] implementations.
    ///
    /// ```
    /// use opsguard_auth::ThrottleKey;
    ///
    /// let key = ThrottleKey::new("client|192.0.2.1/32");
    /// assert_eq!(key.as_str(), "client|192.0.2.1/32");
    /// ```
    #[must_use]
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key as text, for example `client|192.0.2.1/32` or
    /// `acct|` followed by 64 hex digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ThrottleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The state of one counter: how many failures, and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    count: u32,
    last_failure: SystemTime,
}

impl Counter {
    /// A counter of `count` failures, the last at `last_failure`.
    #[must_use]
    pub fn new(count: u32, last_failure: SystemTime) -> Self {
        Self {
            count,
            last_failure,
        }
    }

    /// The number of failures.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// When the last failure was counted.
    #[must_use]
    pub fn last_failure(&self) -> SystemTime {
        self.last_failure
    }
}

/// Keeps the throttle's counters, so that several service instances can
/// share them (SQL and Redis stores implement it in their own crates).
///
/// Four operations, each on one key, so that a store can make each atomic
/// with one statement (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, a
/// Redis `MULTI` of `HINCRBY`/`HSET`/`PEXPIRE` or a Lua script). `now`
/// comes from the throttle's clock, so every instance and every test judges
/// expiry by the same time source.
///
/// The throttle counts an attempt *before* the password is verified
/// ([`increment`](Self::increment)), then gives the count back when the
/// attempt turns out not to be a failure ([`decrement`](Self::decrement))
/// or forgets the counter on a success ([`clear`](Self::clear)). A counter
/// at zero counts as absent.
#[async_trait]
pub trait ThrottleStore: Send + Sync + fmt::Debug {
    /// Atomically add one to the counter `key` (starting from zero when it
    /// is absent or expired), set its last failure to `now` and its expiry
    /// to `now + ttl`, and return the new state. The new count must reflect
    /// every concurrent increment of the key: two callers never both see
    /// the same count.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, StoreError>;

    /// Atomically take one off the counter `key` if it is live at `now` and
    /// above zero, leaving its last failure and expiry as they are; do
    /// nothing otherwise. (A store may delete a counter that reaches zero.)
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), StoreError>;

    /// The counter `key`, or `None` when it is absent or expired at `now`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached.
    async fn read(&self, key: &ThrottleKey, now: SystemTime)
    -> Result<Option<Counter>, StoreError>;

    /// Remove the counter `key`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached or written.
    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError>;
}

/// The counters of one process, in a map behind a mutex. Expired entries
/// are swept whenever the map has doubled since the last sweep, so memory
/// stays proportional to the counters alive within their windows.
///
/// `Debug` shows how many counters are held, never their keys.
#[derive(Default)]
pub struct MemoryThrottleStore {
    inner: Mutex<MemoryInner>,
}

impl fmt::Debug for MemoryThrottleStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryThrottleStore")
            .field("counters", &self.len())
            .finish()
    }
}

#[derive(Default)]
struct MemoryInner {
    map: HashMap<ThrottleKey, Entry>,
    sweep_at: usize,
}

#[derive(Clone, Copy)]
struct Entry {
    counter: Counter,
    /// `None` when `now + ttl` does not fit in a `SystemTime`: never.
    expires: Option<SystemTime>,
}

impl Entry {
    fn is_live(&self, now: SystemTime) -> bool {
        self.expires.is_none_or(|expires| expires > now)
    }
}

/// The smallest map size at which expired entries are swept.
const MIN_SWEEP: usize = 1024;

impl MemoryThrottleStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many counters are held, expired ones included until the next
    /// sweep.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    /// Whether no counter is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl ThrottleStore for MemoryThrottleStore {
    async fn increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, StoreError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.map.len() >= inner.sweep_at.max(MIN_SWEEP) {
            inner.map.retain(|_, entry| entry.is_live(now));
            inner.sweep_at = inner.map.len().saturating_mul(2);
        }
        let previous = inner
            .map
            .get(key)
            .filter(|entry| entry.is_live(now))
            .map_or(0, |entry| entry.counter.count);
        let counter = Counter::new(previous.saturating_add(1), now);
        let expires = now.checked_add(ttl);
        inner.map.insert(key.clone(), Entry { counter, expires });
        Ok(counter)
    }

    async fn decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), StoreError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let remaining = match inner.map.get_mut(key) {
            Some(entry) if entry.is_live(now) && entry.counter.count > 0 => {
                entry.counter.count -= 1;
                entry.counter.count
            }
            _ => return Ok(()),
        };
        if remaining == 0 {
            inner.map.remove(key);
        }
        Ok(())
    }

    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(inner
            .map
            .get(key)
            .filter(|entry| entry.is_live(now))
            .map(|entry| entry.counter))
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    /// A minimal executor: the memory store never awaits anything, so the
    /// first poll completes every call.
    fn block_on<F: Future>(future: F) -> F::Output {
        use std::pin::pin;
        use std::task::{Context, Poll, Waker};
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn expired_entries_are_swept_when_the_map_doubles() {
        let store = MemoryThrottleStore::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ttl = Duration::from_secs(10);
        for n in 0..MIN_SWEEP {
            let key = ThrottleKey::new(format!("k{n}"));
            block_on(store.increment(&key, t0, ttl)).unwrap();
        }
        assert_eq!(store.len(), MIN_SWEEP);
        let later = t0 + ttl;
        let fresh = ThrottleKey::new("fresh");
        block_on(store.increment(&fresh, later, ttl)).unwrap();
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn increment_restarts_after_expiry_and_read_respects_it() {
        let store = MemoryThrottleStore::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ttl = Duration::from_secs(10);
        let key = ThrottleKey::new("k");
        assert_eq!(block_on(store.increment(&key, t0, ttl)).unwrap().count(), 1);
        let t1 = t0 + Duration::from_secs(9);
        let counter = block_on(store.increment(&key, t1, ttl)).unwrap();
        assert_eq!((counter.count(), counter.last_failure()), (2, t1));
        // The expiry slides with each increment.
        assert!(
            block_on(store.read(&key, t1 + Duration::from_secs(9)))
                .unwrap()
                .is_some()
        );
        assert!(block_on(store.read(&key, t1 + ttl)).unwrap().is_none());
        assert_eq!(
            block_on(store.increment(&key, t1 + ttl, ttl))
                .unwrap()
                .count(),
            1
        );
        block_on(store.clear(&key)).unwrap();
        assert!(store.is_empty());
    }

    #[test]
    fn decrement_gives_one_back_keeps_the_stamp_and_forgets_at_zero() {
        let store = MemoryThrottleStore::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ttl = Duration::from_secs(10);
        let key = ThrottleKey::new("k");
        block_on(store.increment(&key, t0, ttl)).unwrap();
        block_on(store.increment(&key, t0, ttl)).unwrap();
        let t1 = t0 + Duration::from_secs(5);
        block_on(store.decrement(&key, t1)).unwrap();
        assert_eq!(
            block_on(store.read(&key, t1)).unwrap(),
            Some(Counter::new(1, t0))
        );
        block_on(store.decrement(&key, t1)).unwrap();
        assert!(store.is_empty());
        // Nothing to take from: absent or expired counters stay as they are.
        block_on(store.decrement(&key, t1)).unwrap();
        block_on(store.increment(&key, t0, ttl)).unwrap();
        block_on(store.decrement(&key, t0 + ttl)).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(
            block_on(store.increment(&key, t0 + ttl, ttl))
                .unwrap()
                .count(),
            1
        );
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let store = MemoryThrottleStore::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let key = ThrottleKey::new("acct|hunter2-typed-as-a-username");
        block_on(store.increment(&key, t0, Duration::from_secs(10))).unwrap();
        let shown = format!("{store:?}");
        assert_eq!(shown, "MemoryThrottleStore { counters: 1 }");
    }

    #[test]
    fn a_ttl_beyond_the_representable_time_never_expires() {
        let store = MemoryThrottleStore::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let key = ThrottleKey::new("k");
        block_on(store.increment(&key, t0, Duration::MAX)).unwrap();
        let far = t0 + Duration::from_secs(1 << 40);
        assert!(block_on(store.read(&key, far)).unwrap().is_some());
    }
}

//! Hashing off the async executor, bounded in concurrency.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::SecretString;
use tokio::sync::Semaphore;

use crate::{Error, Hasher, Outcome, Result, Verification};

/// A [`Hasher`] for async code: every hash and verification runs on tokio's
/// blocking thread pool (`spawn_blocking`), never on an executor thread, and
/// at most `permits` of them run at once.
///
/// The permit bound is the memory bound: a flood of logins uses at most
/// `permits ×` the largest `m` among the hashes being computed. New hashes
/// and current users cost the hasher's own `m` (19 MiB × the CPU count with
/// the defaults), but a stored hash with larger parameters is verified at
/// its own `m`, up to the [`ParamCeiling`](crate::ParamCeiling)'s memory
/// (256 MiB by default), so the worst case is `permits ×` the ceiling's
/// memory: lower the ceiling to what you actually store. A permit is held
/// by the blocking task itself, so a request future that is dropped
/// mid-hash (client went away) keeps its permit until the hash really
/// finishes.
///
/// Requests beyond the permits wait in a queue, by default without a
/// bound (each waiting request holds only its password copy and its
/// future). [`with_queue_limit`](Self::with_queue_limit) bounds it: a
/// request finding the queue full gets [`Error::Busy`] at once, a 503 to
/// the client, instead of waiting behind a login flood.
///
/// Cloning is cheap (two [`Arc`]s); clones share the permits.
///
/// ```
/// use opsguard_password::{Argon2Params, AsyncHasher, Hasher, Verification};
/// use secrecy::SecretString;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let hasher = Hasher::builder()
///     .with_argon2id(Argon2Params::new(64, 1, 1))
///     .dangerous_allow_weak_params()
///     .build()?;
/// let hasher = AsyncHasher::new(hasher);
/// let password = SecretString::from("correct horse battery staple");
/// let stored = hasher.hash(&password).await?;
/// assert!(hasher.verify(&password, &stored).await?.is_match());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub struct AsyncHasher {
    hasher: Hasher,
    permits: Arc<Semaphore>,
    max_permits: usize,
    /// Requests waiting for a permit now (shared by clones).
    waiting: Arc<AtomicUsize>,
    queue_limit: Option<usize>,
}

impl AsyncHasher {
    /// `hasher` with as many permits as [available
    /// parallelism](std::thread::available_parallelism) (1 if it cannot be
    /// read).
    #[must_use]
    pub fn new(hasher: Hasher) -> Self {
        let cpus = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        Self::with_permits(hasher, cpus)
    }

    /// `hasher` with `permits` concurrent hashes at most (capped at tokio's
    /// [`Semaphore::MAX_PERMITS`]).
    #[must_use]
    pub fn with_permits(hasher: Hasher, permits: NonZeroUsize) -> Self {
        let max_permits = permits.get().min(Semaphore::MAX_PERMITS);
        Self {
            hasher,
            permits: Arc::new(Semaphore::new(max_permits)),
            max_permits,
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_limit: None,
        }
    }

    /// At most `limit` requests wait for a permit; one more gets
    /// [`Error::Busy`] without waiting (0: no request waits at all).
    /// Without this the queue is unbounded.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use opsguard_password::{AsyncHasher, Hasher};
    ///
    /// let permits = NonZeroUsize::new(4).unwrap_or(NonZeroUsize::MIN);
    /// let pool = AsyncHasher::with_permits(Hasher::new(), permits).with_queue_limit(64);
    /// assert_eq!(pool.queue_limit(), Some(64));
    /// ```
    #[must_use]
    pub fn with_queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// The most requests that wait for a permit, if bounded.
    #[must_use]
    pub fn queue_limit(&self) -> Option<usize> {
        self.queue_limit
    }

    /// The wrapped synchronous hasher.
    #[must_use]
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The most hashes that run at once.
    #[must_use]
    pub fn max_permits(&self) -> usize {
        self.max_permits
    }

    /// [`Hasher::hash`] on the blocking pool.
    ///
    /// # Errors
    ///
    /// Those of [`Hasher::hash`], [`Error::TaskFailed`] if the blocking
    /// task panicked or the runtime is shutting down, and [`Error::Busy`]
    /// when the queue is full (see [`with_queue_limit`](Self::with_queue_limit)).
    pub async fn hash(&self, password: &SecretString) -> Result<String> {
        let password = password.clone();
        self.run(move |h| h.hash(&password)).await
    }

    /// [`Hasher::verify`] on the blocking pool.
    ///
    /// # Errors
    ///
    /// Those of [`Hasher::verify`], [`Error::TaskFailed`] and
    /// [`Error::Busy`].
    pub async fn verify(&self, password: &SecretString, stored: &str) -> Result<Verification> {
        let password = password.clone();
        let stored = stored.to_owned();
        self.run(move |h| h.verify(&password, &stored)).await
    }

    /// [`Hasher::verify_and_update`] on the blocking pool.
    ///
    /// # Errors
    ///
    /// Those of [`Hasher::verify_and_update`], [`Error::TaskFailed`] and
    /// [`Error::Busy`].
    pub async fn verify_and_update(
        &self,
        password: &SecretString,
        stored: &str,
    ) -> Result<Outcome> {
        let password = password.clone();
        let stored = stored.to_owned();
        self.run(move |h| h.verify_and_update(&password, &stored))
            .await
    }

    /// [`Hasher::verify_unknown_user`] on the blocking pool, behind the same
    /// permits as real verifications so it costs what they cost.
    ///
    /// # Errors
    ///
    /// [`Error::TaskFailed`] and [`Error::Busy`] only.
    pub async fn verify_unknown_user(&self, password: &SecretString) -> Result<Verification> {
        let password = password.clone();
        self.run(move |h| Ok(h.verify_unknown_user(&password)))
            .await
    }

    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher) -> Result<T> + Send + 'static,
    {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::Closed) => return Err(Error::TaskFailed),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let _waiting = self.enter_queue()?;
                Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|_| Error::TaskFailed)?
            }
        };
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&hasher)
        })
        .await
        .map_err(|_| Error::TaskFailed)?
    }
}

impl AsyncHasher {
    /// Counts this request as waiting, or refuses it when the queue is
    /// full. The count drops when the guard does, also when the request
    /// future is dropped while it waits.
    fn enter_queue(&self) -> Result<Waiting> {
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = Waiting(Arc::clone(&self.waiting));
        match self.queue_limit {
            Some(limit) if before >= limit => Err(Error::Busy),
            _ => Ok(guard),
        }
    }
}

/// One waiting request; see [`AsyncHasher::enter_queue`].
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl fmt::Debug for AsyncHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncHasher")
            .field("hasher", &self.hasher)
            .field("max_permits", &self.max_permits)
            .field("available_permits", &self.permits.available_permits())
            .field("queue_limit", &self.queue_limit)
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::Argon2Params;

    fn fast(permits: usize) -> AsyncHasher {
        let hasher = Hasher::builder()
            .with_argon2id(Argon2Params::new(32, 1, 1))
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        AsyncHasher::with_permits(hasher, NonZeroUsize::new(permits).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_permits_hashes_run_at_once() {
        let pool = fast(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (pool, running, peak) = (pool.clone(), Arc::clone(&running), Arc::clone(&peak));
            tasks.push(tokio::spawn(async move {
                pool.run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "{peak} ran at once");
        assert_eq!(pool.permits.available_permits(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_ends() {
        let pool = fast(1);
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let request = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_| {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        // The client goes away mid-hash.
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        // The hash is still running, so its permit is still taken.
        assert_eq!(pool.permits.available_permits(), 0);
        release_tx.send(()).unwrap();
        // Once it ends the permit comes back; this wait has no deadline to
        // meet, only a bound so a bug cannot hang the suite.
        let back = tokio::time::timeout(Duration::from_secs(30), async {
            while pool.permits.available_permits() == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(back.is_ok());
        assert!(
            pool.verify_unknown_user(&SecretString::from("x"))
                .await
                .is_ok()
        );
    }

    /// The work runs on another thread than the executor's, on a
    /// single-threaded runtime too. (This replaced a test that raced a
    /// ticker task against the hash: it failed about one run in fifteen
    /// whenever the hash ended before the ticker got its turn.)
    #[tokio::test(flavor = "current_thread")]
    async fn work_never_runs_on_the_executor_thread() {
        let pool = fast(2);
        let executor = std::thread::current().id();
        for _ in 0..3 {
            let worker = pool.run(|_| Ok(std::thread::current().id())).await.unwrap();
            assert_ne!(worker, executor);
        }
        let password = SecretString::from("correct horse");
        let stored = pool.hasher().hash(&password).unwrap();
        assert_eq!(
            pool.verify(&password, &stored).await,
            Ok(Verification::Match {
                needs_rehash: false
            })
        );
    }

    /// Review F9: the queue in front of the permits was unbounded. With a
    /// limit, a request finding it full is refused at once with `Busy`,
    /// and a waiter that goes away frees its place.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn f9_a_full_queue_answers_busy_without_waiting() {
        let pool = fast(1).with_queue_limit(1);
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let running = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_| {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        let pw = SecretString::from("x");
        let queued = {
            let pool = pool.clone();
            let pw = pw.clone();
            tokio::spawn(async move { pool.verify_unknown_user(&pw).await })
        };
        wait_until(|| pool.waiting.load(Ordering::SeqCst) == 1).await;
        // The permit is taken and the one queue place too.
        assert_eq!(pool.verify_unknown_user(&pw).await, Err(Error::Busy));
        assert_eq!(pool.hash(&pw).await, Err(Error::Busy));
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 1);
        // A waiter that goes away gives its place back.
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
        let queued = {
            let pool = pool.clone();
            let pw = pw.clone();
            tokio::spawn(async move { pool.verify_unknown_user(&pw).await })
        };
        wait_until(|| pool.waiting.load(Ordering::SeqCst) == 1).await;
        release_tx.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(()));
        assert_eq!(queued.await.unwrap(), Ok(Verification::Mismatch));
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
        // Without a limit nothing is refused.
        assert_eq!(fast(1).queue_limit(), None);
    }

    /// Polls `done` until it holds; no deadline to meet, only a bound so a
    /// bug cannot hang the suite.
    async fn wait_until(done: impl Fn() -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(30), async {
            while !done() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(reached.is_ok());
    }

    #[test]
    fn permits_are_capped_at_tokio_maximum() {
        let hasher = Hasher::new();
        let pool = AsyncHasher::with_permits(hasher, NonZeroUsize::MAX);
        assert_eq!(pool.max_permits(), Semaphore::MAX_PERMITS);
        let default = AsyncHasher::new(Hasher::new());
        assert_eq!(
            default.max_permits(),
            std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
        );
    }
}

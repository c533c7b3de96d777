//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// Every tracing event written while a [`Captured`] guard is alive on this
/// thread, as JSON lines, at every level.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Installs a subscriber capturing everything for the current thread
    /// until the guard is dropped.
    pub fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(captured.clone())
            .with_target(true)
            .with_current_span(true)
            .with_span_list(true)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (captured, guard)
    }
}

pub struct CapturedWriter(Arc<Mutex<Vec<u8>>>);

impl io::Write for CapturedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = CapturedWriter;

    fn make_writer(&'a self) -> Self::Writer {
        CapturedWriter(Arc::clone(&self.0))
    }
}

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use opsguard_auth::{
    Authenticator, ClientInfo, ManualClock, MemoryDirectory, MemorySink, MemoryThrottleStore,
    PasswordCheck, Throttle, ThrottlePolicy, ThrottleStore, UserRecord,
};
use opsguard_password::{Argon2Params, AsyncHasher, Hasher, Outcome};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey};
use secrecy::SecretString;

/// Something to run once, right after the next real verification (to
/// change the directory while a login is verifying, say).
type Hook = Box<dyn FnOnce() + Send>;

/// Counts the password verifications the flow asks for.
pub struct CountingCheck {
    inner: AsyncHasher,
    pub real: AtomicUsize,
    pub dummy: AtomicUsize,
    /// When set, every verification answers `Busy` (a full hashing queue).
    pub busy: AtomicBool,
    after_verify: Mutex<Option<Hook>>,
}

impl std::fmt::Debug for CountingCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingCheck").finish_non_exhaustive()
    }
}

impl CountingCheck {
    /// Runs `hook` once, after the next real verification and before the
    /// flow sees its outcome.
    pub fn after_next_verify(&self, hook: impl FnOnce() + Send + 'static) {
        *self.after_verify.lock().unwrap() = Some(Box::new(hook));
    }

    pub fn counts(&self) -> (usize, usize) {
        (
            self.real.load(Ordering::SeqCst),
            self.dummy.load(Ordering::SeqCst),
        )
    }
}

#[async_trait]
impl PasswordCheck for CountingCheck {
    async fn verify_and_update(
        &self,
        password: &SecretString,
        stored: &str,
    ) -> Result<Outcome, opsguard_password::Error> {
        if self.busy.load(Ordering::SeqCst) {
            return Err(opsguard_password::Error::Busy);
        }
        self.real.fetch_add(1, Ordering::SeqCst);
        let outcome = self.inner.verify_and_update(password, stored).await;
        let hook = self.after_verify.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
        outcome
    }

    async fn verify_unknown_user(
        &self,
        password: &SecretString,
    ) -> Result<(), opsguard_password::Error> {
        if self.busy.load(Ordering::SeqCst) {
            return Err(opsguard_password::Error::Busy);
        }
        self.dummy.fetch_add(1, Ordering::SeqCst);
        self.inner.verify_unknown_user(password).await.map(|_| ())
    }
}

/// Fast test parameters (never use them in production).
pub fn test_hasher() -> Hasher {
    Hasher::builder()
        .with_argon2id(Argon2Params::new(64, 1, 1))
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

pub const ALICE_PASSWORD: &str = "plum kettle orbit saffron";

pub struct Fixture {
    pub auth: Authenticator,
    pub directory: Arc<MemoryDirectory>,
    pub audit: Arc<MemorySink>,
    pub check: Arc<CountingCheck>,
    pub clock: Arc<ManualClock>,
    pub signing_key_b64: SecretString,
    pub hasher: Hasher,
}

pub fn client() -> ClientInfo {
    ClientInfo::new("198.51.100.7".parse().unwrap()).with_request_id("req-1")
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_policy(ThrottlePolicy::default())
    }

    pub fn with_policy(policy: ThrottlePolicy) -> Self {
        Self::with_store(policy, Arc::new(MemoryThrottleStore::new()))
    }

    /// A fixture whose throttle keeps its counters in `store`.
    pub fn with_store(policy: ThrottlePolicy, store: Arc<dyn ThrottleStore>) -> Self {
        let key = SigningKey::generate(Algorithm::EdDsa).unwrap();
        let signing_key_b64 = key.to_base64();
        let keys = KeySet::builder().primary(key).build().unwrap();
        let issuer = Issuer::builder(keys, "https://auth.example", "api")
            .build()
            .unwrap();
        let verifier = issuer.verifier().unwrap();
        let rotation = RefreshRotation::builder(issuer, Arc::new(MemoryRefreshStore::new()))
            .build()
            .unwrap();
        let hasher = test_hasher();
        let check = Arc::new(CountingCheck {
            inner: AsyncHasher::new(hasher.clone()),
            real: AtomicUsize::new(0),
            dummy: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            after_verify: Mutex::new(None),
        });
        let directory = Arc::new(MemoryDirectory::new());
        let audit = Arc::new(MemorySink::new());
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let throttle = Throttle::with_clock(policy, store, clock.clone());
        let auth = Authenticator::builder(directory.clone(), check.clone(), rotation, verifier)
            .with_throttle(throttle)
            .with_audit_sink(audit.clone())
            .with_clock(clock.clone())
            .build();
        Self {
            auth,
            directory,
            audit,
            check,
            clock,
            signing_key_b64,
            hasher,
        }
    }

    /// Registers `username` with `password` as user `id`.
    pub fn register(&self, id: &str, username: &str, password: &str) -> UserRecord {
        let hash = self.hasher.hash(&SecretString::from(password)).unwrap();
        let user = UserRecord::new(id, username, hash).with_roles(["user"]);
        self.directory.insert(user.clone());
        user
    }
}

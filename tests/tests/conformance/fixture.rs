//! What both apps share: the keys, the users, the throttle budget, and the
//! handlers' framework-free logic. Each app file only wires these into its
//! framework, so any difference between the two answers comes from the
//! adapters.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opsguard_auth::{
    Authenticator, FailureLimit, ManualClock, MemoryDirectory, MemorySink, MemoryThrottleStore,
    OpsGuard, Principal, Throttle, ThrottlePolicy, UserRecord,
};
use opsguard_core::{Error, Success};
use opsguard_password::{Argon2Params, AsyncHasher, Hasher};
use opsguard_rbac::{Policy, Resource, SharedPolicy};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use validator::Validate;

/// `iss` of the apps' tokens.
pub(crate) const ISSUER: &str = "https://auth.conformance.example";
/// `aud` of the apps' access tokens.
pub(crate) const AUDIENCE: &str = "conformance";
/// The `kid` of the signing key.
pub(crate) const KID: &str = "k1";
/// The largest request body the apps read.
pub(crate) const BODY_LIMIT: usize = 1024;

/// User 1, role `user`.
pub(crate) const ALICE_ID: &str = "1";
pub(crate) const ALICE: &str = "alice";
pub(crate) const ALICE_PASSWORD: &str = "plum kettle orbit saffron";
/// User 2, role `admin`.
pub(crate) const ADMIN_ID: &str = "2";
pub(crate) const ADMIN: &str = "admin";
pub(crate) const ADMIN_PASSWORD: &str = "copper lantern meadow quartz";
/// The owner of job 2: neither alice nor the admin.
const OTHER_OWNER: i64 = 3;

/// Failures of one account from one client that pass before the throttle
/// makes the client wait.
pub(crate) const FREE_LOGIN_FAILURES: u32 = 2;
/// The first wait, in seconds (the throttle's clock stands still, so this
/// is the exact `Retry-After`).
pub(crate) const LOGIN_DELAY_SECS: u64 = 30;

/// The keys and issuer both apps trust; tokens minted here are accepted by
/// every app started from the same fixture.
pub(crate) struct Fixture {
    keys: KeySet,
    issuer: Issuer,
    hasher: Hasher,
}

impl Fixture {
    /// A fresh EdDSA key set.
    pub(crate) fn new() -> Self {
        Self::with_key(Algorithm::EdDsa, KID)
    }

    /// A fresh key of `alg` named `kid`.
    pub(crate) fn with_key(alg: Algorithm, kid: &str) -> Self {
        let keys = KeySet::builder()
            .primary(SigningKey::generate(alg).unwrap().with_kid(kid))
            .build()
            .unwrap();
        let issuer = Issuer::builder(keys.clone(), ISSUER, AUDIENCE)
            .build()
            .unwrap();
        // Weak parameters: the suite logs in often, and password hashing
        // is opsguard-password's business, not the adapters'.
        let hasher = Hasher::builder()
            .with_argon2id(Argon2Params::new(64, 1, 1))
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        Self {
            keys,
            issuer,
            hasher,
        }
    }

    /// The signing key set (its JWKS is what the apps publish).
    pub(crate) fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// An access token for alice.
    pub(crate) fn alice_token(&self) -> String {
        self.token(ALICE_ID, ALICE, &["user"])
    }

    /// An access token for the admin.
    pub(crate) fn admin_token(&self) -> String {
        self.token(ADMIN_ID, ADMIN, &["admin"])
    }

    /// An access token for user `id` holding `roles`.
    pub(crate) fn token(&self, id: &str, username: &str, roles: &[&str]) -> String {
        let subject = Subject::new(id, username).with_roles(roles.iter().copied());
        self.issuer
            .issue_access(&subject)
            .unwrap()
            .expose_secret()
            .to_owned()
    }

    /// An issuer with this fixture's keys but another `iss` or `aud`, or a
    /// clock set `shift_secs` from now.
    pub(crate) fn issuer_with(&self, iss: &str, aud: &str, shift_secs: i64) -> Issuer {
        let now = i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap();
        Issuer::builder(self.keys.clone(), iss, aud)
            .with_clock(Arc::new(opsguard_token::clock::ManualClock::new(
                now + shift_secs,
            )))
            .build()
            .unwrap()
    }

    /// A guard over fresh in-memory stores holding alice and the admin,
    /// with a small login budget, and the audit sink it writes to.
    pub(crate) fn guard(&self) -> (OpsGuard, Arc<MemorySink>) {
        let directory = Arc::new(MemoryDirectory::new());
        for (id, name, password, role) in [
            (ALICE_ID, ALICE, ALICE_PASSWORD, "user"),
            (ADMIN_ID, ADMIN, ADMIN_PASSWORD, "admin"),
        ] {
            let hash = self.hasher.hash(&SecretString::from(password)).unwrap();
            directory.insert(UserRecord::new(id, name, hash).with_roles([role]));
        }
        let rotation = RefreshRotation::builder(
            Issuer::builder(self.keys.clone(), ISSUER, AUDIENCE)
                .build()
                .unwrap(),
            Arc::new(MemoryRefreshStore::new()),
        )
        .build()
        .unwrap();
        let policy = ThrottlePolicy::builder()
            .with_account_client_limit(
                FailureLimit::new(Duration::from_secs(15 * 60))
                    .with_free_failures(FREE_LOGIN_FAILURES)
                    .with_delay(
                        Duration::from_secs(LOGIN_DELAY_SECS),
                        Duration::from_secs(2 * LOGIN_DELAY_SECS),
                    )
                    .with_lock_after(FREE_LOGIN_FAILURES + 3),
            )
            .with_attempt_rate(100, Duration::from_secs(1))
            .build()
            .unwrap();
        // The throttle's time stands still: a delay never runs out during a
        // check, and `Retry-After` is exact.
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let throttle = Throttle::with_clock(policy, Arc::new(MemoryThrottleStore::new()), clock);
        let audit = Arc::new(MemorySink::new());
        let authenticator = Authenticator::builder(
            directory,
            Arc::new(AsyncHasher::new(self.hasher.clone())),
            rotation,
            self.issuer.verifier().unwrap(),
        )
        .with_throttle(throttle)
        .with_audit_sink(audit.clone())
        .build();
        let guard = OpsGuard::builder(authenticator, SharedPolicy::new(Policy::opsconductor()))
            .with_jwks(&self.keys.to_jwks())
            .build();
        (guard, audit)
    }
}

// --- the handlers' logic, called by both apps ---

/// `data` of `/me` and `/admin`.
#[derive(Debug, Serialize)]
pub(crate) struct UserView {
    id: String,
    username: String,
}

impl UserView {
    fn of(user: &Principal) -> Self {
        Self {
            id: user.user_id().to_owned(),
            username: user.username().to_owned(),
        }
    }
}

/// `data` of `DELETE /jobs/{id}`.
#[derive(Debug, Serialize)]
pub(crate) struct JobView {
    id: i64,
}

/// The body of `POST /items`: strict, and validated.
#[derive(Debug, Deserialize, Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    #[validate(length(min = 1, max = 32))]
    name: String,
    enabled: bool,
}

/// `GET /me`.
pub(crate) fn me(user: &Principal) -> Success<UserView> {
    Success::new("current user", UserView::of(user))
}

/// `GET /greeting`: who is calling, if anyone.
pub(crate) fn greeting(user: Option<&Principal>) -> Success {
    match user {
        Some(user) => Success::without_data(format!("hello {}", user.username())),
        None => Success::without_data("hello anonymous"),
    }
}

/// `GET /admin` (after `RequireAdmin`).
pub(crate) fn admin(user: &Principal) -> Success<UserView> {
    Success::new("admin area", UserView::of(user))
}

/// `DELETE /jobs/{id}`: job 1 is alice's, job 2 someone else's, no other
/// job exists.
pub(crate) fn delete_job(
    guard: &OpsGuard,
    user: &Principal,
    id: i64,
) -> Result<Success<JobView>, Error> {
    let owner = match id {
        1 => 1,
        2 => OTHER_OWNER,
        _ => return Err(Error::not_found("job not found")),
    };
    guard.require(user, "jobs:delete", &Resource::owned("jobs", id, owner))?;
    Ok(Success::new("job deleted", JobView { id }))
}

/// `POST /items` (answered 201).
pub(crate) fn create_item(item: Item) -> Success<Item> {
    Success::new("item created", item)
}

/// `data` of `GET /files/{owner}/{name}`: the parameters as decoded.
#[derive(Debug, Serialize)]
pub(crate) struct FileView {
    owner: String,
    name: String,
}

/// `GET /files/{owner}/{name}`: echoes the decoded parameters.
pub(crate) fn file(owner: String, name: String) -> Success<FileView> {
    Success::new("file", FileView { owner, name })
}

/// `GET /mismatch/{id}`: reached only if `Path<(i64, i64)>` fitted a
/// route with one parameter, which it does not (a programming error).
pub(crate) fn mismatch(first: i64, second: i64) -> Success {
    Success::without_data(format!("{first} {second}"))
}

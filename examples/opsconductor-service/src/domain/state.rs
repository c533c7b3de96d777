//! [`AppState`]: everything a request can reach, built from the
//! configuration, whichever web framework serves it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use opsguard::auth::{Authenticator, OpsGuard, Principal, Throttle, ThrottlePolicy};
use opsguard::crypto::Keyring;
use opsguard::password::AsyncHasher;
use opsguard::rbac::{Policy, SharedPolicy};
use opsguard::store_sql::{SqlAuditLog, SqlDenylist};
use opsguard::token::TokenError;
use opsguard::token::denylist::{AccessDenylist as _, deny_until};
use opsguard::token::refresh::RefreshRotation;
use opsguard::token::{Issuer, VerifyCache};

use crate::db::Db;
use crate::db::users::{self, CallerRow, UserDirectory};
use crate::domain::registration_limit::RegistrationLimit;
use crate::{Config, ServiceError, keys};

/// How often expired refresh families, denylist entries and throttle
/// counters are deleted (opsguard-store-sql recommends hourly; the stores
/// are correct without it, only larger).
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// What every request can reach: opsguard's guard (login, refresh and
/// logout flows, policy, JWKS), the database pool, the keyring, the
/// password hasher and the audit log.
///
/// It knows no web framework. The axum routes of this crate take it as
/// their router state; another adapter (opsconductor-actix) registers it as
/// app data and hands it to the same operations in [`crate::domain`].
/// Cloning is cheap: every part is a pool or an `Arc`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// opsguard's flows (login, refresh, logout), policy and JWKS.
    pub(crate) guard: OpsGuard,
    /// The service's tables.
    pub(crate) db: Db,
    /// Seals and opens credential passwords.
    pub(crate) keyring: Arc<Keyring>,
    /// Hashes new passwords (the login flow shares it).
    pub(crate) hasher: Arc<AsyncHasher>,
    /// The audit log, shared with the login flow.
    pub(crate) audit: SqlAuditLog,
    /// Access tokens refused before they expire: written here at logout,
    /// read by the caller's query ([`AppState::find_caller`]).
    denylist: SqlDenylist,
    /// The `iss` of the service's tokens: with the `jti`, the key of a
    /// denied token.
    token_issuer: Arc<str>,
    /// How many accounts each client may still register.
    pub(crate) registrations: Arc<RegistrationLimit>,
}

impl AppState {
    /// Connect to the database of `config`, run the migrations (opsguard's
    /// stores, then the service's tables; both idempotent), load (or in
    /// development generate) the keys, and assemble opsguard's parts: token
    /// issuer and verifier (with the verified-token cache unless
    /// `OPSGUARD_TOKEN_CACHE=off`), refresh rotation, login throttle, audit
    /// log, authenticator and guard.
    ///
    /// Two instances may share one database (several processes behind a
    /// load balancer, or the axum and actix services of this repository):
    /// refresh families, throttle counters, the denylist and the audit log
    /// all live there. Start them one after the other, so that only one
    /// runs the migrations of a new database.
    ///
    /// # Errors
    ///
    /// [`ServiceError`] when the database cannot be reached or migrated, a
    /// key cannot be loaded, or production refuses a development shortcut.
    pub async fn new(config: &Config) -> Result<Self, ServiceError> {
        // Keys first: production refuses a missing key before touching the
        // database.
        let keys = keys::load(config)?;
        let db = Db::connect(config).await?;
        db.migrate().await?;
        let stores = db.stores();
        let audit = stores.audit_log();

        let issuer = Issuer::builder(keys.signing.clone(), config.issuer(), config.audience())
            .build()
            .map_err(|err| ServiceError::keys("build the token issuer", err))?;
        let mut verifier = issuer
            .verifier()
            .map_err(|err| ServiceError::keys("build the token verifier", err))?;
        if config.token_cache() {
            // A client sends the same access token with every request until
            // it expires: verify its EdDSA signature once, then serve its
            // claims from memory. Time claims and the key's state are still
            // checked on every request; an entry lasts at most 60 s, 10,000
            // tokens at most. `OPSGUARD_TOKEN_CACHE=off` turns it off.
            let cache = VerifyCache::new(VerifyCache::DEFAULT_CAPACITY, VerifyCache::DEFAULT_TTL)
                .map_err(|err| ServiceError::keys("build the token cache", err))?;
            verifier = verifier.with_cache(cache);
        }
        // Refresh tokens rotate on every use; a reused one revokes its
        // family. The families live in the database, so every instance
        // sees the same ones.
        let rotation = RefreshRotation::builder(issuer, Arc::new(stores.refresh_store()))
            .build()
            .map_err(|err| ServiceError::keys("build the refresh rotation", err))?;
        let hasher = Arc::new(AsyncHasher::new(config.password_hasher()?));
        // Failed-login counters live in the database too, so a client
        // cannot reset them by reaching another instance.
        let throttle = Throttle::new(ThrottlePolicy::default(), Arc::new(stores.throttle_store()));
        let authenticator = Authenticator::builder(
            Arc::new(UserDirectory::new(db.clone())),
            hasher.clone(),
            rotation,
            verifier,
        )
        .with_throttle(throttle)
        .with_audit_sink(Arc::new(audit.clone()))
        .build();
        let guard = OpsGuard::builder(authenticator, SharedPolicy::new(Policy::opsconductor()))
            .with_client_ip_resolver(config.client_ip_resolver()?)
            .with_jwks(&keys.signing.to_jwks())
            .build();
        Ok(Self {
            guard,
            db,
            keyring: Arc::new(keys.keyring),
            hasher,
            audit,
            denylist: stores.denylist(),
            token_issuer: Arc::from(config.issuer()),
            registrations: Arc::new(RegistrationLimit::new()),
        })
    }

    /// The guard opsguard's extractors read (axum: through `FromRef`;
    /// actix-web: registered with `App::app_data`).
    #[must_use]
    pub fn guard(&self) -> &OpsGuard {
        &self.guard
    }

    /// Delete expired rows of opsguard's stores now and every hour after,
    /// for ever: spawn it beside the server and abort it at shutdown.
    /// A failed purge is logged and tried again an hour later.
    pub fn purge_expired(&self) -> impl Future<Output = ()> + Send + 'static {
        let db = self.db.clone();
        async move {
            let mut interval = tokio::time::interval(PURGE_INTERVAL);
            loop {
                interval.tick().await;
                match db.stores().purge_expired(crate::db::now()).await {
                    Ok(deleted) => {
                        tracing::debug!(target: "opsconductor", deleted, "expired rows purged");
                    }
                    Err(err) => tracing::warn!(
                        target: "opsconductor",
                        error = &err as &(dyn std::error::Error + 'static),
                        "purging expired rows failed"
                    ),
                }
            }
        }
    }

    /// Close every database connection (after the server has stopped).
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// The stored user that `principal`'s verified access token names
    /// (`id`, its `sub` as a user id), and whether that token was denied
    /// (at logout): one query, one round trip.
    pub(crate) async fn find_caller(
        &self,
        id: i64,
        principal: &Principal,
    ) -> Result<Option<CallerRow>, opsguard::Error> {
        users::find_caller(
            &self.db,
            id,
            &self.token_issuer,
            principal.token_id(),
            crate::db::now(),
        )
        .await
        .map_err(opsguard::Error::from)
    }

    /// Refuse the access token of `principal` from now until it expires.
    pub(crate) async fn deny(&self, principal: &Principal) -> Result<(), opsguard::Error> {
        self.denylist
            .deny(
                &self.token_issuer,
                principal.token_id(),
                deny_until(principal.expires_at()),
            )
            .await
            .map_err(|err| TokenError::from(err).into())
    }

    /// The login, refresh and logout flows.
    pub(crate) fn authenticator(&self) -> Result<&Authenticator, opsguard::Error> {
        // Always present: the guard is built with `OpsGuard::builder`.
        self.guard
            .authenticator()
            .ok_or_else(|| opsguard::Error::internal("the guard has no authenticator"))
    }
}

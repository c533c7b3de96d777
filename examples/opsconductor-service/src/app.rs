//! Building the service from its configuration, and running it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use opsguard::auth::{Authenticator, Principal, Throttle, ThrottlePolicy};
use opsguard::axum::OpsGuard;
use opsguard::crypto::Keyring;
use opsguard::password::AsyncHasher;
use opsguard::rbac::{Policy, SharedPolicy};
use opsguard::store_sql::{SqlAuditLog, SqlDenylist};
use opsguard::token::TokenError;
use opsguard::token::denylist::{AccessDenylist as _, deny_until};
use opsguard::token::refresh::RefreshRotation;
use opsguard::token::{Issuer, VerifyCache};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::Db;
use crate::db::users::{self, CallerRow, UserDirectory};
use crate::routes::RegistrationLimit;
use crate::{Config, ServiceError, keys, routes, server};

/// How often expired refresh families, denylist entries and throttle
/// counters are deleted (opsguard-store-sql recommends hourly; the stores
/// are correct without it, only larger).
const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// What every handler can reach.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
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

/// How opsguard's extractors find the guard in the service's state.
impl FromRef<AppState> for OpsGuard {
    fn from_ref(state: &AppState) -> Self {
        state.guard.clone()
    }
}

impl AppState {
    /// Connect, migrate, load the keys and assemble opsguard's parts.
    async fn new(config: &Config) -> Result<Self, ServiceError> {
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

/// The service, ready to serve: database migrated, keys loaded.
#[derive(Debug)]
pub struct Service {
    state: AppState,
}

impl Service {
    /// Connect to the database of `config`, run the migrations, load (or in
    /// development generate) the keys, and assemble the service.
    ///
    /// # Errors
    ///
    /// [`ServiceError`] when the database cannot be reached or migrated, a
    /// key cannot be loaded, or production refuses a development shortcut.
    pub async fn new(config: &Config) -> Result<Self, ServiceError> {
        Ok(Self {
            state: AppState::new(config).await?,
        })
    }

    /// The routes with their layers.
    pub fn router(&self) -> Router {
        routes::router(self.state.clone())
    }

    /// Serve on `listener` until `shutdown` completes, then finish the
    /// requests in flight (for up to 30 s) and close the database.
    ///
    /// HTTP/1.1, with a 10-second limit on reading each request's head: a
    /// client that trickles its headers or idles between requests is
    /// disconnected.
    ///
    /// # Errors
    ///
    /// None at present: a failure to accept a connection is logged and
    /// retried. The `Result` leaves room for failures to come.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServiceError> {
        let purge = tokio::spawn(purge_expired(self.state.db.clone()));
        // Not `axum::serve`: it sets no header-read timeout (slowloris).
        server::serve(listener, self.router(), shutdown).await;
        purge.abort();
        self.state.db.close().await;
        Ok(())
    }
}

/// Delete expired rows of opsguard's stores every [`PURGE_INTERVAL`].
async fn purge_expired(db: Db) {
    let mut interval = tokio::time::interval(PURGE_INTERVAL);
    loop {
        interval.tick().await;
        match db.stores().purge_expired(crate::db::now()).await {
            Ok(deleted) => tracing::debug!(target: "opsconductor", deleted, "expired rows purged"),
            Err(err) => tracing::warn!(
                target: "opsconductor",
                error = &err as &(dyn std::error::Error + 'static),
                "purging expired rows failed"
            ),
        }
    }
}

/// The `serve` subcommand: listen on the configured address until Ctrl-C
/// or SIGTERM.
///
/// # Errors
///
/// As [`Service::new`] and [`Service::serve`]; [`ServiceError::Io`] when
/// the address cannot be bound.
pub async fn serve(config: &Config) -> Result<(), ServiceError> {
    let service = Service::new(config).await?;
    let listener = TcpListener::bind(config.bind())
        .await
        .map_err(|source| ServiceError::Io {
            action: "bind OPSGUARD_BIND",
            source,
        })?;
    tracing::info!(
        target: "opsconductor",
        address = %config.bind(),
        database = config.database_kind(),
        "opsconductor-service listening"
    );
    service.serve(listener, shutdown_signal()).await
}

/// Completes at Ctrl-C, or at SIGTERM on Unix (what `docker stop` and
/// systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!(target: "opsconductor", "shutting down");
}

/// A service serving in this process, on a port of its own: what the tests
/// and the demo talk to over real HTTP.
#[derive(Debug)]
pub struct RunningService {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServiceError>>,
}

impl RunningService {
    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stop accepting requests, finish those in flight, close the database.
    ///
    /// # Errors
    ///
    /// As [`Service::serve`]; [`ServiceError::Io`] if the serving task
    /// panicked.
    pub async fn stop(self) -> Result<(), ServiceError> {
        // The task may already have ended; its result says how.
        let _ = self.shutdown.send(());
        self.task.await.map_err(|err| ServiceError::Io {
            action: "join the serving task",
            source: std::io::Error::other(err),
        })?
    }
}

/// Start the service of `config` on its bind address (use port 0 for any
/// free port) in a task of the current runtime.
///
/// # Errors
///
/// As [`Service::new`]; [`ServiceError::Io`] when the address cannot be
/// bound.
pub async fn spawn(config: &Config) -> Result<RunningService, ServiceError> {
    let service = Service::new(config).await?;
    let listener = TcpListener::bind(config.bind())
        .await
        .map_err(|source| ServiceError::Io {
            action: "bind a local port",
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServiceError::Io {
        action: "read the bound address",
        source,
    })?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(service.serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(RunningService {
        addr,
        shutdown,
        task,
    })
}

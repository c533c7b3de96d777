//! Building the service from its configuration, and running it.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::domain::AppState;
use crate::{Config, ServiceError, routes, server};

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

    /// The state its routes share: the same [`AppState`] another adapter
    /// can serve.
    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
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
        let purge = tokio::spawn(self.state.purge_expired());
        // Not `axum::serve`: it sets no header-read timeout (slowloris).
        server::serve(listener, self.router(), shutdown).await;
        purge.abort();
        self.state.close().await;
        Ok(())
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
    /// A service serving on `addr` in `task`, which stops gracefully once
    /// `shutdown` fires (or is dropped): how another server of the same
    /// domain (the actix example) hands out the same handle.
    #[must_use]
    pub fn new(
        addr: SocketAddr,
        shutdown: oneshot::Sender<()>,
        task: JoinHandle<Result<(), ServiceError>>,
    ) -> Self {
        Self {
            addr,
            shutdown,
            task,
        }
    }

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

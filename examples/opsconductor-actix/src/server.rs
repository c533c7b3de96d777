//! Serving HTTP on actix-web's server, with the axum service's timeouts.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use opsconductor_service::domain::AppState;
use opsconductor_service::{Config, RunningService, ServiceError};
use tokio::sync::oneshot;

use crate::app;

/// How long a client has to send a request's head on a new connection,
/// and how long a kept-alive connection may sit idle between requests: the
/// axum service's 10-second header-read timeout (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a shutdown waits for the requests in flight, in seconds.
const SHUTDOWN_GRACE_SECS: u64 = 30;

/// The server of `state` on `listener`, stopped by `shutdown` when given
/// (otherwise by Ctrl-C or SIGTERM).
///
/// HTTP/1.1 only (actix-web is built without its `http2` feature): TLS,
/// and HTTP/2 if wanted, end at the reverse proxy in front, as for the axum
/// service.
fn server(
    state: AppState,
    listener: TcpListener,
    shutdown: Option<oneshot::Receiver<()>>,
) -> Result<Server, ServiceError> {
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || app(state.clone()))
        .client_request_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(HEADER_READ_TIMEOUT)
        .shutdown_timeout(SHUTDOWN_GRACE_SECS);
    if let Some(shutdown) = shutdown {
        server = server.shutdown_signal(async {
            // A dropped sender stops the server too.
            let _ = shutdown.await;
        });
    }
    let server = server.listen(listener).map_err(|source| ServiceError::Io {
        action: "listen on the bound address",
        source,
    })?;
    Ok(server.run())
}

/// Run `server` to its end, with the hourly purge of expired rows beside
/// it; then close the database.
async fn run(state: AppState, server: Server) -> Result<(), ServiceError> {
    let purge = tokio::spawn(state.purge_expired());
    let served = server.await;
    purge.abort();
    state.close().await;
    served.map_err(|source| ServiceError::Io {
        action: "serve HTTP",
        source,
    })
}

/// Bind the address of `config` (port 0 for any free port).
fn bind(config: &Config) -> Result<TcpListener, ServiceError> {
    TcpListener::bind(config.bind()).map_err(|source| ServiceError::Io {
        action: "bind OPSGUARD_BIND",
        source,
    })
}

/// Serve the API on the configured address until Ctrl-C or SIGTERM, then
/// let the requests in flight finish (up to 30 s) and close the database.
///
/// The state is opsconductor-service's [`AppState::new`]: the same
/// database (migrated on start), keys and settings as the axum service.
///
/// # Errors
///
/// As [`AppState::new`]; [`ServiceError::Io`] when the address cannot be
/// bound or the server fails.
pub async fn serve(config: &Config) -> Result<(), ServiceError> {
    let state = AppState::new(config).await?;
    let listener = bind(config)?;
    let server = server(state.clone(), listener, None)?;
    tracing::info!(
        target: "opsconductor",
        address = %config.bind(),
        "opsconductor-actix listening"
    );
    run(state, server).await
}

/// Start the service of `config` on its bind address (use port 0 for any
/// free port) in a task of the current Tokio runtime; actix-web runs its
/// workers on threads of their own.
///
/// # Errors
///
/// As [`AppState::new`]; [`ServiceError::Io`] when the address cannot be
/// bound.
pub async fn spawn(config: &Config) -> Result<RunningService, ServiceError> {
    let state = AppState::new(config).await?;
    let listener = bind(config)?;
    let addr = listener.local_addr().map_err(|source| ServiceError::Io {
        action: "read the bound address",
        source,
    })?;
    let (shutdown, stopped) = oneshot::channel();
    let server = server(state.clone(), listener, Some(stopped))?;
    let task = tokio::spawn(run(state, server));
    Ok(RunningService::new(addr, shutdown, task))
}

//! Serving HTTP: the router on hyper's HTTP/1 connection builder, with the
//! header-read timeout `axum::serve` does not set.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Service as _;

/// How long a client has to send a request's head (request line and
/// headers), counted from when the server starts waiting for it: on a new
/// connection, and between requests on a kept-alive one. A client that
/// trickles its headers (slowloris) or sits idle is disconnected then.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a shutdown waits for the requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How long to wait after the listener fails to accept (out of file
/// descriptors, typically), as `axum::serve` does.
const ACCEPT_RETRY: Duration = Duration::from_secs(1);

/// Serve `router` on `listener` until `shutdown` completes, then let the
/// requests in flight finish (up to [`SHUTDOWN_GRACE`]).
///
/// HTTP/1.1 only: TLS, and HTTP/2 if wanted, end at the reverse proxy in
/// front (see the README). Not hyper-util's version-detecting builder
/// either: it waits for a client's first bytes before the HTTP/1 timer
/// starts, so a connection that sends nothing would stay open for ever. Each request carries the socket peer as axum's
/// `ConnectInfo<SocketAddr>`, the client address opsguard's `ClientIp`
/// starts from.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(
                    target: "opsconductor",
                    error = &err as &(dyn std::error::Error + 'static),
                    "accepting a connection failed"
                );
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let Ok(service) = make_service.call(peer).await;
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                // A client that went away or timed out: not the service's
                // problem, but worth a look when debugging.
                tracing::debug!(target: "opsconductor", error = %err, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            target: "opsconductor",
            "requests still in flight after the shutdown grace period were dropped"
        );
    }
}

//! [`ClientIp`]: the address a request came from, through trusted proxies
//! only.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use http::HeaderName;
use http::request::Parts;
use opsguard_auth::ClientInfo;
use opsguard_core::Error;

use crate::{ApiError, OpsGuard, RequestId};

/// `x-forwarded-for`.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: the socket peer (axum's
/// `ConnectInfo<SocketAddr>`) and every `X-Forwarded-For` value, resolved
/// by the [`OpsGuard`]'s `ClientIpResolver`. `X-Forwarded-For` counts only
/// when the peer is a proxy you trusted; otherwise anyone could pick the
/// address the login throttle counts them under.
///
/// The peer address exists only when the service is served with
/// `into_make_service_with_connect_info::<SocketAddr>()`; without it the
/// extractor fails with a 500 (a configuration mistake, logged).
///
/// ```no_run
/// use std::net::SocketAddr;
/// use axum::{Router, routing::get};
/// use opsguard_axum::{ClientIp, OpsGuard};
///
/// # async fn serve(guard: OpsGuard) -> Result<(), Box<dyn std::error::Error>> {
/// let app = Router::new()
///     .route("/ip", get(|ClientIp(ip): ClientIp| async move { ip.to_string() }))
///     .with_state(guard);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client for opsguard-auth's flows: this address and the request
    /// id of [`RequestIdLayer`](crate::RequestIdLayer), if it runs.
    #[must_use]
    pub fn to_client_info(self, request_id: Option<&RequestId>) -> ClientInfo {
        let info = ClientInfo::new(self.0);
        match request_id {
            Some(id) => info.with_request_id(id.as_str()),
            None => info,
        }
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    OpsGuard: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Err(Error::internal(
                "no ConnectInfo<SocketAddr>: serve with into_make_service_with_connect_info",
            )
            .into());
        };
        let guard = OpsGuard::from_ref(state);
        let forwarded = parts.headers.get_all(X_FORWARDED_FOR);
        Ok(Self(
            guard
                .client_ip_resolver()
                .resolve(peer.ip(), forwarded.iter()),
        ))
    }
}

//! [`ClientIp`]: the address a request came from, through trusted proxies
//! only.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use opsguard_auth::ClientInfo;
use opsguard_core::Error;

use crate::guard::guard_of;
use crate::{ApiError, RequestId};

/// `x-forwarded-for`.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: the socket peer (`HttpRequest::peer_addr`) and
/// every `X-Forwarded-For` value, resolved by the app's
/// [`OpsGuard`](crate::OpsGuard)'s `ClientIpResolver`. `X-Forwarded-For`
/// counts only when the peer is a proxy you trusted; otherwise anyone
/// could pick the address the login throttle counts them under.
///
/// Never use actix-web's `ConnectionInfo::realip_remote_addr` for security
/// decisions: it believes `Forwarded` and `X-Forwarded-For` from anyone.
///
/// A request without a peer address (only built by hand in tests) is
/// refused with a 500, a configuration mistake, logged.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::ClientIp;
///
/// let app = App::new().route("/ip", web::get().to(|ClientIp(ip): ClientIp| async move { ip.to_string() }));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client for opsguard-auth's flows: this address and the request
    /// id of [`AssignRequestId`](crate::AssignRequestId), if it runs.
    #[must_use]
    pub fn to_client_info(self, request_id: Option<&RequestId>) -> ClientInfo {
        let info = ClientInfo::new(self.0);
        match request_id {
            Some(id) => info.with_request_id(id.as_str()),
            None => info,
        }
    }

    /// The client of `req`, as the extractor finds it.
    ///
    /// # Errors
    ///
    /// 500 without a peer address or without an `OpsGuard` in the app.
    pub fn from_http_request(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(peer) = req.peer_addr() else {
            return Err(Error::internal("the request has no peer address").into());
        };
        let guard = guard_of(req)?;
        let forwarded = req.headers().get_all(X_FORWARDED_FOR);
        Ok(Self(
            guard.client_ip_resolver().resolve(peer.ip(), forwarded),
        ))
    }
}

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::from_http_request(req))
    }
}

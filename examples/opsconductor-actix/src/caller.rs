//! The caller of a request as actix-web extractors: [`Caller`], and
//! [`CallerThen`] for handlers that also take a body or a path.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use opsconductor_service::domain::{self, AppState};
use opsguard::actix::{ApiError, ClientIp, CurrentUser, RequestId};

/// The caller of a request: opsguard-actix's [`CurrentUser`] (401 without
/// a valid access token) and [`ClientIp`], then the shared
/// [`domain::Caller::load`] (the stored account, roles from its row, and
/// the access-token denylist) — exactly what the axum service's extractor
/// does.
///
/// The [`AppState`] must be registered as `web::Data<AppState>`.
#[derive(Debug)]
pub struct Caller(pub domain::Caller);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // Everything that reads the request happens now; only the query
        // waits, so the future holds no clone of the request.
        let parts = (|| {
            let token = CurrentUser::from_http_request(req)?;
            let client =
                ClientIp::from_http_request(req)?.to_client_info(RequestId::of(req).as_ref());
            Ok::<_, ApiError>((token, client, state_of(req)?))
        })();
        Box::pin(async move {
            let (token, client, state) = parts?;
            Ok(Self(
                domain::Caller::load(&state, token.principal(), client).await?,
            ))
        })
    }
}

/// The [`Caller`], then `T` (a `ValidJson` body, a `Path`), in that order.
///
/// actix-web polls a handler's extractors together, so with a separate
/// `Caller` and `ValidJson<T>` a refused body could be answered (422)
/// while the caller's query is still running, before a denied token's
/// 401. axum runs them one after the other; this extractor does too, so
/// both services answer every request alike: `T` is not awaited (the body
/// is not read) until the caller is known.
#[derive(Debug)]
pub struct CallerThen<T>(pub domain::Caller, pub T);

impl<T> FromRequest for CallerThen<T>
where
    T: FromRequest + 'static,
    T::Future: 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let then = T::from_request(req, payload);
        Box::pin(async move {
            let Caller(caller) = caller.await?;
            let then = then.await.map_err(Into::into)?;
            Ok(Self(caller, then))
        })
    }
}

/// The app's [`AppState`], or a 500 naming the mistake.
fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| {
            opsguard::Error::internal("no AppState in the app: register it as web::Data<AppState>")
                .into()
        })
}

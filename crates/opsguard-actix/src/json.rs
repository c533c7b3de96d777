//! Strict JSON request bodies: [`Json`] and [`ValidJson`].

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use opsguard_core::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::ApiError;
use crate::body_limit::limit_of;
use crate::response::response_of;

/// A JSON request body deserialized strictly, or a JSON response body.
///
/// As an extractor it refuses exactly what opsguard-axum's `Json` refuses,
/// with the same answers:
///
/// * the `content-type` must be `application/json` or `application/*+json`
///   (given once); otherwise a 422 with code `invalid_content_type`;
/// * the body is read up to the limit of [`BodyLimit`](crate::BodyLimit)
///   (64 KiB, [`opsguard_validate::DEFAULT_BODY_LIMIT`], without it), and a
///   longer one is a 413;
/// * parsing is [`opsguard_validate::deserialize_json`]: declare `T` with
///   `#[serde(deny_unknown_fields)]` and strict types and every problem is a
///   422 whose field error names the path (`target.port`) and a stable code
///   (`invalid_json`, `invalid_type`, `unknown_field`, ...), never the
///   rejected value.
///
/// Use [`ValidJson`] for types that also have `validator` rules. As a
/// response it is `200 OK` with `content-type: application/json`.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::Json;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct SetEnabled {
///     enabled: bool,
/// }
///
/// async fn set_enabled(Json(body): Json<SetEnabled>) -> &'static str {
///     if body.enabled { "on" } else { "off" }
/// }
/// let app = App::new().route("/", web::put().to(set_enabled));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move {
            let (bytes, limit) = body.await?;
            Ok(Self(opsguard_validate::deserialize_json(&bytes, limit)?))
        })
    }
}

impl<T: Serialize> Responder for Json<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse<Self::Body> {
        match serde_json::to_vec(&self.0) {
            Ok(body) => HttpResponse::Ok()
                .content_type(opsguard_core::JSON_CONTENT_TYPE)
                .body(body),
            Err(err) => response_of(&Error::internal(err)),
        }
    }
}

/// A JSON request body deserialized strictly, then validated.
///
/// Everything [`Json`] does, then `T::validate()`, all in one call to
/// [`opsguard_validate::from_json_slice`]: every failing rule is listed in
/// one 422 with its field path and code.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::ValidJson;
/// use opsguard_validate::types::RegisterUser;
///
/// async fn register(ValidJson(user): ValidJson<RegisterUser>) -> String {
///     format!("welcome {}", user.username)
/// }
/// let app = App::new().route("/", web::post().to(register));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move {
            let (bytes, limit) = body.await?;
            Ok(Self(opsguard_validate::from_json_slice(&bytes, limit)?))
        })
    }
}

/// The body of a JSON request, read up to the request's limit, and the
/// limit. The content type is checked before anything is read.
fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<(BytesMut, usize), Error>> + 'static {
    let declared =
        opsguard_validate::require_json_content_type(req.headers().get_all(CONTENT_TYPE));
    let limit = limit_of(req);
    let payload = payload.take();
    async move {
        declared?;
        let bytes = read_limited(payload, limit).await?;
        Ok((bytes, limit))
    }
}

/// `payload`, or a 413 as soon as it passes `limit` bytes.
async fn read_limited(mut payload: Payload, limit: usize) -> Result<BytesMut, Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            // `BodyLimit` cut the stream off: the body is too large.
            if matches!(err, PayloadError::Overflow) {
                return Error::payload_too_large();
            }
            tracing::debug!(
                target: "opsguard::rejection",
                reason = "body_unreadable",
                error = %err,
                "request body refused"
            );
            opsguard_validate::unreadable_body()
        })?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(Error::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

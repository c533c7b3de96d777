//! Strict JSON request bodies: [`Json`] and [`ValidJson`].

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use opsguard_core::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::ApiError;
use crate::body_limit::JsonBodyLimit;

/// A JSON request body deserialized strictly, or a JSON response body.
///
/// As an extractor it differs from `axum::Json` in what it refuses and how:
///
/// * the `content-type` must be `application/json` or `application/*+json`
///   (given once); otherwise a 422 with code `invalid_content_type`;
/// * the body is read up to the limit of [`BodyLimitLayer`](crate::BodyLimitLayer)
///   (64 KiB, [`opsguard_validate::DEFAULT_BODY_LIMIT`], without it), and a
///   longer one is a 413;
/// * parsing is [`opsguard_validate::deserialize_json`]: declare `T` with
///   `#[serde(deny_unknown_fields)]` and strict types and every problem is a
///   422 whose field error names the path (`target.port`) and a stable code
///   (`invalid_json`, `invalid_type`, `unknown_field`, ...), never the
///   rejected value.
///
/// Every refusal is the JSON error envelope. Use [`ValidJson`] for types
/// that also have `validator` rules.
///
/// As a response it is `axum::Json`.
///
/// ```
/// use opsguard_axum::Json;
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
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::put(set_enabled));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (bytes, limit) = json_body(req).await?;
        Ok(Self(opsguard_validate::deserialize_json(&bytes, limit)?))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A JSON request body deserialized strictly, then validated.
///
/// Everything [`Json`] does, then `T::validate()`, all in one call to
/// [`opsguard_validate::from_json_slice`]: every failing rule is listed in
/// one 422 with its field path and code.
///
/// ```
/// use opsguard_axum::ValidJson;
/// use opsguard_validate::types::RegisterUser;
///
/// async fn register(ValidJson(user): ValidJson<RegisterUser>) -> String {
///     format!("welcome {}", user.username)
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::post(register));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<T, S> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (bytes, limit) = json_body(req).await?;
        Ok(Self(opsguard_validate::from_json_slice(&bytes, limit)?))
    }
}

/// The body of a JSON request, read up to the request's limit, and the
/// limit.
async fn json_body(req: Request) -> Result<(Bytes, usize), Error> {
    opsguard_validate::require_json_content_type(req.headers().get_all(header::CONTENT_TYPE))?;
    let limit = req
        .extensions()
        .get::<JsonBodyLimit>()
        .map_or(opsguard_validate::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let bytes = read_limited(req.into_body(), limit).await?;
    Ok((bytes, limit))
}

/// `body`, or a 413 as soon as it passes `limit` bytes.
async fn read_limited(body: Body, limit: usize) -> Result<Bytes, Error> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if is_length_limit(&*err) => Err(Error::payload_too_large()),
        Err(err) => {
            tracing::debug!(
                target: "opsguard::rejection",
                reason = "body_unreadable",
                error = %err,
                "request body refused"
            );
            Err(opsguard_validate::unreadable_body())
        }
    }
}

/// Whether `err` or one of its causes is a body-length limit (ours, or the
/// one `tower-http`'s `RequestBodyLimit` wrapped the body in).
fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if err.is::<LengthLimitError>() {
            return true;
        }
        next = err.source();
    }
    false
}

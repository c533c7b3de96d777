//! Path parameters whose refusals name the parameter: [`Path`].

use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;
use opsguard_core::Error;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Route parameters deserialized into `T`, as `axum::extract::Path` does,
/// with refusals in the JSON error envelope.
///
/// A value that does not parse as its type (a user id of `abc`, or of
/// `18446744073709551616`, one more than `u64::MAX`) is a 422 naming the
/// parameter as the route declares it, with code `invalid_value` and a
/// message that does not repeat the value:
///
/// ```json
/// {"error":{"type":"ValidationError","message":"request validation failed",
///   "fields":[{"field":"id","code":"invalid_value","message":"invalid path parameter"}]}}
/// ```
///
/// A route and a `T` that do not fit together (a handler extracting `Path`
/// on a route without parameters, a tuple of the wrong length) is a
/// programming error, answered with a 500 and logged.
///
/// ```
/// use axum::{Router, routing::get};
/// use opsguard_axum::Path;
///
/// async fn user(Path(id): Path<u64>) -> String {
///     format!("user {id}")
/// }
///
/// let app: Router = Router::new().route("/users/{id}", get(user));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_error(parts, state, &rejection).await.into()),
        }
    }
}

/// The opsguard error for axum's path rejection.
async fn path_error<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    rejection: &PathRejection,
) -> Error {
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        return Error::internal(rejection.body_text());
    };
    let name = match failed.kind() {
        PathErrorKind::ParseErrorAtKey { key, .. }
        | PathErrorKind::DeserializeError { key, .. }
        | PathErrorKind::InvalidUtf8InPathParam { key } => Some(key.clone()),
        PathErrorKind::ParseErrorAtIndex { index, .. } => {
            param_names(parts, state).await.into_iter().nth(*index)
        }
        // A single value (`Path<u64>`), or a custom type's own error: the
        // parameter is known when the route has only one.
        PathErrorKind::ParseError { .. } | PathErrorKind::Message(_) => {
            let mut names = param_names(parts, state).await.into_iter();
            names.next().filter(|_| names.next().is_none())
        }
        // Route and type disagree: the code is wrong, not the request.
        _ => return Error::internal(rejection.body_text()),
    };
    opsguard_validate::invalid_path_param(name.as_deref())
}

/// The route's parameter names, in order.
async fn param_names<S: Send + Sync>(parts: &mut Parts, state: &S) -> Vec<String> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map(|params| params.iter().map(|(name, _)| name.to_owned()).collect())
        .unwrap_or_default()
}

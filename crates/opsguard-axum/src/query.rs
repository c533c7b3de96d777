//! Query strings whose refusals name the parameter: [`Query`].

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// The query string deserialized into `T`, as `axum::extract::Query` does
/// (`serde_urlencoded`), with refusals in the JSON error envelope.
///
/// Declare `T` with `#[serde(deny_unknown_fields)]` so that a parameter the
/// handler does not expect (`?owner_id=2`) is refused rather than ignored.
/// A refused query is a 422 with code `invalid_query` whose field names the
/// parameter (cut at 128 bytes), or is empty when the problem is not one
/// parameter's (a missing one); the message does not repeat the value.
///
/// ```
/// use opsguard_axum::Query;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Page {
///     #[serde(default)]
///     offset: u32,
/// }
///
/// async fn jobs(Query(page): Query<Page>) -> String {
///     format!("from {}", page.offset)
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::get(jobs));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self(opsguard_validate::deserialize_query(query)?))
    }
}

//! Query strings whose refusals name the parameter: [`Query`].

use axum::extract::FromRequestParts;
use http::request::Parts;
use opsguard_core::Error;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// The longest parameter name echoed in an error: a client can name an
/// unknown parameter anything.
const MAX_NAME_ECHO: usize = 128;

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
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Self)
            .map_err(|err| query_error(err.path()).into())
    }
}

/// The 422 for a query refused at `path`.
fn query_error(path: &serde_path_to_error::Path) -> Error {
    let mut field = path.to_string();
    if path.iter().next().is_none() {
        field.clear();
    }
    if field.len() > MAX_NAME_ECHO {
        field.truncate(field.floor_char_boundary(MAX_NAME_ECHO));
        field.push('…');
    }
    tracing::debug!(
        target: "opsguard::rejection",
        reason = "query_invalid",
        "query string refused"
    );
    Error::invalid_field(field, "invalid_query", "invalid query parameter")
}

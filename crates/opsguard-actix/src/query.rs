//! Query strings whose refusals name the parameter: [`Query`].

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// The query string deserialized into `T` (`serde_urlencoded`, as
/// actix-web's `web::Query` does), with refusals in the JSON error
/// envelope: a 422 with code `invalid_query` whose field names the
/// parameter (cut at 128 bytes) — [`opsguard_validate::deserialize_query`],
/// as in opsguard-axum.
///
/// Declare `T` with `#[serde(deny_unknown_fields)]` so that a parameter the
/// handler does not expect (`?owner_id=2`) is refused rather than ignored.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::Query;
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
/// let app = App::new().route("/jobs", web::get().to(jobs));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            opsguard_validate::deserialize_query(req.query_string())
                .map(Self)
                .map_err(ApiError::from),
        )
    }
}

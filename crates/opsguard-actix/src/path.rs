//! Path parameters whose refusals name the parameter: [`Path`].

use std::future::{Ready, ready};

use actix_router::PathDeserializer;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::ApiError;

/// The route's path parameters deserialized into `T`, with refusals in the
/// JSON error envelope.
///
/// actix-web's own `web::Path` answers a parameter that does not parse with
/// a plain-text 404. This one answers, as opsguard-axum's `Path` does, a
/// 422 whose field error names the parameter, with code `invalid_value`
/// and without repeating the value: `/jobs/abc` and
/// `/jobs/18446744073709551616` on `Path<i64>` are both
/// `{"field":"id","code":"invalid_value",...}`.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::Path;
///
/// async fn job(Path(id): Path<i64>) -> String {
///     format!("job {id}")
/// }
/// let app = App::new().route("/jobs/{id}", web::get().to(job));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Path<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(path_value(req))
    }
}

fn path_value<T: DeserializeOwned>(req: &HttpRequest) -> Result<Path<T>, ApiError> {
    let params = req.match_info();
    match serde_path_to_error::deserialize(PathDeserializer::new(params)) {
        Ok(value) => Ok(Path(value)),
        Err(err) => {
            let names: Vec<&str> = params.iter().map(|(name, _)| name).collect();
            let name = match err.path().iter().next_back() {
                Some(Segment::Map { key }) => Some(key.clone()),
                Some(Segment::Seq { index }) => names.get(*index).map(|&name| name.to_owned()),
                // A single value (`Path<i64>`): the parameter is known when
                // the route has only one.
                _ => match names.as_slice() {
                    [only] => Some((*only).to_owned()),
                    _ => None,
                },
            };
            Err(opsguard_validate::invalid_path_param(name.as_deref()).into())
        }
    }
}

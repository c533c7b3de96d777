//! What every middleware of this crate does with its inner service's
//! answer: turn an `Err` into the response actix-web would send for it, so
//! that the headers of the outer middleware reach error answers too.

use actix_web::HttpRequest;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;

/// `result` as a response: an inner error becomes the response actix-web
/// would make of it (for an [`ApiError`](crate::ApiError), its envelope).
pub(crate) fn settle<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
    request: HttpRequest,
) -> ServiceResponse<BoxBody> {
    match result {
        Ok(response) => response.map_into_boxed_body(),
        Err(err) => ServiceResponse::from_err(err, request),
    }
}

//! [`Answer`]: the domain's [`Reply`] as an actix-web response.

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use opsconductor_service::domain::Reply;
use opsguard::actix::Json;
use serde::Serialize;

/// A [`Reply`] (status and success envelope, decided by the shared
/// domain) written out through opsguard-actix's `Json`: the same status,
/// `content-type` and body bytes as the axum service.
///
/// A newtype because the orphan rule keeps this crate from implementing
/// actix-web's `Responder` for opsconductor-service's `Reply`.
#[derive(Debug)]
pub struct Answer<T>(pub Reply<T>);

impl<T: Serialize> Responder for Answer<T> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<BoxBody> {
        let status = self.0.status();
        let mut response = Json(self.0.into_body()).respond_to(req);
        // Only a success keeps the reply's status (201 for a creation); a
        // body that could not be serialized stays the 500 `Json` made.
        if response.status() == StatusCode::OK {
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        }
        response
    }
}

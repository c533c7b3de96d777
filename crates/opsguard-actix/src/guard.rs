//! Where the extractors find the [`OpsGuard`] of the app.

use actix_web::{HttpRequest, web};
use opsguard_auth::OpsGuard;
use opsguard_core::Error;

/// The guard registered as `web::Data<OpsGuard>` or bare with
/// `App::app_data`, or a 500 naming the mistake.
pub(crate) fn guard_of(req: &HttpRequest) -> Result<&OpsGuard, Error> {
    if let Some(guard) = req.app_data::<OpsGuard>() {
        return Ok(guard);
    }
    req.app_data::<web::Data<OpsGuard>>()
        .map(web::Data::get_ref)
        .ok_or_else(|| {
            Error::internal(
                "no OpsGuard in the app: register it with App::app_data(web::Data::new(guard))",
            )
        })
}

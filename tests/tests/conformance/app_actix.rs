//! The app on opsguard-actix, served by `HttpServer` (one worker) on a
//! loopback socket, in a thread of its own running an actix `System`.

use actix_web::http::StatusCode;
use actix_web::{App, HttpServer, web};
use opsguard_actix::{
    ApiError, AssignRequestId, BodyLimit, CurrentUser, ErrorEnvelope, Json, OptionalUser, Path,
    RequireAdmin, SecurityHeaders, ValidJson, auth_routes,
};
use opsguard_auth::OpsGuard;
use opsguard_core::Success;

use crate::fixture::{self, BODY_LIMIT, FileView, Item, JobView, UserView};
use crate::server::Server;

async fn me(user: CurrentUser) -> Json<Success<UserView>> {
    Json(fixture::me(user.principal()))
}

async fn greeting(OptionalUser(user): OptionalUser) -> Json<Success> {
    Json(fixture::greeting(user.as_ref().map(CurrentUser::principal)))
}

async fn admin(RequireAdmin(user): RequireAdmin) -> Json<Success<UserView>> {
    Json(fixture::admin(user.principal()))
}

async fn delete_job(
    guard: web::Data<OpsGuard>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Success<JobView>>, ApiError> {
    Ok(Json(fixture::delete_job(&guard, user.principal(), id)?))
}

async fn file(Path((owner, name)): Path<(String, String)>) -> Json<Success<FileView>> {
    Json(fixture::file(owner, name))
}

async fn mismatch(Path((first, second)): Path<(i64, i64)>) -> Json<Success> {
    Json(fixture::mismatch(first, second))
}

async fn create_item(ValidJson(item): ValidJson<Item>) -> (Json<Success<Item>>, StatusCode) {
    (Json(fixture::create_item(item)), StatusCode::CREATED)
}

/// The same routes as the axum app, each path one `web::resource`, as each
/// path is one method router in axum: a method the path does not have is
/// then actix-web's 405 with `Allow` (which `ErrorEnvelope` answers as
/// 404), as in axum. (`App::route` would make it an unknown route.) axum's
/// `get(handler)` answers `HEAD` too (RFC 9110 §9.3.2) and actix-web's
/// `web::get()` does not, so each `GET` route also gets a `HEAD` one.
fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/me")
                .route(web::get().to(me))
                .route(web::head().to(me)),
        )
        .service(
            web::resource("/greeting")
                .route(web::get().to(greeting))
                .route(web::head().to(greeting)),
        )
        .service(
            web::resource("/admin")
                .route(web::get().to(admin))
                .route(web::head().to(admin)),
        )
        .service(web::resource("/jobs/{id}").route(web::delete().to(delete_job)))
        .service(web::resource("/items").route(web::post().to(create_item)))
        .service(
            web::resource("/files/{owner}/{name}")
                .route(web::get().to(file))
                .route(web::head().to(file)),
        )
        .service(
            web::resource("/mismatch/{id}")
                .route(web::get().to(mismatch))
                .route(web::head().to(mismatch)),
        )
        .configure(auth_routes);
}

/// Serves the app for `guard` on 127.0.0.1 at a free port.
pub(crate) fn start(guard: OpsGuard) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let guard = web::Data::new(guard);
    let thread = std::thread::Builder::new()
        .name("actix-app".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                // `wrap` adds the outermost last (opsguard-actix's README).
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(guard.clone())
                        .configure(routes)
                        .wrap(BodyLimit::new(BODY_LIMIT))
                        .wrap(ErrorEnvelope::new())
                        .wrap(AssignRequestId::new())
                        .wrap(SecurityHeaders::json_api())
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .unwrap()
                .run();
                handle_tx.send(server.handle()).unwrap();
                server.await.unwrap();
            });
        })
        .unwrap();
    let handle = handle_rx.recv().unwrap();
    Server::new(
        addr,
        Box::new(move || {
            // The command is sent when `stop` is called; the returned future
            // only waits for it, and the thread's join does that.
            drop(handle.stop(true));
        }),
        thread,
    )
}

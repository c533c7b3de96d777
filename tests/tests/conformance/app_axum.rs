//! The app on opsguard-axum, served by `axum::serve` on a loopback socket in
//! a thread of its own with its own tokio runtime.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use opsguard_auth::OpsGuard;
use opsguard_axum::{
    ApiError, BodyLimitLayer, CurrentUser, ErrorEnvelopeLayer, Json, Path, RequestIdLayer,
    RequireAdmin, SecurityHeadersLayer, ValidJson, auth_router,
};
use opsguard_core::Success;
use tower::ServiceBuilder;

use crate::fixture::{self, BODY_LIMIT, FileView, Item, JobView, UserView};
use crate::server::Server;

async fn me(user: CurrentUser) -> Json<Success<UserView>> {
    Json(fixture::me(user.principal()))
}

async fn greeting(user: Option<CurrentUser>) -> Json<Success> {
    Json(fixture::greeting(user.as_ref().map(CurrentUser::principal)))
}

async fn admin(RequireAdmin(user): RequireAdmin) -> Json<Success<UserView>> {
    Json(fixture::admin(user.principal()))
}

async fn delete_job(
    State(guard): State<OpsGuard>,
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

async fn create_item(ValidJson(item): ValidJson<Item>) -> (StatusCode, Json<Success<Item>>) {
    (StatusCode::CREATED, Json(fixture::create_item(item)))
}

/// The routes and layers, outermost first as opsguard-axum's README orders
/// them.
fn router(guard: OpsGuard) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/greeting", get(greeting))
        .route("/admin", get(admin))
        .route("/jobs/{id}", delete(delete_job))
        .route("/items", post(create_item))
        .route("/files/{owner}/{name}", get(file))
        .route("/mismatch/{id}", get(mismatch))
        .merge(auth_router())
        .layer(
            ServiceBuilder::new()
                .layer(SecurityHeadersLayer::json_api())
                .layer(RequestIdLayer::new())
                .layer(ErrorEnvelopeLayer::new())
                .layer(BodyLimitLayer::new(BODY_LIMIT)),
        )
        .with_state(guard)
}

/// Serves the app for `guard` on 127.0.0.1 at a free port.
pub(crate) fn start(guard: OpsGuard) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("axum-app".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = router(guard).into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        })
        .unwrap();
    Server::new(
        addr,
        Box::new(move || {
            let _ = stop.send(());
        }),
        thread,
    )
}

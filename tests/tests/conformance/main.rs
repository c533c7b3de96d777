//! The black-box HTTP conformance suite of the web adapters.
//!
//! One app contract, built twice — on opsguard-axum (`app_axum.rs`) and on
//! opsguard-actix (`app_actix.rs`) — from the same guard, keys, users and
//! handler logic (`fixture.rs`). Each app serves on a real loopback socket
//! in a thread of its own; the checks (`checks.rs`) are written once and
//! speak HTTP to it with reqwest, or byte for byte over a TCP stream where
//! the exact request matters (spacing, duplicate or empty headers, chunked
//! bodies).
//!
//! `cargo test -p opsguard-tests --test conformance` runs every check as
//! `axum::<check>` and `actix::<check>`; `both::identical_answers` sends
//! one list of requests to both apps and requires the same status, headers
//! and body bytes from each, and `both::known_framework_differences` pins
//! what the frameworks' routers and HTTP servers do differently outside
//! the adapters' reach.
//!
//! The app contract:
//!
//! | route | extractor | answer |
//! |---|---|---|
//! | `GET /me` | `CurrentUser` | `{"id","username"}` of the caller |
//! | `GET /greeting` | optional user | 200 naming the caller or "anonymous" |
//! | `GET /admin` | `RequireAdmin` | the admin |
//! | `DELETE /jobs/{id}` | `CurrentUser`, `Path<i64>` | job 1 is alice's, job 2 another user's, others 404 |
//! | `POST /items` | `ValidJson<Item>` | 201, the item |
//! | `GET /files/{owner}/{name}` | `Path<(String, String)>` | the decoded parameters |
//! | `GET /mismatch/{id}` | `Path<(i64, i64)>` | never: the type does not fit the route (500) |
//! | `/auth/login`, `/auth/refresh`, `/auth/logout`, `/.well-known/jwks.json` | the adapters' ready routes | |
//!
//! with the layers, outermost first: security headers (JSON-API preset),
//! request id, error envelope, body limit of 1024 bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_panics_doc
)]

mod app_actix;
mod app_axum;
mod checks;
mod client;
mod fixture;
mod identity;
mod server;

use std::future::Future;

/// Runs `check` to completion on a fresh current-thread runtime (the
/// client's; each app has its own).
fn block_on(check: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(check);
}

/// For each check in `checks`, a test in `mod axum` and one in `mod actix`,
/// each against a freshly started app of its framework.
macro_rules! conformance {
    ($($check:ident),+ $(,)?) => {
        /// The checks against the app on opsguard-axum.
        mod axum {
            $(
                #[test]
                fn $check() {
                    let app = crate::client::TestApp::start(crate::client::Framework::Axum);
                    assert_eq!(app.framework(), crate::client::Framework::Axum);
                    crate::block_on(crate::checks::$check(&app));
                }
            )+
        }

        /// The same checks against the app on opsguard-actix.
        mod actix {
            $(
                #[test]
                fn $check() {
                    let app = crate::client::TestApp::start(crate::client::Framework::Actix);
                    assert_eq!(app.framework(), crate::client::Framework::Actix);
                    crate::block_on(crate::checks::$check(&app));
                }
            )+
        }
    };
}

conformance! {
    missing_token,
    valid_token,
    malformed_token,
    expired_token,
    refresh_token_as_access_token,
    token_signed_by_another_key,
    token_with_wrong_issuer,
    scheme_case,
    authorization_spacing,
    duplicate_authorization_headers,
    optional_user,
    unauthenticated_vs_forbidden,
    job_ownership,
    path_id_invalid,
    path_param_not_utf8,
    path_type_mismatch,
    json_valid,
    json_refusals,
    content_type_refusals,
    validation_rule,
    body_limit,
    security_headers_everywhere,
    request_id_not_echoed,
    unknown_route,
    login_throttling,
    login_failures_identical,
    token_endpoint_bodies,
    refresh_rotation,
    logout,
    jwks,
    head_requests,
    web_01_ownership_is_enforced_per_object,
    web_03_json_type_confusion_is_refused,
    web_05_authorization_header_variants,
    web_07_login_failures_answer_identically,
}

/// Every case of `../shared/cases/web.json` has a check above, run on
/// both adapters.
#[test]
fn every_web_case_is_covered() {
    let covered = ["WEB-01", "WEB-03", "WEB-05", "WEB-07"];
    assert_eq!(opsguard_tests::case_ids("web.json"), covered);
}

/// Checks that need both apps at once.
mod both {
    #[test]
    fn identical_answers() {
        crate::block_on(crate::identity::identical_answers());
    }

    #[test]
    fn known_framework_differences() {
        crate::block_on(crate::identity::known_framework_differences());
    }
}

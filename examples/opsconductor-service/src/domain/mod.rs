//! The service's domain, free of any web framework: the state a request
//! can reach ([`AppState`]), who is calling ([`Caller`]), and the
//! operations the endpoints perform, each returning a [`Reply`] (status
//! and success envelope) or an [`opsguard::Error`] (which every opsguard
//! adapter turns into the same error envelope).
//!
//! An adapter's handler extracts (the access token and client address
//! with its opsguard extractors, the body with its `ValidJson`), calls one
//! function here and writes the answer out. The axum routes of this crate
//! and the actix-web routes of opsconductor-actix are such adapters, so both
//! services decide, store and answer alike, and can share one database.
//!
//! | endpoint | operation |
//! |---|---|
//! | `GET /health` | [`health`] |
//! | `POST /auth/logout` | [`deny_access_token`], then the adapter's ready logout |
//! | `GET /profile` | [`profile`] |
//! | `POST /targets`, `GET /targets`, `DELETE /targets/{id}` | [`targets::create`], [`targets::list`], [`targets::delete`] |
//! | `POST /jobs`, `GET /jobs`, `DELETE /jobs/{id}` | [`jobs::create`], [`jobs::list`], [`jobs::delete`] |

mod account;
mod caller;
pub mod jobs;
pub(crate) mod registration_limit;
mod reply;
mod state;
pub mod targets;

pub use account::{Health, Profile, deny_access_token, health, profile};
pub use caller::{Caller, client_event};
pub use reply::{NewId, Reply};
pub use state::AppState;

pub use crate::db::users::User;

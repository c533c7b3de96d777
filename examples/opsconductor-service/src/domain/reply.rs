//! [`Reply`]: what a successful operation answers, before any framework
//! turns it into a response.

use opsguard::Success;
use serde::Serialize;

/// The `data` of a `201 Created`: the new row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NewId {
    id: i64,
}

impl NewId {
    /// The new row's id.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.id
    }
}

/// A successful answer: its HTTP status (200 or 201) and opsguard's
/// success envelope `{"success":true,"message":...,"data":...}`.
///
/// The operations in [`crate::domain`] return it, so the status and the
/// message of each answer are decided once; each adapter only writes it
/// out (axum: `IntoResponse` in this crate; actix-web: a `Responder` in
/// opsconductor-actix), as JSON through its opsguard adapter's `Json`.
#[derive(Debug, Clone)]
pub struct Reply<T = serde_json::Value> {
    status: u16,
    body: Success<T>,
}

impl<T> Reply<T> {
    /// `200 OK` carrying `data`.
    #[must_use]
    pub fn ok(message: &'static str, data: T) -> Self {
        Self {
            status: 200,
            body: Success::new(message, data),
        }
    }

    /// The HTTP status: 200 or 201.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The success envelope.
    #[must_use]
    pub fn body(&self) -> &Success<T> {
        &self.body
    }

    /// The success envelope, by value.
    #[must_use]
    pub fn into_body(self) -> Success<T> {
        self.body
    }
}

impl Reply<NewId> {
    /// `201 Created` with `{"data":{"id":<id>}}`.
    #[must_use]
    pub fn created(message: &'static str, id: i64) -> Self {
        Self {
            status: 201,
            body: Success::new(message, NewId { id }),
        }
    }
}

impl Reply {
    /// `200 OK` with `"data": null`.
    #[must_use]
    pub fn done(message: &'static str) -> Self {
        Self {
            status: 200,
            body: Success::without_data(message),
        }
    }
}

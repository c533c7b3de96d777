//! Helpers shared by the in-process tests: send a request through a router
//! and read the whole answer.
#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use opsguard_core::{Error, ErrorBody};
use tower::ServiceExt;

/// A response, read to the end.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The body parsed as an opsguard error body (panics if it is not one).
    pub fn error(&self) -> ErrorBody {
        ErrorBody::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not an error envelope ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `(field, code)` of the first field error.
    pub fn first_field(&self) -> (String, String) {
        let body = self.error();
        let first = body.error.fields.first().expect("no field error");
        (first.field().to_owned(), first.code().to_owned())
    }

    /// Asserts this answer is exactly `err.to_wire()`: status, every wire
    /// header, body bytes.
    pub fn assert_wire(&self, err: &Error) {
        let wire = err.to_wire();
        assert_eq!(self.status.as_u16(), wire.status, "status");
        for (name, value) in &wire.headers {
            assert_eq!(self.header(name), Some(value.as_str()), "header {name}");
        }
        assert_eq!(
            String::from_utf8_lossy(&self.body),
            String::from_utf8_lossy(&wire.body),
            "body"
        );
    }
}

/// Sends `request` through `app` in process.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `method uri` with no body.
pub fn empty(method: &str, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

/// `method uri` with a JSON body and `content-type: application/json`.
pub fn json(method: &str, uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

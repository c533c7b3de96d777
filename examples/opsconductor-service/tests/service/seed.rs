//! The seed document's three security tests, against the real service and
//! every protected route.

use reqwest::Method;
use serde_json::json;

use crate::support::on_each_backend;

/// Every route that needs a token, with a body where it takes one.
const PROTECTED: [(Method, &str); 14] = [
    (Method::GET, "/profile"),
    (Method::POST, "/users"),
    (Method::GET, "/users"),
    (Method::DELETE, "/admin/users/2"),
    (Method::GET, "/admin/audit"),
    (Method::POST, "/credentials"),
    (Method::GET, "/credentials"),
    (Method::GET, "/credentials/1"),
    (Method::DELETE, "/credentials/1"),
    (Method::POST, "/credentials/1/reveal"),
    (Method::POST, "/targets"),
    (Method::GET, "/targets"),
    (Method::POST, "/jobs"),
    (Method::DELETE, "/jobs/1"),
];

fn body_for(method: &Method) -> Option<serde_json::Value> {
    (method == Method::POST).then(|| json!({"data": "test"}))
}

#[tokio::test]
async fn seed_protected_endpoint_without_token_is_401_auth_error() {
    on_each_backend("seed_without_token", async |svc| {
        for (method, path) in PROTECTED {
            let answer = svc
                .request(method.clone(), path, None, body_for(&method))
                .await;
            assert_eq!(answer.status, 401, "{method} {path}");
            assert_eq!(answer.error_type(), "AuthError", "{method} {path}");
            assert_eq!(answer.headers["www-authenticate"], "Bearer");
        }
    })
    .await;
}

#[tokio::test]
async fn seed_protected_endpoint_with_invalid_token_is_401() {
    on_each_backend("seed_invalid_token", async |svc| {
        let alice = svc.user("alice").await;
        let forged = format!("{}x", alice.tokens.access);
        for token in [
            "invalid-token",
            forged.as_str(),
            alice.tokens.refresh.as_str(),
        ] {
            for (method, path) in PROTECTED {
                let answer = svc
                    .request(method.clone(), path, Some(token), body_for(&method))
                    .await;
                assert_eq!(answer.status, 401, "{method} {path}");
                assert_eq!(
                    answer.body,
                    json!({"error": {"type": "AuthError", "message": "invalid or expired token"}})
                );
                assert_eq!(
                    answer.headers["www-authenticate"],
                    "Bearer error=\"invalid_token\""
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn seed_admin_endpoint_with_regular_user_is_403_permission_error() {
    on_each_backend("seed_admin_as_user", async |svc| {
        let alice = svc.user("alice").await;
        let bob = svc.user("bob").await;
        let admin_routes = [
            (Method::DELETE, format!("/admin/users/{}", bob.id)),
            (Method::GET, "/users".to_owned()),
            (Method::POST, "/users".to_owned()),
            (Method::GET, "/admin/audit".to_owned()),
        ];
        for (method, path) in admin_routes {
            let answer = svc
                .request(method.clone(), &path, alice.token(), body_for(&method))
                .await;
            assert_eq!(answer.status, 403, "{method} {path}");
            assert_eq!(
                answer.body,
                json!({"error": {"type": "PermissionError", "message": "permission denied"}})
            );
        }
        // Bob still exists: his token still reaches his profile.
        assert_eq!(svc.get("/profile", bob.token()).await.status, 200);
    })
    .await;
}

//! Registration: one account per mailbox, however its address is spelt.

use serde_json::json;

use crate::support::{PASSWORD, on_each_backend};

#[tokio::test]
async fn an_email_address_is_unique_in_any_case_or_spelling() {
    on_each_backend("email_unique", async |svc| {
        let register = |name: &str, email: &str| {
            svc.post(
                "/auth/register",
                None,
                json!({"username": name, "email": email, "password": PASSWORD}),
            )
        };
        assert_eq!(register("carol", "Carol@Example.COM").await.status, 201);
        let carol = svc.login("carol", PASSWORD).await;
        let profile = svc.get("/profile", Some(&carol.access)).await;
        assert_eq!(profile.data()["email"], "carol@example.com");

        for (name, email) in [
            ("carol2", "carol@example.com"),
            ("carol3", "CAROL@EXAMPLE.COM"),
            ("carol4", "carol@ｅｘａｍｐｌｅ.com"),
        ] {
            let again = register(name, email).await;
            assert_eq!(again.status, 409, "{email}: {again:?}");
            assert_eq!(again.error_type(), "Conflict");
        }

        // An administrator creating the account is held to the same rule.
        let root = svc.admin("root").await;
        let by_admin = svc
            .post(
                "/users",
                root.token(),
                json!({"username": "carol5", "email": "Carol@example.com",
                       "password": PASSWORD, "is_admin": false}),
            )
            .await;
        assert_eq!(by_admin.status, 409);
        // Another mailbox at the same domain is another person.
        assert_eq!(register("dave", "Dave@EXAMPLE.com").await.status, 201);
    })
    .await;
}

#[tokio::test]
async fn one_client_registers_ten_accounts_at_once_then_one_a_minute() {
    on_each_backend("register_rate", async |svc| {
        let body = |name: &str| {
            json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD})
        };
        for i in 0..10 {
            let name = format!("flood{i}");
            let answer = svc.post("/auth/register", None, body(&name)).await;
            assert_eq!(answer.status, 201, "{name}: {answer:?}");
        }
        let refused = svc.post("/auth/register", None, body("flood10")).await;
        assert_eq!(refused.status, 429, "{refused:?}");
        assert_eq!(
            refused.body,
            json!({"error": {"type": "RateLimited", "message": "too many requests"}})
        );
        let retry_after: u64 = refused.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        // Counted before the body is read: a malformed body is refused too.
        let malformed = svc
            .post("/auth/register", None, json!({"username": 1}))
            .await;
        assert_eq!(malformed.status, 429);
        // Not created, and logging in is not limited by it.
        svc.login("flood0", PASSWORD).await;
        let root = svc.admin("root").await;
        assert_eq!(svc.get("/users", root.token()).await.data().as_array().unwrap().len(), 11);

        // Another client address has an allowance of its own.
        let other = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
            .build()
            .unwrap();
        let answer = other
            .post(svc.url("/auth/register"))
            .json(&body("elsewhere"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
    })
    .await;
}

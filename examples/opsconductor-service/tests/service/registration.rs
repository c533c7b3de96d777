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

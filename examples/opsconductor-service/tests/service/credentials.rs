//! The seed's credential round trip, through the real service and database:
//! what is stored is not the password, reveal gives it back, and a sealed
//! value moved to another row does not open.

use serde_json::json;

use crate::support::on_each_backend;

#[tokio::test]
async fn seed_credential_encryption_round_trip() {
    on_each_backend("credential_round_trip", async |svc| {
        let original = "test-password-123";
        let alice = svc.user("alice").await;
        let id = svc.credential(&alice, original).await;

        // The database holds a sealed value (format v1), not the password.
        let db = svc.database().await;
        let stored = db.sealed(id).await;
        db.close().await;
        assert_eq!(stored.first(), Some(&1), "format version");
        assert!(stored.len() > original.len());
        assert!(
            !stored
                .windows(original.len())
                .any(|w| w == original.as_bytes()),
            "plaintext in the database"
        );

        // Reading the credential never shows the secret.
        for path in [format!("/credentials/{id}"), "/credentials".to_owned()] {
            let answer = svc.get(&path, alice.token()).await;
            assert_eq!(answer.status, 200);
            assert!(!answer.body.to_string().contains(original), "{path}");
            assert!(!answer.body.to_string().contains("password"), "{path}");
        }

        // Reveal gives it back, and is audited.
        let revealed = svc
            .post(
                &format!("/credentials/{id}/reveal"),
                alice.token(),
                json!({}),
            )
            .await;
        assert_eq!(revealed.status, 200);
        assert_eq!(
            revealed.data(),
            &json!({"id": id, "name": "web root", "username": "root", "password": original})
        );
        let root = svc.admin("root").await;
        let audit = svc.get("/admin/audit", root.token()).await;
        let event = audit.data()["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "credential_revealed")
            .cloned()
            .unwrap();
        assert_eq!(event["resource"], format!("credentials:{id}"));
        assert_eq!(event["user_id"], alice.id.to_string());
    })
    .await;
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_row_fails_generically_and_is_audited() {
    on_each_backend("moved_sealed_value", async |svc| {
        let alice = svc.user("alice").await;
        let first = svc.credential(&alice, "first-secret").await;
        let second = svc.credential(&alice, "second-secret").await;

        let db = svc.database().await;
        let sealed = db.sealed(first).await;
        db.set_sealed(second, &sealed).await;
        db.close().await;

        let moved = svc
            .post(
                &format!("/credentials/{second}/reveal"),
                alice.token(),
                json!({}),
            )
            .await;
        assert_eq!(moved.status, 500);
        assert_eq!(
            moved.body,
            json!({"error": {"type": "InternalError", "message": "internal server error"}})
        );
        // The row it came from still opens.
        let original = svc
            .post(
                &format!("/credentials/{first}/reveal"),
                alice.token(),
                json!({}),
            )
            .await;
        assert_eq!(original.data()["password"], "first-secret");

        let root = svc.admin("root").await;
        let audit = svc.get("/admin/audit", root.token()).await;
        let failures: Vec<_> = audit.data()["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "crypt_decrypt_fail")
            .map(|r| r["resource"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(failures, [format!("credentials:{second}")]);
    })
    .await;
}

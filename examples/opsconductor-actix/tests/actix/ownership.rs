//! Ownership through the actix service: the shared domain reads each
//! object's owner from its row, refuses another user's object with 403
//! (audited), and a missing id with 404 — as the axum service does.

use serde_json::{Value, json};

use crate::client::Actix;
use crate::support::{PASSWORD, on_each_backend};

#[tokio::test(flavor = "multi_thread")]
async fn jobs_and_targets_belong_to_their_owner() {
    on_each_backend("actix_ownership", async |svc| {
        let actix = Actix::beside(svc).await;
        // Accounts and bob's credential through the axum service (the
        // actix service has no registration or credentials); everything
        // else through actix, with tokens it issued.
        let alice = svc.user("alice").await;
        let bob = svc.user("bob").await;
        let root = svc.admin("root").await;
        let credential = svc.credential(&bob, "bobs-secret").await;
        let alice_token = actix.login("alice", PASSWORD).await.access;
        let bob_token = actix.login("bob", PASSWORD).await.access;
        let alice_t = Some(alice_token.as_str());
        let bob_t = Some(bob_token.as_str());

        let target = actix.target(&bob_token, credential).await;
        let job = actix.job(&bob_token, &[target]).await;

        // The owner sees them; the other user sees an empty list.
        let jobs = actix.get("/jobs", bob_t).await;
        assert_eq!(jobs.status, 200, "{jobs:?}");
        assert_eq!(jobs.body["message"], "jobs");
        let listed = jobs.data().as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["id"], job);
        assert_eq!(listed[0]["owner_id"], bob.id);
        assert_eq!(listed[0]["target_ids"], json!([target]));
        let targets = actix.get("/targets", bob_t).await;
        assert_eq!(targets.status, 200);
        assert_eq!(targets.data()[0]["id"], target);
        assert_eq!(targets.data()[0]["credential_id"], credential);
        for path in ["/jobs", "/targets"] {
            let theirs = actix.get(path, alice_t).await;
            assert_eq!(theirs.status, 200, "{path}");
            assert_eq!(theirs.data(), &json!([]), "{path}");
        }

        // Another user: 403 on bob's job and target, and on referencing
        // them; nothing is deleted or created.
        let refused = json!({"error": {"type": "PermissionError", "message": "permission denied"}});
        for answer in [
            actix.delete(&format!("/jobs/{job}"), alice_t).await,
            actix.delete(&format!("/targets/{target}"), alice_t).await,
            actix
                .post(
                    "/jobs",
                    alice_t,
                    json!({"name": "j", "target_ids": [target], "steps": [{"name": "s", "command": "true"}]}),
                )
                .await,
            actix
                .post(
                    "/targets",
                    alice_t,
                    json!({"name": "t", "host": "a.example", "platform": "linux", "credential_id": credential}),
                )
                .await,
        ] {
            assert_eq!(answer.status, 403, "{answer:?}");
            assert_eq!(answer.body, refused);
        }
        assert_eq!(actix.get("/jobs", bob_t).await.data().as_array().unwrap().len(), 1);

        // Each refusal is in the audit log, with the object it was about.
        let audit = svc.get("/admin/audit?limit=200", root.token()).await;
        let alice_id = alice.id.to_string();
        let mut refusals: Vec<Value> = audit.data()["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "authz_fail" && r["user_id"].as_str() == Some(alice_id.as_str()))
            .map(|r| r["resource"].clone())
            .collect();
        refusals.sort_by_key(Value::to_string);
        assert_eq!(
            refusals,
            vec![
                json!(format!("credentials:{credential}")),
                json!(format!("jobs:{job}")),
                json!(format!("targets:{target}")),
                json!(format!("targets:{target}")),
            ]
        );

        // Missing ids: 404, for anyone.
        for (path, message) in [("/jobs/999999", "job not found"), ("/targets/999999", "target not found")] {
            let missing = actix.delete(path, bob_t).await;
            assert_eq!(missing.status, 404, "{missing:?}");
            assert_eq!(missing.body, json!({"error": {"type": "NotFound", "message": message}}));
        }
        let missing_target = actix
            .post(
                "/jobs",
                bob_t,
                json!({"name": "j", "target_ids": [999999], "steps": [{"name": "s", "command": "true"}]}),
            )
            .await;
        assert_eq!(missing_target.status, 404);
        assert_eq!(missing_target.body["error"]["message"], "target not found");

        // The owner: the target is in use (409) until its job is deleted
        // (200, as the axum service answers), then both are gone.
        let in_use = actix.delete(&format!("/targets/{target}"), bob_t).await;
        assert_eq!(in_use.status, 409, "{in_use:?}");
        assert_eq!(in_use.error_type(), "Conflict");
        let deleted = actix.delete(&format!("/jobs/{job}"), bob_t).await;
        assert_eq!(deleted.status, 200, "{deleted:?}");
        assert_eq!(deleted.body, json!({"success": true, "message": "job deleted", "data": null}));
        let again = actix.delete(&format!("/jobs/{job}"), bob_t).await;
        assert_eq!(again.status, 404);
        assert_eq!(again.error_type(), "NotFound");
        let target_deleted = actix.delete(&format!("/targets/{target}"), bob_t).await;
        assert_eq!(target_deleted.status, 200);
        assert_eq!(
            target_deleted.body,
            json!({"success": true, "message": "target deleted", "data": null})
        );
        assert_eq!(actix.get("/jobs", bob_t).await.data(), &json!([]));

        // An administrator may act on anyone's job.
        let target = actix.target(&bob_token, credential).await;
        let job = actix.job(&bob_token, &[target]).await;
        let root_token = actix.login("root", PASSWORD).await.access;
        let all = actix.get("/jobs", Some(&root_token)).await;
        assert_eq!(all.data().as_array().unwrap().len(), 1);
        let by_admin = actix.delete(&format!("/jobs/{job}"), Some(&root_token)).await;
        assert_eq!(by_admin.status, 200, "{by_admin:?}");

        actix.stop().await;
    })
    .await;
}

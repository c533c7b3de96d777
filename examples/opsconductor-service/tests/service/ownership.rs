//! Ownership on every resource and verb (case WEB-01, IDOR) and strict
//! types on privilege flags (case WEB-03).
//!
//! The service answers 403 `PermissionError` for another user's object and
//! 404 `NotFound` for an id that does not exist (WEB-01 allows 403 or 404 if
//! consistent; 403 tells a caller that an id exists, see the README).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestService, User, on_each_backend};

/// A refusal of another user's object: 403, the generic body, nothing of
/// the object.
fn assert_refused(answer: &crate::support::Answer, what: &str) {
    assert_eq!(answer.status, 403, "{what}: {answer:?}");
    assert_eq!(
        answer.body,
        json!({"error": {"type": "PermissionError", "message": "permission denied"}}),
        "{what}"
    );
}

/// alice (the case's id 1), bob (2) and root (3, admin), and bob's objects.
struct World {
    alice: User,
    bob: User,
    root: User,
    bob_credential: i64,
    bob_target: i64,
    bob_job: i64,
}

async fn world(svc: &TestService) -> World {
    let case = opsguard_tests::case("web.json", "WEB-01");
    assert_eq!(case["input"]["setup"]["root"]["role"], "admin");
    let alice = svc.user("alice").await;
    let bob = svc.user("bob").await;
    let root = svc.admin("root").await;
    let bob_credential = svc.credential(&bob, "bobs-secret").await;
    let bob_target = svc.target(&bob, bob_credential).await;
    let bob_job = svc.job(&bob, &[bob_target]).await;
    World {
        alice,
        bob,
        root,
        bob_credential,
        bob_target,
        bob_job,
    }
}

#[tokio::test]
async fn web_01_another_users_objects_are_refused_on_every_verb() {
    on_each_backend("web_01", async |svc| {
        let w = world(svc).await;
        let alice = w.alice.token();
        let cred = w.bob_credential;

        // Read, reveal, delete bob's credential.
        assert_refused(
            &svc.get(&format!("/credentials/{cred}"), alice).await,
            "read credential",
        );
        let reveal = svc
            .post(&format!("/credentials/{cred}/reveal"), alice, json!({}))
            .await;
        assert_refused(&reveal, "reveal credential");
        assert!(!reveal.body.to_string().contains("bobs-secret"));
        assert_refused(
            &svc.delete(&format!("/credentials/{cred}"), alice).await,
            "delete credential",
        );
        // Delete bob's job.
        assert_refused(
            &svc.delete(&format!("/jobs/{}", w.bob_job), alice).await,
            "delete job",
        );
        // Reference bob's credential from a target, bob's target from a job.
        let target = svc
            .post(
                "/targets",
                alice,
                json!({"name": "t", "host": "a.example", "platform": "linux",
                                             "credential_id": cred}),
            )
            .await;
        assert_refused(&target, "reference credential");
        let job = svc
            .post(
                "/jobs",
                alice,
                json!({"name": "j", "target_ids": [w.bob_target],
                                          "steps": [{"name": "s", "command": "true"}]}),
            )
            .await;
        assert_refused(&job, "reference target");
        // Users are an administrator's business.
        assert_refused(&svc.get("/users", alice).await, "list users");

        // Methods the API does not have are unknown routes, not a way in.
        let put = svc
            .request(
                Method::PUT,
                &format!("/credentials/{cred}"),
                alice,
                Some(json!({"host": "10.0.0.9"})),
            )
            .await;
        assert_eq!(put.status, 404);

        // Lists show alice only her own rows, whatever the query says.
        for path in [
            "/credentials",
            "/targets",
            "/jobs",
            "/credentials?owner_id=2",
        ] {
            let list = svc.get(path, alice).await;
            assert_eq!(list.status, 200, "{path}");
            assert_eq!(list.data(), &json!([]), "{path}");
        }

        // An owner_id in a body is refused, not obeyed.
        let owned = svc
            .post(
                "/credentials",
                alice,
                json!({"owner_id": w.bob.id, "name": "n", "username": "u",
                                                 "password": "p"}),
            )
            .await;
        assert_eq!(owned.status, 422);
        assert_eq!(
            owned.fields(),
            [("owner_id".to_owned(), "unknown_field".to_owned())]
        );

        // Bob's objects are unchanged and still his.
        let bob = w.bob.token();
        let revealed = svc
            .post(&format!("/credentials/{cred}/reveal"), bob, json!({}))
            .await;
        assert_eq!(revealed.data()["password"], "bobs-secret");
        assert_eq!(svc.get("/jobs", bob).await.data()[0]["id"], w.bob_job);
        assert_eq!(svc.get("/targets", bob).await.data()[0]["id"], w.bob_target);

        // A missing id is 404, not 403.
        let missing = svc.get("/credentials/999999", alice).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.error_type(), "NotFound");

        // Every refusal is in the audit log as authz_fail.
        let root = w.root.token();
        let alice_id = w.alice.id.to_string();
        let audit = svc.get("/admin/audit?limit=200", root).await;
        let refused: Vec<Value> = audit.data()["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["kind"] == "authz_fail" && r["user_id"].as_str() == Some(alice_id.as_str())
            })
            .map(|r| r["resource"].clone())
            .collect();
        assert_eq!(refused.len(), 7, "{refused:?}");

        // As root: 200 on bob's objects, and every row in the lists.
        let as_root = svc.get(&format!("/credentials/{cred}"), root).await;
        assert_eq!(as_root.status, 200);
        assert_eq!(as_root.data()["owner_id"], w.bob.id);
        assert_eq!(
            svc.get("/credentials", root)
                .await
                .data()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            svc.get("/jobs", root)
                .await
                .data()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let root_target = svc
            .post(
                "/targets",
                root,
                json!({"name": "t", "host": "a.example", "platform": "linux",
                                            "credential_id": cred}),
            )
            .await;
        assert_eq!(root_target.status, 201);
        assert_eq!(
            svc.delete(&format!("/jobs/{}", w.bob_job), root)
                .await
                .status,
            200
        );
    })
    .await;
}

#[tokio::test]
async fn web_03_privilege_flags_take_strict_types_and_non_admins_get_403_whatever_the_body() {
    on_each_backend("web_03", async |svc| {
        let case = opsguard_tests::case("web.json", "WEB-03");
        let root = svc.admin("root").await;
        let alice = svc.user("alice").await;
        let flags = case["input"]["admin_token_PATCH_/api/users/2"].as_array().unwrap();
        for (i, flag) in flags.iter().enumerate() {
            let mut body = json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"),
                                  "password": crate::support::PASSWORD});
            for (key, value) in flag.as_object().unwrap() {
                body[key] = value.clone();
            }
            let as_admin = svc.post("/users", root.token(), body.clone()).await;
            assert_eq!(as_admin.status, 422, "{flag}");
            assert_eq!(as_admin.error_type(), "ValidationError", "{flag}");
            let as_user = svc.post("/users", alice.token(), body).await;
            assert_refused(&as_user, &flag.to_string());
        }
        for fields in case["input"]["credential_body_fields"].as_array().unwrap() {
            let mut body = json!({"name": "db", "host": "10.0.0.7", "platform": "linux", "credential_id": 1});
            for (key, value) in fields.as_object().unwrap() {
                body[key] = value.clone();
            }
            let answer = svc.post("/targets", alice.token(), body).await;
            assert_eq!(answer.status, 422, "{fields}");
        }
        // Nobody was created by any of it.
        assert_eq!(svc.get("/users", root.token()).await.data().as_array().unwrap().len(), 2);
    })
    .await;
}

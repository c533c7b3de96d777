//! Every endpoint, its success answer and its refusals, with exact statuses
//! and error types.

use serde_json::{Value, json};

use crate::support::{PASSWORD, on_each_backend};

#[tokio::test]
async fn health_and_jwks_need_no_token() {
    on_each_backend("health_and_jwks", async |svc| {
        let health = svc.get("/health", None).await;
        assert_eq!(health.status, 200);
        assert_eq!(
            health.body,
            json!({"success": true, "message": "ok", "data": {"status": "ok"}})
        );
        assert_eq!(health.headers["x-content-type-options"], "nosniff");
        assert_eq!(health.headers["cache-control"], "no-store");
        assert!(health.headers.contains_key("x-request-id"));

        let jwks = svc.get("/.well-known/jwks.json", None).await;
        assert_eq!(jwks.status, 200);
        let keys = jwks.body["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["alg"], "EdDSA");
        assert!(keys[0].get("d").is_none(), "private key published");
    })
    .await;
}

#[tokio::test]
async fn registration_creates_regular_users_only() {
    on_each_backend("registration", async |svc| {
        let register = |body: Value| svc.post("/auth/register", None, body);
        let ok = register(
            json!({"username": "Carol", "email": "carol@example.com", "password": PASSWORD}),
        )
        .await;
        assert_eq!(ok.status, 201);
        assert_eq!(ok.body["message"], "user registered");
        let id = ok.id();

        // The username is stored normalized: `carol` logs in.
        let carol = svc.login("carol", PASSWORD).await;
        let profile = svc.get("/profile", Some(&carol.access)).await;
        assert_eq!(profile.status, 200);
        assert_eq!(
            profile.data(),
            &json!({"user_id": id, "username": "carol", "email": "carol@example.com",
                    "is_admin": false, "roles": ["user"]})
        );

        let again = register(
            json!({"username": "carol", "email": "other@example.com", "password": PASSWORD}),
        )
        .await;
        assert_eq!(again.status, 409);
        assert_eq!(again.error_type(), "Conflict");

        let admin_flag = register(json!({"username": "mallory", "email": "m@example.com",
                                          "password": PASSWORD, "is_admin": true}))
        .await;
        assert_eq!(admin_flag.status, 422);
        assert_eq!(
            admin_flag.fields(),
            [("is_admin".to_owned(), "unknown_field".to_owned())]
        );

        let weak =
            register(json!({"username": "dave", "email": "dave@example.com", "password": "dave"}))
                .await;
        assert_eq!(weak.status, 422);
        assert_eq!(weak.error_type(), "ValidationError");
        assert!(
            weak.fields().iter().all(|(field, _)| field == "password"),
            "{weak:?}"
        );
        assert!(!weak.fields().is_empty());

        let bad_email =
            register(json!({"username": "erin", "email": "erin@localhost", "password": PASSWORD}))
                .await;
        assert_eq!(
            bad_email.fields(),
            [("email".to_owned(), "invalid_email".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn login_refusals_are_identical() {
    on_each_backend("login_refusals", async |svc| {
        svc.user("alice").await;
        let wrong = svc
            .post(
                "/auth/login",
                None,
                json!({"username": "alice", "password": "wrong password"}),
            )
            .await;
        let unknown = svc
            .post(
                "/auth/login",
                None,
                json!({"username": "nobody", "password": "wrong password"}),
            )
            .await;
        for answer in [&wrong, &unknown] {
            assert_eq!(answer.status, 401);
            assert_eq!(
                answer.body,
                json!({"error": {"type": "AuthError", "message": "invalid username or password"}})
            );
        }
    })
    .await;
}

#[tokio::test]
async fn refresh_and_logout() {
    on_each_backend("refresh_and_logout", async |svc| {
        let alice = svc.user("alice").await;
        let renewed = svc
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": alice.tokens.refresh}),
            )
            .await;
        assert_eq!(renewed.status, 200);
        assert_eq!(renewed.data()["token_type"], "Bearer");
        assert_eq!(renewed.data()["expires_in"], 900);
        assert_eq!(renewed.headers["cache-control"], "no-store");
        let refresh = renewed.data()["refresh_token"].as_str().unwrap().to_owned();
        let access = renewed.data()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(svc.get("/profile", Some(&access)).await.status, 200);

        let logout = svc
            .post("/auth/logout", None, json!({"refresh_token": refresh}))
            .await;
        assert_eq!(logout.status, 200);
        assert_eq!(
            logout.body,
            json!({"success": true, "message": "logged out", "data": null})
        );
        let after = svc
            .post("/auth/refresh", None, json!({"refresh_token": refresh}))
            .await;
        assert_eq!(after.status, 401);
        assert_eq!(after.error_type(), "AuthError");
    })
    .await;
}

#[tokio::test]
async fn administrators_manage_users() {
    on_each_backend("admin_users", async |svc| {
        let root = svc.admin("root").await;
        let created = svc
            .post(
                "/users",
                root.token(),
                json!({"username": "ops", "email": "ops@example.com",
                                                  "password": PASSWORD, "is_admin": true}),
            )
            .await;
        let ops_id = created.id();
        let ops = svc.login("ops", PASSWORD).await;
        let profile = svc.get("/profile", Some(&ops.access)).await;
        assert_eq!(profile.data()["is_admin"], true);
        assert_eq!(profile.data()["roles"], json!(["admin"]));

        // `"true"` is not a boolean.
        let coerced = svc
            .post(
                "/users",
                root.token(),
                json!({"username": "eve", "email": "eve@example.com",
                                                  "password": PASSWORD, "is_admin": "true"}),
            )
            .await;
        assert_eq!(coerced.status, 422);
        assert_eq!(
            coerced.fields(),
            [("is_admin".to_owned(), "invalid_type".to_owned())]
        );

        let list = svc.get("/users", root.token()).await;
        assert_eq!(list.status, 200);
        let users = list.data().as_array().unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.iter().all(|u| u.get("password_hash").is_none()));
        assert_eq!(users[1]["id"], ops_id);
        assert_eq!(users[1]["role"], "admin");

        let alice = svc.user("alice").await;
        let deleted = svc
            .delete(&format!("/admin/users/{}", alice.id), root.token())
            .await;
        assert_eq!(deleted.status, 200);
        assert_eq!(
            deleted.body,
            json!({"success": true, "message": "user deleted", "data": null})
        );
        // Her sessions ended with her.
        let refresh = svc
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": alice.tokens.refresh}),
            )
            .await;
        assert_eq!(refresh.status, 401);
        // Her still-unexpired access token names nobody: refused.
        assert_eq!(svc.get("/profile", alice.token()).await.status, 401);
        assert_eq!(svc.get("/credentials", alice.token()).await.status, 401);
        let orphan = svc
            .post(
                "/credentials",
                alice.token(),
                json!({"name": "n", "username": "u", "password": "p"}),
            )
            .await;
        assert_eq!(orphan.status, 401);
        assert_eq!(orphan.error_type(), "AuthError");

        let again = svc
            .delete(&format!("/admin/users/{}", alice.id), root.token())
            .await;
        assert_eq!(again.status, 404);
        assert_eq!(again.error_type(), "NotFound");
        let myself = svc
            .delete(&format!("/admin/users/{}", root.id), root.token())
            .await;
        assert_eq!(myself.status, 409);
        assert_eq!(myself.error_type(), "Conflict");
        let not_a_number = svc.delete("/admin/users/abc", root.token()).await;
        assert_eq!(not_a_number.status, 422);
        assert_eq!(
            not_a_number.fields(),
            [("id".to_owned(), "invalid_value".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn credentials_targets_and_jobs() {
    on_each_backend("objects", async |svc| {
        let alice = svc.user("alice").await;
        let credential = svc.credential(&alice, "s3cret-root").await;
        let target = svc.target(&alice, credential).await;
        let job = svc.job(&alice, &[target]).await;

        let credentials = svc.get("/credentials", alice.token()).await;
        assert_eq!(credentials.status, 200);
        assert_eq!(credentials.data()[0]["id"], credential);
        assert_eq!(credentials.data()[0]["owner_id"], alice.id);
        let shown = svc.get(&format!("/credentials/{credential}"), alice.token()).await;
        assert_eq!(shown.status, 200);
        assert_eq!(shown.data()["name"], "web root");

        let targets = svc.get("/targets", alice.token()).await;
        assert_eq!(targets.data()[0]["port"], 22, "linux default port");
        assert_eq!(targets.data()[0]["credential_id"], credential);

        let jobs = svc.get("/jobs", alice.token()).await;
        assert_eq!(jobs.data()[0]["id"], job);
        assert_eq!(jobs.data()[0]["target_ids"], json!([target]));
        assert_eq!(jobs.data()[0]["steps"][0]["command"], "uptime");

        // A credential a target uses cannot go.
        let in_use = svc.delete(&format!("/credentials/{credential}"), alice.token()).await;
        assert_eq!(in_use.status, 409);
        assert_eq!(in_use.error_type(), "Conflict");

        // Missing references are 404s.
        let no_credential = svc
            .post("/targets", alice.token(), json!({"name": "db", "host": "db.internal",
                                                     "platform": "windows", "credential_id": 9999}))
            .await;
        assert_eq!(no_credential.status, 404);
        let no_target = svc
            .post("/jobs", alice.token(), json!({"name": "x", "target_ids": [9999],
                                                  "steps": [{"name": "x", "command": "true"}]}))
            .await;
        assert_eq!(no_target.status, 404);
        assert_eq!(no_target.error_type(), "NotFound");

        // Validation: strict types and the validators' codes.
        let bad_target = svc
            .post("/targets", alice.token(), json!({"name": "db", "host": "0127.0.0.1", "port": "22",
                                                     "platform": "linux", "credential_id": credential}))
            .await;
        assert_eq!(bad_target.status, 422);
        assert_eq!(bad_target.fields(), [("port".to_owned(), "invalid_type".to_owned())]);
        let bad_host = svc
            .post("/targets", alice.token(), json!({"name": "db", "host": "0127.0.0.1",
                                                     "platform": "linux", "credential_id": credential}))
            .await;
        assert_eq!(bad_host.fields(), [("host".to_owned(), "invalid_host".to_owned())]);

        let deleted = svc.delete(&format!("/jobs/{job}"), alice.token()).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.body, json!({"success": true, "message": "job deleted", "data": null}));
        assert_eq!(svc.get("/jobs", alice.token()).await.data(), &json!([]));
        assert_eq!(svc.delete(&format!("/jobs/{job}"), alice.token()).await.status, 404);

        let spare = svc.credential(&alice, "spare").await;
        let deleted = svc.delete(&format!("/credentials/{spare}"), alice.token()).await;
        assert_eq!(deleted.status, 200);
        let gone = svc.get(&format!("/credentials/{spare}"), alice.token()).await;
        assert_eq!(gone.status, 404);
        assert_eq!(gone.body, json!({"error": {"type": "NotFound", "message": "credential not found"}}));
    })
    .await;
}

#[tokio::test]
async fn an_audit_page_size_outside_1_to_200_is_refused() {
    on_each_backend("audit_limit", async |svc| {
        let root = svc.admin("root").await;
        for limit in [0, 201, 100_000] {
            let answer = svc
                .get(&format!("/admin/audit?limit={limit}"), root.token())
                .await;
            assert_eq!(answer.status, 422, "{limit}: {answer:?}");
            assert_eq!(
                answer.body,
                json!({"error": {"type": "ValidationError", "message": "request validation failed",
                       "fields": [{"field": "limit", "code": "range", "message": "must be 1 to 200"}]}})
            );
        }
        for limit in [1, 200] {
            let answer = svc
                .get(&format!("/admin/audit?limit={limit}"), root.token())
                .await;
            assert_eq!(answer.status, 200, "{limit}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_pages_newest_first() {
    on_each_backend("audit_log", async |svc| {
        let root = svc.admin("root").await;
        svc.user("alice").await;
        let first = svc.get("/admin/audit?limit=2", root.token()).await;
        assert_eq!(first.status, 200);
        let records = first.data()["records"].as_array().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["kind"], "authn_login_success");
        assert_eq!(records[0]["username"], "alice");
        let before = first.data()["next_before"].as_i64().unwrap();
        let rest = svc
            .get(
                &format!("/admin/audit?limit=200&before={before}"),
                root.token(),
            )
            .await;
        let kinds: Vec<&str> = rest.data()["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["authn_login_success", "user_created"]);
        assert_eq!(rest.data()["next_before"], Value::Null);

        let unknown = svc.get("/admin/audit?owner_id=2", root.token()).await;
        assert_eq!(unknown.status, 422);
        assert_eq!(
            unknown.fields(),
            [("owner_id".to_owned(), "invalid_query".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn framework_refusals_use_the_envelope() {
    on_each_backend("framework_refusals", async |svc| {
        let alice = svc.user("alice").await;
        let unknown = svc.get("/nothing-here", alice.token()).await;
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.error_type(), "NotFound");

        let huge = "x".repeat(70 * 1024);
        let too_large = svc
            .post(
                "/credentials",
                alice.token(),
                json!({"name": huge, "username": "u", "password": "p"}),
            )
            .await;
        assert_eq!(too_large.status, 413);
        assert_eq!(too_large.error_type(), "PayloadTooLarge");

        let response = reqwest::Client::new()
            .post(svc.url("/credentials"))
            .bearer_auth(&alice.tokens.access)
            .header("content-type", "text/plain")
            .body(r#"{"name":"n","username":"u","password":"p"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422);
    })
    .await;
}

//! `demo`: the whole story of the service, told over real HTTP to a fresh
//! instance on a temporary database. Each step prints its request and the
//! status it got; the first unexpected status ends the demo with an error.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use reqwest::Method;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

use crate::{Config, ServiceError, bootstrap_admin, spawn};

// The demo's passwords. They protect a database that lives for the length
// of the demo only.
const ADMIN_PASSWORD: &str = "amber vault ledger 4412";
const ALICE_PASSWORD: &str = "plum kettle orbit 7731";
const BOB_PASSWORD: &str = "lantern quarry fig 2290";
/// The machine password alice stores and reveals.
const TARGET_PASSWORD: &str = "Srv!root-pass-9931";

/// One step of the story, as it went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoStep {
    /// What the step shows.
    pub description: String,
    /// `POST /auth/login` and the like.
    pub request: String,
    /// The status the story expects.
    pub expected: u16,
    /// The status the service answered.
    pub actual: u16,
}

/// What the demo did: every step, and every secret it used or received.
#[derive(Debug, Default)]
pub struct DemoReport {
    steps: Vec<DemoStep>,
    secrets: Vec<SecretString>,
}

impl DemoReport {
    /// The steps, in order.
    #[must_use]
    pub fn steps(&self) -> &[DemoStep] {
        &self.steps
    }

    /// Every password the demo sent and every token and revealed secret it
    /// received, so that a test can check that none of them reached a log.
    #[must_use]
    pub fn secrets(&self) -> &[SecretString] {
        &self.secrets
    }
}

/// Run the demo: start the service on a free local port with its database
/// and development keys in `work_dir`, walk the story, print each step to
/// `out`, stop the service.
///
/// # Errors
///
/// [`ServiceError::DemoStep`] at the first step whose status is not the
/// expected one; [`ServiceError::DemoRequest`] when a request fails; start-up
/// errors.
pub async fn run_demo(work_dir: &Path, out: &mut dyn Write) -> Result<DemoReport, ServiceError> {
    let database = work_dir.join("demo.db");
    let config = Config::development()
        .with_bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .with_database_url(format!("sqlite://{}", database.display()))
        .with_dev_key_dir(work_dir.join("keys"));
    let mut demo = Demo {
        client: reqwest::Client::new(),
        base: String::new(),
        out,
        report: DemoReport::default(),
    };
    demo.say("opsconductor-service demo: a fresh service on a temporary SQLite database")?;

    let admin_id = bootstrap_admin(&config, "admin", None, &demo.secret(ADMIN_PASSWORD)).await?;
    demo.say(&format!("bootstrap-admin admin -> user {admin_id}"))?;

    let service = spawn(&config).await?;
    demo.base = service.url("");
    demo.say(&format!("listening on {}", demo.base))?;
    let story = demo.story().await;
    service.stop().await?;
    story?;
    Ok(demo.report)
}

/// The demo's client and what it has seen.
struct Demo<'a> {
    client: reqwest::Client,
    base: String,
    out: &'a mut dyn Write,
    report: DemoReport,
}

/// A login's tokens.
struct Tokens {
    access: String,
    refresh: String,
}

impl Demo<'_> {
    /// The story, step by step.
    async fn story(&mut self) -> Result<(), ServiceError> {
        for password in [ALICE_PASSWORD, BOB_PASSWORD, TARGET_PASSWORD] {
            self.remember(password);
        }

        self.say("\n-- register, log in")?;
        let account = json!({
            "username": "alice",
            "email": "alice@example.com",
            "password": ALICE_PASSWORD,
        });
        self.post("register alice", "/auth/register", None, account, 201)
            .await?;
        let alice = self
            .login("log in as alice", "alice", ALICE_PASSWORD)
            .await?;
        self.get("no token: refused", "/profile", None, 401).await?;
        self.get("alice's profile", "/profile", Some(&alice.access), 200)
            .await?;

        self.say("\n-- store a credential, create a target and a job")?;
        let credential = json!({
            "name": "web root",
            "username": "root",
            "password": TARGET_PASSWORD,
        });
        let credential_id = self
            .post(
                "store a credential (password sealed)",
                "/credentials",
                Some(&alice.access),
                credential,
                201,
            )
            .await
            .map(|answer| new_id(&answer))?;
        let target = json!({
            "name": "web-01",
            "host": "10.0.0.5",
            "platform": "linux",
            "credential_id": credential_id,
        });
        let target_id = self
            .post(
                "create a target using it",
                "/targets",
                Some(&alice.access),
                target,
                201,
            )
            .await
            .map(|answer| new_id(&answer))?;
        let job = json!({
            "name": "uptime",
            "target_ids": [target_id],
            "steps": [{"name": "uptime", "command": "uptime"}],
        });
        let job_id = self
            .post(
                "create a job on the target",
                "/jobs",
                Some(&alice.access),
                job,
                201,
            )
            .await
            .map(|answer| new_id(&answer))?;

        self.say("\n-- reveal the credential (audited)")?;
        let reveal = format!("/credentials/{credential_id}/reveal");
        let revealed = self
            .post(
                "reveal the password",
                &reveal,
                Some(&alice.access),
                json!({}),
                200,
            )
            .await?;
        let password = text(&revealed, "/data/password");
        self.remember(password);
        let matches = if password == TARGET_PASSWORD {
            "yes"
        } else {
            "NO"
        };
        self.say(&format!(
            "      the revealed password is the one stored: {matches}"
        ))?;

        self.say("\n-- another user is refused on alice's objects")?;
        let account = json!({
            "username": "bob",
            "email": "bob@example.com",
            "password": BOB_PASSWORD,
        });
        self.post("register bob", "/auth/register", None, account, 201)
            .await?;
        let bob = self.login("log in as bob", "bob", BOB_PASSWORD).await?;
        let alices_job = format!("/jobs/{job_id}");
        self.delete(
            "bob deletes alice's job: refused",
            &alices_job,
            Some(&bob.access),
            403,
        )
        .await?;
        self.post(
            "bob reveals alice's credential: refused",
            &reveal,
            Some(&bob.access),
            json!({}),
            403,
        )
        .await?;

        self.say("\n-- refresh tokens rotate; a reused one revokes the session")?;
        let renewed = self.refresh("alice refreshes", &alice.refresh, 200).await?;
        self.refresh(
            "the old refresh token again: reuse detected",
            &alice.refresh,
            401,
        )
        .await?;
        self.refresh("the new one: its family was revoked", &renewed.refresh, 401)
            .await?;

        self.say("\n-- an administrator deletes a user and reads the audit log")?;
        let admin = self
            .login("log in as admin", "admin", ADMIN_PASSWORD)
            .await?;
        let bob_id = self
            .get("bob's profile", "/profile", Some(&bob.access), 200)
            .await?
            .pointer("/data/user_id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        self.get(
            "alice lists users: refused",
            "/users",
            Some(&alice.access),
            403,
        )
        .await?;
        let bob_account = format!("/admin/users/{bob_id}");
        self.delete("admin deletes bob", &bob_account, Some(&admin.access), 200)
            .await?;
        self.refresh("bob's session ended with him", &bob.refresh, 401)
            .await?;
        let audit = self
            .get(
                "admin reads the audit log",
                "/admin/audit?limit=100",
                Some(&admin.access),
                200,
            )
            .await?;
        self.show_audit(&audit)
    }

    async fn get(
        &mut self,
        step: &str,
        path: &str,
        token: Option<&str>,
        expected: u16,
    ) -> Result<Value, ServiceError> {
        self.send(step, Method::GET, path, token, None, expected)
            .await
    }

    async fn post(
        &mut self,
        step: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
        expected: u16,
    ) -> Result<Value, ServiceError> {
        self.send(step, Method::POST, path, token, Some(body), expected)
            .await
    }

    async fn delete(
        &mut self,
        step: &str,
        path: &str,
        token: Option<&str>,
        expected: u16,
    ) -> Result<Value, ServiceError> {
        self.send(step, Method::DELETE, path, token, None, expected)
            .await
    }

    /// One request and its expected status; the answer's JSON body.
    async fn send(
        &mut self,
        description: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        expected: u16,
    ) -> Result<Value, ServiceError> {
        let request_line = format!("{method} {path}");
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let failed = |source: reqwest::Error| ServiceError::DemoRequest {
            step: description.to_owned(),
            source: source.into(),
        };
        let response = request.send().await.map_err(failed)?;
        let actual = response.status().as_u16();
        let body: Value = response.json().await.map_err(failed)?;
        let verdict = if actual == expected {
            String::new()
        } else {
            format!("  (expected {expected})")
        };
        self.say(&format!(
            "  {actual}  {request_line:<34} {description}{verdict}"
        ))?;
        self.report.steps.push(DemoStep {
            description: description.to_owned(),
            request: request_line,
            expected,
            actual,
        });
        if actual != expected {
            return Err(ServiceError::DemoStep {
                step: description.to_owned(),
                expected,
                actual,
            });
        }
        Ok(body)
    }

    async fn login(
        &mut self,
        description: &str,
        username: &str,
        password: &str,
    ) -> Result<Tokens, ServiceError> {
        let answer = self
            .send(
                description,
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
                200,
            )
            .await?;
        Ok(self.tokens(&answer))
    }

    async fn refresh(
        &mut self,
        description: &str,
        refresh_token: &str,
        expected: u16,
    ) -> Result<Tokens, ServiceError> {
        let answer = self
            .send(
                description,
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({"refresh_token": refresh_token})),
                expected,
            )
            .await?;
        Ok(self.tokens(&answer))
    }

    /// The tokens of a login or refresh answer (empty for a refusal).
    fn tokens(&mut self, answer: &Value) -> Tokens {
        let tokens = Tokens {
            access: text(answer, "/data/access_token").to_owned(),
            refresh: text(answer, "/data/refresh_token").to_owned(),
        };
        self.remember(&tokens.access);
        self.remember(&tokens.refresh);
        tokens
    }

    /// The audit log, oldest first: kind, who, what, why.
    fn show_audit(&mut self, answer: &Value) -> Result<(), ServiceError> {
        let records = answer
            .pointer("/data/records")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for record in records.iter().rev() {
            let field = |name: &str| match text(record, name) {
                "" => "-",
                value => value,
            };
            self.say(&format!(
                "      {:<28} user={:<6} resource={:<16} reason={}",
                field("/kind"),
                field("/username"),
                field("/resource"),
                field("/reason"),
            ))?;
        }
        Ok(())
    }

    /// `value` as a secret the report lists (and a password to send).
    fn secret(&mut self, value: &str) -> SecretString {
        self.remember(value);
        SecretString::from(value)
    }

    fn remember(&mut self, value: &str) {
        if !value.is_empty()
            && !self
                .report
                .secrets
                .iter()
                .any(|s| s.expose_secret() == value)
        {
            self.report.secrets.push(SecretString::from(value));
        }
    }

    fn say(&mut self, line: &str) -> Result<(), ServiceError> {
        writeln!(self.out, "{line}").map_err(|source| ServiceError::Io {
            action: "print the demo",
            source,
        })
    }
}

/// The `data.id` of a `201 Created` answer.
fn new_id(answer: &Value) -> i64 {
    answer
        .pointer("/data/id")
        .and_then(Value::as_i64)
        .unwrap_or_default()
}

/// The string at `pointer` in `answer`, or `""`.
fn text<'a>(answer: &'a Value, pointer: &str) -> &'a str {
    answer
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

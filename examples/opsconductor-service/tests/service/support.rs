//! A service on a real socket and a real database, and a small JSON client.
//!
//! SQLite: a database file in a temporary directory. PostgreSQL, when
//! `OPSGUARD_TEST_POSTGRES_URL` is set: a schema of its own per service,
//! named in the connection's `search_path` (through the URL's `options`
//! parameter), so tests run in parallel without seeing each other's rows.
//! The schema is created and dropped by a server-side `format('%I', ...)` of
//! a bound setting, so no SQL text is assembled here either.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use opsconductor_service::{Config, RunningService, bootstrap_admin, spawn};
use opsguard::store_sql::SqlDenylist;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use tempfile::TempDir;

/// The variable naming a PostgreSQL database the tests may use.
pub(crate) const POSTGRES_URL_VAR: &str = "OPSGUARD_TEST_POSTGRES_URL";

/// A password every test user has (the policy accepts it).
pub(crate) const PASSWORD: &str = "plum kettle orbit saffron";

/// Which database a test service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A running service and what it was started with.
pub(crate) struct TestService {
    pub(crate) config: Config,
    pub(crate) dir: TempDir,
    service: Option<RunningService>,
    client: reqwest::Client,
    postgres: Option<PostgresSchema>,
}

struct PostgresSchema {
    url: String,
    schema: String,
}

/// An answer, read to the end.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    /// The error envelope's `type` (`""` when there is none).
    pub(crate) fn error_type(&self) -> &str {
        self.body
            .pointer("/error/type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `data.id` of a `201 Created`.
    pub(crate) fn id(&self) -> i64 {
        assert_eq!(self.status, 201, "{self:?}");
        self.body
            .pointer("/data/id")
            .and_then(Value::as_i64)
            .unwrap()
    }

    /// `data`.
    pub(crate) fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `(field, code)` of every field error.
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        self.body
            .pointer("/error/fields")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        (
                            f["field"].as_str().unwrap().to_owned(),
                            f["code"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An access and refresh token.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub(crate) access: String,
    pub(crate) refresh: String,
}

/// A user of a test service.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: i64,
    pub(crate) tokens: Tokens,
}

impl User {
    pub(crate) fn token(&self) -> Option<&str> {
        Some(&self.tokens.access)
    }
}

/// A string no other call in this process returns.
pub(crate) fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Run `test` on a fresh SQLite service, then on a fresh PostgreSQL one when
/// `OPSGUARD_TEST_POSTGRES_URL` is set.
pub(crate) async fn on_each_backend(name: &str, test: impl AsyncFn(&TestService)) {
    let sqlite = TestService::start(Backend::Sqlite, name).await.unwrap();
    test(&sqlite).await;
    sqlite.finish().await;
    if let Some(postgres) = TestService::start(Backend::Postgres, name).await {
        test(&postgres).await;
        postgres.finish().await;
    }
}

impl TestService {
    /// A service on `backend`, with fast test password hashing and
    /// development keys in a temporary directory; `None` for PostgreSQL
    /// when no server is configured.
    pub(crate) async fn start(backend: Backend, test: &str) -> Option<Self> {
        Self::start_with(backend, test, |config| config).await
    }

    /// As [`start`](Self::start), with `adjust` applied to the configuration.
    pub(crate) async fn start_with(
        backend: Backend,
        test: &str,
        adjust: impl FnOnce(Config) -> Config,
    ) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let (url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("service.db").display()),
                None,
            ),
            Backend::Postgres => {
                let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
                    eprintln!("{test}: PostgreSQL part skipped, {POSTGRES_URL_VAR} is not set");
                    return None;
                };
                let schema = unique("oc_test");
                schema_command(&url, &schema, CREATE_SCHEMA).await;
                let separator = if url.contains('?') { '&' } else { '?' };
                let service_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
                (service_url, Some(PostgresSchema { url, schema }))
            }
        };
        let config = Config::development()
            .with_bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .with_database_url(url)
            .with_dev_key_dir(dir.path().join("keys"))
            .dangerous_with_fast_password_hashing();
        let config = adjust(config);
        let service = spawn(&config).await.unwrap();
        Some(Self {
            config,
            dir,
            service: Some(service),
            client: reqwest::Client::new(),
            postgres,
        })
    }

    /// Stop the service (the database stays).
    pub(crate) async fn stop(&mut self) {
        if let Some(service) = self.service.take() {
            service.stop().await.unwrap();
        }
    }

    /// Start the service again with `config`, on the same database.
    pub(crate) async fn restart(&mut self, config: Config) {
        self.stop().await;
        self.service = Some(spawn(&config).await.unwrap());
        self.config = config;
    }

    /// Stop the service and drop its database.
    pub(crate) async fn finish(mut self) {
        self.stop().await;
        if let Some(pg) = &self.postgres {
            schema_command(&pg.url, &pg.schema, DROP_SCHEMA).await;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.service.as_ref().unwrap().url(path)
    }

    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.request(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str, token: Option<&str>) -> Answer {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Log `name` in with `password`.
    pub(crate) async fn login(&self, name: &str, password: &str) -> Tokens {
        let answer = self
            .post(
                "/auth/login",
                None,
                json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        Tokens {
            access: answer.data()["access_token"].as_str().unwrap().to_owned(),
            refresh: answer.data()["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Register `name` (password [`PASSWORD`]) and log them in.
    pub(crate) async fn user(&self, name: &str) -> User {
        let answer = self
            .post(
                "/auth/register",
                None,
                json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD}),
            )
            .await;
        let id = answer.id();
        User {
            id,
            tokens: self.login(name, PASSWORD).await,
        }
    }

    /// Create the administrator `name` with `bootstrap-admin` and log them
    /// in.
    pub(crate) async fn admin(&self, name: &str) -> User {
        let id = bootstrap_admin(&self.config, name, None, &SecretString::from(PASSWORD))
            .await
            .unwrap();
        User {
            id,
            tokens: self.login(name, PASSWORD).await,
        }
    }

    /// A credential of `user`; its id.
    pub(crate) async fn credential(&self, user: &User, password: &str) -> i64 {
        self.post(
            "/credentials",
            user.token(),
            json!({"name": "web root", "username": "root", "password": password}),
        )
        .await
        .id()
    }

    /// A target of `user` using `credential_id`; its id.
    pub(crate) async fn target(&self, user: &User, credential_id: i64) -> i64 {
        self.post(
            "/targets",
            user.token(),
            json!({"name": "web-01", "host": "10.0.0.5", "platform": "linux", "credential_id": credential_id}),
        )
        .await
        .id()
    }

    /// A job of `user` on `target_ids`; its id.
    pub(crate) async fn job(&self, user: &User, target_ids: &[i64]) -> i64 {
        self.post(
            "/jobs",
            user.token(),
            json!({"name": "uptime", "target_ids": target_ids, "steps": [{"name": "uptime", "command": "uptime"}]}),
        )
        .await
        .id()
    }

    /// A direct connection to the service's database, to look at what it
    /// stores.
    pub(crate) async fn database(&self) -> Database {
        match &self.postgres {
            None => {
                let path = self.dir.path().join("service.db");
                let options =
                    SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                        .unwrap()
                        .busy_timeout(std::time::Duration::from_secs(5));
                Database::Sqlite(SqlitePool::connect_with(options).await.unwrap())
            }
            Some(pg) => {
                let options = PgConnectOptions::from_str(&pg.url)
                    .unwrap()
                    .options([("search_path", pg.schema.as_str())]);
                Database::Postgres(
                    PgPoolOptions::new()
                        .max_connections(2)
                        .connect_with(options)
                        .await
                        .unwrap(),
                )
            }
        }
    }
}

/// The service's database, seen directly.
pub(crate) enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

const UPDATE_ROLE: &str = "UPDATE users SET role = $1 WHERE id = $2";
const SELECT_SEALED: &str = "SELECT password_sealed FROM credentials WHERE id = $1";
const UPDATE_SEALED: &str = "UPDATE credentials SET password_sealed = $1 WHERE id = $2";

impl Database {
    /// The stored sealed password of credential `id`.
    pub(crate) async fn sealed(&self, id: i64) -> Vec<u8> {
        match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar(SELECT_SEALED)
                    .bind(id)
                    .fetch_one(pool)
                    .await
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar(SELECT_SEALED)
                    .bind(id)
                    .fetch_one(pool)
                    .await
            }
        }
        .unwrap()
    }

    /// Overwrite the stored sealed password of credential `id`.
    pub(crate) async fn set_sealed(&self, id: i64, sealed: &[u8]) {
        let changed = match self {
            Self::Sqlite(pool) => sqlx::query(UPDATE_SEALED)
                .bind(sealed)
                .bind(id)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
            Self::Postgres(pool) => sqlx::query(UPDATE_SEALED)
                .bind(sealed)
                .bind(id)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
        };
        assert_eq!(changed, 1);
    }

    /// Change the stored role of user `id` (`"admin"` or `"user"`), as an
    /// operator editing the table would.
    pub(crate) async fn set_role(&self, id: i64, role: &str) {
        let changed = match self {
            Self::Sqlite(pool) => sqlx::query(UPDATE_ROLE)
                .bind(role)
                .bind(id)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
            Self::Postgres(pool) => sqlx::query(UPDATE_ROLE)
                .bind(role)
                .bind(id)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
        };
        assert_eq!(changed, 1);
    }

    /// Put access token `jti` of `issuer` on the access-token denylist
    /// until `until` (seconds), through opsguard-store-sql's own store, as
    /// a logout on another instance would.
    pub(crate) async fn deny(&self, issuer: &str, jti: &str, until: i64) {
        use opsguard::token::denylist::AccessDenylist as _;
        let denylist = match self {
            Self::Sqlite(pool) => SqlDenylist::new(pool.clone()),
            Self::Postgres(pool) => SqlDenylist::new(pool.clone()),
        };
        denylist.deny(issuer, jti, until).await.unwrap();
    }

    pub(crate) async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

const SET_SCHEMA: &str = "SELECT set_config('opsconductor.test_schema', $1, false)";
const CREATE_SCHEMA: &str = "DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I', current_setting('opsconductor.test_schema')); END $$";
const DROP_SCHEMA: &str = "DO $$ BEGIN EXECUTE format('DROP SCHEMA %I CASCADE', current_setting('opsconductor.test_schema')); END $$";

async fn schema_command(url: &str, schema: &str, command: &'static str) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query(SET_SCHEMA)
        .bind(schema)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(command).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

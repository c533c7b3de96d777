//! Connecting, migrating and failing: the URL picks the backend, migrations
//! are idempotent and live beside a service's own, errors never repeat a
//! password and are sorted into 503 (outage) and 500 (fault).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::error::Error as _;

use opsguard_core::ErrorKind;
use opsguard_store_sql::{MIGRATIONS_TABLE, SqlPool, SqlStoreError, SqlStores};
use opsguard_token::FamilyId;
use opsguard_token::denylist::AccessDenylist;
use opsguard_token::refresh::{NewFamily, RefreshStore};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use support::{Harness, T0, unique};

/// Every error message in the chain, Display and Debug.
fn everything_said(err: &SqlStoreError) -> String {
    let mut said = format!("{err} {err:?}");
    let mut source = err.source();
    while let Some(cause) = source {
        said.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    said
}

async fn table_names(pool: &SqlPool) -> Vec<String> {
    match pool {
        SqlPool::Sqlite(pool) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        SqlPool::Postgres(pool) => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        _ => panic!("unknown backend"),
    }
}

/// The first migration of this crate (the tables as released first), to
/// test the upgrade to the later ones.
fn first_migration(pool: &SqlPool) -> Migrator {
    let all = match pool {
        SqlPool::Sqlite(_) => sqlx::migrate!("migrations/sqlite"),
        SqlPool::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        _ => panic!("unknown backend"),
    };
    let mut first = Migrator::with_migrations(all.iter().take(1).cloned().collect());
    first.dangerous_set_table_name(MIGRATIONS_TABLE);
    first
}

async fn execute(pool: &SqlPool, sql: &'static str) {
    match pool {
        SqlPool::Sqlite(pool) => {
            sqlx::raw_sql(sql).execute(pool).await.unwrap();
        }
        SqlPool::Postgres(pool) => {
            sqlx::raw_sql(sql).execute(pool).await.unwrap();
        }
        _ => panic!("unknown backend"),
    }
}

async fn fetch_pairs(pool: &SqlPool, sql: &'static str) -> Vec<(String, i64)> {
    match pool {
        SqlPool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        SqlPool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        _ => panic!("unknown backend"),
    }
}

/// Rows written under the first migration survive the second: a family
/// gets an absolute end equal to its current expiry (so it is never
/// extended), a denylist entry moves 300 s later (the largest verifier
/// leeway), without overflowing for an entry at the largest time.
async fn upgrade_keeps_rows_and_moves_them_safely(h: &Harness) {
    let stores = h.sql_stores().unwrap();
    let pool = stores.pool();
    match pool {
        SqlPool::Sqlite(p) => first_migration(pool).run(p).await.unwrap(),
        SqlPool::Postgres(p) => first_migration(pool).run(p).await.unwrap(),
        _ => panic!("unknown backend"),
    }
    execute(
        pool,
        "INSERT INTO opsguard_refresh_families \
         (family_id, user_id, current_jti, previous_jti, created_at, rotated_at, expires_at, revoked) \
         VALUES ('old', 'u', 'j1', NULL, 1700000000, 1700000000, 1700000100, FALSE); \
         INSERT INTO opsguard_access_denylist (issuer, jti, expires_at) \
         VALUES ('iss', 'a', 1700000900), ('iss', 'max', 9223372036854775807)",
    )
    .await;
    stores.migrate().await.unwrap();
    assert_eq!(
        fetch_pairs(
            pool,
            "SELECT family_id, max_expires_at FROM opsguard_refresh_families"
        )
        .await,
        [("old".to_owned(), 1_700_000_100)]
    );
    assert_eq!(
        fetch_pairs(
            pool,
            "SELECT jti, expires_at FROM opsguard_access_denylist ORDER BY jti"
        )
        .await,
        [
            ("a".to_owned(), 1_700_001_200),
            ("max".to_owned(), i64::MAX)
        ]
    );
    // The old family still rotates until its old expiry, never beyond.
    let next = opsguard_token::refresh::Rotation::new(
        FamilyId::new("old"),
        "j1",
        "j2",
        1_700_009_999,
        1_700_000_050,
        0,
    );
    assert_eq!(
        h.refresh.rotate(&next).await.unwrap(),
        opsguard_token::refresh::RotateOutcome::Rotated
    );
    let late = opsguard_token::refresh::Rotation::new(
        FamilyId::new("old"),
        "j2",
        "j3",
        1_700_009_999,
        1_700_000_100,
        0,
    );
    assert_eq!(
        h.refresh.rotate(&late).await.unwrap(),
        opsguard_token::refresh::RotateOutcome::Inactive
    );
}

#[tokio::test]
async fn sqlite_upgrade_keeps_rows_and_moves_them_safely() {
    let h = Harness::sqlite_unmigrated().await;
    upgrade_keeps_rows_and_moves_them_safely(&h).await;
    h.finish().await;
}

#[tokio::test]
async fn postgres_upgrade_keeps_rows_and_moves_them_safely() {
    let Some(h) = Harness::postgres_unmigrated("postgres_upgrade").await else {
        return;
    };
    upgrade_keeps_rows_and_moves_them_safely(&h).await;
    h.finish().await;
}

/// A service's own migrations, recorded in sqlx's default table.
fn service_migrator() -> Migrator {
    Migrator::with_migrations(vec![Migration::new(
        1,
        "service users".into(),
        MigrationType::Simple,
        "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL)".into_sql_str(),
        false,
    )])
}

async fn run_service_migrator(pool: &SqlPool) {
    match pool {
        SqlPool::Sqlite(pool) => service_migrator().run(pool).await.unwrap(),
        SqlPool::Postgres(pool) => service_migrator().run(pool).await.unwrap(),
        _ => panic!("unknown backend"),
    }
}

async fn migrations_are_idempotent_and_coexist(h: &Harness) {
    let stores = h.sql_stores().unwrap();
    // The harness already migrated once; a service migrator with its own
    // version 1 runs before and after ours, and ours runs again.
    run_service_migrator(stores.pool()).await;
    stores.migrate().await.unwrap();
    run_service_migrator(stores.pool()).await;
    stores.migrate().await.unwrap();

    assert_eq!(
        table_names(stores.pool()).await,
        [
            "_sqlx_migrations",
            "opsguard_access_denylist",
            "opsguard_audit_events",
            MIGRATIONS_TABLE,
            "opsguard_refresh_families",
            "opsguard_throttle_counters",
            "users",
        ]
    );
}

#[tokio::test]
async fn sqlite_migrations_are_idempotent_and_coexist_with_a_service_migrator() {
    let h = Harness::sqlite().await;
    migrations_are_idempotent_and_coexist(&h).await;
    h.finish().await;
}

#[tokio::test]
async fn postgres_migrations_are_idempotent_and_coexist_with_a_service_migrator() {
    let Some(h) = Harness::postgres("postgres_migrations_are_idempotent").await else {
        return;
    };
    migrations_are_idempotent_and_coexist(&h).await;
    h.finish().await;
}

#[tokio::test]
async fn the_url_scheme_picks_the_backend() {
    let stores = SqlStores::connect("sqlite::memory:").await.unwrap();
    assert!(matches!(stores.pool(), SqlPool::Sqlite(_)));
    for url in ["mysql://u:p@h/db", "redis://h", "data.db", ""] {
        let err = SqlStores::connect(url).await.unwrap_err();
        assert!(
            matches!(err, SqlStoreError::UnsupportedUrl),
            "{url}: {err:?}"
        );
        assert!(!err.is_unavailable());
    }
    let Ok(url) = std::env::var(support::POSTGRES_URL_VAR) else {
        eprintln!(
            "postgres part skipped: {} is not set",
            support::POSTGRES_URL_VAR
        );
        return;
    };
    let stores = SqlStores::connect(&url).await.unwrap();
    assert!(matches!(stores.pool(), SqlPool::Postgres(_)));
    stores.pool().close().await;
}

#[tokio::test]
async fn a_connect_failure_never_repeats_the_password() {
    // A server that hangs up at once: the driver fails on its first read
    // (a refused connection would be retried for the pool's 30 s acquire
    // timeout).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let url = format!("postgres://opsguard:pw-Zq81-secret@127.0.0.1:{port}/app?sslmode=disable");
    let err = SqlStores::connect(&url).await.unwrap_err();
    assert!(matches!(err, SqlStoreError::Connect(_)), "{err:?}");
    assert!(err.is_unavailable());
    assert_eq!(err.to_string(), "cannot connect to the database");
    assert!(!everything_said(&err).contains("pw-Zq81-secret"));

    // A bad option in the URL is a connect error too, and says nothing of it.
    let err = SqlStores::connect("postgres://opsguard:pw-Zq81-secret@127.0.0.1/app?sslmode=bogus")
        .await
        .unwrap_err();
    assert!(matches!(err, SqlStoreError::Connect(_)), "{err:?}");
    assert!(!everything_said(&err).contains("pw-Zq81-secret"));

    // A SQLite file in a directory that does not exist.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("missing/app.db").display());
    let err = SqlStores::connect(&url).await.unwrap_err();
    assert!(matches!(err, SqlStoreError::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn an_unmigrated_database_is_a_fault_not_an_outage() {
    let stores = SqlStores::connect("sqlite::memory:").await.unwrap();
    let err = stores
        .refresh_store()
        .create(&NewFamily::new(
            FamilyId::new("f"),
            "u",
            "j",
            T0,
            T0 + 1,
            T0 + 1,
        ))
        .await
        .unwrap_err();
    assert!(!err.is_unavailable());
    assert_eq!(err.to_string(), "token store internal error");
    let err = stores
        .audit_log()
        .page(&Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, SqlStoreError::Database { .. }), "{err:?}");
    assert_eq!(err.to_string(), "database refused to read the audit log");
    assert_eq!(opsguard_core::Error::from(err).kind(), ErrorKind::Internal);
}

#[tokio::test]
async fn a_closed_pool_is_an_outage() {
    let stores = SqlStores::connect("sqlite::memory:").await.unwrap();
    stores.migrate().await.unwrap();
    stores.pool().close().await;
    let err = stores
        .denylist()
        .is_denied("iss", "jti", T0)
        .await
        .unwrap_err();
    assert!(err.is_unavailable());
    let err = stores.purge_expired(T0).await.unwrap_err();
    assert!(matches!(err, SqlStoreError::Unavailable { .. }), "{err:?}");
    assert_eq!(
        opsguard_core::Error::from(err).kind(),
        ErrorKind::Unavailable
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_in_memory_sqlite_database_is_shared_by_every_connection() {
    let stores = SqlStores::connect("sqlite::memory:").await.unwrap();
    stores.migrate().await.unwrap();
    // Enough concurrent calls to open several connections: each must see
    // the migrated tables and the others' rows.
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let denylist = stores.denylist();
            tokio::spawn(async move { denylist.deny("iss", &format!("j{n}"), T0 + 10).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(stores.purge_expired(T0 + 10).await.unwrap(), 16);
}

#[tokio::test]
async fn purge_expired_covers_families_denylist_and_counters() {
    let h = Harness::sqlite().await;
    let stores = h.sql_stores().unwrap();
    stores
        .refresh_store()
        .create(&NewFamily::new(
            FamilyId::new(unique("f")),
            "u",
            "j",
            T0,
            T0 + 5,
            T0 + 5,
        ))
        .await
        .unwrap();
    stores.denylist().deny("iss", "j", T0 + 5).await.unwrap();
    let key = support::throttle_keys("alice").await.swap_remove(0);
    opsguard_auth::ThrottleStore::increment(
        &stores.throttle_store(),
        &key,
        support::t0(),
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(stores.purge_expired(T0 + 4).await.unwrap(), 0);
    assert_eq!(stores.purge_expired(T0 + 5).await.unwrap(), 3);
    h.finish().await;
}

//! DESIGN.md invariant 1 over the whole demo: every log line the process
//! writes, at every level of every crate (the service, opsguard, axum,
//! hyper, sqlx, the demo's client), holds no password, token, key or
//! password hash that the demo used, received or generated.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use opsconductor_service::{DEV_JWT_KEY_FILE, DEV_KEYRING_FILE, run_demo};
use secrecy::ExposeSecret as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Everything written to the log, in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The secrets inside the development key files: the base64 of the PEM
/// body and of each keyring key.
fn key_material(dir: &std::path::Path) -> Vec<String> {
    let pem = std::fs::read_to_string(dir.join(DEV_JWT_KEY_FILE)).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let keyring = std::fs::read_to_string(dir.join(DEV_KEYRING_FILE)).unwrap();
    let keys = keyring
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("primary"))
        .filter_map(|l| l.split_once(':'))
        .map(|(_, key)| key.trim().to_owned());
    std::iter::once(body).chain(keys).collect()
}

/// Every stored password hash.
async fn password_hashes(database: &std::path::Path) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let hashes = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    hashes
}

#[test]
fn the_whole_demo_logs_no_secret() {
    // Global, at trace level for every crate, so events from every thread
    // (tokio's blocking pool hashes passwords) are captured. This file holds
    // this one test only.
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace"))
        .with_writer(captured.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut printed = Vec::new();
    let report = runtime
        .block_on(run_demo(dir.path(), &mut printed))
        .unwrap();

    let mut secrets: Vec<String> = report
        .secrets()
        .iter()
        .map(|s| s.expose_secret().to_owned())
        .collect();
    // Tokens in pieces too: a log line holding only a JWT's payload or
    // signature would leak as much.
    let pieces: Vec<String> = secrets
        .iter()
        .filter(|s| s.matches('.').count() == 2)
        .flat_map(|token| token.split('.').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    secrets.extend(pieces);
    secrets.extend(key_material(&dir.path().join("keys")));
    secrets.extend(runtime.block_on(password_hashes(&dir.path().join("demo.db"))));
    assert!(
        secrets.len() > 20,
        "the demo used too few secrets: {}",
        secrets.len()
    );

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let printed = String::from_utf8(printed).unwrap();
    // Enough was captured for the search to mean something.
    assert!(logs.len() > 10_000, "only {} bytes of logs", logs.len());
    for needle in [
        "credential_revealed",
        "authn_token_reuse",
        "/credentials/1/reveal",
    ] {
        assert!(
            logs.contains(needle) || printed.contains(needle),
            "{needle}"
        );
    }
    for secret in &secrets {
        assert!(secret.len() >= 8, "too short to search for");
        assert!(!logs.contains(secret.as_str()), "a secret is in the logs");
        assert!(
            !printed.contains(secret.as_str()),
            "a secret is in the demo's output"
        );
    }
}

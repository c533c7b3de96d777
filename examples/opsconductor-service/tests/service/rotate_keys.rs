//! `rotate-keys` over 1,000 credentials: interrupted after three batches,
//! then run again to the end; every password still opens, under the new
//! key, and a third run has nothing left to do.

use std::io::Write as _;
use std::ops::ControlFlow;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::sync::Arc;

use opsconductor_service::{RotationProgress, rotate_keys};
use opsguard::crypto::{Key, Keyring, Sealed};
use secrecy::ExposeSecret as _;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::{Backend, TestService, User};

const CREDENTIALS: usize = 1000;
const BATCH: u32 = 100;

/// A keyring file (mode 0600) holding `keys` by id, `primary` sealing.
fn keyring_file(path: &Path, primary: u32, keys: &[(u32, &Key)]) {
    let mut text = format!("primary:{primary}\n");
    for (id, key) in keys {
        text.push_str(&format!("{id}:{}\n", key.to_base64().expose_secret()));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn password(i: usize) -> String {
    format!("machine-password-{i}")
}

/// Store `CREDENTIALS` credentials for `user` over HTTP, 8 at a time; their
/// ids, in the order of `password(i)`.
async fn store_credentials(svc: &TestService, user: &User) -> Vec<i64> {
    let client = reqwest::Client::new();
    let url = Arc::new(svc.url("/credentials"));
    let mut ids = vec![0; CREDENTIALS];
    for chunk in (0..CREDENTIALS).collect::<Vec<_>>().chunks(8) {
        let mut tasks = JoinSet::new();
        for &i in chunk {
            let (client, url, token) =
                (client.clone(), Arc::clone(&url), user.tokens.access.clone());
            tasks.spawn(async move {
                let answer = client
                    .post(url.as_str())
                    .bearer_auth(token)
                    .json(&json!({"name": format!("host-{i}"), "username": "root", "password": password(i)}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status().as_u16(), 201);
                let body: serde_json::Value = answer.json().await.unwrap();
                (i, body["data"]["id"].as_i64().unwrap())
            });
        }
        while let Some(done) = tasks.join_next().await {
            let (i, id) = done.unwrap();
            ids[i] = id;
        }
    }
    ids
}

/// batches, rewritten, current, failed, last id, complete.
fn progress(p: &RotationProgress) -> (u64, u64, u64, u64, i64, bool) {
    (
        p.batches,
        p.rewritten,
        p.current,
        p.failed,
        p.last_id,
        p.complete,
    )
}

async fn rotation_on(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (Key::generate().unwrap(), Key::generate().unwrap());
    let before = dir.path().join("keyring-1");
    let after = dir.path().join("keyring-2");
    keyring_file(&before, 1, &[(1, &old)]);
    keyring_file(&after, 2, &[(1, &old), (2, &new)]);

    let Some(mut svc) = TestService::start_with(backend, "rotate_keys", |config| {
        config.with_keyring_file(&before)
    })
    .await
    else {
        return;
    };
    let alice = svc.user("alice").await;
    let ids = store_credentials(&svc, &alice).await;
    svc.stop().await;

    // The new keyring: key 2 seals, key 1 still opens.
    let rotated = svc.config.clone().with_keyring_file(&after);
    let interrupted = rotate_keys(&rotated, BATCH, |progress| {
        if progress.batches == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .unwrap();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(progress(&interrupted), (3, 300, 0, 0, sorted[299], false));
    let db = svc.database().await;
    for (n, id) in sorted.iter().enumerate() {
        let key_id = Sealed::from(db.sealed(*id).await).key_id();
        assert_eq!(key_id, Some(if n < 300 { 2 } else { 1 }), "credential {id}");
    }

    // Run again: the first 300 are recognised as done without decrypting.
    let mut batches_seen = 0;
    let resumed = rotate_keys(&rotated, BATCH, |_| {
        batches_seen += 1;
        ControlFlow::Continue(())
    })
    .await
    .unwrap();
    assert_eq!(progress(&resumed), (10, 700, 300, 0, sorted[999], true));
    assert_eq!(batches_seen, 10);
    let again = rotate_keys(&rotated, BATCH, |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!((again.rewritten, again.current), (0, 1000));

    // Every password opens under the new key alone, in its own row.
    let new_only = Keyring::builder()
        .with_key(2, new)
        .with_primary(2)
        .build()
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let sealed = db.sealed(*id).await;
        let opened = new_only
            .open_secret(&sealed, format!("credentials.password:{id}"))
            .unwrap();
        assert_eq!(opened.expose_secret(), password(i));
    }
    db.close().await;

    // And the service, on the new keyring, reveals them.
    svc.restart(rotated).await;
    let revealed = svc
        .post(
            &format!("/credentials/{}/reveal", ids[CREDENTIALS - 1]),
            alice.token(),
            json!({}),
        )
        .await;
    assert_eq!(revealed.data()["password"], password(CREDENTIALS - 1));
    svc.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_keys_over_1000_credentials_interrupted_and_resumed_on_sqlite() {
    rotation_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_keys_over_1000_credentials_interrupted_and_resumed_on_postgres() {
    rotation_on(Backend::Postgres).await;
}

//! Start-up: development keys are generated once, private and reused;
//! production refuses to start without configured keys and refuses the
//! development key directory.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use std::ops::ControlFlow;

use opsconductor_service::{
    Config, DEV_JWT_KEY_FILE, DEV_KEYRING_FILE, Environment, Service, ServiceError, rotate_keys,
};
use opsguard::crypto::Keyring;
use opsguard::token::{Algorithm, SigningKey};
use secrecy::ExposeSecret as _;

use crate::support::{Backend, TestService};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A configuration on a fresh SQLite file in `dir`.
fn config_in(dir: &Path) -> Config {
    Config::development()
        .with_bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .with_database_url(format!("sqlite://{}", dir.join("service.db").display()))
        .with_dev_key_dir(dir.join("dev-keys"))
        .dangerous_with_fast_password_hashing()
}

/// A new Ed25519 key in `path` with permission bits `mode`.
fn jwt_key_file(path: &Path, mode: u32) {
    let key = SigningKey::generate(Algorithm::EdDsa).unwrap();
    std::fs::write(path, key.to_pkcs8_pem().unwrap().expose_secret()).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Key files outside the development directory, mode 0600: a JWT key and
/// a keyring.
fn real_keys(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let jwt = dir.join("jwt.pem");
    jwt_key_file(&jwt, 0o600);
    let keyring = dir.join("keyring");
    Keyring::generate(7).unwrap().write_file(&keyring).unwrap();
    (jwt, keyring)
}

#[tokio::test]
async fn development_keys_are_generated_private_and_reused() {
    let mut svc = TestService::start(Backend::Sqlite, "dev_keys")
        .await
        .unwrap();
    let keys = svc.dir.path().join("keys");
    assert_eq!(mode(&keys), 0o700);
    assert_eq!(mode(&keys.join(DEV_JWT_KEY_FILE)), 0o600);
    assert_eq!(mode(&keys.join(DEV_KEYRING_FILE)), 0o600);
    let pem = std::fs::read(keys.join(DEV_JWT_KEY_FILE)).unwrap();

    let alice = svc.user("alice").await;
    let credential = svc.credential(&alice, "kept-secret").await;
    let config = svc.config.clone();
    svc.restart(config).await;

    // Same keys after a restart: the token verifies, the credential opens.
    assert_eq!(std::fs::read(keys.join(DEV_JWT_KEY_FILE)).unwrap(), pem);
    assert_eq!(svc.get("/profile", alice.token()).await.status, 200);
    let revealed = svc
        .post(
            &format!("/credentials/{credential}/reveal"),
            alice.token(),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(revealed.data()["password"], "kept-secret");
    svc.finish().await;
}

#[tokio::test]
async fn a_development_key_directory_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("dev-keys");
    std::fs::create_dir(&keys).unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = Service::new(&config_in(dir.path())).await.err();
    assert!(
        matches!(
            err,
            Some(ServiceError::Config {
                setting: "OPSGUARD_DEV_KEY_DIR",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn production_refuses_to_start_without_configured_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (jwt, keyring) = real_keys(dir.path());
    let production = config_in(dir.path()).with_environment(Environment::Production);

    let no_keys = Service::new(&production).await.err();
    assert!(
        matches!(no_keys, Some(ServiceError::Production(_))),
        "{no_keys:?}"
    );
    let no_keyring = Service::new(&production.clone().with_jwt_key_file(&jwt))
        .await
        .err();
    assert!(
        matches!(no_keyring, Some(ServiceError::Production(_))),
        "{no_keyring:?}"
    );
    let no_jwt_key = Service::new(&production.clone().with_keyring_file(&keyring))
        .await
        .err();
    assert!(
        matches!(no_jwt_key, Some(ServiceError::Production(_))),
        "{no_jwt_key:?}"
    );
    assert!(
        !dir.path().join("dev-keys").exists(),
        "production never creates development keys"
    );

    let configured = production
        .with_jwt_key_file(&jwt)
        .with_keyring_file(&keyring);
    assert!(Service::new(&configured).await.is_ok());
}

#[tokio::test]
async fn production_refuses_keys_from_the_development_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (jwt, keyring) = real_keys(dir.path());
    // Development generates keys into dev-keys/ ...
    drop(Service::new(&config_in(dir.path())).await.unwrap());
    let dev_jwt = dir.path().join("dev-keys").join(DEV_JWT_KEY_FILE);
    let dev_keyring = dir.path().join("dev-keys").join(DEV_KEYRING_FILE);
    // ... which production will not use, whichever key points there.
    let production = config_in(dir.path()).with_environment(Environment::Production);
    for config in [
        production
            .clone()
            .with_jwt_key_file(&dev_jwt)
            .with_keyring_file(&keyring),
        production
            .clone()
            .with_jwt_key_file(&jwt)
            .with_keyring_file(&dev_keyring),
    ] {
        let err = Service::new(&config).await.err();
        assert!(matches!(err, Some(ServiceError::Production(_))), "{err:?}");
    }
}

#[tokio::test]
async fn rotate_keys_refuses_the_development_directory_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let (jwt, keyring) = real_keys(dir.path());
    drop(Service::new(&config_in(dir.path())).await.unwrap());
    let dev_keyring = dir.path().join("dev-keys").join(DEV_KEYRING_FILE);
    let production = config_in(dir.path())
        .with_environment(Environment::Production)
        .with_jwt_key_file(&jwt);

    let refused = rotate_keys(
        &production.clone().with_keyring_file(&dev_keyring),
        100,
        |_| ControlFlow::Continue(()),
    )
    .await
    .err();
    assert!(
        matches!(refused, Some(ServiceError::Production(_))),
        "{refused:?}"
    );
    // The same command with a keyring of its own runs.
    let done = rotate_keys(&production.with_keyring_file(&keyring), 100, |_| {
        ControlFlow::Continue(())
    })
    .await
    .unwrap();
    assert!(done.complete);
}

#[tokio::test]
async fn production_refuses_jwt_key_files_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let (jwt, keyring) = real_keys(dir.path());
    let loose = dir.path().join("jwt-loose.pem");
    jwt_key_file(&loose, 0o644);
    let production = config_in(dir.path())
        .with_environment(Environment::Production)
        .with_keyring_file(&keyring);

    let primary = Service::new(&production.clone().with_jwt_key_file(&loose))
        .await
        .err();
    assert!(
        matches!(
            primary,
            Some(ServiceError::Config {
                setting: "OPSGUARD_JWT_KEY_FILE",
                ..
            })
        ),
        "{primary:?}"
    );
    let previous = Service::new(
        &production
            .clone()
            .with_jwt_key_file(&jwt)
            .with_jwt_previous_key_files(vec![loose.clone()]),
    )
    .await
    .err();
    assert!(
        matches!(
            previous,
            Some(ServiceError::Config {
                setting: "OPSGUARD_JWT_PREVIOUS_KEY_FILES",
                ..
            })
        ),
        "{previous:?}"
    );

    // Readable by the group only is still too loose; 0400 is fine.
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(
        Service::new(&production.clone().with_jwt_key_file(&loose))
            .await
            .is_err()
    );
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(
        Service::new(&production.with_jwt_key_file(&loose))
            .await
            .is_ok()
    );

    // Development only warns.
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(
        Service::new(&config_in(dir.path()).with_jwt_key_file(&loose))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_sqlite_files_are_private() {
    let svc = TestService::start(Backend::Sqlite, "sqlite_mode")
        .await
        .unwrap();
    // A write, so that the WAL and its index exist.
    svc.user("alice").await;
    for file in ["service.db", "service.db-wal", "service.db-shm"] {
        assert_eq!(mode(&svc.dir.path().join(file)), 0o600, "{file}");
    }
    svc.finish().await;

    // Production refuses a database file others can read; development
    // (which made it) still starts.
    let dir = tempfile::tempdir().unwrap();
    let (jwt, keyring) = real_keys(dir.path());
    std::fs::write(dir.path().join("service.db"), b"").unwrap();
    std::fs::set_permissions(
        dir.path().join("service.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let production = config_in(dir.path())
        .with_environment(Environment::Production)
        .with_jwt_key_file(&jwt)
        .with_keyring_file(&keyring);
    let refused = Service::new(&production).await.err();
    assert!(
        matches!(
            refused,
            Some(ServiceError::Config {
                setting: "DATABASE_URL",
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(Service::new(&config_in(dir.path())).await.is_ok());
    // SQLite gave the WAL files the main file's loose mode: chmod all three.
    for file in ["service.db", "service.db-wal", "service.db-shm"] {
        let file = dir.path().join(file);
        if file.exists() {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    assert!(Service::new(&production).await.is_ok());
}

#[test]
fn production_is_chosen_by_the_environment() {
    let config =
        Config::from_lookup(|name| (name == "OPSGUARD_ENV").then(|| "production".to_owned()))
            .unwrap();
    assert_eq!(config.environment(), Environment::Production);
}

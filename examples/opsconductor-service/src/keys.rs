//! The service's two kinds of keys: the JWT signing key set and the
//! encryption keyring. They come from configured files or the environment;
//! in development only, a key that is not configured is generated once into
//! the development key directory and reused on every start.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use opsguard::crypto::{Keyring, KeyringBuilder};
use opsguard::token::{Algorithm, KeySet, SigningKey};
use secrecy::ExposeSecret as _;

use crate::config::KeyringSource;
use crate::{Config, ServiceError, private_file};

const JWT_KEY_FILE: &str = "OPSGUARD_JWT_KEY_FILE";
const JWT_PREVIOUS_KEY_FILES: &str = "OPSGUARD_JWT_PREVIOUS_KEY_FILES";
const JWT_RETIRED_KEY_FILES: &str = "OPSGUARD_JWT_RETIRED_KEY_FILES";

/// The development JWT signing key, inside the development key directory.
pub const DEV_JWT_KEY_FILE: &str = "jwt-signing-key.pem";
/// The development encryption keyring, inside the development key directory.
pub const DEV_KEYRING_FILE: &str = "encryption-keyring";

/// Tokens are signed with Ed25519 (EdDSA), opsguard-token's recommended
/// algorithm: small keys, fast verification, a public key to publish.
const JWT_ALGORITHM: Algorithm = Algorithm::EdDsa;

/// The keys a running service holds.
#[derive(Debug)]
pub(crate) struct Keys {
    /// Signs access and refresh tokens (primary) and verifies them (primary
    /// and previous keys).
    pub(crate) signing: KeySet,
    /// Seals and opens stored credential passwords.
    pub(crate) keyring: Keyring,
}

/// Load every key `config` names, generating development keys for those it
/// does not (development only).
pub(crate) fn load(config: &Config) -> Result<Keys, ServiceError> {
    refuse_in_production(config)?;
    Ok(Keys {
        signing: signing_keys(config)?,
        keyring: read_keyring(config)?,
    })
}

/// The keyring alone, for `rotate-keys`, with the same refusals in
/// production as [`load`].
pub(crate) fn keyring(config: &Config) -> Result<Keyring, ServiceError> {
    refuse_in_production(config)?;
    read_keyring(config)
}

/// In production, no configured key may live in the development key
/// directory.
fn refuse_in_production(config: &Config) -> Result<(), ServiceError> {
    if config.is_production() {
        refuse_dev_key_dir(config)?;
    }
    Ok(())
}

fn read_keyring(config: &Config) -> Result<Keyring, ServiceError> {
    match config.keyring() {
        // opsguard-crypto refuses a keyring file group or others can read.
        KeyringSource::File(path) => Keyring::from_file(path)
            .map_err(|err| ServiceError::keys("read OPSGUARD_ENCRYPTION_KEYRING_FILE", err)),
        KeyringSource::Values { keys, primary } => {
            KeyringBuilder::from_env_values(keys.expose_secret(), primary)
                .and_then(KeyringBuilder::build)
                .map_err(|err| ServiceError::keys("read OPSGUARD_ENCRYPTION_KEYS", err))
        }
        KeyringSource::Development if config.is_production() => Err(ServiceError::Production(
            "set OPSGUARD_ENCRYPTION_KEYS or OPSGUARD_ENCRYPTION_KEYRING_FILE",
        )),
        KeyringSource::Development => dev_keyring(config.dev_key_dir()),
    }
}

/// The signing key set: the primary key signs; previous keys still verify
/// tokens they signed; retired keys are known and refused.
///
/// Each configured key file must be private (no access for group or
/// others) in production, as opsguard-crypto requires of keyring files;
/// elsewhere a looser file is only warned about.
fn signing_keys(config: &Config) -> Result<KeySet, ServiceError> {
    let production = config.is_production();
    let configured = |path: &Path, setting: &'static str, action: &'static str| {
        private_file::require_private(path, setting, production)?;
        read_signing_key(path, action)
    };
    let primary = match config.jwt_key_file() {
        Some(path) => configured(path, JWT_KEY_FILE, "read OPSGUARD_JWT_KEY_FILE")?,
        None if production => {
            return Err(ServiceError::Production("set OPSGUARD_JWT_KEY_FILE"));
        }
        None => dev_signing_key(config.dev_key_dir())?,
    };
    let mut keys = KeySet::builder().primary(primary);
    for path in config.jwt_previous_key_files() {
        keys = keys.verify_only(configured(
            path,
            JWT_PREVIOUS_KEY_FILES,
            "read OPSGUARD_JWT_PREVIOUS_KEY_FILES",
        )?);
    }
    for path in config.jwt_retired_key_files() {
        keys = keys.retired(configured(
            path,
            JWT_RETIRED_KEY_FILES,
            "read OPSGUARD_JWT_RETIRED_KEY_FILES",
        )?);
    }
    keys.build()
        .map_err(|err| ServiceError::keys("build the signing key set", err))
}

fn read_signing_key(path: &Path, action: &'static str) -> Result<SigningKey, ServiceError> {
    SigningKey::from_file(JWT_ALGORITHM, path).map_err(|err| ServiceError::keys(action, err))
}

/// In production, no configured key may live in the development key
/// directory: keys generated on a developer's machine are not secrets.
fn refuse_dev_key_dir(config: &Config) -> Result<(), ServiceError> {
    let Ok(dev_dir) = config.dev_key_dir().canonicalize() else {
        return Ok(()); // It does not exist, so nothing is inside it.
    };
    for path in config.key_files() {
        if path
            .canonicalize()
            .is_ok_and(|path| path.starts_with(&dev_dir))
        {
            return Err(ServiceError::Production(
                "key files must not be in the development key directory",
            ));
        }
    }
    Ok(())
}

/// The development JWT signing key: read from the directory, or generated
/// and written there on first use.
fn dev_signing_key(dir: &Path) -> Result<SigningKey, ServiceError> {
    let path = dev_key_dir(dir)?.join(DEV_JWT_KEY_FILE);
    if path.exists() {
        warn_development_key("JWT signing key", &path, "from an earlier start");
        return read_signing_key(&path, "read the development JWT key");
    }
    let key = SigningKey::generate(JWT_ALGORITHM)
        .map_err(|err| ServiceError::keys("generate a development JWT key", err))?;
    let pem = key
        .to_pkcs8_pem()
        .map_err(|err| ServiceError::keys("encode the development JWT key", err))?;
    write_secret_file(&path, pem.expose_secret().as_bytes())?;
    warn_development_key("JWT signing key", &path, "generated now");
    Ok(key)
}

/// The development encryption keyring: read from the directory, or
/// generated (one key, id 1) and written there on first use.
fn dev_keyring(dir: &Path) -> Result<Keyring, ServiceError> {
    let path = dev_key_dir(dir)?.join(DEV_KEYRING_FILE);
    if path.exists() {
        warn_development_key("encryption keyring", &path, "from an earlier start");
        return Keyring::from_file(&path)
            .map_err(|err| ServiceError::keys("read the development keyring", err));
    }
    let keyring = Keyring::generate(1)
        .map_err(|err| ServiceError::keys("generate a development keyring", err))?;
    // Mode 0600; an existing file is never overwritten.
    keyring
        .write_file(&path)
        .map_err(|err| ServiceError::keys("write the development keyring", err))?;
    warn_development_key("encryption keyring", &path, "generated now");
    Ok(keyring)
}

/// The development key directory, created with mode 0700 if missing. An
/// existing one that others may read is refused: its keys may have leaked.
fn dev_key_dir(dir: &Path) -> Result<PathBuf, ServiceError> {
    let io = |action| move |source| ServiceError::Io { action, source };
    if !dir.exists() {
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(io("create the development key directory"))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir)
            .map_err(io("read the development key directory"))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(ServiceError::Config {
                setting: "OPSGUARD_DEV_KEY_DIR",
                problem: "is readable by other users; remove it or run chmod 700 on it",
            });
        }
    }
    Ok(dir.to_owned())
}

/// Write `contents` to a new file only its owner can read (0600). An
/// existing file is never overwritten.
fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), ServiceError> {
    let io = |source| ServiceError::Io {
        action: "write a development key",
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The loud warning of a development key in use.
fn warn_development_key(what: &str, path: &Path, origin: &str) {
    tracing::warn!(
        target: "opsconductor",
        "USING A DEVELOPMENT KEY: {what} {} ({origin}). It is for this machine only; \
         configure real keys before any real use (OPSGUARD_JWT_KEY_FILE, \
         OPSGUARD_ENCRYPTION_KEYS or OPSGUARD_ENCRYPTION_KEYRING_FILE; see the \
         README). OPSGUARD_ENV=production refuses to start without them.",
        path.display()
    );
}

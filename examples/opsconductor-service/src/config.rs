//! The service's settings: environment variables, then an optional TOML
//! file, then the development defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use opsguard::auth::ClientIpResolver;
use opsguard::password::{Argon2Params, Hasher};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::ServiceError;

/// Where the service listens unless `OPSGUARD_BIND` says otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The database unless `DATABASE_URL` says otherwise: a SQLite file in the
/// current directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://opsconductor.db";
/// Where development keys are generated unless `OPSGUARD_DEV_KEY_DIR` says
/// otherwise.
pub const DEFAULT_DEV_KEY_DIR: &str = ".opsguard-dev";
/// The tokens' `iss` unless `OPSGUARD_ISSUER` says otherwise.
pub const DEFAULT_ISSUER: &str = "opsconductor-service";
/// The access tokens' `aud` unless `OPSGUARD_AUDIENCE` says otherwise.
pub const DEFAULT_AUDIENCE: &str = "opsconductor";

// The environment variables, documented in the README's configuration table.
const CONFIG_FILE: &str = "OPSGUARD_CONFIG";
const BIND: &str = "OPSGUARD_BIND";
const DATABASE_URL: &str = "DATABASE_URL";
const ENV: &str = "OPSGUARD_ENV";
const ISSUER: &str = "OPSGUARD_ISSUER";
const AUDIENCE: &str = "OPSGUARD_AUDIENCE";
const JWT_KEY_FILE: &str = "OPSGUARD_JWT_KEY_FILE";
const JWT_PREVIOUS_KEY_FILES: &str = "OPSGUARD_JWT_PREVIOUS_KEY_FILES";
const JWT_RETIRED_KEY_FILES: &str = "OPSGUARD_JWT_RETIRED_KEY_FILES";
const ENCRYPTION_KEYS: &str = opsguard::crypto::KEYS_ENV;
const ENCRYPTION_PRIMARY: &str = opsguard::crypto::PRIMARY_ENV;
const ENCRYPTION_KEYRING_FILE: &str = "OPSGUARD_ENCRYPTION_KEYRING_FILE";
const DEV_KEY_DIR: &str = "OPSGUARD_DEV_KEY_DIR";
const TRUSTED_PROXIES: &str = "OPSGUARD_TRUSTED_PROXIES";
const TOKEN_CACHE: &str = "OPSGUARD_TOKEN_CACHE";

/// Development (the default) or production.
///
/// Production never generates or reads development keys: every key must be
/// configured, and the service refuses to start otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Keys that are not configured are generated into the development key
    /// directory (with a loud warning).
    Development,
    /// Every key must be configured; the development key directory is
    /// refused.
    Production,
}

/// Where the encryption keyring comes from.
#[derive(Debug, Clone)]
pub(crate) enum KeyringSource {
    /// Not configured: the development keyring (refused in production).
    Development,
    /// A keyring file (opsguard-crypto's format, mode 0600).
    File(PathBuf),
    /// `OPSGUARD_ENCRYPTION_KEYS` and `OPSGUARD_ENCRYPTION_PRIMARY`.
    Values { keys: SecretString, primary: String },
}

/// How passwords are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordHashing {
    /// opsguard-password's default: argon2id with the OWASP parameters.
    Recommended,
    /// Argon2id with 64 KiB and one pass: for tests only, never reachable
    /// from the environment or the file.
    DangerousFastForTests,
}

/// Every setting of the service.
///
/// Read it with [`Config::from_env`] (environment variables, then the TOML
/// file named by `OPSGUARD_CONFIG`, then the defaults), or start from
/// [`Config::development`] and adjust it with the `with_*` methods, as the
/// tests and the demo do.
///
/// `Debug` shows no secret: the database URL and the encryption keys are
/// [`SecretString`]s.
#[derive(Debug, Clone)]
pub struct Config {
    bind: SocketAddr,
    database_url: SecretString,
    environment: Environment,
    issuer: String,
    audience: String,
    jwt_key_file: Option<PathBuf>,
    jwt_previous_key_files: Vec<PathBuf>,
    jwt_retired_key_files: Vec<PathBuf>,
    keyring: KeyringSource,
    dev_key_dir: PathBuf,
    trusted_proxies: Vec<String>,
    /// Whether verified access tokens are cached (opsguard-token's
    /// `VerifyCache`); on unless `OPSGUARD_TOKEN_CACHE=off`.
    token_cache: bool,
    password_hashing: PasswordHashing,
}

/// The optional TOML file: the same settings as the environment variables,
/// in lowercase without the `OPSGUARD_` prefix. Secrets other than the
/// database URL have no key here: keys live in key files or the
/// environment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    database_url: Option<String>,
    env: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    jwt_key_file: Option<PathBuf>,
    jwt_previous_key_files: Option<Vec<PathBuf>>,
    jwt_retired_key_files: Option<Vec<PathBuf>>,
    encryption_keyring_file: Option<PathBuf>,
    dev_key_dir: Option<PathBuf>,
    trusted_proxies: Option<Vec<String>>,
    token_cache: Option<String>,
}

impl Config {
    /// The development defaults: `127.0.0.1:8080`, `./opsconductor.db`,
    /// development keys in `./.opsguard-dev`, no trusted proxy.
    #[must_use]
    pub fn development() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: SecretString::from(DEFAULT_DATABASE_URL),
            environment: Environment::Development,
            issuer: DEFAULT_ISSUER.to_owned(),
            audience: DEFAULT_AUDIENCE.to_owned(),
            jwt_key_file: None,
            jwt_previous_key_files: Vec::new(),
            jwt_retired_key_files: Vec::new(),
            keyring: KeyringSource::Development,
            dev_key_dir: PathBuf::from(DEFAULT_DEV_KEY_DIR),
            trusted_proxies: Vec::new(),
            token_cache: true,
            password_hashing: PasswordHashing::Recommended,
        }
    }

    /// The settings of this process: its environment variables, then the
    /// file named by `OPSGUARD_CONFIG`, then the defaults.
    ///
    /// # Errors
    ///
    /// [`ServiceError::Config`] naming a malformed setting;
    /// [`ServiceError::ConfigFile`] when the file cannot be read or parsed.
    pub fn from_env() -> Result<Self, ServiceError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings found by `lookup` (given an environment variable's
    /// name, its value), then the file it names in `OPSGUARD_CONFIG`, then
    /// the defaults. [`from_env`](Self::from_env) with another environment,
    /// for tests.
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ServiceError> {
        let file = match lookup(CONFIG_FILE) {
            Some(path) => FileSettings::read(Path::new(&path))?,
            None => FileSettings::default(),
        };
        let mut config = Self::development();
        if let Some(bind) = lookup(BIND).or(file.bind) {
            config.bind = bind.parse().map_err(|_| ServiceError::Config {
                setting: BIND,
                problem: "must be an address and port such as 127.0.0.1:8080",
            })?;
        }
        if let Some(url) = lookup(DATABASE_URL).or(file.database_url) {
            config.database_url = SecretString::from(url);
        }
        if let Some(env) = lookup(ENV).or(file.env) {
            config.environment = match env.as_str() {
                "development" => Environment::Development,
                "production" => Environment::Production,
                _ => {
                    return Err(ServiceError::Config {
                        setting: ENV,
                        problem: "must be development or production",
                    });
                }
            };
        }
        if let Some(issuer) = lookup(ISSUER).or(file.issuer) {
            config.issuer = issuer;
        }
        if let Some(audience) = lookup(AUDIENCE).or(file.audience) {
            config.audience = audience;
        }
        config.jwt_key_file = lookup(JWT_KEY_FILE)
            .map(PathBuf::from)
            .or(file.jwt_key_file);
        config.jwt_previous_key_files = lookup(JWT_PREVIOUS_KEY_FILES)
            .map(|list| paths(&list))
            .or(file.jwt_previous_key_files)
            .unwrap_or_default();
        config.jwt_retired_key_files = lookup(JWT_RETIRED_KEY_FILES)
            .map(|list| paths(&list))
            .or(file.jwt_retired_key_files)
            .unwrap_or_default();
        let keyring_file = lookup(ENCRYPTION_KEYRING_FILE)
            .map(PathBuf::from)
            .or(file.encryption_keyring_file);
        config.keyring = match (lookup(ENCRYPTION_KEYS), keyring_file) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::Config {
                    setting: ENCRYPTION_KEYRING_FILE,
                    problem: "set either it or OPSGUARD_ENCRYPTION_KEYS, not both",
                });
            }
            (Some(keys), None) => KeyringSource::Values {
                keys: SecretString::from(keys),
                primary: lookup(ENCRYPTION_PRIMARY).ok_or(ServiceError::Config {
                    setting: ENCRYPTION_PRIMARY,
                    problem: "is required with OPSGUARD_ENCRYPTION_KEYS",
                })?,
            },
            (None, Some(path)) => KeyringSource::File(path),
            (None, None) => KeyringSource::Development,
        };
        if let Some(dir) = lookup(DEV_KEY_DIR).map(PathBuf::from).or(file.dev_key_dir) {
            config.dev_key_dir = dir;
        }
        config.trusted_proxies = lookup(TRUSTED_PROXIES)
            .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect())
            .or(file.trusted_proxies)
            .unwrap_or_default();
        if let Some(cache) = lookup(TOKEN_CACHE).or(file.token_cache) {
            config.token_cache = match cache.as_str() {
                "on" => true,
                "off" => false,
                _ => {
                    return Err(ServiceError::Config {
                        setting: TOKEN_CACHE,
                        problem: "must be on or off",
                    });
                }
            };
        }
        // Fail now rather than at the first request.
        config.client_ip_resolver()?;
        Ok(config)
    }

    /// Listen on `bind` (port 0: any free port).
    #[must_use]
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// Use the database at `url` (`sqlite://...` or `postgres://...`).
    #[must_use]
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = SecretString::from(url.into());
        self
    }

    /// Run as `environment`.
    #[must_use]
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sign tokens with the Ed25519 key in `path` (PKCS#8 PEM).
    #[must_use]
    pub fn with_jwt_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.jwt_key_file = Some(path.into());
        self
    }

    /// Keep verifying tokens signed with the keys in `paths` (keys rotated
    /// out, within the longest token lifetime).
    #[must_use]
    pub fn with_jwt_previous_key_files(mut self, paths: Vec<PathBuf>) -> Self {
        self.jwt_previous_key_files = paths;
        self
    }

    /// Refuse tokens signed with the keys in `paths` (retired keys).
    #[must_use]
    pub fn with_jwt_retired_key_files(mut self, paths: Vec<PathBuf>) -> Self {
        self.jwt_retired_key_files = paths;
        self
    }

    /// Read the encryption keyring from the file at `path`.
    #[must_use]
    pub fn with_keyring_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.keyring = KeyringSource::File(path.into());
        self
    }

    /// Generate and keep development keys in `dir`.
    #[must_use]
    pub fn with_dev_key_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dev_key_dir = dir.into();
        self
    }

    /// Hash passwords with argon2id at 64 KiB and one pass, far below the
    /// OWASP minimum, so that tests which create many users run quickly.
    /// Never use it for a real service: such hashes are cheap to crack.
    #[must_use]
    pub fn dangerous_with_fast_password_hashing(mut self) -> Self {
        self.password_hashing = PasswordHashing::DangerousFastForTests;
        self
    }

    /// Verify every access token in full, without the verified-token
    /// cache (`OPSGUARD_TOKEN_CACHE=off`).
    #[must_use]
    pub fn without_token_cache(mut self) -> Self {
        self.token_cache = false;
        self
    }

    /// Whether verified access tokens are cached.
    #[must_use]
    pub fn token_cache(&self) -> bool {
        self.token_cache
    }

    /// The address to listen on.
    #[must_use]
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }

    /// Development or production.
    #[must_use]
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The development key directory.
    #[must_use]
    pub fn dev_key_dir(&self) -> &Path {
        &self.dev_key_dir
    }

    pub(crate) fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub(crate) fn database_url(&self) -> &SecretString {
        &self.database_url
    }

    /// Which database the URL names, for log lines (the URL itself may hold
    /// a password).
    pub(crate) fn database_kind(&self) -> &'static str {
        if self.database_url.expose_secret().starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    pub(crate) fn jwt_key_file(&self) -> Option<&Path> {
        self.jwt_key_file.as_deref()
    }

    pub(crate) fn jwt_previous_key_files(&self) -> &[PathBuf] {
        &self.jwt_previous_key_files
    }

    pub(crate) fn jwt_retired_key_files(&self) -> &[PathBuf] {
        &self.jwt_retired_key_files
    }

    pub(crate) fn keyring(&self) -> &KeyringSource {
        &self.keyring
    }

    /// Every key file the configuration names.
    pub(crate) fn key_files(&self) -> impl Iterator<Item = &Path> {
        let keyring_file = match &self.keyring {
            KeyringSource::File(path) => Some(path.as_path()),
            KeyringSource::Development | KeyringSource::Values { .. } => None,
        };
        self.jwt_key_file
            .iter()
            .chain(&self.jwt_previous_key_files)
            .chain(&self.jwt_retired_key_files)
            .map(PathBuf::as_path)
            .chain(keyring_file)
    }

    /// Whose `X-Forwarded-For` to believe: the trusted proxies.
    pub(crate) fn client_ip_resolver(&self) -> Result<ClientIpResolver, ServiceError> {
        ClientIpResolver::builder()
            .with_trusted_proxies(&self.trusted_proxies)
            .build()
            .map_err(|_| ServiceError::Config {
                setting: TRUSTED_PROXIES,
                problem: "must be IP addresses or CIDR networks separated by commas",
            })
    }

    /// The password hasher of this configuration.
    pub(crate) fn password_hasher(&self) -> Result<Hasher, ServiceError> {
        match self.password_hashing {
            PasswordHashing::Recommended => Ok(Hasher::new()),
            PasswordHashing::DangerousFastForTests => Hasher::builder()
                .with_argon2id(Argon2Params::new(64, 1, 1))
                .dangerous_allow_weak_params()
                .build()
                .map_err(|err| ServiceError::Opsguard(err.into())),
        }
    }
}

impl FileSettings {
    fn read(path: &Path) -> Result<Self, ServiceError> {
        let error = |source: opsguard::core::BoxError| ServiceError::ConfigFile {
            path: path.to_owned(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(|err| error(err.into()))?;
        toml::from_str(&text).map_err(|err| error(err.into()))
    }
}

/// A comma-separated list of paths.
fn paths(list: &str) -> Vec<PathBuf> {
    list.split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn no_variables_give_the_development_defaults() -> Result<(), ServiceError> {
        let config = Config::from_lookup(lookup(&[]))?;
        assert_eq!(config.bind().to_string(), DEFAULT_BIND);
        assert_eq!(config.database_url().expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(config.environment(), Environment::Development);
        assert_eq!(config.dev_key_dir(), Path::new(DEFAULT_DEV_KEY_DIR));
        assert!(matches!(config.keyring(), KeyringSource::Development));
        assert!(config.token_cache());
        Ok(())
    }

    #[test]
    fn variables_override_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("opsconductor.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9000\"\nenv = \"production\"\njwt_previous_key_files = [\"a.pem\", \"b.pem\"]\n",
        )?;
        let file = file.to_string_lossy().into_owned();
        let config = Config::from_lookup(lookup(&[
            ("OPSGUARD_CONFIG", &file),
            ("OPSGUARD_BIND", "127.0.0.1:9001"),
        ]))?;
        assert_eq!(config.bind().port(), 9001);
        assert_eq!(config.environment(), Environment::Production);
        assert_eq!(
            config.jwt_previous_key_files(),
            [PathBuf::from("a.pem"), PathBuf::from("b.pem")]
        );
        Ok(())
    }

    #[test]
    fn the_token_cache_can_be_turned_off() -> Result<(), Box<dyn std::error::Error>> {
        let off = Config::from_lookup(lookup(&[("OPSGUARD_TOKEN_CACHE", "off")]))?;
        assert!(!off.token_cache());
        let on = Config::from_lookup(lookup(&[("OPSGUARD_TOKEN_CACHE", "on")]))?;
        assert!(on.token_cache());
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("opsconductor.toml");
        std::fs::write(&file, "token_cache = \"off\"\n")?;
        let file = file.to_string_lossy().into_owned();
        let from_file = Config::from_lookup(lookup(&[("OPSGUARD_CONFIG", &file)]))?;
        assert!(!from_file.token_cache());
        assert!(!Config::development().without_token_cache().token_cache());
        Ok(())
    }

    #[test]
    fn a_secret_in_the_file_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("opsconductor.toml");
        std::fs::write(&file, "encryption_keys = \"1:AAAA\"\n")?;
        let file = file.to_string_lossy().into_owned();
        let err = Config::from_lookup(lookup(&[("OPSGUARD_CONFIG", &file)])).err();
        assert!(
            matches!(err, Some(ServiceError::ConfigFile { .. })),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn malformed_settings_are_named() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[("OPSGUARD_BIND", "localhost")], BIND),
            (&[("OPSGUARD_TOKEN_CACHE", "yes")], TOKEN_CACHE),
            (&[("OPSGUARD_ENV", "prod")], ENV),
            (
                &[("OPSGUARD_TRUSTED_PROXIES", "10.0.0.0/8,nope")],
                TRUSTED_PROXIES,
            ),
            (
                &[("OPSGUARD_ENCRYPTION_KEYS", "1:AAAA")],
                ENCRYPTION_PRIMARY,
            ),
        ];
        for (vars, expected) in cases {
            match Config::from_lookup(lookup(vars)) {
                Err(ServiceError::Config { setting, .. }) => assert_eq!(setting, expected),
                other => panic!("{vars:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_no_secret() -> Result<(), ServiceError> {
        let config = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://app:hunter2@db/app"),
            ("OPSGUARD_ENCRYPTION_KEYS", "1:c2VjcmV0LWtleS1tYXRlcmlhbA=="),
            ("OPSGUARD_ENCRYPTION_PRIMARY", "1"),
        ]))?;
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        Ok(())
    }
}

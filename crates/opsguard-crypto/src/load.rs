//! Loading a keyring from the environment or a file, and writing one.
//!
//! Both sources use the same entry syntax, `<id>:<base64>`: a decimal `u32`
//! key id, a colon, and the 32-byte key in standard base64 (padding
//! optional), the form `openssl rand -base64 32` prints. Spaces around an
//! entry and around the colon are ignored.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use secrecy::ExposeSecret as _;
use zeroize::Zeroizing;

use crate::{CryptoError, Key, Keyring, KeyringBuilder};

/// The variable [`Keyring::from_env`] reads the keys from:
/// `OPSGUARD_ENCRYPTION_KEYS="3:<base64>,2:<base64>"`.
pub const KEYS_ENV: &str = "OPSGUARD_ENCRYPTION_KEYS";

/// The variable [`Keyring::from_env`] reads the primary key id from:
/// `OPSGUARD_ENCRYPTION_PRIMARY=3`.
pub const PRIMARY_ENV: &str = "OPSGUARD_ENCRYPTION_PRIMARY";

/// A keyring file larger than this is refused (a key line is about 50
/// bytes).
const MAX_FILE_LEN: u64 = 64 * 1024;

const ENTRY_SYNTAX: &str = "expected `<id>:<base64 key>` with a decimal u32 id";
const PRIMARY_SYNTAX: &str = "expected a decimal u32 key id as the primary";

impl KeyringBuilder {
    /// Keys from [`KEYS_ENV`] and the primary from [`PRIMARY_ENV`].
    ///
    /// # Errors
    ///
    /// As [`from_env_vars`](Self::from_env_vars).
    pub fn from_env() -> Result<Self, CryptoError> {
        Self::from_env_vars(KEYS_ENV, PRIMARY_ENV)
    }

    /// Keys from the variable `keys_var` (comma-separated `<id>:<base64>`
    /// entries) and the primary key id from `primary_var`.
    ///
    /// The process environment keeps its copy of the keys for the life of
    /// the process (Rust cannot remove a variable without `unsafe`); prefer a
    /// keyring file where memory disclosure is a concern.
    ///
    /// # Errors
    ///
    /// [`CryptoError::MissingEnvVar`] when either variable is unset or not
    /// UTF-8; [`CryptoError::Syntax`], [`CryptoError::KeyEncoding`] or
    /// [`CryptoError::KeyLength`] naming the entry (counted from 1) that is
    /// wrong. Duplicates and a primary not in the ring are reported by
    /// [`build`](Self::build).
    pub fn from_env_vars(keys_var: &str, primary_var: &str) -> Result<Self, CryptoError> {
        let keys =
            Zeroizing::new(
                std::env::var(keys_var).map_err(|_| CryptoError::MissingEnvVar {
                    name: keys_var.to_owned(),
                })?,
            );
        let primary = std::env::var(primary_var).map_err(|_| CryptoError::MissingEnvVar {
            name: primary_var.to_owned(),
        })?;
        Self::parse_env(&keys, &primary, keys_var, primary_var)
    }

    /// Keys and primary from the values the two variables would hold, for
    /// configuration that arrives by another channel (a secret manager, a
    /// config service). Errors name [`KEYS_ENV`] and [`PRIMARY_ENV`].
    ///
    /// ```
    /// use opsguard_crypto::KeyringBuilder;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let keys = "3:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,\
    ///             2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    /// let keyring = KeyringBuilder::from_env_values(keys, "3")?.build()?;
    /// assert_eq!(keyring.key_ids(), [2, 3]);
    /// assert_eq!(keyring.primary_id(), 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`from_env_vars`](Self::from_env_vars), less the missing
    /// variables.
    pub fn from_env_values(keys: &str, primary: &str) -> Result<Self, CryptoError> {
        Self::parse_env(keys, primary, KEYS_ENV, PRIMARY_ENV)
    }

    fn parse_env(
        keys: &str,
        primary: &str,
        keys_var: &str,
        primary_var: &str,
    ) -> Result<Self, CryptoError> {
        let mut builder = Self::with_origin(keys_var.to_owned());
        for (index, entry) in keys.split(',').enumerate() {
            let origin = format!("{keys_var} entry {}", index.saturating_add(1));
            let (id, key) = parse_entry(entry, &origin)?;
            builder = builder.with_key_from(id, key, origin);
        }
        let primary = parse_id(primary).ok_or_else(|| CryptoError::Syntax {
            origin: primary_var.to_owned(),
            expected: PRIMARY_SYNTAX,
        })?;
        Ok(builder.with_primary(primary))
    }

    /// Keys and primary from a keyring file (format:
    /// [`Keyring::from_file`]).
    ///
    /// # Errors
    ///
    /// As [`Keyring::from_file`], except the checks of
    /// [`build`](Self::build).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CryptoError> {
        let path = path.as_ref();
        let read_err = |source| CryptoError::FileRead {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(read_err)?;
        // Check the opened file itself, not the path again: no window in
        // which the file could be swapped between the check and the read.
        let meta = file.metadata().map_err(read_err)?;
        if !meta.is_file() {
            return Err(CryptoError::Syntax {
                origin: path.display().to_string(),
                expected: "expected a regular file",
            });
        }
        check_permissions(path, &meta)?;
        if meta.len() > MAX_FILE_LEN {
            return Err(CryptoError::Syntax {
                origin: path.display().to_string(),
                expected: "expected a keyring file of at most 64 KiB",
            });
        }
        // Reserve the whole file up front so the buffer never reallocates
        // (which would leave an unwiped copy of the keys behind).
        let capacity = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
        let mut text = Zeroizing::new(String::with_capacity(capacity));
        file.take(MAX_FILE_LEN)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        Self::from_file_text(&text, &path.display().to_string())
    }

    /// Keys and primary from the text of a keyring file, for a keyring kept
    /// in a secret manager rather than on disk. `origin` names the source in
    /// error messages.
    ///
    /// # Errors
    ///
    /// [`CryptoError::Syntax`], [`CryptoError::KeyEncoding`] or
    /// [`CryptoError::KeyLength`] naming the line that is wrong;
    /// [`CryptoError::MissingPrimary`] without a `primary:` line.
    pub fn from_file_text(text: &str, origin: &str) -> Result<Self, CryptoError> {
        let mut builder = Self::with_origin(origin.to_owned());
        let mut primary = None;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{origin} line {}", index.saturating_add(1));
            if let Some(value) = line.strip_prefix("primary") {
                let id = value
                    .trim_start()
                    .strip_prefix(':')
                    .and_then(parse_id)
                    .ok_or_else(|| CryptoError::Syntax {
                        origin: at.clone(),
                        expected: "expected `primary:<id>` with a decimal u32 id",
                    })?;
                if primary.replace(id).is_some() {
                    return Err(CryptoError::Syntax {
                        origin: at,
                        expected: "expected a single `primary:` line",
                    });
                }
                continue;
            }
            let (id, key) = parse_entry(line, &at)?;
            builder = builder.with_key_from(id, key, at);
        }
        match primary {
            Some(id) => Ok(builder.with_primary(id)),
            None => Err(CryptoError::MissingPrimary {
                origin: origin.to_owned(),
            }),
        }
    }
}

impl Keyring {
    /// The keyring of [`KEYS_ENV`] (`OPSGUARD_ENCRYPTION_KEYS`, for example
    /// `3:<base64>,2:<base64>`) with the primary named by [`PRIMARY_ENV`]
    /// (`OPSGUARD_ENCRYPTION_PRIMARY`, for example `3`), on the default
    /// backend. Use [`KeyringBuilder::from_env`] to choose another backend.
    ///
    /// # Errors
    ///
    /// As [`KeyringBuilder::from_env_vars`] and [`KeyringBuilder::build`].
    pub fn from_env() -> Result<Self, CryptoError> {
        KeyringBuilder::from_env()?.build()
    }

    /// The keyring in the file at `path`, on the default backend.
    ///
    /// The file holds one entry per line; blank lines and lines starting
    /// with `#` are ignored:
    ///
    /// ```text
    /// # opsguard keyring
    /// primary:3
    /// 3:<base64 of 32 bytes>
    /// 2:<base64 of 32 bytes>
    /// ```
    ///
    /// On Unix the file must not be accessible to group or others (no bit
    /// of `0o077` set, so mode `0600` or `0400`); a looser file is refused
    /// with [`CryptoError::InsecureFilePermissions`] naming its mode. On
    /// other platforms permissions are not checked: protect the file with
    /// the platform's ACLs.
    ///
    /// # Errors
    ///
    /// [`CryptoError::FileRead`] when it cannot be read;
    /// [`CryptoError::InsecureFilePermissions`] as above;
    /// [`CryptoError::Syntax`], [`CryptoError::KeyEncoding`],
    /// [`CryptoError::KeyLength`] naming the line; and the checks of
    /// [`KeyringBuilder::build`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, CryptoError> {
        KeyringBuilder::from_file(path)?.build()
    }

    /// Write [`to_file_text`](Self::to_file_text) to a new file at `path`,
    /// created with mode `0600` on Unix. An existing file is never
    /// overwritten.
    ///
    /// # Errors
    ///
    /// [`CryptoError::FileWrite`] when the file exists or cannot be written.
    pub fn write_file(&self, path: impl AsRef<Path>) -> Result<(), CryptoError> {
        let path = path.as_ref();
        let write_err = |source| CryptoError::FileWrite {
            path: path.to_owned(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(write_err)?;
        file.write_all(self.to_file_text().expose_secret().as_bytes())
            .map_err(write_err)?;
        file.sync_all().map_err(write_err)
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::InsecureFilePermissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    Ok(())
}

/// A decimal `u32`, digits only (no sign, no spaces inside).
fn parse_id(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One `<id>:<base64>` entry.
fn parse_entry(entry: &str, origin: &str) -> Result<(u32, Key), CryptoError> {
    let syntax = || CryptoError::Syntax {
        origin: origin.to_owned(),
        expected: ENTRY_SYNTAX,
    };
    let (id, key) = entry.split_once(':').ok_or_else(syntax)?;
    let id = parse_id(id).ok_or_else(syntax)?;
    let key = Key::from_base64_at(key.trim(), origin)?;
    Ok((id, key))
}

//! Loading a keyring from the environment or a file, and writing one.
//!
//! Both sources use the same entry syntax, `<id>:<base64>`: a decimal `u32`
//! key id, a colon, and the 32-byte key in standard base64 (padding
//! optional), the form `openssl rand -base64 32` prints. ASCII whitespace
//! around an entry and around the colon is ignored; ids are canonical (ASCII
//! digits, no sign, no leading zeros).

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

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

/// The read buffer of a keyring file: one byte more than the largest file
/// accepted, so that a file that grew past the limit after its size was
/// checked is seen and refused rather than silently cut short.
const READ_BUFFER_LEN: usize = 64 * 1024 + 1;
const _: () = assert!(READ_BUFFER_LEN as u64 == MAX_FILE_LEN + 1);

const ENTRY_SYNTAX: &str = "expected `<id>:<base64 key>` with a decimal u32 id \
                            (ASCII digits, no sign, no leading zeros)";
const PRIMARY_SYNTAX: &str = "expected a decimal u32 key id as the primary \
                              (ASCII digits, no sign, no leading zeros)";
const PRIMARY_LINE_SYNTAX: &str = "expected `primary:<id>` with a decimal u32 id \
                                   (ASCII digits, no sign, no leading zeros)";
const EMPTY_ENTRY: &str = "expected `<id>:<base64 key>`, found an empty entry \
                           (a leading, trailing or doubled comma)";
const BYTE_ORDER_MARK: &str = "expected no byte-order mark (U+FEFF) at the start";

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
    /// wrong, including an empty entry (a leading, trailing or doubled
    /// comma) and a value starting with a byte-order mark. Duplicates and a
    /// primary not in the ring are reported by [`build`](Self::build).
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
        for (value, var) in [(keys, keys_var), (primary, primary_var)] {
            if value.starts_with('\u{feff}') {
                return Err(CryptoError::Syntax {
                    origin: var.to_owned(),
                    expected: BYTE_ORDER_MARK,
                });
            }
        }
        let mut builder = Self::with_origin(keys_var.to_owned());
        for (index, entry) in keys.split(',').enumerate() {
            let origin = format!("{keys_var} entry {}", index.saturating_add(1));
            // Refused rather than skipped: `$NEW,$OLD` with `$OLD` unset
            // would otherwise load without the old key, unnoticed.
            if entry.trim_ascii().is_empty() {
                return Err(CryptoError::Syntax {
                    origin,
                    expected: EMPTY_ENTRY,
                });
            }
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
        let not_regular = || CryptoError::Syntax {
            origin: path.display().to_string(),
            expected: "expected a regular file",
        };
        // Look before opening: opening a FIFO for reading blocks until a
        // writer appears, and opening a device can have side effects.
        // `metadata` follows symlinks, as `open` does.
        if !std::fs::metadata(path).map_err(read_err)?.is_file() {
            return Err(not_regular());
        }
        let file = File::open(path).map_err(read_err)?;
        // Then check the opened file itself: the path may have been swapped
        // since the look above, and what the handle reads is what counts.
        // (Swapped for a FIFO in that window, the open would wait; only
        // someone who can already replace the keyring file can do that.)
        let meta = file.metadata().map_err(read_err)?;
        if !meta.is_file() {
            return Err(not_regular());
        }
        check_permissions(path, &meta)?;
        let too_large = || CryptoError::Syntax {
            origin: path.display().to_string(),
            expected: "expected a keyring file of at most 64 KiB",
        };
        if meta.len() > MAX_FILE_LEN {
            return Err(too_large());
        }
        // A buffer the bounded read can never outgrow, whatever the file
        // does meanwhile: a `String` that reallocated would free a block
        // holding part of the keys without wiping it. `Zeroizing` wipes the
        // whole capacity on drop, including bytes of a failed UTF-8 read.
        let mut text = Zeroizing::new(String::with_capacity(READ_BUFFER_LEN));
        file.take(MAX_FILE_LEN + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() >= READ_BUFFER_LEN {
            return Err(too_large());
        }
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
        // A UTF-8 byte-order mark is an encoding signature some editors
        // write at the start of a file, not content.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut builder = Self::with_origin(origin.to_owned());
        let mut primary = None;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim_ascii();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{origin} line {}", index.saturating_add(1));
            if let Some(value) = line.strip_prefix("primary") {
                let id = value
                    .trim_ascii_start()
                    .strip_prefix(':')
                    .and_then(parse_id)
                    .ok_or_else(|| CryptoError::Syntax {
                        origin: at.clone(),
                        expected: PRIMARY_LINE_SYNTAX,
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
    /// with `#` are ignored, and so is a UTF-8 byte-order mark at the very
    /// start of the file:
    ///
    /// ```text
    /// # opsguard keyring
    /// primary:3
    /// 3:<base64 of 32 bytes>
    /// 2:<base64 of 32 bytes>
    /// ```
    ///
    /// The path must name a regular file (or a symlink to one); anything
    /// else, a FIFO or a device for example, is refused before it is
    /// opened. On Unix the file must not be accessible to group or others (no bit
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
        file.write_all(self.file_text().as_bytes())
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

/// A canonical decimal `u32`: ASCII digits only, no sign, no leading zero
/// (but `0` itself), with ASCII whitespace around it ignored. Unicode
/// spaces and digits are refused, so what an operator reads is the id.
fn parse_id(text: &str) -> Option<u32> {
    let text = text.trim_ascii();
    let canonical = match text.as_bytes() {
        [] | [b'0', _, ..] => false,
        digits => digits.iter().all(u8::is_ascii_digit),
    };
    if canonical { text.parse().ok() } else { None }
}

/// One `<id>:<base64>` entry.
fn parse_entry(entry: &str, origin: &str) -> Result<(u32, Key), CryptoError> {
    let syntax = || CryptoError::Syntax {
        origin: origin.to_owned(),
        expected: ENTRY_SYNTAX,
    };
    let (id, key) = entry.split_once(':').ok_or_else(syntax)?;
    let id = parse_id(id).ok_or_else(syntax)?;
    let key = Key::from_base64_at(key.trim_ascii(), origin)?;
    Ok((id, key))
}

//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in `opsguard-crypto`.
///
/// Two groups:
///
/// * **Using a keyring.** [`Decrypt`](Self::Decrypt) is the single, opaque
///   answer to *every* failure to open a sealed value: wrong key, wrong
///   context, a tampered or truncated value, an unknown version, algorithm or
///   key id, text that is not base64url. The precise reason is emitted only as
///   a `tracing` event at debug level (target `opsguard::crypto`, field
///   `reason`, no data), so the error itself gives an attacker nothing to
///   tell the cases apart.
/// * **Loading a keyring.** Clear, specific errors that name where the
///   problem is (`OPSGUARD_ENCRYPTION_KEYS entry 2`, `/etc/opsguard/keyring
///   line 3`) but never contain key material.
///
/// Every variant converts into an [`opsguard_core::Error`] of kind
/// [`Internal`](opsguard_core::ErrorKind::Internal): a stored value that does
/// not open, a missing key or an unreadable keyring is a server-side problem,
/// never the client's, and the client sees only `internal server error`. The
/// reference service audits decryption failures as `crypt_decrypt_fail`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A sealed value did not open (for any reason; see the type docs).
    #[error("decryption failed")]
    Decrypt,

    /// Two keys in one keyring have the same id.
    #[error("{origin}: key id {key_id} appears more than once")]
    DuplicateKeyId {
        /// Where the second key came from.
        origin: String,
        /// The repeated id.
        key_id: u32,
    },

    /// A keyring was built without any key.
    #[error("{origin}: the keyring has no keys")]
    EmptyKeyring {
        /// Where the keyring came from.
        origin: String,
    },

    /// The AEAD refused to seal (a plaintext or context beyond AES-GCM's
    /// length limits, 2^36 - 32 bytes of plaintext).
    #[error("encryption failed")]
    Encrypt,

    /// A keyring file exists but could not be read.
    #[error("cannot read keyring file {path}")]
    FileRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A keyring file could not be written.
    #[error("cannot write keyring file {path}")]
    FileWrite {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A keyring file may be read or written by users other than its owner.
    #[error(
        "keyring file {path} is accessible by group or others (mode {mode:04o}); \
         restrict it to its owner, e.g. chmod 600"
    )]
    InsecureFilePermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits (`st_mode & 0o7777`).
        mode: u32,
    },

    /// A key is not valid base64 (standard alphabet, padding optional).
    #[error("{origin}: key is not valid base64")]
    KeyEncoding {
        /// Where the key came from.
        origin: String,
    },

    /// The primary key has sealed 2^32 values in this process, the bound for
    /// random 96-bit nonces (NIST SP 800-38D §8.3); sealing is refused until
    /// a new primary key is installed.
    #[error("key {key_id} reached its limit of 2^32 encryptions; install a new primary key")]
    KeyExhausted {
        /// The exhausted key.
        key_id: u32,
    },

    /// A key does not decode to exactly 32 bytes.
    #[error("{origin}: key must be 32 bytes, got {len}")]
    KeyLength {
        /// Where the key came from.
        origin: String,
        /// The decoded length.
        len: usize,
    },

    /// An environment variable the loader needs is not set (or not UTF-8).
    #[error("environment variable {name} is not set or not UTF-8")]
    MissingEnvVar {
        /// The variable's name.
        name: String,
    },

    /// The keyring names no primary key.
    #[error("{origin}: no primary key is named")]
    MissingPrimary {
        /// Where the keyring came from.
        origin: String,
    },

    /// The decrypted bytes are not UTF-8, so they cannot be returned as a
    /// `SecretString` (they were sealed as bytes, not as text).
    #[error("decrypted value is not UTF-8 text")]
    NotUtf8,

    /// The named primary key id is not in the keyring.
    #[error("{origin}: primary key {key_id} is not in the keyring")]
    PrimaryNotFound {
        /// Where the keyring came from.
        origin: String,
        /// The primary id that was asked for.
        key_id: u32,
    },

    /// The operating system's random generator failed while generating a
    /// key.
    #[error("the operating system random generator failed")]
    Random,

    /// An entry of a keyring source is not of the documented form.
    #[error("{origin}: {expected}")]
    Syntax {
        /// Where the entry is.
        origin: String,
        /// What was expected there.
        expected: &'static str,
    },
}

impl From<CryptoError> for opsguard_core::Error {
    /// Every crypto error is a server-side fault: kind
    /// [`Internal`](opsguard_core::ErrorKind::Internal), generic client
    /// message, the crypto error kept as `source()` for logs.
    fn from(err: CryptoError) -> Self {
        Self::internal(err)
    }
}

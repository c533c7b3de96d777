//! The keyring: keys by id, one primary, and sealing and opening with them.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng as _;
use secrecy::{ExposeSecret as _, ExposeSecretMut as _, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::backend::{self, Aead, Backend};
use crate::envelope::{self, HEADER_LEN, MIN_SEALED_LEN, NONCE_LEN};
use crate::key::KEY_BASE64_LEN;
use crate::{CryptoError, Key, Sealed};

/// The most values one key may seal with random 96-bit nonces: 2^32.
///
/// NIST SP 800-38D §8.3 caps the invocations of one key with random IVs at
/// 2^32 so that the chance of a repeated nonce stays below 2^-32. A keyring
/// refuses to seal with a key once *this process* has sealed this many values
/// with it ([`CryptoError::KeyExhausted`]).
pub const MAX_ENCRYPTIONS_PER_KEY: u64 = 1 << 32;

/// At this many encryptions with one key (2^31, half the bound) the keyring
/// emits one `tracing` warning (target `opsguard::crypto`) so that operators
/// rotate long before [`MAX_ENCRYPTIONS_PER_KEY`].
pub const WARN_ENCRYPTIONS_PER_KEY: u64 = 1 << 31;

/// Target of every `tracing` event of this crate.
const TARGET: &str = "opsguard::crypto";

/// The one opaque decryption error; the reason goes to a debug event with no
/// data.
pub(crate) fn decrypt_failed(reason: &'static str) -> CryptoError {
    tracing::debug!(target: TARGET, reason, "sealed value did not open");
    CryptoError::Decrypt
}

/// Keys by `u32` id; one of them, the primary, seals, and all of them open.
///
/// A keyring is built once at start-up (from the environment, a file, a
/// [`KeyringBuilder`] or [`Keyring::generate`]) and shared, for example in an
/// `Arc`; every method takes `&self` and is safe to call from many threads.
///
/// Key material is wiped when the keyring is dropped (with the default
/// backend) and never appears in `Debug`, which lists key ids only.
///
/// ```
/// use opsguard_crypto::{Key, Keyring};
/// use secrecy::ExposeSecret as _;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keyring = Keyring::builder()
///     .with_key(2, Key::generate()?)
///     .with_key(3, Key::generate()?)
///     .with_primary(3)
///     .build()?;
///
/// let sealed = keyring.seal(b"s3cret", "credentials.password:42")?;
/// assert_eq!(sealed.key_id(), Some(3));
/// let opened = keyring.open(&sealed, "credentials.password:42")?;
/// assert_eq!(opened.expose_secret(), b"s3cret");
///
/// // The same bytes under another row's context do not open.
/// assert!(keyring.open(&sealed, "credentials.password:43").is_err());
/// assert_eq!(keyring.encryptions(3), Some(1));
/// # Ok(())
/// # }
/// ```
pub struct Keyring {
    /// The key that seals.
    primary: Entry,
    /// The keys that only open, sorted by id; ids unique and not the
    /// primary's.
    others: Vec<Entry>,
    backend: Backend,
}

struct Entry {
    id: u32,
    /// A pointer to the key's heap block (see [`Key`]).
    key: Key,
    aead: Box<dyn Aead>,
    encryptions: AtomicU64,
}

impl Keyring {
    /// A builder to assemble a keyring key by key.
    pub fn builder() -> KeyringBuilder {
        KeyringBuilder::new()
    }

    /// A keyring holding one fresh key with id `key_id`, the primary.
    ///
    /// Export it with [`Keyring::to_env_value`] or [`Keyring::write_file`]
    /// to keep it.
    ///
    /// # Errors
    ///
    /// [`CryptoError::Random`] if the operating system cannot provide
    /// randomness.
    pub fn generate(key_id: u32) -> Result<Self, CryptoError> {
        Self::builder()
            .with_key(key_id, Key::generate()?)
            .with_primary(key_id)
            .build()
    }

    /// Seal `plaintext` with the primary key, binding it to `context`.
    ///
    /// `context` says where the value belongs, for example
    /// `credentials.password:42` (table, column, row id). It is not stored:
    /// pass the same bytes to [`open`](Self::open). A fresh random 96-bit
    /// nonce is drawn from `rand`'s thread-local CSPRNG (ChaCha12, seeded and
    /// reseeded from the operating system).
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyExhausted`] once the primary key has sealed
    /// [`MAX_ENCRYPTIONS_PER_KEY`] values in this process;
    /// [`CryptoError::Encrypt`] for a plaintext beyond AES-GCM's limit.
    ///
    /// # Panics
    ///
    /// Only if the operating system's random generator fails while `rand`
    /// reseeds its thread-local generator (`rand` panics then; a nonce must
    /// never be drawn from a generator that could not be seeded).
    pub fn seal(&self, plaintext: &[u8], context: impl AsRef<[u8]>) -> Result<Sealed, CryptoError> {
        let entry = &self.primary;
        entry.count_encryption()?;
        let header = envelope::header(entry.id);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);

        let mut out = Zeroizing::new(Vec::with_capacity(
            MIN_SEALED_LEN.saturating_add(plaintext.len()),
        ));
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let body = out
            .get_mut(HEADER_LEN + NONCE_LEN..)
            .ok_or(CryptoError::Encrypt)?;
        let tag = envelope::with_aad(&header, context.as_ref(), |aad| {
            entry.aead.seal_in_place(&nonce, aad, body)
        })
        .map_err(|_| CryptoError::Encrypt)?;
        out.extend_from_slice(&tag);
        Ok(Sealed::new(std::mem::take(&mut *out)))
    }

    /// [`seal`](Self::seal) the UTF-8 bytes of a secret string.
    ///
    /// # Errors
    ///
    /// As [`seal`](Self::seal).
    ///
    /// # Panics
    ///
    /// As [`seal`](Self::seal).
    pub fn seal_secret(
        &self,
        secret: &SecretString,
        context: impl AsRef<[u8]>,
    ) -> Result<Sealed, CryptoError> {
        self.seal(secret.expose_secret().as_bytes(), context)
    }

    /// Open a sealed value that was sealed under `context`.
    ///
    /// The plaintext comes back as a [`SecretBox<[u8]>`](SecretBox): read it
    /// with `expose_secret()`; it is wiped when dropped and its `Debug` is
    /// redacted.
    ///
    /// # Errors
    ///
    /// [`CryptoError::Decrypt`], and only that, for every failure: too short,
    /// unknown version or algorithm, unknown key id, wrong key, wrong
    /// context, any modified byte. The reason is logged at debug level
    /// (target `opsguard::crypto`, field `reason`), without data.
    pub fn open(
        &self,
        sealed: impl AsRef<[u8]>,
        context: impl AsRef<[u8]>,
    ) -> Result<SecretBox<[u8]>, CryptoError> {
        let parts = envelope::parse(sealed.as_ref()).map_err(|m| decrypt_failed(m.reason()))?;
        let entry = self
            .entry(parts.key_id)
            .ok_or_else(|| decrypt_failed("unknown_key_id"))?;
        // Decrypted in place inside the secret box, so every byte of
        // plaintext (or of a failed attempt) is wiped on drop. A boxed slice,
        // not `Zeroizing<Vec<u8>>`: zeroize 1.9 wipes a `[u8]` with one fill,
        // a `Vec<u8>` byte by byte (7x slower at 64 KiB here).
        let mut plaintext: SecretBox<[u8]> = SecretBox::new(Box::from(parts.ciphertext));
        envelope::with_aad(parts.header, context.as_ref(), |aad| {
            entry
                .aead
                .open_in_place(parts.nonce, aad, plaintext.expose_secret_mut(), parts.tag)
        })
        .map_err(|_| decrypt_failed("authentication_failed"))?;
        Ok(plaintext)
    }

    /// [`open`](Self::open) a value sealed from text, as a secret string.
    ///
    /// # Errors
    ///
    /// [`CryptoError::Decrypt`] as for [`open`](Self::open);
    /// [`CryptoError::NotUtf8`] when the value opens but is not UTF-8 (it was
    /// sealed as bytes).
    pub fn open_secret(
        &self,
        sealed: impl AsRef<[u8]>,
        context: impl AsRef<[u8]>,
    ) -> Result<SecretString, CryptoError> {
        let plaintext = self.open(sealed, context)?;
        let text =
            std::str::from_utf8(plaintext.expose_secret()).map_err(|_| CryptoError::NotUtf8)?;
        Ok(SecretString::from(text))
    }

    /// Whether `sealed` should be re-encrypted: its header names a key other
    /// than the primary, or it is not a v1 AES-256-GCM value at all (then
    /// [`reencrypt`](Self::reencrypt) reports why it cannot be opened, so
    /// nothing is skipped silently).
    ///
    /// Only the header is read: no decryption is done.
    #[must_use]
    pub fn needs_reencrypt(&self, sealed: impl AsRef<[u8]>) -> bool {
        match envelope::read_header(sealed.as_ref()) {
            Some((envelope::VERSION_1, envelope::ALG_AES_256_GCM, key_id)) => {
                key_id != self.primary_id()
            }
            _ => true,
        }
    }

    /// Open `sealed` with whichever key it names and seal it again with the
    /// primary key, under the same `context`. The plaintext exists only in a
    /// secret box that is wiped on return.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), then as [`seal`](Self::seal).
    ///
    /// # Panics
    ///
    /// As [`seal`](Self::seal).
    pub fn reencrypt(
        &self,
        sealed: impl AsRef<[u8]>,
        context: impl AsRef<[u8]>,
    ) -> Result<Sealed, CryptoError> {
        let context = context.as_ref();
        let plaintext = self.open(sealed, context)?;
        self.seal(plaintext.expose_secret(), context)
    }

    /// [`reencrypt`](Self::reencrypt) when [`needs_reencrypt`](Self::needs_reencrypt)
    /// says so; `Ok(None)` for a value already under the primary key.
    /// Handy inside a `Stream::map` when rotating from an async source.
    ///
    /// # Errors
    ///
    /// As [`reencrypt`](Self::reencrypt).
    ///
    /// # Panics
    ///
    /// As [`seal`](Self::seal).
    pub fn reencrypt_if_needed(
        &self,
        sealed: impl AsRef<[u8]>,
        context: impl AsRef<[u8]>,
    ) -> Result<Option<Sealed>, CryptoError> {
        let sealed = sealed.as_ref();
        if self.needs_reencrypt(sealed) {
            self.reencrypt(sealed, context).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The id of the key that seals.
    #[must_use]
    pub fn primary_id(&self) -> u32 {
        self.primary.id
    }

    /// The ids of all keys, ascending.
    #[must_use]
    pub fn key_ids(&self) -> Vec<u32> {
        self.sorted_entries().iter().map(|e| e.id).collect()
    }

    /// Whether the keyring holds a key with this id.
    #[must_use]
    pub fn contains(&self, key_id: u32) -> bool {
        self.entry(key_id).is_some()
    }

    /// The backend this keyring seals and opens with.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many values this process has sealed with key `key_id` (`None` if
    /// there is no such key). The count is in memory only: it starts at zero
    /// in every process and is not shared between instances, so the total
    /// over a key's life is the sum over every process that used it.
    #[must_use]
    pub fn encryptions(&self, key_id: u32) -> Option<u64> {
        self.entry(key_id)
            .map(|e| e.encryptions.load(Ordering::Relaxed))
    }

    /// The keyring in the format of `OPSGUARD_ENCRYPTION_KEYS`:
    /// `<id>:<base64>` entries joined by commas, ascending by id. The primary
    /// id is not included; it is [`primary_id`](Self::primary_id).
    #[must_use]
    pub fn to_env_value(&self) -> SecretString {
        SecretString::from(self.env_value_text().as_str())
    }

    /// The text of [`to_env_value`](Self::to_env_value), built in a string
    /// reserved at exactly its final length: a `String` that grew would
    /// free its smaller buffers, holding part of a key, without wiping them.
    pub(crate) fn env_value_text(&self) -> Zeroizing<String> {
        let entries = self.sorted_entries();
        let separators = entries.len().saturating_sub(1);
        let len = entries
            .iter()
            .map(|e| entry_text_len(e))
            .fold(separators, usize::saturating_add);
        let mut out = Zeroizing::new(String::with_capacity(len));
        for (i, entry) in entries.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_entry(&mut out, entry);
        }
        out
    }

    /// The keyring in the keyring-file format read by
    /// [`Keyring::from_file`]: a `primary:<id>` line, then one `<id>:<base64>`
    /// line per key.
    #[must_use]
    pub fn to_file_text(&self) -> SecretString {
        SecretString::from(self.file_text().as_str())
    }

    /// The text of [`to_file_text`](Self::to_file_text), reserved exactly
    /// as in [`env_value_text`](Self::env_value_text).
    pub(crate) fn file_text(&self) -> Zeroizing<String> {
        const HEAD: &str = "# opsguard keyring\nprimary:";
        let primary = self.primary_id().to_string();
        let entries = self.sorted_entries();
        let len = entries
            .iter()
            .map(|e| entry_text_len(e).saturating_add(1))
            .fold(
                HEAD.len().saturating_add(primary.len()).saturating_add(1),
                usize::saturating_add,
            );
        let mut out = Zeroizing::new(String::with_capacity(len));
        out.push_str(HEAD);
        out.push_str(&primary);
        out.push('\n');
        for entry in entries {
            push_entry(&mut out, entry);
            out.push('\n');
        }
        out
    }

    fn entry(&self, key_id: u32) -> Option<&Entry> {
        if key_id == self.primary.id {
            return Some(&self.primary);
        }
        self.others
            .binary_search_by_key(&key_id, |e| e.id)
            .ok()
            .and_then(|i| self.others.get(i))
    }

    fn sorted_entries(&self) -> Vec<&Entry> {
        let mut all: Vec<&Entry> = self.others.iter().collect();
        all.push(&self.primary);
        all.sort_by_key(|e| e.id);
        all
    }

    pub(crate) fn from_parts(
        keys: Vec<(u32, Key)>,
        primary: u32,
        backend: Backend,
    ) -> Result<Self, backend::AeadFailed> {
        // A `Key` is a pointer to its heap block, so the moves below (out
        // of `keys`, into `others`, sorting) copy pointers, never key bytes.
        let mut primary_entry = None;
        let mut others = Vec::with_capacity(keys.len().saturating_sub(1));
        for (id, key) in keys {
            let entry = Entry {
                id,
                aead: backend::new_aead(backend, &key)?,
                key,
                encryptions: AtomicU64::new(0),
            };
            if id == primary {
                primary_entry = Some(entry);
            } else {
                others.push(entry);
            }
        }
        others.sort_by_key(|e| e.id);
        Ok(Self {
            primary: primary_entry.ok_or(backend::AeadFailed)?,
            others,
            backend,
        })
    }
}

/// The length of `<id>:<base64 key>` for `entry`.
fn entry_text_len(entry: &Entry) -> usize {
    entry
        .id
        .to_string()
        .len()
        .saturating_add(1)
        .saturating_add(KEY_BASE64_LEN)
}

fn push_entry(out: &mut String, entry: &Entry) {
    out.push_str(&entry.id.to_string());
    out.push(':');
    out.push_str(entry.key.to_base64().expose_secret());
}

impl Entry {
    /// Count one encryption; refuse at the bound, warn once at half of it.
    fn count_encryption(&self) -> Result<(), CryptoError> {
        let before = self.encryptions.fetch_add(1, Ordering::Relaxed);
        if before >= MAX_ENCRYPTIONS_PER_KEY {
            self.encryptions.fetch_sub(1, Ordering::Relaxed);
            tracing::error!(
                target: TARGET,
                key_id = self.id,
                "key reached 2^32 encryptions; sealing refused until a new primary key is installed"
            );
            return Err(CryptoError::KeyExhausted { key_id: self.id });
        }
        if before == WARN_ENCRYPTIONS_PER_KEY {
            tracing::warn!(
                target: TARGET,
                key_id = self.id,
                encryptions = before,
                "key has sealed 2^31 values; install a new primary key before 2^32"
            );
        }
        Ok(())
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = self.key_ids();
        f.debug_struct("Keyring")
            .field("primary", &self.primary_id())
            .field("key_ids", &ids)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Assembles a [`Keyring`]; all checks happen in [`build`](Self::build).
///
/// ```
/// use opsguard_crypto::{Backend, CryptoError, Key, Keyring, KeyringBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let missing = Keyring::builder().with_key(1, Key::generate()?).with_primary(2).build();
/// assert!(matches!(missing, Err(CryptoError::PrimaryNotFound { key_id: 2, .. })));
///
/// let keyring = KeyringBuilder::new()
///     .with_key(1, Key::generate()?)
///     .with_primary(1)
///     .with_backend(Backend::AesGcm)
///     .build()?;
/// assert_eq!(keyring.primary_id(), 1);
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct KeyringBuilder {
    keys: Vec<(u32, Key, String)>,
    primary: Option<u32>,
    origin: String,
    backend: Backend,
}

impl KeyringBuilder {
    /// An empty builder with the default backend.
    pub fn new() -> Self {
        Self::with_origin("keyring builder".to_owned())
    }

    pub(crate) fn with_origin(origin: String) -> Self {
        Self {
            keys: Vec::new(),
            primary: None,
            origin,
            backend: Backend::default(),
        }
    }

    /// Add `key` under `key_id`. A repeated id is an error at
    /// [`build`](Self::build).
    pub fn with_key(self, key_id: u32, key: Key) -> Self {
        let origin = format!("{} key {key_id}", self.origin);
        self.with_key_from(key_id, key, origin)
    }

    pub(crate) fn with_key_from(mut self, key_id: u32, key: Key, origin: String) -> Self {
        self.keys.push((key_id, key, origin));
        self
    }

    /// Name the key that seals. Required.
    pub fn with_primary(mut self, key_id: u32) -> Self {
        self.primary = Some(key_id);
        self
    }

    /// Choose the AES-256-GCM implementation (default [`Backend::AesGcm`]).
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Check and build.
    ///
    /// # Errors
    ///
    /// [`CryptoError::EmptyKeyring`] without keys,
    /// [`CryptoError::DuplicateKeyId`] when an id repeats,
    /// [`CryptoError::MissingPrimary`] when no primary is named,
    /// [`CryptoError::PrimaryNotFound`] when the primary is not one of the
    /// keys.
    pub fn build(self) -> Result<Keyring, CryptoError> {
        if self.keys.is_empty() {
            return Err(CryptoError::EmptyKeyring {
                origin: self.origin,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for (id, _, origin) in &self.keys {
            if !seen.insert(*id) {
                return Err(CryptoError::DuplicateKeyId {
                    origin: origin.clone(),
                    key_id: *id,
                });
            }
        }
        let Some(primary) = self.primary else {
            return Err(CryptoError::MissingPrimary {
                origin: self.origin,
            });
        };
        if !seen.contains(&primary) {
            return Err(CryptoError::PrimaryNotFound {
                origin: self.origin,
                key_id: primary,
            });
        }
        let keys = self
            .keys
            .into_iter()
            .map(|(id, key, _)| (id, key))
            .collect();
        // Cannot fail: the ids were checked above and every key is 32 bytes.
        Keyring::from_parts(keys, primary, self.backend).map_err(|_| CryptoError::Encrypt)
    }
}

impl Default for KeyringBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for KeyringBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u32> = self.keys.iter().map(|(id, _, _)| *id).collect();
        f.debug_struct("KeyringBuilder")
            .field("key_ids", &ids)
            .field("primary", &self.primary)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;

//! A sealed value: the stored form of an encrypted secret.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::CryptoError;
use crate::envelope::{self, ALG_AES_256_GCM, VERSION_1};
use crate::keyring::decrypt_failed;

/// The bytes of a sealed value, as stored in a database column.
///
/// Layout (format v1; see the crate docs):
/// `version = 1 | alg = 1 | key_id u32 BE | nonce 12 B | ciphertext | tag 16 B`.
/// A `Sealed` is ciphertext, not a secret, so it is `Clone` and comparable;
/// its `Debug` shows the header and the length only.
///
/// Any bytes can be wrapped with [`From`]; whether they open is decided by
/// [`Keyring::open`](crate::Keyring::open), which refuses everything that is
/// not a value it sealed under the same context.
///
/// ```
/// use opsguard_crypto::{Keyring, Sealed};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keyring = Keyring::generate(1)?;
/// let sealed = keyring.seal(b"hunter2", "credentials.password:42")?;
/// assert_eq!(sealed.key_id(), Some(1));
/// assert_eq!(sealed.as_bytes().len(), 6 + 12 + 7 + 16);
///
/// // Text columns: base64url without padding.
/// let text = sealed.to_text();
/// assert_eq!(Sealed::from_text(&text)?, sealed);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Sealed {
    bytes: Vec<u8>,
}

impl Sealed {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// Parse the text form: base64url (RFC 4648 §5) without padding, in its
    /// canonical encoding.
    ///
    /// # Errors
    ///
    /// [`CryptoError::Decrypt`] when `text` is not canonical unpadded
    /// base64url: a text column holding something else is a value that will
    /// not open, and is reported the same way.
    pub fn from_text(text: &str) -> Result<Self, CryptoError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .map(Self::new)
            .map_err(|_| decrypt_failed("not_base64url"))
    }

    /// The text form: base64url without padding.
    #[must_use]
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.bytes)
    }

    /// The binary form.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The binary form, by value.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The key id in the header, when the bytes start with a v1 AES-256-GCM
    /// header. Unauthenticated until the value is opened; use it for
    /// bookkeeping (which rows still use an old key), not for decisions.
    #[must_use]
    pub fn key_id(&self) -> Option<u32> {
        match envelope::read_header(&self.bytes) {
            Some((VERSION_1, ALG_AES_256_GCM, key_id)) => Some(key_id),
            _ => None,
        }
    }
}

impl From<Vec<u8>> for Sealed {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<&[u8]> for Sealed {
    fn from(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }
}

impl From<Sealed> for Vec<u8> {
    fn from(sealed: Sealed) -> Self {
        sealed.bytes
    }
}

impl AsRef<[u8]> for Sealed {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Sealed");
        match envelope::read_header(&self.bytes) {
            Some((version, alg, key_id)) => {
                d.field("version", &version)
                    .field("alg", &alg)
                    .field("key_id", &key_id);
            }
            None => {
                d.field("header", &"incomplete");
            }
        }
        d.field("len", &self.bytes.len()).finish()
    }
}

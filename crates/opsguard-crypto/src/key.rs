//! A 256-bit data-encryption key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use rand::TryRng as _;
use secrecy::SecretString;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::CryptoError;

/// Length of an AES-256 key in bytes.
pub const KEY_LEN: usize = 32;

/// Standard base64 alphabet (what `openssl rand -base64 32` prints), with or
/// without `=` padding.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 32-byte AES-256 key.
///
/// The bytes are wiped when the key is dropped; `Debug` prints
/// `Key([REDACTED])`; there is no `Display`, `Clone` or serialisation.
/// Export one deliberately with [`Key::to_base64`].
///
/// ```
/// use opsguard_crypto::Key;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = Key::generate()?;
/// assert_eq!(format!("{key:?}"), "Key([REDACTED])");
/// let again = Key::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// # let _ = again;
/// # Ok(())
/// # }
/// ```
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key {
    bytes: [u8; KEY_LEN],
}

impl Key {
    /// A fresh key from the operating system's random generator
    /// (`getrandom`, through `rand`'s `SysRng`).
    ///
    /// # Errors
    ///
    /// [`CryptoError::Random`] if the operating system cannot provide
    /// randomness.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = Self {
            bytes: [0; KEY_LEN],
        };
        rand::rngs::SysRng
            .try_fill_bytes(&mut key.bytes)
            .map_err(|_| CryptoError::Random)?;
        Ok(key)
    }

    /// A key from exactly 32 bytes.
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyLength`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::from_slice(bytes, "key")
    }

    /// A key from standard base64 (`+/` alphabet, `=` padding optional), the
    /// form `openssl rand -base64 32` prints.
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyEncoding`] when `text` is not base64,
    /// [`CryptoError::KeyLength`] when it does not decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        Self::from_base64_at(text, "key")
    }

    pub(crate) fn from_base64_at(text: &str, origin: &str) -> Result<Self, CryptoError> {
        let mut decoded =
            Zeroizing::new(Vec::with_capacity(base64::decoded_len_estimate(text.len())));
        KEY_BASE64
            .decode_vec(text, &mut decoded)
            .map_err(|_| CryptoError::KeyEncoding {
                origin: origin.to_owned(),
            })?;
        Self::from_slice(&decoded, origin)
    }

    fn from_slice(bytes: &[u8], origin: &str) -> Result<Self, CryptoError> {
        let array: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| CryptoError::KeyLength {
            origin: origin.to_owned(),
            len: bytes.len(),
        })?;
        Ok(Self { bytes: *array })
    }

    /// The key as standard padded base64, the form every loader of this
    /// crate accepts. Handle the result as the secret it is.
    #[must_use]
    pub fn to_base64(&self) -> SecretString {
        let encoded = Zeroizing::new(general_purpose::STANDARD.encode(self.bytes));
        SecretString::from(encoded.as_str())
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn base64_round_trip_with_and_without_padding() {
        let key = Key::from_base64(B64).unwrap();
        assert_eq!(key.as_bytes(), &core::array::from_fn(|i| i as u8));
        assert_eq!(key.to_base64().expose_secret(), B64);
        let unpadded = Key::from_base64(B64.trim_end_matches('=')).unwrap();
        assert_eq!(unpadded.as_bytes(), key.as_bytes());
    }

    #[test]
    fn wrong_length_and_bad_base64_are_named() {
        assert!(matches!(
            Key::from_bytes(&[0; 31]),
            Err(CryptoError::KeyLength { len: 31, .. })
        ));
        assert!(matches!(
            Key::from_bytes(&[0; 33]),
            Err(CryptoError::KeyLength { len: 33, .. })
        ));
        // 16 bytes: an AES-128 key is refused, not padded or truncated.
        assert!(matches!(
            Key::from_base64("AAECAwQFBgcICQoLDA0ODw=="),
            Err(CryptoError::KeyLength { len: 16, .. })
        ));
        for bad in [
            "!!!",
            "AAEC-wQF",
            "A",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",
        ] {
            assert!(
                matches!(Key::from_base64(bad), Err(CryptoError::KeyEncoding { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn generated_keys_differ_and_debug_is_redacted() {
        let a = Key::generate().unwrap();
        let b = Key::generate().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        let debug = format!("{a:?}");
        assert_eq!(debug, "Key([REDACTED])");
        let secret = a.to_base64();
        assert!(!debug.contains(secret.expose_secret()));
    }
}

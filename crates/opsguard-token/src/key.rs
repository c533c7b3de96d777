//! Keys, their algorithms and states, and the key set that verifiers look
//! tokens up in.
//!
//! The algorithm is a property of the key (RFC 8725 §3.1): a key is created
//! for exactly one [`Algorithm`], and a token is only ever checked with the
//! algorithm of the key its `kid` names. The header's `alg` must equal it, so
//! a token cannot choose `none`, or HMAC over a public key.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey};
use secrecy::SecretString;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::TokenError;
use crate::backend;

/// A signature algorithm opsguard signs and verifies with.
///
/// RSA is deliberately absent: its keys are large and slow and its PKCS#1 v1.5
/// padding has a long history of verifier bugs; EdDSA and ES256 cover the
/// asymmetric case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// EdDSA with Ed25519 (RFC 8037). The recommended default.
    EdDsa,
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// HMAC with SHA-256; the secret must be at least 32 bytes.
    Hs256,
    /// HMAC with SHA-384; the secret must be at least 48 bytes.
    Hs384,
    /// HMAC with SHA-512; the secret must be at least 64 bytes.
    Hs512,
}

impl Algorithm {
    /// Every algorithm, for exhaustive tests.
    pub const ALL: [Self; 5] = [
        Self::EdDsa,
        Self::Es256,
        Self::Hs256,
        Self::Hs384,
        Self::Hs512,
    ];

    /// The JOSE name (`alg` header value, RFC 7518 §3.1 / RFC 8037 §3.1).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }

    /// The algorithm with JOSE name `name`, compared exactly (JOSE names are
    /// case-sensitive): `none`, `None` and `hs256` are not algorithms.
    ///
    /// ```
    /// use opsguard_token::Algorithm;
    ///
    /// assert_eq!(Algorithm::from_name("ES256"), Some(Algorithm::Es256));
    /// assert_eq!(Algorithm::from_name("none"), None);
    /// assert_eq!(Algorithm::from_name("hs256"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// Whether this is an HMAC algorithm (one shared secret signs and
    /// verifies; it is never published in a JWKS).
    #[must_use]
    pub const fn is_symmetric(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }

    /// The shortest secret allowed for an HMAC algorithm: the hash size
    /// (RFC 7518 §3.2). `None` for asymmetric algorithms.
    #[must_use]
    pub const fn min_secret_len(self) -> Option<usize> {
        match self {
            Self::Hs256 => Some(32),
            Self::Hs384 => Some(48),
            Self::Hs512 => Some(64),
            Self::EdDsa | Self::Es256 => None,
        }
    }

    pub(crate) const fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::EdDsa => jsonwebtoken::Algorithm::EdDSA,
            Self::Es256 => jsonwebtoken::Algorithm::ES256,
            Self::Hs256 => jsonwebtoken::Algorithm::HS256,
            Self::Hs384 => jsonwebtoken::Algorithm::HS384,
            Self::Hs512 => jsonwebtoken::Algorithm::HS512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a key is in its life (DESIGN.md "Keys rotate by `kid`").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyState {
    /// Signs new tokens, and verifies. At most one key of a set is primary.
    Primary,
    /// Known but refused: tokens naming it fail with
    /// [`TokenError::KeyRetired`], distinguishable in logs from an unknown
    /// `kid`. Retired keys are not published in the JWKS.
    Retired,
    /// Verifies tokens signed before a rotation; signs nothing.
    VerifyOnly,
}

/// The longest key id accepted, in bytes.
pub const MAX_KID_LEN: usize = 128;

/// A private key (or HMAC secret) that can sign, bound to one algorithm and
/// one key id.
///
/// The material is zeroized on drop and never printed: `Debug` shows only the
/// algorithm and `kid`.
///
/// ```
/// use opsguard_token::{Algorithm, SigningKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SigningKey::generate(Algorithm::EdDsa)?;
/// assert_eq!(key.algorithm(), Algorithm::EdDsa);
/// assert_eq!(key.kid().len(), 43); // RFC 7638 SHA-256 thumbprint, base64url
/// # Ok(())
/// # }
/// ```
#[derive(Clone, ZeroizeOnDrop)]
pub struct SigningKey {
    encoding: EncodingKey,
    #[zeroize(skip)]
    verifying: VerifyingKey,
}

impl SigningKey {
    /// A new random key for `alg`: an HMAC secret of the hash size from the
    /// operating system's generator, or a fresh Ed25519 / P-256 key pair.
    ///
    /// # Errors
    ///
    /// [`TokenError::RandomUnavailable`] if the operating system's generator
    /// fails; [`TokenError::KeyInvalid`] if the backend rejects the key it
    /// generated (does not happen).
    pub fn generate(alg: Algorithm) -> Result<Self, TokenError> {
        match alg.min_secret_len() {
            Some(len) => Self::from_hmac_secret(alg, &crate::random::secret(len)?),
            None => {
                let der = backend::generate_pkcs8(alg)?;
                Self::from_pkcs8_der(alg, &der)
            }
        }
    }

    /// An HMAC key from its raw secret bytes.
    ///
    /// The `kid` is derived from the secret with HMAC-SHA-256 over a fixed
    /// label (see the crate's security notes): every instance that shares the
    /// secret derives the same `kid`, and the `kid` reveals nothing about the
    /// secret that a token signed with it does not already.
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] if `alg` is not an HMAC algorithm;
    /// [`TokenError::KeyTooShort`] if the secret is shorter than the hash
    /// (RFC 7518 §3.2).
    pub fn from_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, TokenError> {
        let Some(min) = alg.min_secret_len() else {
            return Err(TokenError::KeyInvalid {
                reason: "a raw secret is only an hmac key",
            });
        };
        if secret.len() < min {
            return Err(TokenError::KeyTooShort { min });
        }
        let invalid = |_| TokenError::KeyInvalid {
            reason: "hmac secret rejected",
        };
        let encoding = EncodingKey::from_secret(secret).map_err(invalid)?;
        let decoding = DecodingKey::from_secret(secret).map_err(invalid)?;
        let kid = hmac_kid(alg, &encoding)?;
        Ok(Self {
            encoding,
            verifying: VerifyingKey {
                alg,
                kid,
                decoding,
                public_jwk: None,
            },
        })
    }

    /// An EdDSA or ES256 private key from PKCS#8 DER.
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] if `alg` is an HMAC algorithm or the bytes
    /// are not a PKCS#8 private key for `alg`.
    pub fn from_pkcs8_der(alg: Algorithm, der: &[u8]) -> Result<Self, TokenError> {
        let encoding = match alg {
            Algorithm::EdDsa => EncodingKey::from_ed_der(der),
            Algorithm::Es256 => EncodingKey::from_ec_der(der),
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => {
                return Err(TokenError::KeyInvalid {
                    reason: "hmac keys have no pkcs#8 form",
                });
            }
        };
        Self::from_encoding(alg, encoding)
    }

    /// An EdDSA or ES256 private key from a PKCS#8 PEM document
    /// (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] if `alg` is an HMAC algorithm or the PEM
    /// does not hold a PKCS#8 private key for `alg`.
    pub fn from_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, TokenError> {
        let invalid = |_| TokenError::KeyInvalid {
            reason: "not a pkcs#8 pem private key for this algorithm",
        };
        let encoding = match alg {
            Algorithm::EdDsa => EncodingKey::from_ed_pem(pem).map_err(invalid)?,
            Algorithm::Es256 => EncodingKey::from_ec_pem(pem).map_err(invalid)?,
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => {
                return Err(TokenError::KeyInvalid {
                    reason: "hmac keys have no pem form",
                });
            }
        };
        Self::from_encoding(alg, encoding)
    }

    /// A key from base64 text: the secret itself for HMAC algorithms, the
    /// PKCS#8 DER for EdDSA and ES256. Standard and URL-safe alphabets are
    /// accepted, padded or not; surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] if the text is not base64 or does not hold
    /// a key for `alg`; [`TokenError::KeyTooShort`] for a short HMAC secret.
    pub fn from_base64(alg: Algorithm, text: &str) -> Result<Self, TokenError> {
        let bytes = decode_base64(text.trim())?;
        if alg.is_symmetric() {
            Self::from_hmac_secret(alg, &bytes)
        } else {
            Self::from_pkcs8_der(alg, &bytes)
        }
    }

    /// A key from the environment variable `var`, holding either a PEM
    /// document or base64 text (as [`from_base64`](Self::from_base64)).
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyEnvMissing`] if the variable is unset or not UTF-8;
    /// otherwise as [`from_pem`](Self::from_pem) /
    /// [`from_base64`](Self::from_base64).
    pub fn from_env(alg: Algorithm, var: &str) -> Result<Self, TokenError> {
        let value = Zeroizing::new(std::env::var(var).map_err(|_| TokenError::KeyEnvMissing {
            var: var.to_owned(),
        })?);
        Self::from_text(alg, value.as_bytes())
    }

    /// A key from the file at `path`, holding either a PEM document or base64
    /// text (as [`from_base64`](Self::from_base64)).
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyFile`] if the file cannot be read; otherwise as
    /// [`from_pem`](Self::from_pem) / [`from_base64`](Self::from_base64).
    pub fn from_file(alg: Algorithm, path: impl AsRef<Path>) -> Result<Self, TokenError> {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(TokenError::KeyFile)?);
        Self::from_text(alg, &bytes)
    }

    fn from_text(alg: Algorithm, bytes: &[u8]) -> Result<Self, TokenError> {
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            return Self::from_pem(alg, bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| TokenError::KeyInvalid {
            reason: "key text is neither pem nor base64",
        })?;
        Self::from_base64(alg, text)
    }

    fn from_encoding(alg: Algorithm, encoding: EncodingKey) -> Result<Self, TokenError> {
        let (public_jwk, decoding) = backend::public_key(alg, encoding.as_bytes())?;
        let kid = thumbprint(&public_jwk)?;
        Ok(Self {
            encoding,
            verifying: VerifyingKey {
                alg,
                kid,
                decoding,
                public_jwk: Some(public_jwk),
            },
        })
    }

    /// The same key under another `kid` (for example one assigned by a key
    /// management system). The key set checks it: 1 to
    /// [`MAX_KID_LEN`] printable ASCII characters.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.verifying.kid = kid.into();
        self
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.verifying.kid
    }

    /// The algorithm this key signs with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.verifying.alg
    }

    /// The key that verifies this key's signatures. For an HMAC key it holds
    /// the same secret.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying.clone()
    }

    /// The private key as a PKCS#8 PEM document, to store it (for example
    /// from a key-generation tool). HMAC keys have no PEM form.
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] for an HMAC key.
    pub fn to_pkcs8_pem(&self) -> Result<SecretString, TokenError> {
        if self.verifying.alg.is_symmetric() {
            return Err(TokenError::KeyInvalid {
                reason: "hmac keys have no pem form",
            });
        }
        let pem = pem::Pem::new("PRIVATE KEY", self.encoding.as_bytes().to_vec());
        let text = pem::encode_config(
            &pem,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        Ok(SecretString::from(text))
    }

    /// The key as standard base64 (the secret for HMAC keys, PKCS#8 DER
    /// otherwise), the form [`from_base64`](Self::from_base64) and
    /// [`from_env`](Self::from_env) read.
    #[must_use]
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(
            base64::engine::general_purpose::STANDARD.encode(self.encoding.as_bytes()),
        )
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.verifying.alg)
            .field("kid", &self.verifying.kid)
            .finish_non_exhaustive()
    }
}

/// A key that verifies signatures: a public key, or for HMAC the shared
/// secret (zeroized on drop, never printed, never exported).
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    kid: String,
    decoding: DecodingKey,
    /// The public JWK for asymmetric keys (`None` for HMAC).
    public_jwk: Option<Jwk>,
}

impl VerifyingKey {
    /// An EdDSA or ES256 public key from an SPKI PEM document
    /// (`-----BEGIN PUBLIC KEY-----`). Its `kid` is the RFC 7638 thumbprint.
    ///
    /// # Errors
    ///
    /// [`TokenError::KeyInvalid`] if `alg` is an HMAC algorithm or the PEM
    /// does not hold a valid public key for `alg`.
    pub fn from_public_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, TokenError> {
        let invalid = |_| TokenError::KeyInvalid {
            reason: "not a pem public key for this algorithm",
        };
        let decoding = match alg {
            Algorithm::EdDsa => DecodingKey::from_ed_pem(pem).map_err(invalid)?,
            Algorithm::Es256 => DecodingKey::from_ec_pem(pem).map_err(invalid)?,
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => {
                return Err(TokenError::KeyInvalid {
                    reason: "hmac keys have no public form",
                });
            }
        };
        let jwk = Jwk::from_decoding_key(&decoding, Some(alg.to_jwt())).map_err(invalid)?;
        Self::from_public_jwk(alg, jwk, None)
    }

    /// A public key from a JWK's parameters, validated by the backend.
    pub(crate) fn from_public_jwk(
        alg: Algorithm,
        mut jwk: Jwk,
        kid: Option<String>,
    ) -> Result<Self, TokenError> {
        let decoding = backend::decoding_key_from_jwk(alg, &jwk)?;
        // Only the key parameters are kept; `kid`, `alg` and `use` are
        // written from this key's own fields when it is exported.
        jwk.common = jsonwebtoken::jwk::CommonParameters::default();
        let kid = match kid {
            Some(kid) => kid,
            None => thumbprint(&jwk)?,
        };
        Ok(Self {
            alg,
            kid,
            decoding,
            public_jwk: Some(jwk),
        })
    }

    /// The same key under another `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key verifies.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The RFC 7638 thumbprint (SHA-256, base64url) of an asymmetric key;
    /// `None` for HMAC keys, which have no public form.
    #[must_use]
    pub fn thumbprint(&self) -> Option<String> {
        self.public_jwk
            .as_ref()
            .and_then(|jwk| thumbprint(jwk).ok())
    }

    /// Whether `signature_b64` (base64url, no padding) is a valid signature
    /// of `message` by this key.
    pub(crate) fn verify_signature(&self, message: &[u8], signature_b64: &str) -> bool {
        // An `Err` is a signature that is not canonical base64url, or a
        // backend that refused the key; both mean "not verified".
        jsonwebtoken::crypto::verify(signature_b64, message, &self.decoding, self.alg.to_jwt())
            .unwrap_or(false)
    }

    /// The public JWK to publish: key parameters plus `use`, `alg` and
    /// `kid`; `None` for HMAC keys.
    pub(crate) fn public_jwk(&self) -> Option<Jwk> {
        let params = self.public_jwk.as_ref()?;
        Some(Jwk {
            common: jsonwebtoken::jwk::CommonParameters {
                public_key_use: Some(jsonwebtoken::jwk::PublicKeyUse::Signature),
                key_algorithm: Some(self.alg.to_jwt().into()),
                key_id: Some(self.kid.clone()),
                ..Default::default()
            },
            algorithm: params.algorithm.clone(),
        })
    }
}

impl From<SigningKey> for VerifyingKey {
    fn from(key: SigningKey) -> Self {
        key.verifying.clone()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Zeroize for VerifyingKey {
    fn zeroize(&mut self) {
        self.decoding.zeroize();
    }
}

/// A `kid` for an HMAC key: the first 22 base64url characters (132 bits) of
/// HMAC-SHA-256(secret, label), where the label names the algorithm.
fn hmac_kid(alg: Algorithm, encoding: &EncodingKey) -> Result<String, TokenError> {
    let label = format!("opsguard-token key id v1 {}", alg.name());
    let mac =
        jsonwebtoken::crypto::sign(label.as_bytes(), encoding, jsonwebtoken::Algorithm::HS256)
            .map_err(|_| TokenError::KeyInvalid {
                reason: "hmac key id derivation failed",
            })?;
    Ok(format!("hs-{}", mac.get(..22).unwrap_or(&mac)))
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK, base64url.
fn thumbprint(jwk: &Jwk) -> Result<String, TokenError> {
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(_) | AlgorithmParameters::OctetKeyPair(_) => jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|_| TokenError::KeyInvalid {
                reason: "key thumbprint failed",
            }),
        _ => Err(TokenError::KeyInvalid {
            reason: "only ec and okp keys have a thumbprint here",
        }),
    }
}

/// base64 in either alphabet, padded or not.
fn decode_base64(text: &str) -> Result<Zeroizing<Vec<u8>>, TokenError> {
    const INDIFFERENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, INDIFFERENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, INDIFFERENT);
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map(Zeroizing::new)
        .map_err(|_| TokenError::KeyInvalid {
            reason: "key text is not base64",
        })
}

/// Whether `kid` is 1 to [`MAX_KID_LEN`] printable ASCII characters.
pub(crate) fn is_valid_kid(kid: &str) -> bool {
    !kid.is_empty() && kid.len() <= MAX_KID_LEN && kid.bytes().all(|b| b.is_ascii_graphic())
}

/// One key of a [`KeySet`].
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) state: KeyState,
    pub(crate) verifying: VerifyingKey,
    pub(crate) signing: Option<SigningKey>,
}

/// The keys a service signs and verifies with, each with its `kid` and
/// [`KeyState`].
///
/// A set is immutable; rotating means building the next set (see
/// [`rotate`](KeySet::rotate)) and giving it to new issuers and verifiers.
/// A set without a primary key only verifies (for example one built from
/// another service's JWKS).
///
/// ```
/// use opsguard_token::{Algorithm, KeySet, KeyState, SigningKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let old = SigningKey::generate(Algorithm::EdDsa)?;
/// let old_kid = old.kid().to_owned();
/// let keys = KeySet::builder().primary(old).build()?;
///
/// // Rotate: the new key signs, the old one still verifies.
/// let keys = keys.rotate(SigningKey::generate(Algorithm::EdDsa)?)?;
/// assert_eq!(keys.state(&old_kid), Some(KeyState::VerifyOnly));
///
/// // After the longest token lifetime, retire it.
/// let keys = keys.retire(&old_kid)?;
/// assert_eq!(keys.state(&old_kid), Some(KeyState::Retired));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct KeySet {
    entries: Vec<Entry>,
}

impl KeySet {
    /// An empty builder.
    pub fn builder() -> KeySetBuilder {
        KeySetBuilder::default()
    }

    /// The key named `kid`, if the set has it (in any state).
    pub(crate) fn entry(&self, kid: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.verifying.kid == kid)
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The primary key, which signs.
    pub(crate) fn primary(&self) -> Option<&SigningKey> {
        self.entries
            .iter()
            .find(|e| e.state == KeyState::Primary)
            .and_then(|e| e.signing.as_ref())
    }

    /// The state of the key named `kid`.
    #[must_use]
    pub fn state(&self, kid: &str) -> Option<KeyState> {
        self.entry(kid).map(|e| e.state)
    }

    /// The `kid` of the primary key, if the set can sign.
    #[must_use]
    pub fn primary_kid(&self) -> Option<&str> {
        self.primary().map(SigningKey::kid)
    }

    /// Every `kid` with its algorithm and state, in insertion order.
    pub fn kids(&self) -> impl Iterator<Item = (&str, Algorithm, KeyState)> {
        self.entries
            .iter()
            .map(|e| (e.verifying.kid.as_str(), e.verifying.alg, e.state))
    }

    /// The next set after a rotation: `new_primary` signs, the previous
    /// primary becomes [`KeyState::VerifyOnly`], every other key keeps its
    /// state.
    ///
    /// # Errors
    ///
    /// [`TokenError::DuplicateKeyId`] if the set already has `new_primary`'s
    /// `kid`; [`TokenError::Config`] if that `kid` is not valid.
    pub fn rotate(&self, new_primary: SigningKey) -> Result<Self, TokenError> {
        let mut builder = Self::builder();
        for entry in &self.entries {
            let state = match entry.state {
                KeyState::Primary => KeyState::VerifyOnly,
                other => other,
            };
            builder.push(state, entry.verifying.clone(), entry.signing.clone());
        }
        builder.primary(new_primary).build()
    }

    /// The same set with the key `kid` marked [`KeyState::Retired`].
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if the set has no such key, or if it is the
    /// primary key (rotate first).
    pub fn retire(&self, kid: &str) -> Result<Self, TokenError> {
        let mut next = self.clone();
        let entry = next
            .entries
            .iter_mut()
            .find(|e| e.verifying.kid == kid)
            .ok_or(TokenError::Config {
                reason: "no key with that id in the set",
            })?;
        if entry.state == KeyState::Primary {
            return Err(TokenError::Config {
                reason: "the primary key cannot be retired; rotate first",
            });
        }
        entry.state = KeyState::Retired;
        entry.signing = None;
        Ok(next)
    }

    /// The public keys as an RFC 7517 JWK Set: every asymmetric key that is
    /// not retired. HMAC keys are never included.
    #[must_use]
    pub fn to_jwks(&self) -> crate::jwks::Jwks {
        crate::jwks::Jwks::from_key_set(self)
    }
}

/// Builds a [`KeySet`]; see [`KeySet::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct KeySetBuilder {
    entries: Vec<Entry>,
    error: Option<TokenError>,
}

impl KeySetBuilder {
    /// Add the key that signs new tokens.
    pub fn primary(mut self, key: SigningKey) -> Self {
        let verifying = key.verifying.clone();
        self.push(KeyState::Primary, verifying, Some(key));
        self
    }

    /// Add a key that still verifies but no longer signs.
    pub fn verify_only(mut self, key: impl Into<VerifyingKey>) -> Self {
        self.push(KeyState::VerifyOnly, key.into(), None);
        self
    }

    /// Add a key that is known but refused.
    pub fn retired(mut self, key: impl Into<VerifyingKey>) -> Self {
        self.push(KeyState::Retired, key.into(), None);
        self
    }

    fn push(&mut self, state: KeyState, verifying: VerifyingKey, signing: Option<SigningKey>) {
        if self.error.is_some() {
            return;
        }
        if !is_valid_kid(&verifying.kid) {
            self.error = Some(TokenError::Config {
                reason: "key id must be 1 to 128 printable ascii characters",
            });
        } else if self
            .entries
            .iter()
            .any(|e| e.verifying.kid == verifying.kid)
        {
            self.error = Some(TokenError::DuplicateKeyId);
        } else if state == KeyState::Primary
            && self.entries.iter().any(|e| e.state == KeyState::Primary)
        {
            self.error = Some(TokenError::Config {
                reason: "a key set has at most one primary key",
            });
        } else {
            self.entries.push(Entry {
                state,
                verifying,
                signing,
            });
        }
    }

    /// The key set.
    ///
    /// # Errors
    ///
    /// [`TokenError::DuplicateKeyId`] if two keys share a `kid`;
    /// [`TokenError::Config`] for a second primary key, an invalid `kid`
    /// or an empty set.
    pub fn build(self) -> Result<KeySet, TokenError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.entries.is_empty() {
            return Err(TokenError::Config {
                reason: "a key set needs at least one key",
            });
        }
        Ok(KeySet {
            entries: self.entries,
        })
    }
}

#[cfg(test)]
mod tests {
    //! Signature-level vectors, checked through the same path verification
    //! uses (`VerifyingKey::verify_signature` with the cached decoding key).

    use super::*;
    use serde_json::Value;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD as URL_SAFE_NO_PAD_ENGINE;

    fn b64url(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD_ENGINE.encode(bytes)
    }

    fn signing_input_and_signature(token: &str) -> (&str, &str) {
        let (input, sig) = token.rsplit_once('.').unwrap();
        (input, sig)
    }

    /// RFC 7515 Appendix A.1: the HS256 example verifies with its key, and
    /// a one-character change of the payload does not.
    #[test]
    fn rfc7515_a1_hs256_example_verifies_with_its_key() {
        let case = opsguard_tests::case("tokens.json", "JWT-15");
        let a1 = &case["input"]["rfc7515_A1"];
        let key = URL_SAFE_NO_PAD_ENGINE
            .decode(a1["jwk_k"].as_str().unwrap())
            .unwrap();
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &key).unwrap();
        let (input, sig) = signing_input_and_signature(a1["token"].as_str().unwrap());
        assert!(key.verifying.verify_signature(input.as_bytes(), sig));
        let tampered = input.replace(".eyJpc3MiOiJqb2Ui", ".eyJpc3MiOiJqb2Ei");
        assert_ne!(tampered, input);
        assert!(!key.verifying.verify_signature(tampered.as_bytes(), sig));
        // The same secret as HS512 is another key: no cross-algorithm use.
        let hs512 = SigningKey::from_hmac_secret(
            Algorithm::Hs512,
            &URL_SAFE_NO_PAD_ENGINE
                .decode(a1["jwk_k"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert!(!hs512.verifying.verify_signature(input.as_bytes(), sig));
    }

    /// RFC 8037 Appendix A: the Ed25519 key (A.1), its thumbprint (A.3) as
    /// our default `kid`, and the signature of A.4.
    #[test]
    fn rfc8037_ed25519_example() {
        let d = URL_SAFE_NO_PAD_ENGINE
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap();
        let mut der = hex_decode("302e020100300506032b657004220420");
        der.extend_from_slice(&d);
        let key = SigningKey::from_pkcs8_der(Algorithm::EdDsa, &der).unwrap();
        assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        let jwk = serde_json::to_value(key.verifying.public_jwk().unwrap()).unwrap();
        assert_eq!(jwk["kid"], "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(jwk["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        let jws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
        let (input, sig) = signing_input_and_signature(jws);
        assert!(key.verifying.verify_signature(input.as_bytes(), sig));
        // Ed25519 is deterministic: signing the same input gives A.4's
        // signature.
        let ours =
            jsonwebtoken::crypto::sign(input.as_bytes(), key.encoding(), key.algorithm().to_jwt())
                .unwrap();
        assert_eq!(ours, sig);
    }

    fn hex_decode(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Runs every test of a Wycheproof signature file through
    /// `verify_signature` with the group's key, loaded from its PEM.
    fn wycheproof_signatures(file: &str, alg: Algorithm) -> (usize, usize) {
        let doc = opsguard_tests::shared_json(&format!("vectors/wycheproof/{file}"));
        let (mut valid, mut invalid) = (0, 0);
        for group in doc["testGroups"].as_array().unwrap() {
            let pem = group["publicKeyPem"].as_str().unwrap();
            let key = VerifyingKey::from_public_pem(alg, pem.as_bytes()).unwrap();
            for test in group["tests"].as_array().unwrap() {
                let msg = hex_decode(test["msg"].as_str().unwrap());
                let sig = b64url(&hex_decode(test["sig"].as_str().unwrap()));
                let ok = key.verify_signature(&msg, &sig);
                match test["result"].as_str().unwrap() {
                    "valid" => {
                        assert!(ok, "{file} tc {} valid but rejected", test["tcId"]);
                        valid += 1;
                    }
                    "invalid" => {
                        assert!(!ok, "{file} tc {} invalid but accepted", test["tcId"]);
                        invalid += 1;
                    }
                    other => assert_eq!(other, "acceptable", "{file} tc {}", test["tcId"]),
                }
            }
        }
        (valid, invalid)
    }

    #[test]
    fn wycheproof_ecdsa_p256_sha256_p1363() {
        let doc: Value = opsguard_tests::shared_json(
            "vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json",
        );
        let (valid, invalid) =
            wycheproof_signatures("ecdsa_secp256r1_sha256_p1363_test.json", Algorithm::Es256);
        assert_eq!(
            valid + invalid,
            doc["numberOfTests"].as_u64().unwrap() as usize
        );
        assert_eq!((valid, invalid), (173, 89));
    }

    #[test]
    fn wycheproof_ed25519() {
        let (valid, invalid) = wycheproof_signatures("ed25519_test.json", Algorithm::EdDsa);
        assert_eq!((valid, invalid), (88, 63));
    }

    #[test]
    fn signature_that_is_not_canonical_base64url_is_refused() {
        let key = SigningKey::generate(Algorithm::Hs256).unwrap();
        let input = b"e30.e30";
        let sig =
            jsonwebtoken::crypto::sign(input, key.encoding(), key.algorithm().to_jwt()).unwrap();
        assert!(key.verifying.verify_signature(input, &sig));
        // 32 bytes → 43 characters whose last one carries 4 unused bits;
        // setting one of them gives another string for the same bytes.
        let last = sig.chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let idx = alphabet.find(last).unwrap();
        let twin = alphabet.chars().nth(idx ^ 1).unwrap();
        let non_canonical = format!("{}{twin}", &sig[..sig.len() - 1]);
        assert!(!key.verifying.verify_signature(input, &non_canonical));
        assert!(!key.verifying.verify_signature(input, &format!("{sig}=")));
        assert!(!key.verifying.verify_signature(input, ""));
    }
}

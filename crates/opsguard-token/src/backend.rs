//! The few key operations jsonwebtoken does not offer for every key form:
//! generating key pairs, deriving the public key of a PKCS#8 private key,
//! and validating a public key before it is trusted.
//!
//! They use the RustCrypto crates behind jsonwebtoken's `rust_crypto`
//! backend (`ed25519-dalek`, `p256`), so no second crypto library is linked.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, KeypairBytes};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, OctetKeyPairParameters, OctetKeyPairType,
};
use zeroize::Zeroizing;

use crate::TokenError;
use crate::key::Algorithm;

const INVALID_PRIVATE: TokenError = TokenError::KeyInvalid {
    reason: "not a pkcs#8 private key for this algorithm",
};
const INVALID_PUBLIC: TokenError = TokenError::KeyInvalid {
    reason: "not a valid public key for this algorithm",
};

/// A new private key for an asymmetric `alg`, as PKCS#8 v1 DER.
pub(crate) fn generate_pkcs8(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, TokenError> {
    match alg {
        Algorithm::EdDsa => {
            let seed = crate::random::secret(32)?;
            let mut secret_key = [0u8; 32];
            secret_key.copy_from_slice(seed.get(..32).ok_or(INVALID_PRIVATE)?);
            let pair = KeypairBytes {
                secret_key,
                public_key: None,
            };
            let der = pair.to_pkcs8_der().map_err(|_| INVALID_PRIVATE)?;
            Ok(Zeroizing::new(der.as_bytes().to_vec()))
        }
        Algorithm::Es256 => {
            // A uniformly random 256-bit string is a valid scalar (non-zero,
            // below the group order) except with probability about 2^-32;
            // draw again in that case.
            for _ in 0..8 {
                let bytes = crate::random::secret(32)?;
                if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                    let der = secret.to_pkcs8_der().map_err(|_| INVALID_PRIVATE)?;
                    return Ok(Zeroizing::new(der.as_bytes().to_vec()));
                }
            }
            Err(TokenError::RandomUnavailable)
        }
        Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => Err(INVALID_PRIVATE),
    }
}

/// The public JWK and decoding key of a PKCS#8 private key, which is parsed
/// (and so validated) here.
pub(crate) fn public_key(alg: Algorithm, pkcs8: &[u8]) -> Result<(Jwk, DecodingKey), TokenError> {
    match alg {
        Algorithm::EdDsa => {
            let secret =
                ed25519_dalek::SigningKey::from_pkcs8_der(pkcs8).map_err(|_| INVALID_PRIVATE)?;
            let public = secret.verifying_key();
            let decoding = DecodingKey::from_ed_der(public.as_bytes());
            Ok((okp_jwk(public.as_bytes()), decoding))
        }
        Algorithm::Es256 => {
            let secret = p256::SecretKey::from_pkcs8_der(pkcs8).map_err(|_| INVALID_PRIVATE)?;
            let point = secret.public_key().to_sec1_bytes();
            let (x, y) = split_uncompressed(&point)?;
            let decoding = DecodingKey::from_ec_der(&point);
            Ok((ec_jwk(x, y), decoding))
        }
        Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => Err(INVALID_PRIVATE),
    }
}

/// The decoding key of a public JWK for `alg`, after checking that the JWK
/// is of the matching type and curve and that the point is valid: on the
/// curve and not the identity (P-256), canonical and not of small order
/// (Ed25519).
pub(crate) fn decoding_key_from_jwk(alg: Algorithm, jwk: &Jwk) -> Result<DecodingKey, TokenError> {
    match (alg, &jwk.algorithm) {
        (Algorithm::EdDsa, AlgorithmParameters::OctetKeyPair(okp))
            if okp.curve == EllipticCurve::Ed25519 =>
        {
            let x = decode_coordinate(&okp.x)?;
            let bytes: [u8; 32] = x.as_slice().try_into().map_err(|_| INVALID_PUBLIC)?;
            let public =
                ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| INVALID_PUBLIC)?;
            // `from_bytes` decompresses `y` modulo p and keeps the input
            // bytes as they were, so a non-canonical encoding (y ≥ p, or the
            // sign bit set for x = 0) would pass and give the same point two
            // thumbprints. Re-compressing the point yields its one canonical
            // encoding (RFC 8032 §5.1.3 step 1 refuses y ≥ p).
            if public.is_weak() || public.to_edwards().compress().to_bytes() != bytes {
                return Err(INVALID_PUBLIC);
            }
            Ok(DecodingKey::from_ed_der(&bytes))
        }
        (Algorithm::Es256, AlgorithmParameters::EllipticCurve(ec))
            if ec.curve == EllipticCurve::P256 =>
        {
            let x = decode_coordinate(&ec.x)?;
            let y = decode_coordinate(&ec.y)?;
            if x.len() != 32 || y.len() != 32 {
                return Err(INVALID_PUBLIC);
            }
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            p256::PublicKey::from_sec1_bytes(&point).map_err(|_| INVALID_PUBLIC)?;
            Ok(DecodingKey::from_ec_der(&point))
        }
        _ => Err(INVALID_PUBLIC),
    }
}

fn decode_coordinate(text: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| INVALID_PUBLIC)
}

/// `(x, y)` of an uncompressed SEC1 P-256 point `04 || x || y`.
fn split_uncompressed(point: &[u8]) -> Result<(&[u8], &[u8]), TokenError> {
    match point {
        [0x04, rest @ ..] if rest.len() == 64 => Ok(rest.split_at(32)),
        _ => Err(INVALID_PUBLIC),
    }
}

pub(crate) fn okp_jwk(x: &[u8]) -> Jwk {
    Jwk {
        common: CommonParameters::default(),
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(x),
        }),
    }
}

pub(crate) fn ec_jwk(x: &[u8], y: &[u8]) -> Jwk {
    Jwk {
        common: CommonParameters::default(),
        algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: URL_SAFE_NO_PAD.encode(x),
            y: URL_SAFE_NO_PAD.encode(y),
        }),
    }
}

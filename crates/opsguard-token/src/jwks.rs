//! JSON Web Key Sets (RFC 7517 §5): publishing the public keys, and building
//! a verify-only [`KeySet`] from another service's set.
//!
//! Export never includes an HMAC secret or a retired key. Import is strict
//! about what it trusts and lenient about what it ignores:
//!
//! * refused (the whole document is an error): more than
//!   [`MAX_JWKS_BYTES`] or [`MAX_JWKS_KEYS`]; not JSON of the RFC 7517
//!   shape; a member named twice in any object; a member it reads (`kty`,
//!   `crv`, `x`, `y`, `alg`, `kid`, `use`, `key_ops`) that is `null` or of
//!   the wrong type (`null` is never "absent"); a symmetric (`oct`) key or
//!   any private member (`d`, `p`, …) —
//!   a published set that holds secrets is a leak to fix, not to use; a key
//!   whose `alg` contradicts its type or curve; an invalid point; an invalid
//!   or duplicate `kid`;
//! * skipped: keys not meant for signatures (`use` other than `sig`,
//!   `key_ops` without `verify`) and key types or algorithms opsguard does not
//!   verify (RSA, P-384, …), so a mixed set still yields its usable keys;
//! * the result must hold at least one key.
//!
//! A key without `alg` gets the only algorithm its type allows (OKP/Ed25519
//! → EdDSA, EC/P-256 → ES256); a key without `kid` gets its RFC 7638
//! thumbprint, the `kid` opsguard issuers use by default.

use std::collections::BTreeMap;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, EllipticCurveKeyParameters, EllipticCurveKeyType, Jwk,
    JwkSet, OctetKeyPairParameters, OctetKeyPairType,
};
use serde::{Deserialize, Serialize, Serializer};

use crate::TokenError;
use crate::json::{is_object_without_duplicates, present};
use crate::key::{Algorithm, KeySet, KeyState, VerifyingKey, is_valid_kid};

/// The largest JWKS document [`KeySet::from_jwks_json`] reads, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// The most keys a JWKS document may list.
pub const MAX_JWKS_KEYS: usize = 64;

/// A JWK Set of public signature keys, ready to serve at a
/// `/.well-known/jwks.json` endpoint.
///
/// ```
/// use opsguard_token::{Algorithm, KeySet, SigningKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let signing = SigningKey::generate(Algorithm::EdDsa)?;
/// let secret = SigningKey::generate(Algorithm::Hs256)?;
/// let keys = KeySet::builder().primary(signing).verify_only(secret).build()?;
///
/// let json = keys.to_jwks().to_json();
/// assert!(json.contains(r#""kty":"OKP""#));
/// assert!(!json.contains(r#""kty":"oct""#)); // HMAC secrets never leave
///
/// // Another service verifies with the published keys only.
/// let remote = KeySet::from_jwks_json(json.as_bytes())?;
/// assert_eq!(remote.kids().count(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwks {
    set: JwkSet,
}

impl Jwks {
    pub(crate) fn from_key_set(keys: &KeySet) -> Self {
        let keys = keys
            .entries()
            .iter()
            .filter(|e| e.state != KeyState::Retired)
            .filter_map(|e| e.verifying.public_jwk())
            .collect();
        Self {
            set: JwkSet { keys },
        }
    }

    /// The RFC 7517 JSON text, `{"keys":[...]}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serializing plain strings and enums cannot fail; fall back to an
        // empty set rather than panic.
        serde_json::to_string(&self.set).unwrap_or_else(|_| String::from(r#"{"keys":[]}"#))
    }

    /// How many keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.set.keys.len()
    }

    /// Whether the set holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.set.keys.is_empty()
    }
}

impl Serialize for Jwks {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.set.serialize(serializer)
    }
}

/// The members of a JWK that import looks at; everything else is ignored.
/// A member that is present must have its type (`"use": null` is an error,
/// not an absent `use`).
#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<RawJwk>,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    #[serde(default, deserialize_with = "present")]
    crv: Option<String>,
    #[serde(default, deserialize_with = "present")]
    x: Option<String>,
    #[serde(default, deserialize_with = "present")]
    y: Option<String>,
    #[serde(default, deserialize_with = "present")]
    alg: Option<String>,
    #[serde(default, deserialize_with = "present")]
    kid: Option<String>,
    #[serde(default, rename = "use", deserialize_with = "present")]
    use_: Option<String>,
    #[serde(default, deserialize_with = "present")]
    key_ops: Option<Vec<String>>,
    /// Private or symmetric members: their presence refuses the document.
    #[serde(flatten)]
    rest: BTreeMap<String, serde::de::IgnoredAny>,
}

/// Members that only private or symmetric JWKs have (RFC 7518 §6.2.2,
/// §6.3.2, §6.4; RFC 8037 §2).
const SECRET_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

impl KeySet {
    /// A verify-only key set from a JWKS document (RFC 7517 §5), for
    /// verifying tokens another service issued. See the [module
    /// docs](crate::jwks) for what is refused and what is skipped.
    ///
    /// # Errors
    ///
    /// [`TokenError::Jwks`] when the document is refused or has no usable
    /// key; [`TokenError::DuplicateKeyId`] when two usable keys share a
    /// `kid`.
    pub fn from_jwks_json(json: &[u8]) -> Result<Self, TokenError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(TokenError::Jwks {
                reason: "document too large",
            });
        }
        let not_a_set = || TokenError::Jwks {
            reason: "not a jwk set",
        };
        if !is_object_without_duplicates(json) {
            return Err(not_a_set());
        }
        let raw: RawJwks = serde_json::from_slice(json).map_err(|_| not_a_set())?;
        if raw.keys.len() > MAX_JWKS_KEYS {
            return Err(TokenError::Jwks {
                reason: "too many keys",
            });
        }
        let mut builder = Self::builder();
        let mut usable = 0usize;
        for jwk in raw.keys {
            if let Some(key) = import(jwk)? {
                builder = builder.verify_only(key);
                usable += 1;
            }
        }
        if usable == 0 {
            return Err(TokenError::Jwks {
                reason: "no usable signature key",
            });
        }
        builder.build()
    }
}

/// One JWK: `Ok(None)` when it is skipped.
fn import(raw: RawJwk) -> Result<Option<VerifyingKey>, TokenError> {
    if raw.kty == "oct"
        || raw
            .rest
            .keys()
            .any(|k| SECRET_MEMBERS.contains(&k.as_str()))
    {
        return Err(TokenError::Jwks {
            reason: "symmetric or private key material in a jwk set",
        });
    }
    if raw.use_.as_deref().is_some_and(|u| u != "sig")
        || raw
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return Ok(None);
    }
    let by_type = match (raw.kty.as_str(), raw.crv.as_deref()) {
        ("OKP", Some("Ed25519")) => Some(Algorithm::EdDsa),
        ("EC", Some("P-256")) => Some(Algorithm::Es256),
        _ => None,
    };
    let alg = match (raw.alg.as_deref(), by_type) {
        (None, None) => return Ok(None),
        (None, Some(alg)) => alg,
        (Some(name), by_type) => match (Algorithm::from_name(name), by_type) {
            (Some(named), Some(typed)) if named == typed => named,
            (Some(_), _) => {
                return Err(TokenError::Jwks {
                    reason: "key alg does not match its type",
                });
            }
            // An algorithm opsguard does not verify (RS256, ES384, ...).
            (None, _) => return Ok(None),
        },
    };
    if let Some(kid) = &raw.kid
        && !is_valid_kid(kid)
    {
        return Err(TokenError::Jwks {
            reason: "invalid key id",
        });
    }
    let missing = || TokenError::Jwks {
        reason: "key parameters missing",
    };
    let params = match alg {
        Algorithm::EdDsa => AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: raw.x.ok_or_else(missing)?,
        }),
        _ => AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: raw.x.ok_or_else(missing)?,
            y: raw.y.ok_or_else(missing)?,
        }),
    };
    let jwk = Jwk {
        common: jsonwebtoken::jwk::CommonParameters::default(),
        algorithm: params,
    };
    VerifyingKey::from_public_jwk(alg, jwk, raw.kid)
        .map(Some)
        .map_err(|_| TokenError::Jwks {
            reason: "invalid public key",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oct_and_private_members_refuse_the_document() {
        for json in [
            r#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#,
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}"#,
        ] {
            assert!(matches!(
                KeySet::from_jwks_json(json.as_bytes()),
                Err(TokenError::Jwks { .. })
            ));
        }
    }

    #[test]
    fn unusable_keys_are_skipped_but_an_empty_result_is_an_error() {
        let rsa_only = r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RS256"}]}"#;
        assert!(matches!(
            KeySet::from_jwks_json(rsa_only.as_bytes()),
            Err(TokenError::Jwks {
                reason: "no usable signature key"
            })
        ));
        let mixed = r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"},
            {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}]}"#;
        let keys = KeySet::from_jwks_json(mixed.as_bytes()).unwrap();
        let kids: Vec<_> = keys.kids().collect();
        assert_eq!(kids, [("a", Algorithm::EdDsa, KeyState::VerifyOnly)]);
    }

    #[test]
    fn null_or_mistyped_members_refuse_the_document() {
        const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let base = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}]}}"#);
        assert!(KeySet::from_jwks_json(base.as_bytes()).is_ok());
        for extra in [
            r#""use":null"#,
            r#""key_ops":null"#,
            r#""alg":null"#,
            r#""kid":null"#,
            r#""use":1"#,
            r#""key_ops":"verify""#,
            r#""key_ops":["verify",1]"#,
            r#""alg":["EdDSA"]"#,
            r#""kid":{}"#,
        ] {
            let json = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}",{extra}}}]}}"#);
            assert!(
                matches!(
                    KeySet::from_jwks_json(json.as_bytes()),
                    Err(TokenError::Jwks {
                        reason: "not a jwk set"
                    })
                ),
                "{extra}"
            );
        }
        for json in [
            r#"{"keys":[{"kty":"OKP","crv":null,"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"EdDSA"}]}"#,
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":null}]}"#,
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":null}]}"#,
            r#"{"keys":[{"kty":null,"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
        ] {
            assert!(
                matches!(
                    KeySet::from_jwks_json(json.as_bytes()),
                    Err(TokenError::Jwks {
                        reason: "not a jwk set"
                    })
                ),
                "{json}"
            );
        }
    }

    #[test]
    fn duplicate_members_anywhere_refuse_the_document() {
        const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        for extra in [
            r#""x5c":["a"],"x5c":["b"]"#,
            r#""ext":true,"ext":false"#,
            r#""meta":{"a":1,"a":2}"#,
            r#""use":"sig","use":"enc""#,
        ] {
            let json = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}",{extra}}}]}}"#);
            assert!(
                matches!(
                    KeySet::from_jwks_json(json.as_bytes()),
                    Err(TokenError::Jwks {
                        reason: "not a jwk set"
                    })
                ),
                "{extra}"
            );
        }
        let json = format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}],"extra":1,"extra":2}}"#
        );
        assert!(KeySet::from_jwks_json(json.as_bytes()).is_err());
    }

    #[test]
    fn alg_contradicting_the_key_type_is_refused() {
        let json = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        assert!(matches!(
            KeySet::from_jwks_json(json.as_bytes()),
            Err(TokenError::Jwks {
                reason: "key alg does not match its type"
            })
        ));
    }
}

//! The claims each kind of token carries (DESIGN.md "Access token"), the
//! identity they are issued for, and the rotation family id.
//!
//! Claim sets are read-only views: they come out of a
//! [`Verifier`](crate::verify::Verifier) or an
//! [`Issuer`](crate::issue::Issuer), never from user code, so holding one
//! means its token was verified (or just issued).
//!
//! Every time claim must be a JSON integer: a string, a boolean, `null`, an
//! array, an object, a fraction or a number outside `i64` makes the whole
//! claim set malformed (the CVE-2026-25537 class, where a time claim of the
//! wrong type was treated as absent). RFC 7519 allows fractional
//! `NumericDate`s; opsguard never issues them and refuses them.
//!
//! Required in every kind: `iss`, `sub` and `jti` (both non-empty), `aud`,
//! `exp`, `iat` (RFC 9068 §2.2 makes `iat` and `jti` required for access
//! tokens; opsguard requires them of every kind, since the lifetime caps are
//! measured from `iat`) and `token_use`. `nbf` is optional. No member may
//! appear twice, at any depth (module `json`).

use std::fmt;

use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a token may be used for: its `token_use` claim.
///
/// A token of one use is never accepted where another is expected; each use
/// also has its own header `typ` ([`TokenUse::typ`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TokenUse {
    /// A user's bearer credential for the resource servers (RFC 9068).
    Access,
    /// A user's credential for the token endpoint only, rotated on every use.
    Refresh,
    /// A service's short-lived credential for calling one other service.
    Service,
}

impl TokenUse {
    /// Every use, for exhaustive tests.
    pub const ALL: [Self; 3] = [Self::Access, Self::Refresh, Self::Service];

    /// The `token_use` claim value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
            Self::Service => "service",
        }
    }

    /// The JOSE header `typ` of this kind of token: `at+jwt` (RFC 9068 §2.1)
    /// for access tokens, `refresh+jwt` and `service+jwt` for the others.
    ///
    /// Verification compares it as a media type: ASCII case-insensitively,
    /// with or without an `application/` prefix (RFC 7515 §4.1.9).
    #[must_use]
    pub const fn typ(self) -> &'static str {
        match self {
            Self::Access => "at+jwt",
            Self::Refresh => "refresh+jwt",
            Self::Service => "service+jwt",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The user a token is issued for: `sub`, `username` and `roles`.
///
/// ```
/// use opsguard_token::Subject;
///
/// let alice = Subject::new("42", "alice").with_roles(["operator"]);
/// assert_eq!(alice.id(), "42");
/// assert_eq!(alice.roles(), ["operator"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    id: String,
    username: String,
    roles: Vec<String>,
}

impl Subject {
    /// A subject with no roles. `id` is the stable user id (it becomes
    /// `sub`); `username` is for display and logs.
    pub fn new(id: impl Into<String>, username: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            username: username.into(),
            roles: Vec::new(),
        }
    }

    /// The same subject with `roles` (replacing any set before).
    #[must_use]
    pub fn with_roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The user id (`sub`).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The username.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The roles.
    #[must_use]
    pub fn roles(&self) -> &[String] {
        &self.roles
    }
}

/// The id of a refresh-token rotation family (the `fam` claim): every refresh
/// token descended from one login shares it.
///
/// It is a random 128-bit value, base64url-encoded. It is an identifier, not
/// a secret: knowing it does not let anyone mint or use a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FamilyId(String);

impl FamilyId {
    /// A family id read back from storage or an audit record.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub(crate) fn random() -> Self {
        Self(crate::random::id())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The custom-claims type of a token without custom claims: it adds nothing
/// when issuing and ignores unknown claims when verifying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoCustomClaims {}

/// Claim names that custom claims may not use: the registered claims of
/// RFC 7519 §4.1 and opsguard's own.
pub const RESERVED_CLAIMS: [&str; 11] = [
    "aud",
    "exp",
    "fam",
    "iat",
    "iss",
    "jti",
    "nbf",
    "roles",
    "sub",
    "token_use",
    "username",
];

/// The claims an access token carries (DESIGN.md; RFC 9068 §2.2), plus the
/// caller's custom claims `C`.
///
/// ```
/// use opsguard_token::{Issuer, KeySet, SigningKey, Algorithm, Subject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::EdDsa)?).build()?;
/// let issuer = Issuer::builder(keys, "https://auth.example", "api").build()?;
/// let token = issuer.issue_access(&Subject::new("42", "alice").with_roles(["admin"]))?;
/// let claims = issuer.verifier()?.verify_access(token.expose_secret())?;
/// assert_eq!(claims.subject(), "42");
/// assert_eq!(claims.username(), "alice");
/// assert_eq!(claims.roles(), ["admin"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims<C = NoCustomClaims> {
    pub(crate) iss: String,
    pub(crate) sub: String,
    #[serde(with = "audience")]
    pub(crate) aud: Vec<String>,
    pub(crate) exp: i64,
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: i64,
    pub(crate) jti: String,
    pub(crate) token_use: TokenUse,
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    #[serde(flatten)]
    pub(crate) custom: C,
}

/// The claims a refresh token carries: those of an access token (without
/// custom claims) plus `fam`, the rotation family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub(crate) iss: String,
    pub(crate) sub: String,
    #[serde(with = "audience")]
    pub(crate) aud: Vec<String>,
    pub(crate) exp: i64,
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: i64,
    pub(crate) jti: String,
    pub(crate) token_use: TokenUse,
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    pub(crate) fam: FamilyId,
    /// When the user logged in, which started the family (OpenID Connect
    /// Core §2 `auth_time`): the family's absolute lifetime counts from it.
    pub(crate) auth_time: i64,
}

/// The claims a service token carries: `sub` is the calling service, `aud`
/// the called one; no username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceClaims {
    pub(crate) iss: String,
    pub(crate) sub: String,
    #[serde(with = "audience")]
    pub(crate) aud: Vec<String>,
    pub(crate) exp: i64,
    #[serde(
        default,
        deserialize_with = "crate::json::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: i64,
    pub(crate) jti: String,
    pub(crate) token_use: TokenUse,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
}

/// What the verifier checks on every claim set, whatever its kind.
pub(crate) trait Registered: DeserializeOwned {
    const USE: TokenUse;
    fn iss(&self) -> &str;
    fn aud(&self) -> &[String];
    fn exp(&self) -> i64;
    fn nbf(&self) -> Option<i64>;
    fn iat(&self) -> i64;
    fn sub(&self) -> &str;
    fn jti(&self) -> &str;
    fn token_use(&self) -> TokenUse;
}

macro_rules! registered_claims {
    ($ty:ty, $use:expr $(, $generic:ident)?) => {
        impl$(<$generic: DeserializeOwned>)? Registered for $ty {
            const USE: TokenUse = $use;
            fn iss(&self) -> &str {
                &self.iss
            }
            fn aud(&self) -> &[String] {
                &self.aud
            }
            fn exp(&self) -> i64 {
                self.exp
            }
            fn nbf(&self) -> Option<i64> {
                self.nbf
            }
            fn iat(&self) -> i64 {
                self.iat
            }
            fn sub(&self) -> &str {
                &self.sub
            }
            fn jti(&self) -> &str {
                &self.jti
            }
            fn token_use(&self) -> TokenUse {
                self.token_use
            }
        }

        impl$(<$generic>)? $ty {
            /// `iss`: who issued the token.
            #[must_use]
            pub fn issuer(&self) -> &str {
                &self.iss
            }

            /// `sub`: the user id, or for a service token the calling
            /// service.
            #[must_use]
            pub fn subject(&self) -> &str {
                &self.sub
            }

            /// `aud`: every audience the token names (one or more).
            #[must_use]
            pub fn audience(&self) -> &[String] {
                &self.aud
            }

            /// `exp`: the end of validity, in seconds since the epoch.
            #[must_use]
            pub fn expires_at(&self) -> i64 {
                self.exp
            }

            /// `nbf`: the start of validity, when the token has one.
            #[must_use]
            pub fn not_before(&self) -> Option<i64> {
                self.nbf
            }

            /// `iat`: when the token was issued (required in every token).
            #[must_use]
            pub fn issued_at(&self) -> i64 {
                self.iat
            }

            /// `jti`: the token's unique id (the denylist key, with `iss`).
            #[must_use]
            pub fn jwt_id(&self) -> &str {
                &self.jti
            }

            /// `token_use`.
            #[must_use]
            pub fn token_use(&self) -> TokenUse {
                self.token_use
            }

            /// `roles`: empty when the token has none.
            #[must_use]
            pub fn roles(&self) -> &[String] {
                &self.roles
            }
        }
    };
}

registered_claims!(AccessClaims<C>, TokenUse::Access, C);
registered_claims!(RefreshClaims, TokenUse::Refresh);
registered_claims!(ServiceClaims, TokenUse::Service);

impl<C> AccessClaims<C> {
    /// `username`.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The custom claims.
    #[must_use]
    pub fn custom(&self) -> &C {
        &self.custom
    }

    /// The custom claims, by value.
    #[must_use]
    pub fn into_custom(self) -> C {
        self.custom
    }

    /// Who the token names, moved out of the claims without copying (the
    /// other claims are dropped): what an adapter keeps of every request's
    /// token.
    #[must_use]
    pub fn into_identity(self) -> Identity {
        Identity {
            subject: self.sub,
            username: self.username,
            roles: self.roles,
            jwt_id: self.jti,
            expires_at: self.exp,
        }
    }
}

/// The caller an access token names: [`AccessClaims::into_identity`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// `sub`, the user id.
    pub subject: String,
    /// `username`.
    pub username: String,
    /// `roles`.
    pub roles: Vec<String>,
    /// `jti`, the token id.
    pub jwt_id: String,
    /// `exp`, in seconds since the Unix epoch.
    pub expires_at: i64,
}

impl RefreshClaims {
    /// `username`.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// `fam`: the rotation family this token belongs to.
    #[must_use]
    pub fn family(&self) -> &FamilyId {
        &self.fam
    }

    /// `auth_time`: when the user logged in and the family started; the
    /// family ends [`RefreshRotation`](crate::refresh::RefreshRotation)'s
    /// maximum session length after it, however often it is rotated.
    #[must_use]
    pub fn authenticated_at(&self) -> i64 {
        self.auth_time
    }

    /// The identity the token was issued for.
    #[must_use]
    pub fn to_subject(&self) -> Subject {
        Subject::new(self.sub.clone(), self.username.clone()).with_roles(self.roles.clone())
    }
}

/// The first name of [`RESERVED_CLAIMS`] that the custom-claims type `C`
/// declares as a struct field, if any.
///
/// The registered claims are decoded into the claim set itself and never
/// reach `C`, so such a field would always read as its default (`None` for an
/// `Option`), silently, whatever the token says. The names come from serde:
/// the field list a derived struct passes to `deserialize_struct` (after
/// `rename`). Types that read members through a map, `flatten` or a manual
/// implementation declare no list and are not checked; they never see a
/// reserved member either.
pub(crate) fn reserved_field<C: DeserializeOwned>() -> Option<&'static str> {
    let mut fields: &'static [&'static str] = &[];
    // The probe always fails once it has the list (or learns there is none).
    let _ = C::deserialize(probe::Fields(&mut fields));
    fields
        .iter()
        .copied()
        .find(|field| RESERVED_CLAIMS.contains(field))
}

/// A deserializer that decodes nothing and records the field names of the
/// struct asked of it.
mod probe {
    use serde::de::{self, Deserializer, Visitor};
    use serde::forward_to_deserialize_any;

    pub(super) struct Fields<'a>(pub(super) &'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
}

/// `aud` as a string or an array of strings (RFC 7519 §4.1.3), serialized as
/// a string when there is exactly one.
mod audience {
    use super::{Deserializer, SeqAccess, Serialize, Serializer, Visitor, de, fmt};

    pub(super) fn serialize<S: Serializer>(aud: &[String], s: S) -> Result<S::Ok, S::Error> {
        match aud {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct OneOrMany;

        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Vec<String>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(vec![v.to_owned()])
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(vec![v])
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(aud) = seq.next_element::<String>()? {
                    out.push(aud);
                }
                Ok(out)
            }
        }

        d.deserialize_any(OneOrMany)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(json: &str) -> Result<AccessClaims, serde_json::Error> {
        serde_json::from_str(json)
    }

    const BASE: &str = r#""iss":"i","sub":"s","jti":"j","token_use":"access","username":"u""#;

    #[test]
    fn time_claims_must_be_integers() {
        assert!(access(&format!(r#"{{{BASE},"aud":"a","exp":10,"iat":1}}"#)).is_ok());
        for exp in [
            r#""10""#,
            "true",
            "null",
            "[10]",
            r#"{"n":1}"#,
            "1.5",
            "1e400",
            "-1.0",
            "9223372036854775808",
        ] {
            let json = format!(r#"{{{BASE},"aud":"a","exp":{exp},"iat":1}}"#);
            assert!(access(&json).is_err(), "exp {exp} accepted");
            let json = format!(r#"{{{BASE},"aud":"a","exp":10,"iat":1,"nbf":{exp}}}"#);
            assert!(access(&json).is_err(), "nbf {exp} accepted");
            let json = format!(r#"{{{BASE},"aud":"a","exp":10,"iat":{exp}}}"#);
            assert!(access(&json).is_err(), "iat {exp} accepted");
        }
    }

    #[test]
    fn iat_is_required() {
        assert!(access(&format!(r#"{{{BASE},"aud":"a","exp":10,"iat":1}}"#)).is_ok());
        assert!(access(&format!(r#"{{{BASE},"aud":"a","exp":10}}"#)).is_err());
    }

    #[test]
    fn custom_types_declaring_a_reserved_claim_are_found() {
        #[derive(Deserialize)]
        struct Plain {
            #[serde(rename = "tenant")]
            _tenant: String,
        }
        #[derive(Deserialize)]
        struct WithExp {
            _scope: Option<String>,
            #[serde(rename = "exp")]
            _exp: Option<i64>,
        }
        #[derive(Deserialize)]
        struct Renamed {
            #[serde(rename = "roles")]
            _r: Vec<String>,
        }
        assert_eq!(reserved_field::<NoCustomClaims>(), None);
        assert_eq!(reserved_field::<Plain>(), None);
        assert_eq!(reserved_field::<serde_json::Value>(), None);
        assert_eq!(
            reserved_field::<std::collections::HashMap<String, String>>(),
            None
        );
        assert_eq!(reserved_field::<WithExp>(), Some("exp"));
        assert_eq!(reserved_field::<Renamed>(), Some("roles"));
    }

    #[test]
    fn duplicate_claims_are_rejected() {
        let json = format!(r#"{{{BASE},"aud":"a","iat":1,"exp":10,"exp":99999999999}}"#);
        assert!(access(&json).is_err());
    }

    #[test]
    fn audience_round_trips_as_string_or_array() {
        let one = access(&format!(r#"{{{BASE},"aud":"a","exp":1,"iat":1}}"#)).unwrap();
        assert_eq!(one.audience(), ["a"]);
        assert!(
            serde_json::to_string(&one)
                .unwrap()
                .contains(r#""aud":"a""#)
        );
        let two = access(&format!(r#"{{{BASE},"aud":["a","b"],"exp":1,"iat":1}}"#)).unwrap();
        assert_eq!(two.audience(), ["a", "b"]);
        assert!(
            serde_json::to_string(&two)
                .unwrap()
                .contains(r#""aud":["a","b"]"#)
        );
        for bad in ["null", "7", r#"["a",7]"#, "{}"] {
            assert!(access(&format!(r#"{{{BASE},"aud":{bad},"exp":1,"iat":1}}"#)).is_err());
        }
    }
}

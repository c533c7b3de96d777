//! Properties: hash/verify round trips for arbitrary Unicode passwords, and
//! no input (stored string, password, context) ever panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use opsguard_password::{
    Argon2Params, BCRYPT_MAX_PASSWORD_BYTES, Error, Hasher, PasswordPolicy, PolicyContext,
    Verification,
};
use proptest::prelude::*;
use secrecy::SecretString;

fn argon2() -> Hasher {
    Hasher::builder()
        .with_argon2id(Argon2Params::new(32, 1, 1))
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

fn bcrypt() -> Hasher {
    Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

/// Any Unicode scalar values, NUL included.
fn password() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..48).prop_map(|c| c.into_iter().collect())
}

const ORDER: [&str; 12] = [
    "too_short",
    "too_long",
    "contains_control",
    "missing_uppercase",
    "missing_lowercase",
    "missing_digit",
    "contains_username",
    "contains_email",
    "common_password",
    "breached_password",
    "repetitive",
    "too_weak",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn argon2_round_trips_any_unicode_password(p in password(), other in password()) {
        let hasher = argon2();
        let stored = hasher.hash(&SecretString::from(p.as_str())).unwrap();
        prop_assert_eq!(
            hasher.verify(&SecretString::from(p.as_str()), &stored),
            Ok(Verification::Match { needs_rehash: false })
        );
        if other != p {
            prop_assert_eq!(
                hasher.verify(&SecretString::from(other.as_str()), &stored),
                Ok(Verification::Mismatch)
            );
        }
    }

    #[test]
    fn bcrypt_round_trips_or_refuses(p in password(), other in password()) {
        let hasher = bcrypt();
        let secret = SecretString::from(p.as_str());
        match hasher.hash(&secret) {
            Ok(stored) => {
                prop_assert!(p.len() <= BCRYPT_MAX_PASSWORD_BYTES && !p.contains('\0'));
                prop_assert_eq!(
                    hasher.verify(&secret, &stored),
                    Ok(Verification::Match { needs_rehash: false })
                );
                let got = hasher.verify(&SecretString::from(other.as_str()), &stored);
                if other == p {
                    prop_assert!(got.unwrap().is_match());
                } else if other.len() > BCRYPT_MAX_PASSWORD_BYTES {
                    prop_assert_eq!(got, Err(Error::PasswordTooLong { max_bytes: 72 }));
                } else if other.contains('\0') {
                    prop_assert_eq!(got, Err(Error::PasswordContainsNul));
                } else {
                    prop_assert_eq!(got, Ok(Verification::Mismatch));
                }
            }
            Err(Error::PasswordTooLong { max_bytes: 72 }) => {
                prop_assert!(p.len() > BCRYPT_MAX_PASSWORD_BYTES);
            }
            Err(Error::PasswordContainsNul) => {
                prop_assert!(p.len() <= BCRYPT_MAX_PASSWORD_BYTES && p.contains('\0'));
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary stored strings: an error about the stored hash, or a
    /// mismatch; never a panic, never a match.
    #[test]
    fn arbitrary_stored_strings_never_panic_or_match(stored in "\\PC{0,120}", p in password()) {
        let got = argon2().verify(&SecretString::from(p.as_str()), &stored);
        prop_assert!(
            got == Ok(Verification::Mismatch) || got.as_ref().is_err_and(Error::is_stored_hash_problem),
            "{got:?}"
        );
    }

    /// Strings built from the pieces of real hashes reach deep into both
    /// parsers.
    #[test]
    fn hash_shaped_strings_never_panic_or_match(
        scheme in prop::sample::select(vec!["argon2id", "argon2i", "argon2d", "2a", "2b", "2y", "2x", ""]),
        version in prop::sample::select(vec!["", "v=19$", "v=16$", "v=0$", "v=019$"]),
        m in prop::sample::select(vec!["0", "8", "32", "4294967295", "4294967296", "+8", "08", "x"]),
        t in prop::sample::select(vec!["0", "1", "2", "11", "4294967295"]),
        p in prop::sample::select(vec!["0", "1", "2", "17", "16777216"]),
        extra in prop::sample::select(vec!["", ",keyid=AAAA", ",data=AAAA", ",x=1"]),
        salt in "[A-Za-z0-9+/.]{0,30}",
        tag in "[A-Za-z0-9+/.=]{0,60}",
        password in password(),
    ) {
        let stored = format!("${scheme}${version}m={m},t={t},p={p}{extra}${salt}${tag}");
        let got = argon2().verify(&SecretString::from(password.as_str()), &stored);
        prop_assert!(
            got == Ok(Verification::Mismatch) || got.as_ref().is_err_and(Error::is_stored_hash_problem),
            "{stored} {got:?}"
        );
        let bcrypt_like = format!("${scheme}${m}${salt}{tag}");
        let got = argon2().verify(&SecretString::from(password.as_str()), &bcrypt_like);
        prop_assert!(
            got == Ok(Verification::Mismatch) || got.as_ref().is_err_and(Error::is_stored_hash_problem),
            "{bcrypt_like} {got:?}"
        );
    }

    /// The policy never panics, and reports violations in the documented
    /// order without repeats.
    #[test]
    fn policy_never_panics_and_keeps_its_order(
        p in password(),
        user in proptest::option::of("\\PC{0,12}"),
        email in proptest::option::of("\\PC{0,8}@?\\PC{0,8}"),
    ) {
        let mut ctx = PolicyContext::new();
        if let Some(u) = user.as_deref() {
            ctx = ctx.with_username(u);
        }
        if let Some(e) = email.as_deref() {
            ctx = ctx.with_email(e);
        }
        for policy in [PasswordPolicy::opsconductor(), PasswordPolicy::nist()] {
            if let Err(v) = policy.check(&SecretString::from(p.as_str()), &ctx) {
                let positions: Vec<usize> = v
                    .codes()
                    .map(|c| ORDER.iter().position(|o| *o == c).unwrap())
                    .collect();
                prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
                for f in v.to_field_errors() {
                    prop_assert_eq!(f.field(), "password");
                    prop_assert!(p.len() < 3 || !f.message().contains(p.as_str()));
                }
            }
        }
    }
}

//! The hasher's public behaviour: defaults, builder limits, rehash
//! decisions, `verify_and_update`, unknown users, malformed strings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use opsguard_password::{
    Argon2Params, DEFAULT_BCRYPT_COST, Error, Hasher, Outcome, ParamCeiling, Verification,
};
use secrecy::SecretString;

fn argon2(m: u32, t: u32, p: u32) -> Hasher {
    Hasher::builder()
        .with_argon2id(Argon2Params::new(m, t, p))
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

fn bcrypt(cost: u32) -> Hasher {
    Hasher::builder()
        .with_bcrypt(cost)
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s)
}

const MATCH: Verification = Verification::Match {
    needs_rehash: false,
};
const MATCH_REHASH: Verification = Verification::Match { needs_rehash: true };

/// The one test at full default cost.
#[test]
fn default_hasher_is_owasp_argon2id_with_random_16_byte_salt() {
    let hasher = Hasher::new();
    let password = pw("correct horse battery staple");
    let a = hasher.hash(&password).unwrap();
    let b = hasher.hash(&password).unwrap();
    for stored in [&a, &b] {
        let fields: Vec<&str> = stored.split('$').collect();
        assert_eq!(fields[..4], ["", "argon2id", "v=19", "m=19456,t=2,p=1"]);
        assert_eq!(fields[4].len(), 22, "16-byte salt, unpadded base64");
        assert_eq!(fields[5].len(), 43, "32-byte tag, unpadded base64");
        assert_eq!(hasher.verify(&password, stored), Ok(MATCH));
    }
    assert_ne!(a, b, "a fresh salt every time");
    assert_eq!(
        hasher.verify(&pw("correct horse battery stapler"), &a),
        Ok(Verification::Mismatch)
    );
    assert_eq!(Hasher::default().needs_rehash(&a), Ok(false));
}

#[test]
fn builder_refuses_weak_invalid_and_above_ceiling_parameters() {
    let build = |params| Hasher::builder().with_argon2id(params).build().err();
    // Every OWASP row is accepted as is.
    for (m, t) in Argon2Params::OWASP_MINIMUMS {
        assert_eq!(build(Argon2Params::new(m, t, 1)), None, "{m} {t}");
    }
    assert_eq!(
        build(Argon2Params::new(7_167, 10, 1)),
        Some(Error::WeakParams { name: "memory_kib" })
    );
    assert_eq!(
        build(Argon2Params::new(19_456, 1, 1)),
        Some(Error::WeakParams { name: "iterations" })
    );
    assert_eq!(
        build(Argon2Params::new(19_456, 2, 0)),
        Some(Error::InvalidParams {
            name: "parallelism"
        })
    );
    assert_eq!(
        build(Argon2Params::new(19_456, 0, 1)),
        Some(Error::InvalidParams { name: "iterations" })
    );
    assert_eq!(
        build(Argon2Params::new(512 * 1024, 2, 1)),
        Some(Error::ParamsAboveCeiling { name: "memory_kib" })
    );
    assert_eq!(
        build(Argon2Params::new(19_456, 11, 1)),
        Some(Error::ParamsAboveCeiling { name: "iterations" })
    );
    assert_eq!(
        build(Argon2Params::new(19_456, 2, 17)),
        Some(Error::ParamsAboveCeiling {
            name: "parallelism"
        })
    );
    // A raised ceiling admits them.
    assert!(
        Hasher::builder()
            .with_argon2id(Argon2Params::new(512 * 1024, 2, 1))
            .with_ceiling(ParamCeiling::default().with_max_memory_kib(512 * 1024))
            .build()
            .is_ok()
    );

    let bcrypt_build = |cost| Hasher::builder().with_bcrypt(cost).build().err();
    assert_eq!(bcrypt_build(DEFAULT_BCRYPT_COST), None);
    assert_eq!(bcrypt_build(10), None);
    assert_eq!(
        bcrypt_build(9),
        Some(Error::WeakParams {
            name: "bcrypt_cost"
        })
    );
    assert_eq!(
        bcrypt_build(3),
        Some(Error::InvalidParams {
            name: "bcrypt_cost"
        })
    );
    assert_eq!(
        bcrypt_build(20),
        Some(Error::ParamsAboveCeiling {
            name: "bcrypt_cost"
        })
    );
}

#[test]
fn rehash_bcrypt_to_argon2id() {
    let legacy = bcrypt(4).hash(&pw("hunter22")).unwrap();
    let current = argon2(64, 1, 1);
    assert_eq!(current.verify(&pw("hunter22"), &legacy), Ok(MATCH_REHASH));
    assert_eq!(current.needs_rehash(&legacy), Ok(true));
    assert_eq!(
        current.verify(&pw("hunter23"), &legacy),
        Ok(Verification::Mismatch)
    );
}

#[test]
fn rehash_argon2id_to_bcrypt_when_bcrypt_is_current() {
    let stored = argon2(64, 1, 1).hash(&pw("hunter22")).unwrap();
    assert_eq!(bcrypt(4).verify(&pw("hunter22"), &stored), Ok(MATCH_REHASH));
}

#[test]
fn rehash_for_each_argon2_parameter_that_differs_weaker_or_stronger() {
    let current = argon2(64, 2, 2);
    let password = pw("hunter22");
    // Stronger parameters are rehashed down to the current ones too, so that
    // every user's verification converges on the cost of the unknown-user
    // dummy (a dearer hash would reveal by timing that its user exists).
    let cases = [
        ((64, 2, 2), false),
        ((63 + 1, 2, 2), false),
        ((128, 3, 4), true),
        ((128, 2, 2), true),
        ((64, 3, 2), true),
        ((64, 2, 3), true),
        ((56, 2, 2), true),
        ((64, 1, 2), true),
        ((64, 2, 1), true),
        ((1024, 1, 8), true),
    ];
    for ((m, t, p), needs_rehash) in cases {
        let stored = argon2(m, t, p).hash(&password).unwrap();
        assert_eq!(
            current.verify(&password, &stored),
            Ok(Verification::Match { needs_rehash }),
            "{stored}"
        );
        assert_eq!(current.needs_rehash(&stored), Ok(needs_rehash), "{stored}");
    }
}

#[test]
fn rehash_for_argon2i_version_0x10_short_salt_and_short_tag() {
    // Reference strings for "password", salt "somesalt" (8 bytes).
    let current = argon2(64, 1, 1);
    let password = pw("password");
    for stored in [
        // argon2i, no version (0x10).
        "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ",
        // argon2id v19 but an 8-byte salt.
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    ] {
        assert_eq!(
            current.verify(&password, stored),
            Ok(MATCH_REHASH),
            "{stored}"
        );
    }
}

#[test]
fn rehash_for_other_bcrypt_cost_not_for_prefix() {
    let password = pw("hunter22");
    let cost4 = bcrypt(4).hash(&password).unwrap();
    let cost5 = bcrypt(5);
    assert_eq!(cost5.verify(&password, &cost4), Ok(MATCH_REHASH));
    let stored5 = cost5.hash(&password).unwrap();
    assert_eq!(cost5.verify(&password, &stored5), Ok(MATCH));
    for prefix in ["$2a$", "$2y$"] {
        let relabelled = stored5.replacen("$2b$", prefix, 1);
        assert_eq!(cost5.verify(&password, &relabelled), Ok(MATCH), "{prefix}");
    }
    // A stronger stored cost is rehashed down to the current one as well.
    assert_eq!(bcrypt(4).verify(&password, &stored5), Ok(MATCH_REHASH));
    assert_eq!(bcrypt(4).needs_rehash(&stored5), Ok(true));
}

#[test]
fn verify_and_update_returns_a_hash_that_needs_no_rehash() {
    let current = argon2(64, 1, 1);
    let password = pw("correct horse");
    for stored in [
        bcrypt(4).hash(&password).unwrap(),
        argon2(32, 1, 1).hash(&password).unwrap(),
    ] {
        let Outcome::Match {
            new_hash: Some(new_hash),
        } = current.verify_and_update(&password, &stored).unwrap()
        else {
            panic!("no upgrade for {stored}");
        };
        assert!(
            new_hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{new_hash}"
        );
        assert_eq!(current.verify(&password, &new_hash), Ok(MATCH));
        assert_eq!(
            current.verify_and_update(&password, &new_hash),
            Ok(Outcome::Match { new_hash: None })
        );
        assert_eq!(
            current.verify_and_update(&pw("wrong horse"), &stored),
            Ok(Outcome::Mismatch)
        );
    }
    // Into bcrypt as the current scheme.
    let to_bcrypt = bcrypt(4);
    let old = argon2(64, 1, 1).hash(&password).unwrap();
    let Outcome::Match {
        new_hash: Some(new_hash),
    } = to_bcrypt.verify_and_update(&password, &old).unwrap()
    else {
        panic!("no upgrade to bcrypt");
    };
    assert!(new_hash.starts_with("$2b$04$"));
    assert_eq!(to_bcrypt.verify(&password, &new_hash), Ok(MATCH));
}

#[test]
fn verify_and_update_keeps_the_match_when_the_password_cannot_become_bcrypt() {
    // An argon2 user with an 80-byte password, after the service switched
    // new hashes to bcrypt: still logs in, keeps the argon2 hash.
    let long = pw(&"p".repeat(80));
    let stored = argon2(64, 1, 1).hash(&long).unwrap();
    assert_eq!(
        bcrypt(4).verify_and_update(&long, &stored),
        Ok(Outcome::Match { new_hash: None })
    );
    let with_nul = pw("before\0after");
    let stored = argon2(64, 1, 1).hash(&with_nul).unwrap();
    assert_eq!(
        bcrypt(4).verify_and_update(&with_nul, &stored),
        Ok(Outcome::Match { new_hash: None })
    );
    // argon2 keeps the two NUL variants apart.
    assert_eq!(
        argon2(64, 1, 1).verify(&pw("before"), &stored),
        Ok(Verification::Mismatch)
    );
}

#[test]
fn bcrypt_refuses_over_72_bytes_and_nul() {
    let hasher = bcrypt(4);
    let too_long: Result<String, Error> = Err(Error::PasswordTooLong { max_bytes: 72 });
    assert!(hasher.hash(&pw(&"a".repeat(72))).is_ok());
    assert_eq!(hasher.hash(&pw(&"a".repeat(73))), too_long);
    // 24 × '€' (3 bytes each) is 72 bytes; one more 'a' is 73.
    assert!(hasher.hash(&pw(&"€".repeat(24))).is_ok());
    assert_eq!(hasher.hash(&pw(&("€".repeat(24) + "a"))), too_long);
    assert_eq!(hasher.hash(&pw("a\0b")), Err(Error::PasswordContainsNul));
    assert_eq!(hasher.hash(&pw("\0")), Err(Error::PasswordContainsNul));

    let stored = hasher.hash(&pw(&"a".repeat(72))).unwrap();
    assert_eq!(hasher.verify(&pw(&"a".repeat(72)), &stored), Ok(MATCH));
    assert_eq!(
        hasher.verify(&pw(&"a".repeat(73)), &stored),
        Err(Error::PasswordTooLong { max_bytes: 72 })
    );
    assert_eq!(
        hasher.verify(&pw(&"a".repeat(71)), &stored),
        Ok(Verification::Mismatch)
    );
}

#[test]
fn verify_unknown_user_is_a_mismatch_for_every_password() {
    for hasher in [argon2(64, 1, 1), bcrypt(4)] {
        for password in [
            "",
            "opsguard-password unknown user",
            "x",
            &"y".repeat(100),
            "nul\0",
        ] {
            assert_eq!(
                hasher.verify_unknown_user(&pw(password)),
                Verification::Mismatch,
                "{hasher:?}"
            );
        }
    }
}

#[test]
fn malformed_strings_are_errors_never_mismatches() {
    let hasher = argon2(64, 1, 1);
    let password = pw("password");
    let good =
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    let good_bcrypt = "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96";
    assert_eq!(hasher.verify(&password, good), Ok(MATCH_REHASH));
    assert_eq!(hasher.verify(&password, good_bcrypt), Ok(MATCH_REHASH));

    // Every truncation of a good string is an error, except a cut inside
    // an argon2 tag that leaves at least 16 bytes of it: that is a valid
    // (shorter) tag and fails closed as a mismatch. Never a match.
    let tag_start = good.rfind('$').unwrap() + 1;
    for stored in [good, good_bcrypt] {
        for end in 0..stored.len() {
            let truncated = &stored[..end];
            let got = hasher.verify(&password, truncated);
            if stored == good && end >= tag_start + 22 {
                assert!(
                    got == Ok(Verification::Mismatch)
                        || got
                            == Err(Error::MalformedHash {
                                reason: "bad base64"
                            }),
                    "{truncated:?} gave {got:?}"
                );
            } else {
                assert!(
                    got.as_ref().is_err_and(Error::is_stored_hash_problem),
                    "{truncated:?} gave {got:?}"
                );
            }
        }
    }

    let malformed = |reason| Err(Error::MalformedHash { reason });
    let cases: &[(&str, Result<Verification, Error>)] = &[
        // Bad base64 in salt and hash.
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbH*$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            malformed("bad base64"),
        ),
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=",
            malformed("bad base64"),
        ),
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/5",
            malformed("bad base64"),
        ),
        (
            "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU9!",
            malformed("bad bcrypt hash encoding"),
        ),
        (
            "$2a$04$UuTkLRZZ6Qo!pDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96",
            malformed("bad bcrypt salt encoding"),
        ),
        // A tag under 16 bytes (15 here).
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4r",
            malformed("argon2 tag shorter than 16 bytes"),
        ),
        // Unknown version.
        (
            "$argon2id$v=18$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            malformed("unknown argon2 version"),
        ),
        // Trailing field.
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4$x",
            malformed("trailing data"),
        ),
        // Unicode anywhere.
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGé",
            malformed("bad base64"),
        ),
        (
            "$argon2id$v=19$m=２５６,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            malformed("bad parameter field"),
        ),
        (
            "$argon2ïd$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            Err(Error::UnsupportedHash {
                reason: "unknown scheme",
            }),
        ),
        (
            "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDUé",
            malformed("bcrypt hash is not ascii"),
        ),
        ("\u{0}", malformed("does not start with '$'")),
        ("   ", malformed("does not start with '$'")),
        ("password", malformed("does not start with '$'")),
        // Huge parameters and oversized strings.
        (
            "$argon2id$v=19$m=262145,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            Err(Error::StoredParamsAboveCeiling { name: "memory_kib" }),
        ),
        (
            "$argon2id$v=19$m=99999999999,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            malformed("argon2 parameter is not a canonical decimal"),
        ),
    ];
    for (stored, want) in cases {
        assert_eq!(&hasher.verify(&password, stored), want, "{stored}");
    }
    let oversized = format!("{good}{}", "A".repeat(600));
    assert_eq!(hasher.verify(&password, &oversized), malformed("too long"));
}

#[test]
fn hasher_clones_share_settings() {
    let a = argon2(64, 1, 1);
    let b = a.clone();
    let stored = a.hash(&pw("shared")).unwrap();
    assert_eq!(b.verify(&pw("shared"), &stored), Ok(MATCH));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_eq!(
        format!("{a:?}"),
        "Hasher { argon2id: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 }, \
         ceiling: ParamCeiling { max_memory_kib: 262144, max_iterations: 10, max_parallelism: 16, max_bcrypt_cost: 15 } }"
    );
}

#[test]
fn errors_convert_into_the_shared_model() {
    use opsguard_core::ErrorKind;
    let err = bcrypt(4).hash(&pw(&"a".repeat(73))).unwrap_err();
    let core = opsguard_core::Error::from(err);
    assert_eq!(core.kind(), ErrorKind::Validation);
    assert_eq!(core.fields()[0].code(), "too_long");
    let err = argon2(64, 1, 1).verify(&pw("x"), "$2x$05$abc").unwrap_err();
    let core = opsguard_core::Error::from(err);
    assert_eq!(core.kind(), ErrorKind::Internal);
    assert_eq!(core.to_wire().status, 500);
    assert!(!String::from_utf8_lossy(&core.to_wire().body).contains("2x"));
}

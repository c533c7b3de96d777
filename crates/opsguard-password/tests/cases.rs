//! Every real-world case of `../shared/cases/password.json`, one named test
//! each, with the inputs read from the file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use argon2::{Algorithm, Version};
use opsguard_password::{Argon2Params, Error, Hasher, ParamCeiling, Verification};
use opsguard_tests::{case, case_ids};
use secrecy::SecretString;
use serde_json::Value;

const FILE: &str = "password.json";

fn input(id: &str) -> Value {
    case(FILE, id)["input"].clone()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn too_long<T>() -> Result<T, Error> {
    Err(Error::PasswordTooLong { max_bytes: 72 })
}

fn secret(v: &Value) -> SecretString {
    SecretString::from(s(v))
}

/// argon2id as the current scheme, with small parameters.
fn argon2_hasher() -> Hasher {
    Hasher::builder()
        .with_argon2id(Argon2Params::new(64, 1, 1))
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

/// bcrypt as the current scheme, cost 4.
fn bcrypt_hasher() -> Hasher {
    Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
}

const COVERED: &[&str] = &[
    "BCRYPT-01",
    "BCRYPT-03",
    "BCRYPT-04",
    "ARGON2-01",
    "ARGON2-03",
    "ARGON2-05",
];

#[test]
fn every_case_of_the_file_has_a_test() {
    let mut ids = case_ids(FILE);
    ids.sort();
    let mut covered: Vec<String> = COVERED.iter().map(|s| (*s).to_owned()).collect();
    covered.sort();
    assert_eq!(ids, covered);
}

#[test]
fn bcrypt_01_no_silent_truncation_at_72_bytes() {
    let input = input("BCRYPT-01");
    let bcrypt = bcrypt_hasher();

    // Two passwords sharing their first 72 bytes: the first cannot be
    // hashed with bcrypt at all, so the second can never match it.
    let pair = &input["same_prefix_pair"];
    let (p1, p2) = (secret(&pair["p1"]), secret(&pair["p2"]));
    assert_eq!(bcrypt.hash(&p1), too_long());
    assert_eq!(bcrypt.hash(&p2), too_long());
    // The 72-byte prefix alone is fine, and longer passwords never verify
    // against it.
    let prefix = SecretString::from(&s(&pair["p1"])[..72]);
    let stored = bcrypt.hash(&prefix).unwrap();
    assert_eq!(
        bcrypt.verify(&prefix, &stored),
        Ok(Verification::Match {
            needs_rehash: false
        })
    );
    assert_eq!(bcrypt.verify(&p1, &stored), too_long());
    assert_eq!(bcrypt.verify(&p2, &stored), too_long());
    // argon2 takes the whole password: the pair stays apart.
    let argon2 = argon2_hasher();
    let h1 = argon2.hash(&p1).unwrap();
    assert!(argon2.verify(&p1, &h1).unwrap().is_match());
    assert_eq!(argon2.verify(&p2, &h1), Ok(Verification::Mismatch));

    // Limits are bytes: 36 × 'é' is 72 bytes, one more character is 73.
    let boundary = s(&input["utf8_boundary"]);
    assert_eq!(boundary.chars().count(), 37);
    assert_eq!(boundary.len(), 73);
    assert_eq!(bcrypt.hash(&SecretString::from(boundary)), too_long());
    let seventy_two = SecretString::from(boundary.strip_suffix('x').unwrap());
    let stored = bcrypt.hash(&seventy_two).unwrap();
    assert!(bcrypt.verify(&seventy_two, &stored).unwrap().is_match());
    assert_eq!(
        bcrypt.verify(&SecretString::from(boundary), &stored),
        too_long()
    );

    // The Okta pattern: identifiers concatenated in front of the password
    // push it out of bcrypt's window. Here the concatenation is refused
    // instead of making every password match.
    let okta = &input["okta_style_concat"];
    let key = |pw: &str| {
        SecretString::from(format!(
            "{}{}{}",
            s(&okta["user_id"]),
            s(&okta["username"]),
            pw
        ))
    };
    let ok = key(s(&okta["password_ok"]));
    let bad = key(s(&okta["password_bad"]));
    assert_eq!(bcrypt.hash(&ok), too_long());
    assert_eq!(bcrypt.hash(&bad), too_long());

    // The two legacy vectors verify in truncating bcrypt; a non-truncating
    // API refuses them as too long rather than answering true.
    for name in ["crypt_blowfish_vector", "rust_bcrypt_vector"] {
        let v = &input[name];
        assert!(s(&v["password"]).len() > 72, "{name}");
        assert_eq!(
            argon2.verify(&secret(&v["password"]), s(&v["hash"])),
            too_long(),
            "{name}"
        );
        // Their first 72 bytes do match: the vectors are real.
        let truncated = SecretString::from(&s(&v["password"])[..72]);
        assert_eq!(
            argon2.verify(&truncated, s(&v["hash"])),
            Ok(Verification::Match { needs_rehash: true }),
            "{name}"
        );
    }
}

#[test]
fn bcrypt_03_prefix_variants_and_invalid_prefixes() {
    let input = input("BCRYPT-03");
    let hasher = argon2_hasher();

    // ASCII controls verify, under $2a$ and under $2b$/$2y$ (the same
    // computation for ASCII passwords).
    for pair in input["ascii_controls"].as_array().unwrap() {
        let (hash, password) = (s(&pair[0]), secret(&pair[1]));
        for prefix in ["$2a$", "$2b$", "$2y$"] {
            let hash = hash.replacen("$2a$", prefix, 1);
            assert_eq!(
                hasher.verify(&password, &hash),
                Ok(Verification::Match { needs_rehash: true }),
                "{hash}"
            );
            assert_eq!(
                hasher.verify(&SecretString::from("U*U*"), &hash),
                Ok(Verification::Mismatch),
                "{hash}"
            );
        }
    }

    // $2x$ is unsupported, whatever the password (the byte-level a3 and
    // ff ff a3 vectors run through the byte core in the crate's unit test
    // `bcrypt_03_eight_bit_vectors_through_the_byte_core`: a single 0xa3
    // byte is not UTF-8, so `SecretString` cannot carry it).
    let two_x = input["eight_bit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(&v["hash"]))
        .find(|h| h.starts_with("$2x$"))
        .unwrap();
    for password in ["", "\u{a3}", "£", "password"] {
        assert_eq!(
            hasher.verify(&SecretString::from(password), two_x),
            Err(Error::UnsupportedHash {
                reason: "bcrypt $2x$ (pre-2011 crypt_blowfish bug)"
            })
        );
    }
    // The eight-bit hashes are well formed: with a UTF-8 password they are
    // a plain mismatch, never an error or a panic.
    for v in input["eight_bit"].as_array().unwrap() {
        let hash = s(&v["hash"]);
        if !hash.starts_with("$2x$") {
            assert_eq!(
                hasher.verify(&SecretString::from("£"), hash),
                Ok(Verification::Mismatch),
                "{hash}"
            );
        }
    }

    // Invalid prefixes: unsupported schemes, never a mismatch.
    for setting in input["invalid_settings"].as_array().unwrap() {
        assert_eq!(
            hasher.verify(&SecretString::from("U*U"), s(setting)),
            Err(Error::UnsupportedHash {
                reason: "unknown scheme"
            }),
            "{setting}"
        );
    }

    // New bcrypt hashes are $2b$.
    let stored = bcrypt_hasher().hash(&SecretString::from("U*U")).unwrap();
    assert!(stored.starts_with("$2b$04$"), "{stored}");
}

#[test]
fn bcrypt_04_cost_bounds_and_malformed_strings() {
    let input = input("BCRYPT-04");
    let hasher = argon2_hasher();
    let password = SecretString::from("password");
    let malformed = |reason| Err(Error::MalformedHash { reason });

    let invalid: Vec<&str> = input["invalid"].as_array().unwrap().iter().map(s).collect();
    let expected = [
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("does not start with '$'"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not 60 bytes"),
        malformed("bcrypt hash is not ascii"),
        malformed("empty"),
    ];
    assert_eq!(invalid.len(), expected.len());
    for (stored, want) in invalid.iter().zip(expected) {
        assert_eq!(
            hasher.needs_rehash(stored),
            want.clone().map(|_| true),
            "{stored:?}"
        );
        assert_eq!(hasher.verify(&password, stored), want, "{stored:?}");
    }
    // Cost 03 and 32 in otherwise well-formed 60-byte strings.
    let control = s(&input["positive_control"][0]);
    for cost in ["03", "32", "00", "99"] {
        let stored = control.replacen("$04$", &format!("${cost}$"), 1);
        assert_eq!(
            hasher.verify(&password, &stored),
            malformed("bcrypt cost out of range"),
            "{stored}"
        );
    }
    // Bytes that are not ASCII digits in the cost field.
    for cost in ["ab", "-1", " 4", "4 "] {
        let stored = control.replacen("$04$", &format!("${cost}$"), 1);
        assert_eq!(
            hasher.verify(&password, &stored),
            malformed("bcrypt cost is not two digits"),
            "{stored}"
        );
    }

    // '+4' is refused as non-canonical (rust-bcrypt's parser would take it).
    let plus_four = s(&input["non_canonical_cost"]);
    assert_eq!(plus_four.len(), 60);
    assert_eq!(
        hasher.verify(&password, plus_four),
        malformed("bcrypt cost is not two digits")
    );

    // The positive control verifies.
    assert_eq!(
        hasher.verify(&secret(&input["positive_control"][1]), control),
        Ok(Verification::Match { needs_rehash: true })
    );

    // hash() with cost 3 and 32 → errors, even with the dangerous opt-in.
    for cost in [3, 32, 0, u32::MAX] {
        assert_eq!(
            Hasher::builder()
                .with_bcrypt(cost)
                .dangerous_allow_weak_params()
                .build()
                .err(),
            Some(Error::InvalidParams {
                name: "bcrypt_cost"
            }),
            "{cost}"
        );
    }
    // A legal cost above the ceiling can be neither configured nor verified.
    assert_eq!(
        Hasher::builder().with_bcrypt(31).build().err(),
        Some(Error::ParamsAboveCeiling {
            name: "bcrypt_cost"
        })
    );
    let cost_31 = control.replacen("$04$", "$31$", 1);
    assert_eq!(
        hasher.verify(&password, &cost_31),
        Err(Error::StoredParamsAboveCeiling {
            name: "bcrypt_cost"
        })
    );
    assert_eq!(
        hasher.verify(&password, &control.replacen("$04$", "$16$", 1)),
        Err(Error::StoredParamsAboveCeiling {
            name: "bcrypt_cost"
        })
    );
    // A service that really has cost-16 hashes raises the ceiling.
    let raised = Hasher::builder()
        .with_argon2id(Argon2Params::new(64, 1, 1))
        .dangerous_allow_weak_params()
        .with_ceiling(ParamCeiling::default().with_max_bcrypt_cost(16))
        .build()
        .unwrap();
    assert_eq!(
        raised.needs_rehash(&control.replacen("$04$", "$16$", 1)),
        Ok(true)
    );
}

#[test]
fn argon2_01_rfc9106_vectors_and_reference_phc_strings() {
    let input = input("ARGON2-01");
    let common = &input["rfc9106_common"];
    assert_eq!(s(&common["password"]), "32 x 0x01");
    assert_eq!(s(&common["salt"]), "16 x 0x02");
    assert_eq!(s(&common["secret"]), "8 x 0x03");
    assert_eq!(s(&common["ad"]), "12 x 0x04");
    let (m, t, p) = (
        u32::try_from(common["m_kib"].as_u64().unwrap()).unwrap(),
        u32::try_from(common["t"].as_u64().unwrap()).unwrap(),
        u32::try_from(common["p"].as_u64().unwrap()).unwrap(),
    );
    let tag_len = usize::try_from(common["tag_len"].as_u64().unwrap()).unwrap();

    // The same argon2 core (`Argon2::hash_password_into`) the hasher uses,
    // with the secret and associated data of RFC 9106 §5.
    let tag = |algorithm, version| {
        let params = argon2::ParamsBuilder::new()
            .m_cost(m)
            .t_cost(t)
            .p_cost(p)
            .data(argon2::AssociatedData::new(&[4; 12]).unwrap())
            .output_len(tag_len)
            .build()
            .unwrap();
        let ctx = argon2::Argon2::new_with_secret(&[3; 8], algorithm, version, params).unwrap();
        let mut out = vec![0u8; tag_len];
        ctx.hash_password_into(&[1; 32], &[2; 16], &mut out)
            .unwrap();
        hex::encode(out)
    };
    let tags = &input["tags_v0x13"];
    assert_eq!(tag(Algorithm::Argon2d, Version::V0x13), s(&tags["argon2d"]));
    assert_eq!(tag(Algorithm::Argon2i, Version::V0x13), s(&tags["argon2i"]));
    // RFC 9106 §5.3.
    assert_eq!(
        tag(Algorithm::Argon2id, Version::V0x13),
        s(&tags["argon2id"])
    );
    // The version is part of the computation.
    let v10 = tag(Algorithm::Argon2id, Version::V0x10);
    assert_eq!(v10, s(&input["tag_argon2id_v0x10_same_inputs"]));
    assert_ne!(v10, s(&tags["argon2id"]));

    // The reference PHC strings verify "password" through the hasher.
    let hasher = Hasher::new();
    let password = SecretString::from("password");
    let phc = input["phc_vectors_password_is_'password'"]
        .as_array()
        .unwrap();
    assert_eq!(phc.len(), 3);
    for stored in phc {
        // Match; all three have an 8-byte salt, so they are due for an
        // upgrade even where m, t, p meet the current ones.
        assert_eq!(
            hasher.verify(&password, s(stored)),
            Ok(Verification::Match { needs_rehash: true }),
            "{stored}"
        );
    }
    // The negative: 'differentpassword' against the first.
    assert_eq!(
        s(&input["negative"][0]),
        "'differentpassword' against the first PHC vector"
    );
    assert_eq!(
        hasher.verify(&SecretString::from("differentpassword"), s(&phc[0])),
        Ok(Verification::Mismatch)
    );
}

#[test]
fn argon2_03_out_of_range_and_huge_params_fail_before_allocating() {
    let input = input("ARGON2-03");
    let hasher = argon2_hasher();
    let password = SecretString::from("password");
    let malformed = |reason| Err(Error::MalformedHash { reason });

    let invalid: Vec<&str> = input["invalid"].as_array().unwrap().iter().map(s).collect();
    let expected = [
        malformed("argon2 parameters out of range"), // m=0
        malformed("argon2 parameter is not a canonical decimal"), // m=2^32
        malformed("argon2 parameter is not a canonical decimal"), // m=dummy
        malformed("argon2 parameters out of range"), // t=0
        malformed("argon2 parameter is not a canonical decimal"), // t=2^32
        malformed("argon2 parameters out of range"), // p=0
        malformed("argon2 parameter is not a canonical decimal"), // p=dummy
        malformed("argon2 parameters out of range"), // p=536870912 (> 2^24 - 1)
        Err(Error::UnsupportedHash {
            reason: "argon2 keyid/data parameters",
        }),
        Err(Error::UnsupportedHash {
            reason: "argon2 keyid/data parameters",
        }),
    ];
    assert_eq!(invalid.len(), expected.len());
    for (stored, want) in invalid.iter().zip(expected) {
        assert_eq!(hasher.verify(&password, stored), want, "{stored}");
    }

    // Legal but huge: refused by the ceiling. Were they not, the first
    // would try to allocate 4 TiB and the second would run for hours; the
    // test finishing at all shows they were refused before any work.
    let huge: Vec<&str> = input["legal_but_huge"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    assert_eq!(
        hasher.verify(&password, huge[0]),
        Err(Error::StoredParamsAboveCeiling { name: "memory_kib" })
    );
    assert_eq!(
        hasher.verify(&password, huge[1]),
        Err(Error::StoredParamsAboveCeiling { name: "iterations" })
    );
    // Also with the default hasher and through needs_rehash.
    let default = Hasher::new();
    for (stored, name) in [(huge[0], "memory_kib"), (huge[1], "iterations")] {
        assert_eq!(
            default.verify(&password, stored),
            Err(Error::StoredParamsAboveCeiling { name })
        );
        assert_eq!(
            default.needs_rehash(stored),
            Err(Error::StoredParamsAboveCeiling { name })
        );
    }
    // Parallelism above the ceiling but valid for argon2.
    let p17 = huge[0].replace("m=4294967295,t=1,p=1", "m=1024,t=1,p=17");
    assert_eq!(
        hasher.verify(&password, &p17),
        Err(Error::StoredParamsAboveCeiling {
            name: "parallelism"
        })
    );

    // The raw API refuses m = 1 KiB (argon2 needs at least 8 blocks per
    // lane), and so does the builder, even with the dangerous opt-in.
    assert_eq!(
        argon2::Params::new(1, 1, 1, None).err(),
        Some(argon2::Error::MemoryTooLittle)
    );
    assert_eq!(
        Hasher::builder()
            .with_argon2id(Argon2Params::new(1, 1, 1))
            .dangerous_allow_weak_params()
            .build()
            .err(),
        Some(Error::InvalidParams { name: "memory_kib" })
    );
}

#[test]
fn argon2_05_structure_errors_are_distinct_from_a_mismatch() {
    let input = input("ARGON2-05");
    let hasher = argon2_hasher();
    let password = SecretString::from("password");
    let malformed = |reason| Err(Error::MalformedHash { reason });

    let decoding_fail: Vec<&str> = input["decoding_fail"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    let expected = [
        malformed("argon2 parameter is not a canonical decimal"), // p=1c29...
        malformed("missing hash"),                                // salt and hash run together
        Err(Error::UnsupportedHash {
            reason: "argon2d is not for password storage",
        }),
        Err(Error::UnsupportedHash {
            reason: "argon2d is not for password storage",
        }),
        malformed("hash length out of range"), // empty hash
        Err(Error::UnsupportedHash {
            reason: "unknown scheme",
        }), // $ARGON2ID$
        malformed("bad base64"),               // trailing newline
        malformed("empty"),
    ];
    assert_eq!(decoding_fail.len(), expected.len());
    for (stored, want) in decoding_fail.iter().zip(expected) {
        let got = hasher.verify(&password, stored);
        assert_eq!(got, want, "{stored:?}");
        assert!(got.unwrap_err().is_stored_hash_problem());
    }
    // The same argon2d framing problems as argon2id are malformed, not
    // a mismatch.
    for stored in &decoding_fail[2..4] {
        let as_id = stored.replacen("$argon2d$v=16$", "$argon2id$v=16$", 1);
        assert!(
            matches!(
                hasher.verify(&password, &as_id),
                Err(Error::MalformedHash { .. })
            ),
            "{as_id}"
        );
    }

    let mismatch = &input["mismatch"];
    assert_eq!(
        hasher.verify(&secret(&mismatch[1]), s(&mismatch[0])),
        Ok(Verification::Mismatch)
    );
    // …and the login flow's answer is the same generic one either way.
    let as_core = |e: Error| opsguard_core::Error::from(e).kind();
    assert_eq!(
        as_core(Error::MalformedHash { reason: "x" }),
        opsguard_core::ErrorKind::Internal
    );
}

//! The password policy presets, with the exact violation codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use opsguard_core::{ErrorKind, FieldError};
use opsguard_password::{BreachedPasswords, Error, PasswordPolicy, PolicyContext, Violation};
use secrecy::SecretString;

fn codes(policy: &PasswordPolicy, password: &str, ctx: &PolicyContext<'_>) -> Vec<&'static str> {
    match policy.check(&SecretString::from(password), ctx) {
        Ok(()) => Vec::new(),
        Err(v) => {
            assert!(!v.is_empty());
            v.codes().collect()
        }
    }
}

#[test]
fn opsconductor_preset_exact_codes() {
    let p = PasswordPolicy::opsconductor();
    let none = PolicyContext::new();
    let cases: &[(&str, &[&str])] = &[
        ("Abcdefg1", &[]),
        (
            "",
            &[
                "too_short",
                "missing_uppercase",
                "missing_lowercase",
                "missing_digit",
            ],
        ),
        ("abc", &["too_short", "missing_uppercase", "missing_digit"]),
        ("abcdefgh", &["missing_uppercase", "missing_digit"]),
        ("ABCDEFGH", &["missing_lowercase", "missing_digit"]),
        ("12345678", &["missing_uppercase", "missing_lowercase"]),
        ("Abcdefgh", &["missing_digit"]),
        ("abcdefg1", &["missing_uppercase"]),
        ("ABCDEFG1", &["missing_lowercase"]),
        ("Ab1", &["too_short"]),
        // Common passwords and the username are not the seed service's
        // rules.
        ("Password1", &[]),
        // Unicode letters: É is uppercase, é lowercase; Arabic-Indic digits
        // are digits.
        ("Éééééé1x", &[]),
        ("éééééééé", &["missing_uppercase", "missing_digit"]),
        ("ÉÉÉÉÉÉÉÉ", &["missing_lowercase", "missing_digit"]),
        ("Abcdefg٣", &[]),
        // Letters without case are neither upper nor lower.
        (
            "密码密码密码密码1",
            &["missing_uppercase", "missing_lowercase"],
        ),
    ];
    for (password, want) in cases {
        assert_eq!(codes(&p, password, &none), *want, "{password:?}");
    }
    // Length counts characters, capped at 128 characters and 1024 bytes.
    let at_max = format!("Aa1{}", "x".repeat(125));
    assert_eq!(codes(&p, &at_max, &none), Vec::<&str>::new());
    assert_eq!(codes(&p, &format!("{at_max}x"), &none), ["too_long"]);
    // 100 × '𝄞' is 100 characters but 400 bytes: within both limits.
    assert_eq!(
        codes(&p, &format!("Aa1{}", "𝄞".repeat(100)), &none),
        Vec::<&str>::new()
    );
    // Seven 2-byte characters plus one: 8 characters, enough.
    assert_eq!(codes(&p, "Éééééé1", &none), ["too_short"]);
}

#[test]
fn nist_preset_exact_codes() {
    let p = PasswordPolicy::nist();
    let ctx = PolicyContext::new()
        .with_username("alice")
        .with_email("alice.smith@example.com");
    let cases: &[(&str, &[&str])] = &[
        // No composition rules.
        ("correct horse battery staple", &[]),
        ("plum kettle orbit saffron", &[]),
        ("dragon-trout-97", &[]),
        // Short: too_short; also trivially guessable.
        ("", &["too_short", "too_weak"]),
        ("xq7", &["too_short", "too_weak"]),
        // Common passwords, in any case, l33t or reversed.
        ("password", &["common_password", "too_weak"]),
        ("PASSWORD", &["common_password", "too_weak"]),
        ("P@ssw0rd", &["common_password", "too_weak"]),
        ("drowssap", &["common_password", "too_weak"]),
        ("iloveyou", &["common_password", "too_weak"]),
        ("12345678", &["common_password", "too_weak"]),
        ("qwertyuiop", &["common_password", "too_weak"]),
        ("password1234", &["common_password", "too_weak"]),
        ("Summer2024", &["common_password", "too_weak"]),
        // Repetitive or sequential.
        ("aaaaaaaa", &["repetitive", "too_weak"]),
        ("abcdefgh", &["repetitive", "too_weak"]),
        // The username or email inside, in any case.
        ("my-alice-passphrase", &["contains_username"]),
        ("MY-ALICE-PASSPHRASE", &["contains_username"]),
        (
            "alice.smith@example.com rules",
            &["contains_username", "contains_email"],
        ),
        (
            "x alice.smith x long enough",
            &["contains_username", "contains_email"],
        ),
    ];
    let wrong: Vec<_> = cases
        .iter()
        .map(|(password, want)| (*password, codes(&p, password, &ctx), *want))
        .filter(|(_, got, want)| got != want)
        .collect();
    assert!(wrong.is_empty(), "(password, got, want): {wrong:#?}");
    // The local part alone counts as the email, even when it is not the
    // username.
    let bob = PolicyContext::new().with_email("bobby.tables@example.com");
    assert_eq!(
        codes(&p, "bobby.tables and friends", &bob),
        ["contains_email"]
    );
    // Context words under 3 characters are not searched for.
    let short = PolicyContext::new().with_username("al").with_email("x@y.z");
    assert_eq!(
        codes(&p, "final alphabet xylophone", &short),
        Vec::<&str>::new()
    );
    // Without context nothing is refused for it.
    assert_eq!(
        codes(&p, "my-alice-passphrase", &PolicyContext::new()),
        Vec::<&str>::new()
    );
    // 256 characters allowed, 257 not; 1024 bytes allowed, 1025 not.
    let phrase = "plum kettle orbit saffron ";
    let long: String = phrase.chars().cycle().take(256).collect();
    assert_eq!(codes(&p, &long, &ctx), Vec::<&str>::new());
    assert_eq!(codes(&p, &format!("{long}x"), &ctx), ["too_long"]);
    let wide: String = "ÿ".repeat(256); // 256 characters, 512 bytes
    assert!(!codes(&p, &wide, &ctx).contains(&"too_long"));
    let four_byte: String = "𝄞".repeat(256); // 256 characters, 1024 bytes
    assert!(!codes(&p, &four_byte, &ctx).contains(&"too_long"));
    let over: String = format!("{}x", "𝄞".repeat(256)); // 257 chars, 1025 bytes
    assert_eq!(codes(&p, &over, &ctx)[0], "too_long");
}

#[test]
fn every_violation_is_reported_at_once_in_the_documented_order() {
    let policy = PasswordPolicy::opsconductor()
        .to_builder()
        .with_min_strength(4)
        .build()
        .unwrap();
    assert_eq!(
        codes(&policy, "", &PolicyContext::new()),
        [
            "too_short",
            "missing_uppercase",
            "missing_lowercase",
            "missing_digit",
            "too_weak"
        ]
    );
    let nist = PasswordPolicy::nist();
    let ctx = PolicyContext::new().with_username("alice");
    assert_eq!(
        codes(&nist, "Alice", &ctx),
        ["too_short", "contains_username", "too_weak"]
    );
    assert_eq!(
        codes(&nist, "alicepassw0rd", &ctx),
        ["contains_username", "common_password", "too_weak"]
    );
    // The new codes in their places: 36 × "é" and a bidi override are 37
    // characters (under 64) and 75 bytes (over 70).
    let strict = PasswordPolicy::opsconductor()
        .to_builder()
        .with_min_length(64)
        .with_max_bytes(70)
        .with_min_strength(4)
        .build()
        .unwrap();
    assert_eq!(
        codes(
            &strict,
            &("é".repeat(36) + "\u{202E}"),
            &PolicyContext::new()
        ),
        [
            "too_short",
            "too_long",
            "contains_control",
            "missing_uppercase",
            "missing_digit",
            "too_weak"
        ]
    );
    assert_eq!(
        codes(
            &nist,
            "\u{202E}alice-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &PolicyContext::new()
                .with_username("alice")
                .with_email("alice@example.com")
        ),
        [
            "contains_control",
            "contains_username",
            "contains_email",
            "repetitive"
        ]
    );
}

#[test]
fn violations_become_field_errors_without_the_password() {
    let password = "alicepassw0rd";
    let ctx = PolicyContext::new().with_username("alice");
    let policy = PasswordPolicy::nist()
        .to_builder()
        .with_min_length(20)
        .build()
        .unwrap();
    let violations = policy
        .check(&SecretString::from(password), &ctx)
        .unwrap_err();
    assert_eq!(
        violations.to_field_errors(),
        vec![
            FieldError::new("password", "too_short", "must be at least 20 characters"),
            FieldError::new(
                "password",
                "contains_username",
                "must not contain the username"
            ),
            FieldError::new("password", "common_password", "is too common"),
            FieldError::new("password", "too_weak", "is too easy to guess"),
        ]
    );
    let text = format!("{violations} {violations:?}");
    assert_eq!(
        violations.to_string(),
        "password breaks the policy: too_short, contains_username, common_password, too_weak"
    );
    assert!(
        !text.contains(password) && !text.contains("passw0rd"),
        "{text}"
    );

    let core = opsguard_core::Error::from(violations.clone());
    assert_eq!(core.kind(), ErrorKind::Validation);
    assert_eq!(core.fields().len(), 4);
    let wire = String::from_utf8(core.to_wire().body).unwrap();
    assert!(!wire.contains("passw0rd"), "{wire}");

    // Every variant's field error.
    let all = [
        (
            Violation::BreachedPassword,
            "breached_password",
            "has appeared in a data breach",
        ),
        (
            Violation::CommonPassword,
            "common_password",
            "is too common",
        ),
        (
            Violation::ContainsControl,
            "contains_control",
            "must not contain control or invisible formatting characters",
        ),
        (
            Violation::ContainsEmail,
            "contains_email",
            "must not contain the email address",
        ),
        (
            Violation::ContainsUsername,
            "contains_username",
            "must not contain the username",
        ),
        (
            Violation::MissingDigit,
            "missing_digit",
            "must contain a digit",
        ),
        (
            Violation::MissingLowercase,
            "missing_lowercase",
            "must contain a lowercase letter",
        ),
        (
            Violation::MissingUppercase,
            "missing_uppercase",
            "must contain an uppercase letter",
        ),
        (
            Violation::Repetitive,
            "repetitive",
            "must not be mostly repeated or sequential characters",
        ),
        (
            Violation::TooLong {
                max_chars: 256,
                max_bytes: 1024,
            },
            "too_long",
            "must be at most 256 characters and 1024 bytes",
        ),
        (
            Violation::TooShort { min_chars: 8 },
            "too_short",
            "must be at least 8 characters",
        ),
        (
            Violation::TooWeak { min_strength: 1 },
            "too_weak",
            "is too easy to guess",
        ),
    ];
    for (v, code, message) in all {
        assert_eq!(
            FieldError::from(v),
            FieldError::new("password", code, message)
        );
        assert_eq!(v.to_string(), message);
    }
    // Owned and borrowed iteration agree with as_slice.
    let by_ref: Vec<Violation> = (&violations).into_iter().copied().collect();
    let owned: Vec<Violation> = violations.clone().into_iter().collect();
    assert_eq!(by_ref, violations.as_slice());
    assert_eq!(owned, violations.as_slice());
    assert_eq!(violations.iter().count(), violations.len());
}

#[test]
fn builder_limits() {
    let nist = || PasswordPolicy::nist().to_builder();
    assert_eq!(
        nist().with_min_length(7).build(),
        Err(Error::InvalidPolicy { name: "min_length" })
    );
    assert_eq!(
        nist().with_max_length(63).build(),
        Err(Error::InvalidPolicy { name: "max_length" })
    );
    assert_eq!(
        nist().with_min_length(100).with_max_length(99).build(),
        Err(Error::InvalidPolicy { name: "max_length" })
    );
    assert_eq!(
        nist().with_max_bytes(4097).build(),
        Err(Error::InvalidPolicy { name: "max_bytes" })
    );
    assert_eq!(
        nist().with_min_length(80).with_max_bytes(72).build(),
        Err(Error::InvalidPolicy { name: "max_bytes" })
    );
    assert_eq!(
        nist().with_min_strength(5).build(),
        Err(Error::InvalidPolicy {
            name: "min_strength"
        })
    );
    // 64 characters must be allowed; 15-character minimum for single-factor
    // use; 72 bytes for bcrypt services.
    let p = nist()
        .with_min_length(15)
        .with_max_length(64)
        .with_max_bytes(72)
        .build()
        .unwrap();
    assert_eq!(
        (p.min_length(), p.max_length(), p.max_bytes()),
        (15, 64, 72)
    );
    let none = PolicyContext::new();
    let seventy_three = "correct horse battery staple ".repeat(3);
    assert_eq!(codes(&p, &seventy_three[..73], &none), ["too_long"]);
    // min_strength 0 switches too_weak off (repetitive stays on).
    let lax = nist().with_min_strength(0).build().unwrap();
    assert_eq!(codes(&lax, "Company123", &none), Vec::<&str>::new());
    assert_eq!(codes(&lax, "aaaaaaaa", &none), ["repetitive"]);
    assert_eq!(PasswordPolicy::default(), PasswordPolicy::nist());
}

#[test]
fn strength_uses_the_context() {
    let password = SecretString::from("alice.smith1987");
    let with = PasswordPolicy::strength(
        &password,
        &PolicyContext::new().with_email("alice.smith@example.com"),
    );
    let without = PasswordPolicy::strength(&password, &PolicyContext::new());
    assert!(with <= without, "{with} {without}");
    assert!(without <= 4);
    assert_eq!(
        PasswordPolicy::strength(&SecretString::from("password"), &PolicyContext::new()),
        0
    );
    assert_eq!(
        PasswordPolicy::strength(
            &SecretString::from("plum kettle orbit saffron"),
            &PolicyContext::new()
        ),
        4
    );
}

/// Review F3: `nist()` accepted the repetitive passwords NIST SP 800-63B
/// gives as examples of values to refuse, and dictionary word plus digits.
#[test]
fn f3_nist_refuses_repetitive_and_barely_guessable_passwords() {
    let p = PasswordPolicy::nist();
    let none = PolicyContext::new();
    let cases: Vec<(String, &[&str])> = vec![
        ("aaaaaaaaa1".into(), &["repetitive", "too_weak"]),
        ("a".repeat(84), &["repetitive", "too_weak"]),
        ("password".repeat(13), &["repetitive", "too_weak"]),
        ("iloveyou".repeat(13), &["repetitive"]),
        ("qwerty".repeat(17), &["repetitive", "too_weak"]),
        ("a1".repeat(10), &["repetitive", "too_weak"]),
        ("Password1".repeat(3), &["repetitive", "too_weak"]),
        (
            "abcdefghijklmnopqrstuvwxyz".into(),
            &["repetitive", "too_weak"],
        ),
        ("Company123".into(), &["too_weak"]),
        ("Welcome1".into(), &["common_password", "too_weak"]),
        // Strong passwords still pass, including ones with a short run.
        ("plum kettle orbit saffron".into(), &[]),
        ("Mississippi river boats".into(), &[]),
        ("gT7#kqLm2Pz".into(), &[]),
        ("zebra-lantern-abc".into(), &[]),
    ];
    let wrong: Vec<_> = cases
        .iter()
        .map(|(password, want)| (password.as_str(), codes(&p, password, &none), *want))
        .filter(|(_, got, want)| got != want)
        .collect();
    assert!(wrong.is_empty(), "(password, got, want): {wrong:#?}");
}

/// Review F4: the username/email check was a lowercase substring match, so
/// fullwidth letters, a zero-width space inside or a dotted capital I got
/// past it.
#[test]
fn f4_username_and_email_are_found_through_width_case_and_invisible_characters() {
    let p = PasswordPolicy::nist();
    let ctx = PolicyContext::new()
        .with_username("alice")
        .with_email("bob.smith@example.com");
    for password in [
        "ａｌｉｃｅ-horse-battery",
        "horse-ALİCE-battery",
        "horse-álice-battery",
        "horse-Alıce-battery",
        "ＡＬＩＣＥ horse battery",
    ] {
        assert_eq!(
            codes(&p, password, &ctx),
            ["contains_username"],
            "{password:?}"
        );
    }
    // A zero-width space is refused as such, and still seen through.
    assert_eq!(
        codes(&p, "ali\u{200B}ce-horse-battery", &ctx),
        ["contains_control", "contains_username"]
    );
    assert_eq!(
        codes(&p, "BOB.ＳＭＩＴＨ horse battery", &ctx),
        ["contains_email"]
    );
    // The context is folded too.
    let wide = PolicyContext::new().with_username("ＡＬＩＣＥ");
    assert_eq!(
        codes(&p, "alice-horse-battery", &wide),
        ["contains_username"]
    );
    let sharp = PolicyContext::new().with_username("Straße");
    assert_eq!(
        codes(&p, "STRASSE horse battery", &sharp),
        ["contains_username"]
    );
}

/// Review F5: control characters (NUL included), bidi overrides and
/// invisible formatting characters were accepted by both presets.
#[test]
fn f5_control_and_invisible_characters_are_refused_by_both_presets() {
    let none = PolicyContext::new();
    for p in [PasswordPolicy::nist(), PasswordPolicy::opsconductor()] {
        for password in [
            "gT7#kq\0Lm2Pz",
            "gT7#kq\tLm2Pz",
            "gT7#kq\nLm2Pz",
            "gT7#kq\u{7F}Lm2Pz",
            "gT7#kq\u{85}Lm2Pz",
            "gT7#kq\u{202E}Lm2Pz",
            "gT7#kq\u{2066}Lm2Pz",
            "gT7#kq\u{200B}Lm2Pz",
            "gT7#kq\u{AD}Lm2Pz",
            "\u{FEFF}gT7#kqLm2Pz",
            "gT7#kq\u{2028}Lm2Pz",
        ] {
            assert_eq!(
                codes(&p, password, &none),
                ["contains_control"],
                "{password:?}"
            );
        }
        let c0: String = ('\u{1}'..='\u{a}').collect();
        assert!(codes(&p, &format!("gT7#kqLm2Pz{c0}"), &none).contains(&"contains_control"));
        // Emoji joined by a zero-width joiner are typed that way.
        assert_eq!(
            codes(&p, "gT7#kqLm2Pz👩\u{200D}💻", &none),
            Vec::<&str>::new()
        );
    }
}

/// Review F5: length counted code points as given, so invisible characters
/// and decomposed letters padded a short password past the minimum.
#[test]
fn f5_length_counts_the_nfkc_form_without_invisible_characters() {
    let p = PasswordPolicy::nist();
    let none = PolicyContext::new();
    // 7 characters and a zero-width joiner.
    assert_eq!(
        codes(&p, "gT7#kqL\u{200D}", &none),
        ["too_short", "contains_control"]
    );
    // 7 characters and a variation selector (invisible, not refused).
    assert_eq!(codes(&p, "gT7#kqL\u{FE0F}", &none)[0], "too_short");
    // 4 letters written as 8 code points (NFD).
    assert_eq!(
        codes(&p, "r\u{301}e\u{301}s\u{301}u\u{301}", &none)[0],
        "too_short"
    );
    // The same 8 characters composed or decomposed count the same.
    let composed = "ŕéśúgT7x";
    let decomposed = "r\u{301}e\u{301}s\u{301}u\u{301}gT7x";
    assert_eq!(codes(&p, composed, &none), codes(&p, decomposed, &none));
    assert!(!codes(&p, decomposed, &none).contains(&"too_short"));
    // The maximum counts the same way: 256 composed characters are fine
    // as 512 decomposed code points.
    let long: String = "é".repeat(128) + &"e\u{301}".repeat(128);
    assert!(!codes(&p, &long, &none).contains(&"too_long"));
}

/// Review F6: the builder accepted a byte cap under 64, so a policy could
/// refuse the 64-character passwords NIST SP 800-63B asks to permit.
#[test]
fn f6_max_bytes_below_64_is_refused() {
    let nist = || PasswordPolicy::nist().to_builder();
    for bytes in [8, 15, 63] {
        assert_eq!(
            nist().with_max_bytes(bytes).build(),
            Err(Error::InvalidPolicy { name: "max_bytes" }),
            "{bytes}"
        );
    }
    assert_eq!(
        nist().with_max_bytes(64).build().map(|p| p.max_bytes()),
        Ok(64)
    );
    assert_eq!(
        nist().with_max_bytes(72).build().map(|p| p.max_bytes()),
        Ok(72)
    );
    assert_eq!(
        nist()
            .with_min_length(65)
            .with_max_length(80)
            .with_max_bytes(64)
            .build(),
        Err(Error::InvalidPolicy { name: "max_bytes" })
    );
}

/// Review F10: the common-password check is zxcvbn's dictionary, not a
/// breach corpus; a service plugs its corpus in through
/// `BreachedPasswords`.
#[test]
fn f10_a_breach_corpus_adds_breached_password_in_its_place() {
    use secrecy::ExposeSecret as _;
    use std::cell::Cell;

    struct Corpus {
        known: &'static [&'static str],
        asked: Cell<usize>,
    }
    impl BreachedPasswords for Corpus {
        fn is_breached(&self, password: &SecretString) -> bool {
            self.asked.set(self.asked.get() + 1);
            self.known.contains(&password.expose_secret())
        }
    }
    let corpus = Corpus {
        known: &["plum kettle orbit saffron", "alice-aaaaaaaaaaaa"],
        asked: Cell::new(0),
    };
    let p = PasswordPolicy::nist();
    let ctx = PolicyContext::new().with_username("alice");
    let check = |password: &str| match p.check_against(&SecretString::from(password), &ctx, &corpus)
    {
        Ok(()) => Vec::new(),
        Err(v) => v.codes().collect(),
    };
    // zxcvbn alone accepts it; the corpus knows it.
    assert_eq!(
        codes(&p, "plum kettle orbit saffron", &ctx),
        Vec::<&str>::new()
    );
    assert_eq!(check("plum kettle orbit saffron"), ["breached_password"]);
    assert_eq!(check("purple otter juggles umbrellas"), Vec::<&str>::new());
    // After common_password, before repetitive and too_weak.
    assert_eq!(
        check("alice-aaaaaaaaaaaa"),
        ["contains_username", "breached_password", "repetitive"]
    );
    assert_eq!(corpus.asked.get(), 3);
    // A closure with an answer looked up beforehand.
    let found = true;
    let err = p
        .check_against(
            &SecretString::from("purple otter juggles umbrellas"),
            &ctx,
            &|_: &SecretString| found,
        )
        .unwrap_err();
    assert_eq!(err.codes().collect::<Vec<_>>(), ["breached_password"]);
}

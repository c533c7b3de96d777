//! Regression tests for the findings of the security review of this crate,
//! one test per finding (each failed before its fix), covering the kind of
//! fault rather than only the reviewer's inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::ErrorKind;
use opsguard_password::{PasswordPolicy, PolicyContext};
use opsguard_validate::types::{JobCreate, TargetCreate};
use opsguard_validate::{
    AddressClass, Error, Host, HostPolicy, check_email, check_name, check_password,
    deserialize_json, from_json_slice, host, normalize_email, public_host,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

/// Finding 1: every form `inet_aton` (glibc's `getaddrinfo`) reads as an
/// IPv4 address is refused, whatever mix of decimal, octal and hex it uses:
/// a name whose last label is a number (WHATWG URL "ends in a number") is
/// not a host name.
#[test]
fn review_01_numeric_ipv4_forms_are_not_host_names() {
    for value in [
        // The reviewer's inputs: 127.0.0.1 and 169.254.169.254 in disguise.
        "0x7f000001",
        "0X7F000001",
        "127.0.0.0x1",
        "0x7f.0x0.0x0.0x1",
        "0177.0.0.0x1",
        "127.0x1",
        "0xa9fea9fe",
        "169.254.169.0xfe",
        "0xA9.0xFE.0xA9.0xFE",
        "10.0x1",
        "192.168.0x1.0x1",
        "0x00000000000007f000001",
        // The same kind: hex last labels, `0x` with no digits, trailing dot.
        "0x7f000001.",
        "127.0.0.0x",
        "0x",
        "a.0x",
        "a.0x1f",
        "example.0XdeadBEEF",
        "a.b.c.0x0",
        // Decimal and octal last labels (refused before, still refused).
        "127.0.0.1.",
        "017700000001",
        "2130706433",
        "a.1",
        "a.0177",
    ] {
        assert_eq!(Host::parse(value), Err(Error::HostSyntax), "{value:?}");
        assert_eq!(host(value).unwrap_err().code, "invalid_host", "{value:?}");
        assert_eq!(
            public_host(value).unwrap_err().code,
            "invalid_host",
            "{value:?}"
        );
    }
    // Not numbers: `0x` followed by a non-hex letter, hex without `0x`, a
    // number that is not the last label.
    for value in [
        "0xg",
        "a.0x1g",
        "deadbeef",
        "a.ff",
        "0x7f.example",
        "127.0.0.1.example",
        "1e5.example",
        "a.1e5",
    ] {
        assert_eq!(
            Host::parse(value),
            Ok(Host::Name(value.to_owned())),
            "{value:?}"
        );
    }
}

/// Finding 2: no address literal, and nothing that is not a host name, gets
/// into an email domain behind a prefix, with fullwidth brackets, or with
/// spaces and punctuation that UTS 46 passes through.
#[test]
fn review_02_email_domains_are_host_names_in_ascii_form() {
    for value in [
        "a@foo[127.0.0.1]",
        "a@ [127.0.0.1]",
        "a@\u{FF3B}127.0.0.1\u{FF3D}",
        "a@foo\u{FF3B}127.0.0.1\u{FF3D}",
        "a@<script>alert(1)</script>[1.1.1.1]",
        "a@x.com, bcc victim.example.org[1.1.1.1]",
        "a@\"quoted\";x[10.0.0.1]",
        "a@x.y[::1]",
        "a@x[::1]",
        "a@example.com[127.0.0.1]",
        "a@[1.1.1.1][1.1.1.1]",
        "a@x.com [1:2::3]",
    ] {
        assert_eq!(check_email(value), Err(Error::EmailIpDomain), "{value:?}");
    }
    // The same hole without brackets: characters UTS 46 passes through in
    // ASCII form are not host name characters.
    for value in [
        "a@x.com, bcc victim.example.org",
        "a@exa mple.com",
        "a@exa%mple.com",
        "a@exa/mple.com",
        "a@exa:mple.com",
        "a@exa_mple.com",
        "a@exa#mple.com",
        "a@exa<mple.com",
        "a@\"x\".com",
        "a@x\\y.com",
        "a@x.com\u{A0}y.com",
        "a@x.com\u{3000}y.com",
        "a@-a.com",
        "a@a-.com",
        "a@.example.com",
        "a@example..com",
        "a@example.com.",
        &format!("a@{}.com", "b".repeat(64)),
    ] {
        assert_eq!(check_email(value), Err(Error::EmailSyntax), "{value:?}");
    }
    // A numeric last label in any inet_aton spelling is an IP domain.
    for value in ["a@0x7f000001", "a@a.0x7f", "a@foo.0xff", "a@1.2.3.0x4"] {
        assert_eq!(check_email(value), Err(Error::EmailIpDomain), "{value:?}");
    }
    assert_eq!(check_email("a@0x7f000001.com"), Ok(()));
}

/// Finding 3: characters that UTS 46 deletes (so that the address is
/// another spelling of `a@example.com`) and other invisible characters are
/// refused anywhere in an address; `normalize_email` gives the form to keep
/// unique.
#[test]
fn review_03_invisible_characters_and_the_normal_form_of_an_email() {
    for value in [
        "a@exam\u{AD}ple.com",
        "a@exam\u{200B}ple.com",
        "a@exam\u{200C}ple.com",
        "a@exam\u{200D}ple.com",
        "a@exam\u{2060}ple.com",
        "a@exam\u{FEFF}ple.com",
        "a@exam\u{34F}ple.com",
        "a@example\u{FE0F}.com",
        "a@exam\u{115F}ple.com",
        "a@ex\u{3164}ample.com",
        "a@ex\u{2064}ample.com",
        "a@ex\u{E0041}ample.com",
        "a@exa\u{202E}mple.com",
        "a@exa\u{200E}mple.com",
        "a\u{200B}b@example.com",
        "a\u{202E}b@example.com",
        "\u{FEFF}a@example.com",
        "a\u{AD}@example.com",
    ] {
        assert_eq!(check_email(value), Err(Error::EmailControl), "{value:?}");
    }
    assert_eq!(
        Error::EmailControl.message(),
        "must not contain control or invisible characters"
    );
    // Look-alikes that UTS 46 maps onto ASCII are accepted, and normalise to
    // the same address as their ASCII spelling.
    let same = [
        "ops@example.com",
        "ops@EXAMPLE.com",
        "ops@ｅｘａｍｐｌｅ.com",
        "ops@ＥＸＡＭＰＬＥ．ＣＯＭ",
        "ops@example。com",
    ];
    for value in same {
        assert_eq!(check_email(value), Ok(()), "{value:?}");
        assert_eq!(
            normalize_email(value).unwrap(),
            "ops@example.com",
            "{value:?}"
        );
    }
    // The local part is kept as given; IDN domains become A-labels.
    assert_eq!(
        normalize_email("Ops.Team@Example.COM").unwrap(),
        "Ops.Team@example.com"
    );
    assert_eq!(
        normalize_email("a@例え.jp").unwrap(),
        normalize_email("a@xn--r8jz45g.jp").unwrap()
    );
    assert_eq!(normalize_email("a@例え.jp").unwrap(), "a@xn--r8jz45g.jp");
    // Only an address has a normal form.
    assert_eq!(
        normalize_email("a@exam\u{AD}ple.com"),
        Err(Error::EmailControl)
    );
    assert_eq!(normalize_email("a@localhost"), Err(Error::EmailNoDot));
}

/// Finding 3, as a whole: every code point UTS 46 deletes from a domain
/// (its `ignored` set, in the Unicode version of the `idna` data) is
/// refused, so no address is a hidden second spelling of another. The
/// check uses Unicode properties, not UTS 46 itself; this walks every code
/// point to prove they agree.
#[test]
fn review_03_every_character_uts46_deletes_is_refused() {
    let mut deleted = 0;
    for c in (0x80..=0x10_FFFF).filter_map(char::from_u32) {
        let domain = format!("a{c}b.com");
        if idna::domain_to_ascii(&domain).is_ok_and(|ascii| ascii == "ab.com") {
            deleted += 1;
            assert_eq!(
                check_email(&format!("x@{domain}")),
                Err(Error::EmailControl),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
    // Soft hyphen, zero-width space, variation selectors, Hangul fillers…
    assert!(deleted > 250, "{deleted}");
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlatformOnly {
    platform: opsguard_validate::Platform,
}

/// Finding 4: the platform is a JSON string and nothing else; serde's
/// externally tagged object form of a unit variant is refused.
#[test]
fn review_04_platform_is_only_a_json_string() {
    for body in [
        json!({"platform": {"linux": null}}),
        json!({"platform": {"windows": null}}),
        json!({"platform": {"linux": 1}}),
        json!({"platform": {"linux": null, "windows": null}}),
        json!({"platform": ["linux"]}),
        json!({"platform": 1}),
        json!({"platform": true}),
        json!({"platform": null}),
    ] {
        let bytes = serde_json::to_vec(&body).unwrap();
        let err = deserialize_json::<PlatformOnly>(&bytes, 1024).unwrap_err();
        let f = &err.fields()[0];
        assert_eq!(
            (f.field(), f.code(), f.message()),
            (
                "platform",
                "invalid_type",
                "wrong JSON type, expected `linux` or `windows`"
            ),
            "{body}"
        );
    }
    let body = br#"{"name":"w","host":"a.com","platform":{"linux":null},"credential_id":1}"#;
    let err = from_json_slice::<TargetCreate>(body, 4096).unwrap_err();
    assert_eq!(err.fields()[0].field(), "platform");
    assert_eq!(err.fields()[0].code(), "invalid_type");
    // The strings themselves, escaped or not, still work.
    for (text, want) in [
        (r#""linux""#, "linux"),
        (r#""windows""#, "windows"),
        (r#""linu\u0078""#, "linux"),
    ] {
        let body = format!(r#"{{"platform":{text}}}"#);
        let p = deserialize_json::<PlatformOnly>(body.as_bytes(), 1024).unwrap();
        assert_eq!(p.platform.as_str(), want);
    }
}

fn unknown_field_path(key: &str) -> String {
    let mut body = json!({"name": "w", "host": "a.com", "platform": "linux", "credential_id": 1});
    body.as_object_mut()
        .unwrap()
        .insert(key.to_owned(), json!(1));
    let bytes = serde_json::to_vec(&body).unwrap();
    let err = from_json_slice::<TargetCreate>(&bytes, 1 << 20).unwrap_err();
    assert_eq!(err.fields()[0].code(), "unknown_field", "{key:?}");
    err.fields()[0].field().to_owned()
}

/// Finding 5: a client-chosen key is echoed so that the path stays
/// unambiguous and safe to log: a key with anything but plain printable
/// ASCII (or with `.`, `[`, `]`, `"`, `\`) is shown as `["…"]` with JSON
/// escapes, in ASCII.
#[test]
fn review_05_unknown_keys_are_escaped_in_paths() {
    let rows = [
        ("is_admin", "is_admin"),
        ("role-2", "role-2"),
        ("\u{202E}\n\u{0}evil", r#"["\u202e\u000a\u0000evil"]"#),
        ("host.evil[0]", r#"["host.evil[0]"]"#),
        ("a\"b\\c", r#"["a\"b\\c"]"#),
        ("", r#"[""]"#),
        ("with space", r#"["with\u0020space"]"#),
        ("é", r#"["\u00e9"]"#),
        ("😀", r#"["\ud83d\ude00"]"#),
        ("x\u{2028}y", r#"["x\u2028y"]"#),
        (
            "ｈｏｓｔ．ｅｖｉｌ",
            r#"["\uff48\uff4f\uff53\uff54\uff0e\uff45\uff56\uff49\uff4c"]"#,
        ),
    ];
    for (key, want) in rows {
        assert_eq!(unknown_field_path(key), want, "{key:?}");
    }
    // The escaped form is the key as a JSON string: it reads back exactly.
    for (key, _) in rows {
        let path = unknown_field_path(key);
        if let Some(quoted) = path.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            assert_eq!(serde_json::from_str::<String>(quoted).unwrap(), key);
        }
    }
    // Nested: the escaped key follows its parent without a dot.
    let body = br#"{"name":"j","target_ids":[1],"steps":[{"name":"s","command":"ls","a.b":1}]}"#;
    let err = from_json_slice::<JobCreate>(body, 4096).unwrap_err();
    assert_eq!(err.fields()[0].field(), r#"steps[0]["a.b"]"#);
}

/// Finding 6: a password over the policy's character limit (but within its
/// byte limit) gets only `too_long`, without the other rules and without
/// zxcvbn's estimate being run over it.
#[test]
fn review_06_over_long_passwords_are_refused_before_any_other_rule() {
    let policy = PasswordPolicy::opsconductor();
    // 300 characters, 300 bytes: over 256 characters, under 1024 bytes.
    let long = SecretString::from("a".repeat(300));
    let errors = check_password(&long, &policy, &PolicyContext::new()).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code.as_ref()).collect();
    assert_eq!(codes, ["too_long"]);
    // 257 two-byte characters: 514 bytes.
    let wide = SecretString::from("é".repeat(257));
    let errors = check_password(&wide, &PasswordPolicy::nist(), &PolicyContext::new()).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code.as_ref()).collect();
    assert_eq!(codes, ["too_long"]);
    // At the limit, the policy decides with all its rules.
    let at_limit = SecretString::from("a".repeat(policy.max_length()));
    let errors = check_password(&at_limit, &policy, &PolicyContext::new()).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code.as_ref()).collect();
    assert_eq!(codes, ["missing_uppercase", "missing_digit"]);
}

/// Finding 7: the 254-byte limit holds for the ASCII form too, the one that
/// goes over the wire.
#[test]
fn review_07_email_length_counts_the_ascii_form() {
    let label = "\u{3316}".repeat(8);
    let value = format!("a@{}.com", [label.as_str(); 9].join("."));
    assert!(value.len() <= 254);
    assert_eq!(check_email(&value), Err(Error::EmailLength));
    assert_eq!(Error::EmailLength.message(), "must be at most 254 bytes");
    // At exactly 254 bytes in ASCII form it passes, one more does not,
    // while the Unicode form stays under 254 bytes.
    let idn = vec!["\u{3316}".repeat(4); 3].join(".");
    let idn_ascii = idna::domain_to_ascii(&idn).unwrap().len();
    assert!(idn_ascii > idn.len());
    let address = |ascii_len: usize| {
        // "a@" + idn + "." + padding + ".com"
        let pad = ascii_len - 2 - idn_ascii - 1 - 4;
        let mut padding = String::new();
        while padding.len() < pad {
            if !padding.is_empty() {
                padding.push('.');
            }
            // Labels of at most 60; never leave room for only a dot.
            let room = pad - padding.len();
            let take = if room == 61 { 59 } else { room.min(60) };
            padding.push_str(&"b".repeat(take));
        }
        assert_eq!(padding.len(), pad);
        format!("a@{idn}.{padding}.com")
    };
    let at = address(254);
    assert!(at.len() < 254);
    assert_eq!(at.len() - idn.len() + idn_ascii, 254);
    assert_eq!(check_email(&at), Ok(()));
    assert_eq!(check_email(&address(255)), Err(Error::EmailLength));
}

/// Finding 8: bytes that are not JSON text (invalid UTF-8, a lone
/// surrogate escape) are `invalid_json`, and a number too large for any
/// type says so.
#[test]
fn review_08_json_text_errors_are_invalid_json() {
    let bodies: [&[u8]; 4] = [
        b"{\"name\":\"w\xff\",\"host\":\"a.com\",\"platform\":\"linux\",\"credential_id\":1}",
        br#"{"name":"w\ud800","host":"a.com","platform":"linux","credential_id":1}"#,
        br#"{"name":"w\udc00x","host":"a.com","platform":"linux","credential_id":1}"#,
        b"{\"name\":\"w\",\"host\":\"a.com\",\"platform\":\"linux\",\"credential_id\":1,\"x\xc0\":1}",
    ];
    for body in bodies {
        let err = from_json_slice::<TargetCreate>(body, 4096).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        let f = &err.fields()[0];
        assert_eq!(
            f.code(),
            "invalid_json",
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(f.message().starts_with("malformed JSON at line 1 column "));
    }
    for (body, field) in [
        (
            r#"{"name":"w","host":"a.com","platform":"linux","credential_id":1e400}"#,
            "credential_id",
        ),
        (
            r#"{"name":"w","host":"a.com","platform":"linux","credential_id":1,"port":-1e400}"#,
            "port",
        ),
    ] {
        let err = from_json_slice::<TargetCreate>(body.as_bytes(), 4096).unwrap_err();
        let f = &err.fields()[0];
        assert_eq!(
            (f.field(), f.code(), f.message()),
            (field, "invalid_value", "number out of range"),
            "{body}"
        );
    }
}

fn class(s: &str) -> Option<AddressClass> {
    AddressClass::of(s.parse().unwrap())
}

/// Finding 9: every IPv6 form that carries an IPv4 address is judged by
/// it, and IPv6 space outside global unicast is never public.
#[test]
fn review_09_embedded_ipv4_and_non_global_ipv6_are_not_public() {
    use AddressClass::*;
    let rows: &[(&str, Option<AddressClass>)] = &[
        // SIIT, IPv4-translated (RFC 7915): ::ffff:0:0/96.
        ("::ffff:0:127.0.0.1", Some(Loopback)),
        ("::ffff:0:7f00:1", Some(Loopback)),
        ("::ffff:0:169.254.169.254", Some(LinkLocal)),
        ("::ffff:0:10.0.0.1", Some(Private)),
        ("::ffff:0:8.8.8.8", Some(Reserved)),
        // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1): ::/96.
        ("::127.0.0.1", Some(Loopback)),
        ("::169.254.169.254", Some(LinkLocal)),
        ("::10.0.0.1", Some(Private)),
        ("::0.0.0.2", Some(Unspecified)),
        ("::8.8.8.8", Some(Reserved)),
        // Teredo (RFC 4380): the client address is stored inverted.
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", Some(Loopback)),
        ("2001:0:4136:e378:8000:63bf:5601:5601", Some(LinkLocal)),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some(Reserved)),
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Some(Reserved)),
        // The dummy prefix (RFC 9780) and the rest of 0100::/8.
        ("100:0:0:1::1", Some(Reserved)),
        ("100:1::1", Some(Reserved)),
        // Outside 2000::/3 and every named block: not allocated.
        ("4000::1", Some(Reserved)),
        ("8000::1", Some(Reserved)),
        ("e000::1", Some(Reserved)),
        ("fe00::1", Some(Reserved)),
        ("1::1", Some(Reserved)),
        ("::2:0:0:1", Some(Reserved)),
        // Unchanged: global unicast stays public.
        ("2606:4700:4700::1111", None),
        ("2a00:1450::1", None),
        ("2002:808:808::1", None),
        ("64:ff9b::808:808", None),
    ];
    for (ip, want) in rows {
        assert_eq!(class(ip), *want, "{ip}");
    }
    assert_eq!(
        public_host("::ffff:0:127.0.0.1").unwrap_err().code,
        "forbidden_host"
    );
    // Allowing reserved addresses does not let an embedded loopback in.
    let policy = HostPolicy::public_only().with_allowed(Reserved);
    assert_eq!(
        policy.check("::127.0.0.1"),
        Err(Error::HostForbidden(Loopback))
    );
    assert_eq!(
        policy.check("::ffff:0:169.254.169.254"),
        Err(Error::HostForbidden(LinkLocal))
    );
}

fn command_code(command: &str) -> Option<String> {
    let body =
        json!({"name": "j", "target_ids": [1], "steps": [{"name": "s", "command": command}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    from_json_slice::<JobCreate>(&bytes, 1 << 20)
        .err()
        .map(|e| {
            let f = &e.fields()[0];
            assert_eq!(f.field(), "steps[0].command");
            f.code().to_owned()
        })
}

/// Finding 10: a command cannot display as something other than what runs
/// (Trojan Source): no bidirectional controls, no bare carriage return, no
/// line or paragraph separator.
#[test]
fn review_10_commands_refuse_trojan_source_characters() {
    for command in [
        "echo safe \u{202E}; rm -rf / #",
        "echo \u{2066}x\u{2069}",
        "echo \u{200F}",
        "echo \u{061C}",
        "rm -rf /\recho harmless",
        "ls\r",
        "ls\r\r\n",
        "echo a\u{2028}b",
        "echo a\u{2029}b",
        "echo \u{1b}[2K",
        "echo \u{7f}",
        "echo \u{85}",
    ] {
        assert_eq!(
            command_code(command).as_deref(),
            Some("invalid_command"),
            "{command:?}"
        );
    }
    for command in [
        "ls",
        "echo hi\n",
        "Get-Service\r\nRestart-Service -Name w3svc\r\n",
        "printf 'a\\tb'\t# tab",
        "echo 'Zürich 数据 🚀'",
    ] {
        assert_eq!(command_code(command), None, "{command:?}");
    }
}

/// Finding 11: a name must show something: not blank, and no format or
/// default-ignorable (invisible) characters.
#[test]
fn review_11_names_are_visible() {
    for value in [" ", "   ", "\u{3000}", "\u{A0}", " \u{2003} "] {
        assert_eq!(check_name(value), Err(Error::NameBlank), "{value:?}");
    }
    for value in [
        "\u{200B}",
        "\u{FEFF}",
        "\u{2060}",
        "\u{3164}",
        "\u{115F}",
        "\u{AD}",
        "\u{34F}",
        "\u{180E}",
        "\u{2061}",
        "\u{E0041}\u{E0064}",
        "admin\u{200B}",
        "admin\u{FE0F}",
        "a\u{200C}\u{200D}b",
    ] {
        assert_eq!(check_name(value), Err(Error::NameCharacters), "{value:?}");
    }
    assert_eq!(Error::NameBlank.code(), "invalid_name");
    assert_eq!(Error::NameBlank.message(), "must not be blank");
    for value in [" padded ", "web-01", "数据库", "🚀 launcher", "\u{2800}"] {
        assert_eq!(check_name(value), Ok(()), "{value:?}");
    }
}

/// Finding 12: the loopback names of common `/etc/hosts` files, and the
/// special-use local names, are not public.
#[test]
fn review_12_local_names_are_not_public() {
    let public = HostPolicy::public_only();
    for name in [
        "localhost.localdomain",
        "LOCALHOST.LOCALDOMAIN.",
        "localhost6",
        "localhost6.localdomain6",
        "ip6-localhost",
        "ip6-loopback",
    ] {
        assert_eq!(
            public.check(name),
            Err(Error::HostForbidden(AddressClass::Loopback)),
            "{name}"
        );
    }
    for name in ["printer.local", "a.b.LOCAL.", "local"] {
        assert_eq!(
            public.check(name),
            Err(Error::HostForbidden(AddressClass::LinkLocal)),
            "{name}"
        );
    }
    for name in ["db.internal", "internal", "router.home.arpa", "home.arpa."] {
        assert_eq!(
            public.check(name),
            Err(Error::HostForbidden(AddressClass::Private)),
            "{name}"
        );
    }
    for name in [
        "localdomain.example.com",
        "local.example.com",
        "internal.example.com",
        "arpa",
        "example.arpa",
        "ip6-localhost.example",
    ] {
        assert!(public.check(name).is_ok(), "{name}");
    }
    // Allowing the class lets the name in, as for addresses.
    assert!(
        public
            .with_allowed(AddressClass::Private)
            .check("db.internal")
            .is_ok()
    );
}

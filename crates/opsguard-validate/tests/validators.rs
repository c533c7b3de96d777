//! Table-driven tests of every validator, boundaries included, and the
//! 1 MiB input every validator must refuse quickly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::IpAddr;

use opsguard_validate::{
    Error, Host, Platform, Port, Username, check_email, check_name, check_secret, email, host,
    name, port, public_host, username,
};
use secrecy::SecretString;

fn label(n: usize) -> String {
    "a".repeat(n)
}

/// A host name of exactly `len` characters made of 63-character labels.
fn name_of_len(len: usize) -> String {
    let mut out = String::new();
    while out.len() < len {
        if !out.is_empty() {
            out.push('.');
        }
        let room = len - out.len();
        // Avoid ending on a 0-length label or a label of only digits.
        let take = room.min(63);
        out.push_str(&"b".repeat(take));
    }
    assert_eq!(out.len(), len);
    out
}

#[test]
fn username_table() {
    let rows: &[(&str, Result<(), Error>)] = &[
        ("abc", Ok(())),
        ("User123", Ok(())),
        ("ABC", Ok(())),
        ("123", Ok(())),
        ("a1b2c3", Ok(())),
        ("ab", Err(Error::UsernameLength)),
        ("", Err(Error::UsernameLength)),
        ("a", Err(Error::UsernameLength)),
        ("user_name", Err(Error::UsernameCharacters)),
        ("user-name", Err(Error::UsernameCharacters)),
        ("user.name", Err(Error::UsernameCharacters)),
        ("user name", Err(Error::UsernameCharacters)),
        (" abc", Err(Error::UsernameCharacters)),
        ("abc\n", Err(Error::UsernameCharacters)),
        ("abc\0", Err(Error::UsernameCharacters)),
        ("straße", Err(Error::UsernameCharacters)),
        ("١٢٣abc", Err(Error::UsernameCharacters)),
        ("Kelvin\u{212A}", Err(Error::UsernameCharacters)),
        ("ab\u{301}", Err(Error::UsernameCharacters)),
        ("admin\u{200B}", Err(Error::UsernameCharacters)),
    ];
    for (value, want) in rows {
        assert_eq!(Username::parse(value).map(|_| ()), *want, "{value:?}");
        assert_eq!(username(value).is_ok(), want.is_ok(), "{value:?}");
    }
    // Boundaries: 3 and 32 pass, 2 and 33 do not.
    assert!(username(&"a".repeat(32)).is_ok());
    assert_eq!(Username::parse(&"a".repeat(33)), Err(Error::UsernameLength));
    // 20 Cyrillic letters are 40 bytes but 20 characters: refused for the
    // characters, not for a length they do not have.
    assert_eq!(
        Username::parse(&"д".repeat(20)),
        Err(Error::UsernameCharacters)
    );
}

#[test]
fn host_table() {
    let ip = |s: &str| Ok(Host::Ip(s.parse::<IpAddr>().unwrap()));
    let hn = |s: &str| Ok(Host::Name(s.to_owned()));
    let rows: Vec<(String, Result<Host, Error>)> = vec![
        ("1.2.3.4".into(), ip("1.2.3.4")),
        ("255.255.255.255".into(), ip("255.255.255.255")),
        ("10.0.0.5".into(), ip("10.0.0.5")),
        ("::1".into(), ip("::1")),
        ("2001:db8::1".into(), ip("2001:db8::1")),
        ("2001:DB8::A".into(), ip("2001:db8::a")),
        ("::ffff:192.0.2.1".into(), ip("::ffff:192.0.2.1")),
        ("localhost".into(), hn("localhost")),
        ("db01.example.com".into(), hn("db01.example.com")),
        ("example.com.".into(), hn("example.com.")),
        ("xn--6qq79v.com".into(), hn("xn--6qq79v.com")),
        ("a-b.c-d".into(), hn("a-b.c-d")),
        ("1a.example".into(), hn("1a.example")),
        ("com1".into(), hn("com1")),
        ("123.example.com".into(), hn("123.example.com")),
        ("".into(), Err(Error::HostSyntax)),
        (".".into(), Err(Error::HostSyntax)),
        ("example..com".into(), Err(Error::HostLabelLength)),
        (".example.com".into(), Err(Error::HostLabelLength)),
        ("example.com..".into(), Err(Error::HostLabelLength)),
        ("-a.com".into(), Err(Error::HostSyntax)),
        ("a-.com".into(), Err(Error::HostSyntax)),
        ("foo_bar.com".into(), Err(Error::HostSyntax)),
        ("a b.com".into(), Err(Error::HostSyntax)),
        ("exa\tmple.com".into(), Err(Error::HostSyntax)),
        ("例え.jp".into(), Err(Error::HostSyntax)),
        ("1.2.3".into(), Err(Error::HostSyntax)),
        ("01.2.3.4".into(), Err(Error::HostSyntax)),
        // inet_aton's hex and mixed forms (the last label is a number).
        ("0x7f000001".into(), Err(Error::HostSyntax)),
        ("0X7F000001".into(), Err(Error::HostSyntax)),
        ("127.0.0.0x1".into(), Err(Error::HostSyntax)),
        ("0x7f.0x0.0x0.0x1".into(), Err(Error::HostSyntax)),
        ("0177.0.0.0x1".into(), Err(Error::HostSyntax)),
        ("127.0x1".into(), Err(Error::HostSyntax)),
        ("0xa9fea9fe".into(), Err(Error::HostSyntax)),
        ("169.254.169.0xfe".into(), Err(Error::HostSyntax)),
        ("10.0x1".into(), Err(Error::HostSyntax)),
        ("192.168.0x1.0x1".into(), Err(Error::HostSyntax)),
        ("0x".into(), Err(Error::HostSyntax)),
        ("example.0x".into(), Err(Error::HostSyntax)),
        ("0x7f000001.".into(), Err(Error::HostSyntax)),
        ("0xg.example".into(), hn("0xg.example")),
        ("example.0xg".into(), hn("example.0xg")),
        ("[::1]".into(), Err(Error::HostSyntax)),
        ("fe80::1%eth0".into(), Err(Error::HostSyntax)),
        ("fe80::1%25eth0".into(), Err(Error::HostSyntax)),
        ("::1:".into(), Err(Error::HostSyntax)),
        ("1::2::3".into(), Err(Error::HostSyntax)),
        ("host:22".into(), Err(Error::HostSyntax)),
        ("http://example.com".into(), Err(Error::HostSyntax)),
        ("example.com/".into(), Err(Error::HostSyntax)),
        ("user@example.com".into(), Err(Error::HostSyntax)),
        // Labels: 63 passes, 64 does not, first, middle and last.
        (
            format!("{}.com", label(63)),
            hn(&format!("{}.com", label(63))),
        ),
        (format!("{}.com", label(64)), Err(Error::HostLabelLength)),
        (format!("a.{}.com", label(64)), Err(Error::HostLabelLength)),
        (format!("a.{}", label(63)), hn(&format!("a.{}", label(63)))),
        (format!("a.{}", label(64)), Err(Error::HostLabelLength)),
        (label(63), hn(&label(63))),
        (label(64), Err(Error::HostLabelLength)),
        // Totals: 253 passes (254 with a trailing dot), 254 does not.
        (name_of_len(253), hn(&name_of_len(253))),
        (
            format!("{}.", name_of_len(253)),
            hn(&format!("{}.", name_of_len(253))),
        ),
        (name_of_len(254), Err(Error::HostLength)),
        (format!("{}.", name_of_len(254)), Err(Error::HostLength)),
        (
            format!("{}..", name_of_len(252)),
            Err(Error::HostLabelLength),
        ),
    ];
    for (value, want) in &rows {
        assert_eq!(Host::parse(value), *want, "{value:?}");
        assert_eq!(host(value).is_ok(), want.is_ok(), "{value:?}");
        if let Err(e) = want {
            assert_eq!(host(value).unwrap_err().code, e.code());
        }
    }
    assert!(rows.len() >= 15);
}

#[test]
fn host_display_round_trips() {
    for value in ["10.0.0.5", "::1", "db01.example.com", "a."] {
        assert_eq!(Host::parse(value).unwrap().to_string(), value);
    }
}

#[test]
fn email_table() {
    let rows: &[(&str, Result<(), Error>)] = &[
        ("ops@example.com", Ok(())),
        ("first.last+tag@sub.example.co.uk", Ok(())),
        ("a@b.co", Ok(())),
        ("user@xn--6qq79v.com", Ok(())),
        ("user@例え.jp", Ok(())),
        ("ops@localhost", Err(Error::EmailNoDot)),
        ("ops@[IPv6:::1]", Err(Error::EmailIpDomain)),
        ("ops@10.0.0.1", Err(Error::EmailIpDomain)),
        ("ops@example.123", Err(Error::EmailIpDomain)),
        ("", Err(Error::EmailSyntax)),
        ("no-at-sign", Err(Error::EmailSyntax)),
        ("@example.com", Err(Error::EmailSyntax)),
        ("ops@", Err(Error::EmailSyntax)),
        ("ops@exa mple.com", Err(Error::EmailSyntax)),
        (
            "ops@example.com\r\nBcc: x@example.com",
            Err(Error::EmailControl),
        ),
        ("ops\0@example.com", Err(Error::EmailControl)),
        ("ops@example.com\u{85}", Err(Error::EmailControl)),
        ("ops@exam\u{AD}ple.com", Err(Error::EmailControl)),
        ("ops@exam\u{200B}ple.com", Err(Error::EmailControl)),
        ("o\u{202E}ps@example.com", Err(Error::EmailControl)),
        ("ops@foo[127.0.0.1]", Err(Error::EmailIpDomain)),
        ("ops@\u{FF3B}127.0.0.1\u{FF3D}", Err(Error::EmailIpDomain)),
        ("ops@x[::1]", Err(Error::EmailIpDomain)),
        ("ops@0x7f000001", Err(Error::EmailIpDomain)),
        ("ops@x.com, bcc v.example.org", Err(Error::EmailSyntax)),
        ("ops@ｅｘａｍｐｌｅ.com", Ok(())),
    ];
    for (value, want) in rows {
        assert_eq!(check_email(value), *want, "{value:?}");
        assert_eq!(email(value).is_ok(), want.is_ok(), "{value:?}");
    }
    // 254 bytes in total pass, 255 do not (local part ≤ 64 per validator).
    let domain = |len: usize| {
        let mut d = name_of_len(len - 4);
        d.push_str(".com");
        d
    };
    let at_254 = format!("{}@{}", "a".repeat(64), domain(254 - 65));
    assert_eq!(at_254.len(), 254);
    assert_eq!(check_email(&at_254), Ok(()));
    let at_255 = format!("{}@{}", "a".repeat(64), domain(255 - 65));
    assert_eq!(check_email(&at_255), Err(Error::EmailLength));
}

#[test]
fn name_table() {
    let rows: &[(&str, Result<(), Error>)] = &[
        ("web-01", Ok(())),
        ("x", Ok(())),
        ("Zürich DC / rack 4", Ok(())),
        ("数据库服务器", Ok(())),
        ("🚀 launcher", Ok(())),
        (" padded ", Ok(())),
        ("", Err(Error::NameLength)),
        ("a\nb", Err(Error::NameCharacters)),
        ("a\0b", Err(Error::NameCharacters)),
        ("a\u{7f}", Err(Error::NameCharacters)),
        ("a\u{9b}", Err(Error::NameCharacters)),
        ("a\u{1b}[31mred", Err(Error::NameCharacters)),
        ("invoice\u{202E}fdp.exe", Err(Error::NameCharacters)),
        ("a\u{2066}b", Err(Error::NameCharacters)),
        ("a\u{200F}b", Err(Error::NameCharacters)),
        ("a\u{2028}b", Err(Error::NameCharacters)),
        ("\u{200B}", Err(Error::NameCharacters)),
        ("\u{FEFF}", Err(Error::NameCharacters)),
        ("\u{3164}", Err(Error::NameCharacters)),
        ("web\u{AD}01", Err(Error::NameCharacters)),
        (" ", Err(Error::NameBlank)),
        ("\u{3000}\u{A0}", Err(Error::NameBlank)),
    ];
    for (value, want) in rows {
        assert_eq!(check_name(value), *want, "{value:?}");
        assert_eq!(name(value).is_ok(), want.is_ok(), "{value:?}");
    }
    // Characters, not bytes: 255 four-byte characters pass, 256 do not.
    assert_eq!(check_name(&"𝔸".repeat(255)), Ok(()));
    assert_eq!(check_name(&"𝔸".repeat(256)), Err(Error::NameLength));
    assert_eq!(check_name(&"a".repeat(255)), Ok(()));
    assert_eq!(check_name(&"a".repeat(256)), Err(Error::NameLength));
}

#[test]
fn port_and_platform() {
    assert!(port(1).is_ok());
    assert!(port(65535).is_ok());
    assert_eq!(port(0).unwrap_err().code, "invalid_port");
    assert_eq!(Port::new(0), None);
    assert_eq!(Port::try_from(0), Err(Error::PortRange));
    assert_eq!(Port::SSH.get(), 22);
    assert_eq!(Port::WINRM_HTTPS.get(), 5986);
    assert_eq!(Port::new(8080).unwrap().to_string(), "8080");
    for n in [1u16, 22, 443, 65535] {
        let p = Port::new(n).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, n.to_string());
        assert_eq!(serde_json::from_str::<Port>(&json).unwrap(), p);
    }
    for (p, s, d) in [
        (Platform::Linux, "linux", 22),
        (Platform::Windows, "windows", 5986),
    ] {
        assert_eq!(p.as_str(), s);
        assert_eq!(p.to_string(), s);
        assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{s}\""));
        assert_eq!(p.default_port().get(), d);
    }
}

#[test]
fn secret_length() {
    let s = |v: &str| SecretString::from(v.to_owned());
    assert_eq!(check_secret(&s("x")), Ok(()));
    assert_eq!(check_secret(&s(&"x".repeat(4096))), Ok(()));
    assert_eq!(check_secret(&s("")), Err(Error::SecretLength));
    assert_eq!(
        check_secret(&s(&"x".repeat(4097))),
        Err(Error::SecretLength)
    );
}

#[test]
fn every_validator_refuses_a_mebibyte() {
    let mib = "a".repeat(1 << 20);
    let mut dotted = "a.".repeat(1 << 19);
    dotted.push('b');
    for input in [&mib, &dotted] {
        assert_eq!(username(input).unwrap_err().code, "invalid_username");
        assert_eq!(Username::parse(input), Err(Error::UsernameLength));
        assert_eq!(email(input).unwrap_err().code, "invalid_email");
        assert_eq!(check_email(input), Err(Error::EmailLength));
        assert_eq!(host(input).unwrap_err().code, "invalid_host");
        assert_eq!(Host::parse(input), Err(Error::HostLength));
        assert_eq!(public_host(input).unwrap_err().code, "invalid_host");
        assert_eq!(name(input).unwrap_err().code, "invalid_name");
        assert_eq!(check_name(input), Err(Error::NameLength));
        assert_eq!(
            check_secret(&SecretString::from(input.clone())),
            Err(Error::SecretLength)
        );
    }
    // A mebibyte of something that nearly matches each grammar.
    let at = format!("{}@example.com", "a".repeat(1 << 20));
    assert_eq!(check_email(&at), Err(Error::EmailLength));
    let colons = ":".repeat(1 << 20);
    assert_eq!(Host::parse(&colons), Err(Error::HostLength));
}

#[test]
fn validation_error_messages_state_the_rule_not_the_value() {
    let secretish = "Hunter2-Secret";
    for err in [
        username(&format!("{secretish}!")).unwrap_err(),
        email(secretish).unwrap_err(),
        host(&format!("{secretish}_")).unwrap_err(),
        name(&format!("{secretish}\n")).unwrap_err(),
    ] {
        let message = err.message.as_deref().unwrap();
        assert!(!message.contains("Hunter2"), "{message}");
        // validator's Display prints the message (not the params with the
        // value) when one is set.
        assert!(!err.to_string().contains("Hunter2"));
        assert!(
            message.starts_with(|c: char| c.is_ascii_lowercase()),
            "{message}"
        );
        assert!(!message.ends_with('.'));
    }
}

//! The check of opsguard-validate's fuzz target.

use std::net::IpAddr;

use opsguard_core::ErrorKind;
use opsguard_validate::types::{CredentialCreate, JobCreate, RegisterUser, TargetCreate};
use opsguard_validate::{
    AddressClass, Host, HostPolicy, Username, check_email, check_name, email, from_json_slice,
    host, name, normalize_email, public_host, username,
};

/// Every validator on arbitrary UTF-8 answers without panicking, agrees with
/// its typed form, and accepts only what its rule allows; the same bytes as
/// a request body give a value or a non-empty 413/422.
pub fn validate_fields(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_text(s);
    }
    check_body(data);
}

fn check_text(s: &str) {
    let user = Username::parse(s);
    assert_eq!(username(s).is_ok(), user.is_ok());
    if let Ok(user) = user {
        assert!((3..=32).contains(&s.len()), "username length");
        assert!(
            s.bytes().all(|b| b.is_ascii_alphanumeric()),
            "username bytes"
        );
        assert_eq!(user.normalized(), s.to_ascii_lowercase());
    }

    let mail = check_email(s);
    assert_eq!(email(s).is_ok(), mail.is_ok());
    assert_eq!(normalize_email(s).is_ok(), mail.is_ok());
    if let Ok(normal) = normalize_email(s) {
        assert!(s.len() <= 254 && normal.len() <= 254, "email length");
        assert!(!s.chars().any(char::is_control), "email control");
        assert!(!s.contains(['[', ']']), "email address literal");
        assert!(!s.contains(INVISIBLE), "email invisible character");
        // The normal form is ASCII, its domain a dotted host name that is
        // not a number, and it is its own normal form.
        let (_, domain) = normal.rsplit_once('@').expect("normal form has an @");
        assert!(normal.is_ascii(), "normal form not ASCII");
        assert!(domain.contains('.'), "email domain without a dot");
        assert!(
            matches!(Host::parse(domain), Ok(Host::Name(_))),
            "email domain is not a host name: {domain:?}"
        );
        assert_eq!(normalize_email(&normal).as_deref(), Ok(normal.as_str()));
    }

    let parsed = Host::parse(s);
    assert_eq!(host(s).is_ok(), parsed.is_ok());
    match &parsed {
        Ok(Host::Ip(ip)) => {
            assert_eq!(s.parse::<IpAddr>().ok(), Some(*ip), "host ip");
            if ip.is_ipv4() {
                assert_eq!(ip.to_string(), s, "ipv4 not canonical");
            }
        }
        Ok(Host::Name(n)) => {
            assert_eq!(n, s);
            let bare = s.strip_suffix('.').unwrap_or(s);
            assert!(!bare.is_empty() && bare.len() <= 253, "name length");
            for label in bare.split('.') {
                assert!((1..=63).contains(&label.len()), "label length");
                assert!(!label.starts_with('-') && !label.ends_with('-'), "hyphen");
                assert!(
                    label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                    "label bytes"
                );
            }
            // Not a number in any base inet_aton or a URL parser reads.
            let last = bare.rsplit('.').next().unwrap_or(bare);
            let hex = last
                .strip_prefix("0x")
                .or_else(|| last.strip_prefix("0X"))
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(
                !hex && !last.bytes().all(|b| b.is_ascii_digit()),
                "numeric last label"
            );
        }
        Ok(_) | Err(_) => {}
    }
    let public = HostPolicy::public_only().check(s);
    assert_eq!(public_host(s).is_ok(), public.is_ok());
    if let Ok(Host::Ip(ip)) = public {
        assert_eq!(
            AddressClass::of(ip),
            None,
            "public_only let a special address in"
        );
    }
    if public.is_ok() {
        assert!(parsed.is_ok());
    }

    let named = check_name(s);
    assert_eq!(name(s).is_ok(), named.is_ok());
    if named.is_ok() {
        assert!((1..=255).contains(&s.chars().count()), "name length");
        assert!(!s.chars().any(char::is_control), "name control");
        assert!(!s.contains(INVISIBLE), "name invisible character");
        assert!(!s.trim().is_empty(), "blank name");
    }
}

/// A sample of the invisible characters names and emails refuse (the full
/// set is Unicode's Cf and Default_Ignorable_Code_Point).
const INVISIBLE: &[char] = &[
    '\u{AD}', '\u{34F}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{202E}', '\u{2060}',
    '\u{2066}', '\u{3164}', '\u{FE0F}', '\u{FEFF}',
];

fn check_body(data: &[u8]) {
    fn outcome<T>(result: Result<T, opsguard_core::Error>) {
        if let Err(err) = result {
            match err.kind() {
                ErrorKind::Validation => {
                    assert!(!err.fields().is_empty(), "422 without fields");
                    // Paths echo client-chosen keys escaped: printable
                    // ASCII, plus the `…` of a cut path.
                    for f in err.fields() {
                        let path = f.field().strip_suffix('…').unwrap_or(f.field());
                        assert!(
                            path.bytes().all(|b| b.is_ascii_graphic()),
                            "unescaped path {:?}",
                            f.field()
                        );
                    }
                }
                ErrorKind::PayloadTooLarge => {}
                other => panic!("unexpected error kind {other:?}"),
            }
        }
    }
    const LIMIT: usize = 4096;
    outcome(from_json_slice::<TargetCreate>(data, LIMIT));
    outcome(from_json_slice::<RegisterUser>(data, LIMIT));
    outcome(from_json_slice::<CredentialCreate>(data, LIMIT));
    outcome(from_json_slice::<JobCreate>(data, LIMIT));
}

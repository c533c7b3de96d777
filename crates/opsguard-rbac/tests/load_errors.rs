//! Every way a policy fails to load, each with its exact message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::ErrorKind;
use opsguard_rbac::{Policy, PolicyDocument, PolicyError};

fn toml_err(text: &str) -> PolicyError {
    match Policy::from_toml(text) {
        Ok(policy) => panic!("loaded: {policy:?}"),
        Err(err) => err,
    }
}

fn json_err(text: &str) -> PolicyError {
    let document: PolicyDocument = serde_json::from_str(text).unwrap();
    match Policy::from_document(document) {
        Ok(policy) => panic!("loaded: {policy:?}"),
        Err(err) => err,
    }
}

/// A policy with `jobs` (read, delete) and the given `roles` tables.
fn with_roles(roles: &str) -> String {
    format!("[resources]\njobs = [\"read\", \"delete\"]\n\n[roles]\n{roles}")
}

macro_rules! assert_load_error {
    ($err:expr, $pattern:pat, $message:expr) => {{
        let err = $err;
        assert!(matches!(err, $pattern), "{err:?}");
        assert_eq!(err.to_string(), $message);
    }};
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    let err = toml_err("[resources]\njobs = [\"read\"\n[roles]\n");
    assert_load_error!(
        &err,
        PolicyError::Parse(_),
        "invalid policy file: line 3, column 1: missing comma between array elements, expected `,`"
    );
    let PolicyError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(parse.position(), Some((3, 1)));
    // The parser's error holds a copy of the whole policy text: not kept.
    assert!(std::error::Error::source(&parse).is_none());
}

/// Review finding: a key with CR and ESC reached the message raw, so a
/// policy file could forge a log line or drive the operator's terminal.
#[test]
fn parse_error_message_escapes_control_and_bidi_characters_of_the_policy_text() {
    let err = toml_err(
        "[resources]\njobs=[\"read\"]\n[roles.user]\n\"x\\r2026-01-01 INFO policy reloaded ok\\u001b[2K\"=[]\n",
    );
    assert_load_error!(
        &err,
        PolicyError::Parse(_),
        r"invalid policy file: line 4, column 1: unknown field `x\r2026-01-01 INFO policy reloaded ok\u{1b}[2K`, expected `inherits` or `grants`"
    );
    let err = toml_err(
        "[resources]\njobs=[\"read\"]\n[roles.user]\n\"g\\u202Er\\u2028a\\r\\nn\\tt\\u0085s\\u200B\\\\\"=[]\n",
    );
    assert_load_error!(
        &err,
        PolicyError::Parse(_),
        r"invalid policy file: line 4, column 1: unknown field `g\u{202e}r\u{2028}a\r\nn\tt\u{85}s\u{200b}\`, expected `inherits` or `grants`"
    );
    let PolicyError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(
        parse.message(),
        r"unknown field `g\u{202e}r\u{2028}a\r\nn\tt\u{85}s\u{200b}\`, expected `inherits` or `grants`"
    );
}

/// Review finding: the `Debug` of a parse error held the whole policy text
/// (the parser's error keeps its input).
#[test]
fn parse_error_debug_shows_only_message_and_position() {
    let text = format!(
        "[resources]\njobs = [\"read\"]\n# {}\n[roles]\nbogus = 1\n",
        "NOT-IN-THE-ERROR ".repeat(1000)
    );
    let err = toml_err(&text);
    assert_eq!(
        format!("{err:?}"),
        r#"Parse(ParseError { message: "invalid type: integer `1`, expected struct RoleDocument", position: Some((5, 9)) })"#
    );
    assert_eq!(
        err.to_string(),
        "invalid policy file: line 5, column 9: invalid type: integer `1`, expected struct RoleDocument"
    );
}

#[test]
fn unknown_key_is_refused() {
    assert_load_error!(
        toml_err("[resources]\njobs = [\"read\"]\n[role.user]\ngrants = []\n"),
        PolicyError::Parse(_),
        "invalid policy file: line 3, column 2: unknown field `role`, expected `resources` or `roles`"
    );
    assert_load_error!(
        toml_err(&with_roles("user = { grant = [\"jobs:read\"] }\n")),
        PolicyError::Parse(_),
        "invalid policy file: line 5, column 10: unknown field `grant`, expected `inherits` or `grants`"
    );
}

#[test]
fn missing_sections_are_refused() {
    assert_load_error!(
        toml_err("[resources]\njobs = [\"read\"]\n"),
        PolicyError::Parse(_),
        "invalid policy file: line 1, column 1: missing field `roles`"
    );
    assert_load_error!(
        toml_err(""),
        PolicyError::Parse(_),
        "invalid policy file: line 1, column 1: missing field `resources`"
    );
}

#[test]
fn wrong_types_are_refused() {
    assert_load_error!(
        toml_err(&with_roles("user = { grants = \"jobs:read\" }\n")),
        PolicyError::Parse(_),
        "invalid policy file: line 5, column 19: invalid type: string \"jobs:read\", expected a sequence"
    );
    assert_load_error!(
        toml_err("resources = [\"jobs\"]\n[roles]\n"),
        PolicyError::Parse(_),
        "invalid policy file: line 1, column 13: invalid type: sequence, expected a table"
    );
}

#[test]
fn duplicate_role_in_toml_is_a_syntax_error() {
    assert_load_error!(
        toml_err(&with_roles(
            "[roles.user]\ngrants = []\n[roles.user]\ngrants = []\n"
        )),
        PolicyError::Parse(_),
        "invalid policy file: line 7, column 8: duplicate key"
    );
}

#[test]
fn duplicate_role_in_json_is_refused() {
    assert_load_error!(
        json_err(
            r#"{"resources": {"jobs": ["read"]},
                "roles": {"user": {"grants": ["jobs:read"]}, "user": {"grants": []}}}"#
        ),
        PolicyError::DuplicateRole { .. },
        r#"role "user" is declared twice"#
    );
}

#[test]
fn duplicate_resource_in_json_is_refused() {
    assert_load_error!(
        json_err(r#"{"resources": {"jobs": ["read"], "jobs": ["delete"]}, "roles": {}}"#),
        PolicyError::DuplicateResource { .. },
        r#"resource "jobs" is declared twice"#
    );
}

#[test]
fn duplicate_verb_is_refused() {
    assert_load_error!(
        toml_err("[resources]\njobs = [\"read\", \"delete\", \"read\"]\n[roles]\n"),
        PolicyError::DuplicateVerb { .. },
        r#"resource "jobs" declares verb "read" twice"#
    );
}

#[test]
fn resource_without_verbs_is_refused() {
    assert_load_error!(
        toml_err("[resources]\njobs = []\n[roles]\n"),
        PolicyError::EmptyResource { .. },
        r#"resource "jobs" declares no verbs"#
    );
}

#[test]
fn invalid_names_are_refused() {
    let expected = |what: &str, name: &str| {
        format!(
            "invalid {what} name {name:?}: expected 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter"
        )
    };
    assert_load_error!(
        toml_err("[resources]\nJobs = [\"read\"]\n[roles]\n"),
        PolicyError::InvalidName {
            what: "resource",
            ..
        },
        expected("resource", "Jobs")
    );
    assert_load_error!(
        toml_err("[resources]\njobs = [\"re ad\"]\n[roles]\n"),
        PolicyError::InvalidName { what: "verb", .. },
        expected("verb", "re ad")
    );
    assert_load_error!(
        toml_err("[resources]\njobs = [\"\"]\n[roles]\n"),
        PolicyError::InvalidName { what: "verb", .. },
        expected("verb", "")
    );
    assert_load_error!(
        toml_err(&with_roles("\"Admin\" = { grants = [\"*:*\"] }\n")),
        PolicyError::InvalidName { what: "role", .. },
        expected("role", "Admin")
    );
    assert_load_error!(
        toml_err(&with_roles("\"admin\\n\" = { grants = [\"*:*\"] }\n")),
        PolicyError::InvalidName { what: "role", .. },
        expected("role", "admin\n")
    );
    assert_load_error!(
        toml_err("[resources]\n\"a:b\" = [\"read\"]\n[roles]\n"),
        PolicyError::InvalidName {
            what: "resource",
            ..
        },
        expected("resource", "a:b")
    );
}

#[test]
fn malformed_grants_are_refused() {
    for grant in [
        "",
        "jobs",
        "jobs:",
        ":read",
        "jobs::own",
        "jobs:read:",
        "jobs:read:own:extra",
        "*",
    ] {
        assert_load_error!(
            toml_err(&with_roles(&format!("user = {{ grants = [{grant:?}] }}\n"))),
            PolicyError::MalformedGrant { .. },
            format!(
                r#"role "user" grant {grant:?}: expected resource:verb or resource:verb:scope"#
            )
        );
    }
}

#[test]
fn only_two_wildcards_exist() {
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"*:read\"] }\n")),
        PolicyError::InvalidWildcard { .. },
        r#"role "user" grant "*:read": a resource wildcard needs a verb wildcard (only resource:* and *:* are allowed)"#
    );
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"jobs:re*\"] }\n")),
        PolicyError::UnknownVerb { .. },
        r#"role "user" grant "jobs:re*": resource "jobs" declares no verb "re*""#
    );
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"jo*:read\"] }\n")),
        PolicyError::UnknownResource { .. },
        r#"role "user" grant "jo*:read": undeclared resource "jo*""#
    );
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"jobs:read:*\"] }\n")),
        PolicyError::UnknownScope { .. },
        r#"role "user" grant "jobs:read:*": unknown scope "*" (expected any, own or group)"#
    );
}

#[test]
fn unknown_scope_is_refused() {
    for scope in ["mine", "Own", "ANY", "owner", " own"] {
        assert_load_error!(
            toml_err(&with_roles(&format!(
                "user = {{ grants = [\"jobs:read:{scope}\"] }}\n"
            ))),
            PolicyError::UnknownScope { .. },
            format!(
                r#"role "user" grant "jobs:read:{scope}": unknown scope {scope:?} (expected any, own or group)"#
            )
        );
    }
}

#[test]
fn undeclared_resource_is_refused() {
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"job:read\"] }\n")),
        PolicyError::UnknownResource { .. },
        r#"role "user" grant "job:read": undeclared resource "job""#
    );
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"reports:*\"] }\n")),
        PolicyError::UnknownResource { .. },
        r#"role "user" grant "reports:*": undeclared resource "reports""#
    );
}

#[test]
fn undeclared_verb_is_refused() {
    assert_load_error!(
        toml_err(&with_roles("user = { grants = [\"jobs:update:own\"] }\n")),
        PolicyError::UnknownVerb { .. },
        r#"role "user" grant "jobs:update:own": resource "jobs" declares no verb "update""#
    );
}

#[test]
fn duplicate_grant_is_refused_after_normalisation() {
    assert_load_error!(
        toml_err(&with_roles(
            "user = { grants = [\"jobs:read\", \"jobs:delete\", \"jobs:read:any\"] }\n"
        )),
        PolicyError::DuplicateGrant { .. },
        r#"role "user" grants "jobs:read:any" twice"#
    );
    assert_load_error!(
        toml_err(&with_roles(
            "user = { grants = [\"jobs:read:own\", \"jobs:read:own\"] }\n"
        )),
        PolicyError::DuplicateGrant { .. },
        r#"role "user" grants "jobs:read:own" twice"#
    );
    // The same action in different scopes is two grants.
    assert!(
        Policy::from_toml(&with_roles(
            "user = { grants = [\"jobs:read:own\", \"jobs:read:group\"] }\n"
        ))
        .is_ok()
    );
}

#[test]
fn unknown_role_in_inheritance_is_refused() {
    assert_load_error!(
        toml_err(&with_roles("lead = { inherits = [\"usr\"] }\nuser = {}\n")),
        PolicyError::UnknownRole { .. },
        r#"role "lead" inherits unknown role "usr""#
    );
}

#[test]
fn duplicate_parent_is_refused() {
    assert_load_error!(
        toml_err(&with_roles(
            "lead = { inherits = [\"user\", \"user\"] }\nuser = {}\n"
        )),
        PolicyError::DuplicateInherit { .. },
        r#"role "lead" inherits "user" twice"#
    );
}

#[test]
fn inheritance_cycles_are_named() {
    assert_load_error!(
        toml_err(&with_roles("a = { inherits = [\"a\"] }\n")),
        PolicyError::InheritanceCycle { .. },
        r#"role inheritance cycle: "a" -> "a""#
    );
    // c -> a -> b -> c, reported from its alphabetically first role.
    let err = toml_err(&with_roles(
        "c = { inherits = [\"a\"] }\nb = { inherits = [\"c\"] }\na = { inherits = [\"b\"] }\nd = { inherits = [\"c\"] }\n",
    ));
    assert_load_error!(
        &err,
        PolicyError::InheritanceCycle { .. },
        r#"role inheritance cycle: "a" -> "b" -> "c" -> "a""#
    );
    let PolicyError::InheritanceCycle { cycle, .. } = err else {
        unreachable!()
    };
    assert_eq!(cycle, ["a", "b", "c", "a"]);
    // A diamond is not a cycle.
    assert!(
        Policy::from_toml(&with_roles(
            "top = { inherits = [\"left\", \"right\"] }\nleft = { inherits = [\"base\"] }\nright = { inherits = [\"base\"] }\nbase = {}\n"
        ))
        .is_ok()
    );
}

#[test]
fn a_long_inheritance_chain_loads_without_recursion() {
    let roles: String = (0..4000)
        .map(|i| {
            if i == 0 {
                "r0 = { grants = [\"jobs:read\"] }\n".to_owned()
            } else {
                format!("r{i} = {{ inherits = [\"r{}\"] }}\n", i - 1)
            }
        })
        .collect();
    let policy = Policy::from_toml(&with_roles(&roles)).unwrap();
    let last = opsguard_rbac::Subject::new(1, ["r3999"]);
    assert!(
        policy
            .authorize(&last, "jobs:read", &opsguard_rbac::Resource::new("jobs"))
            .is_allowed()
    );
    assert!(policy.has_role(&last, "r0"));
}

#[test]
fn size_limits_are_enforced() {
    let resources: String = (0..1025).map(|i| format!("r{i} = [\"read\"]\n")).collect();
    assert_load_error!(
        toml_err(&format!("[resources]\n{resources}[roles]\n")),
        PolicyError::TooLarge {
            what: "resources",
            limit: 1024,
            ..
        },
        "policy too large: more than 1024 resources"
    );
    let verbs: Vec<String> = (0..4097).map(|i| format!("v{i}")).collect();
    let (first, second) = verbs.split_at(2048);
    assert_load_error!(
        toml_err(&format!(
            "[resources]\na = {first:?}\nb = {second:?}\n[roles]\n"
        )),
        PolicyError::TooLarge {
            what: "actions",
            limit: 4096,
            ..
        },
        "policy too large: more than 4096 actions"
    );
    let roles: String = (0..4097).map(|i| format!("r{i} = {{}}\n")).collect();
    assert_load_error!(
        toml_err(&with_roles(&roles)),
        PolicyError::TooLarge {
            what: "roles",
            limit: 4096,
            ..
        },
        "policy too large: more than 4096 roles"
    );
}

/// Review finding: loading was cubic in the roles when each inherits many
/// others; the `inherits` entries of all roles together are now capped.
#[test]
fn more_inherits_entries_than_the_limit_are_refused() {
    // 1025 roles each inheriting every one before it: 524,800 entries.
    let mut roles = String::new();
    for i in 0..1025 {
        roles += &format!("r{i} = {{ inherits = [");
        for j in 0..i {
            roles += &format!("\"r{j}\",");
        }
        roles += "] }\n";
    }
    assert_load_error!(
        toml_err(&with_roles(&roles)),
        PolicyError::TooLarge {
            what: "inherits entries",
            limit: 524_288,
            ..
        },
        "policy too large: more than 524288 inherits entries"
    );
    // Counted as written, before any name is resolved.
    let names = vec!["r"; 524_289];
    assert_load_error!(
        json_err(&format!(
            r#"{{"resources": {{"jobs": ["read"]}}, "roles": {{"r": {{"inherits": {names:?}}}}}}}"#
        )),
        PolicyError::TooLarge {
            what: "inherits entries",
            limit: 524_288,
            ..
        },
        "policy too large: more than 524288 inherits entries"
    );
}

#[test]
fn the_first_problem_reported_does_not_depend_on_key_order() {
    let forward = json_err(
        r#"{"resources": {"jobs": ["read"]},
            "roles": {"alpha": {"grants": ["jobs:nope"]}, "zulu": {"grants": ["nope:read"]}}}"#,
    );
    let backward = json_err(
        r#"{"resources": {"jobs": ["read"]},
            "roles": {"zulu": {"grants": ["nope:read"]}, "alpha": {"grants": ["jobs:nope"]}}}"#,
    );
    assert_eq!(forward, backward);
    assert_eq!(
        forward.to_string(),
        r#"role "alpha" grant "jobs:nope": resource "jobs" declares no verb "nope""#
    );
}

#[test]
fn a_policy_error_is_an_internal_error_for_clients() {
    let err = opsguard_core::Error::from(toml_err("[resources]\njobs = []\n[roles]\n"));
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert_eq!(err.message(), "internal server error");
    assert_eq!(
        std::error::Error::source(&err).map(ToString::to_string),
        Some(r#"resource "jobs" declares no verbs"#.to_owned())
    );
}

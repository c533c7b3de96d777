//! The built-in OpsConductor policy, request by request: every role, every
//! declared action, on the subject's own object, someone else's, and an
//! object without owner; and the real-world cases of `web.json` that the
//! policy enforces.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::ErrorKind;
use opsguard_rbac::{ADMIN_ROLE, Decision, DenyReason, Policy, Resource, Subject};
use opsguard_tests::{case, case_ids};
use serde_json::Value;

/// How the seed's rules grant an action to the `user` role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserGrant {
    /// On every object.
    Any,
    /// On the user's own objects only.
    Own,
    /// Not at all.
    None,
}

/// Every action the built-in policy declares, and what `user` gets.
const USER_TABLE: &[(&str, UserGrant)] = &[
    ("profile:read", UserGrant::Any),
    ("jobs:create", UserGrant::Own),
    ("jobs:read", UserGrant::Own),
    ("jobs:update", UserGrant::Own),
    ("jobs:delete", UserGrant::Own),
    ("targets:create", UserGrant::Own),
    ("targets:read", UserGrant::Own),
    ("targets:update", UserGrant::Own),
    ("targets:delete", UserGrant::Own),
    ("credentials:create", UserGrant::Own),
    ("credentials:read", UserGrant::Own),
    ("credentials:update", UserGrant::None),
    ("credentials:delete", UserGrant::Own),
    ("credentials:reveal", UserGrant::Own),
    ("users:create", UserGrant::None),
    ("users:read", UserGrant::None),
    ("users:update", UserGrant::None),
    ("users:delete", UserGrant::None),
];

const SUBJECT_ID: i64 = 1;
const OTHER_ID: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ownership {
    Own,
    Other,
    Unowned,
}

fn resource(kind: &str, ownership: Ownership) -> Resource<'_> {
    match ownership {
        Ownership::Own => Resource::owned(kind, 7, SUBJECT_ID),
        Ownership::Other => Resource::owned(kind, 8, OTHER_ID),
        Ownership::Unowned => Resource::new(kind).with_id(9),
    }
}

fn kind(action: &str) -> &str {
    action.split_once(':').unwrap().0
}

#[test]
fn opsconductor_policy_loads() {
    let policy = Policy::from_toml(Policy::OPSCONDUCTOR_TOML).unwrap();
    assert_eq!(policy, Policy::opsconductor());
    assert!(policy.roles().eq(["admin", "user"]));
}

#[test]
fn the_table_lists_every_declared_action() {
    let policy = Policy::opsconductor();
    let mut declared: Vec<&str> = policy.actions().collect();
    let mut table: Vec<&str> = USER_TABLE.iter().map(|(a, _)| *a).collect();
    declared.sort_unstable();
    table.sort_unstable();
    assert_eq!(declared, table);
}

#[test]
fn every_role_action_and_ownership_gives_the_seeds_answer() {
    let policy = Policy::opsconductor();
    let ownerships = [Ownership::Own, Ownership::Other, Ownership::Unowned];
    let mut checked = 0;
    for &(action, user_grant) in USER_TABLE {
        for ownership in ownerships {
            let res = resource(kind(action), ownership);

            // admin: everything, whoever owns it.
            for roles in [&["admin"][..], &["user", "admin"], &["admin", "user"]] {
                let admin = Subject::new(SUBJECT_ID, roles.iter().copied());
                assert_eq!(
                    policy.authorize(&admin, action, &res),
                    Decision::Allow,
                    "{roles:?} {action} {ownership:?}"
                );
            }

            // user: per the table.
            let user = Subject::new(SUBJECT_ID, ["user"]);
            let expected = match (user_grant, ownership) {
                (UserGrant::Any, _) | (UserGrant::Own, Ownership::Own) => Decision::Allow,
                (UserGrant::Own, _) => Decision::Deny {
                    reason: DenyReason::NotOwner,
                },
                (UserGrant::None, _) => Decision::Deny {
                    reason: DenyReason::NotGranted,
                },
            };
            assert_eq!(
                policy.authorize(&user, action, &res),
                expected,
                "user {action} {ownership:?}"
            );
            assert_eq!(
                policy.require(&user, action, &res).is_ok(),
                expected.is_allowed()
            );

            // no role, or roles the policy does not know: nothing.
            for roles in [&[][..], &["Admin"], &["admin "], &["guest"], &["USER"]] {
                let nobody = Subject::new(SUBJECT_ID, roles.iter().copied());
                assert_eq!(
                    policy.authorize(&nobody, action, &res),
                    Decision::Deny {
                        reason: DenyReason::NotGranted
                    },
                    "{roles:?} {action} {ownership:?}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 18 * 3);
}

#[test]
fn user_deleting_another_users_job_is_denied() {
    let policy = Policy::opsconductor();
    let alice = Subject::new(1, ["user"]);
    let bobs_job = Resource::owned("jobs", 7, 2);
    assert_eq!(
        policy.authorize(&alice, "jobs:delete", &bobs_job),
        Decision::Deny {
            reason: DenyReason::NotOwner
        }
    );
    let err = opsguard_core::Error::from(
        policy
            .require(&alice, "jobs:delete", &bobs_job)
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert_eq!(
        err.to_wire().body,
        br#"{"error":{"type":"PermissionError","message":"permission denied"}}"#
    );
}

#[test]
fn user_deleting_own_job_is_allowed() {
    let policy = Policy::opsconductor();
    let alice = Subject::new(1, ["user"]);
    assert_eq!(
        policy.authorize(&alice, "jobs:delete", &Resource::owned("jobs", 7, 1)),
        Decision::Allow
    );
}

#[test]
fn admin_deleting_any_job_is_allowed() {
    let policy = Policy::opsconductor();
    let root = Subject::new(3, ["admin"]);
    for job in [
        Resource::owned("jobs", 7, 1),
        Resource::owned("jobs", 8, 2),
        Resource::owned("jobs", 9, 3),
        Resource::new("jobs").with_id(10),
    ] {
        assert_eq!(
            policy.authorize(&root, "jobs:delete", &job),
            Decision::Allow
        );
    }
    let explanation = policy.explain(&root, "jobs:delete", &Resource::owned("jobs", 8, 2));
    assert_eq!(
        explanation.to_string(),
        r#"allow: grant "*:*" of role "admin""#
    );
}

#[test]
fn only_admin_holds_the_admin_role() {
    let policy = Policy::opsconductor();
    assert!(policy.has_role(&Subject::new(3, ["admin"]), ADMIN_ROLE));
    assert!(policy.has_role(&Subject::new(3, ["user", "admin"]), ADMIN_ROLE));
    for roles in [&[][..], &["user"], &["Admin"], &["admin "], &["root"]] {
        let subject = Subject::new(1, roles.iter().copied());
        assert!(!policy.has_role(&subject, ADMIN_ROLE), "{roles:?}");
        assert_eq!(
            policy
                .require_role(&subject, ADMIN_ROLE)
                .unwrap_err()
                .reason(),
            DenyReason::MissingRole
        );
    }
}

#[test]
fn undeclared_actions_are_denied_even_to_admin() {
    let policy = Policy::opsconductor();
    let root = Subject::new(3, ["admin"]);
    for (action, kind, reason) in [
        ("jobs:run", "jobs", DenyReason::UnknownAction),
        ("reports:read", "reports", DenyReason::UnknownAction),
        ("jobs", "jobs", DenyReason::MalformedAction),
        ("jobs:*", "jobs", DenyReason::MalformedAction),
        ("*:*", "jobs", DenyReason::MalformedAction),
        ("jobs:read:own", "jobs", DenyReason::MalformedAction),
        ("Jobs:read", "Jobs", DenyReason::MalformedAction),
        ("", "", DenyReason::MalformedAction),
    ] {
        assert_eq!(
            policy.authorize(&root, action, &Resource::owned(kind, 1, 3)),
            Decision::Deny { reason },
            "{action:?}"
        );
    }
}

#[test]
fn an_action_on_another_kind_of_resource_is_denied_even_to_admin() {
    let policy = Policy::opsconductor();
    let root = Subject::new(3, ["admin"]);
    for kind in ["credentials", "job", "jobs:", "jobsx", "", "JOBS"] {
        assert_eq!(
            policy.authorize(&root, "jobs:delete", &Resource::owned(kind, 1, 3)),
            Decision::Deny {
                reason: DenyReason::KindMismatch
            },
            "{kind:?}"
        );
    }
}

#[test]
fn creating_for_someone_else_is_denied_to_users() {
    let policy = Policy::opsconductor();
    let alice = Subject::new(1, ["user"]);
    for kind in ["jobs", "targets", "credentials"] {
        let action = format!("{kind}:create");
        assert!(
            policy
                .authorize(&alice, &action, &Resource::of_subject(kind, &alice))
                .is_allowed()
        );
        assert_eq!(
            policy.authorize(&alice, &action, &Resource::new(kind).with_owner(2)),
            Decision::Deny {
                reason: DenyReason::NotOwner
            }
        );
        assert_eq!(
            policy.authorize(&alice, &action, &Resource::new(kind)),
            Decision::Deny {
                reason: DenyReason::NotOwner
            }
        );
    }
}

/// The check a handler of the reference service makes for one request line
/// of WEB-01 (`METHOD /api/<kind>[/<id>][?owner_id=N] [json body]`): the
/// verb from the method, and the resource built the way a handler that
/// trusts its input would build it: the stored row's owner for an object,
/// and for collections and creates the `owner_id` the request asks for.
/// The policy must refuse every one of them for alice.
fn web_01_check<'a>(line: &'a str, owner_of: impl Fn(&str, i64) -> i64) -> (String, Resource<'a>) {
    let (method, rest) = line.split_once(' ').unwrap();
    let (target, body) = rest.split_once(' ').unwrap_or((rest, ""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.trim_start_matches("/api/").split('/').collect();
    let kind = segments[0];
    let verb = match method {
        "GET" => "read",
        "POST" => "create",
        "PUT" | "PATCH" => "update",
        "DELETE" => "delete",
        other => panic!("unexpected method {other}"),
    };
    let requested_owner = query
        .strip_prefix("owner_id=")
        .map(|n| n.parse::<i64>().unwrap())
        .or_else(|| {
            (!body.is_empty())
                .then(|| serde_json::from_str::<Value>(body).unwrap()["owner_id"].as_i64())
                .flatten()
        });
    let resource = match segments.get(1) {
        Some(id) => {
            let id: i64 = id.parse().unwrap();
            Resource::owned(kind, id, owner_of(kind, id))
        }
        None => {
            let mut r = Resource::new(kind);
            if let Some(owner) = requested_owner {
                r = r.with_owner(owner);
            }
            r
        }
    };
    (format!("{kind}:{verb}"), resource)
}

#[test]
fn web_01_idor_ownership_enforced_on_per_object_routes() {
    let case = case("web.json", "WEB-01");
    let setup = &case["input"]["setup"];
    let person = |name: &str| {
        Subject::new(
            setup[name]["id"].as_i64().unwrap(),
            [setup[name]["role"].as_str().unwrap()],
        )
    };
    let (alice, bob, root) = (person("alice"), person("bob"), person("root"));
    const BOB_CRED_ID: i64 = 42;
    // The stored rows: bob's credential, and each user owning their own row.
    let owner_of = |kind: &str, id: i64| match (kind, id) {
        ("credentials", BOB_CRED_ID) => bob.id(),
        ("users", id) => id,
        other => panic!("no stored row {other:?}"),
    };
    let policy = Policy::opsconductor();
    let lines = |who: &str| -> Vec<String> {
        case["input"][who]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                l.as_str()
                    .unwrap()
                    .replace("{bob_cred_id}", &BOB_CRED_ID.to_string())
            })
            .collect()
    };

    let as_alice = lines("as_alice");
    assert_eq!(as_alice.len(), 6);
    for line in &as_alice {
        let (action, resource) = web_01_check(line, owner_of);
        let decision = policy.authorize(&alice, &action, &resource);
        assert!(
            matches!(
                decision.deny_reason(),
                Some(DenyReason::NotOwner | DenyReason::NotGranted)
            ),
            "alice: {line} -> {action} on {resource:?}: {decision}"
        );
        let err =
            opsguard_core::Error::from(policy.require(&alice, &action, &resource).unwrap_err());
        assert_eq!(err.to_wire().status, 403);
        assert_eq!(err.message(), "permission denied");
    }

    // The handler that ignores the body's owner_id creates alice's own
    // object, which she may; and lists only her own rows, which she may.
    assert!(
        policy
            .authorize(
                &alice,
                "credentials:create",
                &Resource::of_subject("credentials", &alice)
            )
            .is_allowed()
    );
    assert!(
        policy
            .authorize(
                &alice,
                "credentials:read",
                &Resource::of_subject("credentials", &alice)
            )
            .is_allowed()
    );

    let as_root = lines("as_root");
    assert_eq!(as_root.len(), 1);
    for line in &as_root {
        let (action, resource) = web_01_check(line, owner_of);
        assert_eq!(
            policy.authorize(&root, &action, &resource),
            Decision::Allow,
            "root: {line}"
        );
    }
}

/// The whole kind of fault: no grant of `user` reaches an object of
/// someone else, whatever the action, except reading the profile (whose
/// route has no id: it is always the caller's).
#[test]
fn web_01_no_user_grant_reaches_another_users_object() {
    let policy = Policy::opsconductor();
    let alice = Subject::new(1, ["user"]);
    for action in policy.actions() {
        let bobs = Resource::owned(kind(action), 8, 2);
        let allowed = policy.authorize(&alice, action, &bobs).is_allowed();
        assert_eq!(allowed, action == "profile:read", "{action}");
    }
}

/// WEB-03, the part the policy decides: a role claim is matched exactly,
/// so no other spelling of `admin` from the case is an admin, and a
/// non-admin is refused `users:update` whatever the body says.
#[test]
fn web_03_only_the_exact_role_name_is_admin() {
    let case = case("web.json", "WEB-03");
    let bodies = case["input"]["admin_token_PATCH_/api/users/2"]
        .as_array()
        .unwrap();
    let spellings: Vec<&str> = bodies
        .iter()
        .filter_map(|body| body["role"].as_str())
        .collect();
    assert_eq!(spellings, ["Admin", "admin "]);
    let policy = Policy::opsconductor();
    let user_2 = Resource::owned("users", 2, 2);
    for role in spellings {
        let subject = Subject::new(1, [role]);
        assert!(!policy.has_role(&subject, ADMIN_ROLE), "{role:?}");
        assert_eq!(
            policy.authorize(&subject, "users:update", &user_2),
            Decision::Deny {
                reason: DenyReason::NotGranted
            },
            "{role:?}"
        );
    }
    assert!(case["input"]["repeat_as_non_admin"].as_bool().unwrap());
    let user = Subject::new(1, ["user"]);
    assert!(
        !policy
            .authorize(&user, "users:update", &user_2)
            .is_allowed()
    );
    let admin = Subject::new(1, ["admin"]);
    assert!(
        policy
            .authorize(&admin, "users:update", &user_2)
            .is_allowed()
    );
}

/// The cases of `web.json` this crate decides at the policy level; the
/// others (header parsing, login timing) and the HTTP half of these belong
/// to the adapters and the reference service.
#[test]
fn the_web_cases_decided_here_exist() {
    let ids = case_ids("web.json");
    for id in ["WEB-01", "WEB-03"] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from web.json");
    }
}

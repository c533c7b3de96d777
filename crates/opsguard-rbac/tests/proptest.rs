//! Random policies and requests: `authorize` equals a straightforward
//! evaluation of the policy as written; documents round-trip; arbitrary
//! input never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use opsguard_rbac::{Decision, Policy, PolicyDocument, Resource, Subject};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

const RESOURCES: &[&str] = &["jobs", "targets", "users"];
const VERBS: &[&str] = &["read", "write", "delete"];
const SCOPES: &[Option<&str>] = &[None, Some("any"), Some("own"), Some("group")];

/// A policy as a test writes it down, with no knowledge of the compiled form.
#[derive(Debug, Clone)]
struct Spec {
    resources: Vec<(String, Vec<String>)>,
    /// name, inherits, grants (as written).
    roles: Vec<(String, Vec<String>, Vec<String>)>,
}

impl Spec {
    fn to_toml(&self) -> String {
        let mut out = String::from("[resources]\n");
        for (name, verbs) in &self.resources {
            out += &format!("{name} = {verbs:?}\n");
        }
        out += "\n[roles]\n";
        for (name, inherits, grants) in &self.roles {
            out += &format!("{name} = {{ inherits = {inherits:?}, grants = {grants:?} }}\n");
        }
        out
    }

    /// The reference decision: read the spec directly.
    fn allows(&self, subject: &Subject, action: &str, resource: &Resource<'_>) -> bool {
        let Some((res, verb)) = action.split_once(':') else {
            return false;
        };
        let declared = self
            .resources
            .iter()
            .any(|(r, verbs)| r == res && verbs.iter().any(|v| v == verb));
        if !declared || resource.kind() != res {
            return false;
        }
        subject.roles().any(|role| {
            self.reachable(role).iter().any(|name| {
                let (_, _, grants) = self.roles.iter().find(|(n, _, _)| n == name).unwrap();
                grants
                    .iter()
                    .any(|grant| grant_allows(grant, res, verb, subject, resource))
            })
        })
    }

    /// `role` and every role it inherits from, by plain recursion.
    fn reachable(&self, role: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        self.visit(role, &mut seen);
        seen
    }

    fn visit(&self, role: &str, seen: &mut BTreeSet<String>) {
        if let Some((name, inherits, _)) = self.roles.iter().find(|(n, _, _)| n == role)
            && seen.insert(name.clone())
        {
            for parent in inherits {
                self.visit(parent, seen);
            }
        }
    }
}

fn grant_allows(
    grant: &str,
    res: &str,
    verb: &str,
    subject: &Subject,
    resource: &Resource<'_>,
) -> bool {
    let parts: Vec<&str> = grant.split(':').collect();
    let scope = parts.get(2).copied().unwrap_or("any");
    let covers = (parts[0] == "*" && parts[1] == "*")
        || (parts[0] == res && (parts[1] == "*" || parts[1] == verb));
    covers
        && match scope {
            "any" => true,
            "own" => resource.owner() == Some(subject.id()),
            "group" => resource
                .group()
                .is_some_and(|g| subject.groups().contains(&g)),
            other => panic!("generated scope {other}"),
        }
}

fn spec() -> impl Strategy<Value = Spec> {
    let resources = subsequence(RESOURCES.to_vec(), 1..=RESOURCES.len()).prop_flat_map(|names| {
        names
            .into_iter()
            .map(|name| {
                subsequence(VERBS.to_vec(), 1..=VERBS.len())
                    .prop_shuffle()
                    .prop_map(move |verbs| {
                        (
                            name.to_owned(),
                            verbs.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                        )
                    })
            })
            .collect::<Vec<_>>()
    });
    (resources, 1usize..=5).prop_flat_map(|(resources, role_count)| {
        let grant = {
            let resources = resources.clone();
            (
                0..=resources.len(),
                any::<prop::sample::Index>(),
                select(SCOPES),
            )
                .prop_map(move |(r, verb_index, scope)| {
                    let (res, verb) = match resources.get(r) {
                        None => ("*".to_owned(), "*".to_owned()),
                        Some((name, verbs)) => {
                            // One in (verbs + 1) is the resource wildcard.
                            let i = verb_index.index(verbs.len() + 1);
                            (
                                name.clone(),
                                verbs.get(i).cloned().unwrap_or_else(|| "*".into()),
                            )
                        }
                    };
                    match scope {
                        None => format!("{res}:{verb}"),
                        Some(scope) => format!("{res}:{verb}:{scope}"),
                    }
                })
        };
        let roles: Vec<_> = (0..role_count)
            .map(|i| {
                (
                    subsequence((0..i).collect::<Vec<_>>(), 0..=i),
                    prop::collection::vec(grant.clone(), 0..4),
                )
                    .prop_map(move |(parents, grants)| {
                        // Drop grants equal after normalisation: duplicates
                        // are a load error, tested elsewhere.
                        let mut seen = BTreeSet::new();
                        let grants: Vec<String> = grants
                            .into_iter()
                            .filter(|g| seen.insert(g.trim_end_matches(":any").to_owned()))
                            .collect();
                        let inherits = parents.into_iter().map(|p| format!("r{p}")).collect();
                        (format!("r{i}"), inherits, grants)
                    })
            })
            .collect();
        (Just(resources), roles).prop_map(|(resources, roles)| Spec { resources, roles })
    })
}

/// A request: subject (id, role names, groups), action, resource fields.
#[derive(Debug, Clone)]
struct Request {
    id: i64,
    roles: Vec<String>,
    groups: Vec<i64>,
    action: String,
    kind: String,
    owner: Option<i64>,
    group: Option<i64>,
}

fn request() -> impl Strategy<Value = Request> {
    let role = prop_oneof![
        (0usize..6).prop_map(|i| format!("r{i}")),
        Just("R0".to_owned()),
        Just(String::new()),
    ];
    let name = prop_oneof![
        select(RESOURCES).prop_map(str::to_owned),
        Just("reports".to_owned()),
        Just("*".to_owned()),
    ];
    let verb = prop_oneof![
        select(VERBS).prop_map(str::to_owned),
        Just("run".to_owned()),
        Just("*".to_owned()),
        Just("read:own".to_owned()),
    ];
    let action = prop_oneof![
        8 => (name.clone(), verb).prop_map(|(r, v)| format!("{r}:{v}")),
        1 => ".{0,12}",
    ];
    (
        0i64..4,
        prop::collection::vec(role, 0..3),
        prop::collection::vec(0i64..4, 0..3),
        action,
        prop_oneof![Just(None), name.prop_map(Some)],
        prop::option::of(0i64..4),
        prop::option::of(0i64..4),
    )
        .prop_map(|(id, roles, groups, action, kind, owner, group)| {
            // Usually the action's own kind, sometimes another.
            let kind = kind.unwrap_or_else(|| action.split(':').next().unwrap_or("").to_owned());
            Request {
                id,
                roles,
                groups,
                action,
                kind,
                owner,
                group,
            }
        })
}

fn build(request: &Request) -> (Subject, Resource<'_>) {
    let subject = Subject::new(request.id, request.roles.iter().cloned())
        .with_groups(request.groups.iter().copied());
    let mut resource = Resource::new(&request.kind).with_id(1);
    if let Some(owner) = request.owner {
        resource = resource.with_owner(owner);
    }
    if let Some(group) = request.group {
        resource = resource.with_group(group);
    }
    (subject, resource)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn authorize_equals_the_reference_evaluation(
        spec in spec(),
        requests in prop::collection::vec(request(), 1..24),
    ) {
        let policy = Policy::from_toml(&spec.to_toml())
            .unwrap_or_else(|e| panic!("{e}\n{}", spec.to_toml()));
        for request in &requests {
            let (subject, resource) = build(request);
            let expected = spec.allows(&subject, &request.action, &resource);
            let decision = policy.authorize(&subject, &request.action, &resource);
            prop_assert_eq!(decision.is_allowed(), expected, "{:?}\n{}", request, spec.to_toml());
            prop_assert_eq!(
                policy.require(&subject, &request.action, &resource).is_ok(),
                expected
            );

            let explanation = policy.explain(&subject, &request.action, &resource);
            prop_assert_eq!(explanation.decision(), decision);
            prop_assert_eq!(explanation.rule().is_some(), expected);
            if let Some(rule) = explanation.rule() {
                // The rule named really allows: check it against the spec.
                let (res, verb) = request.action.split_once(':').unwrap();
                prop_assert!(grant_allows(rule.grant(), res, verb, &subject, &resource));
                prop_assert!(spec.reachable(rule.role()).contains(rule.declared_in()));
            }
            if let Decision::Deny { .. } = decision {
                for rule in explanation.considered() {
                    let (res, verb) = request.action.split_once(':').unwrap();
                    prop_assert!(!grant_allows(rule.grant(), res, verb, &subject, &resource));
                }
            }

            for role in ["r0", "r1", "r2", "r3", "r4", "ghost"] {
                let expected = spec.roles.iter().any(|(n, _, _)| n == role)
                    && subject.roles().any(|held| spec.reachable(held).contains(role));
                prop_assert_eq!(policy.has_role(&subject, role), expected);
            }
        }
    }

    #[test]
    fn documents_round_trip_through_toml_and_json(spec in spec()) {
        let policy = Policy::from_toml(&spec.to_toml()).unwrap();
        let text = toml::to_string(&policy.to_document()).unwrap();
        prop_assert_eq!(&Policy::from_toml(&text).unwrap(), &policy);
        let json = serde_json::to_string(&policy.to_document()).unwrap();
        let document: PolicyDocument = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&document, &policy.to_document());
        prop_assert_eq!(Policy::from_document(document).unwrap(), policy);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Policy::from_toml(&text);
    }

    #[test]
    fn policy_like_text_never_panics(
        parts in prop::collection::vec(
            select(&[
                "[resources]\n", "[roles]\n", "[roles.a]\n", "[roles.b]\n", "jobs = [\"read\", \"run\"]\n",
                "x = []\n", "grants = [\"jobs:read\", \"*:*\", \"jobs:*:own\", \"jobs:run:group\"]\n",
                "grants = [\"*:read\", \"jobs:read:x\", \"jobs\"]\n", "inherits = [\"a\"]\n",
                "inherits = [\"b\"]\n", "inherits = [\"c\"]\n", "a = {}\n", "\"\" = {}\n", "=", "\"", "[", "\n",
            ][..]),
            0..16,
        ),
    ) {
        let text: String = parts.concat();
        if let Ok(policy) = Policy::from_toml(&text) {
            let again = Policy::from_toml(&toml::to_string(&policy.to_document()).unwrap()).unwrap();
            prop_assert_eq!(again, policy);
        }
    }

    #[test]
    fn arbitrary_requests_never_panic_and_are_denied_unless_declared(
        id in any::<i64>(),
        roles in prop::collection::vec(".{0,8}", 0..3),
        action in ".{0,24}",
        kind in ".{0,12}",
    ) {
        let policy = Policy::opsconductor();
        let subject = Subject::new(id, roles);
        let resource = Resource::new(&kind).with_owner(id);
        let decision = policy.authorize(&subject, &action, &resource);
        if decision.is_allowed() {
            prop_assert!(policy.actions().any(|a| a == action));
        }
        prop_assert_eq!(policy.explain(&subject, &action, &resource).decision(), decision);
    }
}

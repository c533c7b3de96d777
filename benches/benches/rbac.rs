//! `Policy::authorize` on the built-in OpsConductor policy, against a
//! hand-written `match` of the same rules (the floor) and against
//! `cedar-policy` evaluating the equivalent Cedar policy. Every engine gets
//! its inputs pre-built (subject, resource; Cedar's request and entities), so
//! only the decision is timed. The setup checks that the three agree on
//! every request before timing anything.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityUid, PolicySet,
    Request, RestrictedExpression,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use opsguard_rbac::{Policy, Resource, Subject};

/// The built-in policy in Cedar. `admin` is unconstrained on the action, as
/// `*:*` is on the declared ones (every request below uses a declared one).
const CEDAR_POLICY: &str = r#"
permit(principal in Role::"admin", action, resource);
permit(principal in Role::"user", action == Action::"profile:read", resource);
permit(
    principal in Role::"user",
    action in [
        Action::"jobs:create", Action::"jobs:read", Action::"jobs:update", Action::"jobs:delete",
        Action::"targets:create", Action::"targets:read", Action::"targets:update", Action::"targets:delete",
        Action::"credentials:create", Action::"credentials:read", Action::"credentials:delete",
        Action::"credentials:reveal"
    ],
    resource
) when { resource has owner && resource.owner == principal };
"#;

/// The built-in policy as a hand-written `match`: what a service would write
/// without a policy engine.
fn hand_written(subject: &Subject, action: &str, resource: &Resource<'_>) -> bool {
    let on_kind = action
        .strip_prefix(resource.kind())
        .is_some_and(|rest| rest.starts_with(':'));
    if !on_kind {
        return false;
    }
    let own = resource.owner() == Some(subject.id());
    subject.roles().any(|role| match role {
        "admin" => matches!(
            action,
            "profile:read"
                | "jobs:create"
                | "jobs:read"
                | "jobs:update"
                | "jobs:delete"
                | "targets:create"
                | "targets:read"
                | "targets:update"
                | "targets:delete"
                | "credentials:create"
                | "credentials:read"
                | "credentials:update"
                | "credentials:delete"
                | "credentials:reveal"
                | "users:create"
                | "users:read"
                | "users:update"
                | "users:delete"
        ),
        "user" => match action {
            "profile:read" => true,
            "jobs:create" | "jobs:read" | "jobs:update" | "jobs:delete" | "targets:create"
            | "targets:read" | "targets:update" | "targets:delete" | "credentials:create"
            | "credentials:read" | "credentials:delete" | "credentials:reveal" => own,
            _ => false,
        },
        _ => false,
    })
}

struct Case {
    name: &'static str,
    subject: Subject,
    action: &'static str,
    resource: Resource<'static>,
    expected: bool,
}

fn cases() -> Vec<Case> {
    let alice = Subject::new(1, ["user"]);
    let root = Subject::new(3, ["admin"]);
    vec![
        Case {
            name: "user_deletes_own_job",
            subject: alice.clone(),
            action: "jobs:delete",
            resource: Resource::owned("jobs", 7, 1),
            expected: true,
        },
        Case {
            name: "user_deletes_others_job",
            subject: alice.clone(),
            action: "jobs:delete",
            resource: Resource::owned("jobs", 8, 2),
            expected: false,
        },
        Case {
            name: "user_reveals_own_credential",
            subject: alice.clone(),
            action: "credentials:reveal",
            resource: Resource::owned("credentials", 5, 1),
            expected: true,
        },
        Case {
            name: "user_deletes_user",
            subject: alice,
            action: "users:delete",
            resource: Resource::owned("users", 2, 2),
            expected: false,
        },
        Case {
            name: "admin_deletes_any_job",
            subject: root,
            action: "jobs:delete",
            resource: Resource::owned("jobs", 8, 2),
            expected: true,
        },
    ]
}

fn cedar_type(kind: &str) -> &'static str {
    match kind {
        "jobs" => "Job",
        "credentials" => "Credential",
        "users" => "User",
        other => panic!("no Cedar type for {other}"),
    }
}

fn uid(text: &str) -> EntityUid {
    EntityUid::from_str(text).unwrap()
}

/// Cedar's request and entity store for `case`.
fn cedar_inputs(case: &Case) -> (Request, Entities) {
    let principal = uid(&format!("User::\"{}\"", case.subject.id()));
    let roles: HashSet<EntityUid> = case
        .subject
        .roles()
        .map(|r| uid(&format!("Role::\"{r}\"")))
        .collect();
    let resource_type = cedar_type(case.resource.kind());
    let resource = uid(&format!(
        "{resource_type}::\"{}\"",
        case.resource.id().unwrap()
    ));
    let mut attrs = HashMap::new();
    if let Some(owner) = case.resource.owner() {
        attrs.insert(
            "owner".to_owned(),
            RestrictedExpression::new_entity_uid(uid(&format!("User::\"{owner}\""))),
        );
    }
    let mut entities = vec![
        Entity::new_no_attrs(principal.clone(), roles.clone()),
        Entity::new(resource.clone(), attrs, HashSet::new()).unwrap(),
    ];
    entities.extend(
        roles
            .into_iter()
            .map(|r| Entity::new_no_attrs(r, HashSet::new())),
    );
    let entities = Entities::from_entities(
        entities
            .into_iter()
            .fold(HashMap::new(), |mut by_uid, e| {
                by_uid.entry(e.uid()).or_insert(e);
                by_uid
            })
            .into_values(),
        None,
    )
    .unwrap();
    let action = uid(&format!("Action::\"{}\"", case.action));
    let request = Request::new(principal, action, resource, Context::empty(), None).unwrap();
    (request, entities)
}

fn authorize(c: &mut Criterion) {
    let policy = Policy::opsconductor();
    let cedar_policies = PolicySet::from_str(CEDAR_POLICY).unwrap();
    let authorizer = Authorizer::new();
    let mut group = c.benchmark_group("rbac_authorize");
    group.throughput(Throughput::Elements(1));
    for case in cases() {
        let (request, entities) = cedar_inputs(&case);
        let opsguard = policy
            .authorize(&case.subject, case.action, &case.resource)
            .is_allowed();
        let matched = hand_written(&case.subject, case.action, &case.resource);
        let cedar = authorizer
            .is_authorized(&request, &cedar_policies, &entities)
            .decision()
            == CedarDecision::Allow;
        assert_eq!(
            (opsguard, matched, cedar),
            (case.expected, case.expected, case.expected),
            "engines disagree on {}",
            case.name
        );

        group.bench_with_input(BenchmarkId::new("opsguard", case.name), &case, |b, case| {
            b.iter(|| {
                policy.authorize(
                    black_box(&case.subject),
                    black_box(case.action),
                    black_box(&case.resource),
                )
            });
        });
        group.bench_with_input(BenchmarkId::new("match", case.name), &case, |b, case| {
            b.iter(|| {
                hand_written(
                    black_box(&case.subject),
                    black_box(case.action),
                    black_box(&case.resource),
                )
            });
        });
        group.bench_with_input(
            BenchmarkId::new("cedar", case.name),
            &(request, entities),
            |b, (request, entities)| {
                b.iter(|| {
                    authorizer.is_authorized(
                        black_box(request),
                        black_box(&cedar_policies),
                        black_box(entities),
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, authorize);
criterion_main!(benches);

//! The compiled policy and the authorization check.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::document::{Entries, RoleDocument};
use crate::error::ParseError;
use crate::grant::{self, ANY, GROUP, Grant, OWN, Part, SyntaxError, Target};
use crate::lookup::NameTable;
use crate::{Decision, Denied, DenyReason, PolicyDocument, PolicyError, Resource, Subject, name};

/// At most this many resources.
pub(crate) const MAX_RESOURCES: usize = 1024;
/// At most this many actions (verbs of all resources together).
pub(crate) const MAX_ACTIONS: usize = 4096;
/// At most this many roles.
pub(crate) const MAX_ROLES: usize = 4096;
/// At most this many `inherits` entries, all roles together: enough for
/// 1024 roles that each inherit every other one before them (523,776).
pub(crate) const MAX_INHERITS: usize = 1 << 19;

/// A checked, compiled authorization policy.
///
/// A policy declares resources and their verbs (each `resource:verb` is an
/// action) and roles that grant actions in a [`Scope`](crate::Scope), and
/// may inherit other roles' grants. Everything not granted is denied.
///
/// Loading ([`from_toml`](Self::from_toml),
/// [`from_document`](Self::from_document)) checks every name and refuses
/// unknown roles, resources, verbs and scopes, inheritance cycles and
/// duplicates with a precise [`PolicyError`]. It then flattens inheritance
/// and wildcards into one table of scope bits per (role, action), so
/// [`authorize`](Self::authorize) looks up the action and each role by
/// length then bytes, reads one byte per role, allocates nothing, and
/// answers in tens of nanoseconds. Limits: 1024 resources, 4096 actions,
/// 4096 roles, and 524,288 `inherits` entries over all roles. Within them,
/// loading takes time about proportional to the size of the document, plus
/// one pass over the actions for each parent not already inherited through
/// another parent.
///
/// `Policy` is immutable, `Send` and `Sync`: share it in an `Arc`, or in a
/// [`SharedPolicy`](crate::SharedPolicy) to replace it at runtime.
///
/// ```
/// use opsguard_rbac::{Decision, DenyReason, Policy, Resource, Subject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let policy = Policy::from_toml(
///     r#"
///     [resources]
///     jobs = ["read", "delete"]
///
///     [roles.user]
///     grants = ["jobs:read:own", "jobs:delete:own"]
///
///     [roles.auditor]
///     inherits = ["user"]
///     grants = ["jobs:read"]
///     "#,
/// )?;
/// let carol = Subject::new(5, ["auditor"]);
/// let bobs_job = Resource::owned("jobs", 7, 2);
/// assert_eq!(policy.authorize(&carol, "jobs:read", &bobs_job), Decision::Allow);
/// assert_eq!(
///     policy.authorize(&carol, "jobs:delete", &bobs_job),
///     Decision::Deny { reason: DenyReason::NotOwner }
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Policy {
    /// Sorted by name.
    pub(crate) resources: Box<[ResourceDecl]>,
    /// By action index: resource by resource, verbs in declared order.
    pub(crate) actions: Box<[ActionDecl]>,
    /// `resource:verb` to action index.
    pub(crate) action_table: NameTable,
    /// Sorted by name.
    pub(crate) roles: Box<[RoleDecl]>,
    /// Role name to index into `roles`.
    pub(crate) role_table: NameTable,
    /// `scopes[role * actions.len() + action]`: the scope bits the role
    /// grants for the action, inheritance and wildcards included.
    pub(crate) scopes: Box<[u8]>,
    /// One bit set per role: `includes[role * words + other / 64]` has bit
    /// `other % 64` when `role` is `other` or inherits from it, directly or
    /// not (`words` is `roles.len().div_ceil(64)`).
    pub(crate) includes: Box<[u64]>,
    /// Every role, each before all roles it inherits from: the order in
    /// which [`explain`](Self::explain) walks a role's grants.
    pub(crate) explain_order: Box<[u32]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceDecl {
    pub(crate) name: Box<str>,
    pub(crate) verbs: Box<[Box<str>]>,
    /// The action index of the first verb; the others follow.
    pub(crate) first_action: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionDecl {
    pub(crate) name: Box<str>,
    pub(crate) resource: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleDecl {
    pub(crate) name: Box<str>,
    /// Direct parents, as written.
    pub(crate) inherits: Box<[u32]>,
    /// Own grants, as written.
    pub(crate) grants: Box<[Grant]>,
}

impl Policy {
    /// The text of the built-in OpsConductor policy,
    /// `policies/opsconductor.toml` in this crate: the file
    /// [`Policy::opsconductor`] compiles.
    pub const OPSCONDUCTOR_TOML: &'static str = include_str!("../policies/opsconductor.toml");

    /// The OpsConductor policy: `admin` may do everything; `user` reads the
    /// profile and manages their own jobs, targets and credentials; only
    /// `admin` manages users. See [`Policy::OPSCONDUCTOR_TOML`] for the
    /// rules themselves.
    ///
    /// ```
    /// use opsguard_rbac::{Policy, Resource, Subject};
    ///
    /// let policy = Policy::opsconductor();
    /// let alice = Subject::new(1, ["user"]);
    /// let root = Subject::new(3, ["admin"]);
    /// let bobs_job = Resource::owned("jobs", 7, 2);
    /// assert!(!policy.authorize(&alice, "jobs:delete", &bobs_job).is_allowed());
    /// assert!(policy.authorize(&root, "jobs:delete", &bobs_job).is_allowed());
    /// ```
    ///
    /// # Panics
    ///
    /// Never: the embedded file is compiled by this crate's tests.
    #[must_use]
    pub fn opsconductor() -> Self {
        // PANIC SAFETY: the policy is a constant compiled into the crate and
        // loaded by the tests `opsconductor_policy_loads` and every built-in
        // table test; it cannot fail at runtime.
        #[expect(clippy::expect_used, reason = "a constant input checked by tests")]
        Self::from_toml(Self::OPSCONDUCTOR_TOML).expect("the built-in policy loads")
    }

    /// Read and compile a TOML policy file.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Parse`] when `text` is not a policy document (with the
    /// line and column), otherwise the errors of
    /// [`from_document`](Self::from_document).
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let document: PolicyDocument = toml::from_str(text)
            .map_err(|err| PolicyError::Parse(ParseError::from_toml(&err, text)))?;
        Self::from_document(document)
    }

    /// Check and compile a policy document read from any serde format.
    ///
    /// Names are checked in alphabetical order of resources, then of roles
    /// (each role's grants, then its `inherits`), then inheritance cycles,
    /// so the first problem reported does not depend on the format's key
    /// order.
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`PolicyError`]: an invalid or
    /// duplicate name, a resource without verbs, a malformed grant, an
    /// unknown resource, verb, scope or inherited role, a wildcard other
    /// than `resource:*` and `*:*`, an inheritance cycle, or a policy over
    /// the size limits.
    ///
    /// Loading time is bounded by the size limits; see [`Policy`].
    pub fn from_document(document: PolicyDocument) -> Result<Self, PolicyError> {
        let PolicyDocument {
            resources: Entries(mut resources),
            roles: Entries(mut roles),
        } = document;
        if resources.len() > MAX_RESOURCES {
            return Err(too_large("resources", MAX_RESOURCES));
        }
        if roles.len() > MAX_ROLES {
            return Err(too_large("roles", MAX_ROLES));
        }
        if roles
            .iter()
            .map(|(_, role)| role.inherits.len())
            .sum::<usize>()
            > MAX_INHERITS
        {
            return Err(too_large("inherits entries", MAX_INHERITS));
        }
        // Stable sorts keep duplicates next to each other, in input order.
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        roles.sort_by(|a, b| a.0.cmp(&b.0));

        let (resources, actions) = compile_resources(resources)?;
        let action_table = NameTable::new(
            actions
                .iter()
                .zip(0u32..)
                .map(|(action, index)| (action.name.clone(), index)),
        );

        let names = check_role_names(&roles)?;
        let by_name: HashMap<&str, u32> = names.iter().copied().zip(0u32..).collect();
        let mut decls = Vec::with_capacity(roles.len());
        // `named_by[parent]`: the last role whose `inherits` named `parent`.
        let mut named_by = vec![usize::MAX; names.len()];
        for (index, (name, role)) in roles.iter().enumerate() {
            let grants = compile_grants(name, &role.grants, &resources)?;
            let inherits = resolve_inherits(index, name, &role.inherits, &by_name, &mut named_by)?;
            decls.push((grants, inherits));
        }
        let parents: Vec<&[u32]> = decls.iter().map(|(_, p)| p.as_slice()).collect();
        let order = topological_order(&parents).map_err(|cycle| PolicyError::InheritanceCycle {
            cycle: cycle
                .iter()
                .filter_map(|&i| names.get(i).map(|n| (*n).to_owned()))
                .collect(),
        })?;
        drop(parents);
        let Flat { scopes, includes } = flatten(&decls, &order, &resources, actions.len());
        let explain_order = order.iter().rev().map(|&role| index_u32(role)).collect();
        let role_table = NameTable::new(names.iter().zip(0u32..).map(|(n, i)| ((*n).into(), i)));
        let roles = names
            .iter()
            .zip(decls)
            .map(|(name, (grants, inherits))| RoleDecl {
                name: (*name).into(),
                inherits: inherits.into(),
                grants: grants.into(),
            })
            .collect();
        Ok(Self {
            resources: resources.into(),
            actions: actions.into(),
            action_table,
            roles,
            role_table,
            scopes: scopes.into(),
            includes: includes.into(),
            explain_order,
        })
    }

    /// The policy as a document, for serialising with any serde format.
    ///
    /// Resources and roles come out in alphabetical order, verbs, grants and
    /// `inherits` in the order written, grants in canonical form (`:any` is
    /// left out); loading the document again gives an equal policy.
    #[must_use]
    pub fn to_document(&self) -> PolicyDocument {
        let resources = self
            .resources
            .iter()
            .map(|r| {
                (
                    r.name.to_string(),
                    r.verbs.iter().map(ToString::to_string).collect(),
                )
            })
            .collect();
        let roles = self
            .roles
            .iter()
            .map(|role| {
                let inherits = role
                    .inherits
                    .iter()
                    .filter_map(|&i| self.role_name(i).map(str::to_owned))
                    .collect();
                let grants = role.grants.iter().map(|g| g.text.to_string()).collect();
                (role.name.to_string(), RoleDocument { inherits, grants })
            })
            .collect();
        PolicyDocument {
            resources: Entries(resources),
            roles: Entries(roles),
        }
    }

    /// Whether `subject` may perform `action` (`resource:verb`) on
    /// `resource`.
    ///
    /// Allowed when the action is declared, its resource part equals
    /// `resource.kind()`, and one of the subject's roles (or a role it
    /// inherits) grants it in a scope the resource meets: `any`; `own` when
    /// the resource's owner is the subject; `group` when the resource's group
    /// is one of the subject's groups. Everything else is denied, with a
    /// [`DenyReason`] for logs.
    pub fn authorize(&self, subject: &Subject, action: &str, resource: &Resource<'_>) -> Decision {
        let Some(index) = self.action_index(action) else {
            return deny(undeclared_action_reason(action));
        };
        if !is_action_on(action, resource.kind()) {
            return deny(DenyReason::KindMismatch);
        }
        let mut mask = 0;
        for role in subject.roles() {
            if let Some(role) = self.role_index(role) {
                mask |= self.scope_bits(role, index);
                if mask & ANY != 0 {
                    return Decision::Allow;
                }
            }
        }
        decide(mask, subject, resource)
    }

    /// [`authorize`](Self::authorize) as a `Result`, for `?`.
    ///
    /// # Errors
    ///
    /// [`Denied`] with the reason when the request is not allowed. It
    /// converts into the generic `403` [`opsguard_core::Error`].
    pub fn require(
        &self,
        subject: &Subject,
        action: &str,
        resource: &Resource<'_>,
    ) -> Result<(), Denied> {
        match self.authorize(subject, action, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny { reason } => Err(Denied::new(reason)),
        }
    }

    /// Whether one of the subject's roles is `role` or inherits from it.
    ///
    /// This is the check behind route guards such as an adapter's
    /// `RequireAdmin` (with [`ADMIN_ROLE`](crate::ADMIN_ROLE)): it follows
    /// the policy's inheritance, so a `superadmin` role that inherits
    /// `admin` passes too. A `role` the policy does not declare is held by
    /// nobody.
    #[must_use]
    pub fn has_role(&self, subject: &Subject, role: &str) -> bool {
        let Some(wanted) = self.role_index(role) else {
            return false;
        };
        subject.roles().any(|held| {
            self.role_index(held)
                .is_some_and(|held| self.role_includes(held, wanted))
        })
    }

    /// [`has_role`](Self::has_role) as a `Result`, for `?`.
    ///
    /// ```
    /// use opsguard_rbac::{ADMIN_ROLE, DenyReason, Policy, Subject};
    ///
    /// let policy = Policy::opsconductor();
    /// assert!(policy.require_role(&Subject::new(3, ["admin"]), ADMIN_ROLE).is_ok());
    /// let denied = policy.require_role(&Subject::new(1, ["user"]), ADMIN_ROLE).err();
    /// assert_eq!(denied.map(|d| d.reason()), Some(DenyReason::MissingRole));
    /// ```
    ///
    /// # Errors
    ///
    /// [`Denied`] with [`DenyReason::MissingRole`].
    pub fn require_role(&self, subject: &Subject, role: &str) -> Result<(), Denied> {
        if self.has_role(subject, role) {
            Ok(())
        } else {
            Err(Denied::new(DenyReason::MissingRole))
        }
    }

    /// Every declared action (`resource:verb`), resources in alphabetical
    /// order, verbs in the order declared.
    #[must_use]
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        self.actions.iter().map(|a| &*a.name)
    }

    /// Every declared role, in alphabetical order.
    #[must_use]
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        self.roles.iter().map(|r| &*r.name)
    }

    #[inline]
    pub(crate) fn action_index(&self, action: &str) -> Option<usize> {
        self.action_table.get(action)
    }

    #[inline]
    pub(crate) fn role_index(&self, role: &str) -> Option<usize> {
        self.role_table.get(role)
    }

    /// Whether `role` is `other` or inherits from it, directly or not.
    #[inline]
    pub(crate) fn role_includes(&self, role: usize, other: usize) -> bool {
        let words = self.roles.len().div_ceil(64);
        self.includes
            .get(role * words..(role + 1) * words)
            .is_some_and(|set| has_bit(set, other))
    }

    fn role_name(&self, index: u32) -> Option<&str> {
        self.roles.get(index as usize).map(|r| &*r.name)
    }

    #[inline]
    fn scope_bits(&self, role: usize, action: usize) -> u8 {
        self.scopes
            .get(role * self.actions.len() + action)
            .copied()
            .unwrap_or(0)
    }
}

impl FromStr for Policy {
    type Err = PolicyError;

    /// [`Policy::from_toml`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_toml(text)
    }
}

impl TryFrom<PolicyDocument> for Policy {
    type Error = PolicyError;

    /// [`Policy::from_document`].
    fn try_from(document: PolicyDocument) -> Result<Self, Self::Error> {
        Self::from_document(document)
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("actions", &self.actions().collect::<Vec<_>>())
            .field("roles", &self.roles().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

const fn deny(reason: DenyReason) -> Decision {
    Decision::Deny { reason }
}

/// The decision for a request whose action the subject's roles grant with
/// the scope bits `mask` (which does not contain [`ANY`]).
#[inline]
pub(crate) fn decide(mask: u8, subject: &Subject, resource: &Resource<'_>) -> Decision {
    let own = mask & OWN != 0;
    let group = mask & GROUP != 0;
    if mask & ANY != 0
        || own && resource.owner() == Some(subject.id())
        || group && resource.group().is_some_and(|g| subject.is_in_group(g))
    {
        return Decision::Allow;
    }
    deny(match (own, group) {
        (false, false) => DenyReason::NotGranted,
        (true, false) => DenyReason::NotOwner,
        (false, true) => DenyReason::NotInGroup,
        (true, true) => DenyReason::NotOwnerNorInGroup,
    })
}

/// Whether the declared `action` is an action on resources of `kind`.
#[inline]
pub(crate) fn is_action_on(action: &str, kind: &str) -> bool {
    action
        .strip_prefix(kind)
        .is_some_and(|rest| rest.starts_with(':'))
}

/// Why an action absent from the policy is refused.
pub(crate) fn undeclared_action_reason(action: &str) -> DenyReason {
    match action.split_once(':') {
        Some((resource, verb)) if name::is_valid(resource) && name::is_valid(verb) => {
            DenyReason::UnknownAction
        }
        _ => DenyReason::MalformedAction,
    }
}

fn too_large(what: &'static str, limit: usize) -> PolicyError {
    PolicyError::TooLarge { what, limit }
}

fn invalid_name(what: &'static str, name: &str) -> PolicyError {
    PolicyError::InvalidName {
        what,
        name: name.to_owned(),
    }
}

/// Check the (sorted) resources and number their actions.
fn compile_resources(
    resources: Vec<(String, Vec<String>)>,
) -> Result<(Vec<ResourceDecl>, Vec<ActionDecl>), PolicyError> {
    let mut decls = Vec::with_capacity(resources.len());
    let mut actions = Vec::new();
    let mut previous: Option<String> = None;
    for ((name, verbs), index) in resources.into_iter().zip(0u32..) {
        if !name::is_valid(&name) {
            return Err(invalid_name("resource", &name));
        }
        if previous.as_ref() == Some(&name) {
            return Err(PolicyError::DuplicateResource { resource: name });
        }
        if verbs.is_empty() {
            return Err(PolicyError::EmptyResource { resource: name });
        }
        let mut seen = HashSet::with_capacity(verbs.len());
        for verb in &verbs {
            if !name::is_valid(verb) {
                return Err(invalid_name("verb", verb));
            }
            if !seen.insert(verb.as_str()) {
                return Err(PolicyError::DuplicateVerb {
                    resource: name,
                    verb: verb.clone(),
                });
            }
        }
        if actions.len() + verbs.len() > MAX_ACTIONS {
            return Err(too_large("actions", MAX_ACTIONS));
        }
        let first_action =
            u32::try_from(actions.len()).map_err(|_| too_large("actions", MAX_ACTIONS))?;
        actions.extend(verbs.iter().map(|verb| ActionDecl {
            name: format!("{name}:{verb}").into(),
            resource: index,
        }));
        decls.push(ResourceDecl {
            name: name.as_str().into(),
            verbs: verbs.into_iter().map(String::into_boxed_str).collect(),
            first_action,
        });
        previous = Some(name);
    }
    Ok((decls, actions))
}

/// Check the (sorted) role names; return them as a sorted slice of `&str`.
fn check_role_names(roles: &[(String, RoleDocument)]) -> Result<Vec<&str>, PolicyError> {
    let mut names: Vec<&str> = Vec::with_capacity(roles.len());
    for (name, _) in roles {
        if !name::is_valid(name) {
            return Err(invalid_name("role", name));
        }
        if names.last() == Some(&name.as_str()) {
            return Err(PolicyError::DuplicateRole { role: name.clone() });
        }
        names.push(name);
    }
    Ok(names)
}

/// Parse and resolve the grants of `role`.
fn compile_grants(
    role: &str,
    grants: &[String],
    resources: &[ResourceDecl],
) -> Result<Vec<Grant>, PolicyError> {
    let mut compiled = Vec::with_capacity(grants.len());
    let mut seen = HashSet::with_capacity(grants.len());
    for text in grants {
        let err_role = || role.to_owned();
        let err_grant = || text.clone();
        let syntax = grant::parse(text).map_err(|err| match err {
            SyntaxError::InvalidWildcard => PolicyError::InvalidWildcard {
                role: err_role(),
                grant: err_grant(),
            },
            SyntaxError::Malformed => PolicyError::MalformedGrant {
                role: err_role(),
                grant: err_grant(),
            },
            SyntaxError::UnknownScope(scope) => PolicyError::UnknownScope {
                role: err_role(),
                grant: err_grant(),
                scope: scope.to_owned(),
            },
        })?;
        let target = match (syntax.resource, syntax.verb) {
            (Part::Name(resource_name), verb) => {
                let Some((index, resource)) = resources
                    .binary_search_by(|r| (*r.name).cmp(resource_name))
                    .ok()
                    .and_then(|at| resources.get(at).map(|r| (at, r)))
                else {
                    return Err(PolicyError::UnknownResource {
                        role: err_role(),
                        grant: err_grant(),
                        resource: resource_name.to_owned(),
                    });
                };
                match verb {
                    Part::Wildcard => Target::Resource(index_u32(index)),
                    Part::Name(verb_name) => {
                        let Some(position) = resource.verbs.iter().position(|v| **v == *verb_name)
                        else {
                            return Err(PolicyError::UnknownVerb {
                                role: err_role(),
                                grant: err_grant(),
                                resource: resource_name.to_owned(),
                                verb: verb_name.to_owned(),
                            });
                        };
                        Target::Action(resource.first_action + index_u32(position))
                    }
                }
            }
            (Part::Wildcard, _) => Target::Everything,
        };
        if !seen.insert((target, syntax.scope)) {
            return Err(PolicyError::DuplicateGrant {
                role: err_role(),
                grant: err_grant(),
            });
        }
        compiled.push(Grant {
            text: grant::canonical(&syntax).into(),
            target,
            scope: syntax.scope,
        });
    }
    Ok(compiled)
}

/// An index into a table the size limits keep under `u32::MAX`.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// Resolve the parents of role `index` (named `role`) with the index of
/// each role name. `named_by` is shared by all roles, resolved in increasing
/// index order, so that a duplicate parent is found in constant time.
fn resolve_inherits(
    index: usize,
    role: &str,
    inherits: &[String],
    names: &HashMap<&str, u32>,
    named_by: &mut [usize],
) -> Result<Vec<u32>, PolicyError> {
    let mut parents = Vec::with_capacity(inherits.len());
    for parent in inherits {
        let Some(&found) = names.get(parent.as_str()) else {
            return Err(PolicyError::UnknownRole {
                role: role.to_owned(),
                inherits: parent.clone(),
            });
        };
        let Some(named) = named_by.get_mut(found as usize) else {
            continue;
        };
        if *named == index {
            return Err(PolicyError::DuplicateInherit {
                role: role.to_owned(),
                inherits: parent.clone(),
            });
        }
        *named = index;
        parents.push(found);
    }
    Ok(parents)
}

/// The roles ordered so that every role comes after all roles it inherits
/// from, or the first inheritance cycle found (role indices, the first
/// repeated at the end, starting at the lowest index of the loop).
///
/// Iterative depth-first search, so a long inheritance chain cannot overflow
/// the stack.
fn topological_order(parents: &[&[u32]]) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; parents.len()];
    let mut order = Vec::with_capacity(parents.len());
    // (role, how many of its parents have been visited)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..parents.len() {
        if marks.get(root) != Some(&Mark::New) {
            continue;
        }
        stack.push((root, 0));
        if let Some(mark) = marks.get_mut(root) {
            *mark = Mark::Open;
        }
        while let Some((role, next)) = stack.last_mut() {
            let role = *role;
            let parent = parents
                .get(role)
                .and_then(|p| p.get(*next))
                .map(|&p| p as usize);
            *next += 1;
            match parent {
                None => {
                    stack.pop();
                    if let Some(mark) = marks.get_mut(role) {
                        *mark = Mark::Done;
                    }
                    order.push(role);
                }
                Some(parent) => match marks.get(parent) {
                    Some(Mark::New) => {
                        if let Some(mark) = marks.get_mut(parent) {
                            *mark = Mark::Open;
                        }
                        stack.push((parent, 0));
                    }
                    Some(Mark::Open) => {
                        let start = stack.iter().position(|&(r, _)| r == parent).unwrap_or(0);
                        let mut cycle: Vec<usize> =
                            stack.iter().skip(start).map(|&(r, _)| r).collect();
                        let lowest = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|&(_, &r)| r)
                            .map_or(0, |(at, _)| at);
                        cycle.rotate_left(lowest);
                        if let Some(&first) = cycle.first() {
                            cycle.push(first);
                        }
                        return Err(cycle);
                    }
                    Some(Mark::Done) | None => {}
                },
            }
        }
    }
    Ok(order)
}

/// What loading flattens inheritance into.
struct Flat {
    /// [`Policy::scopes`].
    scopes: Vec<u8>,
    /// [`Policy::includes`].
    includes: Vec<u64>,
}

/// The scope bits of every (role, action), inheritance and wildcards
/// flattened, and the roles each role includes. `order` lists every role
/// after the roles it inherits from.
///
/// Each role starts from its own grants and takes over the finished rows of
/// its parents, latest in `order` first: a parent that an earlier-taken one
/// already inherits is skipped, so a role that names all its ancestors costs
/// no more than one that names only the nearest.
fn flatten(
    decls: &[(Vec<Grant>, Vec<u32>)],
    order: &[usize],
    resources: &[ResourceDecl],
    actions: usize,
) -> Flat {
    let words = decls.len().div_ceil(64);
    let mut scopes = vec![0u8; decls.len() * actions];
    let mut includes = vec![0u64; decls.len() * words];
    let mut position = vec![0usize; decls.len()];
    for (at, &role) in order.iter().enumerate() {
        if let Some(p) = position.get_mut(role) {
            *p = at;
        }
    }
    let mut row = vec![0u8; actions];
    let mut set = vec![0u64; words];
    let mut parents_by_position: Vec<u32> = Vec::new();
    for &role in order {
        let Some((grants, parents)) = decls.get(role) else {
            continue;
        };
        row.fill(0);
        set.fill(0);
        for grant in grants {
            let range = match grant.target {
                Target::Everything => 0..actions,
                Target::Resource(r) => resources.get(r as usize).map_or(0..0, |r| {
                    let first = r.first_action as usize;
                    first..first + r.verbs.len()
                }),
                Target::Action(a) => a as usize..a as usize + 1,
            };
            for bits in row.get_mut(range).unwrap_or_default() {
                *bits |= grant.scope.bit();
            }
        }
        set_bit(&mut set, role);
        parents_by_position.clear();
        parents_by_position.extend_from_slice(parents);
        parents_by_position.sort_unstable_by_key(|&p| {
            std::cmp::Reverse(position.get(p as usize).copied().unwrap_or(0))
        });
        for &parent in &parents_by_position {
            let parent = parent as usize;
            if has_bit(&set, parent) {
                continue;
            }
            let start = parent * words;
            if let Some(inherited) = includes.get(start..start + words) {
                for (word, inherited) in set.iter_mut().zip(inherited) {
                    *word |= inherited;
                }
            }
            let start = parent * actions;
            if let Some(inherited) = scopes.get(start..start + actions) {
                for (bits, inherited) in row.iter_mut().zip(inherited) {
                    *bits |= inherited;
                }
            }
        }
        let start = role * actions;
        if let Some(slot) = scopes.get_mut(start..start + actions) {
            slot.copy_from_slice(&row);
        }
        let start = role * words;
        if let Some(slot) = includes.get_mut(start..start + words) {
            slot.copy_from_slice(&set);
        }
    }
    Flat { scopes, includes }
}

fn set_bit(set: &mut [u64], bit: usize) {
    if let Some(word) = set.get_mut(bit / 64) {
        *word |= 1 << (bit % 64);
    }
}

fn has_bit(set: &[u64], bit: usize) -> bool {
    set.get(bit / 64)
        .is_some_and(|word| word >> (bit % 64) & 1 == 1)
}

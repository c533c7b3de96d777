//! Why a request was allowed or denied, for audit logs and tests.

use std::collections::HashSet;
use std::fmt;

use crate::grant::{Grant, Target};
use crate::policy::{decide, is_action_on, undeclared_action_reason};
use crate::{Decision, DenyReason, Policy, Resource, Scope, Subject};

/// At most this many grants are listed in [`Explanation::considered`]; the
/// rest are only counted.
pub(crate) const MAX_CONSIDERED: usize = 32;

/// The reasoning behind a [`Decision`], from [`Policy::explain`].
///
/// Its `Display` is one line for an audit log:
///
/// * `allow: grant "jobs:delete:own" of role "user"`
/// * `allow: grant "jobs:read" of role "viewer", inherited by role "auditor"`
/// * `deny: the action is granted only on the subject's own resources;
///   considered grant "jobs:delete:own" of role "user"`
/// * `deny: no role of the subject grants the action; roles not in the
///   policy: "Admin"`
///
/// A deny lists at most 32 considered grants, then says how many more there
/// were (`…, and 11968 more`), so a policy with long inheritance chains
/// cannot turn one audit record into megabytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    decision: Decision,
    rule: Option<Rule>,
    considered: Vec<Rule>,
    considered_omitted: usize,
    unknown_roles: Vec<String>,
}

impl Explanation {
    /// The decision, always equal to what
    /// [`Policy::authorize`] answers for the same request.
    pub const fn decision(&self) -> Decision {
        self.decision
    }

    /// The first grant that allowed the request (`None` when denied).
    #[must_use]
    pub const fn rule(&self) -> Option<&Rule> {
        self.rule.as_ref()
    }

    /// When denied: the grants of the subject's roles that cover the
    /// action but whose scope the resource did not meet, the first 32 of
    /// them (see [`considered_omitted`](Self::considered_omitted)). Empty
    /// when allowed.
    ///
    /// They come role by role in the order the subject holds its roles (each
    /// role once), each role's own grants first and a role's grants always
    /// before those of the roles it inherits from; within one role, in the
    /// order written.
    #[must_use]
    pub fn considered(&self) -> &[Rule] {
        &self.considered
    }

    /// How many more grants were considered than
    /// [`considered`](Self::considered) lists (0 unless it lists 32).
    #[must_use]
    pub const fn considered_omitted(&self) -> usize {
        self.considered_omitted
    }

    /// The subject's roles that the policy does not declare (they grant
    /// nothing).
    #[must_use]
    pub fn unknown_roles(&self) -> &[String] {
        &self.unknown_roles
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.decision, &self.rule) {
            (Decision::Allow, Some(rule)) => write!(f, "allow: {rule}")?,
            (decision, _) => {
                write!(f, "{decision}")?;
                for (i, rule) in self.considered.iter().enumerate() {
                    f.write_str(if i == 0 { "; considered " } else { ", " })?;
                    write!(f, "{rule}")?;
                }
                if self.considered_omitted > 0 {
                    write!(f, ", and {} more", self.considered_omitted)?;
                }
            }
        }
        for (i, role) in self.unknown_roles.iter().enumerate() {
            f.write_str(if i == 0 {
                "; roles not in the policy: "
            } else {
                ", "
            })?;
            write!(f, "{role:?}")?;
        }
        Ok(())
    }
}

/// One grant of a policy, as it applied to a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    role: String,
    declared_in: String,
    grant: String,
    scope: Scope,
}

impl Rule {
    /// The subject's role through which the grant applied.
    #[must_use]
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The role whose `grants` list the grant: [`role`](Self::role) itself,
    /// or a role it inherits from.
    #[must_use]
    pub fn declared_in(&self) -> &str {
        &self.declared_in
    }

    /// The grant in canonical form, such as `jobs:read:own` or `*:*`.
    #[must_use]
    pub fn grant(&self) -> &str {
        &self.grant
    }

    /// The grant's scope.
    #[must_use]
    pub const fn scope(&self) -> Scope {
        self.scope
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "grant {:?} of role {:?}", self.grant, self.declared_in)?;
        if self.declared_in != self.role {
            write!(f, ", inherited by role {:?}", self.role)?;
        }
        Ok(())
    }
}

impl Policy {
    /// [`authorize`](Self::authorize), with the grant that allowed the
    /// request or the grants that did not apply, for audit logs and tests.
    ///
    /// Slower than `authorize` (it walks the grants as written and
    /// allocates); call it where the explanation is recorded, not on every
    /// request. Its work grows with the number of roles and of grants the
    /// subject's roles include, not faster; it allocates for at most 32
    /// considered grants.
    ///
    /// ```
    /// use opsguard_rbac::{Policy, Resource, Subject};
    ///
    /// let policy = Policy::opsconductor();
    /// let alice = Subject::new(1, ["user"]);
    /// let mine = policy.explain(&alice, "jobs:delete", &Resource::owned("jobs", 7, 1));
    /// assert_eq!(mine.to_string(), r#"allow: grant "jobs:delete:own" of role "user""#);
    /// let bobs = policy.explain(&alice, "jobs:delete", &Resource::owned("jobs", 8, 2));
    /// assert_eq!(
    ///     bobs.to_string(),
    ///     "deny: the action is granted only on the subject's own resources; \
    ///      considered grant \"jobs:delete:own\" of role \"user\""
    /// );
    /// ```
    #[must_use]
    pub fn explain(&self, subject: &Subject, action: &str, resource: &Resource<'_>) -> Explanation {
        let mut explanation = Explanation {
            decision: Decision::Allow,
            rule: None,
            considered: Vec::new(),
            considered_omitted: 0,
            unknown_roles: Vec::new(),
        };
        // Each held role once, so every (role, declared in, grant) below is
        // met once: the considered grants need no search for duplicates.
        let mut held: Vec<usize> = Vec::new();
        let mut seen = HashSet::new();
        for role in subject.roles() {
            match self.role_index(role) {
                Some(index) => {
                    if seen.insert(index) {
                        held.push(index);
                    }
                }
                None => explanation.unknown_roles.push(role.to_owned()),
            }
        }
        let Some(action_index) = self.action_index(action) else {
            explanation.decision = Decision::Deny {
                reason: undeclared_action_reason(action),
            };
            return explanation;
        };
        if !is_action_on(action, resource.kind()) {
            explanation.decision = Decision::Deny {
                reason: DenyReason::KindMismatch,
            };
            return explanation;
        }
        let mut mask = 0;
        for &role in &held {
            let Some(decl) = self.roles.get(role) else {
                continue;
            };
            for &declaring in &self.explain_order {
                let declaring = declaring as usize;
                if !self.role_includes(role, declaring) {
                    continue;
                }
                let Some(declaring) = self.roles.get(declaring) else {
                    continue;
                };
                for grant in declaring
                    .grants
                    .iter()
                    .filter(|g| self.covers(g, action_index))
                {
                    let allows = decide(grant.scope.bit(), subject, resource).is_allowed();
                    if !allows && explanation.considered.len() == MAX_CONSIDERED {
                        mask |= grant.scope.bit();
                        explanation.considered_omitted += 1;
                        continue;
                    }
                    let rule = Rule {
                        role: decl.name.to_string(),
                        declared_in: declaring.name.to_string(),
                        grant: grant.text.to_string(),
                        scope: grant.scope,
                    };
                    if allows {
                        explanation.rule = Some(rule);
                        explanation.considered.clear();
                        explanation.considered_omitted = 0;
                        return explanation;
                    }
                    mask |= grant.scope.bit();
                    explanation.considered.push(rule);
                }
            }
        }
        explanation.decision = decide(mask, subject, resource);
        explanation
    }

    fn covers(&self, grant: &Grant, action: usize) -> bool {
        match grant.target {
            Target::Everything => true,
            Target::Resource(resource) => self
                .actions
                .get(action)
                .is_some_and(|a| a.resource == resource),
            Target::Action(index) => index as usize == action,
        }
    }
}

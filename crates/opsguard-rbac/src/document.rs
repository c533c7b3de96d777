//! The policy as written: the serde form of a policy file.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A policy as written, before it is checked and compiled.
///
/// This is the serde form of a policy file, so a policy can come from any
/// serde format; [`Policy::from_toml`](crate::Policy::from_toml) reads TOML
/// directly. Unknown keys are refused. A document becomes a
/// [`Policy`](crate::Policy) through
/// [`Policy::from_document`](crate::Policy::from_document), which checks
/// every name, and back through
/// [`Policy::to_document`](crate::Policy::to_document).
///
/// ```toml
/// [resources]            # every resource and its verbs
/// jobs = ["create", "read", "update", "delete"]
///
/// [roles.user]           # a role: what it grants, whom it inherits from
/// grants = ["jobs:create:own", "jobs:read:own"]
///
/// [roles.auditor]
/// inherits = ["user"]
/// grants = ["jobs:read"]
/// ```
///
/// ```
/// use opsguard_rbac::{Policy, PolicyDocument};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let json = r#"{"resources": {"jobs": ["read"]}, "roles": {"user": {"grants": ["jobs:read:own"]}}}"#;
/// let document: PolicyDocument = serde_json::from_str(json)?;
/// let policy = Policy::from_document(document)?;
/// assert!(policy.actions().eq(["jobs:read"]));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    pub(crate) resources: Entries<Vec<String>>,
    pub(crate) roles: Entries<RoleDocument>,
}

/// One role as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleDocument {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) inherits: Vec<String>,
    #[serde(default)]
    pub(crate) grants: Vec<String>,
}

/// A map read into a list of pairs, in the order the format gives them,
/// duplicate keys included, so that a duplicate is reported by the policy
/// check rather than silently overwritten (as `serde_json` does for maps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entries<V>(pub(crate) Vec<(String, V)>);

impl<V: Serialize> Serialize for Entries<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

struct EntriesVisitor<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
    type Value = Entries<V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // No capacity from the size hint: it comes from the input.
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Entries(entries))
    }
}

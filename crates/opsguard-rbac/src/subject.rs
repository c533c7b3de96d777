//! Who is asking: a user id, the roles of their token, their groups.

use crate::InvalidSubjectId;

/// The authenticated caller of a request.
///
/// * `id` is the user's id, an `i64` as in the reference service's tables.
///   Integers make the ownership test exact and cheap: one comparison, with
///   no question of case, Unicode normalisation, whitespace or leading zeros
///   that string ids would raise. A token's string `sub` claim becomes an id
///   through [`Subject::from_sub`], which accepts only the canonical decimal
///   spelling.
/// * `roles` are role names as the token carries them. They are matched
///   byte for byte against the policy's names (which are lowercase), so
///   `"Admin"` or `"admin "` is not `admin`; a role the policy does not know
///   grants nothing.
/// * `groups` are the ids of the groups the user belongs to, for grants with
///   the `group` scope. Empty unless set with [`Subject::with_groups`].
///
/// ```
/// use opsguard_rbac::Subject;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let alice = Subject::from_sub("1", ["user"])?.with_groups([10]);
/// assert_eq!(alice.id(), 1);
/// assert!(alice.roles().eq(["user"]));
/// assert!(alice.is_in_group(10));
/// assert!(Subject::from_sub("01", ["user"]).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    id: i64,
    roles: Vec<String>,
    groups: Vec<i64>,
}

impl Subject {
    /// The user `id` holding `roles`.
    pub fn new<I, R>(id: i64, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        Self {
            id,
            roles: roles.into_iter().map(Into::into).collect(),
            groups: Vec::new(),
        }
    }

    /// The user named by a token's `sub` claim, holding `roles`.
    ///
    /// # Errors
    ///
    /// [`InvalidSubjectId`] unless `sub` is an `i64` in canonical decimal:
    /// an optional `-`, then digits without leading zeros (`"0"` itself is
    /// fine, `"-0"` is not).
    pub fn from_sub<I, R>(sub: &str, roles: I) -> Result<Self, InvalidSubjectId>
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        Ok(Self::new(parse_id(sub)?, roles))
    }

    /// The same subject, member of `groups`.
    #[must_use]
    pub fn with_groups(mut self, groups: impl IntoIterator<Item = i64>) -> Self {
        self.groups = groups.into_iter().collect();
        self
    }

    /// The user id.
    #[must_use]
    pub const fn id(&self) -> i64 {
        self.id
    }

    /// The role names, as given.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        self.roles.iter().map(String::as_str)
    }

    /// The group ids, as given.
    #[must_use]
    pub fn groups(&self) -> &[i64] {
        &self.groups
    }

    /// Whether the subject is a member of group `group`.
    #[must_use]
    pub fn is_in_group(&self, group: i64) -> bool {
        self.groups.contains(&group)
    }
}

/// `sub` as an `i64`, if it is written in canonical decimal.
fn parse_id(sub: &str) -> Result<i64, InvalidSubjectId> {
    let digits = sub.strip_prefix('-').unwrap_or(sub);
    let canonical = match digits.as_bytes() {
        [] => false,
        [b'0'] => digits.len() == sub.len(),
        [first, rest @ ..] => (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return Err(InvalidSubjectId);
    }
    sub.parse().map_err(|_| InvalidSubjectId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_parse() {
        for (text, id) in [
            ("0", 0),
            ("1", 1),
            ("42", 42),
            ("-7", -7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(parse_id(text), Ok(id), "{text:?}");
        }
    }

    #[test]
    fn other_spellings_are_refused() {
        for text in [
            "",
            "-",
            "-0",
            "00",
            "01",
            "+1",
            " 1",
            "1 ",
            "1.0",
            "1e3",
            "0x1",
            "١",
            "9223372036854775808",
            "-9223372036854775809",
            "--1",
            "alice",
        ] {
            assert_eq!(parse_id(text), Err(InvalidSubjectId), "{text:?}");
        }
    }
}

//! One permission a role grants: `resource:verb[:scope]`.

use std::fmt;

/// Where a grant applies.
///
/// Written as the third part of a grant: `jobs:read:own`. A grant without a
/// scope (`jobs:read`) has scope `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// Every resource of the kind.
    Any,
    /// Resources whose group is one of the subject's groups.
    Group,
    /// Resources whose owner is the subject.
    Own,
}

impl Scope {
    /// The name used in policy files: `any`, `group` or `own`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Group => "group",
            Self::Own => "own",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "any" => Some(Self::Any),
            "group" => Some(Self::Group),
            "own" => Some(Self::Own),
            _ => None,
        }
    }

    /// This scope's bit in a compiled scope mask.
    pub(crate) const fn bit(self) -> u8 {
        match self {
            Self::Any => ANY,
            Self::Group => GROUP,
            Self::Own => OWN,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Mask bit: granted in scope `any`.
pub(crate) const ANY: u8 = 1;
/// Mask bit: granted in scope `own`.
pub(crate) const OWN: u8 = 2;
/// Mask bit: granted in scope `group`.
pub(crate) const GROUP: u8 = 4;

/// The resource or verb part of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// `*`.
    Wildcard,
    /// A name, not yet checked against the declarations.
    Name(&'a str),
}

/// A grant split into its parts, before its names are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax<'a> {
    pub(crate) resource: Part<'a>,
    pub(crate) verb: Part<'a>,
    pub(crate) scope: Scope,
}

/// Why a grant's text is not a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyntaxError<'a> {
    /// `*:verb`.
    InvalidWildcard,
    /// Not two or three `:`-separated non-empty parts.
    Malformed,
    /// The third part is not a scope.
    UnknownScope(&'a str),
}

/// Split `text` into `resource:verb[:scope]`.
pub(crate) fn parse(text: &str) -> Result<Syntax<'_>, SyntaxError<'_>> {
    let mut parts = text.split(':');
    let (Some(resource), Some(verb)) = (parts.next(), parts.next()) else {
        return Err(SyntaxError::Malformed);
    };
    let scope = parts.next();
    if parts.next().is_some()
        || resource.is_empty()
        || verb.is_empty()
        || scope.is_some_and(str::is_empty)
    {
        return Err(SyntaxError::Malformed);
    }
    let scope = match scope {
        None => Scope::Any,
        Some(name) => Scope::from_name(name).ok_or(SyntaxError::UnknownScope(name))?,
    };
    let resource = part(resource);
    let verb = part(verb);
    if resource == Part::Wildcard && verb != Part::Wildcard {
        return Err(SyntaxError::InvalidWildcard);
    }
    Ok(Syntax {
        resource,
        verb,
        scope,
    })
}

fn part(text: &str) -> Part<'_> {
    if text == "*" {
        Part::Wildcard
    } else {
        Part::Name(text)
    }
}

/// What a compiled grant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// `*:*`.
    Everything,
    /// `resource:*`: every verb of the resource with this index.
    Resource(u32),
    /// `resource:verb`: the action with this index.
    Action(u32),
}

/// A grant as compiled: its canonical text, target and scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Grant {
    /// `resource:verb`, with `:scope` unless the scope is `any`.
    pub(crate) text: Box<str>,
    pub(crate) target: Target,
    pub(crate) scope: Scope,
}

/// The canonical text of a grant: the scope is written unless it is `any`.
pub(crate) fn canonical(syntax: &Syntax<'_>) -> String {
    fn name<'a>(part: Part<'a>) -> &'a str {
        match part {
            Part::Wildcard => "*",
            Part::Name(name) => name,
        }
    }
    let (resource, verb) = (name(syntax.resource), name(syntax.verb));
    match syntax.scope {
        Scope::Any => format!("{resource}:{verb}"),
        scope => format!("{resource}:{verb}:{scope}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_split_into_parts() {
        assert_eq!(
            parse("jobs:read:own"),
            Ok(Syntax {
                resource: Part::Name("jobs"),
                verb: Part::Name("read"),
                scope: Scope::Own
            })
        );
        assert_eq!(
            parse("jobs:*"),
            Ok(Syntax {
                resource: Part::Name("jobs"),
                verb: Part::Wildcard,
                scope: Scope::Any
            })
        );
        assert_eq!(
            parse("*:*:group"),
            Ok(Syntax {
                resource: Part::Wildcard,
                verb: Part::Wildcard,
                scope: Scope::Group
            })
        );
    }

    #[test]
    fn bad_grants_are_refused() {
        for text in [
            "",
            "jobs",
            ":",
            "jobs:",
            ":read",
            "jobs::own",
            "a:b:own:x",
            "*",
            "jobs:read:",
        ] {
            assert_eq!(parse(text), Err(SyntaxError::Malformed), "{text:?}");
        }
        assert_eq!(parse("*:read"), Err(SyntaxError::InvalidWildcard));
        assert_eq!(
            parse("jobs:read:Own"),
            Err(SyntaxError::UnknownScope("Own"))
        );
        assert_eq!(parse("jobs:read:*"), Err(SyntaxError::UnknownScope("*")));
    }

    #[test]
    fn canonical_text_omits_any() {
        for (text, canon) in [
            ("jobs:read:any", "jobs:read"),
            ("jobs:read", "jobs:read"),
            ("jobs:*:own", "jobs:*:own"),
            ("*:*", "*:*"),
        ] {
            assert_eq!(parse(text).map(|s| canonical(&s)), Ok(canon.to_owned()));
        }
    }
}

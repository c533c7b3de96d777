//! The spelling of resource, verb and role names.

/// The longest name a policy accepts, in bytes.
pub(crate) const MAX_NAME_LEN: usize = 64;

/// Whether `name` is 1 to [`MAX_NAME_LEN`] bytes of `a-z`, `0-9`, `_` and
/// `-`, starting with a letter.
///
/// One lowercase spelling per name means a role claim such as `"Admin"` or
/// `"admin "` can never match the role `admin`, and no name can contain the
/// `:` or `*` of the grant syntax.
pub(crate) fn is_valid(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() <= MAX_NAME_LEN
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_words() {
        for ok in ["a", "jobs", "ops-admin", "role_2", &"x".repeat(64)] {
            assert!(is_valid(ok), "{ok:?}");
        }
        for bad in [
            "",
            "Admin",
            "admin ",
            " admin",
            "2fa",
            "-x",
            "_x",
            "a:b",
            "a*",
            "*",
            "é",
            "a.b",
            "a\n",
            &"x".repeat(65),
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }
}

//! The shape rules every JSON document from outside (a token header, a
//! claim set, a JWKS) must meet before it is decoded into a typed struct.
//!
//! * It is one JSON object: serde's derived structs would also read an array
//!   of the fields in order, which neither a JOSE header nor a JWT claim set
//!   may be (RFC 7515 §4, RFC 7519 §7.2 step 10).
//! * No object in it, at any depth, names a member twice. RFC 7515 §4 and
//!   RFC 7519 §4 allow a parser to take the lexically last duplicate; two
//!   parsers that choose differently read two different tokens, so opsguard
//!   refuses them all (RFC 8725 §3.1 spirit). Typed decoding alone would not
//!   do: serde refuses duplicates only of the fields it declares, and
//!   silently keeps the last of a member it ignores or collects into a map.
//! * A member that is present must have its type: `null` is never "absent"
//!   ([`present`]).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Whether `json` is a single JSON object in which no object, at any depth,
/// names a member twice. Member names are compared after unescaping, so
/// `"alg"` and `"\u0061lg"` are the same name.
///
/// Nesting deeper than `serde_json`'s limit (128) and strings with lone
/// surrogates are refused as well.
pub(crate) fn is_object_without_duplicates(json: &[u8]) -> bool {
    json.trim_ascii_start().first() == Some(&b'{') && serde_json::from_slice::<Unique>(json).is_ok()
}

/// `deserialize_with` for an optional member: absent is `None` (with
/// `#[serde(default)]`), present must decode as `T`, so `null` or a value of
/// another type is an error rather than `None`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Any JSON value whose objects have unique member names.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value without duplicate member names")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        // Every JOSE header and claim set is checked, on every request: the
        // first names are compared in place, without allocating; past
        // `INLINE_NAMES` they are sorted.
        let mut inline: [Option<Name<'de>>; INLINE_NAMES] = [const { None }; INLINE_NAMES];
        let mut seen = 0;
        let mut spilled: Vec<Name<'de>> = Vec::new();
        while let Some(name) = map.next_key::<Name<'de>>()? {
            map.next_value::<Unique>()?;
            if seen < INLINE_NAMES {
                if inline_contains(&inline, &name) {
                    return Err(duplicate());
                }
                if let Some(slot) = inline.get_mut(seen) {
                    *slot = Some(name);
                }
                seen += 1;
            } else {
                spilled.push(name);
            }
        }
        if spilled.is_empty() {
            return Ok(Unique);
        }
        spilled.extend(inline.into_iter().flatten());
        spilled.sort_unstable();
        if spilled
            .windows(2)
            .any(|pair| matches!(pair, [a, b] if a == b))
        {
            return Err(duplicate());
        }
        Ok(Unique)
    }
}

/// How many member names of one object are compared without allocating.
const INLINE_NAMES: usize = 16;

/// Whether `name` is among the names already in `inline`.
fn inline_contains(inline: &[Option<Name<'_>>], name: &Name<'_>) -> bool {
    inline.iter().flatten().any(|seen| seen == name)
}

fn duplicate<E: de::Error>() -> E {
    E::custom("duplicate member name")
}

/// A member name, borrowed from the input when it has no escapes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }

        d.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects with more names than are compared in place: duplicates
    /// among the first names, among the later ones and across both.
    #[test]
    fn duplicates_are_found_past_the_inline_names() {
        let object = |names: &[String]| {
            let members: Vec<String> = names.iter().map(|n| format!("\"{n}\":1")).collect();
            format!("{{{}}}", members.join(","))
        };
        let unique: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
        assert!(is_object_without_duplicates(object(&unique).as_bytes()));
        for (first, second) in [
            (0, 5),
            (0, INLINE_NAMES),
            (3, 39),
            (INLINE_NAMES, 30),
            (20, 21),
        ] {
            let mut names = unique.clone();
            names[second] = names[first].clone();
            assert!(
                !is_object_without_duplicates(object(&names).as_bytes()),
                "{first} and {second}"
            );
        }
    }

    #[test]
    fn duplicates_are_found_at_any_depth_and_after_unescaping() {
        for ok in [
            r#"{}"#,
            r#" {"a":1,"b":[{"a":1},{"a":2}],"c":{"a":{"b":null}}}"#,
            r#"{"a":"x","A":"y"}"#,
        ] {
            assert!(is_object_without_duplicates(ok.as_bytes()), "{ok}");
        }
        for bad in [
            r#"{"a":1,"a":1}"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"alg":"HS256","\u0061lg":"none"}"#,
            r#"{"x":{"k":1,"k":2}}"#,
            r#"{"x":[1,{"k":1,"k":2}]}"#,
            r#"[{"a":1}]"#,
            r#""a""#,
            r#"{"a":1} {"b":2}"#,
            r#"{"a":"\ud800"}"#,
            "",
        ] {
            assert!(!is_object_without_duplicates(bad.as_bytes()), "{bad}");
        }
        let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(!is_object_without_duplicates(deep.as_bytes()));
    }

    #[test]
    fn many_members_are_checked_without_quadratic_cost() {
        let members: Vec<String> = (0..2000).map(|i| format!(r#""m{i}":{i}"#)).collect();
        let json = format!("{{{}}}", members.join(","));
        assert!(is_object_without_duplicates(json.as_bytes()));
        let json = format!(r#"{{{},"m1999":0}}"#, members.join(","));
        assert!(!is_object_without_duplicates(json.as_bytes()));
    }

    #[test]
    fn present_refuses_null_and_wrong_types() {
        #[derive(serde::Deserialize, Debug)]
        struct S {
            #[serde(default, deserialize_with = "present")]
            kid: Option<String>,
        }
        assert_eq!(serde_json::from_str::<S>("{}").unwrap().kid, None);
        assert_eq!(
            serde_json::from_str::<S>(r#"{"kid":"k"}"#).unwrap().kid,
            Some("k".to_owned())
        );
        assert!(serde_json::from_str::<S>(r#"{"kid":null}"#).is_err());
        assert!(serde_json::from_str::<S>(r#"{"kid":7}"#).is_err());
    }
}

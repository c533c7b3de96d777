//! The characters and normal forms the password policy works on.
//!
//! Unicode data comes from ICU4X (`icu_normalizer`, `icu_properties`, the
//! data `idna` already uses), not from hand-written tables. Only the policy
//! uses these forms: passwords are hashed as the exact bytes given.

use std::fmt;

use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};
use icu_properties::props::{
    DefaultIgnorableCodePoint, EmojiModifier, ExtendedPictographic, GeneralCategory,
};
use icu_properties::{CodePointMapData, CodePointSetData};
use zeroize::Zeroizing;

const ZWJ: char = '\u{200D}';
const EMOJI_PRESENTATION_SELECTOR: char = '\u{FE0F}';

/// A default-ignorable code point: drawn as nothing (zero-width space and
/// joiners, soft hyphen, bidi controls, variation selectors, Hangul
/// fillers, tags, …).
fn is_default_ignorable(c: char) -> bool {
    !c.is_ascii() && CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

fn category(c: char) -> GeneralCategory {
    CodePointMapData::<GeneralCategory>::new().get(c)
}

/// Whether `password` has a character nobody can type or see: a control
/// character (category Cc: NUL, tab, line feed, DEL, C1), U+2028/U+2029,
/// or a format character (category Cf: bidi overrides and isolates,
/// zero-width space and non-joiner, word joiner, soft hyphen, byte order
/// mark, tags). A zero-width joiner between two emoji (👩‍💻) is allowed:
/// that is how such emoji are typed.
pub(crate) fn has_control(password: &str) -> bool {
    let mut previous = None;
    let mut chars = password.chars().peekable();
    while let Some(c) = chars.next() {
        let refused = if c == ZWJ {
            !(previous.is_some_and(ends_emoji)
                && chars.peek().copied().is_some_and(is_pictographic))
        } else {
            c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}')
                || (!c.is_ascii() && category(c) == GeneralCategory::Format)
        };
        if refused {
            return true;
        }
        previous = Some(c);
    }
    false
}

fn is_pictographic(c: char) -> bool {
    !c.is_ascii() && CodePointSetData::new::<ExtendedPictographic>().contains(c)
}

/// An emoji, or what may follow one inside an emoji sequence.
fn ends_emoji(c: char) -> bool {
    c == EMOJI_PRESENTATION_SELECTOR
        || is_pictographic(c)
        || CodePointSetData::new::<EmojiModifier>().contains(c)
}

/// A `fmt::Write` sink that keeps the characters `keep` accepts.
struct Filter<'a, F> {
    out: &'a mut String,
    keep: F,
}

impl<F: Fn(char) -> bool> fmt::Write for Filter<'_, F> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.extend(s.chars().filter(|&c| (self.keep)(c)));
        Ok(())
    }
}

/// A zeroized buffer with room for `len` bytes of normalized text, reserved
/// up front so that growing it rarely leaves an unwiped copy behind (NFKC
/// and NFKD may grow text; a reallocation then is the rare case).
fn buffer(len: usize) -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(
        len.saturating_mul(3).saturating_add(16),
    ))
}

/// `password` in NFKC without default-ignorable code points: the form whose
/// characters are counted for `too_short`/`too_long` (NIST SP 800-63B
/// §5.1.1.2 suggests NFKC), and the one zxcvbn reads. A decomposed `é`
/// counts once, a zero-width joiner not at all, fullwidth `ｐａｓｓ` is
/// `pass`.
pub(crate) fn visible_nfkc(password: &str) -> Zeroizing<String> {
    let mut out = buffer(password.len());
    let mut sink = Filter {
        out: &mut out,
        keep: |c| !is_default_ignorable(c),
    };
    // Writing to a `String` cannot fail.
    let _ = ComposingNormalizerBorrowed::new_nfkc().normalize_to(password, &mut sink);
    out
}

/// The form in which the username and email are looked for in a password:
/// NFKD, then lower-, upper- and lowercased again (close to full case
/// folding: `ß` and `ẞ` match `ss`, `ı` and `İ` match `i`), then NFKD again without nonspacing marks (`é` matches `e`), format
/// characters or default-ignorable code points (a zero-width space inside a
/// name hides nothing). It only ever widens what matches.
pub(crate) fn fold(text: &str) -> Zeroizing<String> {
    let nfkd = DecomposingNormalizerBorrowed::new_nfkd();
    let mut decomposed = buffer(text.len());
    let _ = nfkd.normalize_to(text, &mut *decomposed);
    let mut cased = buffer(decomposed.len());
    for c in decomposed
        .chars()
        .flat_map(char::to_lowercase)
        .flat_map(char::to_uppercase)
    {
        cased.extend(c.to_lowercase());
    }
    let mut out = buffer(cased.len());
    let mut sink = Filter {
        out: &mut out,
        keep: |c: char| {
            c.is_ascii()
                || !(is_default_ignorable(c)
                    || matches!(
                        category(c),
                        GeneralCategory::NonspacingMark | GeneralCategory::Format
                    ))
        },
    };
    let _ = nfkd.normalize_to(&cased, &mut sink);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_format_characters_are_refused() {
        for s in [
            "a\0b",
            "a\tb",
            "a\nb",
            "a\u{7F}",
            "a\u{85}",
            "a\u{2028}",
            "a\u{202E}b",
            "\u{2066}x",
            "a\u{200B}b",
            "a\u{200C}b",
            "a\u{AD}b",
            "\u{FEFF}ab",
            "a\u{2060}b",
            "a\u{E0041}",
            // A joiner that joins no emoji.
            "a\u{200D}b",
            "🚀\u{200D}",
            "\u{200D}🚀",
            "a\u{200D}🚀",
        ] {
            assert!(has_control(s), "{s:?}");
        }
        for s in [
            "plain ascii ~!@#",
            "é数🚀",
            "\u{A0}",
            "👩\u{200D}💻",
            "❤\u{FE0F}\u{200D}🔥",
            "👋\u{1F3FD}\u{200D}🚀",
            "❤\u{FE0F}",
        ] {
            assert!(!has_control(s), "{s:?}");
        }
    }

    #[test]
    fn visible_nfkc_composes_and_drops_what_draws_as_nothing() {
        assert_eq!(visible_nfkc("r\u{301}e\u{301}").as_str(), "ŕé");
        assert_eq!(visible_nfkc("ｐａｓｓ").as_str(), "pass");
        assert_eq!(visible_nfkc("ab\u{200D}\u{200B}\u{FE0F}c").as_str(), "abc");
    }

    #[test]
    fn fold_matches_across_width_case_marks_and_invisibles() {
        for s in [
            "ａｌｉｃｅ",
            "ali\u{200B}ce",
            "ALİCE",
            "AlIcE",
            "alıce",
            "álice",
            "a\u{AD}lice",
        ] {
            assert_eq!(fold(s).as_str(), "alice", "{s:?}");
        }
        assert_eq!(fold("STRAẞE").as_str(), "strasse");
        assert_eq!(fold("ﬁx").as_str(), "fix");
    }
}

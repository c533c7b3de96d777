//! Characters that display as nothing, or make other text display as
//! something it is not: the character classes several validators refuse.
//!
//! The Unicode properties come from ICU4X's `icu_properties` (the data
//! `idna` already uses for UTS 46), not from hand-written tables, so they
//! follow the Unicode version of that data.

use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};

/// A control character (category Cc: C0, DEL, C1).
pub(crate) fn is_control(c: char) -> bool {
    c.is_control()
}

/// An invisible character: a format character (category Cf: soft hyphen,
/// zero-width space and joiners, word joiner, byte order mark, bidi
/// controls, tags, …) or a default-ignorable code point (variation
/// selectors, the combining grapheme joiner, Hangul fillers, …), which
/// renderers draw as nothing.
///
/// Every character UTS 46 deletes when it maps a domain name (its
/// `ignored` set) is one of these, so a string without them loses nothing
/// to that mapping; the tests check this over every code point.
pub(crate) fn is_invisible(c: char) -> bool {
    !c.is_ascii()
        && (CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
            || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format)
}

/// A bidirectional formatting character (property Bidi_Control: U+061C,
/// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which reorders the
/// text around it on display ("Trojan Source", CVE-2021-42574).
pub(crate) fn is_bidi_control(c: char) -> bool {
    !c.is_ascii() && CodePointSetData::new::<BidiControl>().contains(c)
}

/// U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR: line breaks to a
/// display, not to most parsers.
pub(crate) const fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// What names and email addresses refuse: controls, line separators and
/// invisible characters (bidi controls are format characters, so included).
pub(crate) fn is_hidden(c: char) -> bool {
    is_control(c) || is_line_separator(c) || is_invisible(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for c in [
            '\u{AD}',
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{FE0F}',
            '\u{3164}',
            '\u{E0041}',
        ] {
            assert!(is_invisible(c), "{c:?}");
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['\u{202E}', '\u{2066}', '\u{200E}', '\u{061C}'] {
            assert!(is_bidi_control(c), "{c:?}");
            assert!(is_invisible(c), "{c:?}");
        }
        for c in ['a', ' ', '-', 'é', '数', '🚀', '\u{2800}', '\u{A0}'] {
            assert!(!is_hidden(c), "{c:?}");
            assert!(!is_bidi_control(c), "{c:?}");
        }
        for c in ['\0', '\n', '\u{7F}', '\u{85}', '\u{2028}', '\u{2029}'] {
            assert!(is_hidden(c), "{c:?}");
        }
    }
}

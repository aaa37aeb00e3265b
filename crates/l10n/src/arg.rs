//! The values a message fills in, and their isolation in mixed-direction text.

use std::borrow::Cow;

use crate::Lang;

/// One value a message fills in: a text (an address, a name, a date already formatted) or a
/// number, which selects the plural form (`{ $n -> [one] … *[other] … }`).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// A text, shown as it is.
    Text(Cow<'a, str>),
    /// A number, formatted for the language by the caller's text around it.
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(n as f64)
            }
        }
    )*};
}
numbers!(u8, u16, u32, u64, usize, i32, i64, f64);

/// First strong isolate and pop directional isolate (Unicode bidi, UAX #9).
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// Whether a text holds a right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko…).
fn has_rtl(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
    })
}

/// A text value as a message shows it: wrapped in Unicode isolation marks (FSI … PDI) when the
/// language is written right to left or the value holds right-to-left letters, so that an
/// English address inside Arabic text (or an Arabic name inside English) keeps its own direction
/// and does not reorder the punctuation around it. In a left-to-right language with a
/// left-to-right value nothing is added, so the text stays plain. (Digits need no marks: bidi
/// keeps a number in order.)
pub fn isolate(lang: Lang, text: &str) -> Cow<'_, str> {
    if lang.rtl() || has_rtl(text) {
        Cow::Owned(format!("{FSI}{text}{PDI}"))
    } else {
        Cow::Borrowed(text)
    }
}

//! What the person types into the passcode field, cleaned up before it is sent.
//!
//! Mail programs show the code as `1234 5678`, people paste it with dashes, Chinese input methods
//! type full-width digits: all of these are the same code. Anything else (letters, other
//! symbols) is refused here without spending one of the server's tries.

/// The shortest and longest passcodes a key server issues (`docs/api.md`, `passcode.length`).
pub const MIN_DIGITS: usize = 6;
/// See [`MIN_DIGITS`].
pub const MAX_DIGITS: usize = 10;

/// Why a typed passcode cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Nothing but separators, or fewer digits than any passcode has.
    TooShort,
    /// More digits than any passcode has.
    TooLong,
    /// A character that is neither a digit nor a separator.
    NotDigits,
}

/// The passcode's digits, ignoring spaces and dashes and reading full-width digits as ASCII.
pub fn clean(input: &str) -> Result<String, Invalid> {
    let mut digits = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits, as typed with CJK input methods.
            '\u{FF10}'..='\u{FF19}' => {
                digits.push(char::from(b'0' + (c as u32 - 0xFF10) as u8));
            }
            c if is_separator(c) => {}
            _ => return Err(Invalid::NotDigits),
        }
    }
    match digits.len() {
        n if n < MIN_DIGITS => Err(Invalid::TooShort),
        n if n > MAX_DIGITS => Err(Invalid::TooLong),
        _ => Ok(digits),
    }
}

/// Spaces of every kind (including the no-break and ideographic spaces that copying from a mail
/// brings along) and dashes.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{00A0}' | '\u{202F}'
        )
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn spaces_dashes_and_full_width_digits_are_the_same_code() {
        for typed in [
            "48210937",
            "4821 0937",
            " 4821-0937\n",
            "4821\u{00A0}0937",
            "4821\u{2013}0937",
            "４８２１　０９３７",
            "48 21 09 37",
            "\t4821 - 0937 ",
        ] {
            assert_eq!(clean(typed), Ok("48210937".to_owned()), "{typed:?}");
        }
        assert_eq!(clean("123456"), Ok("123456".to_owned()));
        assert_eq!(clean("12345 67890"), Ok("1234567890".to_owned()));
    }

    #[test]
    fn anything_else_is_refused_before_it_is_sent() {
        assert_eq!(clean(""), Err(Invalid::TooShort));
        assert_eq!(clean("  - "), Err(Invalid::TooShort));
        assert_eq!(clean("12345"), Err(Invalid::TooShort));
        assert_eq!(clean("12345678901"), Err(Invalid::TooLong));
        assert_eq!(clean("4821O937"), Err(Invalid::NotDigits));
        assert_eq!(clean("K7Q-M2X"), Err(Invalid::NotDigits));
        assert_eq!(clean("4821.0937"), Err(Invalid::NotDigits));
        assert_eq!(clean("٤٨٢١٠٩٣٧"), Err(Invalid::NotDigits));
    }
}

//! Where the envelope comes from: the `message.html` the viewer runs in (the carrier), or a file
//! the person drops or picks on the viewer's own page.

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use waxseal_envelope::{Envelope, FormatError, Header, carrier};
use web_sys::Document;

/// The `id` of the element that carries the envelope in a `message.html` (spec §7).
pub const ENVELOPE_ID: &str = "waxseal-envelope";
/// The `id` of the carrier's readable content, hidden once the viewer runs.
pub const CARRIER_ID: &str = "waxseal-carrier";

/// The envelope carried by this page, if the page is a `message.html`.
///
/// More than one envelope element is refused (spec §7: a page showing one envelope while the
/// viewer reads another must be impossible).
pub fn envelope_in_page(document: &Document) -> Option<Result<Vec<u8>, FormatError>> {
    let selector =
        format!(r#"script[type="application/vnd.waxseal.envelope+base64"], #{ENVELOPE_ID}"#);
    let count = document
        .query_selector_all(&selector)
        .map(|list| list.length())
        .unwrap_or(0);
    let element = document.get_element_by_id(ENVELOPE_ID)?;
    if count > 1 {
        return Some(Err(FormatError::Malformed(
            "the page carries more than one envelope",
        )));
    }
    Some(decode_element_text(
        &element.text_content().unwrap_or_default(),
    ))
}

/// The raw envelope from the base64 text of the envelope element: standard base64 with padding,
/// ASCII whitespace anywhere ignored (spec §7).
pub fn decode_element_text(text: &str) -> Result<Vec<u8>, FormatError> {
    let compact: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c'))
        .collect();
    if compact.is_empty() {
        return Err(FormatError::NotWaxseal);
    }
    STANDARD
        .decode(&compact)
        .map_err(|_| FormatError::Malformed("its envelope is not valid base64"))
}

/// The raw envelope from a dropped or picked file: a `message.html` or a raw envelope.
pub fn envelope_in_file(bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
    carrier::extract(bytes)
}

/// Hides the carrier's own readable content (it says what the viewer now shows).
pub fn hide_carrier(document: &Document) {
    if let Some(main) = document.get_element_by_id(CARRIER_ID) {
        let _ = main.set_attribute("hidden", "");
    }
}

/// An envelope whose container and header are valid, not yet decrypted.
#[derive(Debug, Clone)]
pub struct Loaded {
    bytes: Rc<[u8]>,
    header: Rc<Header>,
}

impl Loaded {
    /// Checks the container and the header (spec §2 steps 1–4).
    pub fn new(bytes: Vec<u8>) -> Result<Self, FormatError> {
        let header = Envelope::parse(&bytes)?.header().clone();
        Ok(Self {
            bytes: bytes.into(),
            header: Rc::new(header),
        })
    }

    /// The header, as the sender wrote it. It is authenticated only when the payload opens.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The envelope, to open.
    pub fn envelope(&self) -> Envelope<'_> {
        Envelope::parse(&self.bytes).expect("checked when it was loaded")
    }

    /// The envelope's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the envelope is empty (it never is once loaded).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The host (and port) of an origin, as people read it: `keys.example.com`.
pub fn host_of(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, host)| host)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn element_text_is_base64_with_any_ascii_whitespace() {
        assert_eq!(
            decode_element_text("\n  iVdY\r\nUw0K\tGgo=\x0c\n"),
            Ok(b"\x89WXS\r\n\x1a\n".to_vec())
        );
        assert_eq!(decode_element_text(" \n "), Err(FormatError::NotWaxseal));
        assert!(matches!(
            decode_element_text("aVdY Uw0K Ggo"),
            Err(FormatError::Malformed(_))
        ));
        assert!(matches!(
            decode_element_text("aVdY<b>Uw0KGgo="),
            Err(FormatError::Malformed(_))
        ));
    }

    #[test]
    fn hosts_are_shown_without_the_scheme() {
        assert_eq!(host_of("https://keys.example.com"), "keys.example.com");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host_of("keys.example.com"), "keys.example.com");
    }
}

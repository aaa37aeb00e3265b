//! Where the envelope comes from: the `message.html` the viewer runs in (the carrier), or a file
//! the person drops or picks on the viewer's own page.

use std::cell::RefCell;
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use js_sys::{JsString, Reflect};
use wasm_bindgen::JsCast;
use waxseal_envelope::{Envelope, FormatError, Header, carrier};
use web_sys::{Document, Element, Node};

/// The `id` of the element that carries the envelope in a `message.html` (spec §7).
pub const ENVELOPE_ID: &str = "waxseal-envelope";
/// The `id` of the carrier's readable content, hidden once the viewer runs.
pub const CARRIER_ID: &str = "waxseal-carrier";

/// How many characters of the envelope element's text are copied into the viewer at a time.
const PIECE: u32 = 1 << 20;

/// The envelope carried by this page, if the page is a `message.html`.
///
/// Its text is the envelope element's and that of the continuation elements right after it
/// (spec §7). Any other element of the envelope's type is refused (a page showing one envelope
/// while the viewer reads another must be impossible). The text, a third larger than the
/// envelope, is read and decoded a piece at a time, never copied into the viewer whole.
pub fn envelope_in_page(document: &Document) -> Option<Result<Vec<u8>, FormatError>> {
    let selector = format!(
        r#"script[type="{}"], #{ENVELOPE_ID}"#,
        carrier::ENVELOPE_TYPE
    );
    let count = document
        .query_selector_all(&selector)
        .map(|list| list.length())
        .unwrap_or(0);
    let element = document.get_element_by_id(ENVELOPE_ID)?;
    let mut elements = vec![element.clone()];
    let mut node = element.next_sibling();
    while let Some(n) = node {
        if n.node_type() == Node::TEXT_NODE
            && n.text_content()
                .is_some_and(|t| t.bytes().all(|b| b.is_ascii_whitespace()))
        {
            node = n.next_sibling();
            continue;
        }
        match n.dyn_into::<Element>() {
            Ok(e) if is_part(&e) => {
                node = e.next_sibling();
                elements.push(e);
            }
            _ => break,
        }
    }
    if count as usize != elements.len() {
        return Some(Err(FormatError::Malformed(
            "the page carries more than one envelope",
        )));
    }
    let texts: Vec<JsString> = elements
        .iter()
        .map(|e| {
            Reflect::get(e, &"textContent".into())
                .ok()
                .and_then(|t| t.dyn_into().ok())
                .unwrap_or_default()
        })
        .collect();
    let len = texts.iter().map(|t| t.length() as usize).sum();
    let pieces = texts.iter().flat_map(|text| {
        let len = text.length();
        (0..len)
            .step_by(PIECE as usize)
            .map(move |start| String::from(text.slice(start, start.saturating_add(PIECE).min(len))))
    });
    Some(decode_element_pieces(pieces, len))
}

/// A continuation element as writers write it: `<script type="…">` with that one attribute.
fn is_part(e: &Element) -> bool {
    e.tag_name() == "SCRIPT"
        && e.attributes().length() == 1
        && e.get_attribute("type").as_deref() == Some(carrier::ENVELOPE_TYPE)
}

/// The raw envelope from the base64 text of the envelope element: standard base64 with padding,
/// ASCII whitespace anywhere ignored (spec §7).
pub fn decode_element_text(text: &str) -> Result<Vec<u8>, FormatError> {
    decode_element_pieces([text], text.len())
}

/// [`decode_element_text`] for a text given in pieces, split anywhere; `len_hint` is the text's
/// length, so that the result is allocated once.
pub fn decode_element_pieces<S: AsRef<str>>(
    pieces: impl IntoIterator<Item = S>,
    len_hint: usize,
) -> Result<Vec<u8>, FormatError> {
    let malformed = FormatError::Malformed("its envelope is not valid base64");
    let mut out = Vec::with_capacity(len_hint / 4 * 3);
    // Characters not yet decoded: fewer than four, plus the current piece.
    let mut pending: Vec<u8> = Vec::new();
    // Padding ends the text: a group with `=` must be the last.
    let mut padded = false;
    for piece in pieces {
        pending.extend(piece.as_ref().bytes().filter(|b| !b.is_ascii_whitespace()));
        let whole = pending.len() / 4 * 4;
        if whole == 0 {
            continue;
        }
        if padded {
            return Err(malformed);
        }
        STANDARD
            .decode_vec(&pending[..whole], &mut out)
            .map_err(|_| malformed.clone())?;
        padded = pending[whole - 1] == b'=';
        pending.drain(..whole);
    }
    if !pending.is_empty() {
        return Err(malformed);
    }
    // The element holds a raw envelope, never a carrier or anything else (spec §7).
    if !out.starts_with(&waxseal_envelope::format::MAGIC) {
        return Err(FormatError::Malformed(
            "its envelope element does not hold a waxseal envelope",
        ));
    }
    Ok(out)
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
///
/// Its bytes are handed over once, to be decrypted in place ([`Loaded::take_bytes`]); clones
/// share them.
#[derive(Debug, Clone)]
pub struct Loaded {
    bytes: Rc<RefCell<Option<Vec<u8>>>>,
    len: usize,
    header: Rc<Header>,
    header_bytes: Rc<[u8]>,
}

impl Loaded {
    /// Checks the container and the header (spec §2 steps 1–4).
    pub fn new(bytes: Vec<u8>) -> Result<Self, FormatError> {
        let envelope = Envelope::parse(&bytes)?;
        let header = Rc::new(envelope.header().clone());
        let header_bytes = Rc::from(&envelope.context()[waxseal_envelope::format::PREFIX_LEN..]);
        Ok(Self {
            len: bytes.len(),
            bytes: Rc::new(RefCell::new(Some(bytes))),
            header,
            header_bytes,
        })
    }

    /// The header, as the sender wrote it. It is authenticated only when the payload opens.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The header's bytes, as the envelope carried them (for the reply sealer, which parses them
    /// again: see [`crate::sealer`]).
    pub fn header_bytes(&self) -> Rc<[u8]> {
        Rc::clone(&self.header_bytes)
    }

    /// The envelope's bytes, to decrypt: decryption writes the plaintext over them
    /// ([`crate::decrypt::decrypt`]), so they are handed over once; `None` after that.
    pub fn take_bytes(&self) -> Option<Vec<u8>> {
        self.bytes.borrow_mut().take()
    }

    /// Runs `f` on the envelope's bytes without handing them over (`None` once they were).
    pub fn with_bytes<T>(&self, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
        self.bytes.borrow().as_deref().map(f)
    }

    /// The envelope's size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the envelope is empty (it never is once loaded).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The host (and port) of an origin, as people read it: `keys.example.com`.
pub fn host_of(origin: &str) -> String {
    match waxseal_envelope::Origin::parse(origin) {
        Ok(o) => o.host_port().to_owned(),
        Err(_) => origin.to_owned(),
    }
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
        // Only a raw envelope may be in the element: nothing, or anything else, is malformed.
        let not_an_envelope =
            FormatError::Malformed("its envelope element does not hold a waxseal envelope");
        assert_eq!(decode_element_text(" \n "), Err(not_an_envelope.clone()));
        assert_eq!(decode_element_text("QUJDREVGR0g="), Err(not_an_envelope));
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
    fn element_text_decodes_alike_whole_and_in_pieces_split_anywhere() {
        let cases = [
            "\n  iVdY\r\nUw0K\tGgo=\x0c\n",
            "iVdYUw0KGgoB",
            "iVdY Uw0K GgoBAg==",
            "iVdYUw0KGgoBAgM=",
            "QUJD\nREVG\nR0g=",
            "aVdY Uw0K Ggo",
            "aGk=aGk=",
            "aGk=\n\n",
            "QR==",
            "QQ==",
            " \n ",
            "",
        ];
        for text in cases {
            // What decoding the whole compacted text says.
            let compact: String = text
                .chars()
                .filter(|c| !" \t\r\n\x0c".contains(*c))
                .collect();
            let expected = STANDARD
                .decode(&compact)
                .map_err(|_| FormatError::Malformed("its envelope is not valid base64"))
                .and_then(|bytes| {
                    if bytes.starts_with(&waxseal_envelope::format::MAGIC) {
                        Ok(bytes)
                    } else {
                        Err(FormatError::Malformed(
                            "its envelope element does not hold a waxseal envelope",
                        ))
                    }
                });
            assert_eq!(decode_element_text(text), expected, "{text:?}");
            for a in 0..=text.len() {
                for b in a..=text.len() {
                    let pieces = [&text[..a], &text[a..b], &text[b..]];
                    assert_eq!(
                        decode_element_pieces(pieces, 0),
                        expected,
                        "{text:?} cut at {a} and {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_loaded_envelope_hands_its_bytes_over_once() {
        let params = waxseal_envelope::SealParams {
            key_server: "https://keys.example.com".into(),
            from: waxseal_envelope::Sender {
                address: "alice@example.com".into(),
                name: None,
            },
            recipients: vec!["bob@example.net".into()],
            created: 1_790_000_000,
            expires: 1_790_604_800,
            reply: None,
        };
        let sealed = waxseal_envelope::seal(&params, b"Subject: hi\r\n\r\nhello").unwrap();
        let loaded = Loaded::new(sealed.envelope.clone()).unwrap();
        let other = loaded.clone();
        assert_eq!(loaded.len(), sealed.envelope.len());
        assert_eq!(other.take_bytes(), Some(sealed.envelope.clone()));
        assert_eq!(loaded.take_bytes(), None);
        assert_eq!(loaded.header().recipients, ["bob@example.net"]);
    }

    #[test]
    fn hosts_are_shown_without_the_scheme() {
        assert_eq!(host_of("https://keys.example.com"), "keys.example.com");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host_of("keys.example.com"), "keys.example.com");
    }
}

//! The HTML carrier (spec §7): the envelope as inert base64 inside `message.html`.

use std::io::{self, BufRead, Read};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::read::DecoderReader;

use crate::error::FormatError;
use crate::format::MAGIC;

/// The `type` of the elements that carry the envelope, written once for the tags below.
macro_rules! envelope_type {
    () => {
        "application/vnd.waxseal.envelope+base64"
    };
}

/// The `type` of the envelope element and of its continuation elements.
pub const ENVELOPE_TYPE: &str = envelope_type!();
/// The exact opening tag of the element that carries the envelope.
pub const OPEN_TAG: &str = concat!(
    "<script type=\"",
    envelope_type!(),
    "\" id=\"waxseal-envelope\">"
);
/// The closing tag.
pub const CLOSE_TAG: &str = "</script>";
/// The exact opening tag of a continuation element: the base64 text of a large envelope goes on
/// in such elements, each right after the previous element's end tag with only whitespace
/// between (spec §7).
pub const PART_TAG: &str = concat!("<script type=\"", envelope_type!(), "\">");
/// What a writer puts between two elements of the envelope's text.
pub const PART_BREAK: &str = concat!("</script>\n<script type=\"", envelope_type!(), "\">\n");
/// The marker a carrier template holds where the envelope element goes.
pub const PLACEHOLDER: &str = "<!--waxseal-envelope-->";
/// Base64 characters per line inside the element.
const LINE_LEN: usize = 76;
/// Base64 lines per element (1,011,712 characters, about 741 KiB of envelope): a writer that
/// splits the text starts a continuation element after this many. Some browsers copy a script
/// element's whole text again for every piece of the file their parser reads, which makes one
/// large element cost time growing with the square of its size (spec §7).
pub const LINES_PER_ELEMENT: usize = 13 * 1024;

/// The `<script>` element carrying `envelope`, base64 in lines of 76 characters, followed by
/// continuation elements every [`LINES_PER_ELEMENT`] lines.
pub fn envelope_element(envelope: &[u8]) -> String {
    let b64 = STANDARD.encode(envelope);
    let lines = b64.len().div_ceil(LINE_LEN);
    let mut out = String::with_capacity(
        OPEN_TAG.len() + b64.len() + lines + lines / LINES_PER_ELEMENT * PART_BREAK.len() + 16,
    );
    out.push_str(OPEN_TAG);
    out.push('\n');
    for (i, line) in b64.as_bytes().chunks(LINE_LEN).enumerate() {
        if i > 0 && i.is_multiple_of(LINES_PER_ELEMENT) {
            out.push_str(PART_BREAK);
        }
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(CLOSE_TAG);
    out
}

/// Puts the envelope element in place of the template's single [`PLACEHOLDER`].
pub fn embed(template: &str, envelope: &[u8]) -> Result<String, &'static str> {
    let mut parts = template.split(PLACEHOLDER);
    let (Some(before), Some(after), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("the carrier template must contain the envelope placeholder exactly once");
    };
    if template.contains(OPEN_TAG) {
        return Err("the carrier template already contains an envelope");
    }
    Ok(format!("{before}{}{after}", envelope_element(envelope)))
}

/// Returns the raw envelope from a raw envelope or a `message.html` (spec §7).
pub fn extract(input: &[u8]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(input.len());
    let mut reader = EnvelopeSource::new(input).map_err(into_format_error)?;
    reader.read_to_end(&mut out).map_err(into_format_error)?;
    Ok(out)
}

fn into_format_error(e: io::Error) -> FormatError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<FormatError>())
    {
        Some(f) => f.clone(),
        // Reading a slice cannot fail otherwise.
        None => FormatError::Malformed("its envelope could not be read"),
    }
}

fn malformed(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, FormatError::Malformed(what))
}

/// Reads the raw envelope out of a raw envelope or a `message.html`, streaming: memory use does
/// not grow with the size of the input. Format problems surface as `io::Error`s of kind
/// `InvalidData` whose inner error is a [`FormatError`].
pub struct EnvelopeSource<R: BufRead> {
    inner: Source<R>,
    /// How many bytes of the magic the envelope element's content has been checked against.
    checked: usize,
}

enum Source<R: BufRead> {
    Raw(io::Chain<io::Cursor<[u8; 8]>, R>),
    Carrier(Box<DecoderReader<'static, base64::engine::GeneralPurpose, Base64Text<R>>>),
}

impl<R: BufRead> EnvelopeSource<R> {
    /// Looks at the start of the input: a raw envelope is passed through; otherwise the input is
    /// searched for the envelope element.
    pub fn new(mut input: R) -> io::Result<Self> {
        let mut head = [0u8; 8];
        let got = crate::cobblestone::read_full(&mut input, &mut head)?;
        if got == MAGIC.len() && head == MAGIC {
            return Ok(Self {
                inner: Source::Raw(io::Cursor::new(head).chain(input)),
                checked: MAGIC.len(),
            });
        }
        let mut search = TagSearch::new();
        // The tags are longer than the 8 bytes already read, so they can only start a match.
        for &b in &head[..got] {
            search.push(b);
        }
        match search.skip_past(&mut input)? {
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    FormatError::NotWaxseal,
                ));
            }
            Some(Found::Part) => {
                return Err(malformed(
                    "a part of its envelope comes before the envelope element",
                ));
            }
            Some(Found::Envelope) => {}
        }
        let text = Base64Text {
            inner: input,
            state: TextState::Content,
            close_matched: 0,
            tail: TagSearch::new(),
        };
        Ok(Self {
            inner: Source::Carrier(Box::new(DecoderReader::new(text, &STANDARD))),
            checked: 0,
        })
    }
}

impl<R: BufRead> Read for EnvelopeSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Source::Raw(r) => r.read(buf),
            Source::Carrier(r) => {
                let n = r.read(buf).map_err(|e| {
                    if e.get_ref().is_some_and(|i| i.is::<FormatError>()) {
                        e
                    } else if e.kind() == io::ErrorKind::InvalidData {
                        malformed("its envelope is not valid base64")
                    } else {
                        e
                    }
                })?;
                // The element holds a raw envelope, never a carrier or anything else (spec §7).
                let want = MAGIC.len() - self.checked;
                let k = n.min(want);
                let wrong = buf[..k] != MAGIC[self.checked..self.checked + k];
                if wrong || (n == 0 && want > 0) {
                    return Err(malformed(
                        "its envelope element does not hold a waxseal envelope",
                    ));
                }
                self.checked += k;
                Ok(n)
            }
        }
    }
}

/// Matches one tag byte by byte. The first byte of [`OPEN_TAG`] and of [`PART_TAG`], `<`, occurs
/// nowhere else in them, so on a mismatch the match restarts at 1 if the byte is `<` and at 0
/// otherwise.
struct TagFinder {
    tag: &'static [u8],
    matched: usize,
}

impl TagFinder {
    fn new(tag: &'static str) -> Self {
        Self {
            tag: tag.as_bytes(),
            matched: 0,
        }
    }

    fn push(&mut self, b: u8) -> bool {
        if b == self.tag[self.matched] {
            self.matched += 1;
        } else {
            self.matched = usize::from(b == b'<');
        }
        if self.matched == self.tag.len() {
            self.matched = 0;
            true
        } else {
            false
        }
    }
}

/// Which tag a [`TagSearch`] met.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    Envelope,
    Part,
}

/// Looks for the envelope element's tag and a continuation element's tag at once.
struct TagSearch {
    envelope: TagFinder,
    part: TagFinder,
}

impl TagSearch {
    fn new() -> Self {
        Self {
            envelope: TagFinder::new(OPEN_TAG),
            part: TagFinder::new(PART_TAG),
        }
    }

    fn push(&mut self, b: u8) -> Option<Found> {
        let envelope = self.envelope.push(b);
        let part = self.part.push(b);
        if envelope {
            Some(Found::Envelope)
        } else if part {
            Some(Found::Part)
        } else {
            None
        }
    }

    /// Consumes input up to and including the next tag; `None` if the input ends first.
    fn skip_past<R: BufRead>(&mut self, input: &mut R) -> io::Result<Option<Found>> {
        loop {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let all = buf.len();
            let hit = buf
                .iter()
                .enumerate()
                .find_map(|(i, &b)| self.push(b).map(|found| (i + 1, found)));
            input.consume(hit.as_ref().map_or(all, |(used, _)| *used));
            if let Some((_, found)) = hit {
                return Ok(Some(found));
            }
        }
    }
}

enum TextState {
    Content,
    Closing,
    Done,
}

/// The base64 text of the element and its continuation elements with whitespace removed; at its
/// end checks the closing tag and that no second envelope element or stray part follows.
struct Base64Text<R: BufRead> {
    inner: R,
    state: TextState,
    close_matched: usize,
    tail: TagSearch,
}

impl<R: BufRead> Base64Text<R> {
    /// After an element's content: the end tag as HTML's script-data state ends the element —
    /// `</script` in any ASCII case followed by whitespace, `/` or `>` (spec §7) — then either a
    /// continuation element (whitespace, then exactly [`PART_TAG`]), whose content goes on, or
    /// the rest of the file, which must hold no second envelope element and no part.
    fn finish(&mut self) -> io::Result<()> {
        let close = &CLOSE_TAG.as_bytes()[..CLOSE_TAG.len() - 1];
        while self.close_matched < close.len() {
            let buf = self.inner.fill_buf()?;
            let Some(&b) = buf.first() else {
                return Err(malformed("its envelope element is not closed"));
            };
            if !b.eq_ignore_ascii_case(&close[self.close_matched]) {
                return Err(malformed(
                    "its envelope element contains something other than base64",
                ));
            }
            self.inner.consume(1);
            self.close_matched += 1;
        }
        match self.inner.fill_buf()?.first() {
            None => return Err(malformed("its envelope element is not closed")),
            Some(b'\t' | b'\n' | 0x0c | b'\r' | b' ' | b'/' | b'>') => {}
            Some(_) => {
                return Err(malformed(
                    "its envelope element contains something other than base64",
                ));
            }
        }
        // The rest of the end tag. A file that ends inside it ends the element, as HTML's
        // parser ends it there.
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                self.state = TextState::Done;
                return Ok(());
            }
            match buf.iter().position(|&b| b == b'>') {
                Some(at) => {
                    self.inner.consume(at + 1);
                    break;
                }
                None => {
                    let all = buf.len();
                    self.inner.consume(all);
                }
            }
        }
        if self.continues()? {
            self.state = TextState::Content;
            self.close_matched = 0;
            return Ok(());
        }
        if self.tail.skip_past(&mut self.inner)?.is_some() {
            return Err(malformed("it contains more than one envelope"));
        }
        self.state = TextState::Done;
        Ok(())
    }

    /// After an end tag: skips whitespace and consumes [`PART_TAG`] if it comes next. What it
    /// consumes otherwise is looked at by the search for a second element.
    fn continues(&mut self) -> io::Result<bool> {
        let tag = PART_TAG.as_bytes();
        let mut matched = 0;
        loop {
            let Some(&b) = self.inner.fill_buf()?.first() else {
                return Ok(false);
            };
            // HTML's ASCII whitespace: space, tab, LF, FF, CR.
            if matched == 0 && b.is_ascii_whitespace() {
                self.inner.consume(1);
                continue;
            }
            if b != tag[matched] {
                return Ok(false);
            }
            self.inner.consume(1);
            // Every byte of the tag but its last is where a second envelope element could start.
            if matched + 1 < tag.len() {
                self.tail.push(b);
            }
            matched += 1;
            if matched == tag.len() {
                self.tail = TagSearch::new();
                return Ok(true);
            }
        }
    }
}

impl<R: BufRead> Read for Base64Text<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                TextState::Done => return Ok(0),
                TextState::Closing => {
                    self.finish()?;
                    continue;
                }
                TextState::Content => {}
            }
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Err(malformed("its envelope element is not closed"));
            }
            let mut written = 0;
            let mut used = 0;
            for &b in buf {
                if written == out.len() {
                    break;
                }
                used += 1;
                match b {
                    // HTML's ASCII whitespace: space, tab, LF, FF, CR.
                    b if b.is_ascii_whitespace() => {}
                    b'<' => {
                        self.state = TextState::Closing;
                        self.close_matched = 1;
                        break;
                    }
                    _ => {
                        out[written] = b;
                        written += 1;
                    }
                }
            }
            self.inner.consume(used);
            if written > 0 {
                return Ok(written);
            }
            if out.is_empty() {
                return Ok(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend((0u8..=255).cycle().take(1000));
        v
    }

    #[test]
    fn embeds_and_extracts() {
        let html = embed(
            "<html><body><p>hi</p>\n<!--waxseal-envelope-->\n</body></html>",
            &raw(),
        )
        .unwrap();
        assert_eq!(extract(html.as_bytes()).unwrap(), raw());
        assert_eq!(extract(&raw()).unwrap(), raw());
    }

    #[test]
    fn extraction_errors_name_the_problem() {
        assert_eq!(
            extract(b"<html>nothing here</html>"),
            Err(FormatError::NotWaxseal)
        );
        assert_eq!(extract(b""), Err(FormatError::NotWaxseal));
        let el = envelope_element(&raw());
        let twice = format!("{el}\n{el}");
        assert_eq!(
            extract(twice.as_bytes()),
            Err(FormatError::Malformed("it contains more than one envelope"))
        );
        // Base64 of the magic and one more byte: the start of an envelope.
        let start = "iVdYUw0KGgoB";
        let unclosed = format!("{OPEN_TAG}{start}");
        assert_eq!(
            extract(unclosed.as_bytes()),
            Err(FormatError::Malformed("its envelope element is not closed"))
        );
        let junk = format!("{OPEN_TAG}{start}AA*A</script>");
        assert_eq!(
            extract(junk.as_bytes()),
            Err(FormatError::Malformed("its envelope is not valid base64"))
        );
        let other = format!("{OPEN_TAG}{start}<b></script>");
        assert_eq!(
            extract(other.as_bytes()),
            Err(FormatError::Malformed(
                "its envelope element contains something other than base64"
            ))
        );
        // Only a raw envelope may be in the element: not a carrier, not nothing.
        for content in ["AAAA", "", &STANDARD.encode(envelope_element(&raw()))] {
            assert_eq!(
                extract(format!("{OPEN_TAG}{content}</script>").as_bytes()),
                Err(FormatError::Malformed(
                    "its envelope element does not hold a waxseal envelope"
                )),
                "{content:?}"
            );
        }
    }

    #[test]
    fn a_large_envelope_goes_on_in_continuation_elements() {
        let mut big = MAGIC.to_vec();
        big.extend((0u32..2_000_000).map(|i| (i * 13) as u8));
        let element = envelope_element(&big);
        assert_eq!(element.matches(OPEN_TAG).count(), 1);
        assert_eq!(element.matches(PART_TAG).count(), 2);
        assert_eq!(PART_BREAK, format!("{CLOSE_TAG}\n{PART_TAG}\n"));
        let html = embed("<p>x</p>\n<!--waxseal-envelope-->\n<p>y</p>", &big).unwrap();
        assert_eq!(extract(html.as_bytes()).unwrap(), big);
        // Streaming, with a buffer smaller than the tags.
        let mut out = Vec::new();
        EnvelopeSource::new(io::BufReader::with_capacity(7, html.as_bytes()))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, big);
        assert!(
            embed("<!--waxseal-envelope-->", &raw())
                .unwrap()
                .find(PART_TAG)
                .is_none()
        );
    }

    #[test]
    fn parts_follow_the_envelope_element_and_nothing_else() {
        // The control: an envelope in three elements, split anywhere, end tags as HTML reads them.
        let b64 = STANDARD.encode(raw());
        let (a, rest) = b64.split_at(10);
        let (b, c) = rest.split_at(701);
        let split =
            format!("{OPEN_TAG}{a}</script>\n\t{PART_TAG}{b}</SCRIPT >{PART_TAG}\n{c}\n</script>");
        assert_eq!(extract(split.as_bytes()).unwrap(), raw());

        let cases = [
            (
                format!("{PART_TAG}{a}</script>{OPEN_TAG}{b}{c}</script>"),
                "a part of its envelope comes before the envelope element",
            ),
            (
                format!("{OPEN_TAG}{a}{b}</script><p>x</p>{PART_TAG}{c}</script>"),
                "it contains more than one envelope",
            ),
            (
                format!("{OPEN_TAG}{a}{b}{c}</script>\n{OPEN_TAG}{a}{b}{c}</script>"),
                "it contains more than one envelope",
            ),
            (
                format!(
                    "{OPEN_TAG}{a}{b}</script>\n{PART_TAG}{c}</script>\n<p></p>{PART_TAG}AAAA</script>"
                ),
                "it contains more than one envelope",
            ),
            (
                format!("{OPEN_TAG}{a}{b}</script>\n{PART_TAG}{c}"),
                "its envelope element is not closed",
            ),
            (
                format!("{OPEN_TAG}{a}{b}</script"),
                "its envelope element is not closed",
            ),
        ];
        // A file may end inside the last end tag, after its name.
        for end in ["</script ", "</script/", "</SCRIPT\n"] {
            let html = format!("{OPEN_TAG}{a}</script>{PART_TAG}{b}{c}{end}");
            assert_eq!(extract(html.as_bytes()).unwrap(), raw(), "{end:?}");
        }
        for (html, why) in cases {
            assert_eq!(
                extract(html.as_bytes()),
                Err(FormatError::Malformed(why)),
                "{html}"
            );
        }
        // Padding ends the text: base64 cannot go on in a part after it.
        let padded = STANDARD.encode(&raw()[..998]);
        let junk = format!("{OPEN_TAG}{padded}</script>{PART_TAG}AAAA</script>");
        assert_eq!(
            extract(junk.as_bytes()),
            Err(FormatError::Malformed("its envelope is not valid base64"))
        );
    }

    #[test]
    fn template_must_hold_one_placeholder() {
        assert!(embed("<html></html>", &raw()).is_err());
        assert!(embed("<!--waxseal-envelope--><!--waxseal-envelope-->", &raw()).is_err());
    }

    #[test]
    fn finds_the_tag_after_a_partial_match() {
        let html = format!("<scr<script type=\"x\">{}", envelope_element(&raw()));
        assert_eq!(extract(html.as_bytes()).unwrap(), raw());
    }
}

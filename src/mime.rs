//! The decrypted MIME message, read with `mail-parser` into what the message view shows: the
//! headers, one body (HTML, else plain text), inline images and attachments.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Address, Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};

/// A name and an address from a header such as `From` or `To`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name.
    pub name: Option<String>,
    /// The address.
    pub address: Option<String>,
}

impl Mailbox {
    /// `Name <address>`, or whichever of the two there is.
    pub fn display(&self) -> String {
        match (&self.name, &self.address) {
            (Some(n), Some(a)) if n != a => format!("{n} <{a}>"),
            (_, Some(a)) => a.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => String::new(),
        }
    }
}

/// An attachment or an inline part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its file name, if it has one.
    pub name: Option<String>,
    /// Its media type, lower case (`image/png`).
    pub content_type: String,
    /// Its bytes, transfer encoding removed.
    pub bytes: Vec<u8>,
}

impl Part {
    /// The part as a `data:` URL (for inline images in the sandboxed frame).
    pub fn data_url(&self) -> String {
        format!(
            "data:{};base64,{}",
            self.content_type,
            STANDARD.encode(&self.bytes)
        )
    }
}

/// The body the message view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// An HTML body, shown in a sandboxed frame.
    Html(String),
    /// A plain-text body, shown as preformatted text.
    Text(String),
    /// No body.
    Empty,
}

/// A decrypted message, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// `Subject`.
    pub subject: Option<String>,
    /// `From`.
    pub from: Vec<Mailbox>,
    /// `To`.
    pub to: Vec<Mailbox>,
    /// `Cc`.
    pub cc: Vec<Mailbox>,
    /// `Date`, seconds since the Unix epoch.
    pub date: Option<i64>,
    /// `Message-ID`, without angle brackets (for threading a reply).
    pub message_id: Option<String>,
    /// `References`, without angle brackets.
    pub references: Vec<String>,
    /// The body.
    pub body: Body,
    /// Parts the HTML body shows by `cid:` reference, by Content-ID.
    pub inline: Vec<(String, Part)>,
    /// Everything else: the attachments, in message order.
    pub attachments: Vec<Part>,
}

/// Turns bytes in a charset that the built-in decoders lack (the multi-byte CJK charsets) into
/// text; the browser's `TextDecoder` in the viewer. `None` when the charset is unknown.
pub type CharsetDecoder<'a> = &'a dyn Fn(&str, &[u8]) -> Option<String>;

/// Charsets whose decoders `mail-parser` leaves out without its `full_encoding` feature (which
/// would add megabytes of tables to the viewer); the browser decodes them instead.
const MULTI_BYTE: &[&str] = &[
    "gb2312",
    "gbk",
    "gb18030",
    "x-gbk",
    "cp936",
    "euc-cn",
    "hz-gb-2312",
    "big5",
    "big5-hkscs",
    "shift_jis",
    "shift-jis",
    "sjis",
    "windows-31j",
    "euc-jp",
    "iso-2022-jp",
    "euc-kr",
    "ks_c_5601-1987",
    "cp949",
];

/// Reads a MIME message. A message that `mail-parser` cannot read at all is shown as text.
pub fn parse(eml: &[u8], decode: CharsetDecoder<'_>) -> Opened {
    let Some(mut message) = MessageParser::default().parse(eml) else {
        return Opened {
            subject: None,
            from: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            date: None,
            message_id: None,
            references: Vec::new(),
            body: Body::Text(String::from_utf8_lossy(eml).into_owned()),
            inline: Vec::new(),
            attachments: Vec::new(),
        };
    };
    let body = body_of(&message, decode);
    let html = match &body {
        Body::Html(h) => h.as_str(),
        _ => "",
    };
    let mut inline = Vec::new();
    let mut attachments = Vec::new();
    for id in message.attachments.clone() {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        let cid = part
            .content_id()
            .map(|c| c.trim().trim_matches(['<', '>']).to_owned());
        let item = part_of(&mut message, id as usize);
        match cid {
            Some(cid) if !cid.is_empty() && references_cid(html, &cid) => {
                inline.push((cid, item));
            }
            _ => attachments.push(item),
        }
    }
    Opened {
        subject: message.subject().map(str::to_owned),
        from: mailboxes(message.from()),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        date: message.date().map(|d| d.to_timestamp()),
        message_id: message.message_id().map(str::to_owned),
        references: message
            .references()
            .as_text_list()
            .map(|l| l.iter().map(|r| r.to_string()).collect())
            .or_else(|| message.references().as_text().map(|r| vec![r.to_owned()]))
            .unwrap_or_default(),
        body,
        inline,
        attachments,
    }
}

impl Opened {
    /// The body as plain text, for quoting in a reply (an HTML body converted).
    pub fn text_for_quote(&self) -> String {
        match &self.body {
            Body::Text(t) => t.clone(),
            Body::Html(h) => crate::html::to_text(h),
            Body::Empty => String::new(),
        }
    }
}

/// Whether the HTML mentions `cid:<cid>` (as written, or URL-encoded as RFC 2392 wants).
fn references_cid(html: &str, cid: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    let needle = format!("cid:{}", cid.to_ascii_lowercase());
    lower.contains(&needle) || lower.contains(&percent_encode(&needle))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The HTML parts of the body, else its text parts.
fn body_of(message: &Message<'_>, decode: CharsetDecoder<'_>) -> Body {
    let parts = |ids: &[u32], html: bool| -> Vec<String> {
        ids.iter()
            .filter_map(|&id| message.parts.get(id as usize))
            .filter(|p| match p.body {
                PartType::Html(_) => html,
                PartType::Text(_) => !html,
                _ => false,
            })
            .map(|p| text_of(message, p, decode))
            .collect()
    };
    let html = parts(&message.html_body, true);
    if !html.is_empty() {
        return Body::Html(html.join("\n"));
    }
    let text = parts(&message.text_body, false);
    if text.iter().any(|t| !t.trim().is_empty()) {
        return Body::Text(text.join("\n"));
    }
    Body::Empty
}

/// A text part's text; multi-byte charsets go through `decode`.
fn text_of(message: &Message<'_>, part: &MessagePart<'_>, decode: CharsetDecoder<'_>) -> String {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    if let Some(charset) = charset.filter(|c| MULTI_BYTE.contains(&c.as_str()))
        && let Some(text) = decode(&charset, &transfer_decoded(message, part))
    {
        return text;
    }
    part.text_contents().unwrap_or_default().to_owned()
}

/// The part's body bytes with the transfer encoding removed, before any charset conversion.
fn transfer_decoded(message: &Message<'_>, part: &MessagePart<'_>) -> Vec<u8> {
    let raw = message
        .raw_message()
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => None,
    }
    .unwrap_or_else(|| raw.to_vec())
}

fn part_of(message: &mut Message<'_>, id: usize) -> Part {
    let part = &message.parts[id];
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| match part.body {
            PartType::Message(_) => "message/rfc822".to_owned(),
            PartType::Text(_) => "text/plain".to_owned(),
            _ => "application/octet-stream".to_owned(),
        })
        .to_ascii_lowercase();
    let name = part.attachment_name().map(str::to_owned).or_else(|| {
        part.message()
            .and_then(|m| m.subject())
            .map(|s| format!("{s}.eml"))
    });
    // A text attachment keeps its own bytes and charset, not the parser's UTF-8 conversion.
    let bytes = match &part.body {
        PartType::Text(_) | PartType::Html(_) => transfer_decoded(message, part),
        // A decoded attachment moves into the part rather than being copied: it can be most of
        // a large message.
        PartType::Binary(_) | PartType::InlineBinary(_) => match &mut message.parts[id].body {
            PartType::Binary(body) | PartType::InlineBinary(body) => {
                std::mem::take(body).into_owned()
            }
            _ => Vec::new(),
        },
        _ => part.contents().to_vec(),
    };
    Part {
        name,
        content_type,
        bytes,
    }
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .map(|a| Mailbox {
            name: a
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            address: a.address.as_deref().map(str::to_owned),
        })
        .collect()
}

/// A file name for the saved message: the subject without characters that file systems refuse.
pub fn eml_file_name(subject: Option<&str>) -> String {
    let cleaned: String = subject
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_control() || r#"\/:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('.');
    let short: String = cleaned.chars().take(80).collect();
    if short.is_empty() {
        "message.eml".to_owned()
    } else {
        format!("{short}.eml")
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn no_decoder(_: &str, _: &[u8]) -> Option<String> {
        None
    }

    const MIXED: &str = "From: Alice Example <alice@example.com>\r\n\
To: Bob <bob@example.net>, carol@example.org\r\n\
Cc: Dave <dave@example.com>\r\n\
Subject: =?utf-8?q?Rejseplan_=C3=A6=C3=B8=C3=A5?=\r\n\
Date: Sat, 21 Nov 2026 10:00:00 +0100\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/related; boundary=\"rel\"\r\n\
\r\n\
--rel\r\n\
Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
\r\n\
--alt\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello Bob\r\n\
--alt\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Hello <b>Bob</b><img src=\"cid:seal@x\"></p>\r\n\
--alt--\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <seal@x>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
iVBORw0KGgo=\r\n\
--rel--\r\n\
--outer\r\n\
Content-Type: text/csv; charset=iso-8859-1; name=\"plan.csv\"\r\n\
Content-Disposition: attachment; filename=\"plan.csv\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
5vjl\r\n\
--outer\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename=\"doc.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0=\r\n\
--outer--\r\n";

    #[test]
    fn headers_body_inline_images_and_attachments() {
        let m = parse(MIXED.as_bytes(), &no_decoder);
        assert_eq!(m.subject.as_deref(), Some("Rejseplan æøå"));
        assert_eq!(
            m.from.iter().map(Mailbox::display).collect::<Vec<_>>(),
            ["Alice Example <alice@example.com>"]
        );
        assert_eq!(
            m.to.iter().map(Mailbox::display).collect::<Vec<_>>(),
            ["Bob <bob@example.net>", "carol@example.org"]
        );
        assert_eq!(
            m.cc.iter().map(Mailbox::display).collect::<Vec<_>>(),
            ["Dave <dave@example.com>"]
        );
        assert_eq!(m.date, Some(1_795_251_600));
        assert_eq!(
            m.body,
            Body::Html("<p>Hello <b>Bob</b><img src=\"cid:seal@x\"></p>".into())
        );
        let (cid, seal) = &m.inline[0];
        assert_eq!(cid, "seal@x");
        assert_eq!(seal.content_type, "image/png");
        assert_eq!(seal.bytes, b"\x89PNG\r\n\x1a\n");
        assert_eq!(seal.data_url(), "data:image/png;base64,iVBORw0KGgo=");
        assert_eq!(m.attachments.len(), 2);
        assert_eq!(m.attachments[0].name.as_deref(), Some("plan.csv"));
        assert_eq!(m.attachments[0].content_type, "text/csv");
        // The attachment's own bytes (ISO-8859-1 "æøå"), not a UTF-8 conversion.
        assert_eq!(m.attachments[0].bytes, b"\xe6\xf8\xe5");
        assert_eq!(m.attachments[1].name.as_deref(), Some("doc.pdf"));
        assert_eq!(m.attachments[1].content_type, "application/pdf");
        assert_eq!(m.attachments[1].bytes, b"%PDF-");
    }

    #[test]
    fn a_plain_text_message_has_a_text_body() {
        let m = parse(
            b"From: a@example.com\r\nSubject: Hi\r\n\r\nLine one\r\nLine two <b>\r\n",
            &no_decoder,
        );
        assert_eq!(m.body, Body::Text("Line one\r\nLine two <b>\r\n".into()));
        assert!(m.attachments.is_empty());
        assert_eq!(m.to, vec![]);
    }

    #[test]
    fn multi_byte_charsets_go_to_the_decoder() {
        let gbk = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=GB2312\r\nContent-Transfer-Encoding: base64\r\n\r\nxOO6ww==\r\n";
        let seen = std::cell::RefCell::new(Vec::new());
        let decoder = |charset: &str, bytes: &[u8]| {
            seen.borrow_mut().push((charset.to_owned(), bytes.to_vec()));
            Some("你好".to_owned())
        };
        let m = parse(gbk, &decoder);
        assert_eq!(m.body, Body::Text("你好".into()));
        assert_eq!(
            seen.into_inner(),
            vec![("gb2312".to_owned(), b"\xc4\xe3\xba\xc3".to_vec())]
        );
    }

    #[test]
    fn saved_file_names_are_safe() {
        assert_eq!(
            eml_file_name(Some("Contract: v2/final?")),
            "Contract_ v2_final_.eml"
        );
        assert_eq!(eml_file_name(Some("  ")), "message.eml");
        assert_eq!(eml_file_name(None), "message.eml");
        assert_eq!(eml_file_name(Some("..")), "message.eml");
        assert_eq!(eml_file_name(Some("旅行文件")), "旅行文件.eml");
    }
}

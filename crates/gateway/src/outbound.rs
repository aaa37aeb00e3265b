//! Sealing an outgoing message for its external recipients: the message (its subject tag
//! removed) sealed into an envelope, the envelope's server share registered with the key server
//! through the sender API, and the envelope carried as `message.html` by an ordinary
//! notification mail in the recipients' language, with the organisation's name and the original
//! threading headers.
//!
//! Nothing here hands anything on: the caller relays what [`Sealer::seal`] returns, and only
//! after it succeeded. A failure says whether it is worth trying again ([`Failure::Later`]: the
//! key server or the viewer cannot be reached, or refuses the gateway's key) or not
//! ([`Failure::Refused`]: the message itself cannot be sealed).

use std::borrow::Cow;
use std::io::Write as _;
use std::time::{Duration, Instant};

use mail_builder::MessageBuilder;
use mail_builder::headers::Header as _;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::text::Text as HeaderText;
use mail_builder::mime::{BodyPart, MimePart};
use mail_parser::{HeaderName, Message, MimeHeaders, PartType};
use tokio::sync::Mutex;
use waxseal_envelope::{Header, ReplyTo, SealParams, seal_stream};
use waxseal_sender::carrier::{self, Lang, ViewerManifest};
use waxseal_sender::client::{Client, ClientError};
use zeroize::Zeroizing;

use crate::config::SealService;
use crate::reply_keys;
use crate::rules::Sealing;

/// Why a message could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not now: the key server or the viewer cannot be reached or refuses the gateway; the
    /// message stays with the sending MTA, which tries again.
    Later(String),
    /// Not this message: the reason goes back to its sender.
    Refused(String),
}

/// A sealed message, registered and ready to go: one notification per language of its
/// recipients, each with the envelope recipients it goes to.
#[derive(Debug)]
pub struct Sealed {
    /// The sealed message's id.
    pub id: String,
    /// The notifications: recipients, and the mail.
    pub notifications: Vec<(Vec<String>, Vec<u8>)>,
}

/// How long a fetched viewer manifest is used before it is fetched again.
const MANIFEST_FRESH: Duration = Duration::from_secs(300);
/// How long a fetched manifest may still be used while the viewer cannot be reached.
const MANIFEST_STALE: Duration = Duration::from_secs(24 * 3600);

/// What seals: the key server client with the gateway's API key, the viewer, the reply key.
pub struct Sealer {
    client: Client,
    api_key: Zeroizing<String>,
    key_server: String,
    viewer: String,
    reply: Option<ReplyTo>,
    organisation: String,
    manifest: Mutex<Option<(Instant, ViewerManifest)>>,
}

impl Sealer {
    /// A sealer for `service`; reads the API key (its file, else `WAXSEAL_API_KEY`) and the
    /// reply key's public half.
    pub fn new(service: &SealService, organisation: &str) -> Result<Self, String> {
        let api_key = match &service.api_key_file {
            Some(path) => {
                let read = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                    format!("seal.api_key_file: cannot read {}: {e}", path.display())
                })?);
                Zeroizing::new(read.trim().to_owned())
            }
            None => Zeroizing::new(std::env::var("WAXSEAL_API_KEY").map_err(|_| {
                "the gateway needs its sender API key to seal: give seal.api_key_file or set WAXSEAL_API_KEY (create one with `waxseal-server create-sender`)".to_owned()
            })?),
        };
        if api_key.is_empty() {
            return Err("the gateway's sender API key is empty".into());
        }
        let reply = match &service.reply {
            Some((to, path)) => {
                let file = reply_keys::read(path).map_err(|e| format!("seal.reply_key: {e}"))?;
                // Only the public half seals; the private key, if the file holds it, is wiped.
                drop(file.secret.map(Zeroizing::new));
                let reply = ReplyTo {
                    to: to.clone(),
                    key_id: file.key_id,
                    public_key: file.public_key,
                };
                reply
                    .validate()
                    .map_err(|e| format!("seal.reply_key {}: {e}", path.display()))?;
                Some(reply)
            }
            None => None,
        };
        Ok(Self {
            client: Client::new(&service.key_server),
            api_key,
            key_server: service.key_server.clone(),
            viewer: service.viewer.clone(),
            reply,
            organisation: organisation.to_owned(),
            manifest: Mutex::new(None),
        })
    }

    /// The viewer's manifest: fetched again every few minutes, the last one used for a day
    /// while the viewer cannot be reached.
    async fn viewer(&self) -> Result<ViewerManifest, Failure> {
        let mut cached = self.manifest.lock().await;
        if let Some((at, m)) = cached.as_ref()
            && at.elapsed() < MANIFEST_FRESH
        {
            return Ok(m.clone());
        }
        let fetched = ViewerManifest::load(&self.client, &self.viewer).await;
        match (fetched, cached.as_ref()) {
            (Ok(m), _) => {
                *cached = Some((Instant::now(), m.clone()));
                Ok(m)
            }
            (Err(e), Some((at, m))) if at.elapsed() < MANIFEST_STALE => {
                tracing::warn!(viewer = %self.viewer, error = %e, "the viewer cannot be read now; the last manifest read is used");
                Ok(m.clone())
            }
            (Err(e), _) => Err(Failure::Later(format!(
                "the viewer at {} cannot be read now ({e})",
                self.viewer
            ))),
        }
    }

    /// Seals `data` (parsed as `message`) for `recipients` (one of `sealing`'s messages) and
    /// registers it.
    pub async fn seal(
        &self,
        data: &[u8],
        message: &Message<'_>,
        sealing: &Sealing,
        recipients: &[String],
    ) -> Result<Sealed, Failure> {
        let from = waxseal_sender::sender_of(message).ok_or_else(|| {
            Failure::Refused(
                "the message has no From address, which a sealed message must name".into(),
            )
        })?;
        if let Some(problem) = mime_problem(message) {
            return Err(Failure::Refused(format!(
                "the message's MIME structure is broken ({problem}), so its recipients could not read it sealed; fix the sending program or send it again from a mail client"
            )));
        }
        let viewer = self.viewer().await?;
        let content = with_subject(data, message, &sealing.subject);
        let created = now();
        let params = SealParams {
            key_server: self.key_server.clone(),
            from,
            recipients: recipients.to_vec(),
            created,
            expires: created + sealing.expires,
            reply: self.reply.clone(),
        };
        let mut envelope = Vec::with_capacity(content.len() + content.len() / 8 + 4096);
        let receipt = seal_stream(&params, &content[..], &mut envelope)
            .map_err(|e| Failure::Refused(format!("the message cannot be sealed: {e}")))?;
        drop(content);
        waxseal_sender::register(
            &self.client,
            &self.api_key,
            &receipt.header,
            &receipt.server_share,
            sealing.max_opens,
        )
        .await
        .map_err(registration_failure)?;
        drop(receipt.server_share);

        let mut groups: Vec<(Lang, Vec<String>)> = Vec::new();
        for r in recipients {
            let lang = Lang::guess(std::slice::from_ref(r));
            match groups.iter_mut().find(|(l, _)| *l == lang) {
                Some((_, list)) => list.push(r.clone()),
                None => groups.push((lang, vec![r.clone()])),
            }
        }
        let notifications = groups
            .into_iter()
            .map(|(lang, recipients)| {
                let page = page(&receipt.header, &viewer, lang, &envelope);
                let mail = notification(
                    data,
                    message,
                    &sealing.subject,
                    &self.organisation,
                    &receipt.header,
                    lang,
                    page,
                );
                (recipients, mail)
            })
            .collect();
        Ok(Sealed {
            id: receipt.header.id.to_string(),
            notifications,
        })
    }
}

/// What makes a message unreadable once sealed: a multipart part without a boundary, or whose
/// boundary never appears (the viewer would show nothing of it).
pub fn mime_problem(message: &Message<'_>) -> Option<String> {
    message.parts.iter().find_map(|part| {
        let ct = part.content_type()?;
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            return None;
        }
        let kind = format!("multipart/{}", ct.subtype().unwrap_or("?"));
        match (&part.body, ct.attribute("boundary")) {
            (_, None) => Some(format!("a {kind} part has no boundary")),
            (PartType::Multipart(children), Some(b)) if children.is_empty() => {
                Some(format!("the boundary {b:?} of a {kind} part never appears"))
            }
            (PartType::Multipart(_), _) => None,
            (_, Some(b)) => Some(format!(
                "a {kind} part with the boundary {b:?} has no parts"
            )),
        }
    })
}

/// What a registration failure means for the message.
fn registration_failure(e: ClientError) -> Failure {
    match &e {
        ClientError::Problem(p) if p.status < 500 && !matches!(p.status, 401 | 403 | 429) => {
            Failure::Refused(format!("the key server refused to register it: {e}"))
        }
        _ => Failure::Later(format!("the key server cannot register it now: {e}")),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `data` with its Subject header saying `subject` (RFC 2047-encoded where it must be), or
/// unchanged (not copied) if it already does. A message with several Subject headers (which RFC 5322 does not
/// allow, and readers resolve differently) keeps one, the new one, where the first was.
/// (Public for the fuzz target, which feeds it any mail.)
pub fn with_subject<'a>(data: &'a [u8], message: &Message<'_>, subject: &str) -> Cow<'a, [u8]> {
    let subjects: Vec<_> = message
        .headers()
        .iter()
        .filter(|h| h.name == HeaderName::Subject)
        .collect();
    if subjects.is_empty()
        || subjects.len() == 1 && message.subject().unwrap_or_default().trim() == subject
    {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut at = 0;
    for (i, h) in subjects.iter().enumerate() {
        out.extend_from_slice(&data[at..h.offset_field as usize]);
        if i == 0 {
            subject_line(subject, &mut out);
        }
        at = h.offset_end as usize;
    }
    out.extend_from_slice(&data[at..]);
    Cow::Owned(out)
}

/// `Subject: …` with its CRLF, encoded and folded as RFC 2047 and 5322 say.
fn subject_line(subject: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"Subject: ");
    HeaderText::new(subject).write_header(out, "Subject: ".len());
}

/// The headers of the original that the notification keeps, so that it threads and shows the
/// same sender, recipients and date.
const KEPT: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Thread-Topic",
    "Thread-Index",
];

/// The `message.html` page for one language.
fn page(header: &Header, viewer: &ViewerManifest, lang: Lang, envelope: &[u8]) -> Vec<u8> {
    let (head, tail) = carrier::template(header, viewer, lang);
    let len = head.len() + tail.len() + envelope.len() * 4 / 3;
    // In CRLF lines as it is written, as mail carries text (see `page_part`): no second copy.
    let mut out = Crlf(Vec::with_capacity(len + len / 38 + 64));
    carrier::write_carrier(&head, envelope, &tail, viewer.envelope_parts, &mut out)
        .expect("writing to memory cannot fail");
    out.0
}

/// Writes what it is given in CRLF lines: a LF that does not follow a CR becomes CRLF.
struct Crlf(Vec<u8>);

impl std::io::Write for Crlf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                if self.0.last() != Some(&b'\r') {
                    self.0.push(b'\r');
                }
                self.0.push(b'\n');
            }
            self.0.extend_from_slice(line);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The notification mail: the original's sender, recipients, date and threading headers, its
/// subject without the tag, a short text in `lang`, and `message.html` (`page`) attached.
/// (Public for the fuzz target, which feeds it any mail.)
pub fn notification(
    data: &[u8],
    message: &Message<'_>,
    subject: &str,
    organisation: &str,
    header: &Header,
    lang: Lang,
    page: Vec<u8>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len() * 4 / 3 + 8192);
    for h in message.headers() {
        if KEPT.iter().any(|k| h.name.as_str().eq_ignore_ascii_case(k)) {
            out.extend_from_slice(&data[h.offset_field as usize..h.offset_end as usize]);
        }
    }
    // A mail needs both; an MTA usually added them already.
    if message.date().is_none() {
        out.extend_from_slice(b"Date: ");
        mail_builder::headers::date::Date::now().write_header(&mut out, 0);
    }
    if message.message_id().is_none() {
        let domain = header
            .from
            .address
            .rsplit_once('@')
            .map_or("localhost", |(_, d)| d);
        out.extend_from_slice(format!("Message-ID: <{}@{domain}>\r\n", header.id).as_bytes());
    }
    subject_line(subject, &mut out);
    let sender = header.from.name.as_deref().unwrap_or(&header.from.address);
    let until = carrier::utc(header.expires);
    let word = |id: &str| waxseal_l10n::text(lang, id, &[]);
    let sent = waxseal_l10n::text(
        lang,
        "notification-sent",
        &[
            ("sender", sender.into()),
            ("organisation", organisation.into()),
        ],
    );
    let (open, until_words) = (word("notification-open"), word("notification-until"));
    let safety = waxseal_l10n::text(
        lang,
        "notification-safety",
        &[("organisation", organisation.into())],
    );
    let text = format!("{sent}\n\n{open}\n\n{until_words} {until}.\n\n{safety}\n");
    let e = carrier::escape;
    let html = format!(
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif;line-height:1.5;max-width:40em\">\
<p><strong>{}</strong></p><p>{}</p><p>{} {}.</p><p style=\"color:#555\">{}</p></body></html>\n",
        lang.tag(),
        lang.dir(),
        e(&sent),
        e(&open),
        e(&until_words),
        e(&until),
        e(&safety),
    );
    out.extend_from_slice(
        format!("X-Waxseal-Sealed: {}\r\nMIME-Version: 1.0\r\n", header.id).as_bytes(),
    );
    // The part's own headers (Content-Type), the empty line and the body.
    MessageBuilder::new()
        .body(MimePart::new(
            "multipart/mixed",
            vec![
                MimePart::new(
                    "multipart/alternative",
                    vec![
                        MimePart::new("text/plain", text),
                        MimePart::new("text/html", html),
                    ],
                ),
                page_part(page),
            ],
        ))
        .serialize_body(&mut out);
    out
}

/// `message.html` as an attachment. The page is text in short lines (the envelope in
/// 76-character base64 lines): it goes as it is, lines ended by CRLF, `7bit` or `8bit` —
/// about three quarters the size of base64 and nothing to encode. A page with a line too long
/// for SMTP (998 octets; none that `carrier` writes) is encoded as mail-builder chooses
/// (quoted-printable or base64).
fn page_part(page: Vec<u8>) -> MimePart<'static> {
    let fits = page
        .split(|&b| b == b'\n')
        .all(|line| line.strip_suffix(b"\r").unwrap_or(line).len() <= 998 && !line.contains(&0));
    let part = |body: Vec<u8>| {
        MimePart::new(
            ContentType::new("text/html").attribute("charset", "utf-8"),
            BodyPart::Binary(body.into()),
        )
        .attachment("message.html")
    };
    if !fits {
        return part(page);
    }
    let crlf_already = page
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'\n' || (i > 0 && page[i - 1] == b'\r'))
        && page.ends_with(b"\r\n");
    let page = if crlf_already {
        page
    } else {
        let mut crlf = Crlf(Vec::with_capacity(page.len() + page.len() / 70 + 2));
        crlf.write_all(&page)
            .expect("writing to memory cannot fail");
        // The last line is ended too.
        if !crlf.0.is_empty() && !crlf.0.ends_with(b"\r\n") {
            crlf.write_all(b"\n")
                .expect("writing to memory cannot fail");
        }
        crlf.0
    };
    let encoding = if page.is_ascii() { "7bit" } else { "8bit" };
    part(page).transfer_encoding(encoding)
}

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;
    use waxseal_envelope::Sender;

    use super::*;

    const MAIL: &[u8] = b"From: Alice <alice@acme.example>\r\nTo: Bob <bob@partner.example>, carol@acme.example\r\nCc: dan@example.net\r\nSubject: [secure] Kvartalstal for Q3\r\nMessage-ID: <q3@acme.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nX-Other: kept in the sealed copy\r\n\r\nBody.\r\n";

    #[test]
    fn the_subject_is_rewritten_in_place_and_encoded_when_it_must_be() {
        let m = MessageParser::default().parse(MAIL).unwrap();
        let out = with_subject(MAIL, &m, "Kvartalstal for Q3");
        assert_eq!(
            out,
            String::from_utf8_lossy(MAIL)
                .replace(
                    "Subject: [secure] Kvartalstal for Q3",
                    "Subject: Kvartalstal for Q3"
                )
                .as_bytes()
        );
        let out = with_subject(MAIL, &m, "Kvartalstal for Q3 – færdige").into_owned();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(text.is_ascii());
        let again = MessageParser::default().parse(&out[..]).unwrap();
        assert_eq!(again.subject(), Some("Kvartalstal for Q3 – færdige"));
        assert!(text.ends_with("X-Other: kept in the sealed copy\r\n\r\nBody.\r\n"));
        // Unchanged subject: the bytes as they came.
        assert!(matches!(
            with_subject(MAIL, &m, "[secure] Kvartalstal for Q3"),
            Cow::Borrowed(b) if b == MAIL
        ));
        // Two Subject headers (readers take one or the other): one is left, the new one.
        let two = b"From: a@acme.example\r\nSubject: Q3 figures\r\nTo: b@partner.example\r\nSubject: [secure] Q3\r\n\r\nBody.\r\n";
        let m = MessageParser::default().parse(&two[..]).unwrap();
        assert_eq!(
            String::from_utf8(with_subject(two, &m, "Q3").into_owned()).unwrap(),
            "From: a@acme.example\r\nSubject: Q3\r\nTo: b@partner.example\r\n\r\nBody.\r\n"
        );
    }

    #[test]
    fn lines_end_in_crlf_once_also_across_writes() {
        let mut w = Crlf(Vec::new());
        w.write_all(b"a\nb\r\nc\r").unwrap();
        w.write_all(b"\nd\n").unwrap();
        assert_eq!(w.0, b"a\r\nb\r\nc\r\nd\r\n");
    }

    #[test]
    fn a_broken_multipart_is_named() {
        let parse = |ct: &str| {
            let text = format!(
                "From: a@acme.example\r\nSubject: x\r\nContent-Type: {ct}\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n"
            );
            let m = MessageParser::default().parse(text.as_bytes()).unwrap();
            mime_problem(&m)
        };
        assert_eq!(parse("multipart/mixed; boundary=\"b\""), None);
        assert_eq!(parse("text/plain"), None);
        assert_eq!(
            parse("multipart/mixed"),
            Some("a multipart/mixed part has no boundary".into())
        );
        assert!(
            parse("multipart/alternative; boundary=\"zz\"")
                .unwrap()
                .contains("\"zz\""),
        );
    }

    #[test]
    fn the_notification_keeps_who_when_and_the_thread_and_says_the_rest_in_the_language() {
        let m = MessageParser::default().parse(MAIL).unwrap();
        let header = waxseal_envelope::seal(
            &SealParams {
                key_server: "https://keys.acme.example".into(),
                from: Sender {
                    address: "alice@acme.example".into(),
                    name: Some("Alice".into()),
                },
                recipients: vec!["bob@partner.example".into()],
                created: 1_796_000_000,
                expires: 1_796_086_400,
                reply: None,
            },
            b"x",
        )
        .unwrap()
        .header;
        let mail = notification(
            MAIL,
            &m,
            "Kvartalstal",
            "Acme Bank",
            &header,
            Lang::Da,
            "<!doctype html>\n<p>Side på dansk</p>\n"
                .as_bytes()
                .to_vec(),
        );
        let text = String::from_utf8(mail.clone()).unwrap();
        assert!(text.starts_with("From: Alice <alice@acme.example>\r\nTo: Bob <bob@partner.example>, carol@acme.example\r\nCc: dan@example.net\r\nMessage-ID: <q3@acme.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nSubject: Kvartalstal\r\n"), "{text}");
        assert!(!text.contains("X-Other"));
        let parsed = MessageParser::default().parse(&mail[..]).unwrap();
        assert!(
            parsed
                .body_text(0)
                .unwrap()
                .starts_with("Alice fra Acme Bank har sendt dig en krypteret besked."),
        );
        let page = parsed.attachments().next().unwrap();
        assert_eq!(page.attachment_name(), Some("message.html"));
        // As it is, in CRLF lines: no base64.
        assert!(
            text.contains("Content-Transfer-Encoding: 8bit\r\n"),
            "{text}"
        );
        assert_eq!(
            page.contents(),
            "<!doctype html>\r\n<p>Side på dansk</p>\r\n".as_bytes()
        );
    }

    #[test]
    fn a_page_with_a_line_too_long_for_smtp_is_encoded() {
        let long = format!("<!doctype html>\n<p>{}</p>\n", "x".repeat(1000));
        let mut out = b"Subject: x\r\nMIME-Version: 1.0\r\n".to_vec();
        MessageBuilder::new()
            .body(page_part(long.clone().into_bytes()))
            .serialize_body(&mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.contains("Content-Transfer-Encoding: quoted-printable"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= 998));
        let parsed = MessageParser::default().parse(&out[..]).unwrap();
        assert_eq!(
            parsed.attachments().next().unwrap().contents(),
            long.as_bytes()
        );
        let mut out = Vec::new();
        MessageBuilder::new()
            .body(page_part(b"<p>a</p>\n".to_vec()))
            .serialize_body(&mut out);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("Content-Transfer-Encoding: 7bit")
        );
    }
}

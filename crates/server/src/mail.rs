//! Passcode e-mails: composed in the recipient's language (English, Simplified Chinese, Danish)
//! with plain-text and HTML parts, and delivered over SMTP or, for local demos, to a folder.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, SmtpSecurity};

/// A mail could not be delivered. The text goes to the log only.
#[derive(Debug)]
pub struct MailError {
    /// What went wrong.
    pub text: String,
    /// The mail server refused this mail for good (an SMTP 5xx answer, such as 552 for a mail
    /// larger than it takes): sending it again will not help.
    pub refused: bool,
}

impl MailError {
    /// A failure that may pass (the server unreachable, a temporary answer, a full disk).
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            refused: false,
        }
    }
}

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Delivers composed messages.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message; returns once the relay (or the folder) accepted it.
    async fn send(&self, message: Message) -> Result<(), MailError>;
}

/// Builds the mailer a configuration asks for.
pub fn from_config(config: &MailConfig) -> Result<(Box<dyn Mailer>, Mailbox), String> {
    match config {
        MailConfig::Smtp {
            from,
            host,
            port,
            security,
            username,
            password,
            ca_file,
        } => {
            let from: Mailbox = from
                .parse()
                .map_err(|e| format!("mail.from {from:?} is not a valid address: {e}"))?;
            let mut tls = TlsParameters::builder(host.clone());
            if let Some(path) = ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read mail.ca_file {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    format!(
                        "mail.ca_file {} is not a PEM certificate: {e}",
                        path.display()
                    )
                })?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build()
                .map_err(|e| format!("cannot set up TLS for {host}: {e}"))?;
            let (tls, default_port) = match security {
                SmtpSecurity::Starttls => (Tls::Required(tls), 587),
                SmtpSecurity::Tls => (Tls::Wrapper(tls), 465),
                SmtpSecurity::Plain => (Tls::None, 25),
            };
            let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port.unwrap_or(default_port))
                .tls(tls)
                .timeout(Some(Duration::from_secs(20)));
            if let (Some(user), Some(pass)) = (username, password) {
                builder =
                    builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
            }
            Ok((Box::new(SmtpMailer(builder.build())), from))
        }
        MailConfig::FileOutbox { from, dir } => {
            let from: Mailbox = from
                .parse()
                .map_err(|e| format!("mail.from {from:?} is not a valid address: {e}"))?;
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the outbox {}: {e}", dir.display()))?;
            Ok((Box::new(FileOutbox { dir: dir.clone() }), from))
        }
    }
}

struct SmtpMailer(AsyncSmtpTransport<Tokio1Executor>);

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: Message) -> Result<(), MailError> {
        self.0.send(message).await.map(drop).map_err(|e| MailError {
            text: format!("SMTP delivery failed: {e}"),
            refused: e.is_permanent(),
        })
    }
}

/// Writes each mail to `<dir>/<time>-<random>.eml` and logs the path (never the content).
pub struct FileOutbox {
    dir: PathBuf,
}

#[async_trait]
impl Mailer for FileOutbox {
    async fn send(&self, message: Message) -> Result<(), MailError> {
        let mut suffix = [0u8; 4];
        getrandom::fill(&mut suffix).map_err(|e| MailError::new(e.to_string()))?;
        let name = format!(
            "{}-{:08x}.eml",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
            u32::from_le_bytes(suffix)
        );
        let path = self.dir.join(name);
        tokio::fs::write(&path, message.formatted())
            .await
            .map_err(|e| MailError::new(format!("cannot write {}: {e}", path.display())))?;
        tracing::info!(path = %path.display(), "passcode mail written to the outbox");
        Ok(())
    }
}

pub use waxseal_l10n::Lang;

/// Message `id` of the mail texts (`crates/l10n/locales/<lang>/mail.ftl`) with `args`.
fn text(lang: Lang, id: &str, args: &[(&str, waxseal_l10n::Arg<'_>)]) -> String {
    waxseal_l10n::text(lang, id, args)
}

/// What a passcode mail says.
pub struct PasscodeMail<'a> {
    /// The recipient address.
    pub to: &'a str,
    /// The passcode.
    pub passcode: &'a str,
    /// The reference code, also shown on the page.
    pub reference: &'a str,
    /// The sender organisation's name.
    pub sender: &'a str,
    /// Minutes until the passcode expires.
    pub minutes: u64,
    /// Language.
    pub lang: Lang,
    /// Who runs the key server (`[operator]`), named at the end of the mail.
    pub operator: &'a crate::config::OperatorConfig,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Groups a passcode for reading: `1234 5678`.
pub fn group_digits(code: &str) -> String {
    let mid = code.len() / 2;
    format!("{} {}", &code[..mid], &code[mid..])
}

impl PasscodeMail<'_> {
    /// Composes the message with plain-text and HTML alternatives.
    pub fn compose(&self, from: &Mailbox) -> Result<Message, String> {
        let lang = self.lang;
        let word = |id: &str| text(lang, id, &[]);
        let intro = text(lang, "passcode-intro", &[("sender", self.sender.into())]);
        let expiry = text(lang, "passcode-expiry", &[("minutes", self.minutes.into())]);
        let (subject, code_label) = (word("passcode-subject"), word("passcode-code-label"));
        let (reference_label, reference_hint) = (
            word("passcode-reference-label"),
            word("passcode-reference-hint"),
        );
        let ignore = word("passcode-ignore");
        let code = group_digits(self.passcode);
        let mut footer = Vec::new();
        if let Some(name) = &self.operator.name {
            footer.push(text(
                lang,
                "passcode-operator",
                &[("operator", name.into())],
            ));
        }
        if let Some(contact) = &self.operator.privacy_contact {
            footer.push(text(
                lang,
                "passcode-contact",
                &[("contact", contact.into())],
            ));
        }
        let footer_text: String = footer.iter().map(|l| format!("\n{l}")).collect();
        let footer_html: String = footer
            .iter()
            .map(|l| format!("<br>{}", html_escape(l)))
            .collect();
        let text = format!(
            "{intro}\n\n    {code_label}: {code}\n    {reference_label}: {reference}\n\n{reference_hint}\n{expiry}\n\n{ignore}\n{footer_text}",
            reference = self.reference,
        );
        let html = format!(
            "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
             <body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1c1b1a\">\
             <p>{intro}</p>\
             <p style=\"font-size:28px;font-weight:700;letter-spacing:4px;margin:16px 0\">{code}</p>\
             <p>{ref_label}: <strong>{reference}</strong><br>{hint}</p>\
             <p>{expiry}</p><p style=\"color:#5c5a57\">{ignore}{footer_html}</p></body></html>",
            lang = lang.tag(),
            dir = lang.dir(),
            subject = html_escape(&subject),
            intro = html_escape(&intro),
            code = html_escape(&code),
            ref_label = html_escape(&reference_label),
            reference = html_escape(self.reference),
            hint = html_escape(&reference_hint),
            expiry = html_escape(&expiry),
            ignore = html_escape(&ignore),
        );
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| format!("recipient address cannot be used in a mail: {e}"))?;
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(format!("{subject} ({})", self.reference))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                self.lang.tag().to_owned(),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|e| format!("cannot compose the passcode mail: {e}"))
    }
}

/// The mail that relays a secure reply to the organisation (spec §10): a short explanation and
/// the sealed reply as an attachment, which only the organisation's reply key opens. The key
/// server cannot read it and keeps nothing of it.
pub struct ReplyRelayMail<'a> {
    /// The organisation's reply address (registered with the message).
    pub to: &'a str,
    /// The verified replier.
    pub replier: &'a str,
    /// How the replier proved the address: `passcode`, `sign-in` or `passkey`.
    pub proof: &'a str,
    /// The original message's id.
    pub message_id: &'a str,
    /// When the reply was relayed, as `waxseal_l10n::utc` writes it (`2026-11-30 20:00 UTC`).
    pub when: &'a str,
    /// The sealed reply.
    pub reply: &'a [u8],
    /// The language of the explanation (the organisation's, `reply.lang`).
    pub lang: Lang,
    /// When it was relayed, in Unix seconds (the attestation's time).
    pub relayed_at: u64,
    /// The relay attestation (`envelope-spec.md` §10.7): the signing key's id and the Ed25519
    /// signature, base64url, as `X-Waxseal-Relay-Signature: <id> <signature>`.
    pub attestation: &'a str,
}

/// The media type of a sealed reply, as attached to the relay mail.
pub const REPLY_MEDIA_TYPE: &str = "application/vnd.waxseal.reply";

impl ReplyRelayMail<'_> {
    /// Composes the relay mail: a plain-text explanation and `reply.waxseal`.
    pub fn compose(&self, from: &Mailbox) -> Result<Message, String> {
        let proof = text(
            self.lang,
            match self.proof {
                "sign-in" => "reply-by-sign-in",
                "passkey" => "reply-by-passkey",
                _ => "reply-by-passcode",
            },
            &[],
        );
        let fill = |id: &str| {
            text(
                self.lang,
                id,
                &[
                    ("replier", self.replier.into()),
                    ("id", self.message_id.into()),
                    ("proof", proof.as_str().into()),
                    ("when", self.when.into()),
                ],
            )
        };
        let body = format!("{}\n", fill("reply-body"));
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| format!("the reply address cannot be used in a mail: {e}"))?;
        let attachment = lettre::message::Attachment::new("reply.waxseal".to_owned()).body(
            self.reply.to_vec(),
            ContentType::parse(REPLY_MEDIA_TYPE).map_err(|e| e.to_string())?,
        );
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(fill("reply-subject"))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                self.lang.tag().to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Waxseal-Reply-To-Message"),
                self.message_id.to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Waxseal-Replier"),
                self.replier.to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Waxseal-Verified-By"),
                self.proof.to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Waxseal-Relayed-At"),
                self.relayed_at.to_string(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Waxseal-Relay-Signature"),
                self.attestation.to_owned(),
            ))
            .multipart(
                MultiPart::mixed()
                    .singlepart(
                        lettre::message::SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(body),
                    )
                    .singlepart(attachment),
            )
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_relay_mail_explains_in_the_organisations_language() {
        let from: Mailbox = "waxseal <no-reply@keys.example.com>".parse().unwrap();
        let mail = |lang, proof| {
            let m = ReplyRelayMail {
                to: "replies@acme.example",
                replier: "bob@example.net",
                proof,
                message_id: "AAECAwQFBgcICQoLDA0ODw",
                when: "2026-11-30 20:00 UTC",
                reply: b"\x89WXR",
                lang,
                relayed_at: 1_796_076_000,
                attestation: "k1 c2lnbmF0dXJl",
            }
            .compose(&from)
            .unwrap();
            String::from_utf8(m.formatted()).unwrap()
        };
        use mail_parser::MimeHeaders as _;
        let parse = |raw: &str| {
            let m = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            (
                m.subject().unwrap().to_owned(),
                m.body_text(0).unwrap().into_owned(),
                m.attachments()
                    .next()
                    .and_then(|a| a.attachment_name().map(str::to_owned)),
            )
        };
        let (subject, body, name) = parse(&mail(Lang::Da, "sign-in"));
        assert_eq!(subject, "Sikkert svar fra bob@example.net");
        assert!(body.contains("med login med en konto."), "{body}");
        assert_eq!(name.as_deref(), Some("reply.waxseal"));
        let (subject, body, _) = parse(&mail(Lang::ZhHans, "passcode"));
        assert_eq!(subject, "来自 bob@example.net 的安全回复");
        assert!(
            body.contains("通过发送到该地址的一次性验证码确认"),
            "{body}"
        );
        let raw = mail(Lang::En, "passcode");
        assert!(raw.contains("Content-Language: en"), "{raw}");
        let (subject, body, _) = parse(&raw);
        assert_eq!(subject, "Secure reply from bob@example.net");
        assert!(
            body.contains("by a one-time passcode sent to that address, on 2026-11-30 20:00 UTC"),
            "{body}"
        );
    }

    use super::*;

    #[test]
    fn language_hints() {
        let pick = Lang::from_accept_language;
        assert_eq!(pick(None), Lang::En);
        assert_eq!(pick(Some("da-DK,da;q=0.9,en;q=0.8")), Lang::Da);
        assert_eq!(pick(Some("sw-KE, zh-CN;q=0.8")), Lang::ZhHans);
        assert_eq!(pick(Some("fr")), Lang::Fr);
        assert_eq!(pick(Some("sw")), Lang::En);
    }

    #[test]
    fn the_mail_carries_code_and_reference_in_both_parts() {
        let from: Mailbox = "waxseal <no-reply@keys.example.com>".parse().unwrap();
        for lang in Lang::WITH_PSEUDO {
            let m = PasscodeMail {
                to: "bob@example.net",
                passcode: "12345678",
                reference: "ABC-DEF",
                sender: "Acme <b>",
                minutes: 10,
                lang,
                operator: &crate::config::OperatorConfig {
                    name: Some("Keys & Co".into()),
                    privacy_contact: Some("privacy@keys.example.com".into()),
                },
            }
            .compose(&from)
            .unwrap();
            let raw = String::from_utf8(m.formatted()).unwrap();
            assert!(raw.contains("multipart/alternative"));
            assert!(raw.contains("text/plain") && raw.contains("text/html"));
            assert!(
                raw.contains(&format!("Content-Language: {}", lang.tag())),
                "{raw}"
            );
            // The operator is named in both parts, escaped in the HTML one.
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            let text = parsed.body_text(0).unwrap();
            let html = parsed.body_html(0).unwrap();
            assert!(text.contains("Keys & Co") && text.contains("privacy@keys.example.com"));
            assert!(html.contains("Keys &amp; Co") && html.contains("privacy@keys.example.com"));
            // The digits and the reference are there as they are; the page reads right to left
            // in Arabic.
            assert!(
                text.contains("1234 5678") && text.contains("ABC-DEF"),
                "{text}"
            );
            assert!(html.contains(&format!("dir=\"{}\"", lang.dir())), "{html}");
        }
    }
}

//! The properties the gateway's fuzz target checks, shared with `tests/fuzz_replay.rs`, which
//! runs them on stable over the committed seeds and every input the fuzzer ever found.

use std::sync::OnceLock;

use mail_parser::MimeHeaders as _;
use waxseal_api::{RelayKey, RelayKeys};
use waxseal_envelope::reply::ReplyKeyPair;
use waxseal_gateway::config::Config;
use waxseal_gateway::inbound::{self, Delivery};
use waxseal_gateway::outbound;
use waxseal_gateway::rules::{self, Action, Sealing};
use waxseal_sender::carrier::Lang;

/// The example configuration: internal `acme.example`, always sealed `partner.example`, never
/// sealed `auditor.example`, and a rule of each kind.
const CONFIG: &str = include_str!("../waxseal-gateway.example.toml");

fn config() -> &'static Config {
    static CONFIG_ONCE: OnceLock<Config> = OnceLock::new();
    CONFIG_ONCE.get_or_init(|| Config::parse(CONFIG).expect("the fuzz configuration"))
}

/// Any input as a mail arriving at the gateway: reading it, deciding about it and reading it as
/// a relay mail never panic; internal recipients always get the original, the recipients of
/// never-sealed domains too; and no input opens as a secure reply without the organisation's
/// sealed reply in it (random bytes cannot).
pub fn mail(data: &[u8]) {
    if let Some(message) = rules::read_mail(data) {
        let mut recipients = rules::header_recipients(&message);
        recipients.extend([
            "ann@acme.example".into(),
            "eve@auditor.example".into(),
            "bob@partner.example".into(),
        ]);
        let decision = rules::decide(config(), &message, &recipients);
        assert_eq!(decision.recipients.len(), recipients.len());
        for o in &decision.recipients {
            let domain = o
                .recipient
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase());
            match domain.as_deref() {
                Some("acme.example" | "auditor.example") => {
                    assert_eq!(o.action, Action::Original, "{o:?}")
                }
                Some("partner.example") => assert_eq!(o.action, Action::Seal, "{o:?}"),
                _ => {}
            }
        }
        let sealed = decision
            .recipients
            .iter()
            .filter(|o| o.action == Action::Seal)
            .count();
        assert_eq!(
            decision.sealing.as_ref().map_or(0, |s| s.recipients.len()),
            sealed
        );
        if let Some(sealing) = &decision.sealing {
            sealing_holds(data, &message, sealing);
        }
    }
    let key = ReplyKeyPair::from_secret("2026-11", &[0x24; 32]).expect("a key");
    let relay_keys = RelayKeys {
        keys: vec![RelayKey {
            id: "k1".into(),
            public_key: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        }],
    };
    let relayed = inbound::relayed_reply(data);
    match inbound::deliver(data, &[key], "https://keys.acme.example", Some(&relay_keys)) {
        Delivery::Unchanged => assert!(relayed.is_none()),
        Delivery::Noted(note) => {
            assert!(relayed.is_some());
            // The note is one header line on top of the mail as it came: it cannot add headers.
            let noted = inbound::with_note(data, &note);
            assert!(noted.ends_with(data));
            let note_line = &noted[..noted.len() - data.len()];
            assert!(note_line.starts_with(b"X-Waxseal-Reply-Problem: "));
            assert!(note_line.ends_with(b"\r\n"));
            assert_eq!(
                note_line
                    .iter()
                    .filter(|&&b| b == b'\n' || b == b'\r')
                    .count(),
                2
            );
        }
        Delivery::Opened(_) => panic!("an input opened as the organisation's secure reply"),
    }
}

/// What is sealed for a message: every sealed recipient in exactly one sealed message; the
/// sealed copy (its subject rewritten) and the notification built from any mail are mail again,
/// and the notification carries the page and never more of the original than its headers.
fn sealing_holds(data: &[u8], message: &mail_parser::Message<'_>, sealing: &Sealing) {
    let mut in_messages: Vec<&String> = sealing.messages.iter().flatten().collect();
    in_messages.sort();
    let mut all: Vec<&String> = sealing.recipients.iter().collect();
    all.sort();
    assert_eq!(in_messages, all);
    assert!(sealing.messages.iter().all(|m| !m.is_empty()));

    let _ = outbound::mime_problem(message);
    let sealed = outbound::with_subject(data, message, &sealing.subject);
    let reread = mail_parser::MessageParser::default()
        .parse(&sealed[..])
        .expect("the sealed copy is mail");
    // A plain subject reads back as written (a tag removed can leave it empty).
    let plain =
        |t: &str| !t.is_empty() && t.bytes().all(|b| (0x21..0x7f).contains(&b) || b == b' ');
    // A long one is folded at a space; mail-parser reads a fold's spaces as one (RFC 5322's
    // unfolding keeps them all), so runs of spaces are compared as one.
    let spaces = |t: &str| {
        t.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if message.subject().is_some_and(plain) && plain(&sealing.subject) {
        assert_eq!(
            reread.subject().map(spaces),
            Some(spaces(&sealing.subject)),
            "the sealed copy's subject"
        );
    }
    let header = header();
    let page = b"<!doctype html>\n<p>page</p>\n".to_vec();
    let mail = outbound::notification(
        data,
        message,
        &sealing.subject,
        "Acme Bank",
        header,
        Lang::En,
        page,
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail)
        .expect("the notification is mail");
    assert!(
        parsed
            .attachments()
            .any(|a| a.attachment_name() == Some("message.html")),
        "the notification carries message.html"
    );
}

/// A sealed message's header, made once.
fn header() -> &'static waxseal_envelope::Header {
    static HEADER: OnceLock<waxseal_envelope::Header> = OnceLock::new();
    HEADER.get_or_init(|| {
        waxseal_envelope::seal(
            &waxseal_envelope::SealParams {
                key_server: "https://keys.acme.example".into(),
                from: waxseal_envelope::Sender {
                    address: "ann@acme.example".into(),
                    name: None,
                },
                recipients: vec!["bob@partner.example".into()],
                created: 1_796_000_000,
                expires: 1_796_086_400,
                reply: None,
            },
            b"x",
        )
        .expect("a sealed message")
        .header
    })
}

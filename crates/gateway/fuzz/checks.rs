//! The properties the gateway's fuzz target checks, shared with `tests/fuzz_replay.rs`, which
//! runs them on stable over the committed seeds and every input the fuzzer ever found.

use std::sync::OnceLock;

use waxseal_api::{RelayKey, RelayKeys};
use waxseal_envelope::reply::ReplyKeyPair;
use waxseal_gateway::config::Config;
use waxseal_gateway::inbound::{self, Delivery};
use waxseal_gateway::rules::{self, Action};

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
        assert_eq!(decision.sealing.map_or(0, |s| s.recipients.len()), sealed);
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

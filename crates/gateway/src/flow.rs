//! What the gateway does with one accepted message: the rules decide, and what they say goes to
//! the next hop — or nothing does, and the upstream MTA keeps the message.
//!
//! Lossless and fail-closed: every sealed message is registered first (`crate::outbound`), then
//! its notifications go to the next hop, then the original to the recipients who get it; the
//! answer to the upstream MTA is `250` only after the next hop accepted all of it. A temporary
//! failure anywhere (the key server or the viewer unreachable, the next hop down, slow or
//! answering `4xx`) is a `451`, so the MTA keeps the message queued and tries again; a message
//! that cannot be sealed, or that the next hop refuses for good, is a `554` with the reason; a
//! message that a rule says to seal is never passed on in clear.
//!
//! A secure reply relayed by the key server (with `[inbound]` configured) goes on decrypted when
//! the organisation's key opens it and its key server attests who sent it, else as it came with
//! a note (`crate::inbound`).

use std::borrow::Cow;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use lettre::address::{Address, Envelope};

use waxseal_api::RelayKeys;
use waxseal_envelope::reply::ReplyKeyPair;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::inbound::{self, Delivery};
use crate::next_hop::{NextHop, Refusal};
use crate::outbound::{Failure, Sealer};
use crate::reply_keys;
use crate::rules::{self, Action};

/// One SMTP transaction, as the gateway accepted it.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// The envelope sender (empty: the null sender of a bounce).
    pub from: String,
    /// The envelope recipients.
    pub recipients: Vec<String>,
    /// The message, as received (dot-stuffing removed).
    pub data: Vec<u8>,
}

/// The gateway's answer to the end of a transaction's `DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The SMTP code.
    pub code: u16,
    /// The enhanced status code (RFC 3463).
    pub status: [u8; 3],
    /// The text.
    pub text: String,
}

impl Reply {
    fn new(code: u16, status: [u8; 3], text: impl Into<String>) -> Self {
        Self {
            code,
            status,
            text: text.into(),
        }
    }
}

/// The gateway: its configuration and its connection to the next hop.
pub struct Gateway {
    config: Config,
    next_hop: NextHop,
    inbound: Option<Opener>,
    sealer: Option<Sealer>,
}

/// What opens secure replies on their way in: the organisation's reply keys, and its key
/// server, whose relay keys check who replied.
struct Opener {
    key_server: String,
    keys: Vec<ReplyKeyPair>,
    http: reqwest::Client,
}

impl Opener {
    /// The key server's relay attestation keys (`None` if it cannot give them now: the reply is
    /// then delivered sealed with a note, never held or dropped).
    async fn relay_keys(&self) -> Option<RelayKeys> {
        let url = format!("{}/v1/relay-keys", self.key_server);
        let fetched = async {
            self.http
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .json::<RelayKeys>()
                .await
        };
        match fetched.await {
            Ok(keys) => Some(keys),
            Err(e) => {
                tracing::warn!(key_server = %self.key_server, error = %e, "the key server's relay keys could not be fetched");
                None
            }
        }
    }
}

/// How long the gateway waits for the next hop's answers.
const NEXT_HOP_TIMEOUT: Duration = Duration::from_secs(120);

impl Gateway {
    /// A gateway for `config`, which must name its next hop. Call it on the tokio runtime that
    /// will serve: the connections to the next hop are pooled there.
    pub fn new(config: Config) -> Result<Self, String> {
        let next_hop: SocketAddr = config.next_hop.ok_or(
            "the configuration has no [next_hop]: say where accepted mail goes (address = \"127.0.0.1:10026\")",
        )?;
        let transport = NextHop::new(next_hop, &config.listen.hostname, NEXT_HOP_TIMEOUT);
        let inbound = match &config.inbound {
            Some(i) => Some(Opener {
                key_server: i.key_server.clone(),
                keys: i
                    .reply_keys
                    .iter()
                    .map(|p| {
                        reply_keys::opening_key(p).map_err(|e| format!("inbound.reply_keys: {e}"))
                    })
                    .collect::<Result<_, _>>()?,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .map_err(|e| format!("cannot make an HTTP client: {e}"))?,
            }),
            None => None,
        };
        let can_seal = !config.rules.is_empty() || !config.always_seal.is_empty();
        let sealer = match (&config.sealing, can_seal) {
            (Some(service), _) => Some(Sealer::new(service, &config.organisation)?),
            (None, false) => None,
            (None, true) => {
                return Err("the rules can seal messages but [seal] names no key_server to register them with".into());
            }
        };
        Ok(Self {
            config,
            next_hop: transport,
            inbound,
            sealer,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Decides and hands on one transaction; `queue_id` names it in the log.
    pub async fn handle(&self, t: &Transaction, queue_id: &str) -> Reply {
        let Some(message) = rules::read_mail(&t.data) else {
            tracing::info!(queue_id, decision = "refused", "not a mail message");
            return Reply::new(
                554,
                [5, 6, 0],
                "the message is not a mail message (it has no From, To, Subject or Date header); it was not sent",
            );
        };
        let message_id = message.message_id().unwrap_or("").to_owned();
        let upstream_id = upstream_queue_id(&message).unwrap_or_default();
        if let Some(opener) = &self.inbound
            && inbound::relayed_reply(&t.data).is_some()
        {
            return self.open_reply(opener, t, queue_id, &message_id).await;
        }
        let decision = rules::decide(&self.config, &message, &t.recipients);
        let domains = recipient_domains(&t.recipients);
        let rule = decision
            .matched
            .as_ref()
            .map(|m| m.rule.as_str())
            .unwrap_or("");
        let originals: Vec<String> = decision
            .recipients
            .iter()
            .filter(|o| o.action == Action::Original)
            .map(|o| o.recipient.clone())
            .collect();
        let mut sealed_ids = Vec::new();
        // What goes to the next hop: the notifications, then the original as it came.
        let mut produced: Vec<(Vec<String>, Cow<'_, [u8]>)> = Vec::new();
        if let Some(sealing) = &decision.sealing {
            let Some(sealer) = &self.sealer else {
                // Gateway::new refuses a configuration that can seal without a key server.
                return Reply::new(
                    451,
                    [4, 7, 0],
                    "this gateway has no key server to seal with; the message stays queued",
                );
            };
            for group in &sealing.messages {
                match sealer.seal(&t.data, &message, sealing, group).await {
                    Ok(sealed) => {
                        sealed_ids.push(sealed.id);
                        produced.extend(
                            sealed
                                .notifications
                                .into_iter()
                                .map(|(to, mail)| (to, Cow::Owned(mail))),
                        );
                    }
                    Err(failure) => {
                        let (reply, outcome, why) = match failure {
                            Failure::Later(why) => (
                                Reply::new(
                                    451,
                                    [4, 7, 0],
                                    format!(
                                        "{why}; the message stays queued and is never passed on in clear"
                                    ),
                                ),
                                "deferred",
                                why,
                            ),
                            Failure::Refused(why) => (
                                Reply::new(
                                    554,
                                    [5, 7, 0],
                                    format!("{why}; it was not sent to anyone"),
                                ),
                                "refused",
                                why,
                            ),
                        };
                        tracing::info!(
                            queue_id,
                            upstream_id,
                            decision = "seal",
                            rule,
                            message_id,
                            recipient_domains = domains,
                            outcome,
                            reason = domains_only(&why),
                            "message handled"
                        );
                        return reply;
                    }
                }
            }
        }
        if !originals.is_empty() {
            produced.push((originals, Cow::Borrowed(&t.data[..])));
        }
        let mut outcome = Ok(());
        for (recipients, data) in &produced {
            outcome = self.relay(&t.from, recipients, data).await;
            if outcome.is_err() {
                break;
            }
        }
        let (reply, outcome_name) = answer(outcome, queue_id);
        tracing::info!(
            queue_id,
            upstream_id,
            decision = if sealed_ids.is_empty() {
                "original"
            } else {
                "seal"
            },
            rule,
            message_id,
            sealed = sealed_ids.join(","),
            recipient_domains = domains,
            outcome = outcome_name,
            "message handled"
        );
        reply
    }

    /// A secure reply relayed by the key server: delivered to its recipients decrypted when the
    /// organisation's key opens it and its key server attests who sent it, else as it came with
    /// a note saying why.
    async fn open_reply(
        &self,
        opener: &Opener,
        t: &Transaction,
        queue_id: &str,
        message_id: &str,
    ) -> Reply {
        let relay_keys = opener.relay_keys().await;
        let delivery = inbound::deliver(
            &t.data,
            &opener.keys,
            &opener.key_server,
            relay_keys.as_ref(),
        );
        let (data, opened) = match delivery {
            Delivery::Opened(plaintext) => (plaintext, "opened"),
            Delivery::Noted(note) => (
                Zeroizing::new(inbound::with_note(&t.data, &note)),
                "delivered sealed with a note",
            ),
            Delivery::Unchanged => (Zeroizing::new(t.data.clone()), "delivered as it came"),
        };
        let outcome = self.relay(&t.from, &t.recipients, &data).await;
        let (reply, outcome_name) = answer(outcome, queue_id);
        tracing::info!(
            queue_id,
            decision = "secure reply",
            reply = opened,
            message_id,
            recipient_domains = recipient_domains(&t.recipients),
            outcome = outcome_name,
            "message handled"
        );
        reply
    }

    async fn relay(&self, from: &str, to: &[String], data: &[u8]) -> Result<(), Relay> {
        let address = |a: &str| {
            Address::from_str(a)
                .map_err(|_| Relay::Refused(format!("{a:?} is not an address it takes")))
        };
        let from = if from.is_empty() {
            None
        } else {
            Some(address(from)?)
        };
        let to = to
            .iter()
            .map(|a| address(a))
            .collect::<Result<Vec<_>, _>>()?;
        let envelope = Envelope::new(from, to)
            .map_err(|e| Relay::Refused(format!("the envelope is not valid: {e}")))?;
        // The data ends with the CRLF of its last line, which lettre writes itself as the start
        // of the end-of-data marker: without this, every hop would add an empty line.
        let data = data.strip_suffix(b"\r\n").unwrap_or(data);
        match self.next_hop.send(&envelope, data).await {
            Ok(()) => Ok(()),
            Err(Refusal::Permanent(e)) => Err(Relay::Refused(e)),
            Err(Refusal::Temporary(e)) => Err(Relay::Unavailable(e)),
        }
    }
}

/// The answer to the sending MTA for what the next hop said, and its name in the log.
fn answer(outcome: Result<(), Relay>, queue_id: &str) -> (Reply, &'static str) {
    match outcome {
        Ok(()) => (
            Reply::new(250, [2, 0, 0], format!("queued as {queue_id}")),
            "relayed",
        ),
        Err(Relay::Refused(why)) => (
            Reply::new(
                554,
                [5, 0, 0],
                format!("the next mail server refused the message: {why}"),
            ),
            "refused by the next hop",
        ),
        Err(Relay::Unavailable(why)) => (
            Reply::new(
                451,
                [4, 4, 1],
                format!(
                    "the next mail server could not take the message now ({why}); try again later"
                ),
            ),
            "next hop unavailable",
        ),
    }
}

enum Relay {
    /// The next hop said no for good.
    Refused(String),
    /// It did not answer, or said "later".
    Unavailable(String),
}

/// The sending MTA's queue id, from the `Received` header it added on top (`… with ESMTP id
/// 4XyZ1234`), for the log.
fn upstream_queue_id(message: &mail_parser::Message<'_>) -> Option<String> {
    let received = message.received()?;
    let id = received.id()?;
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        .then(|| id.to_owned())
}

/// `text` with the local part of every address in it replaced by `…`, for the log, which names
/// domains only.
fn domains_only(text: &str) -> String {
    let local = |c: char| c.is_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c);
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('@').enumerate() {
        if i > 0 {
            // `out` ends with the local part of this address: cut it.
            let kept = out.trim_end_matches(local).len();
            if kept < out.len() {
                out.truncate(kept);
                out.push('…');
            }
            out.push('@');
        }
        out.push_str(piece);
    }
    out
}

/// The recipients' domains, sorted and without repeats, for the log (never the addresses).
fn recipient_domains(recipients: &[String]) -> String {
    let mut domains: Vec<String> = recipients
        .iter()
        .filter_map(|r| r.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .collect();
    domains.sort();
    domains.dedup();
    domains.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_that_can_seal_need_a_key_server_and_its_api_key() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _on = runtime.enter();
        let config = |seal: &str| {
            Config::parse(&format!("[organisation]\nname = \"Acme\"\ninternal_domains = [\"acme.example\"]\n{seal}[[rule]]\nname = \"tag\"\nsubject_tag = \"[secure]\"\n[next_hop]\naddress = \"127.0.0.1:1\"\n")).unwrap()
        };
        let refusal = |c| match Gateway::new(c) {
            Ok(_) => panic!("started"),
            Err(e) => e,
        };
        assert_eq!(
            refusal(config("")),
            "the rules can seal messages but [seal] names no key_server to register them with"
        );
        assert_eq!(
            refusal(config(
                "[seal]\nkey_server = \"https://keys.acme.example\"\napi_key_file = \"/nonexistent/key\"\n"
            )),
            "seal.api_key_file: cannot read /nonexistent/key: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn reasons_in_the_log_keep_domains_only() {
        assert_eq!(
            domains_only(
                r#"the key server refused: from "Alice.J+x@acme.example" is not valid; bob@partner.example too"#
            ),
            r#"the key server refused: from "…@acme.example" is not valid; …@partner.example too"#
        );
        assert_eq!(domains_only("no address here"), "no address here");
    }

    #[test]
    fn the_log_names_domains_only() {
        assert_eq!(
            recipient_domains(&[
                "Bob@Partner.Example".into(),
                "ann@acme.example".into(),
                "eve@partner.example".into()
            ]),
            "acme.example,partner.example"
        );
    }
}

//! What happens to a message, recipient by recipient, and why.
//!
//! For each recipient, in this order:
//! 1. a recipient in one of the organisation's internal domains gets the original;
//! 2. a recipient in a domain that is never sealed gets the original;
//! 3. a recipient in a domain that is always sealed gets the sealed message;
//! 4. otherwise, the first rule that matches the message seals it for the recipient; when no
//!    rule matches, the recipient gets the original.
//!
//! The sealed recipients the message names in To or Cc share one sealed message; each blind
//! copy gets one of its own.

use mail_parser::Message;
use serde::Serialize;

use crate::config::{Condition, Config, Rule};

/// What a recipient gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The message as it came.
    Original,
    /// A notification carrying the sealed message.
    Seal,
}

/// Why a recipient gets what it gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// The recipient's domain is one of the organisation's.
    Internal {
        /// The domain.
        domain: String,
    },
    /// The recipient's domain is never sealed.
    NeverSealed {
        /// The domain.
        domain: String,
    },
    /// The recipient's domain is always sealed.
    AlwaysSealed {
        /// The domain.
        domain: String,
    },
    /// A rule matched the message.
    Rule {
        /// The rule's name.
        rule: String,
    },
    /// No rule matched the message.
    NoRule,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Internal { domain } => write!(f, "internal domain {domain}"),
            Reason::NeverSealed { domain } => write!(f, "domain {domain} is never sealed"),
            Reason::AlwaysSealed { domain } => write!(f, "domain {domain} is always sealed"),
            Reason::Rule { rule } => write!(f, "rule {rule:?}"),
            Reason::NoRule => f.write_str("no rule matched"),
        }
    }
}

/// One recipient's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The recipient's address.
    pub recipient: String,
    /// What it gets.
    pub action: Action,
    /// Why.
    pub reason: Reason,
}

/// The rule that matched the message, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// The rule's name.
    pub rule: String,
    /// What it found, in words.
    pub found: String,
}

/// The sealed messages, if any recipient gets one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sealing {
    /// Their recipients.
    pub recipients: Vec<String>,
    /// The sealed messages, each with its recipients ([`privacy_groups`]).
    pub messages: Vec<Vec<String>>,
    /// The subject its recipients see (a subject tag removed).
    pub subject: String,
    /// How long it can be opened, in seconds.
    pub expires: u64,
    /// How many times it can be opened (none: no limit).
    pub max_opens: Option<u32>,
}

/// What happens to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The rule that matched the message, if one did.
    pub matched: Option<Matched>,
    /// Each recipient's outcome, in the order given.
    pub recipients: Vec<Outcome>,
    /// The sealed message, if any recipient gets one.
    pub sealing: Option<Sealing>,
}

/// The first rule that matches `message`, and what it found.
pub fn matching_rule<'a>(config: &'a Config, message: &Message<'_>) -> Option<(&'a Rule, String)> {
    config
        .rules
        .iter()
        .find_map(|rule| found(rule, message).map(|f| (rule, f)))
}

fn found(rule: &Rule, message: &Message<'_>) -> Option<String> {
    match &rule.condition {
        Condition::SubjectTag(tag) => {
            let subject = message.subject().unwrap_or_default();
            find_ignore_case(subject, tag).map(|_| format!("the subject has the tag {tag:?}"))
        }
        Condition::Header { name, value } => {
            let present = message
                .header_values(name.as_str())
                .filter_map(|v| v.as_text())
                .map(str::trim)
                .find(|v| {
                    value
                        .as_deref()
                        .is_none_or(|want| v.eq_ignore_ascii_case(want))
                })?;
            Some(format!("the header {name}: {present}"))
        }
        Condition::SensitivityLabel(label) => {
            let needle = format!("msip_label_{label}_enabled=true");
            message
                .header_values("msip_labels")
                .filter_map(|v| v.as_text())
                .any(|v| {
                    v.to_ascii_lowercase()
                        .split(';')
                        .any(|part| part.trim().replace(' ', "") == needle)
                })
                .then(|| format!("the sensitivity label {label} (msip_labels)"))
        }
    }
}

/// The byte offset of `needle` in `haystack`, in any case.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.to_lowercase();
    let n = needle.to_lowercase();
    // Lower-casing can change lengths outside ASCII; the tag is found in the lowered text and
    // its place mapped back only when the lengths agree.
    let at = h.find(&n)?;
    (h.len() == haystack.len()).then_some(at)
}

/// `subject` with the first occurrence of `tag` (any case) removed and the spaces around it
/// closed up.
pub fn without_tag(subject: &str, tag: &str) -> String {
    match find_ignore_case(subject, tag) {
        Some(at) => {
            let (before, after) = (&subject[..at], &subject[at + tag.len()..]);
            let joined = match (before.trim_end(), after.trim_start()) {
                ("", a) => a.to_owned(),
                (b, "") => b.to_owned(),
                (b, a) => format!("{b} {a}"),
            };
            joined.trim().to_owned()
        }
        None => subject.trim().to_owned(),
    }
}

/// The domain of an address, lower case.
fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .unwrap_or_default()
}

/// Decides what happens to `message` for each of `recipients` (the envelope's, in order).
pub fn decide(config: &Config, message: &Message<'_>, recipients: &[String]) -> Decision {
    let matched = matching_rule(config, message);
    let outcomes: Vec<Outcome> = recipients
        .iter()
        .map(|r| {
            let domain = domain_of(r);
            let (action, reason) = if config.internal_domains.contains(&domain) {
                (Action::Original, Reason::Internal { domain })
            } else if config.never_seal.contains(&domain) {
                (Action::Original, Reason::NeverSealed { domain })
            } else if config.always_seal.contains(&domain) {
                (Action::Seal, Reason::AlwaysSealed { domain })
            } else if let Some((rule, _)) = &matched {
                (
                    Action::Seal,
                    Reason::Rule {
                        rule: rule.name.clone(),
                    },
                )
            } else {
                (Action::Original, Reason::NoRule)
            };
            Outcome {
                recipient: r.clone(),
                action,
                reason,
            }
        })
        .collect();
    let sealed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.action == Action::Seal)
        .map(|o| o.recipient.clone())
        .collect();
    let subject = message.subject().unwrap_or_default();
    let sealing = (!sealed.is_empty()).then(|| {
        let rule = matched.as_ref().map(|(rule, _)| *rule);
        Sealing {
            messages: privacy_groups(message, &sealed),
            recipients: sealed,
            subject: match rule.map(|r| &r.condition) {
                Some(Condition::SubjectTag(tag)) => without_tag(subject, tag),
                _ => subject.trim().to_owned(),
            },
            expires: rule.and_then(|r| r.expires).unwrap_or(config.expires),
            max_opens: rule.and_then(|r| r.max_opens).or(config.max_opens),
        }
    });
    Decision {
        matched: matched.map(|(rule, found)| Matched {
            rule: rule.name.clone(),
            found,
        }),
        recipients: outcomes,
        sealing,
    }
}

/// The sealed messages that `recipients` get: one for those the message names in To or Cc (in
/// that order), and one each for the others (blind copies), whose addresses a sealed message shared with
/// the rest would show them.
pub fn privacy_groups(message: &Message<'_>, recipients: &[String]) -> Vec<Vec<String>> {
    let named: Vec<&str> = [message.to(), message.cc()]
        .into_iter()
        .flatten()
        .flat_map(|list| list.iter().filter_map(|a| a.address()))
        .collect();
    let place = |r: &String| named.iter().position(|n| n.eq_ignore_ascii_case(r));
    let (mut visible, hidden): (Vec<String>, Vec<String>) =
        recipients.iter().cloned().partition(|r| place(r).is_some());
    // In the order the message names them, as its readers see them.
    visible.sort_by_key(place);
    let mut groups = Vec::new();
    if !visible.is_empty() {
        groups.push(visible);
    }
    groups.extend(hidden.into_iter().map(|r| vec![r]));
    groups
}

/// Reads a mail message: `None` if it has none of the headers every mail has (From, To,
/// Subject, Date), which is not a mail the gateway can decide about.
pub fn read_mail(bytes: &[u8]) -> Option<Message<'_>> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .filter(|m| {
            m.from().is_some() || m.to().is_some() || m.subject().is_some() || m.date().is_some()
        })
}

/// The recipients a message names in `To`, `Cc` and `Bcc` (for `check-rules` without envelope
/// recipients), lower-cased domains kept as written, without repeats.
pub fn header_recipients(message: &Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for list in [message.to(), message.cc(), message.bcc()]
        .into_iter()
        .flatten()
    {
        for addr in list.iter() {
            if let Some(a) = addr.address()
                && !out.iter().any(|o| o.eq_ignore_ascii_case(a))
            {
                out.push(a.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;

    use super::*;

    const CONFIG: &str = r#"
[organisation]
name = "Acme Bank"
internal_domains = ["acme.example"]
[domains]
always_seal = ["partner.example"]
never_seal = ["auditor.example"]
[seal]
expires = "30d"
[[rule]]
name = "subject tag"
subject_tag = "[secure]"
[[rule]]
name = "header"
header = "X-Waxseal"
value = "encrypt"
[[rule]]
name = "confidential label"
sensitivity_label = "8f5c2a3e-1d4b-4c6a-9e7f-0a1b2c3d4e5f"
expires = "7d"
max_opens = 3
"#;

    fn decide_on(eml: &str, rcpts: &[&str]) -> Decision {
        let config = Config::parse(CONFIG).unwrap();
        let message = MessageParser::default().parse(eml.as_bytes()).unwrap();
        let rcpts: Vec<String> = rcpts.iter().map(|r| r.to_string()).collect();
        decide(&config, &message, &rcpts)
    }

    #[test]
    fn a_tagged_message_is_sealed_for_external_recipients_only_and_loses_its_tag() {
        let d = decide_on(
            "From: ann@acme.example\r\nTo: bob@example.net\r\nSubject: Q3 [SECURE] figures\r\n\r\nhi\r\n",
            &[
                "bob@example.net",
                "carl@acme.example",
                "dora@auditor.example",
                "eve@partner.example",
            ],
        );
        assert_eq!(
            d.matched,
            Some(Matched {
                rule: "subject tag".into(),
                found: "the subject has the tag \"[secure]\"".into()
            })
        );
        let actions: Vec<(Action, String)> = d
            .recipients
            .iter()
            .map(|o| (o.action, o.reason.to_string()))
            .collect();
        assert_eq!(
            actions,
            [
                (Action::Seal, "rule \"subject tag\"".to_owned()),
                (Action::Original, "internal domain acme.example".to_owned()),
                (
                    Action::Original,
                    "domain auditor.example is never sealed".to_owned()
                ),
                (
                    Action::Seal,
                    "domain partner.example is always sealed".to_owned()
                ),
            ]
        );
        assert_eq!(
            d.sealing,
            Some(Sealing {
                recipients: vec!["bob@example.net".into(), "eve@partner.example".into()],
                // Eve is not named in To or Cc: a sealed message of her own.
                messages: vec![
                    vec!["bob@example.net".into()],
                    vec!["eve@partner.example".into()]
                ],
                subject: "Q3 figures".into(),
                expires: 30 * 86_400,
                max_opens: None,
            })
        );
    }

    #[test]
    fn an_untagged_message_passes_except_to_domains_always_sealed() {
        let d = decide_on(
            "From: ann@acme.example\r\nSubject: Lunch\r\n\r\nhi\r\n",
            &["bob@example.net", "eve@Partner.Example"],
        );
        assert_eq!(d.matched, None);
        assert_eq!(d.recipients[0].reason, Reason::NoRule);
        assert_eq!(d.recipients[1].action, Action::Seal);
        assert_eq!(d.sealing.unwrap().subject, "Lunch");
    }

    #[test]
    fn headers_and_sensitivity_labels_match_and_bring_their_limits() {
        let d = decide_on(
            "From: a@acme.example\r\nSubject: x\r\nx-waxseal:  Encrypt \r\n\r\nhi\r\n",
            &["bob@example.net"],
        );
        assert_eq!(d.matched.unwrap().found, "the header X-Waxseal: Encrypt");
        let d = decide_on(
            "From: a@acme.example\r\nSubject: x\r\nX-Waxseal: no\r\n\r\nhi\r\n",
            &["bob@example.net"],
        );
        assert_eq!(d.matched, None);
        let labelled = "From: a@acme.example\r\nSubject: Board minutes\r\nmsip_labels: MSIP_Label_8F5C2A3E-1D4B-4C6A-9E7F-0A1B2C3D4E5F_Enabled=true; MSIP_Label_8F5C2A3E-1D4B-4C6A-9E7F-0A1B2C3D4E5F_SiteId=72f988bf-86f1-41af-91ab-2d7cd011db47;\r\n\r\nhi\r\n";
        let d = decide_on(labelled, &["bob@example.net"]);
        assert_eq!(d.matched.unwrap().rule, "confidential label");
        let s = d.sealing.unwrap();
        assert_eq!(
            (s.expires, s.max_opens, s.subject.as_str()),
            (7 * 86_400, Some(3), "Board minutes")
        );
        // A label that is not enabled, or another label, does not match.
        let d = decide_on(
            &labelled.replace("_Enabled=true", "_Enabled=false"),
            &["bob@example.net"],
        );
        assert_eq!(d.matched, None);
    }

    #[test]
    fn the_tag_is_removed_wherever_it_stands() {
        assert_eq!(without_tag("[secure] Contract", "[secure]"), "Contract");
        assert_eq!(without_tag("Contract [Secure]", "[secure]"), "Contract");
        assert_eq!(
            without_tag("Re: the [secure]  contract", "[secure]"),
            "Re: the contract"
        );
        assert_eq!(without_tag("Contract", "[secure]"), "Contract");
    }

    #[test]
    fn blind_copies_get_messages_of_their_own_and_the_rest_keep_the_headers_order() {
        let m = MessageParser::default()
            .parse(&b"From: alice@acme.example\r\nTo: Bob <bob@partner.example>, carol@acme.example\r\nCc: dan@example.net\r\nSubject: x\r\n\r\nx\r\n"[..])
            .unwrap();
        let groups = privacy_groups(
            &m,
            &[
                "eve@example.org".into(),
                "DAN@example.net".into(),
                "bob@partner.example".into(),
                "frank@example.org".into(),
            ],
        );
        assert_eq!(
            groups,
            [
                vec!["bob@partner.example".to_owned(), "DAN@example.net".into()],
                vec!["eve@example.org".into()],
                vec!["frank@example.org".into()],
            ]
        );
    }
}

//! The gateway's configuration (`waxseal-gateway.toml`): the organisation, its internal domains,
//! the domains whose recipients are always or never sealed, and the rules that say which
//! messages must be sealed.
//!
//! ```toml
//! [organisation]
//! name = "Acme Bank"
//! internal_domains = ["acme.example"]
//!
//! [domains]
//! always_seal = ["partner.example"]
//! never_seal = ["auditor.example"]
//!
//! [seal]
//! expires = "30d"
//! key_server = "https://keys.acme.example"    # where sealed messages are registered
//! api_key_file = "/etc/waxseal/gateway.key"   # the gateway's sender API key (else WAXSEAL_API_KEY)
//! reply_to = "replies@acme.example"           # recipients may answer securely (optional)
//! reply_key = "/etc/waxseal/reply-key.toml"
//!
//! [[rule]]
//! name = "subject tag"
//! subject_tag = "[secure]"
//!
//! [[rule]]
//! name = "X-Waxseal header"
//! header = "X-Waxseal"
//! value = "encrypt"
//!
//! [[rule]]
//! name = "Confidential label"
//! sensitivity_label = "8f5c2a3e-1d4b-4c6a-9e7f-0a1b2c3d4e5f"
//! expires = "7d"
//! max_opens = 3
//!
//! [listen]                               # the SMTP service (`waxseal-gateway serve`)
//! address = "127.0.0.1:10025"
//! allowed_networks = ["127.0.0.0/8", "::1/128"]
//!
//! [next_hop]
//! address = "127.0.0.1:10026"
//!
//! [inbound]                              # secure replies opened on their way in
//! key_server = "https://keys.acme.example"
//! reply_keys = ["/etc/waxseal/reply-key.toml"]
//! ```

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ipnet::IpNet;
use serde::Deserialize;

/// The whole configuration, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The organisation's name, shown to recipients.
    pub organisation: String,
    /// Domains whose recipients are the organisation's own: they get the original.
    pub internal_domains: Vec<String>,
    /// Recipient domains that are always sealed, whatever the rules say.
    pub always_seal: Vec<String>,
    /// Recipient domains that are never sealed, whatever the rules say.
    pub never_seal: Vec<String>,
    /// The rules, in order: the first that matches a message decides.
    pub rules: Vec<Rule>,
    /// How long a sealed message can be opened, by default, in seconds.
    pub expires: u64,
    /// How many times a sealed message can be opened, by default (none: no limit).
    pub max_opens: Option<u32>,
    /// The SMTP service: where it listens and whom it serves.
    pub listen: Listen,
    /// Where the gateway hands on what it accepted.
    pub next_hop: Option<SocketAddr>,
    /// Secure replies arriving for the organisation, opened on their way in (`[inbound]`).
    pub inbound: Option<Inbound>,
    /// Where and how sealed messages are registered (`[seal]`'s key server); needed to serve
    /// when anything can be sealed.
    pub sealing: Option<SealService>,
}

/// The key server that sealed messages are registered with, and what goes into them
/// (`[seal]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealService {
    /// The key server's origin.
    pub key_server: String,
    /// The file holding the gateway's sender API key (`waxseal-server create-sender`); none:
    /// the `WAXSEAL_API_KEY` environment variable.
    pub api_key_file: Option<PathBuf>,
    /// Where the viewer is served (default: the key server, which serves one too).
    pub viewer: String,
    /// Where secure replies go, and the reply key file whose public key they are sealed to.
    pub reply: Option<(String, PathBuf)>,
}

/// Opening secure replies on their way in (`[inbound]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The organisation's own key server (an origin), the only one whose attestation of a
    /// replier is believed.
    pub key_server: String,
    /// The organisation's reply key files (`waxseal reply-key new`).
    pub reply_keys: Vec<PathBuf>,
}

/// The SMTP service's listening side (`[listen]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// The address and port (default `127.0.0.1:10025`: loopback only).
    pub address: SocketAddr,
    /// The name the service gives itself in its greeting and `EHLO` answer.
    pub hostname: String,
    /// The networks whose clients may send through the gateway (default: loopback); others get
    /// `554` at once.
    pub allowed_networks: Vec<IpNet>,
    /// The largest message accepted, in bytes (announced with `SIZE`; default 50 MiB).
    pub max_message_bytes: usize,
    /// The most recipients of one message (default 1,000).
    pub max_recipients: usize,
    /// The most connections served at once (default 100); more are told to try later (`421`).
    pub max_connections: usize,
    /// How long a client may stay silent before it is disconnected, in seconds (default 300,
    /// RFC 5321's minimum for the server's wait for a command being 5 minutes).
    pub timeout_seconds: u64,
    /// The certificate and key that `STARTTLS` uses (none: `STARTTLS` is not offered).
    pub tls: Option<TlsFiles>,
    /// Whether mail is taken only inside TLS (`530` to `MAIL FROM` before `STARTTLS`).
    pub require_tls: bool,
}

/// A TLS identity as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub certificate: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

impl Listen {
    /// Whether a client at `ip` may send through the gateway.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.allowed_networks.iter().any(|n| n.contains(&ip))
    }
}

impl Default for Listen {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 10025)),
            hostname: "waxseal-gateway".into(),
            allowed_networks: vec![
                "127.0.0.0/8".parse().expect("a network"),
                "::1/128".parse().expect("a network"),
            ],
            max_message_bytes: 50 << 20,
            max_recipients: 1000,
            max_connections: 100,
            timeout_seconds: 300,
            tls: None,
            require_tls: false,
        }
    }
}

/// One rule: a condition on the message, and how its sealed copy is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its name, in the logs and in `check-rules`.
    pub name: String,
    /// What it looks for.
    pub condition: Condition,
    /// How long the sealed message can be opened, in seconds (else the `[seal]` default).
    pub expires: Option<u64>,
    /// How many times it can be opened (else the `[seal]` default).
    pub max_opens: Option<u32>,
}

/// What a rule looks for in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// A tag in the subject, such as `[secure]` (any case); it is removed from the subject that
    /// the sealed message's recipients see.
    SubjectTag(String),
    /// A header, with a value (any case, surrounding spaces ignored) or with any value.
    Header {
        /// The header's name (any case).
        name: String,
        /// The value it must have; `None`: any.
        value: Option<String>,
    },
    /// A Microsoft Purview sensitivity label applied to the message, by its label id (a GUID),
    /// as the `msip_labels` header records it.
    SensitivityLabel(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    organisation: WireOrganisation,
    #[serde(default)]
    domains: WireDomains,
    #[serde(default)]
    seal: WireSeal,
    #[serde(default, rename = "rule")]
    rules: Vec<WireRule>,
    #[serde(default)]
    listen: WireListen,
    next_hop: Option<WireNextHop>,
    inbound: Option<WireInbound>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireInbound {
    key_server: String,
    reply_keys: Vec<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireListen {
    address: Option<String>,
    hostname: Option<String>,
    allowed_networks: Option<Vec<String>>,
    max_message_bytes: Option<usize>,
    max_recipients: Option<usize>,
    max_connections: Option<usize>,
    timeout_seconds: Option<u64>,
    tls_certificate: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    require_tls: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireNextHop {
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireOrganisation {
    name: String,
    internal_domains: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireDomains {
    #[serde(default)]
    always_seal: Vec<String>,
    #[serde(default)]
    never_seal: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireSeal {
    expires: Option<String>,
    max_opens: Option<u32>,
    key_server: Option<String>,
    api_key_file: Option<PathBuf>,
    viewer: Option<String>,
    reply_to: Option<String>,
    reply_key: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRule {
    name: String,
    subject_tag: Option<String>,
    header: Option<String>,
    value: Option<String>,
    sensitivity_label: Option<String>,
    expires: Option<String>,
    max_opens: Option<u32>,
}

/// The default life of a sealed message: 30 days.
pub const DEFAULT_EXPIRES: u64 = 30 * 86_400;
/// The longest life a rule may give (a year and a day, as the key server allows).
pub const MAX_EXPIRES: u64 = 366 * 86_400;

impl Config {
    /// Reads and checks a configuration; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Self, String> {
        let wire: Wire = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        let organisation = wire.organisation.name.trim().to_owned();
        if organisation.is_empty() {
            return Err("organisation.name is empty: it is the name recipients see".into());
        }
        let domains = |what: &str, list: Vec<String>| -> Result<Vec<String>, String> {
            list.into_iter()
                .map(|d| {
                    let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
                    if is_domain(&d) {
                        Ok(d)
                    } else {
                        Err(format!("{what}: {d:?} is not a domain name"))
                    }
                })
                .collect()
        };
        let internal_domains = domains(
            "organisation.internal_domains",
            wire.organisation.internal_domains,
        )?;
        if internal_domains.is_empty() {
            return Err("organisation.internal_domains is empty: name the organisation's own mail domains, whose recipients get the original".into());
        }
        let always_seal = domains("domains.always_seal", wire.domains.always_seal)?;
        let never_seal = domains("domains.never_seal", wire.domains.never_seal)?;
        if let Some(d) = always_seal.iter().find(|d| never_seal.contains(d)) {
            return Err(format!(
                "the domain {d:?} is in both domains.always_seal and domains.never_seal"
            ));
        }
        if let Some(d) = always_seal
            .iter()
            .chain(&never_seal)
            .find(|d| internal_domains.contains(d))
        {
            return Err(format!(
                "the domain {d:?} is internal (organisation.internal_domains) and also in [domains]: internal recipients always get the original"
            ));
        }
        let expires = match wire.seal.expires.as_deref() {
            Some(e) => parse_duration(e).map_err(|e| format!("seal.expires: {e}"))?,
            None => DEFAULT_EXPIRES,
        };
        let mut rules = Vec::with_capacity(wire.rules.len());
        for (i, r) in wire.rules.into_iter().enumerate() {
            let at = format!("rule {} ({:?})", i + 1, r.name);
            if r.name.trim().is_empty() {
                return Err(format!("rule {}: name is empty", i + 1));
            }
            if rules.iter().any(|x: &Rule| x.name == r.name) {
                return Err(format!("{at}: another rule has the same name"));
            }
            let condition = match (r.subject_tag, r.header, r.sensitivity_label) {
                (Some(tag), None, None) if r.value.is_none() => {
                    if tag.trim().is_empty() {
                        return Err(format!("{at}: subject_tag is empty"));
                    }
                    Condition::SubjectTag(tag.trim().to_owned())
                }
                (None, Some(name), None) => {
                    if !is_header_name(&name) {
                        return Err(format!("{at}: {name:?} is not a header name"));
                    }
                    Condition::Header {
                        name,
                        value: r.value.map(|v| v.trim().to_owned()),
                    }
                }
                (None, None, Some(label)) if r.value.is_none() => {
                    let label = label.trim().to_ascii_lowercase();
                    if !is_guid(&label) {
                        return Err(format!(
                            "{at}: sensitivity_label {label:?} is not a label id (a GUID such as 8f5c2a3e-1d4b-4c6a-9e7f-0a1b2c3d4e5f)"
                        ));
                    }
                    Condition::SensitivityLabel(label)
                }
                (None, None, None) => {
                    return Err(format!(
                        "{at}: say what it looks for: subject_tag, header (with value) or sensitivity_label"
                    ));
                }
                _ if r.value.is_some() => {
                    return Err(format!("{at}: value goes only with header"));
                }
                _ => {
                    return Err(format!(
                        "{at}: one condition per rule: subject_tag, header or sensitivity_label (make one rule each)"
                    ));
                }
            };
            let expires = r
                .expires
                .map(|e| parse_duration(&e).map_err(|e| format!("{at}: expires: {e}")))
                .transpose()?;
            rules.push(Rule {
                name: r.name,
                condition,
                expires,
                max_opens: r.max_opens,
            });
        }
        for opens in rules
            .iter()
            .filter_map(|r| r.max_opens)
            .chain(wire.seal.max_opens)
        {
            if opens == 0 {
                return Err("max_opens must be at least 1".into());
            }
        }
        let listen = listen(wire.listen)?;
        let next_hop = wire
            .next_hop
            .map(|h| {
                h.address.trim().parse::<SocketAddr>().map_err(|_| {
                    format!(
                        "next_hop.address: {:?} is not an address and port such as 127.0.0.1:10026",
                        h.address
                    )
                })
            })
            .transpose()?;
        let inbound = wire
            .inbound
            .map(|i| {
                let key_server =
                    key_server_origin("inbound.key_server", &i.key_server, i.key_server.trim())?;
                if i.reply_keys.is_empty() {
                    return Err(
                        "inbound.reply_keys is empty: name the organisation's reply key files"
                            .to_owned(),
                    );
                }
                Ok(Inbound {
                    key_server,
                    reply_keys: i.reply_keys,
                })
            })
            .transpose()?;
        let sealing = seal_service(&wire.seal)?;
        Ok(Self {
            inbound,
            sealing,
            organisation,
            internal_domains,
            always_seal,
            never_seal,
            rules,
            expires,
            max_opens: wire.seal.max_opens,
            listen,
            next_hop,
        })
    }
}

/// The key server's origin that `setting` names as `written` (read as `cleaned`), or what is
/// wrong with it.
fn key_server_origin(setting: &str, written: &str, cleaned: &str) -> Result<String, String> {
    waxseal_envelope::Origin::parse(cleaned)
        .map(|o| o.as_str().to_owned())
        .map_err(|e| {
            format!(
                "{setting}: {written:?} is not a key server's origin such as https://keys.acme.example ({e})"
            )
        })
}

fn seal_service(wire: &WireSeal) -> Result<Option<SealService>, String> {
    let Some(key_server) = &wire.key_server else {
        if wire.api_key_file.is_some()
            || wire.viewer.is_some()
            || wire.reply_to.is_some()
            || wire.reply_key.is_some()
        {
            return Err("seal.key_server is missing: name the key server that sealed messages are registered with".into());
        }
        return Ok(None);
    };
    let key_server = key_server_origin(
        "seal.key_server",
        key_server,
        key_server.trim().trim_end_matches('/'),
    )?;
    let viewer = match &wire.viewer {
        Some(v) => {
            let v = v.trim().trim_end_matches('/');
            waxseal_envelope::Origin::of_url(v).map_err(|e| {
                format!("seal.viewer: {v:?} is not the address of a viewer such as https://viewer.acme.example ({e})")
            })?;
            v.to_owned()
        }
        None => key_server.clone(),
    };
    let reply = match (&wire.reply_to, &wire.reply_key) {
        (Some(to), Some(key)) => {
            let to = to.trim().to_ascii_lowercase();
            if !to
                .rsplit_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && is_domain(d))
            {
                return Err(format!("seal.reply_to: {to:?} is not an e-mail address"));
            }
            Some((to, key.clone()))
        }
        (None, None) => None,
        _ => {
            return Err("seal.reply_to and seal.reply_key go together: the address replies go to, and the reply key file (waxseal reply-key new) they are sealed to".into());
        }
    };
    Ok(Some(SealService {
        key_server,
        api_key_file: wire.api_key_file.clone(),
        viewer,
        reply,
    }))
}

fn listen(wire: WireListen) -> Result<Listen, String> {
    let defaults = Listen::default();
    let address = match wire.address {
        Some(a) => a.trim().parse::<SocketAddr>().map_err(|_| {
            format!("listen.address: {a:?} is not an address and port such as 127.0.0.1:10025")
        })?,
        None => defaults.address,
    };
    let hostname = match wire.hostname {
        Some(h) if is_domain(&h.trim().to_ascii_lowercase()) || h.trim() == "localhost" => {
            h.trim().to_ascii_lowercase()
        }
        Some(h) => return Err(format!("listen.hostname: {h:?} is not a host name")),
        None => defaults.hostname,
    };
    let allowed_networks = match wire.allowed_networks {
        Some(list) => list
            .iter()
            .map(|n| {
                let n = n.trim();
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| {
                        format!(
                            "listen.allowed_networks: {n:?} is not a network such as 192.0.2.0/24 or 2001:db8::/32"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => defaults.allowed_networks,
    };
    if allowed_networks.is_empty() {
        return Err(
            "listen.allowed_networks is empty: no client could send through the gateway".into(),
        );
    }
    let positive = |what: &str, value: Option<usize>, default: usize| match value {
        Some(0) => Err(format!("listen.{what} must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(default),
    };
    let timeout_seconds = match wire.timeout_seconds {
        Some(0) => return Err("listen.timeout_seconds must be at least 1".into()),
        Some(n) => n,
        None => defaults.timeout_seconds,
    };
    let tls = match (wire.tls_certificate, wire.tls_key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate, key }),
        (None, None) => None,
        _ => {
            return Err(
                "listen.tls_certificate and listen.tls_key go together: give both for STARTTLS, or neither".into(),
            );
        }
    };
    if wire.require_tls && tls.is_none() {
        return Err("listen.require_tls needs listen.tls_certificate and listen.tls_key".into());
    }
    Ok(Listen {
        tls,
        require_tls: wire.require_tls,
        address,
        hostname,
        allowed_networks,
        max_message_bytes: positive(
            "max_message_bytes",
            wire.max_message_bytes,
            defaults.max_message_bytes,
        )?,
        max_recipients: positive(
            "max_recipients",
            wire.max_recipients,
            defaults.max_recipients,
        )?,
        max_connections: positive(
            "max_connections",
            wire.max_connections,
            defaults.max_connections,
        )?,
        timeout_seconds,
    })
}

/// `30d`, `12h`, `90m`: a duration in seconds, from 1 hour to a year and a day.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30d, 12h or 90m"))?;
    let seconds = match unit {
        "d" => n.checked_mul(86_400),
        "h" => n.checked_mul(3_600),
        "m" => n.checked_mul(60),
        _ => {
            return Err(format!(
                "{text:?} is not a duration such as 30d, 12h or 90m"
            ));
        }
    }
    .unwrap_or(u64::MAX);
    if !(3_600..=MAX_EXPIRES).contains(&seconds) {
        return Err(format!("{text:?} is outside 1h to 366d"));
    }
    Ok(seconds)
}

/// A mail domain: a DNS name (the envelope crate's rule) with at least two labels.
fn is_domain(d: &str) -> bool {
    d.contains('.') && waxseal_envelope::origin::is_dns_name(d)
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "[organisation]\nname = \"Acme\"\ninternal_domains = [\"acme.example\"]\n";

    #[test]
    fn a_full_configuration_reads_as_written() {
        let c = Config::parse(&format!(
            "{MINIMAL}[domains]\nalways_seal = [\"Partner.Example\"]\nnever_seal = [\"@auditor.example\"]\n[seal]\nexpires = \"14d\"\nmax_opens = 5\n[[rule]]\nname = \"tag\"\nsubject_tag = \" [secure] \"\n[[rule]]\nname = \"hdr\"\nheader = \"X-Waxseal\"\nvalue = \"encrypt\"\n[[rule]]\nname = \"label\"\nsensitivity_label = \"8F5C2A3E-1D4B-4C6A-9E7F-0A1B2C3D4E5F\"\nexpires = \"2d\"\nmax_opens = 1\n"
        ))
        .unwrap();
        assert_eq!(c.organisation, "Acme");
        assert_eq!(c.always_seal, ["partner.example"]);
        assert_eq!(c.never_seal, ["auditor.example"]);
        assert_eq!((c.expires, c.max_opens), (14 * 86_400, Some(5)));
        assert_eq!(
            c.rules[0].condition,
            Condition::SubjectTag("[secure]".into())
        );
        assert_eq!(
            c.rules[1].condition,
            Condition::Header {
                name: "X-Waxseal".into(),
                value: Some("encrypt".into())
            }
        );
        assert_eq!(
            c.rules[2].condition,
            Condition::SensitivityLabel("8f5c2a3e-1d4b-4c6a-9e7f-0a1b2c3d4e5f".into())
        );
        assert_eq!(
            (c.rules[2].expires, c.rules[2].max_opens),
            (Some(2 * 86_400), Some(1))
        );
        assert_eq!(Config::parse(MINIMAL).unwrap().expires, DEFAULT_EXPIRES);
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |extra: &str| Config::parse(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert_eq!(
            bad("[[rule]]\nname = \"x\"\n"),
            "rule 1 (\"x\"): say what it looks for: subject_tag, header (with value) or sensitivity_label"
        );
        assert_eq!(
            bad("[[rule]]\nname = \"x\"\nsubject_tag = \"[s]\"\nheader = \"X-A\"\n"),
            "rule 1 (\"x\"): one condition per rule: subject_tag, header or sensitivity_label (make one rule each)"
        );
        assert_eq!(
            bad("[[rule]]\nname = \"x\"\nsubject_tag = \"[s]\"\nvalue = \"v\"\n"),
            "rule 1 (\"x\"): value goes only with header"
        );
        assert_eq!(
            bad("[[rule]]\nname = \"x\"\nsensitivity_label = \"confidential\"\n"),
            "rule 1 (\"x\"): sensitivity_label \"confidential\" is not a label id (a GUID such as 8f5c2a3e-1d4b-4c6a-9e7f-0a1b2c3d4e5f)"
        );
        assert_eq!(
            bad("[seal]\nexpires = \"3w\"\n"),
            "seal.expires: \"3w\" is not a duration such as 30d, 12h or 90m"
        );
        assert_eq!(
            bad("[seal]\nexpires = \"400d\"\n"),
            "seal.expires: \"400d\" is outside 1h to 366d"
        );
        assert_eq!(
            bad("[domains]\nalways_seal = [\"a.example\"]\nnever_seal = [\"a.example\"]\n"),
            "the domain \"a.example\" is in both domains.always_seal and domains.never_seal"
        );
        assert_eq!(
            bad("[domains]\nnever_seal = [\"acme.example\"]\n"),
            "the domain \"acme.example\" is internal (organisation.internal_domains) and also in [domains]: internal recipients always get the original"
        );
        assert_eq!(
            bad("[domains]\nalways_seal = [\"not a domain\"]\n"),
            "domains.always_seal: \"not a domain\" is not a domain name"
        );
        assert!(
            Config::parse("[organisation]\nname = \"A\"\n")
                .unwrap_err()
                .contains("internal_domains")
        );
        assert!(
            bad("[[rule]]\nname = \"x\"\nsubject_tag = \"[s]\"\ncolour = 1\n").contains("colour")
        );
    }

    #[test]
    fn the_smtp_service_reads_with_loopback_defaults_and_names_its_mistakes() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!(c.listen, Listen::default());
        assert_eq!(c.listen.address.to_string(), "127.0.0.1:10025");
        assert_eq!(c.next_hop, None);
        assert!(c.listen.allows("127.0.0.1".parse().unwrap()));
        assert!(c.listen.allows("::1".parse().unwrap()));
        assert!(!c.listen.allows("192.0.2.7".parse().unwrap()));

        let c = Config::parse(&format!(
            "{MINIMAL}[listen]\naddress = \"0.0.0.0:25\"\nhostname = \"Gateway.Acme.Example\"\nallowed_networks = [\"192.0.2.0/24\", \"2001:db8::1\"]\nmax_message_bytes = 1000\nmax_recipients = 5\nmax_connections = 7\ntimeout_seconds = 60\n[next_hop]\naddress = \"127.0.0.1:10026\"\n"
        ))
        .unwrap();
        assert_eq!(c.listen.hostname, "gateway.acme.example");
        assert_eq!(
            (
                c.listen.max_message_bytes,
                c.listen.max_recipients,
                c.listen.max_connections,
                c.listen.timeout_seconds
            ),
            (1000, 5, 7, 60)
        );
        assert_eq!(c.next_hop.unwrap().to_string(), "127.0.0.1:10026");
        assert!(c.listen.allows("192.0.2.200".parse().unwrap()));
        // An IPv4 client on an IPv6 socket is matched as IPv4.
        assert!(c.listen.allows("::ffff:192.0.2.9".parse().unwrap()));
        assert!(c.listen.allows("2001:db8::1".parse().unwrap()));
        assert!(!c.listen.allows("2001:db8::2".parse().unwrap()));
        assert!(!c.listen.allows("127.0.0.1".parse().unwrap()));

        let bad = |extra: &str| Config::parse(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert_eq!(
            bad("[listen]\nallowed_networks = [\"10.0.0.0/33\"]\n"),
            "listen.allowed_networks: \"10.0.0.0/33\" is not a network such as 192.0.2.0/24 or 2001:db8::/32"
        );
        assert_eq!(
            bad("[listen]\nallowed_networks = []\n"),
            "listen.allowed_networks is empty: no client could send through the gateway"
        );
        assert_eq!(
            bad("[listen]\nmax_connections = 0\n"),
            "listen.max_connections must be at least 1"
        );
        assert_eq!(
            bad("[listen]\naddress = \"localhost\"\n"),
            "listen.address: \"localhost\" is not an address and port such as 127.0.0.1:10025"
        );
        assert_eq!(
            bad("[next_hop]\naddress = \"mx.acme.example\"\n"),
            "next_hop.address: \"mx.acme.example\" is not an address and port such as 127.0.0.1:10026"
        );
    }

    #[test]
    fn starttls_needs_both_files_and_required_tls_needs_starttls() {
        let bad = |extra: &str| Config::parse(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert_eq!(
            bad("[listen]\ntls_certificate = \"cert.pem\"\n"),
            "listen.tls_certificate and listen.tls_key go together: give both for STARTTLS, or neither"
        );
        assert_eq!(
            bad("[listen]\nrequire_tls = true\n"),
            "listen.require_tls needs listen.tls_certificate and listen.tls_key"
        );
        let c = Config::parse(&format!(
            "{MINIMAL}[listen]\ntls_certificate = \"cert.pem\"\ntls_key = \"key.pem\"\nrequire_tls = true\n"
        ))
        .unwrap();
        assert_eq!(
            c.listen.tls,
            Some(TlsFiles {
                certificate: "cert.pem".into(),
                key: "key.pem".into()
            })
        );
        assert!(c.listen.require_tls);
    }

    #[test]
    fn inbound_names_the_key_server_as_an_origin_and_at_least_one_key() {
        let c = Config::parse(&format!(
            "{MINIMAL}[inbound]\nkey_server = \"https://keys.acme.example\"\nreply_keys = [\"k.toml\"]\n"
        ))
        .unwrap();
        assert_eq!(
            c.inbound,
            Some(Inbound {
                key_server: "https://keys.acme.example".into(),
                reply_keys: vec!["k.toml".into()]
            })
        );
        let bad = |extra: &str| Config::parse(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert!(
            bad("[inbound]\nkey_server = \"https://keys.acme.example/v1\"\nreply_keys = [\"k.toml\"]\n")
                .starts_with("inbound.key_server: \"https://keys.acme.example/v1\" is not a key server's origin")
        );
        assert_eq!(
            bad("[inbound]\nkey_server = \"https://keys.acme.example\"\nreply_keys = []\n"),
            "inbound.reply_keys is empty: name the organisation's reply key files"
        );
    }

    #[test]
    fn the_key_server_for_sealing_is_an_origin_and_the_reply_address_comes_with_its_key() {
        let c = Config::parse(&format!(
            "{MINIMAL}[seal]\nkey_server = \"https://keys.acme.example/\"\napi_key_file = \"/etc/waxseal/key\"\nreply_to = \"Replies@Acme.Example\"\nreply_key = \"/etc/waxseal/reply-key.toml\"\n"
        ))
        .unwrap();
        assert_eq!(
            c.sealing,
            Some(SealService {
                key_server: "https://keys.acme.example".into(),
                api_key_file: Some("/etc/waxseal/key".into()),
                viewer: "https://keys.acme.example".into(),
                reply: Some((
                    "replies@acme.example".into(),
                    "/etc/waxseal/reply-key.toml".into()
                )),
            })
        );
        assert_eq!(Config::parse(MINIMAL).unwrap().sealing, None);
        let bad = |extra: &str| Config::parse(&format!("{MINIMAL}[seal]\n{extra}")).unwrap_err();
        assert_eq!(
            bad("api_key_file = \"/k\"\n"),
            "seal.key_server is missing: name the key server that sealed messages are registered with"
        );
        assert!(
            bad("key_server = \"keys.acme.example\"\n")
                .starts_with("seal.key_server: \"keys.acme.example\" is not a key server's origin such as https://keys.acme.example"),
        );
        assert_eq!(
            bad("key_server = \"https://keys.acme.example\"\nreply_to = \"r@acme.example\"\n"),
            "seal.reply_to and seal.reply_key go together: the address replies go to, and the reply key file (waxseal reply-key new) they are sealed to"
        );
        assert_eq!(
            bad(
                "key_server = \"https://keys.acme.example\"\nreply_to = \"replies\"\nreply_key = \"/k\"\n"
            ),
            "seal.reply_to: \"replies\" is not an e-mail address"
        );
    }
}

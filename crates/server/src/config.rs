//! Configuration: a TOML file, with secrets and deployment settings overridable from the
//! environment. Secrets are held as [`Secret`] and never printed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secrets::Secret;

/// The whole server configuration. See `crates/server/waxseal-server.example.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Env: `WAXSEAL_LISTEN`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// This server's public origin, exactly as senders write it into envelopes
    /// (`https://keys.example.com`). Bound into every release. Env: `WAXSEAL_PUBLIC_ORIGIN`.
    pub public_origin: String,
    /// `sqlite://path/to/file.db`, or `postgres://user:password@host/database` for several
    /// instances on one database. Env: `WAXSEAL_DATABASE_URL`.
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Master keys `ID:BASE64`, the first used for new data. Env: `WAXSEAL_MASTER_KEYS`
    /// (comma-separated) — keep them out of the file in production.
    #[serde(default)]
    pub master_keys: Vec<Secret>,
    /// Passcode rules.
    #[serde(default)]
    pub passcode: PasscodeConfig,
    /// Seconds a release token stays valid.
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime: u64,
    /// The latest expiry a sender may set, in seconds from registration.
    #[serde(default = "default_max_message_lifetime")]
    pub max_message_lifetime: u64,
    /// The reverse proxies in front of this server (CIDRs, e.g. `10.0.0.0/8`, `127.0.0.1/32`).
    /// Only a request whose TCP peer is one of them has its client address read from
    /// `forwarded_header`: the right-most address there that is not a trusted proxy. Empty (the
    /// default): the TCP peer is the client. Env: `WAXSEAL_TRUSTED_PROXIES` (comma-separated).
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write: `x-forwarded-for` (default) or `forwarded`
    /// (RFC 7239).
    #[serde(default)]
    pub forwarded_header: crate::client_addr::ForwardedHeader,
    /// No longer read: replaced by `trusted_proxies` (a configuration that still sets it is
    /// refused with that hint, rather than silently trusting no proxy).
    #[serde(default)]
    pub client_ip_header: Option<String>,
    /// How passcode mails are delivered.
    pub mail: MailConfig,
    /// What is kept, and for how long.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// Account providers recipients may sign in with instead of a passcode (`[[sign_in]]`
    /// tables), in the order their buttons appear. See `docs/sign-in.md`.
    #[serde(default)]
    pub sign_in: Vec<SignInConfig>,
    /// Secure replies relayed to the organisations (`[reply]`).
    #[serde(default)]
    pub reply: ReplyConfig,
    /// Passkeys for recipients' addresses (`[passkeys]`). See `docs/passkeys.md`.
    #[serde(default)]
    pub passkeys: PasskeyConfig,
    /// The Prometheus endpoint for operators (`[metrics]`, off by default). See
    /// `docs/metrics.md`.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// The viewer's aggregate usage reports (`[usage]`). See `docs/metrics.md`.
    #[serde(default)]
    pub usage: UsageConfig,
    /// Who runs this server, as recipients see it in passcode mails (`[operator]`).
    #[serde(default)]
    pub operator: OperatorConfig,
}

/// The Prometheus endpoint (`[metrics]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Where `GET /metrics` is served, on a listener of its own; absent (the default): nowhere.
    /// Env: `WAXSEAL_METRICS_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// A bearer token Prometheus must send; required when `listen` is not a loopback address.
    /// Env: `WAXSEAL_METRICS_TOKEN`.
    pub token: Option<Secret>,
}

/// The viewer's aggregate usage reports (`[usage]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsageConfig {
    /// Accept reports, and tell viewers to send them (default on). Off: viewers send nothing and
    /// the endpoint answers `usage-off`.
    pub enabled: bool,
    /// Counts below this are printed as "< k" by `waxseal-server usage` (default 5).
    pub k: u32,
    /// Days of daily counters kept (default 400).
    pub keep_days: u64,
    /// Reports accepted per client address and hour (default 30); counted in memory only.
    pub per_client_per_hour: u32,
}

impl Default for UsageConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            k: 5,
            keep_days: 400,
            per_client_per_hour: 30,
        }
    }
}

/// Who runs this server (`[operator]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// The operating organisation's name, e.g. `Acme Ltd` (default: none; mails then name only
    /// the sender).
    pub name: Option<String>,
    /// Where recipients reach the operator about privacy: an address or an `https://` URL.
    pub privacy_contact: Option<String>,
}

impl OperatorConfig {
    fn check(&self) -> Result<(), String> {
        if let Some(name) = &self.name
            && !waxseal_envelope::format::is_organisation_name(name)
        {
            return Err(format!(
                "operator.name {name:?} must be 1 to 100 visible characters, as recipients should read it"
            ));
        }
        if let Some(contact) = &self.privacy_contact
            && !waxseal_envelope::format::is_contact(contact)
        {
            return Err(format!(
                "operator.privacy_contact {contact:?} must be an e-mail address (privacy@acme.example) or an https:// URL"
            ));
        }
        Ok(())
    }
}

/// Passkeys (WebAuthn) for recipients' addresses (`[passkeys]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasskeyConfig {
    /// Offer passkeys to recipients (default off).
    pub enabled: bool,
    /// The viewer's origin, where passkeys are registered and used (default: `public_origin`,
    /// for a viewer served by this server).
    pub origin: Option<String>,
    /// The WebAuthn relying party id (default: the host of `origin`). A passkey works on this
    /// domain and its subdomains only; changing it strands the passkeys already made.
    pub rp_id: Option<String>,
    /// Days after which a passkey that was not used is forgotten (1–3650, default 180).
    pub forget_unused_days: u64,
    /// Passkey ceremonies a client address may start per hour (default 60).
    pub per_client_per_hour: u32,
}

impl Default for PasskeyConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            origin: None,
            rp_id: None,
            forget_unused_days: 180,
            per_client_per_hour: 60,
        }
    }
}

impl Config {
    /// The viewer origin passkeys are bound to, and the relying party id; `None` when passkeys
    /// are off.
    pub fn passkey_party(&self) -> Option<(String, String)> {
        let p = &self.passkeys;
        if !p.enabled {
            return None;
        }
        let origin = p
            .origin
            .clone()
            .unwrap_or_else(|| self.public_origin.clone());
        let host = waxseal_envelope::origin::Origin::parse(&origin)
            .map(|o| o.host().to_owned())
            .unwrap_or_default();
        Some((origin, p.rp_id.clone().unwrap_or(host)))
    }
}

/// Limits of the secure-reply relay (`[reply]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplyConfig {
    /// The largest sealed reply, attachments included, in bytes (default 25 MiB).
    pub max_bytes: u64,
    /// Replies per recipient and message (default 5).
    pub per_recipient: u32,
    /// Replies per client address per hour (default 20).
    pub per_client_per_hour: u32,
    /// The language of the relay mail's explanation, for the organisations: a tag of
    /// `waxseal_l10n::Lang` (`en`, `zh-Hans`, `de`, `ar`…).
    pub lang: String,
}

impl Default for ReplyConfig {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            per_recipient: 5,
            per_client_per_hour: 20,
            lang: "en".into(),
        }
    }
}

/// One OpenID Connect provider (`[[sign_in]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInConfig {
    /// Short name, `a-z`, `0-9` and `-` (e.g. `microsoft`); the viewer sends it back.
    pub id: String,
    /// The name on the button: "Sign in with {name}".
    pub name: String,
    /// How the provider vouches for an address: `oidc` (standard `email` + `email_verified`),
    /// `google` (the same), or `microsoft` (Entra ID: `verified_primary_email`,
    /// `verified_secondary_email`, or `email` with `xms_edov`; a `{tenantid}` issuer).
    #[serde(default)]
    pub kind: ProviderKind,
    /// The issuer URL; `{issuer}/.well-known/openid-configuration` is its discovery document.
    /// `https://` (plain `http://` only on a loopback address, for tests).
    pub issuer: String,
    /// This deployment's client id at the provider (a public client: no secret).
    pub client_id: String,
    /// Only for providers that demand a client secret even from browser clients (Google's
    /// "Web application" clients): it is published to every viewer, so it is not a secret.
    #[serde(default)]
    pub public_client_secret: Option<String>,
    /// If set, only addresses in these domains may sign in with this provider.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// Scopes to ask for (default `openid email profile`).
    #[serde(default = "default_scopes")]
    pub scopes: String,
}

/// The family of an OpenID Connect provider, which decides the claims that carry a verified
/// address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Any standards-compliant provider.
    #[default]
    Oidc,
    /// Google accounts.
    Google,
    /// Microsoft Entra ID (work, school and personal Microsoft accounts).
    Microsoft,
}

impl ProviderKind {
    /// The name in the public config.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "oidc",
            ProviderKind::Google => "google",
            ProviderKind::Microsoft => "microsoft",
        }
    }
}

fn default_scopes() -> String {
    "openid email profile".into()
}

/// Retention: the background task that destroys expired shares and old audit data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Seconds between two retention passes (60–86400).
    pub interval: u64,
    /// Days an audit event (and a finished message's record) is kept (1–3650).
    pub audit_days: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            interval: 300,
            audit_days: 400,
        }
    }
}

/// Passcode rules; the defaults follow the product's promises and the checks refuse weaker ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasscodeConfig {
    /// Digits per passcode (6–10).
    pub length: u8,
    /// Seconds a passcode is valid (600–900).
    pub lifetime: u64,
    /// Wrong tries allowed per passcode (1–5).
    pub max_tries: u8,
    /// Seconds between two passcode requests for the same address (30–600).
    pub resend_after: u64,
    /// Passcode requests per address and message per hour.
    pub per_recipient_per_hour: u32,
    /// Passcode requests per client address per hour.
    pub per_client_per_hour: u32,
    /// Wrong passcodes a message accepts over its whole life, from all recipients and clients
    /// together; then it accepts no more passcodes (sign-in still works). At most
    /// `10^(length - 5)`, so a guess ever succeeding stays below 1 in 100 000.
    pub max_wrong_per_message: u32,
}

impl Default for PasscodeConfig {
    fn default() -> Self {
        Self {
            length: 8,
            lifetime: 600,
            max_tries: 5,
            resend_after: 60,
            per_recipient_per_hour: 5,
            per_client_per_hour: 30,
            max_wrong_per_message: 200,
        }
    }
}

/// Mail delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MailConfig {
    /// Deliver over SMTP.
    Smtp {
        /// The From address, e.g. `waxseal <no-reply@keys.example.com>`.
        from: String,
        /// SMTP server host.
        host: String,
        /// SMTP server port (default: 587 for STARTTLS, 465 for TLS, 25 for plain).
        #[serde(default)]
        port: Option<u16>,
        /// `starttls` (default), `tls`, or `plain` (only to a loopback server).
        #[serde(default)]
        security: SmtpSecurity,
        /// SMTP user name.
        #[serde(default)]
        username: Option<String>,
        /// SMTP password. Env: `WAXSEAL_SMTP_PASSWORD`.
        #[serde(default)]
        password: Option<Secret>,
        /// A PEM file of extra CA certificates to trust (a private mail relay).
        #[serde(default)]
        ca_file: Option<PathBuf>,
    },
    /// Write each mail as an `.eml` file and log its path. For local demos only: refused unless
    /// the server listens on a loopback address.
    FileOutbox {
        /// The From address.
        from: String,
        /// Where the `.eml` files go.
        dir: PathBuf,
    },
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only for a relay on the same machine.
    Plain,
}

fn default_listen() -> SocketAddr {
    "127.0.0.1:8080".parse().expect("valid address")
}
fn default_database_url() -> String {
    "sqlite://waxseal.db".into()
}
fn default_token_lifetime() -> u64 {
    600
}
fn default_max_message_lifetime() -> u64 {
    366 * 86_400
}

impl Config {
    /// Reads the file (if any), applies the environment, and checks every rule.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read the configuration file {}: {e}", p.display()))?,
            None => String::new(),
        };
        Self::from_toml_and_env(&text, |k| std::env::var(k).ok()).map_err(|e| match path {
            Some(p) => format!("{}: {e}", p.display()),
            None => e,
        })
    }

    /// Parses TOML text, then applies environment values from `env`.
    pub fn from_toml_and_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| format!("invalid configuration: {e}"))?;
        for (var, key) in [
            ("WAXSEAL_LISTEN", "listen"),
            ("WAXSEAL_PUBLIC_ORIGIN", "public_origin"),
            ("WAXSEAL_DATABASE_URL", "database_url"),
        ] {
            if let Some(v) = env(var) {
                value.insert(key.into(), toml::Value::String(v));
            }
        }
        if let Some(v) = env("WAXSEAL_MASTER_KEYS") {
            let keys = v
                .split(',')
                .map(|k| toml::Value::String(k.trim().to_owned()))
                .collect();
            value.insert("master_keys".into(), toml::Value::Array(keys));
        }
        if let Some(v) = env("WAXSEAL_TRUSTED_PROXIES") {
            let nets = v
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| toml::Value::String(n.to_owned()))
                .collect();
            value.insert("trusted_proxies".into(), toml::Value::Array(nets));
        }
        for (var, key) in [
            ("WAXSEAL_METRICS_LISTEN", "listen"),
            ("WAXSEAL_METRICS_TOKEN", "token"),
        ] {
            if let Some(v) = env(var) {
                let metrics = value
                    .entry("metrics")
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = metrics {
                    t.insert(key.into(), toml::Value::String(v));
                }
            }
        }
        if let Some(v) = env("WAXSEAL_SMTP_PASSWORD")
            && let Some(toml::Value::Table(mail)) = value.get_mut("mail")
        {
            mail.insert("password".into(), toml::Value::String(v));
        }
        let config: Config = value
            .try_into()
            .map_err(|e: toml::de::Error| format!("invalid configuration: {}", e.message()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks the rules the product promises; the error says what to change.
    pub fn check(&self) -> Result<(), String> {
        waxseal_envelope::format::validate_origin(&self.public_origin)
            .map_err(|_| format!("public_origin {:?} must be an origin like https://keys.example.com (no path, no trailing slash)", self.public_origin))?;
        crate::secrets::MasterKeys::parse(&self.master_keys).map_err(|e| e.to_string())?;
        if self.client_ip_header.is_some() {
            return Err("client_ip_header is no longer used: list your reverse proxies in trusted_proxies (CIDRs, e.g. [\"10.0.0.0/8\"]) and, if they write RFC 7239 headers, set forwarded_header = \"forwarded\"".into());
        }
        crate::metrics::check(self.metrics.listen, self.metrics.token.as_ref())?;
        if self.usage.k == 0 || self.usage.per_client_per_hour == 0 || self.usage.keep_days == 0 {
            return Err(
                "usage.k, usage.keep_days and usage.per_client_per_hour must be at least 1".into(),
            );
        }
        self.operator.check()?;
        let r = &self.reply;
        if !(64 * 1024..=100 * 1024 * 1024).contains(&r.max_bytes) {
            return Err("reply.max_bytes must be 64 KiB to 100 MiB".into());
        }
        if r.per_recipient == 0 || r.per_client_per_hour == 0 {
            return Err("reply limits must allow at least one reply".into());
        }
        if let Err(e) = r.lang.parse::<waxseal_l10n::Lang>() {
            return Err(format!("reply.lang: {e}"));
        }
        let p = &self.passcode;
        if !(8..=10).contains(&p.length) {
            return Err("passcode.length must be 8 to 10 digits".into());
        }
        // Every wrong passcode is one guess at a 1 in 10^length chance; the budget caps the
        // guesses over a message's life (docs/api.md, "The guessing budget").
        let most = 10u64.pow(u32::from(p.length) - 5);
        if p.max_wrong_per_message == 0 || u64::from(p.max_wrong_per_message) > most {
            return Err(format!(
                "passcode.max_wrong_per_message must be 1 to {most} with {}-digit passcodes (so a guess ever succeeding stays below 1 in 100 000)",
                p.length
            ));
        }
        if !(600..=900).contains(&p.lifetime) {
            return Err("passcode.lifetime must be 600 to 900 seconds (10 to 15 minutes)".into());
        }
        if !(1..=5).contains(&p.max_tries) {
            return Err("passcode.max_tries must be 1 to 5".into());
        }
        if !(30..=600).contains(&p.resend_after) {
            return Err("passcode.resend_after must be 30 to 600 seconds".into());
        }
        if p.per_recipient_per_hour == 0 || p.per_client_per_hour == 0 {
            return Err("passcode throttles must allow at least one request per hour".into());
        }
        if !(60..=3600).contains(&self.token_lifetime) {
            return Err("token_lifetime must be 60 to 3600 seconds".into());
        }
        if !(60..=86_400).contains(&self.retention.interval) {
            return Err("retention.interval must be 60 to 86400 seconds".into());
        }
        if !(1..=3650).contains(&self.retention.audit_days) {
            return Err("retention.audit_days must be 1 to 3650".into());
        }
        if !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| self.database_url.starts_with(p))
        {
            return Err(format!(
                "database_url {:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DATABASE",
                crate::redact_url(&self.database_url)
            ));
        }
        let k = &self.passkeys;
        if !(1..=3650).contains(&k.forget_unused_days) {
            return Err("passkeys.forget_unused_days must be 1 to 3650".into());
        }
        if k.per_client_per_hour == 0 {
            return Err("passkeys.per_client_per_hour must allow at least one ceremony".into());
        }
        if let Some(origin) = &k.origin {
            waxseal_envelope::format::validate_origin(origin).map_err(|_| {
                format!("passkeys.origin {origin:?} must be the viewer's origin, like https://mail.example.com (no path, no trailing slash)")
            })?;
        }
        if let Some((origin, rp_id)) = self.passkey_party() {
            crate::passkeys::relying_party(&origin, &rp_id).map_err(|e| e.to_string())?;
        }
        let mut ids = Vec::new();
        for p in &self.sign_in {
            p.check()?;
            if ids.contains(&&p.id) {
                return Err(format!("sign_in id {:?} appears twice", p.id));
            }
            ids.push(&p.id);
        }
        match &self.mail {
            MailConfig::FileOutbox { .. } if !self.listen.ip().is_loopback() => Err(format!(
                "mail mode \"file-outbox\" is for local demos and cannot be used while listening on {}; configure mode = \"smtp\"",
                self.listen
            )),
            MailConfig::Smtp {
                security: SmtpSecurity::Plain,
                host,
                ..
            } if !is_loopback_host(host) => Err(format!(
                "mail security \"plain\" sends passcodes unencrypted and is only allowed to a relay on this machine, not {host:?}; use \"starttls\" or \"tls\""
            )),
            _ => Ok(()),
        }
    }
}

impl SignInConfig {
    fn check(&self) -> Result<(), String> {
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(format!(
                "sign_in id {:?} must be 1 to 32 characters of a-z, 0-9 and -",
                self.id
            ));
        }
        let what = format!("sign_in {:?}", self.id);
        if self.name.trim().is_empty() {
            return Err(format!("{what}: name must not be empty"));
        }
        if self.client_id.trim().is_empty() {
            return Err(format!("{what}: client_id must not be empty"));
        }
        if !self.scopes.split_whitespace().any(|s| s == "openid") {
            return Err(format!("{what}: scopes must include openid"));
        }
        let origin = match waxseal_envelope::Origin::of_url(&self.issuer) {
            Ok(origin) if !self.issuer.contains(['?', '#']) => origin,
            _ => {
                return Err(format!(
                    "{what}: issuer {:?} must be an https:// URL such as https://login.microsoftonline.com/common/v2.0",
                    self.issuer
                ));
            }
        };
        if !origin.is_secure() {
            return Err(format!(
                "{what}: issuer {:?} must use https:// (plain http:// only on this machine, for tests)",
                self.issuer
            ));
        }
        for d in &self.allowed_domains {
            if d.is_empty() || d.contains('@') || d != &d.to_ascii_lowercase() {
                return Err(format!(
                    "{what}: allowed_domains entry {d:?} must be a lower-case domain such as example.com"
                ));
            }
        }
        Ok(())
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
public_origin = "https://keys.example.com"
[mail]
mode = "smtp"
from = "waxseal <no-reply@keys.example.com>"
host = "smtp.example.com"
"#;

    const KEY_A: &str = "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const KEY_B: &str = "b:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

    /// Loads with `env`, and a valid master key unless `env` sets its own.
    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_toml_and_env(text, |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
                .or_else(|| (k == "WAXSEAL_MASTER_KEYS").then(|| KEY_A.to_owned()))
        })
    }

    #[test]
    fn defaults_and_environment() {
        let c = load(
            BASE,
            &[
                ("WAXSEAL_MASTER_KEYS", &format!("{KEY_A}, {KEY_B}")),
                ("WAXSEAL_LISTEN", "0.0.0.0:9000"),
            ],
        )
        .unwrap();
        assert_eq!(c.passcode.length, 8);
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.master_keys.len(), 2);
        assert!(!format!("{c:?}").contains("AAAAAAAA"), "secrets printed");
        let e = load(BASE, &[("WAXSEAL_MASTER_KEYS", "a:x")]).unwrap_err();
        assert_eq!(e, "master key \"a\" is not valid base64");
    }

    #[test]
    fn metrics_on_a_public_address_need_a_token_and_operators_are_checked() {
        let with = |extra: &str| BASE.replacen("[mail]", &format!("{extra}\n[mail]"), 1);
        let e = load(&with("[metrics]\nlisten = \"0.0.0.0:9464\""), &[]).unwrap_err();
        assert!(e.contains("set metrics.token"), "{e}");
        let c = load(
            &with("[metrics]\nlisten = \"0.0.0.0:9464\""),
            &[("WAXSEAL_METRICS_TOKEN", "t0ken")],
        )
        .unwrap();
        assert_eq!(c.metrics.token.as_ref().unwrap().expose(), "t0ken");
        assert!(
            !format!("{:?}", c.metrics).contains("t0ken"),
            "token printed"
        );
        let c = load(BASE, &[("WAXSEAL_METRICS_LISTEN", "127.0.0.1:9464")]).unwrap();
        assert_eq!(c.metrics.listen.unwrap().port(), 9464);
        for (operator, says) in [
            ("name = \"\"", "operator.name"),
            ("name = \"Acme\\u202e\"", "operator.name"),
            (
                "privacy_contact = \"http://acme.example\"",
                "operator.privacy_contact",
            ),
            ("privacy_contact = \"nobody\"", "operator.privacy_contact"),
        ] {
            let e = load(&with(&format!("[operator]\n{operator}")), &[]).unwrap_err();
            assert!(e.contains(says), "{operator}: {e}");
        }
        let c = load(
            &with(
                "[operator]\nname = \"Acme\"\nprivacy_contact = \"https://acme.example/privacy\"",
            ),
            &[],
        )
        .unwrap();
        assert_eq!(c.operator.name.as_deref(), Some("Acme"));
    }

    #[test]
    fn the_file_outbox_cannot_be_enabled_on_a_public_address() {
        let outbox = "public_origin = \"http://localhost:8080\"\n[mail]\nmode = \"file-outbox\"\nfrom = \"a@b.c\"\ndir = \"/tmp/x\"\n";
        assert!(load(outbox, &[]).is_ok());
        let e = load(outbox, &[("WAXSEAL_LISTEN", "0.0.0.0:8080")]).unwrap_err();
        assert!(e.contains("local demos"), "{e}");
    }

    #[test]
    fn weak_settings_are_refused_with_the_rule() {
        let text = BASE.replacen(
            "[mail]",
            "[passcode]\nlifetime = 3600\nmax_tries = 9\n[mail]",
            1,
        );
        assert_eq!(
            load(&text, &[]).unwrap_err(),
            "passcode.lifetime must be 600 to 900 seconds (10 to 15 minutes)"
        );
        let text = BASE.replace(
            "host = \"smtp.example.com\"",
            "host = \"smtp.example.com\"\nsecurity = \"plain\"",
        );
        assert!(
            load(&text, &[])
                .unwrap_err()
                .contains("only allowed to a relay on this machine")
        );
        let e = load(
            &BASE.replace("https://keys.example.com", "https://keys.example.com/"),
            &[],
        )
        .unwrap_err();
        assert!(e.contains("no trailing slash"), "{e}");
        let e = load(&format!("bogus = 1\n{BASE}"), &[]).unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
    }

    #[test]
    fn sign_in_providers_are_checked() {
        let with = |table: &str| {
            load(
                &BASE.replacen("[mail]", &format!("{table}\n[mail]"), 1),
                &[],
            )
        };
        let ok = "[[sign_in]]\nid = \"ms\"\nname = \"Microsoft\"\nkind = \"microsoft\"\nissuer = \"https://login.microsoftonline.com/organizations/v2.0\"\nclient_id = \"abc\"\n";
        let c = with(ok).unwrap();
        assert_eq!(c.sign_in[0].kind, ProviderKind::Microsoft);
        assert_eq!(c.sign_in[0].scopes, "openid email profile");
        assert!(with(&ok.replace("https://login", "http://127.0.0.1:9/login")).is_ok());
        for (change, error) in [
            (
                ok.replace("https://login", "http://login"),
                "must use https:// (plain http:// only on this machine, for tests)",
            ),
            (
                ok.replace("\"ms\"", "\"MS\""),
                "must be 1 to 32 characters of a-z, 0-9 and -",
            ),
            (ok.replace("\"abc\"", "\"\""), "client_id must not be empty"),
            (format!("{ok}{ok}"), "sign_in id \"ms\" appears twice"),
            (
                format!("{ok}scopes = \"email\"\n"),
                "scopes must include openid",
            ),
            (
                format!("{ok}allowed_domains = [\"Example.com\"]\n"),
                "must be a lower-case domain",
            ),
            (
                ok.replace("https://login", "login"),
                "must be an https:// URL",
            ),
        ] {
            let e = with(&change).unwrap_err();
            assert!(e.contains(error), "{change}: {e}");
        }
    }
}

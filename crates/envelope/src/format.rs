//! The container and its header (spec §2, §3): pure parsing and writing on byte slices.

use serde::{Deserialize, Serialize};

use crate::error::FormatError;
use crate::keys::{EnvelopeShare, MessageId};

/// The 8-byte magic: `0x89` "WXS" CR LF `0x1A` LF.
pub const MAGIC: [u8; 8] = [0x89, b'W', b'X', b'S', 0x0D, 0x0A, 0x1A, 0x0A];
/// The format version of an envelope without a reply key (§3).
pub const VERSION: u8 = 1;
/// The format version of an envelope whose header names the organisation's reply key (§10).
pub const VERSION_WITH_REPLY: u8 = 2;
/// The newest format version this crate reads.
pub const MAX_VERSION: u8 = VERSION_WITH_REPLY;
/// Bytes before the header: magic, version, header length.
pub const PREFIX_LEN: usize = 13;
/// The largest header.
pub const MAX_HEADER_LEN: usize = 65_536;
/// The smallest header (`{}` — which then fails the field rules, but is a JSON object).
const MIN_HEADER_LEN: usize = 2;
/// The most recipients one envelope may name.
pub const MAX_RECIPIENTS: usize = 100;
/// The largest plaintext: 1 GiB.
pub const MAX_PLAINTEXT_LEN: u64 = 1 << 30;
/// The only content type of format version 1.
pub const CONTENT_TYPE: &str = "message/rfc822";
/// Timestamps stay below 2^53 so that every JSON implementation reads them exactly.
const MAX_TIME: u64 = (1 << 53) - 1;
const MAX_NAME_CHARS: usize = 200;

/// The parsed header of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The message id.
    pub id: MessageId,
    /// The key-release server's origin, e.g. `https://keys.example.com`.
    pub key_server: String,
    /// The sender.
    pub from: Sender,
    /// The addresses that may open the message.
    pub recipients: Vec<String>,
    /// When the message was sealed, in seconds since the Unix epoch.
    pub created: u64,
    /// When the key server stops releasing the share, in seconds since the Unix epoch.
    pub expires: u64,
    /// The envelope share.
    pub share: EnvelopeShare,
    /// Where replies go and the key they are sealed to (format version 2, spec §10.2).
    pub reply: Option<ReplyTo>,
}

/// The `reply` member of a version-2 header (spec §10.2): where replies go, and the
/// organisation's reply key they are sealed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyTo {
    /// The address replies go to (normalised, spec §3.2).
    pub to: String,
    /// The reply key's id (spec §10.1).
    pub key_id: String,
    /// The reply key's X25519 public key, base64url (32 bytes).
    pub public_key: String,
}

impl ReplyTo {
    /// Checks the rules of spec §10.2.
    pub fn validate(&self) -> Result<(), &'static str> {
        validate_address(&self.to).map_err(|_| "its reply address is not a valid address")?;
        validate_key_id(&self.key_id)?;
        self.public_key_bytes()
            .ok_or("its reply key is not 32 bytes of canonical base64url")?;
        Ok(())
    }

    /// The public key's 32 bytes, if it is canonical base64url of 32 bytes.
    pub fn public_key_bytes(&self) -> Option<[u8; 32]> {
        crate::keys::decode_b64u_exact::<32>(&self.public_key)
    }
}

/// A reply key id: 1 to 64 characters of `A-Z a-z 0-9 . _ -` (spec §10.1).
pub fn validate_key_id(key_id: &str) -> Result<(), &'static str> {
    let ok = (1..=64).contains(&key_id.len())
        && key_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err("its reply key id is not 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
    }
}

/// A member that, when present, must be an object: `null` is not another way to leave it out.
fn present_reply<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ReplyTo>, D::Error> {
    ReplyTo::deserialize(d).map(Some)
}

/// The sender of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// The sender's address.
    pub address: String,
    /// The sender's display name. When the member is present it is a string (`null` is refused,
    /// spec §3).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_string"
    )]
    pub name: Option<String>,
}

/// A member that, when present, must be a string: `null` is not another way to leave it out.
fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// Characters that change how the text around them is shown without being seen themselves:
/// bidirectional embeddings, overrides, isolates and marks, zero-width characters, the word
/// joiner and invisible operators, the byte-order mark and the soft hyphen (spec §3). A name or
/// address holding one could show a recipient something other than what it is.
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// The header exactly as JSON carries it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHeader {
    v: u64,
    id: String,
    key_server: String,
    from: Sender,
    recipients: Vec<String>,
    created: u64,
    expires: u64,
    share: String,
    content: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_reply"
    )]
    reply: Option<ReplyTo>,
}

/// An envelope split into its parts, borrowing the input.
#[derive(Debug)]
pub struct Container<'a> {
    /// Magic, version, header length and header: the Cobblestone context.
    pub context: &'a [u8],
    /// The header bytes alone.
    pub header_bytes: &'a [u8],
    /// The Cobblestone-256 payload.
    pub payload: &'a [u8],
}

/// What the 13-byte prefix says: the header length, once magic and version are checked.
pub fn parse_prefix(prefix: &[u8]) -> Result<usize, FormatError> {
    parse_container_prefix(prefix, &MAGIC, MAX_VERSION)
}

/// The header length the 13-byte prefix of a container with `magic` and versions 1 to
/// `max_version` gives (spec §2 steps 1–3; a reply's container, §10.3, has the same shape).
pub(crate) fn parse_container_prefix(
    prefix: &[u8],
    magic: &[u8; 8],
    max_version: u8,
) -> Result<usize, FormatError> {
    if prefix.len() < magic.len() || prefix[..magic.len()] != magic[..] {
        return Err(FormatError::NotWaxseal);
    }
    let Some(&version) = prefix.get(MAGIC.len()) else {
        return Err(FormatError::Malformed("it ends inside the envelope prefix"));
    };
    if version > max_version {
        return Err(FormatError::NewerVersion { found: version });
    }
    if version == 0 {
        return Err(FormatError::Malformed("its format version is 0"));
    }
    let len_bytes: [u8; 4] = prefix
        .get(9..PREFIX_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or(FormatError::Malformed("it ends inside the envelope prefix"))?;
    let header_len = u32::from_be_bytes(len_bytes) as usize;
    if header_len > MAX_HEADER_LEN {
        return Err(FormatError::TooLarge("its header is larger than 64 KiB"));
    }
    if header_len < MIN_HEADER_LEN {
        return Err(FormatError::Malformed("its header is empty"));
    }
    Ok(header_len)
}

/// Splits an envelope into context, header and payload (spec §2 steps 1–3).
pub fn split(envelope: &[u8]) -> Result<Container<'_>, FormatError> {
    split_container(envelope, &MAGIC, MAX_VERSION)
}

/// Splits a container with `magic` and versions 1 to `max_version` into context, header and
/// payload.
pub(crate) fn split_container<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    max_version: u8,
) -> Result<Container<'a>, FormatError> {
    let header_len = parse_container_prefix(bytes, magic, max_version)?;
    let end = PREFIX_LEN + header_len;
    if bytes.len() < end {
        return Err(FormatError::Malformed("it ends inside the header"));
    }
    Ok(Container {
        context: &bytes[..end],
        header_bytes: &bytes[PREFIX_LEN..end],
        payload: &bytes[end..],
    })
}

/// The payload length of the largest allowed plaintext.
pub fn max_payload_len() -> u64 {
    crate::cobblestone::ChunkPlan::for_plaintext_len(MAX_PLAINTEXT_LEN).ciphertext_len()
}

impl Header {
    /// Parses and validates header bytes (spec §3).
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| FormatError::Malformed("its header is not UTF-8"))?;
        let wire: WireHeader = serde_json::from_str(text)
            .map_err(|_| FormatError::Malformed("its header is not a valid version 1 header"))?;
        // Version 2 is version 1 with the reply member, required there and refused in version 1
        // (spec §10.2). That `v` equals the container's version byte is checked by the caller,
        // which has the prefix ([`check_version`]).
        match (wire.v, &wire.reply) {
            (1, None) | (2, Some(_)) => {}
            (1, Some(_)) => {
                return Err(FormatError::Malformed(
                    "its version 1 header has a reply member",
                ));
            }
            (2, None) => {
                return Err(FormatError::Malformed(
                    "its version 2 header has no reply member",
                ));
            }
            _ => {
                return Err(FormatError::Malformed(
                    "its header version differs from its format version",
                ));
            }
        }
        let id = MessageId::parse(&wire.id).ok_or(FormatError::Malformed(
            "its message id is not 16 bytes of base64url",
        ))?;
        let share = EnvelopeShare::from_b64u(&wire.share).ok_or(FormatError::Malformed(
            "its envelope share is not 32 bytes of base64url",
        ))?;
        if wire.content != CONTENT_TYPE {
            return Err(FormatError::Malformed(
                "its content type is not message/rfc822",
            ));
        }
        let header = Header {
            id,
            key_server: wire.key_server,
            from: wire.from,
            recipients: wire.recipients,
            created: wire.created,
            expires: wire.expires,
            share,
            reply: wire.reply,
        };
        header.validate().map_err(FormatError::Malformed)?;
        Ok(header)
    }

    /// Checks every field rule of spec §3; the error names the rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        validate_origin(&self.key_server)?;
        validate_address(&self.from.address)
            .map_err(|_| "its sender address is not a valid address")?;
        if let Some(name) = &self.from.name
            && (name.chars().count() > MAX_NAME_CHARS
                || name.chars().any(|c| {
                    c.is_control() || is_hidden_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
                }))
        {
            return Err(
                "its sender name is longer than 200 characters or has control or invisible formatting characters",
            );
        }
        if self.recipients.is_empty() {
            return Err("it names no recipients");
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err("it names more than 100 recipients");
        }
        for (i, r) in self.recipients.iter().enumerate() {
            validate_address(r).map_err(|_| "a recipient address is not a valid address")?;
            if self.recipients[..i].contains(r) {
                return Err("it names a recipient twice");
            }
        }
        if self.created > MAX_TIME || self.expires > MAX_TIME || self.expires <= self.created {
            return Err("its expiry is not after its creation time");
        }
        if let Some(reply) = &self.reply {
            reply.validate()?;
        }
        Ok(())
    }

    /// The format version this header belongs to: 2 when it names a reply key, else 1.
    pub fn version(&self) -> u8 {
        if self.reply.is_some() {
            VERSION_WITH_REPLY
        } else {
            VERSION
        }
    }

    /// Refuses a header whose version is not the container's version byte (spec §2, §10.2).
    pub fn check_version(&self, container_version: u8) -> Result<(), FormatError> {
        if self.version() == container_version {
            Ok(())
        } else {
            Err(FormatError::Malformed(
                "its header version differs from its format version",
            ))
        }
    }

    /// The compact JSON encoding a sealer writes.
    pub fn to_json(&self) -> Vec<u8> {
        let wire = WireHeader {
            v: u64::from(self.version()),
            id: self.id.to_string(),
            key_server: self.key_server.clone(),
            from: self.from.clone(),
            recipients: self.recipients.clone(),
            created: self.created,
            expires: self.expires,
            share: self.share.to_b64u(),
            content: CONTENT_TYPE.to_owned(),
            reply: self.reply.clone(),
        };
        serde_json::to_vec(&wire).expect("a header always serialises")
    }

    /// Whether `address` (normalised as in spec §3.2) is one of the recipients.
    pub fn has_recipient(&self, address: &str) -> bool {
        normalize_address(address).is_ok_and(|a| self.recipients.contains(&a))
    }
}

/// The bytes of the context for a header of format `version`: magic, version, length and the
/// header itself.
pub fn context_for(version: u8, header_json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PREFIX_LEN + header_json.len());
    out.extend_from_slice(&MAGIC);
    out.push(version);
    out.extend_from_slice(&(header_json.len() as u32).to_be_bytes());
    out.extend_from_slice(header_json);
    out
}

/// Validates a key-server origin (spec §3.1).
pub fn validate_origin(origin: &str) -> Result<(), &'static str> {
    const BAD: &str = "its key server is not an https origin (scheme://host[:port], nothing more)";
    match crate::origin::Origin::parse(origin) {
        Ok(o) if o.is_secure() => Ok(()),
        _ => Err(BAD),
    }
}

use crate::origin::is_dns_name;

/// Whether `text` is a contact a recipient can follow: an e-mail address (as
/// [`validate_address`] accepts it) or an `https://` URL of printable ASCII, at most 300 bytes,
/// without quotes, angle brackets or backslashes. Used for an operator's privacy contact.
pub fn is_contact(text: &str) -> bool {
    match text.strip_prefix("https://") {
        Some(rest) => {
            !rest.is_empty()
                && text.len() <= 300
                && text
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'<' | b'>' | b'\\'))
        }
        None => validate_address(text).is_ok(),
    }
}

/// Whether `name` is an organisation's name as recipients should read it: 1 to 100 characters
/// besides surrounding spaces, no control or invisible formatting characters.
pub fn is_organisation_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().count() <= 100
        && !name.chars().any(|c| c.is_control() || is_hidden_format(c))
}

/// Validates an address that is already normalised (spec §3.2).
pub fn validate_address(address: &str) -> Result<(), &'static str> {
    const BAD: &str = "not a valid e-mail address";
    if address.len() > 254 {
        return Err(BAD);
    }
    let (local, domain) = address.split_once('@').ok_or(BAD)?;
    let forbidden = |c: char| {
        c.is_control() || c.is_whitespace() || is_hidden_format(c) || "<>\",;@".contains(c)
    };
    if local.is_empty() || local.len() > 64 || local.contains(forbidden) || !is_dns_name(domain) {
        return Err(BAD);
    }
    Ok(())
}

/// Normalises an address as spec §3.2 says: the domain in ASCII lower case, the local part as is.
/// Surrounding whitespace is removed. Fails if the result is not a valid address.
pub fn normalize_address(address: &str) -> Result<String, &'static str> {
    let address = address.trim();
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or("not a valid e-mail address")?;
    let normalized = format!("{local}@{}", domain.to_ascii_lowercase());
    validate_address(&normalized)?;
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://keys.example.com",
            "https://keys.example.com:8443",
            "http://localhost:8080",
            "http://127.0.0.1:1",
            "http://[::1]:65535",
            "https://10.0.0.1",
            "https://[2001:db8::1]",
            "https://xn--bcher-kva.example",
        ] {
            assert_eq!(validate_origin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "keys.example.com",
            "https://keys.example.com/",
            "https://Keys.example.com",
            "https://keys.example.com:0",
            "https://keys.example.com:08443",
            "https://keys.example.com:65536",
            "https://keys.example.com:",
            "http://keys.example.com",
            "http://127.0.0.2",
            "ftp://keys.example.com",
            "https://user@keys.example.com",
            "https://keys.example.com?x",
            "https://-keys.example.com",
            "https://keys..example.com",
            "https://[::1",
            "https://[zz::1]",
            "https://256.1.1.1",
            "https://",
        ] {
            assert!(validate_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_are_normalised_on_the_domain_only() {
        assert_eq!(
            normalize_address(" Bob@Example.COM ").unwrap(),
            "Bob@example.com"
        );
        assert!(normalize_address("bob").is_err());
        assert!(normalize_address("@example.com").is_err());
        assert!(normalize_address("bob@").is_err());
        assert!(normalize_address("a b@example.com").is_err());
        assert!(normalize_address("a@b@example.com").is_err());
        assert!(normalize_address("<bob@example.com>").is_err());
        assert!(normalize_address(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn prefix_errors_say_what_is_wrong() {
        assert_eq!(parse_prefix(b"hello"), Err(FormatError::NotWaxseal));
        let mut p = MAGIC.to_vec();
        assert!(matches!(parse_prefix(&p), Err(FormatError::Malformed(_))));
        p.push(3);
        assert_eq!(
            parse_prefix(&p),
            Err(FormatError::NewerVersion { found: 3 })
        );
        p[8] = 0;
        assert!(matches!(parse_prefix(&p), Err(FormatError::Malformed(_))));
        p[8] = 1;
        p.extend_from_slice(&(MAX_HEADER_LEN as u32 + 1).to_be_bytes());
        assert!(matches!(parse_prefix(&p), Err(FormatError::TooLarge(_))));
    }
}

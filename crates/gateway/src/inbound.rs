//! Secure replies arriving as mail (`envelope-spec.md` §10): recognising the key server's relay
//! mail, checking its relay attestation (§10.7), and what to deliver to the organisation's
//! person — the decrypted reply when its sender is attested, else the mail as it came with a note
//! that says why. `waxseal open-reply` reads relay mails with the same calls.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mail_parser::{MessageParser, MimeHeaders as _};
use sha2::Digest as _;
use waxseal_api::{RelayKeys, relay_statement};
use waxseal_envelope::reply::{OpenReplyError, Reply, ReplyHeader, ReplyKeyPair};
use zeroize::Zeroizing;

/// The media type of a sealed reply, as the relay mail attaches it.
pub const REPLY_MEDIA_TYPE: &str = "application/vnd.waxseal.reply";

/// A relay mail's sealed reply and what the mail says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The sealed reply, exactly as attached.
    pub sealed: Vec<u8>,
    /// `X-Waxseal-Replier`.
    pub replier: Option<String>,
    /// `X-Waxseal-Verified-By`: `passcode` or `sign-in`.
    pub verified_by: Option<String>,
    /// `X-Waxseal-Relayed-At`, Unix seconds.
    pub relayed_at: Option<u64>,
    /// `X-Waxseal-Relay-Signature`: the key id and the signature (base64url).
    pub attestation: Option<(String, String)>,
}

/// The sealed reply a relay mail carries (an `application/vnd.waxseal.reply` attachment), with
/// what the mail's headers say of it; `None` when `mail` is not such a mail.
pub fn relayed_reply(mail: &[u8]) -> Option<Relayed> {
    let mail = MessageParser::default().parse(mail)?;
    let attachment = mail.attachments().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("application")
                && ct
                    .subtype()
                    .is_some_and(|st| st.eq_ignore_ascii_case("vnd.waxseal.reply"))
        })
    })?;
    // Headers read as words: a long header may be folded.
    let text = |name: &str| {
        mail.header(name)
            .and_then(|h| h.as_text())
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    Some(Relayed {
        sealed: attachment.contents().to_vec(),
        replier: text("X-Waxseal-Replier"),
        verified_by: text("X-Waxseal-Verified-By"),
        relayed_at: text("X-Waxseal-Relayed-At").and_then(|t| t.parse().ok()),
        attestation: text("X-Waxseal-Relay-Signature").and_then(|t| {
            let (id, sig) = t.split_once(' ')?;
            Some((id.to_owned(), sig.to_owned()))
        }),
    })
}

/// What a relay attestation claims, checked as far as it can be without the key server's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The id of the key that signed it.
    pub key_id: String,
    /// The signature.
    pub signature: [u8; 64],
    /// The signed statement, rebuilt from the reply and the mail.
    pub statement: Vec<u8>,
    /// How the address was verified: `passcode` or `sign-in`.
    pub verified_by: String,
}

/// The attestation a relay mail makes for the opened reply whose header is `h` (§10.7), or why
/// there is none that could hold. `key_server` is the organisation's own key server (its
/// configuration, never the reply's word: whoever seals a reply names its key server).
pub fn claim(h: &ReplyHeader, relay: Option<&Relayed>, key_server: &str) -> Result<Claim, String> {
    if h.key_server != key_server.trim_end_matches('/') {
        return Err(format!(
            "the reply names the key server {}, not yours ({key_server})",
            h.key_server
        ));
    }
    let relay = relay
        .ok_or("it is not in the relay mail the key server sent, which carries the attestation")?;
    let (key_id, signature) = relay
        .attestation
        .as_ref()
        .ok_or("the relay mail carries no X-Waxseal-Relay-Signature")?;
    let verified_by = relay
        .verified_by
        .clone()
        .ok_or("the relay mail names no X-Waxseal-Verified-By")?;
    let relayed_at = relay
        .relayed_at
        .ok_or("the relay mail names no X-Waxseal-Relayed-At")?;
    if relay.replier.as_deref() != Some(h.from.as_str()) {
        return Err("the relay mail names another replier than the reply".into());
    }
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or("the relay signature is not 64 bytes of base64url")?;
    let digest: [u8; 32] = sha2::Sha256::digest(&relay.sealed).into();
    let statement = relay_statement(
        &h.in_reply_to.to_string(),
        &h.from,
        &verified_by,
        relayed_at,
        &digest,
    );
    Ok(Claim {
        key_id: key_id.clone(),
        signature,
        statement,
        verified_by,
    })
}

/// Checks a claim against the key server's relay keys (`GET /v1/relay-keys` of the reply's
/// `key_server`); how the address was verified, or why the claim does not hold.
pub fn verify(claim: &Claim, keys: &RelayKeys) -> Result<String, String> {
    let key = keys
        .keys
        .iter()
        .find(|k| k.id == claim.key_id)
        .ok_or_else(|| format!("the key server has no relay key {:?}", claim.key_id))?;
    let key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&key.public_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or("the key server's relay key is not 32 bytes of base64url")?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
        .map_err(|_| "the key server's relay key is not an Ed25519 key")?;
    key.verify_strict(
        &claim.statement,
        &ed25519_dalek::Signature::from_bytes(&claim.signature),
    )
    .map_err(|_| "the key server's signature does not verify".to_owned())?;
    Ok(claim.verified_by.clone())
}

/// What to deliver for an inbound mail.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Not a relay mail: deliver it as it came.
    Unchanged,
    /// The decrypted reply, headed by who the key server attests sent it and how it verified
    /// them (`X-Waxseal-Verified-Replier`, `X-Waxseal-Verified-By`).
    Opened(Zeroizing<Vec<u8>>),
    /// A relay mail whose reply cannot be delivered decrypted: deliver it as it came, with this
    /// note (an `X-Waxseal-Reply-Problem` header on top), never drop it.
    Noted(String),
}

/// What to deliver for `mail`, with the organisation's reply keys, its key server's origin and
/// that server's relay keys (`None` when they could not be fetched).
pub fn deliver(
    mail: &[u8],
    keys: &[ReplyKeyPair],
    key_server: &str,
    relay_keys: Option<&RelayKeys>,
) -> Delivery {
    let Some(relay) = relayed_reply(mail) else {
        return Delivery::Unchanged;
    };
    let reply = match Reply::parse(&relay.sealed) {
        Ok(reply) => reply,
        Err(e) => return Delivery::Noted(format!("the attached reply is not readable: {e}")),
    };
    let plaintext = match reply.open(keys) {
        Ok(p) => Zeroizing::new(p),
        Err(e @ OpenReplyError::UnknownKey(_)) => {
            return Delivery::Noted(format!(
                "{e}; open it with `waxseal open-reply` and that key"
            ));
        }
        Err(e) => return Delivery::Noted(e.to_string()),
    };
    let h = reply.header();
    let verified = claim(h, Some(&relay), key_server).and_then(|c| match relay_keys {
        Some(keys) => verify(&c, keys),
        None => Err(format!(
            "the key server {}'s relay keys could not be fetched",
            h.key_server
        )),
    });
    match verified {
        Ok(how) => {
            let mut out = Zeroizing::new(Vec::with_capacity(plaintext.len() + 160));
            out.extend_from_slice(
                format!(
                    "X-Waxseal-Verified-Replier: {}\r\nX-Waxseal-Verified-By: {how}\r\n",
                    h.from
                )
                .as_bytes(),
            );
            out.extend_from_slice(&plaintext);
            Delivery::Opened(out)
        }
        Err(why) => Delivery::Noted(format!(
            "the reply's sender is not attested by the key server ({why}); it is delivered sealed"
        )),
    }
}

/// `mail` with the note of [`Delivery::Noted`] as a header on top.
pub fn with_note(mail: &[u8], note: &str) -> Vec<u8> {
    let clean: String = note
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = format!("X-Waxseal-Reply-Problem: {clean}\r\n").into_bytes();
    out.extend_from_slice(mail);
    out
}

//! The organisation's reply keys and reading secure replies: `waxseal reply-key new` and
//! `waxseal open-reply` (spec §10). A private key comes from a key file (written readable by its
//! owner only) or from `WAXSEAL_REPLY_KEYS`, never from a command-line value.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use waxseal_envelope::ReplyTo;
use waxseal_envelope::reply::{OpenReplyError, Reply, ReplyKeyPair};
use waxseal_gateway::inbound::{self, Relayed};
use waxseal_gateway::reply_keys::{self, KeyFile, KeyFileError};
use zeroize::Zeroizing;

use crate::seal::{Readers, write_atomically};
use crate::{CliError, Result};

/// The environment variable with reply private keys: `KEY_ID:BASE64URL`, comma-separated.
pub const KEYS_ENV: &str = "WAXSEAL_REPLY_KEYS";

#[derive(Args)]
pub struct NewKeyArgs {
    /// The key's id, written into every message sealed with it (e.g. the month: 2026-11).
    #[arg(long)]
    key_id: String,
    /// Where to write the key file (readable by you only).
    #[arg(short, long, default_value = "reply-key.toml")]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct OpenReplyArgs {
    /// The sealed reply: the relay mail as it arrived (.eml), or its `reply.waxseal` attachment.
    file: PathBuf,
    /// A reply key file (repeat for several; default: WAXSEAL_REPLY_KEYS).
    #[arg(long = "reply-key", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Where to write the decrypted reply (readable by you only).
    #[arg(short, long, default_value = "reply.eml")]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
    /// Print a JSON summary on standard output.
    #[arg(long)]
    json: bool,
    /// Write the reply even when the key server's attestation of its sender is missing or does
    /// not verify (the sender is then unknown: anyone with the message can seal a reply)
    #[arg(long)]
    accept_unverified: bool,
    #[command(flatten)]
    server: crate::ServerArgs,
}

/// A key file's problem, with what to do about it.
fn key_error(e: KeyFileError) -> CliError {
    match e {
        KeyFileError::NoSecret(m) => CliError::usage(m)
            .hint("opening a reply needs the key file `waxseal reply-key new` wrote"),
        KeyFileError::Unreadable(m) if m.contains("is not a reply key file") => {
            CliError::usage(m).hint("make one with `waxseal reply-key new --key-id ID`")
        }
        other => CliError::usage(other.to_string()),
    }
}

fn read_key_file(path: &Path) -> Result<KeyFile> {
    reply_keys::read(path).map_err(key_error)
}

fn key_pair(key_id: &str, secret_b64: &str, what: &str) -> Result<ReplyKeyPair> {
    reply_keys::pair(key_id, secret_b64, what).map_err(key_error)
}

/// The `reply` member for sealing: the public key of the key file, replies going to `to`.
pub fn reply_to(key_file: &Path, to: &str) -> Result<ReplyTo> {
    let file = read_key_file(key_file)?;
    let reply = ReplyTo {
        to: to.to_owned(),
        key_id: file.key_id,
        public_key: file.public_key,
    };
    if reply.public_key_bytes().is_none() {
        return Err(CliError::usage(format!(
            "{}: public_key is not 32 bytes of base64url",
            key_file.display()
        )));
    }
    if let Some(secret) = &file.secret {
        let pair = key_pair(&reply.key_id, secret, &key_file.display().to_string())?;
        if pair.public_key() != reply.public_key_bytes().unwrap_or_default() {
            return Err(CliError::usage(format!(
                "{}: its public key does not belong to its private key",
                key_file.display()
            )));
        }
    }
    Ok(reply)
}

/// Makes a new reply key pair and writes its key file to `out` (readable by its owner only);
/// returns the key id and the public key (base64url).
pub fn write_new_key(key_id: &str, out: &Path, force: bool) -> Result<(String, String)> {
    let pair = ReplyKeyPair::generate(key_id)
        .map_err(|e| CliError::usage(format!("invalid --key-id {key_id:?}: {e}")))?;
    let public = URL_SAFE_NO_PAD.encode(pair.public_key());
    let secret = Zeroizing::new(URL_SAFE_NO_PAD.encode(&pair.secret_bytes()[..]));
    let text = Zeroizing::new(format!(
        "# A waxseal reply key. Keep this file private: it opens every reply sealed to this key.\n\
         # Seal with it: waxseal seal --reply-to ADDRESS --reply-key {file}\n\
         key_id = \"{key_id}\"\n\
         public_key = \"{public}\"\n\
         secret = \"{secret}\"\n",
        file = out.display(),
        key_id = pair.key_id(),
        secret = secret.as_str(),
    ));
    write_atomically(text.as_bytes(), out, force, Readers::Owner)?;
    Ok((pair.key_id().to_owned(), public))
}

/// `waxseal reply-key new`.
pub fn new_key(a: NewKeyArgs) -> Result<()> {
    let (key_id, public) = write_new_key(&a.key_id, &a.out, a.force)?;
    eprintln!(
        "Wrote the reply key {key_id:?} to {} (readable by you only).",
        a.out.display()
    );
    println!("key_id = \"{key_id}\"\npublic_key = \"{public}\"");
    Ok(())
}

/// The reply keys to open with: the files given, else `WAXSEAL_REPLY_KEYS`.
fn opening_keys(files: &[PathBuf]) -> Result<Vec<ReplyKeyPair>> {
    let mut keys = Vec::new();
    for path in files {
        keys.push(reply_keys::opening_key(path).map_err(key_error)?);
    }
    if files.is_empty()
        && let Ok(env) = std::env::var(KEYS_ENV)
    {
        let env = Zeroizing::new(env);
        for entry in env.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, secret) = entry.split_once(':').ok_or_else(|| {
                CliError::usage(format!("{KEYS_ENV}: an entry is not KEY_ID:BASE64URL"))
            })?;
            keys.push(key_pair(id, secret, KEYS_ENV)?);
        }
    }
    if keys.is_empty() {
        return Err(CliError::usage("no reply key").hint(format!(
            "pass --reply-key FILE, or set {KEYS_ENV}=KEY_ID:BASE64URL"
        )));
    }
    Ok(keys)
}

/// The sealed reply in `input`: the input itself, or the attachment of a relay mail (with what
/// the mail says of it).
fn sealed_reply_in(input: &[u8]) -> (Vec<u8>, Option<Relayed>) {
    if input.starts_with(&waxseal_envelope::reply::MAGIC_REPLY) {
        return (input.to_vec(), None);
    }
    match inbound::relayed_reply(input) {
        Some(relay) => (relay.sealed.clone(), Some(relay)),
        None => (input.to_vec(), None),
    }
}

/// Checks the key server's attestation (spec §10.7) of a reply whose header is `h`: the proof
/// method it attests, or why it does not hold. Only the organisation's own key server (`--server`,
/// `WAXSEAL_SERVER` or the config file) can attest: whoever seals a reply names its key server.
async fn attested(
    h: &waxseal_envelope::reply::ReplyHeader,
    relay: Option<&Relayed>,
    server: &crate::ServerArgs,
) -> std::result::Result<String, String> {
    let own = crate::settings::server(server).map_err(|e| {
        format!(
            "no key server of yours is configured to check it against ({}; pass --server or set WAXSEAL_SERVER)",
            e.message
        )
    })?;
    let claim = inbound::claim(h, relay, &own)?;
    let keys: waxseal_api::RelayKeys = waxseal_sender::client::Client::new(&own)
        .get("/v1/relay-keys", None)
        .await
        .map_err(|e| {
            format!(
                "the key server {} did not give its relay keys: {e}",
                h.key_server
            )
        })?;
    inbound::verify(&claim, &keys)
}

/// `waxseal open-reply`.
pub async fn open_reply(a: OpenReplyArgs) -> Result<()> {
    let keys = opening_keys(&a.keys)?;
    let input = std::fs::read(&a.file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", a.file.display())))?;
    let (bytes, relay) = sealed_reply_in(&input);
    let reply = Reply::parse(&bytes).map_err(|e| {
        let what = match e {
            waxseal_envelope::FormatError::NotWaxseal => {
                "this file is not a sealed waxseal reply".to_owned()
            }
            other => other.to_string(),
        };
        CliError::usage(format!("{}: {what}", a.file.display()))
            .hint("give the sealed reply itself (the reply.waxseal attachment of the relay mail)")
    })?;
    let plaintext = Zeroizing::new(reply.open(&keys).map_err(|e| match &e {
        OpenReplyError::UnknownKey(id) => CliError::failed(e.to_string()).hint(format!(
            "pass the key file of {id:?} with --reply-key (keep old reply keys until their messages expire)"
        )),
        _ => CliError::failed(e.to_string()),
    })?);
    let h = reply.header();
    // Who sealed a reply is what the key server attests, not what the reply says: anyone holding
    // the message can seal a reply naming any of its recipients.
    let attestation = attested(h, relay.as_ref(), &a.server).await;
    if let Err(why) = &attestation
        && !a.accept_unverified
    {
        return Err(CliError::failed(format!(
            "the reply names {} as its sender, but the key server's attestation of that does not hold: {why}; nothing was written",
            h.from
        ))
        .hint("open the relay mail exactly as it arrived; --accept-unverified writes the reply anyway, with its sender unknown"));
    }
    // Only now, with every chunk authenticated, is anything written.
    write_atomically(&plaintext, &a.out, a.force, Readers::Owner)?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "from": h.from,
                "verified": attestation.is_ok(),
                "verified_by": attestation.as_ref().ok(),
                "unverified_because": attestation.as_ref().err(),
                "to": h.to,
                "in_reply_to": h.in_reply_to.to_string(),
                "key_id": h.key_id,
                "created": h.created,
                "out": a.out.display().to_string(),
                "bytes": plaintext.len(),
            })
        );
    } else {
        let who = match attestation.as_deref() {
            Ok("sign-in") => format!(
                "A reply from {} (address verified by your key server {} by an account sign-in)",
                h.from, h.key_server
            ),
            Ok(_) => format!(
                "A reply from {} (address verified by your key server {} by a passcode)",
                h.from, h.key_server
            ),
            Err(why) => format!(
                "A reply whose sender is UNKNOWN (it names {}, but the key server's attestation does not hold: {why})",
                h.from
            ),
        };
        eprintln!(
            "{who} to message {}: {} bytes written to {}",
            h.in_reply_to,
            plaintext.len(),
            a.out.display()
        );
    }
    Ok(())
}

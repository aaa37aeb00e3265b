//! `waxseal revoke`, `status` and `inspect`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde_json::json;
use waxseal_api::{EventKind, MessageState, MessageStatus};
use waxseal_envelope::format::max_payload_len;
use waxseal_envelope::{EnvelopeReader, OpenError};
use waxseal_sender::carrier::utc;

use crate::seal::human_size;
use crate::{CliError, Result, ServerArgs, settings};
use waxseal_sender::client::Client;

fn state_text(s: MessageState) -> &'static str {
    match s {
        MessageState::Active => "active",
        MessageState::Revoked => "revoked",
        MessageState::Expired => "expired",
        MessageState::OpenLimitReached => "open limit reached",
    }
}

fn event_text(k: EventKind) -> &'static str {
    match k {
        EventKind::Registered => "registered",
        EventKind::PasscodeSent => "passcode sent",
        EventKind::WrongPasscode => "wrong passcode",
        EventKind::Verified => "verified (passcode)",
        EventKind::SignedIn => "verified (signed in)",
        EventKind::Released => "released (opened)",
        EventKind::Revoked => "revoked",
        EventKind::Expired => "asked after expiry",
        EventKind::PasscodesExhausted => "no more passcodes (too many wrong ones)",
        EventKind::Replied => "replied securely",
        EventKind::VerifiedPasskey => "verified (passkey)",
        EventKind::PasskeyAdded => "passkey added",
        EventKind::PasskeyRemoved => "passkey removed",
    }
}

fn print_status(s: &MessageStatus) {
    println!("message  {}", s.id);
    println!("state    {}", state_text(s.state));
    println!("to       {}", s.recipients.join(", "));
    println!("expires  {}", utc(s.expires));
    match s.max_opens {
        Some(max) => println!("opens    {} of {max}", s.opens),
        None => println!("opens    {}", s.opens),
    }
    if s.passcode_budget > 0 {
        if s.wrong_passcodes >= s.passcode_budget {
            println!(
                "passcodes closed: {} wrong passcodes, the most it allows (sign-in still opens it)",
                s.wrong_passcodes
            );
        } else {
            println!(
                "passcodes {} wrong of {} allowed",
                s.wrong_passcodes, s.passcode_budget
            );
        }
    }
    println!();
    println!("{:<20}  {:<20}  recipient", "time", "event");
    for e in &s.events {
        println!(
            "{:<20}  {:<20}  {}",
            utc(e.at),
            event_text(e.kind),
            e.recipient.as_deref().unwrap_or("-")
        );
    }
}

pub async fn revoke(id: &str, args: &ServerArgs, json: bool) -> Result<()> {
    let server = settings::server(args)?;
    let key = settings::api_key(args)?;
    let status: MessageStatus = Client::new(&server)
        .post(&format!("/v1/messages/{id}/revoke"), Some(&key), &json!({}))
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status).expect("JSON"));
    } else {
        println!("revoked {id}: its key share is destroyed; the message can no longer be opened");
    }
    Ok(())
}

pub async fn status(id: &str, args: &ServerArgs, json: bool) -> Result<()> {
    let server = settings::server(args)?;
    let key = settings::api_key(args)?;
    let status: MessageStatus = Client::new(&server)
        .get(&format!("/v1/messages/{id}"), Some(&key))
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status).expect("JSON"));
    } else {
        print_status(&status);
    }
    Ok(())
}

/// A message file being read: its header is parsed, its payload not yet.
pub type FileEnvelope =
    EnvelopeReader<waxseal_envelope::carrier::EnvelopeSource<BufReader<Box<dyn Read>>>>;

/// Opens a message.html or raw envelope file (`-`: standard input) and reads its header.
pub fn read_envelope(path: &Path) -> Result<FileEnvelope> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            File::open(path)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?,
        )
    };
    EnvelopeReader::from_file(BufReader::with_capacity(64 * 1024, input)).map_err(|e| match e {
        OpenError::Io(io) => CliError::usage(format!("cannot read {}: {io}", path.display())),
        other => CliError::usage(format!("{}: {other}", path.display())),
    })
}

pub fn inspect(path: &Path, json: bool) -> Result<()> {
    let reader = read_envelope(path)?;
    let h = reader.header().clone();
    // The payload's size without decrypting it: read and count.
    let mut rest = reader.into_payload();
    let payload = std::io::copy(&mut rest, &mut std::io::sink())
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    let plain = waxseal_envelope::cobblestone::ChunkPlan::for_ciphertext_len(payload)
        .map(|p| p.plaintext_len())
        .ok();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "id": h.id.to_string(),
                "from": {"address": h.from.address, "name": h.from.name},
                "recipients": h.recipients,
                "key_server": h.key_server,
                "created": h.created,
                "expires": h.expires,
                "payload_bytes": payload,
                "message_bytes": plain,
                "reply": h.reply.as_ref().map(|r| json!({"to": r.to, "key_id": r.key_id})),
            }))
            .expect("JSON")
        );
        return Ok(());
    }
    let from = match &h.from.name {
        Some(n) => format!("{n} <{}>", h.from.address),
        None => h.from.address.clone(),
    };
    println!("message     {}", h.id);
    println!("from        {from}");
    println!("to          {}", h.recipients.join(", "));
    if let Some(r) = &h.reply {
        println!("replies to  {} (sealed to reply key {})", r.to, r.key_id);
    }
    println!("key server  {}", h.key_server);
    println!("sealed      {}", utc(h.created));
    println!("expires     {}", utc(h.expires));
    match plain {
        Some(n) => println!(
            "size        {} encrypted ({} message)",
            human_size(payload),
            human_size(n)
        ),
        None => println!(
            "size        {} encrypted (the length is not that of a whole message: damaged or cut off)",
            human_size(payload)
        ),
    }
    if payload > max_payload_len() {
        println!("warning     larger than the format allows; it will not open");
    }
    println!("(the header is not yet authenticated: it is checked when the message is opened)");
    Ok(())
}

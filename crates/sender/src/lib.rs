//! What the tools of a sending organisation share — the `waxseal` command line and the mail
//! gateway:
//!
//! - [`client`]: a typed client of the key server's API, whose errors say what to do;
//! - [`register`]: registering a sealed message's server share with the key server, and
//!   [`sender_of`]: the sender a message names;
//! - [`carrier`]: `message.html`, the page that carries an envelope: readable without
//!   JavaScript, in the recipients' language, loading the viewer from its own origin with
//!   Subresource Integrity under a strict Content-Security-Policy.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod carrier;
pub mod client;

use waxseal_api::{MessageStatus, RegisterMessage};
use waxseal_envelope::{Header, Sender, ServerShare};

use crate::client::{Client, ClientError};

/// The sender a message names in its first `From` address, as a sealed message's header
/// records it (`None`: it names no address).
pub fn sender_of(message: &mail_parser::Message<'_>) -> Option<Sender> {
    let first = message.from()?.first()?;
    Some(Sender {
        address: first.address()?.to_owned(),
        name: first.name().map(str::to_owned),
    })
}

/// Registers a sealed message with the key server `client` talks to (`POST /v1/messages`, with
/// the sender's API key): its server share, recipients, sender, reply address, expiry and open
/// limit. Until this succeeds nobody can open the message, so a carrier is only worth sending
/// after it.
pub async fn register(
    client: &Client,
    api_key: &str,
    header: &Header,
    server_share: &ServerShare,
    max_opens: Option<u32>,
) -> Result<MessageStatus, ClientError> {
    client
        .post(
            "/v1/messages",
            Some(api_key),
            &RegisterMessage {
                id: header.id.to_string(),
                server_share: server_share.to_b64u(),
                key_server: header.key_server.clone(),
                recipients: header.recipients.clone(),
                from: header.from.address.clone(),
                reply_to: header.reply.as_ref().map(|r| r.to.clone()),
                expires: header.expires,
                max_opens,
            },
        )
        .await
}

//! Secure replies arriving as relay mail: delivered decrypted only when the key server's
//! attestation of their sender verifies, else as they came with a note; never dropped.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use waxseal_api::{RelayKey, RelayKeys};
use waxseal_envelope::reply::{ReplyKeyPair, seal_reply};
use waxseal_envelope::{Envelope, Header, SealParams, Sender, seal};
use waxseal_gateway::inbound::{Delivery, deliver, relayed_reply, with_note};

#[path = "support/relay.rs"]
mod relay;
use relay::relay_mail;

/// The organisation's own key server.
const KS: &str = "https://keys.acme.example";
const REPLY: &[u8] = b"From: bob@example.net\r\nTo: ann@acme.example\r\nSubject: Re: Q3\r\n\r\nFigures received.\r\n";

fn original(key: &ReplyKeyPair) -> Header {
    let sealed = seal(
        &SealParams {
            key_server: "https://keys.acme.example".into(),
            from: Sender {
                address: "ann@acme.example".into(),
                name: None,
            },
            recipients: vec!["bob@example.net".into(), "carol@example.org".into()],
            created: 1_790_000_000,
            expires: 1_790_604_800,
            reply: Some(key.reply_to("ann@acme.example")),
        },
        b"Subject: Q3\r\n\r\nhello",
    )
    .unwrap();
    Envelope::parse(&sealed.envelope).unwrap().header().clone()
}

/// The test's relay signing key, as the key server's key `k1`.
fn sign(signer: &ed25519_dalek::SigningKey, statement: &[u8]) -> (String, [u8; 64]) {
    ("k1".into(), signer.sign(statement).to_bytes())
}

fn keys_of(signer: &ed25519_dalek::SigningKey) -> RelayKeys {
    RelayKeys {
        keys: vec![RelayKey {
            id: "k1".into(),
            public_key: URL_SAFE_NO_PAD.encode(signer.verifying_key().to_bytes()),
        }],
    }
}

#[test]
fn an_attested_reply_is_delivered_decrypted_and_anything_else_as_it_came_with_a_note() {
    let key = ReplyKeyPair::generate("2026-11").unwrap();
    let header = original(&key);
    let sealed = seal_reply(&header, "bob@example.net", 1_790_000_400, REPLY).unwrap();
    let signer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let keys = std::slice::from_ref(&key);
    let mail = relay_mail(
        &header,
        &sealed,
        &|m| sign(&signer, m),
        "passcode",
        "bob@example.net",
    );
    assert_eq!(relayed_reply(&mail).unwrap().sealed, sealed);

    match deliver(&mail, keys, KS, Some(&keys_of(&signer))) {
        Delivery::Opened(out) => assert_eq!(
            &out[..],
            [
                &b"X-Waxseal-Verified-Replier: bob@example.net\r\nX-Waxseal-Verified-By: passcode\r\n"[..],
                REPLY
            ]
            .concat()
        ),
        other => panic!("{other:?}"),
    }

    // Another server's key, a changed proof, a reply sealed by someone else naming another
    // recipient: the sender is not attested.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let noted = |d: Delivery| match d {
        Delivery::Noted(note) => note,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        noted(deliver(&mail, keys, KS, Some(&keys_of(&stranger)))),
        "the reply's sender is not attested by the key server (the key server's signature does not verify); it is delivered sealed"
    );
    let changed = relay_mail(
        &header,
        &sealed,
        &|m| sign(&signer, m),
        "sign-in",
        "bob@example.net",
    );
    assert!(
        noted(deliver(&changed, keys, KS, Some(&keys_of(&signer)))).contains("does not verify")
    );
    let forged = seal_reply(&header, "carol@example.org", 1_790_000_400, REPLY).unwrap();
    let forged_mail = relay_mail(
        &header,
        &forged,
        &|m| sign(&signer, m),
        "passcode",
        "carol@example.org",
    );
    assert!(
        noted(deliver(&forged_mail, keys, KS, Some(&keys_of(&signer)))).contains("does not verify")
    );
    assert_eq!(
        noted(deliver(&mail, keys, KS, None)),
        "the reply's sender is not attested by the key server (the key server https://keys.acme.example's relay keys could not be fetched); it is delivered sealed"
    );
    // A reply that names another key server (whoever seals a reply chooses it, and could serve
    // relay keys of their own there): judged against the organisation's own key server only.
    assert_eq!(
        noted(deliver(
            &mail,
            keys,
            "https://keys.other.example",
            Some(&keys_of(&signer))
        )),
        "the reply's sender is not attested by the key server (the reply names the key server https://keys.acme.example, not yours (https://keys.other.example)); it is delivered sealed"
    );
    // A reply to a key the organisation does not hold, or damaged.
    let other = ReplyKeyPair::generate("2027-01").unwrap();
    assert_eq!(
        noted(deliver(&mail, &[other], KS, Some(&keys_of(&signer)))),
        "the reply is sealed to the reply key \"2026-11\", which is not among your reply keys; open it with `waxseal open-reply` and that key"
    );
    let mut damaged = sealed.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let damaged_mail = relay_mail(
        &header,
        &damaged,
        &|m| sign(&signer, m),
        "passcode",
        "bob@example.net",
    );
    assert_eq!(
        noted(deliver(&damaged_mail, keys, KS, Some(&keys_of(&signer)))),
        "the reply was altered or damaged, so it cannot be opened"
    );
    // Ordinary mail passes.
    assert_eq!(
        deliver(
            b"From: x@example.net\r\nSubject: hi\r\n\r\nhello\r\n",
            keys,
            KS,
            None
        ),
        Delivery::Unchanged
    );
    // The note goes on top, on one line.
    assert_eq!(
        with_note(b"From: x\r\n\r\nbody", "line one\r\nline two"),
        b"X-Waxseal-Reply-Problem: line one  line two\r\nFrom: x\r\n\r\nbody"
    );
}

//! Secure replies (spec §10): the version-2 header's reply member, and replies sealed to the
//! organisation's reply key — round trips, every tamper, the wrong key, a reply moved to another
//! message or replier, and the refusals of the header rules.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use waxseal_envelope::format::{MAGIC, VERSION, VERSION_WITH_REPLY};
use waxseal_envelope::reply::{
    self, MAGIC_REPLY, OpenReplyError, Reply, ReplyKeyPair, open_reply, seal_reply,
};
use waxseal_envelope::{Envelope, FormatError, SealParams, Sender, seal};

const REPLY: &[u8] = b"From: bob@example.net\r\nTo: replies@acme.example\r\nSubject: Re: Statement\r\n\r\nThanks, received.\r\n";

fn params(reply: Option<waxseal_envelope::ReplyTo>) -> SealParams {
    SealParams {
        key_server: "https://keys.example.com".into(),
        from: Sender {
            address: "notices@acme.example".into(),
            name: Some("Acme Bank".into()),
        },
        recipients: vec!["bob@example.net".into(), "carol@example.org".into()],
        created: 1_790_000_000,
        expires: 1_790_604_800,
        reply,
    }
}

fn org_key() -> ReplyKeyPair {
    ReplyKeyPair::generate("2026-11").unwrap()
}

#[test]
fn an_envelope_with_a_reply_key_is_version_2_and_authenticates_it() {
    let key = org_key();
    let sealed = seal(
        &params(Some(key.reply_to("Replies@ACME.example"))),
        b"Subject: hi\r\n\r\nhello",
    )
    .unwrap();
    assert_eq!(sealed.envelope[MAGIC.len()], VERSION_WITH_REPLY);
    let env = Envelope::parse(&sealed.envelope).unwrap();
    let reply_to = env.header().reply.clone().unwrap();
    assert_eq!(
        reply_to.to, "Replies@acme.example",
        "the domain is normalised"
    );
    assert_eq!(reply_to.key_id, "2026-11");
    assert_eq!(reply_to.public_key_bytes().unwrap(), key.public_key());
    // Without a reply key it stays version 1, readable by every reader.
    let plain = seal(&params(None), b"x").unwrap();
    assert_eq!(plain.envelope[MAGIC.len()], VERSION);
    assert!(
        Envelope::parse(&plain.envelope)
            .unwrap()
            .header()
            .reply
            .is_none()
    );

    // Another key swapped into the header (same length) breaks the message: the header is the
    // Cobblestone context.
    let other = ReplyKeyPair::generate("2026-11").unwrap();
    let text = String::from_utf8_lossy(&sealed.envelope).into_owned();
    let mine = &reply_to.public_key;
    let theirs = other.reply_to("x@acme.example").public_key;
    let i = sealed
        .envelope
        .windows(mine.len())
        .position(|w| w == mine.as_bytes())
        .unwrap();
    let mut swapped = sealed.envelope.clone();
    swapped[i..i + mine.len()].copy_from_slice(theirs.as_bytes());
    let env = Envelope::parse(&swapped).unwrap();
    assert!(matches!(
        env.open(&sealed.server_share),
        Err(waxseal_envelope::OpenError::Damaged)
    ));
    assert!(text.contains(
        "\"reply\":{\"to\":\"Replies@acme.example\",\"key_id\":\"2026-11\",\"public_key\":\""
    ));
}

#[test]
fn the_version_and_the_reply_member_go_together() {
    let key = org_key();
    let sealed = seal(&params(Some(key.reply_to("replies@acme.example"))), b"x").unwrap();
    // A version-2 header in a version-1 container, and the reverse, are malformed.
    let mut v1 = sealed.envelope.clone();
    v1[MAGIC.len()] = VERSION;
    assert!(matches!(
        Envelope::parse(&v1),
        Err(FormatError::Malformed(_))
    ));
    let plain = seal(&params(None), b"x").unwrap();
    let mut v2 = plain.envelope.clone();
    v2[MAGIC.len()] = VERSION_WITH_REPLY;
    assert!(matches!(
        Envelope::parse(&v2),
        Err(FormatError::Malformed(_))
    ));
    // A version this crate does not know is reported as newer.
    let mut v3 = sealed.envelope.clone();
    v3[MAGIC.len()] = 3;
    assert_eq!(
        Envelope::parse(&v3).unwrap_err(),
        FormatError::NewerVersion { found: 3 }
    );
    // Bad reply members are refused at sealing.
    for (to, id) in [
        ("not an address", "k1"),
        ("r@acme.example", "k 1"),
        ("r@acme.example", ""),
    ] {
        let mut r = key.reply_to(to);
        r.key_id = id.into();
        assert!(seal(&params(Some(r)), b"x").is_err(), "{to} {id}");
    }
}

#[test]
fn a_reply_opens_only_with_the_organisations_key_and_names_its_verified_sender() {
    let key = org_key();
    let sealed = seal(&params(Some(key.reply_to("replies@acme.example"))), b"x").unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let bytes = seal_reply(&header, "bob@example.net", 1_790_100_000, REPLY).unwrap();
    assert_eq!(bytes[..8], MAGIC_REPLY);
    let (h, plaintext) = open_reply(&bytes, std::slice::from_ref(&key)).unwrap();
    assert_eq!(plaintext, REPLY);
    assert_eq!(h.in_reply_to, header.id);
    assert_eq!(h.from, "bob@example.net");
    assert_eq!(h.to, "replies@acme.example");
    assert_eq!(h.key_id, "2026-11");
    assert_eq!(h.key_server, "https://keys.example.com");
    assert_eq!(h.created, 1_790_100_000);
    // Empty and multi-chunk replies too.
    for len in [0usize, 16_384, 40_000] {
        let body: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let bytes = seal_reply(&header, "carol@example.org", 1, &body).unwrap();
        assert_eq!(
            open_reply(&bytes, std::slice::from_ref(&key)).unwrap().1,
            body
        );
    }

    // Another key of the same id: one opaque error. An unknown key id is named.
    let impostor = ReplyKeyPair::generate("2026-11").unwrap();
    assert_eq!(
        open_reply(&bytes, std::slice::from_ref(&impostor)).unwrap_err(),
        OpenReplyError::Damaged
    );
    let rotated = ReplyKeyPair::generate("2027-01").unwrap();
    assert_eq!(
        open_reply(&bytes, std::slice::from_ref(&rotated)).unwrap_err(),
        OpenReplyError::UnknownKey("2026-11".into())
    );
    // A stored private key opens it again.
    let restored = ReplyKeyPair::from_secret("2026-11", &key.secret_bytes()[..]).unwrap();
    assert_eq!(restored.public_key(), key.public_key());
    assert_eq!(open_reply(&bytes, &[rotated, restored]).unwrap().1, REPLY);
    assert!(format!("{key:?}").contains("redacted"));

    // Only a recipient may reply, and only to a message that names a reply key.
    assert!(seal_reply(&header, "mallory@example.com", 1, REPLY).is_err());
    let plain = seal(&params(None), b"x").unwrap();
    let plain = Envelope::parse(&plain.envelope).unwrap().header().clone();
    assert!(seal_reply(&plain, "bob@example.net", 1, REPLY).is_err());
}

#[test]
fn every_changed_byte_of_a_reply_is_refused_and_nothing_is_released() {
    let key = org_key();
    let sealed = seal(&params(Some(key.reply_to("replies@acme.example"))), b"x").unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let bytes = seal_reply(&header, "bob@example.net", 1_790_100_000, REPLY).unwrap();
    let keys = [key];
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        match open_reply(&t, &keys) {
            Ok(_) => panic!("byte {i} flipped and the reply still opened"),
            Err(OpenReplyError::Damaged | OpenReplyError::Format(_)) => {}
            Err(OpenReplyError::UnknownKey(id)) => assert_ne!(id, "2026-11", "byte {i}"),
            Err(e) => panic!("byte {i}: {e}"),
        }
    }
    // Truncated at every length, and extended.
    for len in 0..bytes.len() {
        assert!(open_reply(&bytes[..len], &keys).is_err(), "cut at {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        open_reply(&longer, &keys).unwrap_err(),
        OpenReplyError::Damaged
    );
}

#[test]
fn a_reply_moved_to_another_message_or_replier_opens_to_nothing() {
    let key = org_key();
    let keys = [key];
    let sealed = seal(
        &params(Some(keys[0].reply_to("replies@acme.example"))),
        b"x",
    )
    .unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let bytes = seal_reply(&header, "bob@example.net", 1_790_100_000, REPLY).unwrap();
    let reply = Reply::parse(&bytes).unwrap();
    // Rewrite the header as a forger would (same length, valid JSON), keeping the payload.
    let edit = |from: &str, to: &str| {
        let i = bytes
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap();
        let mut t = bytes.clone();
        t[i..i + from.len()].copy_from_slice(to.as_bytes());
        t
    };
    for (from, to) in [
        ("bob@example.net", "bob@example.org"),
        (
            &reply.header().in_reply_to.to_string()[..],
            "AAAAAAAAAAAAAAAAAAAAAA",
        ),
        ("replies@acme.example", "replies@acme.exampla"),
    ] {
        assert_eq!(from.len(), to.len());
        let t = edit(from, to);
        assert_eq!(
            open_reply(&t, &keys).unwrap_err(),
            OpenReplyError::Damaged,
            "{from} → {to}"
        );
    }
    // The info binds message, replier and key id, each length-prefixed.
    assert_ne!(
        reply::info(&header.id, "ab@c.d", "e"),
        reply::info(&header.id, "ab@c.de", "")
    );
}

#[test]
fn reply_headers_follow_their_rules() {
    let key = org_key();
    let sealed = seal(&params(Some(key.reply_to("replies@acme.example"))), b"x").unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let bytes = seal_reply(&header, "bob@example.net", 1, REPLY).unwrap();
    assert_eq!(
        Reply::parse(b"not a reply").unwrap_err(),
        FormatError::NotWaxseal
    );
    assert_eq!(
        Reply::parse(&sealed.envelope).unwrap_err(),
        FormatError::NotWaxseal
    );
    let mut newer = bytes.clone();
    newer[8] = 2;
    assert_eq!(
        Reply::parse(&newer).unwrap_err(),
        FormatError::NewerVersion { found: 2 }
    );
    let len = u32::from_be_bytes(bytes[9..13].try_into().unwrap()) as usize;
    let json = String::from_utf8(bytes[13..13 + len].to_vec()).unwrap();
    let with = |edited: &str| {
        let mut t = bytes[..9].to_vec();
        t.extend_from_slice(&(edited.len() as u32).to_be_bytes());
        t.extend_from_slice(edited.as_bytes());
        t.extend_from_slice(&bytes[13 + len..]);
        t
    };
    for edited in [
        json.replace("\"v\":1", "\"v\":2"),
        json.replace(
            "\"content\":\"message/rfc822\"",
            "\"content\":\"text/plain\"",
        ),
        json.replace("\"key_id\":\"2026-11\"", "\"key_id\":\"2026 11\""),
        json.replace("\"from\":\"bob@example.net\"", "\"from\":\"bob\""),
        json.replace(
            "\"key_server\":\"https://keys.example.com\"",
            "\"key_server\":\"http://keys.example.com\"",
        ),
        json.replacen('}', ",\"extra\":1}", 1),
        json.replace("\"created\":1", "\"created\":-0"),
    ] {
        assert_ne!(edited, json);
        assert!(
            matches!(Reply::parse(&with(&edited)), Err(FormatError::Malformed(_))),
            "{edited}"
        );
    }
}

//! The properties the fuzz targets check, shared with `tests/fuzz_replay.rs`, which runs them on
//! stable over the committed seeds and every input the fuzzer ever found.

use std::io::{BufReader, Read};

use waxseal_envelope::format::Header;
use waxseal_envelope::reply::{OpenReplyError, Reply, ReplyHeader, ReplyKeyPair};
use waxseal_envelope::{Envelope, EnvelopeReader, OpenError, ServerShare, carrier};

/// Any input: extraction, parsing and opening never panic, the buffer and streaming readers agree,
/// and a random share never opens anything.
pub fn envelope(data: &[u8]) {
    let share = ServerShare::from_bytes([0x5a; 32]);
    let extracted = carrier::extract(data);
    let streamed = {
        let mut out = Vec::new();
        carrier::EnvelopeSource::new(BufReader::with_capacity(61, data))
            .and_then(|mut r| r.read_to_end(&mut out))
            .map(|_| out)
    };
    match (&extracted, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "buffer and streaming extraction differ"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "buffer extraction {:?} but streaming {:?}",
            a.is_ok(),
            b.is_ok()
        ),
    }
    let Ok(raw) = extracted else { return };
    let parsed = Envelope::parse(&raw);
    let reader = EnvelopeReader::new(&raw[..]);
    match (&parsed, &reader) {
        (Ok(p), Ok(r)) => assert_eq!(p.header(), r.header()),
        (Err(e), Err(OpenError::Format(f))) => assert_eq!(e, f),
        (p, r) => panic!("parse {:?} but stream {:?}", p.is_ok(), r.is_ok()),
    }
    if let Ok(env) = parsed {
        // The header is valid, so re-encoding and re-parsing it gives the same header.
        assert_eq!(
            &Header::parse(&env.header().to_json()).unwrap(),
            env.header()
        );
        assert!(matches!(env.open(&share), Err(OpenError::Damaged)));
        let mut out = Vec::new();
        let r = reader.unwrap();
        assert!(matches!(
            r.open_to(&share, &mut out),
            Err(OpenError::Damaged)
        ));
    }
}

/// Any header bytes: parsing never panics; a header that parses survives an encode/parse round
/// trip and satisfies every field rule.
pub fn header(data: &[u8]) {
    if let Ok(h) = Header::parse(data) {
        assert_eq!(h.validate(), Ok(()));
        let again = Header::parse(&h.to_json()).expect("a re-encoded valid header parses");
        assert_eq!(again, h);
        for r in &h.recipients {
            assert!(h.has_recipient(r));
        }
    }
}

/// Any input as a secure reply (spec §10): parsing never panics; a reply that parses has a header
/// that survives an encode/parse round trip, and opening it with a key that is not its
/// organisation's is always the opaque "damaged" error (or names the unknown key id).
pub fn reply(data: &[u8]) {
    let Ok(reply) = Reply::parse(data) else {
        return;
    };
    let h = reply.header();
    assert_eq!(&ReplyHeader::parse(&h.to_json()).unwrap(), h);
    let stranger = ReplyKeyPair::derive(&h.key_id, &[0x5a; 32]).unwrap();
    assert_eq!(reply.open(&[stranger]), Err(OpenReplyError::Damaged));
    let other = ReplyKeyPair::derive("another-key", &[0x5a; 32]).unwrap();
    if h.key_id != "another-key" {
        assert_eq!(
            reply.open(&[other]),
            Err(OpenReplyError::UnknownKey(h.key_id.clone()))
        );
    }
}

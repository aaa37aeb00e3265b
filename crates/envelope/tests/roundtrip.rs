//! Seal/open round trips over sizes around the chunk boundary, across every pair of paths.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::BufReader;

use common::*;
use proptest::prelude::*;
use waxseal_envelope::{Envelope, EnvelopeReader, SealError, carrier, seal, seal_stream};

const K: usize = 16 * 1024;
const SIZES: &[usize] = &[
    0,
    1,
    K - 1,
    K,
    K + 1,
    2 * K - 1,
    2 * K,
    2 * K + 1,
    3 * K - 1,
    3 * K,
    3 * K + 1,
];

fn check_round_trip(pt: &[u8], write_piece: usize) {
    // Buffer seal -> buffer, stream and chunk open.
    let sealed = seal(&params(), pt).unwrap();
    assert_eq!(
        open_buffer(&sealed.envelope, &sealed.server_share).unwrap(),
        pt
    );
    assert_eq!(
        open_stream(&sealed.envelope, &sealed.server_share).unwrap(),
        pt
    );
    assert_eq!(
        open_chunks(&sealed.envelope, &sealed.server_share).unwrap(),
        pt
    );

    // Stream seal (reading in odd pieces) -> buffer open, and through the HTML carrier.
    let mut env = Vec::new();
    let reader = BufReader::with_capacity(write_piece.max(1), pt);
    let receipt = seal_stream(&params(), reader, &mut env).unwrap();
    assert_eq!(receipt.plaintext_len, pt.len() as u64);
    assert_eq!(receipt.envelope_len, env.len() as u64);
    assert_eq!(open_buffer(&env, &receipt.server_share).unwrap(), pt);
    let html = carrier::embed("<html><!--waxseal-envelope--></html>", &env).unwrap();
    let reader = EnvelopeReader::from_file(BufReader::with_capacity(
        write_piece.max(1),
        html.as_bytes(),
    ))
    .unwrap();
    assert_eq!(reader.header(), &receipt.header);
    let mut out = Vec::new();
    reader.open_to(&receipt.server_share, &mut out).unwrap();
    assert_eq!(out, pt);
    assert_eq!(
        Envelope::parse(&carrier::extract(html.as_bytes()).unwrap())
            .unwrap()
            .header(),
        &receipt.header
    );
}

#[test]
fn sizes_around_the_chunk_boundary() {
    for &n in SIZES {
        check_round_trip(&plaintext(n), 4096);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_contents_and_sizes(
        size in prop::sample::select(SIZES).prop_flat_map(|n| (Just(n), 0..=16usize)),
        seed in any::<u8>(),
        piece in 1usize..20_000,
    ) {
        let (base, jitter) = size;
        let n = base.saturating_sub(8) + jitter;
        let pt: Vec<u8> = plaintext(n).iter().map(|b| b ^ seed).collect();
        check_round_trip(&pt, piece);
    }
}

#[test]
fn sealing_refuses_bad_headers_with_the_field_named() {
    let mut p = params();
    p.recipients = vec!["not an address".into()];
    let e = seal(&p, b"x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot seal this message: recipient: \"not an address\" is not a valid e-mail address"
    );
    let mut p = params();
    p.recipients.clear();
    assert_eq!(
        seal(&p, b"x").unwrap_err().to_string(),
        "cannot seal this message: the message names no recipients"
    );
    let mut p = params();
    p.key_server = "http://keys.example.com".into();
    assert!(
        matches!(seal(&p, b"x"), Err(SealError::InvalidHeader(m)) if m.contains("https origin"))
    );
    let mut p = params();
    p.expires = p.created;
    assert!(matches!(seal(&p, b"x"), Err(SealError::InvalidHeader(m)) if m.contains("expiry")));
    let mut p = params();
    p.recipients = (0..101).map(|i| format!("r{i}@example.com")).collect();
    assert!(
        matches!(seal(&p, b"x"), Err(SealError::InvalidHeader(m)) if m.contains("more than 100"))
    );
}

#[test]
fn recipients_are_normalised_and_deduplicated() {
    let mut p = params();
    p.recipients = vec![
        "Bob@Example.NET".into(),
        "Bob@example.net".into(),
        "carol@example.org".into(),
    ];
    let sealed = seal(&p, b"x").unwrap();
    assert_eq!(
        sealed.header.recipients,
        ["Bob@example.net", "carol@example.org"]
    );
    assert!(sealed.header.has_recipient("Bob@EXAMPLE.net"));
    assert!(!sealed.header.has_recipient("bob@example.net"));
}

#[test]
fn oversized_streams_are_refused() {
    // A reader that claims endless zeros: the sealer stops one byte past 1 GiB.
    struct Zeros;
    impl std::io::Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(0);
            Ok(buf.len())
        }
    }
    let e = seal_stream(&params(), Zeros, std::io::sink()).unwrap_err();
    assert!(matches!(e, SealError::TooLarge), "{e:?}");
}

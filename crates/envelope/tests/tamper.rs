//! Every way to alter a sealed envelope is rejected, with the right error, by every opening path.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use common::*;
use waxseal_envelope::cobblestone::{ENCRYPTED_CHUNK_SIZE, PREFIX_LEN};
use waxseal_envelope::format::{self, Header};
use waxseal_envelope::{Envelope, EnvelopeShare, ServerShare, hazmat};

fn small() -> (Vec<u8>, ServerShare) {
    let s = hazmat::seal(&params(), &plaintext(100), randomness(1)).unwrap();
    (s.envelope, s.server_share)
}

/// A three-chunk message: 16 KiB, 16 KiB and 100 bytes.
fn three_chunks() -> (Vec<u8>, ServerShare, usize) {
    let s = hazmat::seal(&params(), &plaintext(2 * 16384 + 100), randomness(2)).unwrap();
    let payload_start = Envelope::parse(&s.envelope).unwrap().context().len();
    (s.envelope, s.server_share, payload_start)
}

#[test]
fn the_untouched_envelope_opens() {
    let (env, share) = small();
    assert_eq!(outcome(&env, &share), "ok:100");
    assert_eq!(open_buffer(&env, &share).unwrap(), plaintext(100));
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let (env, share) = small();
    let context_len = Envelope::parse(&env).unwrap().context().len();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for byte in 0..env.len() {
        for bit in 0..8 {
            let mut t = env.clone();
            t[byte] ^= 1 << bit;
            let got = outcome(&t, &share);
            let region = match byte {
                0..8 => {
                    assert_eq!(got, "format:NotWaxseal", "magic byte {byte} bit {bit}");
                    "magic"
                }
                8 => {
                    // Version 1 becomes 0 (malformed) or something newer.
                    let v = t[8];
                    if v > 1 {
                        assert_eq!(got, format!("format:NewerVersion {{ found: {v} }}"));
                    } else {
                        assert!(got.starts_with("format:Malformed"), "{got}");
                    }
                    "version"
                }
                9..13 => {
                    assert!(
                        got.starts_with("format:Malformed") || got.starts_with("format:TooLarge"),
                        "length byte {byte} bit {bit}: {got}"
                    );
                    "length"
                }
                b if b < context_len => {
                    // Either the header no longer parses, or it parses and the commitment fails.
                    assert!(
                        got == "damaged" || got.starts_with("format:Malformed"),
                        "header byte {byte} bit {bit}: {got}"
                    );
                    "header"
                }
                _ => {
                    assert_eq!(got, "damaged", "payload byte {byte} bit {bit}");
                    "payload"
                }
            };
            *counts.entry(region).or_default() += 1;
        }
    }
    assert_eq!(counts["magic"], 64);
    assert_eq!(counts["payload"], (env.len() - context_len) * 8);
    assert_eq!(counts.values().sum::<usize>(), env.len() * 8);
}

#[test]
fn header_edits_that_still_parse_fail_the_commitment() {
    let (env, share) = small();
    let parsed = Envelope::parse(&env).unwrap();
    let header_json = String::from_utf8(parsed.context()[13..].to_vec()).unwrap();
    let payload = parsed.payload().to_vec();
    let edits = [
        header_json.replace("\"expires\":1790604800", "\"expires\":1890604800"),
        header_json.replace("bob@example.net", "eve@example.net"),
        header_json.replace(
            "[\"bob@example.net\"]",
            "[\"bob@example.net\",\"eve@example.net\"]",
        ),
        header_json.replace("https://keys.example.com", "https://keys.evil.example"),
        header_json.replace("Alice Example", "Your Bank"),
        // Same meaning, different bytes: whitespace and key order.
        header_json.replace(",\"", ", \""),
        format!(" {header_json}"),
    ];
    for edited in edits {
        assert_ne!(edited, header_json);
        Header::parse(edited.as_bytes()).expect("the edit still parses");
        let mut t = format::context_for(format::VERSION, edited.as_bytes());
        t.extend_from_slice(&payload);
        assert_eq!(outcome(&t, &share), "damaged", "{edited}");
    }
}

#[test]
fn truncation_at_every_chunk_boundary_is_rejected() {
    let (env, share, start) = three_chunks();
    assert_eq!(outcome(&env, &share), format!("ok:{}", 2 * 16384 + 100));
    let mut cuts = vec![start, start + PREFIX_LEN];
    for k in 1..=2 {
        cuts.push(start + PREFIX_LEN + k * ENCRYPTED_CHUNK_SIZE);
    }
    // And around each boundary and the end.
    for &c in &cuts.clone() {
        cuts.extend([c.saturating_sub(1), c + 1]);
    }
    cuts.extend([env.len() - 1, env.len() - 16, env.len() - 17]);
    for cut in cuts.into_iter().filter(|&c| c < env.len()) {
        let got = outcome(&env[..cut], &share);
        if cut < start {
            assert!(got.starts_with("format:Malformed"), "cut {cut}: {got}");
        } else {
            assert_eq!(got, "damaged", "cut at {cut} of {}", env.len());
        }
    }
}

#[test]
fn reordered_and_duplicated_chunks_are_rejected() {
    let (env, share, start) = three_chunks();
    let c0 = start + PREFIX_LEN;
    let c1 = c0 + ENCRYPTED_CHUNK_SIZE;
    let c2 = c1 + ENCRYPTED_CHUNK_SIZE;
    let mut swapped = env[..c0].to_vec();
    swapped.extend_from_slice(&env[c1..c2]);
    swapped.extend_from_slice(&env[c0..c1]);
    swapped.extend_from_slice(&env[c2..]);
    assert_eq!(swapped.len(), env.len());
    assert_eq!(outcome(&swapped, &share), "damaged");
    let mut duplicated = env[..c1].to_vec();
    duplicated.extend_from_slice(&env[c0..c1]);
    duplicated.extend_from_slice(&env[c2..]);
    assert_eq!(outcome(&duplicated, &share), "damaged");
}

#[test]
fn appended_bytes_are_rejected() {
    let (env, share, start) = three_chunks();
    for extra in [vec![0u8], vec![0u8; 16], vec![0xffu8; 17]] {
        let mut t = env.clone();
        t.extend_from_slice(&extra);
        assert_eq!(
            outcome(&t, &share),
            "damaged",
            "{} extra bytes",
            extra.len()
        );
    }
    // A validly encrypted chunk of another message, appended.
    let (other, _, other_start) = three_chunks();
    let mut t = env.clone();
    t.extend_from_slice(
        &other[other_start + PREFIX_LEN..other_start + PREFIX_LEN + ENCRYPTED_CHUNK_SIZE],
    );
    assert_eq!(outcome(&t, &share), "damaged");
    let _ = start;
}

#[test]
fn wrong_shares_are_rejected() {
    let (env, share) = small();
    let mut wrong = *share.expose();
    wrong[0] ^= 1;
    assert_eq!(outcome(&env, &ServerShare::from_bytes(wrong)), "damaged");
    assert_eq!(outcome(&env, &ServerShare::from_bytes([0; 32])), "damaged");

    // The envelope share replaced by another valid share in the header.
    let parsed = Envelope::parse(&env).unwrap();
    let header_json = String::from_utf8(parsed.context()[13..].to_vec()).unwrap();
    let old = parsed.header().share.to_b64u();
    let new = EnvelopeShare::from_bytes([9; 32]).to_b64u();
    let edited = header_json.replace(&old, &new);
    assert_ne!(edited, header_json);
    let mut t = format::context_for(format::VERSION, edited.as_bytes());
    t.extend_from_slice(parsed.payload());
    assert_eq!(outcome(&t, &share), "damaged");
}

#[test]
fn a_header_taken_from_another_message_is_rejected() {
    let a = hazmat::seal(&params(), &plaintext(100), randomness(10)).unwrap();
    let b = hazmat::seal(&params(), &plaintext(100), randomness(20)).unwrap();
    let pa = Envelope::parse(&a.envelope).unwrap();
    let pb = Envelope::parse(&b.envelope).unwrap();
    // B's header on A's payload, tried with both messages' server shares.
    let mut spliced = pb.context().to_vec();
    spliced.extend_from_slice(pa.payload());
    assert_eq!(outcome(&spliced, &a.server_share), "damaged");
    assert_eq!(outcome(&spliced, &b.server_share), "damaged");
}

//! The spec's worked example (docs/envelope-spec.md §9): every value is recomputed here and
//! compared with `vectors/worked-example.json` and with the text of the spec itself.
//!
//! To regenerate both after a deliberate format change: `WAXSEAL_BLESS=1 cargo test -p
//! waxseal-envelope --test worked_example`.

#![cfg(not(target_arch = "wasm32"))]

mod spec_text;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use waxseal_envelope::cobblestone::{ChunkPlan, PREFIX_LEN, PayloadKey, TAG_LEN};
use waxseal_envelope::hazmat::{self, ChosenRandomness};
use waxseal_envelope::release::{self, TabKeyPair};
use waxseal_envelope::{
    Envelope, EnvelopeShare, InputKey, MessageId, SealParams, Sender, ServerShare, carrier,
};

const JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/worked-example.json"
);
const BEGIN: &str = "<!-- worked-example:begin -->\n";
const END: &str = "<!-- worked-example:end -->";

fn seq<const N: usize>(start: u8) -> [u8; N] {
    core::array::from_fn(|i| start + i as u8)
}

fn params() -> SealParams {
    SealParams {
        key_server: "https://keys.example.com".into(),
        from: Sender {
            address: "alice@example.com".into(),
            name: Some("Alice Example".into()),
        },
        recipients: vec!["bob@example.net".into()],
        created: 1_790_000_000,
        expires: 1_790_604_800,
        reply: None,
    }
}

fn randomness() -> ChosenRandomness {
    ChosenRandomness {
        id: MessageId::from_bytes(seq(0x00)),
        server_share: ServerShare::from_bytes(seq(0x20)),
        envelope_share: EnvelopeShare::from_bytes(seq(0x40)),
        salt: seq(0x60),
    }
}

const SMALL_MESSAGE: &str = "From: Alice Example <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Bob!\r\n";

/// The two-chunk plaintext: the small message's headers, then the line
/// "waxseal worked example\r\n" (24 bytes) repeated until 20 000 bytes, cut there.
fn large_message() -> Vec<u8> {
    let head = "From: Alice Example <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Large\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    let mut m = head.as_bytes().to_vec();
    while m.len() < 20_000 {
        m.extend_from_slice(b"waxseal worked example\r\n");
    }
    m.truncate(20_000);
    m
}

type Values = Vec<(&'static str, String)>;

#[allow(clippy::vec_init_then_push)]
fn compute() -> (Values, Values, Values) {
    let r = randomness();
    let mut small = Values::new();
    small.push(("message id (16 bytes)", hex::encode(r.id.as_bytes())));
    small.push(("message id (b64u)", r.id.to_string()));
    small.push(("server share", hex::encode(r.server_share.expose())));
    small.push(("envelope share", hex::encode(r.envelope_share.expose())));
    small.push(("salt", hex::encode(r.salt)));
    small.push(("plaintext (UTF-8)", hex::encode(SMALL_MESSAGE)));
    let sealed = hazmat::seal(&params(), SMALL_MESSAGE.as_bytes(), randomness()).unwrap();
    let env = Envelope::parse(&sealed.envelope).unwrap();
    let header = &env.context()[13..];
    small.push(("header (text)", String::from_utf8(header.to_vec()).unwrap()));
    small.push(("context (prefix and header)", hex::encode(env.context())));
    let ik = InputKey::derive(&r.server_share, &r.envelope_share, &r.id);
    small.push(("input key", hex::encode(ik.expose())));
    let (key, commitment) = PayloadKey::derive(ik.expose(), &r.salt, env.context()).unwrap();
    small.push(("AES-256-GCM key", hex::encode(key.aead_key())));
    small.push(("base nonce", hex::encode(key.base_nonce())));
    small.push(("commitment", hex::encode(commitment)));
    let payload = env.payload();
    small.push((
        "chunk 0 ciphertext",
        hex::encode(&payload[PREFIX_LEN..payload.len() - TAG_LEN]),
    ));
    small.push((
        "chunk 0 tag",
        hex::encode(&payload[payload.len() - TAG_LEN..]),
    ));
    small.push(("envelope", hex::encode(&sealed.envelope)));
    small.push((
        "carrier element",
        carrier::envelope_element(&sealed.envelope),
    ));
    assert_eq!(env.open(&r.server_share).unwrap(), SMALL_MESSAGE.as_bytes());

    // Key release of the small message's server share to a tab key.
    let mut rel = Values::new();
    let tab_ikm: [u8; 32] = seq(0x80);
    let eph_ikm: [u8; 32] = seq(0xa0);
    let tab = TabKeyPair::derive(&tab_ikm);
    rel.push((
        "viewer key pair ikm (DeriveKeyPair input)",
        hex::encode(tab_ikm),
    ));
    rel.push(("viewer public key", hex::encode(tab.public_key())));
    rel.push(("ephemeral ikm (ikmE)", hex::encode(eph_ikm)));
    rel.push(("recipient", "bob@example.net".into()));
    rel.push(("info", hex::encode(release::info(&r.id, "bob@example.net"))));
    rel.push(("aad", hex::encode("https://keys.example.com")));
    let out = release::seal_with_chosen_ephemeral(
        &tab.public_key(),
        &r.id,
        "bob@example.net",
        "https://keys.example.com",
        &r.server_share,
        &eph_ikm,
    )
    .unwrap();
    rel.push(("release (enc || ct)", hex::encode(out)));
    let opened = tab
        .open(&out, &r.id, "bob@example.net", "https://keys.example.com")
        .unwrap();
    assert_eq!(opened, r.server_share);

    // Two chunks.
    let mut large = Values::new();
    let pt = large_message();
    let sealed = hazmat::seal(&params(), &pt, randomness()).unwrap();
    let env = Envelope::parse(&sealed.envelope).unwrap();
    large.push(("plaintext SHA-256", hex::encode(Sha256::digest(&pt))));
    large.push((
        "context SHA-256",
        hex::encode(Sha256::digest(env.context())),
    ));
    let (key, plan) = env.payload_key(&r.server_share).unwrap();
    assert_eq!(plan.chunk_count(), 2);
    large.push(("commitment", hex::encode(&env.payload()[24..56])));
    for chunk in plan.chunks() {
        let bytes = &env.payload()[chunk.range.clone()];
        let i = chunk.index;
        large.push((
            if i == 0 {
                "chunk 0 nonce"
            } else {
                "chunk 1 nonce"
            },
            hex::encode(key.nonce(i)),
        ));
        large.push((
            if i == 0 {
                "chunk 0 length (ciphertext and tag)"
            } else {
                "chunk 1 length (ciphertext and tag)"
            },
            bytes.len().to_string(),
        ));
        large.push((
            if i == 0 { "chunk 0 tag" } else { "chunk 1 tag" },
            hex::encode(&bytes[bytes.len() - TAG_LEN..]),
        ));
    }
    large.push(("envelope length", sealed.envelope.len().to_string()));
    large.push((
        "envelope SHA-256",
        hex::encode(Sha256::digest(&sealed.envelope)),
    ));
    assert_eq!(env.open(&r.server_share).unwrap(), pt);
    let _ = ChunkPlan::for_plaintext_len(0);
    (small, rel, large)
}

fn render((small, rel, large): &(Values, Values, Values)) -> String {
    let mut s = String::new();
    s.push_str("### 9.1 A complete one-chunk envelope\n\n");
    s.push_str("Inputs: `key_server` `https://keys.example.com`; sender `alice@example.com`, name \"Alice Example\"; one recipient `bob@example.net`; `created` 1790000000; `expires` 1790604800 (seven days later); id bytes `00 01 .. 0f`; server share `20 .. 3f`; envelope share `40 .. 5f`; salt `60 .. 77`.\n\n");
    for (k, v) in small {
        s.push_str(&format!("**{k}**\n\n```\n{}\n```\n\n", spec_text::block(v)));
    }
    s.push_str("### 9.2 Key release of that server share\n\n");
    for (k, v) in rel {
        s.push_str(&format!("**{k}**\n\n```\n{}\n```\n\n", spec_text::block(v)));
    }
    s.push_str("### 9.3 A two-chunk envelope\n\n");
    s.push_str("Same inputs; the plaintext is 20 000 bytes: the header lines `From: Alice Example <alice@example.com>`, `To: bob@example.net`, `Subject: Large`, `Content-Type: text/plain; charset=utf-8` (each ended by CR LF), an empty line, then `waxseal worked example` + CR LF repeated and cut at 20 000 bytes. Chunk 0 holds 16 384 plaintext bytes, chunk 1 the remaining 3 616.\n\n");
    for (k, v) in large {
        s.push_str(&format!("**{k}**\n\n```\n{}\n```\n\n", spec_text::block(v)));
    }
    s
}

fn as_json((small, rel, large): &(Values, Values, Values)) -> String {
    let map = |v: &Values| {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let all = BTreeMap::from([
        ("one_chunk", map(small)),
        ("release", map(rel)),
        ("two_chunks", map(large)),
    ]);
    serde_json::to_string_pretty(&all).unwrap() + "\n"
}

#[test]
fn the_spec_and_the_vector_file_hold_the_computed_values() {
    let values = compute();
    let rendered = render(&values);
    let json = as_json(&values);
    spec_text::check_or_bless(BEGIN, END, &rendered, JSON, &json, "worked example (§9)");
}

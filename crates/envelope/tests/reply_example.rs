//! The spec's worked example of a secure reply (docs/envelope-spec.md §10.6): every value is
//! recomputed here — the HPKE steps independently with the `hpke` crate — and compared with
//! `vectors/reply-example.json` and with the text of the spec itself.
//!
//! To regenerate both after a deliberate format change: `WAXSEAL_BLESS=1 cargo test -p
//! waxseal-envelope --test reply_example`.

#![cfg(not(target_arch = "wasm32"))]

mod spec_text;

use std::collections::BTreeMap;

use hpke::{Deserializable, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use waxseal_envelope::hazmat::{self, ChosenRandomness};
use waxseal_envelope::release::{Aead, Kdf, Kem};
use waxseal_envelope::reply::{self, ReplyKeyPair, open_reply};
use waxseal_envelope::{Envelope, EnvelopeShare, MessageId, SealParams, Sender, ServerShare};

const JSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/reply-example.json"
);
const BEGIN: &str = "<!-- reply-example:begin -->\n";
const END: &str = "<!-- reply-example:end -->";
const REPLY: &str = "From: bob@example.net\r\nTo: replies@example.com\r\nSubject: Re: Hello\r\nIn-Reply-To: <hello@example.com>\r\n\r\nThank you!\r\n";

fn seq<const N: usize>(start: u8) -> [u8; N] {
    core::array::from_fn(|i| start + i as u8)
}

/// An RNG that gives the 32 bytes of the ephemeral key's seed, as the crate's sealer does.
struct Seed([u8; 32], usize);

impl hpke::rand_core::TryRng for Seed {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("HPKE asks for bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("HPKE asks for bytes")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.copy_from_slice(&self.0[self.1..self.1 + dst.len()]);
        self.1 += dst.len();
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for Seed {}

type Values = Vec<(&'static str, String)>;

fn compute() -> Values {
    let org = ReplyKeyPair::derive("2026-11", &seq::<32>(0xe0)).unwrap();
    let sealed = hazmat::seal(
        &SealParams {
            key_server: "https://keys.example.com".into(),
            from: Sender {
                address: "alice@example.com".into(),
                name: Some("Alice Example".into()),
            },
            recipients: vec!["bob@example.net".into()],
            created: 1_790_000_000,
            expires: 1_790_604_800,
            reply: Some(org.reply_to("replies@example.com")),
        },
        b"Subject: Hello\r\n\r\nHello Bob!\r\n",
        ChosenRandomness {
            id: MessageId::from_bytes(seq(0x00)),
            server_share: ServerShare::from_bytes(seq(0x20)),
            envelope_share: EnvelopeShare::from_bytes(seq(0x40)),
            salt: seq(0x60),
        },
    )
    .unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let header_json =
        String::from_utf8(sealed.envelope[13..13 + header.to_json().len()].to_vec()).unwrap();
    let ikm_e = seq::<32>(0xa0);
    let salt = seq::<24>(0xc0);
    let from = "bob@example.net";
    let created = 1_790_003_600;
    let bytes =
        hazmat::seal_reply(&header, from, created, REPLY.as_bytes(), &ikm_e, &salt).unwrap();

    // The HPKE steps again, with the `hpke` crate alone.
    let info = reply::info(&header.id, from, "2026-11");
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&org.public_key()).unwrap();
    let (enc, ctx) = hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &pk,
        &info,
        &mut Seed(ikm_e, 0),
    )
    .unwrap();
    let mut input_key = [0u8; 32];
    ctx.export(b"waxseal/v1 reply input key", &mut input_key)
        .unwrap();
    let parsed = reply::Reply::parse(&bytes).unwrap();
    assert_eq!(parsed.header().enc[..], enc.to_bytes()[..], "enc");
    let len = u32::from_be_bytes(bytes[9..13].try_into().unwrap()) as usize;
    let reply_header = String::from_utf8(bytes[13..13 + len].to_vec()).unwrap();
    let opened = open_reply(&bytes, &[org]).unwrap();
    assert_eq!(opened.1, REPLY.as_bytes());
    vec![
        ("original header (version 2)", header_json),
        (
            "reply key public key",
            hex::encode(
                ReplyKeyPair::derive("2026-11", &seq::<32>(0xe0))
                    .unwrap()
                    .public_key(),
            ),
        ),
        ("info", hex::encode(&info)),
        ("enc", hex::encode(enc.to_bytes())),
        ("input key (HPKE export)", hex::encode(input_key)),
        ("reply header", reply_header),
        ("reply (prefix, header, payload)", hex::encode(&bytes)),
        ("reply SHA-256", hex::encode(Sha256::digest(&bytes))),
    ]
}

fn render(values: &Values) -> String {
    let mut s = String::from(
        "Inputs: the envelope of §9.1 (same id, shares and salt) sealed with the reply key derived from `e0 .. ff` (key id `2026-11`, replies to `replies@example.com`), so it is version 2; the replier `bob@example.net`; `created` 1790003600; the HPKE ephemeral key's seed `a0 .. bf`; the Cobblestone salt `c0 .. d7`; the reply: `From: bob@example.net`, `To: replies@example.com`, `Subject: Re: Hello`, `In-Reply-To: <hello@example.com>` (each ended by CR LF), an empty line, `Thank you!` and CR LF.\n\n",
    );
    for (k, v) in values {
        s.push_str(&format!("**{k}**\n\n```\n{}\n```\n\n", spec_text::block(v)));
    }
    s
}

#[test]
fn the_spec_and_the_vector_file_hold_the_computed_reply() {
    let values = compute();
    let rendered = render(&values);
    let json = serde_json::to_string_pretty(
        &values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
    .unwrap()
        + "\n";
    spec_text::check_or_bless(BEGIN, END, &rendered, JSON, &json, "reply example (§10.6)");
}

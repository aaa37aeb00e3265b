//! Every Wycheproof Cobblestone-256 vector, valid and invalid, through every opening path:
//! whole buffer, streaming (`Read` and `decrypt_to`) and chunk by chunk; and re-encryption of
//! every valid vector with its salt, compared byte for byte.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::io::Read;

use serde::Deserialize;
use sha2::{Digest, Sha512};
use waxseal_envelope::cobblestone::{self, ChunkPlan, Decryptor, OpenFailure, PayloadKey};

const VECTORS: &str =
    include_str!("vectors/wycheproof_c2sp_chunked_encryption_aes_256_gcm_test.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    algorithm: String,
    number_of_tests: usize,
    test_groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    aead: String,
    sha: String,
    tests: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vector {
    tc_id: u32,
    comment: String,
    key: String,
    ctx: String,
    ct: String,
    aead_key: Option<String>,
    base_nonce: Option<String>,
    #[serde(default)]
    msg_length: usize,
    #[serde(default)]
    msg_sha512: String,
    result: String,
    flags: Vec<String>,
}

struct Case {
    v: Vector,
    key: Vec<u8>,
    ctx: Vec<u8>,
    ct: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let file: File = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(file.algorithm, "Cobblestone-256");
    let mut out = Vec::new();
    for g in file.test_groups {
        assert_eq!(
            (g.aead.as_str(), g.sha.as_str()),
            ("AEAD_AES_256_GCM", "SHA-512")
        );
        for v in g.tests {
            let mut ct = Vec::new();
            flate2::read::ZlibDecoder::new(&hex::decode(&v.ct).unwrap()[..])
                .read_to_end(&mut ct)
                .unwrap();
            out.push(Case {
                key: hex::decode(&v.key).unwrap(),
                ctx: hex::decode(&v.ctx).unwrap(),
                ct,
                v,
            });
        }
    }
    assert_eq!(out.len(), file.number_of_tests);
    out
}

fn sha512_hex(data: &[u8]) -> String {
    hex::encode(Sha512::digest(data))
}

fn is_valid(c: &Case) -> bool {
    match c.v.result.as_str() {
        "valid" => true,
        "invalid" => false,
        other => panic!("tcId {}: unexpected result {other}", c.v.tc_id),
    }
}

fn expected_error(c: &Case) -> OpenFailure {
    if c.v.flags.iter().any(|f| f == "InvalidKeySize") {
        OpenFailure::InvalidKeySize
    } else {
        OpenFailure::Damaged
    }
}

/// Opens chunk by chunk, the way the viewer does with WebCrypto doing the AES-GCM.
fn open_by_chunks(key: &[u8], ctx: &[u8], ct: &[u8]) -> Result<Vec<u8>, OpenFailure> {
    let payload_key = PayloadKey::for_prefix(key, ctx, ct)?;
    let plan = ChunkPlan::for_ciphertext_len(ct.len() as u64)?;
    let mut out = vec![0u8; plan.plaintext_len() as usize];
    for chunk in plan.chunks() {
        let mut buf = ct[chunk.range.clone()].to_vec();
        let pt = payload_key.open_chunk(chunk.index, &mut buf)?;
        out[chunk.plaintext.clone()].copy_from_slice(pt);
    }
    Ok(out)
}

#[test]
fn all_vectors_through_the_buffer_api() {
    let cases = cases();
    let (mut valid, mut invalid) = (0, 0);
    for c in &cases {
        let got = cobblestone::open(&c.key, &c.ctx, &c.ct);
        if is_valid(c) {
            let pt = got.unwrap_or_else(|e| panic!("tcId {} ({}): {e:?}", c.v.tc_id, c.v.comment));
            assert_eq!(pt.len(), c.v.msg_length, "tcId {}", c.v.tc_id);
            assert_eq!(sha512_hex(&pt), c.v.msg_sha512, "tcId {}", c.v.tc_id);
            valid += 1;
        } else {
            assert_eq!(
                got,
                Err(expected_error(c)),
                "tcId {} ({})",
                c.v.tc_id,
                c.v.comment
            );
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (10, 25));
}

#[test]
fn all_vectors_through_the_chunk_api() {
    let cases = cases();
    let mut ran = 0;
    for c in &cases {
        let got = open_by_chunks(&c.key, &c.ctx, &c.ct);
        if is_valid(c) {
            let pt = got.unwrap_or_else(|e| panic!("tcId {}: {e:?}", c.v.tc_id));
            assert_eq!(sha512_hex(&pt), c.v.msg_sha512, "tcId {}", c.v.tc_id);
        } else {
            assert_eq!(
                got,
                Err(expected_error(c)),
                "tcId {} ({})",
                c.v.tc_id,
                c.v.comment
            );
        }
        ran += 1;
    }
    assert_eq!(ran, 35);
}

#[test]
fn all_vectors_through_the_streaming_api() {
    let cases = cases();
    let mut ran = 0;
    for c in &cases {
        // decrypt_to
        let result = Decryptor::new(&c.key, &c.ctx, &c.ct[..]).and_then(|d| {
            let mut out = Vec::new();
            d.decrypt_to(&mut out).map(|_| out)
        });
        // Read, in odd-sized pieces, recording what was released before any error.
        let mut released = Vec::new();
        let mut read_error = false;
        match Decryptor::new(&c.key, &c.ctx, &c.ct[..]) {
            Ok(mut d) => {
                let mut piece = [0u8; 1000];
                loop {
                    match d.read(&mut piece) {
                        Ok(0) => break,
                        Ok(n) => released.extend_from_slice(&piece[..n]),
                        Err(_) => {
                            read_error = true;
                            // The error is sticky: reads keep failing, never a clean end.
                            for _ in 0..3 {
                                assert!(d.read(&mut piece).is_err(), "tcId {}", c.v.tc_id);
                            }
                            break;
                        }
                    }
                }
            }
            Err(_) => read_error = true,
        }
        if is_valid(c) {
            let pt = result.unwrap_or_else(|e| panic!("tcId {}: {e:?}", c.v.tc_id));
            assert_eq!(sha512_hex(&pt), c.v.msg_sha512, "tcId {}", c.v.tc_id);
            assert!(!read_error, "tcId {}", c.v.tc_id);
            assert_eq!(released, pt, "tcId {}", c.v.tc_id);
        } else {
            match result {
                Err(cobblestone::OpenError::Failure(f)) => {
                    assert_eq!(f, expected_error(c), "tcId {}", c.v.tc_id)
                }
                other => panic!(
                    "tcId {} ({}): expected failure, got {other:?}",
                    c.v.tc_id, c.v.comment
                ),
            }
            assert!(
                read_error,
                "tcId {}: streaming read ended cleanly",
                c.v.tc_id
            );
            // Nothing beyond the longest valid prefix is ever released.
            let partial = c.v.flags.iter().any(|f| f == "PartialPlaintext");
            if partial {
                assert!(released.len() <= c.v.msg_length, "tcId {}", c.v.tc_id);
                assert_eq!(
                    released.len() % cobblestone::CHUNK_SIZE,
                    0,
                    "tcId {}",
                    c.v.tc_id
                );
                if released.len() == c.v.msg_length {
                    assert_eq!(sha512_hex(&released), c.v.msg_sha512, "tcId {}", c.v.tc_id);
                }
            } else {
                assert!(
                    released.is_empty(),
                    "tcId {}: released {} bytes",
                    c.v.tc_id,
                    released.len()
                );
            }
        }
        ran += 1;
    }
    assert_eq!(ran, 35);
}

#[test]
fn derived_keys_match_and_valid_vectors_re_encrypt_identically() {
    let cases = cases();
    let mut checked = 0;
    for c in cases.iter().filter(|c| is_valid(c)) {
        let salt: [u8; 24] = c.ct[..24].try_into().unwrap();
        let (key, commitment) = PayloadKey::derive(&c.key, &salt, &c.ctx).unwrap();
        assert_eq!(
            Some(hex::encode(key.aead_key())),
            c.v.aead_key,
            "tcId {}",
            c.v.tc_id
        );
        assert_eq!(
            Some(hex::encode(key.base_nonce())),
            c.v.base_nonce,
            "tcId {}",
            c.v.tc_id
        );
        assert_eq!(commitment[..], c.ct[24..56], "tcId {}", c.v.tc_id);
        let pt = cobblestone::open(&c.key, &c.ctx, &c.ct).unwrap();
        let again = cobblestone::seal_with_chosen_salt(&c.key, &salt, &c.ctx, &pt).unwrap();
        assert!(again == c.ct, "tcId {}: re-encryption differs", c.v.tc_id);
        // Streaming encryption produces the same bytes, whatever the write sizes.
        let mut streamed = Vec::new();
        {
            use std::io::Write;
            let mut enc =
                cobblestone::Encryptor::new_with_chosen_salt(&c.key, &salt, &c.ctx, &mut streamed)
                    .unwrap();
            for piece in pt.chunks(7777) {
                enc.write_all(piece).unwrap();
            }
            enc.finish().unwrap();
        }
        assert!(
            streamed == c.ct,
            "tcId {}: streamed encryption differs",
            c.v.tc_id
        );
        checked += 1;
    }
    assert_eq!(checked, 10);
}

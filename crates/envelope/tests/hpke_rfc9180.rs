//! RFC 9180 test vectors for the release suite: base mode, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, AES-256-GCM. Every encryption and export of the vector is checked, sealing with
//! the vector's ephemeral key and opening with its recipient key.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use serde::Deserialize;
use waxseal_envelope::release::{Aead, Kdf, Kem, TabKeyPair};

const VECTORS: &str = include_str!("vectors/hpke_rfc9180_x25519_sha256_aes256gcm.json");

#[derive(Deserialize)]
struct Vector {
    mode: u8,
    kem_id: u16,
    kdf_id: u16,
    aead_id: u16,
    info: String,
    #[serde(rename = "ikmR")]
    ikm_r: String,
    #[serde(rename = "ikmE")]
    ikm_e: String,
    #[serde(rename = "skRm")]
    sk_rm: String,
    #[serde(rename = "pkRm")]
    pk_rm: String,
    #[serde(rename = "pkEm")]
    pk_em: String,
    enc: String,
    encryptions: Vec<Encryption>,
    exports: Vec<Export>,
}

#[derive(Deserialize)]
struct Encryption {
    aad: String,
    ct: String,
    pt: String,
}

#[derive(Deserialize)]
struct Export {
    exporter_context: String,
    #[serde(rename = "L")]
    len: usize,
    exported_value: String,
}

/// Yields exactly the vector's ikmE, so that encapsulation is DeriveKeyPair(ikmE).
struct VectorRng(Vec<u8>);

impl hpke::rand_core::TryRng for VectorRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let rest = self.0.split_off(dst.len());
        dst.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}
impl hpke::rand_core::TryCryptoRng for VectorRng {}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn rfc9180_base_mode_vectors_for_the_release_suite() {
    let all: Vec<Vector> = serde_json::from_str(VECTORS).unwrap();
    let ours: Vec<&Vector> = all
        .iter()
        .filter(|v| v.mode == 0 && (v.kem_id, v.kdf_id, v.aead_id) == (Kem::KEM_ID, 0x0001, 0x0002))
        .collect();
    assert_eq!(ours.len(), 1, "one base-mode vector for the suite");
    let (mut encryptions, mut exports) = (0, 0);
    for v in ours {
        // Key derivation, through the crate's own tab key type as well.
        let (sk, pk) = Kem::derive_keypair(&h(&v.ikm_r));
        // The crate stores the X25519 scalar clamped (RFC 7748 §5), which is how it is used.
        let mut clamped = h(&v.sk_rm);
        clamped[0] &= 248;
        clamped[31] = (clamped[31] & 127) | 64;
        assert_eq!(sk.to_bytes().to_vec(), clamped);
        assert_eq!(pk.to_bytes().to_vec(), h(&v.pk_rm));
        assert_eq!(
            TabKeyPair::derive(&h(&v.ikm_r)).public_key().to_vec(),
            h(&v.pk_rm)
        );
        let (_, pk_e) = Kem::derive_keypair(&h(&v.ikm_e));
        assert_eq!(pk_e.to_bytes().to_vec(), h(&v.pk_em));

        let info = h(&v.info);
        let (enc, mut sender) = hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(
            &OpModeS::Base,
            &pk,
            &info,
            &mut VectorRng(h(&v.ikm_e)),
        )
        .unwrap();
        assert_eq!(enc.to_bytes().to_vec(), h(&v.enc));
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&h(&v.enc)).unwrap();
        let mut receiver =
            hpke::setup_receiver::<Aead, Kdf, Kem>(&OpModeR::Base, &sk, &enc, &info).unwrap();
        for e in &v.encryptions {
            let ct = sender.seal(&h(&e.pt), &h(&e.aad)).unwrap();
            assert_eq!(ct, h(&e.ct));
            assert_eq!(receiver.open(&ct, &h(&e.aad)).unwrap(), h(&e.pt));
            encryptions += 1;
        }
        for x in &v.exports {
            let mut out = vec![0u8; x.len];
            receiver.export(&h(&x.exporter_context), &mut out).unwrap();
            assert_eq!(out, h(&x.exported_value));
            exports += 1;
        }
    }
    assert_eq!((encryptions, exports), (257, 3));
}

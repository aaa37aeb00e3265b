//! The server's own secrets and the secret values it hands out: master keys (shares at rest,
//! passcode MACs), passcodes, reference codes, tokens and API keys.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use waxseal_envelope::ServerShare;
use zeroize::{Zeroize, Zeroizing};

/// A string that must never be printed: `Debug` and `Display` show `(redacted)`.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// One master key: an id (kept with everything it protects) and 32 key bytes.
struct MasterKey {
    cipher: Aes256Gcm,
    mac_key: Zeroizing<[u8; 32]>,
    /// Signs relay attestations (derived; wiped on drop by `ed25519-dalek`).
    relay_key: ed25519_dalek::SigningKey,
}

/// The configured master keys. The first is used for new data; all of them can read.
pub struct MasterKeys {
    current: String,
    keys: BTreeMap<String, MasterKey>,
}

impl fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MasterKeys(current: {:?}, ids: {:?})",
            self.current,
            self.keys.keys().collect::<Vec<_>>()
        )
    }
}

/// Why the master keys could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct MasterKeyError(pub String);

impl fmt::Display for MasterKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MasterKeyError {}

const SHARE_AAD_LABEL: &[u8] = b"waxseal/v1 server share at rest\0";

impl MasterKeys {
    /// Parses `id:base64key` entries (standard base64 of 32 bytes); the first is current.
    pub fn parse(entries: &[Secret]) -> Result<Self, MasterKeyError> {
        let mut keys = BTreeMap::new();
        let mut current = None;
        for entry in entries {
            let (id, b64) = entry.expose().split_once(':').ok_or_else(|| {
                MasterKeyError("a master key must be written as ID:BASE64 (generate one with `waxseal-server generate-master-key`)".into())
            })?;
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(MasterKeyError(format!(
                    "master key id {id:?} must be letters, digits, '-' or '_'"
                )));
            }
            let bytes =
                Zeroizing::new(STANDARD.decode(b64.trim()).map_err(|_| {
                    MasterKeyError(format!("master key {id:?} is not valid base64"))
                })?);
            if bytes.len() != 32 {
                return Err(MasterKeyError(format!(
                    "master key {id:?} must be 32 bytes, not {}",
                    bytes.len()
                )));
            }
            let mut mac_key = Zeroizing::new([0u8; 32]);
            Hkdf::<Sha256>::new(None, &bytes)
                .expand(b"waxseal/v1 passcode mac", &mut mac_key[..])
                .expect("32 bytes");
            let mut relay_seed = Zeroizing::new([0u8; 32]);
            Hkdf::<Sha256>::new(None, &bytes)
                .expand(b"waxseal/v1 relay signing key", &mut relay_seed[..])
                .expect("32 bytes");
            let relay_key = ed25519_dalek::SigningKey::from_bytes(&relay_seed);
            let cipher = Aes256Gcm::new_from_slice(&bytes).expect("32 bytes");
            if keys
                .insert(
                    id.to_owned(),
                    MasterKey {
                        cipher,
                        mac_key,
                        relay_key,
                    },
                )
                .is_some()
            {
                return Err(MasterKeyError(format!(
                    "master key id {id:?} appears twice"
                )));
            }
            current.get_or_insert_with(|| id.to_owned());
        }
        let current = current.ok_or_else(|| {
            MasterKeyError("no master key is configured (set WAXSEAL_MASTER_KEYS; generate one with `waxseal-server generate-master-key`)".into())
        })?;
        Ok(Self { current, keys })
    }

    /// The id of the key used for new data.
    pub fn current_id(&self) -> &str {
        &self.current
    }

    fn share_aad(message_id: &str) -> Vec<u8> {
        [SHARE_AAD_LABEL, message_id.as_bytes()].concat()
    }

    /// Encrypts a share for storage: `nonce (12) || ciphertext || tag`, bound to the message id.
    pub fn seal_share(&self, message_id: &str, share: &ServerShare) -> (String, Vec<u8>) {
        let key = &self.keys[&self.current];
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("system random number generator");
        let ct = key
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: share.expose(),
                    aad: &Self::share_aad(message_id),
                },
            )
            .expect("AES-GCM encryption of 32 bytes");
        (self.current.clone(), [&nonce[..], &ct].concat())
    }

    /// Decrypts a stored share. `None` if the key id is unknown or the data does not authenticate.
    pub fn open_share(&self, key_id: &str, message_id: &str, stored: &[u8]) -> Option<ServerShare> {
        let key = self.keys.get(key_id)?;
        if stored.len() < 12 {
            return None;
        }
        let (nonce, ct) = stored.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let mut pt = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: &Self::share_aad(message_id),
                },
            )
            .ok()?;
        let share = ServerShare::from_slice(&pt);
        pt.zeroize();
        share
    }

    /// Signs a relay attestation (`waxseal_api::relay_statement`) with the current key; its id
    /// and the Ed25519 signature.
    pub fn relay_sign(&self, statement: &[u8]) -> (String, [u8; 64]) {
        use ed25519_dalek::Signer as _;
        let key = &self.keys[&self.current];
        (
            self.current.clone(),
            key.relay_key.sign(statement).to_bytes(),
        )
    }

    /// The relay attestation public keys, the current one first.
    pub fn relay_public_keys(&self) -> Vec<(String, [u8; 32])> {
        let mut out = vec![(
            self.current.clone(),
            self.keys[&self.current]
                .relay_key
                .verifying_key()
                .to_bytes(),
        )];
        for (id, key) in &self.keys {
            if *id != self.current {
                out.push((id.clone(), key.relay_key.verifying_key().to_bytes()));
            }
        }
        out
    }

    /// The MAC a passcode is stored as, under the current key.
    pub fn passcode_mac(
        &self,
        key_id: &str,
        message_id: &str,
        recipient: &str,
        passcode: &str,
    ) -> Option<[u8; 32]> {
        let key = self.keys.get(key_id)?;
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&key.mac_key[..]).expect("any key length");
        for part in [
            message_id.as_bytes(),
            b"\0",
            recipient.as_bytes(),
            b"\0",
            passcode.as_bytes(),
        ] {
            mac.update(part);
        }
        Some(mac.finalize().into_bytes().into())
    }
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn random_below(bound: u64) -> u64 {
    // Rejection sampling keeps the result uniform.
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("system random number generator");
        let v = u64::from_le_bytes(b);
        if v < zone {
            return v % bound;
        }
    }
}

/// A passcode of `digits` decimal digits, uniform, from the CSPRNG.
pub fn new_passcode(digits: u8) -> Zeroizing<String> {
    Zeroizing::new(
        (0..digits)
            .map(|_| char::from(b'0' + random_below(10) as u8))
            .collect(),
    )
}

/// A reference code like `K7Q-M2X`: shown in the mail and on the page, to match them up.
pub fn new_reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut s: String = (0..6)
        .map(|_| char::from(ALPHABET[random_below(ALPHABET.len() as u64) as usize]))
        .collect();
    s.insert(3, '-');
    s
}

/// A bearer token (32 random bytes, base64url) and the SHA-256 it is stored as.
pub fn new_token() -> (Zeroizing<String>, [u8; 32]) {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).expect("system random number generator");
    let token = Zeroizing::new(URL_SAFE_NO_PAD.encode(&bytes[..]));
    (token.clone(), token_hash(&token))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A sender API key `wxs_<key id>_<secret>`, its key id and the SHA-256 of its secret.
pub fn new_api_key() -> (Zeroizing<String>, String, [u8; 32]) {
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).expect("system random number generator");
    let key_id = URL_SAFE_NO_PAD.encode(id).replace(['-', '_'], "x");
    let mut secret = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut secret[..]).expect("system random number generator");
    let secret_text = Zeroizing::new(URL_SAFE_NO_PAD.encode(&secret[..]));
    let hash = Sha256::digest(secret_text.as_bytes()).into();
    (
        Zeroizing::new(format!("wxs_{key_id}_{}", secret_text.as_str())),
        key_id,
        hash,
    )
}

/// Splits an API key into key id and the SHA-256 of its secret.
pub fn parse_api_key(key: &str) -> Option<(&str, [u8; 32])> {
    let rest = key.strip_prefix("wxs_")?;
    let (id, secret) = rest.split_once('_')?;
    (!id.is_empty() && secret.len() == 43).then(|| (id, Sha256::digest(secret.as_bytes()).into()))
}

/// A new master key entry `ID:BASE64`.
pub fn new_master_key(id: &str) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).expect("system random number generator");
    Zeroizing::new(format!("{id}:{}", STANDARD.encode(&bytes[..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> MasterKeys {
        MasterKeys::parse(&[
            Secret::new(format!("k2:{}", STANDARD.encode([2u8; 32]))),
            Secret::new(format!("k1:{}", STANDARD.encode([1u8; 32]))),
        ])
        .unwrap()
    }

    #[test]
    fn shares_at_rest_are_bound_to_their_message_and_key() {
        let k = keys();
        let share = ServerShare::from_bytes([7; 32]);
        let (id, stored) = k.seal_share("m1", &share);
        assert_eq!(id, "k2");
        assert!(
            !stored.windows(32).any(|w| w == [7u8; 32]),
            "stored in the clear"
        );
        assert_eq!(k.open_share("k2", "m1", &stored), Some(share));
        assert_eq!(k.open_share("k2", "m2", &stored), None);
        assert_eq!(k.open_share("k1", "m1", &stored), None);
        assert_eq!(k.open_share("k9", "m1", &stored), None);
    }

    #[test]
    fn master_key_errors_are_clear() {
        assert!(
            MasterKeys::parse(&[])
                .unwrap_err()
                .0
                .contains("no master key")
        );
        assert!(
            MasterKeys::parse(&[Secret::new("nocolon".into())])
                .unwrap_err()
                .0
                .contains("ID:BASE64")
        );
        assert!(
            MasterKeys::parse(&[Secret::new("k:AAAA".into())])
                .unwrap_err()
                .0
                .contains("32 bytes")
        );
        assert_eq!(format!("{:?}", Secret::new("hunter2".into())), "(redacted)");
        let dbg = format!("{:?}", keys());
        assert!(!dbg.contains(&STANDARD.encode([2u8; 32])));
    }

    #[test]
    fn passcodes_and_references_have_the_promised_shape() {
        for _ in 0..100 {
            let p = new_passcode(8);
            assert_eq!(p.len(), 8);
            assert!(p.bytes().all(|b| b.is_ascii_digit()));
            let r = new_reference();
            assert_eq!(r.len(), 7);
            assert_eq!(&r[3..4], "-");
        }
        let (key, id, hash) = new_api_key();
        assert_eq!(parse_api_key(&key), Some((id.as_str(), hash)));
        assert_eq!(parse_api_key("wxs_abc_short"), None);
    }
}

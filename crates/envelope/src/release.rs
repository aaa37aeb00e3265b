//! Key release with HPKE (RFC 9180), spec §6.
//!
//! Base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM:
//!
//! ```text
//! info    = "waxseal/v1 release" || 0x00 || message_id (16) || recipient
//! aad     = key_server
//! release = enc (32) || SealBase(pkR, info, aad, server_share) (48)
//! ```

use core::fmt;

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use zeroize::{Zeroize, Zeroizing};

use crate::error::ReleaseError;
use crate::keys::{MessageId, SHARE_LEN, ServerShare};

/// The KEM of the release suite.
pub type Kem = X25519HkdfSha256;
/// The KDF of the release suite.
pub type Kdf = HkdfSha256;
/// The AEAD of the release suite.
pub type Aead = AesGcm256;

/// Length of an X25519 public key and of the encapsulated key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a release: `enc` (32) plus the sealed share and its tag (48).
pub const RELEASE_LEN: usize = PUBLIC_KEY_LEN + SHARE_LEN + 16;
const INFO_LABEL: &[u8] = b"waxseal/v1 release\0";

/// The `info` string binding a release to one message and one recipient.
pub fn info(id: &MessageId, recipient: &str) -> Vec<u8> {
    let mut info = Vec::with_capacity(INFO_LABEL.len() + 16 + recipient.len());
    info.extend_from_slice(INFO_LABEL);
    info.extend_from_slice(id.as_bytes());
    info.extend_from_slice(recipient.as_bytes());
    info
}

/// A browser tab's X25519 key pair. The private key is wiped on drop and never printed.
pub struct TabKeyPair {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: <Kem as hpke::Kem>::PublicKey,
}

impl fmt::Debug for TabKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TabKeyPair(redacted)")
    }
}

impl TabKeyPair {
    /// A fresh key pair from the system CSPRNG.
    pub fn generate() -> Self {
        let mut ikm = Zeroizing::new([0u8; 32]);
        crate::keys::fill_random(&mut ikm[..]);
        Self::derive(&ikm[..])
    }

    /// A key pair derived deterministically from 32 bytes of secret key material
    /// (RFC 9180 `DeriveKeyPair`).
    pub fn derive(ikm: &[u8]) -> Self {
        let (secret, public) = Kem::derive_keypair(ikm);
        Self { secret, public }
    }

    /// The public key to send to the key server.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public.to_bytes().into()
    }

    /// Opens a release obtained for message `id`, recipient `recipient` (normalised) from
    /// `key_server`. Every failure is the same opaque error.
    pub fn open(
        &self,
        release: &[u8],
        id: &MessageId,
        recipient: &str,
        key_server: &str,
    ) -> Result<ServerShare, ReleaseError> {
        if release.len() != RELEASE_LEN {
            return Err(ReleaseError::Damaged);
        }
        let (enc, ct) = release.split_at(PUBLIC_KEY_LEN);
        let enc =
            <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| ReleaseError::Damaged)?;
        let mut pt = hpke::single_shot_open::<Aead, Kdf, Kem>(
            &OpModeR::Base,
            &self.secret,
            &enc,
            &info(id, recipient),
            ct,
            key_server.as_bytes(),
        )
        .map_err(|_| ReleaseError::Damaged)?;
        let share = ServerShare::from_slice(&pt).ok_or(ReleaseError::Damaged);
        pt.zeroize();
        share
    }
}

/// Seals `share` to the viewer's public key, as the key server does after verifying `recipient`.
pub fn seal(
    public_key: &[u8],
    id: &MessageId,
    recipient: &str,
    key_server: &str,
    share: &ServerShare,
) -> Result<[u8; RELEASE_LEN], ReleaseError> {
    let mut ikm_e = Zeroizing::new([0u8; 32]);
    crate::keys::fill_random(&mut ikm_e[..]);
    seal_with_ephemeral(public_key, id, recipient, key_server, share, &ikm_e)
}

fn seal_with_ephemeral(
    public_key: &[u8],
    id: &MessageId,
    recipient: &str,
    key_server: &str,
    share: &ServerShare,
    ikm_e: &[u8; 32],
) -> Result<[u8; RELEASE_LEN], ReleaseError> {
    let pk = parse_public_key(public_key)?;
    let mut rng = FixedRng(Zeroizing::new(*ikm_e), 0);
    let (enc, ct) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &pk,
        &info(id, recipient),
        share.expose(),
        key_server.as_bytes(),
        &mut rng,
    )
    .map_err(|_| ReleaseError::InvalidPublicKey)?;
    let mut out = [0u8; RELEASE_LEN];
    out[..PUBLIC_KEY_LEN].copy_from_slice(&enc.to_bytes());
    out[PUBLIC_KEY_LEN..].copy_from_slice(&ct);
    Ok(out)
}

/// Parses a 32-byte X25519 public key.
pub fn parse_public_key(bytes: &[u8]) -> Result<<Kem as hpke::Kem>::PublicKey, ReleaseError> {
    if bytes.len() != PUBLIC_KEY_LEN {
        return Err(ReleaseError::InvalidPublicKey);
    }
    <Kem as hpke::Kem>::PublicKey::from_bytes(bytes).map_err(|_| ReleaseError::InvalidPublicKey)
}

/// Hands HPKE exactly the 32 bytes of ephemeral key material drawn (or chosen) beforehand, so
/// that `SealBase` is `DeriveKeyPair(ikmE)` as RFC 9180's test vectors describe.
pub(crate) struct FixedRng(pub(crate) Zeroizing<[u8; 32]>, pub(crate) usize);

impl hpke::rand_core::TryRng for FixedRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let end = self.1 + dst.len();
        assert!(
            end <= 32,
            "HPKE asked for more than one X25519 key's worth of randomness"
        );
        dst.copy_from_slice(&self.0[self.1..end]);
        self.1 = end;
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for FixedRng {}

/// Hazmat: a release sealed with a chosen ephemeral key, for test vectors only.
#[cfg(feature = "hazmat-deterministic")]
pub fn seal_with_chosen_ephemeral(
    public_key: &[u8],
    id: &MessageId,
    recipient: &str,
    key_server: &str,
    share: &ServerShare,
    ikm_e: &[u8; 32],
) -> Result<[u8; RELEASE_LEN], ReleaseError> {
    seal_with_ephemeral(public_key, id, recipient, key_server, share, ikm_e)
}

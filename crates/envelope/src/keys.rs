//! Shares, the input key and the message id.
//!
//! Secrets are zeroed when dropped, compare in constant time and never print their bytes:
//! their `Debug` says only which kind of secret it is.

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of each share and of the input key, in bytes.
pub const SHARE_LEN: usize = 32;
/// Length of a message id, in bytes.
pub const MESSAGE_ID_LEN: usize = 16;

/// The HKDF-Extract salt of the input-key derivation (spec §4).
const INPUT_KEY_SALT: &[u8] = b"waxseal/v1 input key";

/// Fills `buf` from the operating system's CSPRNG (the browser's `crypto.getRandomValues` on wasm).
///
/// # Panics
/// If the system has no working random source; sealing without one would be unsafe.
pub(crate) fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the system random number generator failed");
}

macro_rules! secret_share {
    ($(#[$doc:meta])* $name:ident, $label:literal) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name([u8; SHARE_LEN]);

        impl $name {
            /// A fresh share from the system's CSPRNG.
            pub fn generate() -> Self {
                let mut bytes = [0u8; SHARE_LEN];
                fill_random(&mut bytes);
                Self(bytes)
            }

            /// Wraps existing share bytes.
            pub fn from_bytes(bytes: [u8; SHARE_LEN]) -> Self {
                Self(bytes)
            }

            /// Wraps a slice, which must be exactly 32 bytes.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                <[u8; SHARE_LEN]>::try_from(bytes).ok().map(Self)
            }

            /// The raw bytes. Keep the copies you make of them short-lived.
            pub fn expose(&self) -> &[u8; SHARE_LEN] {
                &self.0
            }

            /// The share as base64url without padding (43 characters).
            pub fn to_b64u(&self) -> String {
                URL_SAFE_NO_PAD.encode(self.0)
            }

            /// Parses base64url without padding; `None` unless it is exactly 32 bytes, canonical.
            pub fn from_b64u(text: &str) -> Option<Self> {
                decode_b64u_exact::<SHARE_LEN>(text).map(Self)
            }
        }

        impl PartialEq for $name {
            /// Constant-time comparison.
            fn eq(&self, other: &Self) -> bool {
                self.0.ct_eq(&other.0).into()
            }
        }

        impl Eq for $name {}

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!($label, "(redacted)"))
            }
        }
    };
}

secret_share!(
    /// The 32-byte share that only the key-release server holds.
    ServerShare,
    "ServerShare"
);

secret_share!(
    /// The 32-byte share carried in the envelope header.
    EnvelopeShare,
    "EnvelopeShare"
);

/// The Cobblestone-256 input key: `HKDF-SHA256(server share || envelope share, message id)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct InputKey(pub(crate) [u8; SHARE_LEN]);

impl InputKey {
    /// Derives the input key (spec §4):
    ///
    /// ```text
    /// prk       = HKDF-Extract(SHA-256, salt = "waxseal/v1 input key", server_share || envelope_share)
    /// input_key = HKDF-Expand(SHA-256, prk, info = message_id, 32)
    /// ```
    pub fn derive(server: &ServerShare, envelope: &EnvelopeShare, id: &MessageId) -> Self {
        let mut ikm = zeroize::Zeroizing::new([0u8; 2 * SHARE_LEN]);
        ikm[..SHARE_LEN].copy_from_slice(server.expose());
        ikm[SHARE_LEN..].copy_from_slice(envelope.expose());
        let hkdf = Hkdf::<Sha256>::new(Some(INPUT_KEY_SALT), &ikm[..]);
        let mut key = [0u8; SHARE_LEN];
        hkdf.expand(&id.0, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self(key)
    }

    /// Wraps raw input-key bytes (for Cobblestone used on its own, as in the test vectors).
    pub fn from_bytes(bytes: [u8; SHARE_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub fn expose(&self) -> &[u8; SHARE_LEN] {
        &self.0
    }
}

impl fmt::Debug for InputKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InputKey(redacted)")
    }
}

/// A message id: 16 random bytes, written as 22 characters of base64url.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub(crate) [u8; MESSAGE_ID_LEN]);

impl MessageId {
    /// A fresh random id.
    pub fn generate() -> Self {
        let mut bytes = [0u8; MESSAGE_ID_LEN];
        fill_random(&mut bytes);
        Self(bytes)
    }

    /// Wraps raw id bytes.
    pub fn from_bytes(bytes: [u8; MESSAGE_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; MESSAGE_ID_LEN] {
        &self.0
    }

    /// Parses the 22-character base64url form; `None` if it is anything else.
    pub fn parse(text: &str) -> Option<Self> {
        decode_b64u_exact::<MESSAGE_ID_LEN>(text).map(Self)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({self})")
    }
}

/// Decodes canonical base64url without padding into exactly `N` bytes.
pub(crate) fn decode_b64u_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    // The default engine rejects non-canonical trailing bits and padding.
    let mut out = [0u8; N];
    if text.len() != (N * 4).div_ceil(3) {
        return None;
    }
    let written = URL_SAFE_NO_PAD.decode_slice(text, &mut out).ok()?;
    (written == N).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secret_bytes() {
        let share = ServerShare::from_bytes([0xab; 32]);
        assert_eq!(format!("{share:?}"), "ServerShare(redacted)");
        let key = InputKey::from_bytes([0xcd; 32]);
        assert_eq!(format!("{key:?}"), "InputKey(redacted)");
    }

    #[test]
    fn message_id_round_trips_and_rejects_non_canonical_text() {
        let id = MessageId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.len(), 22);
        assert_eq!(MessageId::parse(&text), Some(id));
        // Same length, but the last character carries non-zero unused bits.
        let mut bad = text.clone();
        bad.pop();
        bad.push('x');
        assert_eq!(MessageId::parse(&bad), None);
        assert_eq!(MessageId::parse(&text[..21]), None);
        assert_eq!(MessageId::parse(&format!("{text}==")), None);
    }

    #[test]
    fn shares_compare_by_value() {
        assert_eq!(
            ServerShare::from_bytes([1; 32]),
            ServerShare::from_bytes([1; 32])
        );
        assert_ne!(
            ServerShare::from_bytes([1; 32]),
            ServerShare::from_bytes([2; 32])
        );
    }
}

//! The organisation's reply key files (`waxseal reply-key new` writes them, readable by their
//! owner only): the key id, the public key and the private key, as TOML. Read here for both
//! `waxseal open-reply` and the gateway, which opens secure replies arriving for the
//! organisation.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use waxseal_envelope::reply::ReplyKeyPair;
use zeroize::Zeroizing;

/// A reply key file: the key id, the public key and, for the organisation's own use, the
/// private key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The key id replies name.
    pub key_id: String,
    /// The public key, base64url.
    pub public_key: String,
    /// The private key, base64url (absent from a file that only seals).
    pub secret: Option<String>,
}

/// Why a key file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFileError {
    /// It could not be read, or is not a key file: the message says which.
    Unreadable(String),
    /// It holds no private key.
    NoSecret(String),
    /// Its private key is not usable.
    Invalid(String),
}

impl std::fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(m) | Self::NoSecret(m) | Self::Invalid(m) => f.write_str(m),
        }
    }
}

/// Reads a key file.
pub fn read(path: &Path) -> Result<KeyFile, KeyFileError> {
    // The file holds the private key: its text is wiped once read.
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        KeyFileError::Unreadable(format!("cannot read the reply key {}: {e}", path.display()))
    })?);
    toml::from_str(&text).map_err(|e| {
        KeyFileError::Unreadable(format!(
            "{} is not a reply key file: {}",
            path.display(),
            e.message()
        ))
    })
}

/// The key pair of `key_id` with the base64url private key `secret_b64`; `what` names where it
/// came from in the error.
pub fn pair(key_id: &str, secret_b64: &str, what: &str) -> Result<ReplyKeyPair, KeyFileError> {
    let secret =
        Zeroizing::new(URL_SAFE_NO_PAD.decode(secret_b64.trim()).map_err(|_| {
            KeyFileError::Invalid(format!("{what}: the private key is not base64url"))
        })?);
    ReplyKeyPair::from_secret(key_id, &secret)
        .map_err(|e| KeyFileError::Invalid(format!("{what}: {e}")))
}

/// The key pair a key file holds, to open replies with.
pub fn opening_key(path: &Path) -> Result<ReplyKeyPair, KeyFileError> {
    let file = read(path)?;
    let secret = Zeroizing::new(file.secret.ok_or_else(|| {
        KeyFileError::NoSecret(format!("{} holds no private key", path.display()))
    })?);
    pair(&file.key_id, &secret, &path.display().to_string())
}

//! Errors, one enum per operation.
//!
//! Every authentication failure (a commitment that does not match, a chunk whose tag does not
//! verify, a truncated or extended payload, a key release that does not open) is the single
//! opaque variant `Damaged`: the reader learns nothing about which check failed, and a wrong key
//! looks exactly like damage.

use core::fmt;

/// Why an input could not be read as a waxseal envelope or carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The input is neither a waxseal envelope nor a `message.html` carrying one.
    NotWaxseal,
    /// The envelope was made by a newer version of waxseal than this one.
    NewerVersion {
        /// The format version found in the envelope.
        found: u8,
    },
    /// The envelope is malformed: no honest sealer produces it. The text names the rule broken.
    Malformed(&'static str),
    /// The header or payload exceeds the limits of this format version.
    TooLarge(&'static str),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotWaxseal => f.write_str(
                "this file is not a waxseal message (expected a message.html from a waxseal e-mail, or a raw envelope)",
            ),
            Self::NewerVersion { found } => write!(
                f,
                "this message was made by a newer version of waxseal (format {found}); update waxseal to open it"
            ),
            Self::Malformed(what) => {
                write!(f, "the message was altered or damaged: {what}")
            }
            Self::TooLarge(what) => write!(f, "the message is too large: {what}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Why a message could not be opened.
#[derive(Debug)]
#[non_exhaustive]
pub enum OpenError {
    /// The input is not a readable envelope.
    Format(FormatError),
    /// The message was altered or damaged, or the key is wrong. Deliberately says no more.
    Damaged,
    /// Reading the input or writing the output failed.
    Io(std::io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(e) => e.fmt(f),
            Self::Damaged => f.write_str(
                "the message was altered or damaged, so it cannot be opened; ask the sender to send it again",
            ),
            Self::Io(e) => write!(f, "could not read or write the message: {e}"),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Format(e) => Some(e),
            Self::Io(e) => Some(e),
            Self::Damaged => None,
        }
    }
}

impl From<FormatError> for OpenError {
    fn from(e: FormatError) -> Self {
        Self::Format(e)
    }
}

impl From<std::io::Error> for OpenError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Why a message could not be sealed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SealError {
    /// A header field breaks a rule of the format. The text names the field and the rule.
    InvalidHeader(String),
    /// The plaintext exceeds the format's limit of 1 GiB.
    TooLarge,
    /// Reading the plaintext or writing the envelope failed.
    Io(std::io::Error),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidHeader(what) => write!(f, "cannot seal this message: {what}"),
            Self::TooLarge => f.write_str(
                "cannot seal this message: it is larger than 1 GiB, the most a recipient's browser can open",
            ),
            Self::Io(e) => write!(f, "could not read the message or write the envelope: {e}"),
        }
    }
}

impl std::error::Error for SealError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for SealError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Why a key release could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReleaseError {
    /// A public key is not 32 bytes, or is not a valid X25519 key.
    InvalidPublicKey,
    /// The release did not open: altered, for another key, message, recipient or server.
    Damaged,
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPublicKey => f.write_str("the public key is not a valid X25519 key"),
            Self::Damaged => f.write_str(
                "the key server's answer could not be opened: it was altered or is not for this message and browser tab",
            ),
        }
    }
}

impl std::error::Error for ReleaseError {}

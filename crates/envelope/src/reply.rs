//! Secure replies (spec §10): a recipient's answer, sealed in the browser to the reply key of the
//! organisation that sent the original message, which the original envelope's header names (so
//! the message itself authenticates the key).
//!
//! ```text
//! reply     = MAGIC_REPLY || 0x01 || u32be(H) || reply header (H bytes) || payload
//! info      = "waxseal/v1 reply" || 0x00 || message_id || u16be(len(from)) || from
//!             || u16be(len(key_id)) || key_id
//! enc, ctx  = SetupBaseS(pkR = reply public key, info)            (RFC 9180, suite of §6)
//! input_key = ctx.Export("waxseal/v1 reply input key", 32)
//! payload   = Cobblestone-256(input_key, context = the bytes up to the end of the header)
//! ```

use core::fmt;

use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::cobblestone;
use crate::error::{FormatError, SealError};
use crate::format::{self, CONTENT_TYPE, Header, MAX_PLAINTEXT_LEN, ReplyTo, validate_key_id};
use crate::keys::MessageId;
use crate::release::{Aead, FixedRng, Kdf, Kem, PUBLIC_KEY_LEN};

/// The reply container's magic: `0x89` "WXR" CR LF `0x1A` LF.
pub const MAGIC_REPLY: [u8; 8] = [0x89, b'W', b'X', b'R', 0x0D, 0x0A, 0x1A, 0x0A];
/// The reply container's version.
pub const REPLY_VERSION: u8 = 1;
const INFO_LABEL: &[u8] = b"waxseal/v1 reply\0";
const EXPORT_LABEL: &[u8] = b"waxseal/v1 reply input key";
const MAX_TIME: u64 = (1 << 53) - 1;

/// The HPKE `info` of a reply (spec §10.4): binds the original message, the verified replier and
/// the reply key id.
pub fn info(id: &MessageId, from: &str, key_id: &str) -> Vec<u8> {
    let mut info = Vec::with_capacity(INFO_LABEL.len() + 20 + from.len() + key_id.len());
    info.extend_from_slice(INFO_LABEL);
    info.extend_from_slice(id.as_bytes());
    for part in [from, key_id] {
        info.extend_from_slice(&(part.len() as u16).to_be_bytes());
        info.extend_from_slice(part.as_bytes());
    }
    info
}

/// An organisation's reply key pair (spec §10.1). The private key is wiped on drop and never
/// printed.
pub struct ReplyKeyPair {
    key_id: String,
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: <Kem as hpke::Kem>::PublicKey,
}

impl fmt::Debug for ReplyKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplyKeyPair({}, redacted)", self.key_id)
    }
}

impl ReplyKeyPair {
    /// A new key pair from the operating system's CSPRNG (`DeriveKeyPair` of 32 random bytes).
    pub fn generate(key_id: &str) -> Result<Self, &'static str> {
        let mut ikm = Zeroizing::new([0u8; 32]);
        crate::keys::fill_random(&mut ikm[..]);
        Self::derive(key_id, &ikm[..])
    }

    /// The key pair `DeriveKeyPair(ikm)` of the KEM gives (spec §10.1): from 32 random bytes.
    pub fn derive(key_id: &str, ikm: &[u8]) -> Result<Self, &'static str> {
        validate_key_id(key_id)?;
        let (secret, public) = Kem::derive_keypair(ikm);
        Ok(Self {
            key_id: key_id.to_owned(),
            secret,
            public,
        })
    }

    /// The key pair of a stored private key (its 32 bytes, as [`ReplyKeyPair::secret_bytes`]
    /// gives them).
    pub fn from_secret(key_id: &str, secret: &[u8]) -> Result<Self, &'static str> {
        validate_key_id(key_id)?;
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(secret)
            .map_err(|_| "the reply private key is not 32 bytes of an X25519 key")?;
        let public = Kem::sk_to_pk(&secret);
        Ok(Self {
            key_id: key_id.to_owned(),
            secret,
            public,
        })
    }

    /// The private key's bytes, to store (wiped when dropped).
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&self.secret.to_bytes());
        out
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public.to_bytes().into()
    }

    /// The header's `reply` member for replies to `to` sealed to this key.
    pub fn reply_to(&self, to: &str) -> ReplyTo {
        ReplyTo {
            to: to.to_owned(),
            key_id: self.key_id.clone(),
            public_key: b64u(&self.public_key()),
        }
    }
}

fn b64u(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The header of a reply (spec §10.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyHeader {
    /// The original message's id.
    pub in_reply_to: MessageId,
    /// The original envelope's key server.
    pub key_server: String,
    /// The replying recipient's address, as the key server verified it.
    pub from: String,
    /// The reply address of the original header.
    pub to: String,
    /// The reply key's id.
    pub key_id: String,
    /// The HPKE encapsulated key.
    pub enc: [u8; PUBLIC_KEY_LEN],
    /// When the reply was sealed, seconds since the Unix epoch.
    pub created: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireReplyHeader {
    v: u64,
    in_reply_to: String,
    key_server: String,
    from: String,
    to: String,
    key_id: String,
    enc: String,
    created: u64,
    content: String,
}

impl ReplyHeader {
    /// Parses and checks a reply header (spec §10.3).
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let bad = FormatError::Malformed;
        let text = std::str::from_utf8(bytes).map_err(|_| bad("its header is not UTF-8"))?;
        let w: WireReplyHeader = serde_json::from_str(text)
            .map_err(|_| bad("its header is not a valid reply header"))?;
        if w.v != u64::from(REPLY_VERSION) {
            return Err(bad("its header version differs from its format version"));
        }
        let in_reply_to = MessageId::parse(&w.in_reply_to)
            .ok_or(bad("its message id is not 16 bytes of base64url"))?;
        format::validate_origin(&w.key_server).map_err(bad)?;
        format::validate_address(&w.from).map_err(|_| bad("its sender is not a valid address"))?;
        format::validate_address(&w.to)
            .map_err(|_| bad("its reply address is not a valid address"))?;
        validate_key_id(&w.key_id).map_err(bad)?;
        let enc = crate::keys::decode_b64u_exact::<PUBLIC_KEY_LEN>(&w.enc)
            .ok_or(bad("its encapsulated key is not 32 bytes of base64url"))?;
        if w.created > MAX_TIME {
            return Err(bad("its creation time is out of range"));
        }
        if w.content != CONTENT_TYPE {
            return Err(bad("its content type is not message/rfc822"));
        }
        Ok(Self {
            in_reply_to,
            key_server: w.key_server,
            from: w.from,
            to: w.to,
            key_id: w.key_id,
            enc,
            created: w.created,
        })
    }

    /// The compact JSON a sealer writes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&WireReplyHeader {
            v: u64::from(REPLY_VERSION),
            in_reply_to: self.in_reply_to.to_string(),
            key_server: self.key_server.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            key_id: self.key_id.clone(),
            enc: b64u(&self.enc),
            created: self.created,
            content: CONTENT_TYPE.to_owned(),
        })
        .expect("a reply header always serialises")
    }
}

/// A reply split into its header, context and payload, not yet opened.
#[derive(Debug)]
pub struct Reply<'a> {
    header: ReplyHeader,
    context: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Reply<'a> {
    /// Parses a reply (spec §10.5, up to the key lookup).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let parts = format::split_container(bytes, &MAGIC_REPLY, REPLY_VERSION)?;
        let header = ReplyHeader::parse(parts.header_bytes)?;
        let payload = parts.payload;
        if payload.len() as u64 > format::max_payload_len() {
            return Err(FormatError::TooLarge(
                "its payload is larger than the 1 GiB limit",
            ));
        }
        Ok(Self {
            header,
            context: parts.context,
            payload,
        })
    }

    /// The header (authenticated only once the payload opens).
    pub fn header(&self) -> &ReplyHeader {
        &self.header
    }

    /// Opens the reply with the organisation's key of its key id, among `keys`.
    pub fn open(&self, keys: &[ReplyKeyPair]) -> Result<Vec<u8>, OpenReplyError> {
        let key = keys
            .iter()
            .find(|k| k.key_id == self.header.key_id)
            .ok_or_else(|| OpenReplyError::UnknownKey(self.header.key_id.clone()))?;
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&self.header.enc)
            .map_err(|_| OpenReplyError::Damaged)?;
        let ctx = hpke::setup_receiver::<Aead, Kdf, Kem>(
            &OpModeR::Base,
            &key.secret,
            &enc,
            &info(
                &self.header.in_reply_to,
                &self.header.from,
                &self.header.key_id,
            ),
        )
        .map_err(|_| OpenReplyError::Damaged)?;
        let mut input_key = Zeroizing::new([0u8; 32]);
        ctx.export(EXPORT_LABEL, &mut input_key[..])
            .map_err(|_| OpenReplyError::Damaged)?;
        cobblestone::open(&input_key[..], self.context, self.payload)
            .map_err(|_| OpenReplyError::Damaged)
    }
}

/// Why a reply did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenReplyError {
    /// Not a readable reply.
    Format(FormatError),
    /// The reply names a key id the organisation does not hold (not a secret: it is named).
    UnknownKey(String),
    /// Altered, damaged, or sealed to another key. Deliberately says no more.
    Damaged,
}

impl fmt::Display for OpenReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(e) => e.fmt(f),
            Self::UnknownKey(id) => write!(
                f,
                "the reply is sealed to the reply key {id:?}, which is not among your reply keys"
            ),
            Self::Damaged => {
                f.write_str("the reply was altered or damaged, so it cannot be opened")
            }
        }
    }
}

impl std::error::Error for OpenReplyError {}

impl From<FormatError> for OpenReplyError {
    fn from(e: FormatError) -> Self {
        Self::Format(e)
    }
}

/// Opens a whole reply: its header and the plaintext MIME message, which is returned only once
/// the last chunk authenticated.
pub fn open_reply(
    bytes: &[u8],
    keys: &[ReplyKeyPair],
) -> Result<(ReplyHeader, Vec<u8>), OpenReplyError> {
    let reply = Reply::parse(bytes)?;
    let plaintext = reply.open(keys)?;
    Ok((reply.header.clone(), plaintext))
}

/// Seals `plaintext` (the reply as a MIME message) as a reply to `original` from `from`, the
/// address the key server verified, at `created`. The original must name a reply key (version
/// 2) and `from` must be one of its recipients.
pub fn seal_reply(
    original: &Header,
    from: &str,
    created: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, SealError> {
    let mut ikm_e = Zeroizing::new([0u8; 32]);
    crate::keys::fill_random(&mut ikm_e[..]);
    let mut salt = [0u8; cobblestone::SALT_LEN];
    crate::keys::fill_random(&mut salt);
    seal_reply_with(original, from, created, plaintext, &ikm_e, &salt)
}

/// [`seal_reply`] with the HPKE ephemeral key's seed and the Cobblestone salt given.
pub(crate) fn seal_reply_with(
    original: &Header,
    from: &str,
    created: u64,
    plaintext: &[u8],
    ikm_e: &[u8; 32],
    salt: &[u8; cobblestone::SALT_LEN],
) -> Result<Vec<u8>, SealError> {
    let prepared =
        prepare_reply_with(original, from, created, plaintext.len() as u64, ikm_e, salt)?;
    let PreparedReply { mut out, key, plan } = prepared;
    let payload_at = out.len() - cobblestone::PREFIX_LEN;
    out.reserve(plan.ciphertext_len() as usize - cobblestone::PREFIX_LEN);
    for chunk in plan.chunks() {
        debug_assert_eq!(out.len(), payload_at + chunk.range.start);
        key.seal_chunk_onto(chunk.index, &plaintext[chunk.plaintext.clone()], &mut out);
    }
    Ok(out)
}

/// A reply with everything but its chunks: for a sealer that encrypts the chunks with another
/// AES-GCM implementation (the viewer's WebCrypto). Append each chunk of [`PreparedReply::plan`]
/// in order, as AES-256-GCM of its plaintext under [`PreparedReply::key`] with the nonce
/// `key.nonce(index)` and no associated data, ciphertext then tag; the result is exactly what
/// [`seal_reply`] makes.
pub struct PreparedReply {
    /// The container up to the first chunk: magic, version, header, salt and commitment.
    pub out: Vec<u8>,
    /// The payload key.
    pub key: cobblestone::PayloadKey,
    /// Where each chunk goes: `range` is relative to `out.len() - PREFIX_LEN`.
    pub plan: cobblestone::ChunkPlan,
}

impl PreparedReply {
    /// Where the payload (salt, commitment, chunks) starts in the container.
    pub fn payload_at(&self) -> usize {
        self.out.len() - cobblestone::PREFIX_LEN
    }

    /// The length of the whole sealed reply.
    pub fn sealed_len(&self) -> u64 {
        self.payload_at() as u64 + self.plan.ciphertext_len()
    }
}

impl fmt::Debug for PreparedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedReply")
            .field("prefix_len", &self.out.len())
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

/// Prepares a reply of `plaintext_len` bytes to `original` from `from` at `created` (see
/// [`seal_reply`] and [`PreparedReply`]), with fresh randomness.
pub fn prepare_reply(
    original: &Header,
    from: &str,
    created: u64,
    plaintext_len: u64,
) -> Result<PreparedReply, SealError> {
    let mut ikm_e = Zeroizing::new([0u8; 32]);
    crate::keys::fill_random(&mut ikm_e[..]);
    let mut salt = [0u8; cobblestone::SALT_LEN];
    crate::keys::fill_random(&mut salt);
    prepare_reply_with(original, from, created, plaintext_len, &ikm_e, &salt)
}

fn prepare_reply_with(
    original: &Header,
    from: &str,
    created: u64,
    plaintext_len: u64,
    ikm_e: &[u8; 32],
    salt: &[u8; cobblestone::SALT_LEN],
) -> Result<PreparedReply, SealError> {
    let invalid = |why: &str| SealError::InvalidHeader(why.to_owned());
    let reply_to = original
        .reply
        .as_ref()
        .ok_or_else(|| invalid("the message names no reply key, so it takes no secure reply"))?;
    if !original.recipients.iter().any(|r| r == from) {
        return Err(invalid(
            "the reply's sender is not a recipient of the message",
        ));
    }
    if plaintext_len > MAX_PLAINTEXT_LEN {
        return Err(SealError::TooLarge);
    }
    let pk_bytes = reply_to
        .public_key_bytes()
        .ok_or_else(|| invalid("the message's reply key is not 32 bytes of base64url"))?;
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk_bytes)
        .map_err(|_| invalid("the message's reply key is not an X25519 public key"))?;
    let mut rng = FixedRng(Zeroizing::new(*ikm_e), 0);
    let (enc, ctx) = hpke::setup_sender_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &pk,
        &info(&original.id, from, &reply_to.key_id),
        &mut rng,
    )
    .map_err(|_| invalid("the message's reply key is not an X25519 public key"))?;
    let mut input_key = Zeroizing::new([0u8; 32]);
    ctx.export(EXPORT_LABEL, &mut input_key[..])
        .expect("32 bytes is a valid export length");
    let header = ReplyHeader {
        in_reply_to: original.id,
        key_server: original.key_server.clone(),
        from: from.to_owned(),
        to: reply_to.to.clone(),
        key_id: reply_to.key_id.clone(),
        enc: enc.to_bytes().into(),
        created,
    };
    let json = header.to_json();
    let mut out = Vec::with_capacity(13 + json.len() + cobblestone::PREFIX_LEN);
    out.extend_from_slice(&MAGIC_REPLY);
    out.push(REPLY_VERSION);
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&json);
    let (key, commitment) = cobblestone::PayloadKey::derive(&input_key[..], salt, &out)
        .expect("the input key is 32 bytes");
    out.extend_from_slice(salt);
    out.extend_from_slice(&commitment);
    let plan = cobblestone::ChunkPlan::for_plaintext_len(plaintext_len);
    Ok(PreparedReply { out, key, plan })
}

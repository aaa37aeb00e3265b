//! The waxseal envelope: format, key derivation, Cobblestone-256 payload, HPKE key release and
//! the HTML carrier, as specified in `docs/envelope-spec.md`.
//!
//! This crate does no I/O of its own (it reads and writes only the `Read`/`Write` values it is
//! given) and never logs. It builds for native targets and for `wasm32-unknown-unknown`.
//!
//! - [`seal`] / [`seal_stream`]: make an envelope and the server share to register.
//! - [`Envelope`] (a whole buffer) and [`EnvelopeReader`] (a stream): read the header, then open.
//! - [`Envelope::payload_key`] with [`cobblestone::ChunkPlan`]: open chunk by chunk, with the bulk
//!   AES-GCM done elsewhere (WebCrypto in the viewer).
//! - [`release`]: the HPKE key-release message; [`carrier`]: `message.html`.
//! - [`reply`]: secure replies sealed to the sending organisation's reply key (spec §10).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod carrier;
pub mod cobblestone;
mod error;
pub mod format;
mod keys;
pub mod origin;
pub mod release;
pub mod reply;

use std::io::{self, BufRead, Read, Write};

pub use error::{FormatError, OpenError, ReleaseError, SealError};
pub use format::{Header, ReplyTo, Sender};
pub use keys::{EnvelopeShare, InputKey, MESSAGE_ID_LEN, MessageId, SHARE_LEN, ServerShare};
pub use origin::{Origin, OriginError};

use cobblestone::{ChunkPlan, PayloadKey, SALT_LEN};

/// What a sender supplies to seal a message; everything else is generated.
#[derive(Debug, Clone)]
pub struct SealParams {
    /// Origin of the key-release server the server share is registered with.
    pub key_server: String,
    /// The sender.
    pub from: Sender,
    /// Every address that may open the message (To and Cc). Normalised and de-duplicated.
    pub recipients: Vec<String>,
    /// Seal time, seconds since the Unix epoch.
    pub created: u64,
    /// Expiry, seconds since the Unix epoch.
    pub expires: u64,
    /// The organisation's reply address and key, if it takes secure replies: the envelope is
    /// then format version 2 (spec §10.2).
    pub reply: Option<ReplyTo>,
}

/// The random values of one sealing.
#[derive(Clone)]
struct Randomness {
    id: MessageId,
    server_share: ServerShare,
    envelope_share: EnvelopeShare,
    salt: [u8; SALT_LEN],
}

impl Randomness {
    fn generate() -> Self {
        let mut salt = [0u8; SALT_LEN];
        keys::fill_random(&mut salt);
        Self {
            id: MessageId::generate(),
            server_share: ServerShare::generate(),
            envelope_share: EnvelopeShare::generate(),
            salt,
        }
    }
}

/// A sealed message held in memory.
#[derive(Debug)]
pub struct Sealed {
    /// The header written into the envelope.
    pub header: Header,
    /// The share to register with the key server. Never put it in the envelope or a log.
    pub server_share: ServerShare,
    /// The complete envelope.
    pub envelope: Vec<u8>,
}

/// What sealing a stream produced; the envelope went to the writer.
#[derive(Debug)]
pub struct SealReceipt {
    /// The header written into the envelope.
    pub header: Header,
    /// The share to register with the key server.
    pub server_share: ServerShare,
    /// Plaintext bytes sealed.
    pub plaintext_len: u64,
    /// Envelope bytes written.
    pub envelope_len: u64,
}

struct Prepared {
    header: Header,
    context: Vec<u8>,
    server_share: ServerShare,
    input_key: InputKey,
    salt: [u8; SALT_LEN],
}

fn prepare(params: &SealParams, rnd: Randomness) -> Result<Prepared, SealError> {
    let invalid = |field: &str, why: &str| SealError::InvalidHeader(format!("{field}: {why}"));
    let sender = format::normalize_address(&params.from.address).map_err(|_| {
        invalid(
            "sender",
            &format!("{:?} is not a valid e-mail address", params.from.address),
        )
    })?;
    let mut recipients: Vec<String> = Vec::with_capacity(params.recipients.len());
    for r in &params.recipients {
        let a = format::normalize_address(r)
            .map_err(|_| invalid("recipient", &format!("{r:?} is not a valid e-mail address")))?;
        if !recipients.contains(&a) {
            recipients.push(a);
        }
    }
    let header = Header {
        id: rnd.id,
        key_server: params.key_server.clone(),
        from: Sender {
            address: sender,
            name: params.from.name.clone(),
        },
        recipients,
        created: params.created,
        expires: params.expires,
        share: rnd.envelope_share,
        reply: match &params.reply {
            None => None,
            Some(r) => Some(ReplyTo {
                to: format::normalize_address(&r.to).map_err(|_| {
                    invalid(
                        "reply address",
                        &format!("{:?} is not a valid e-mail address", r.to),
                    )
                })?,
                ..r.clone()
            }),
        },
    };
    if let Err(why) = header.validate() {
        let why = why.strip_prefix("its ").unwrap_or(why);
        return Err(SealError::InvalidHeader(
            why.replace("it names", "the message names"),
        ));
    }
    let json = header.to_json();
    if json.len() > format::MAX_HEADER_LEN {
        return Err(SealError::InvalidHeader(
            "the header is larger than 64 KiB; name fewer recipients".into(),
        ));
    }
    let input_key = InputKey::derive(&rnd.server_share, &header.share, &header.id);
    Ok(Prepared {
        context: format::context_for(header.version(), &json),
        header,
        server_share: rnd.server_share,
        input_key,
        salt: rnd.salt,
    })
}

fn seal_with(params: &SealParams, plaintext: &[u8], rnd: Randomness) -> Result<Sealed, SealError> {
    if plaintext.len() as u64 > format::MAX_PLAINTEXT_LEN {
        return Err(SealError::TooLarge);
    }
    let p = prepare(params, rnd)?;
    let payload_len =
        ChunkPlan::for_plaintext_len(plaintext.len() as u64).ciphertext_len() as usize;
    let mut envelope = Vec::with_capacity(p.context.len() + payload_len);
    envelope.extend_from_slice(&p.context);
    cobblestone::seal_into(
        p.input_key.expose(),
        &p.salt,
        &p.context,
        plaintext,
        &mut envelope,
    )
    .expect("the input key is 32 bytes");
    Ok(Sealed {
        header: p.header,
        server_share: p.server_share,
        envelope,
    })
}

/// Seals a whole plaintext MIME message.
pub fn seal(params: &SealParams, plaintext: &[u8]) -> Result<Sealed, SealError> {
    seal_with(params, plaintext, Randomness::generate())
}

/// Seals a plaintext read from `input`, writing the envelope to `output` as it goes: one chunk is
/// held in memory. On error the output is incomplete and must be discarded.
pub fn seal_stream<R: Read, W: Write>(
    params: &SealParams,
    input: R,
    output: W,
) -> Result<SealReceipt, SealError> {
    seal_stream_with(params, input, output, Randomness::generate())
}

fn seal_stream_with<R: Read, W: Write>(
    params: &SealParams,
    input: R,
    mut output: W,
    rnd: Randomness,
) -> Result<SealReceipt, SealError> {
    let p = prepare(params, rnd)?;
    output.write_all(&p.context)?;
    let mut enc =
        cobblestone::Encryptor::with_salt(p.input_key.expose(), &p.salt, &p.context, output)?;
    // One byte more than allowed tells an oversized input apart from one exactly at the limit.
    let mut input = input;
    let copied = enc.encrypt_from(&mut input, format::MAX_PLAINTEXT_LEN + 1)?;
    if copied > format::MAX_PLAINTEXT_LEN {
        return Err(SealError::TooLarge);
    }
    enc.finish()?;
    let envelope_len =
        p.context.len() as u64 + ChunkPlan::for_plaintext_len(copied).ciphertext_len();
    Ok(SealReceipt {
        header: p.header,
        server_share: p.server_share,
        plaintext_len: copied,
        envelope_len,
    })
}

/// An envelope held in memory, split and with its header parsed, not yet decrypted.
#[derive(Debug)]
pub struct Envelope<'a> {
    header: Header,
    parts: format::Container<'a>,
}

impl<'a> Envelope<'a> {
    /// Parses a raw envelope (spec §2 steps 1–4). Use [`carrier::extract`] first for HTML.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let parts = format::split(bytes)?;
        let header = Header::parse(parts.header_bytes)?;
        header.check_version(parts.context[format::MAGIC.len()])?;
        if parts.payload.len() as u64 > format::max_payload_len() {
            return Err(FormatError::TooLarge(
                "its payload is larger than the 1 GiB limit",
            ));
        }
        Ok(Self { header, parts })
    }

    /// The header, as the sender wrote it. Not yet authenticated: it is checked by the
    /// commitment when the payload is opened.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The Cobblestone context: the exact bytes up to the end of the header.
    pub fn context(&self) -> &'a [u8] {
        self.parts.context
    }

    /// The Cobblestone-256 payload.
    pub fn payload(&self) -> &'a [u8] {
        self.parts.payload
    }

    /// The input key for a server share.
    pub fn input_key(&self, server_share: &ServerShare) -> InputKey {
        InputKey::derive(server_share, &self.header.share, &self.header.id)
    }

    /// Checks the commitment and returns the payload key and the chunk layout, for callers that
    /// decrypt the chunks themselves. Decrypt chunk `i` of the plan with `key.nonce(i)`; accept
    /// the message only when every chunk, the final one included, authenticated.
    pub fn payload_key(
        &self,
        server_share: &ServerShare,
    ) -> Result<(PayloadKey, ChunkPlan), OpenError> {
        let input_key = self.input_key(server_share);
        let key =
            PayloadKey::for_prefix(input_key.expose(), self.parts.context, self.parts.payload)
                .map_err(|_| OpenError::Damaged)?;
        let plan = ChunkPlan::for_ciphertext_len(self.parts.payload.len() as u64)
            .map_err(|_| OpenError::Damaged)?;
        Ok((key, plan))
    }

    /// Decrypts the whole message. Returns nothing unless every chunk authenticated.
    pub fn open(&self, server_share: &ServerShare) -> Result<Vec<u8>, OpenError> {
        let mut out = Vec::new();
        self.open_into(server_share, &mut out)?;
        Ok(out)
    }

    /// Decrypts the whole message, appending it to `out` (whose capacity can be reused). On
    /// failure `out` is left as it was.
    pub fn open_into(
        &self,
        server_share: &ServerShare,
        out: &mut Vec<u8>,
    ) -> Result<(), OpenError> {
        let input_key = self.input_key(server_share);
        cobblestone::open_into(
            input_key.expose(),
            self.parts.context,
            self.parts.payload,
            out,
        )
        .map_err(|_| OpenError::Damaged)
    }
}

/// An envelope read from a stream: the header is read and parsed; the payload is still unread.
pub struct EnvelopeReader<R: Read> {
    header: Header,
    context: Vec<u8>,
    input: io::Take<R>,
}

impl<R: BufRead> EnvelopeReader<carrier::EnvelopeSource<R>> {
    /// Reads a raw envelope or a `message.html` carrier.
    pub fn from_file(input: R) -> Result<Self, OpenError> {
        let source = carrier::EnvelopeSource::new(input).map_err(format_or_io)?;
        Self::new(source)
    }
}

fn format_or_io(e: io::Error) -> OpenError {
    match e.get_ref().and_then(|i| i.downcast_ref::<FormatError>()) {
        Some(f) => OpenError::Format(f.clone()),
        None => OpenError::Io(e),
    }
}

impl<R: Read> EnvelopeReader<R> {
    /// Reads and parses the prefix and header of a raw envelope.
    pub fn new(mut input: R) -> Result<Self, OpenError> {
        let mut context = vec![0u8; format::PREFIX_LEN];
        let got = cobblestone::read_full(&mut input, &mut context).map_err(format_or_io)?;
        let header_len = format::parse_prefix(&context[..got])?;
        if got < format::PREFIX_LEN {
            return Err(FormatError::Malformed("it ends inside the envelope prefix").into());
        }
        context.resize(format::PREFIX_LEN + header_len, 0);
        let got = cobblestone::read_full(&mut input, &mut context[format::PREFIX_LEN..])
            .map_err(format_or_io)?;
        if got < header_len {
            return Err(FormatError::Malformed("it ends inside the header").into());
        }
        let header = Header::parse(&context[format::PREFIX_LEN..])?;
        header.check_version(context[format::MAGIC.len()])?;
        // Past the largest allowed payload the stream is cut, which then fails as damage.
        let input = input.take(format::max_payload_len());
        Ok(Self {
            header,
            context,
            input,
        })
    }

    /// The header (authenticated only once the payload opens).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The Cobblestone context.
    pub fn context(&self) -> &[u8] {
        &self.context
    }

    /// The unread payload, as ciphertext (to measure or copy it without decrypting).
    pub fn into_payload(self) -> io::Take<R> {
        self.input
    }

    /// Checks the commitment and returns a reader of authenticated plaintext. See
    /// [`cobblestone::Decryptor`] for what a streaming reader may see before the end.
    pub fn decryptor(
        self,
        server_share: &ServerShare,
    ) -> Result<cobblestone::Decryptor<io::Take<R>>, OpenError> {
        let input_key = InputKey::derive(server_share, &self.header.share, &self.header.id);
        cobblestone::Decryptor::new(input_key.expose(), &self.context, self.input)
            .map_err(stream_error)
    }

    /// Decrypts the whole payload into `output`; returns the plaintext length. If this fails,
    /// what was written must be discarded.
    pub fn open_to<W: Write>(
        self,
        server_share: &ServerShare,
        output: &mut W,
    ) -> Result<u64, OpenError> {
        self.decryptor(server_share)?
            .decrypt_to(output)
            .map_err(stream_error)
    }
}

fn stream_error(e: cobblestone::OpenError) -> OpenError {
    match e {
        cobblestone::OpenError::Io(e) => format_or_io(e),
        cobblestone::OpenError::Failure(_) => OpenError::Damaged,
    }
}

/// Deterministic sealing for test vectors and the spec's worked example. Never use it to seal
/// real mail: reusing any of these values breaks the scheme's guarantees.
#[cfg(feature = "hazmat-deterministic")]
pub mod hazmat {
    use super::*;

    /// The values normally drawn from the CSPRNG.
    pub struct ChosenRandomness {
        /// Message id.
        pub id: MessageId,
        /// Server share.
        pub server_share: ServerShare,
        /// Envelope share.
        pub envelope_share: EnvelopeShare,
        /// Cobblestone salt.
        pub salt: [u8; SALT_LEN],
    }

    impl From<ChosenRandomness> for Randomness {
        fn from(c: ChosenRandomness) -> Self {
            Self {
                id: c.id,
                server_share: c.server_share,
                envelope_share: c.envelope_share,
                salt: c.salt,
            }
        }
    }

    /// [`reply::seal_reply`](crate::reply::seal_reply) with the HPKE ephemeral key's seed and the
    /// Cobblestone salt chosen.
    pub fn seal_reply(
        original: &Header,
        from: &str,
        created: u64,
        plaintext: &[u8],
        ikm_e: &[u8; 32],
        salt: &[u8; SALT_LEN],
    ) -> Result<Vec<u8>, SealError> {
        crate::reply::seal_reply_with(original, from, created, plaintext, ikm_e, salt)
    }

    /// [`seal`](crate::seal) with chosen randomness.
    pub fn seal(
        params: &SealParams,
        plaintext: &[u8],
        rnd: ChosenRandomness,
    ) -> Result<Sealed, SealError> {
        seal_with(params, plaintext, rnd.into())
    }

    /// [`seal_stream`](crate::seal_stream) with chosen randomness.
    pub fn seal_stream<R: Read, W: Write>(
        params: &SealParams,
        input: R,
        output: W,
        rnd: ChosenRandomness,
    ) -> Result<SealReceipt, SealError> {
        seal_stream_with(params, input, output, rnd.into())
    }
}

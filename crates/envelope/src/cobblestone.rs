//! Cobblestone-256: C2SP chunked encryption with HKDF-Expand(SHA-512) and AES-256-GCM.
//!
//! See <https://c2sp.org/chunked-encryption> and spec §5:
//!
//! ```text
//! key (32) || base_nonce (12) || commitment (32) =
//!     HKDF-Expand(SHA-512, prk = input_key,
//!                 info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" || 0x00 || salt || context)
//! ciphertext = salt (24) || commitment (32) || AES-256-GCM chunks of 16 KiB (the last one shorter)
//! nonce_i    = base_nonce XOR u96be(i)
//! ```
//!
//! This module is usable on its own (the Wycheproof vectors exercise it with arbitrary keys and
//! contexts); the envelope uses it with the input key of spec §4 and the header block as context.
//! Three ways to open: a whole buffer ([`open`]), a stream ([`Decryptor`]), and chunk by chunk
//! ([`PayloadKey`] + [`ChunkPlan`]) for callers that run the bulk AES-GCM elsewhere (WebCrypto),
//! while the commitment, nonces, boundaries and final-chunk rule stay here.

use std::io::{self, Read, Write};
use std::ops::Range;

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use sha2::Sha512;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::keys::fill_random;

/// Plaintext bytes per chunk (every chunk but the last, which is shorter).
pub const CHUNK_SIZE: usize = 16 * 1024;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Length of the random salt at the start of the ciphertext.
pub const SALT_LEN: usize = 24;
/// Length of the key commitment after the salt.
pub const COMMITMENT_LEN: usize = 32;
/// Salt plus commitment: the fixed prefix before the first chunk.
pub const PREFIX_LEN: usize = SALT_LEN + COMMITMENT_LEN;
/// Ciphertext bytes of a full chunk.
pub const ENCRYPTED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;
/// AES-256 key length, and so the input key length.
pub const KEY_LEN: usize = 32;
/// AES-GCM nonce length.
pub const NONCE_LEN: usize = 12;
/// The chunk counter must stay below 2^38.
const MAX_CHUNKS: u64 = 1 << 38;
/// HKDF-Expand info prefix: the scheme label, the IANA AEAD name and a zero byte.
const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\0";

/// The one opaque failure of this layer: wrong key, wrong context, altered, truncated or extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damaged;

impl core::fmt::Display for Damaged {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the ciphertext was altered or damaged, or the key is wrong")
    }
}

impl std::error::Error for Damaged {}

/// The input key is not 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKeySize;

impl core::fmt::Display for InvalidKeySize {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a Cobblestone-256 input key must be 32 bytes")
    }
}

impl std::error::Error for InvalidKeySize {}

/// The per-message AEAD key and base nonce, derived from an input key, salt and context.
///
/// The AES key schedule and the raw key bytes are wiped on drop.
pub struct PayloadKey {
    cipher: Aes256Gcm,
    key: Zeroizing<[u8; KEY_LEN]>,
    base_nonce: [u8; NONCE_LEN],
}

impl core::fmt::Debug for PayloadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PayloadKey(redacted)")
    }
}

impl PayloadKey {
    /// Derives key, base nonce and commitment (C2SP "Key derivation").
    pub fn derive(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
    ) -> Result<(Self, [u8; COMMITMENT_LEN]), InvalidKeySize> {
        if input_key.len() != KEY_LEN {
            return Err(InvalidKeySize);
        }
        let mut okm = Zeroizing::new([0u8; KEY_LEN + NONCE_LEN + COMMITMENT_LEN]);
        hkdf_sha512_expand(input_key, &[INFO_PREFIX, salt, context], &mut okm[..]);
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&okm[..KEY_LEN]);
        let mut base_nonce = [0u8; NONCE_LEN];
        base_nonce.copy_from_slice(&okm[KEY_LEN..KEY_LEN + NONCE_LEN]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&okm[KEY_LEN + NONCE_LEN..]);
        let cipher = Aes256Gcm::new_from_slice(&key[..]).expect("32-byte AES-256 key");
        Ok((
            Self {
                cipher,
                key,
                base_nonce,
            },
            commitment,
        ))
    }

    /// Derives the key for a ciphertext whose first [`PREFIX_LEN`] bytes are `prefix`, and checks
    /// the commitment in constant time. This must succeed before any chunk is decrypted.
    pub fn for_prefix(
        input_key: &[u8],
        context: &[u8],
        prefix: &[u8],
    ) -> Result<Self, OpenFailure> {
        let (salt, commitment) = split_prefix(prefix).ok_or(OpenFailure::Damaged)?;
        let (key, expected) = Self::derive(input_key, salt, context)?;
        if bool::from(expected.ct_eq(commitment)) {
            Ok(key)
        } else {
            Err(OpenFailure::Damaged)
        }
    }

    /// The nonce of chunk `index`: the base nonce XOR the index as a 96-bit big-endian integer.
    pub fn nonce(&self, index: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.base_nonce;
        for (n, c) in nonce[NONCE_LEN - 8..].iter_mut().zip(index.to_be_bytes()) {
            *n ^= c;
        }
        nonce
    }

    /// The raw AES-256 key, for importing into another AES-GCM implementation (WebCrypto).
    pub fn aead_key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The base nonce.
    pub fn base_nonce(&self) -> &[u8; NONCE_LEN] {
        &self.base_nonce
    }

    /// Encrypts one chunk's plaintext in place and returns its tag.
    pub fn seal_chunk(&self, index: u64, buf: &mut [u8]) -> [u8; TAG_LEN] {
        assert!(index < MAX_CHUNKS && buf.len() <= CHUNK_SIZE);
        let nonce = Nonce::from(self.nonce(index));
        let tag = self
            .cipher
            .encrypt_inout_detached(&nonce, &[], buf.into())
            .expect("a chunk is far below AES-GCM's length limit");
        tag.into()
    }

    /// Appends chunk `index` of a ciphertext to `out`: its plaintext copied, encrypted in place
    /// while still in cache, then its tag (one pass over the output memory).
    pub fn seal_chunk_onto(&self, index: u64, plaintext: &[u8], out: &mut Vec<u8>) {
        let at = out.len();
        out.extend_from_slice(plaintext);
        let tag = self.seal_chunk(index, &mut out[at..]);
        out.extend_from_slice(&tag);
    }

    /// Decrypts one chunk (`ciphertext || tag`) into `out` (16 bytes shorter than the chunk).
    /// On failure `out` is zeroed.
    pub fn open_chunk_to(&self, index: u64, chunk: &[u8], out: &mut [u8]) -> Result<(), Damaged> {
        if index >= MAX_CHUNKS
            || chunk.len() < TAG_LEN
            || chunk.len() > ENCRYPTED_CHUNK_SIZE
            || out.len() != chunk.len() - TAG_LEN
        {
            return Err(Damaged);
        }
        let (body, tag) = chunk.split_at(chunk.len() - TAG_LEN);
        let nonce = Nonce::from(self.nonce(index));
        let tag = Tag::try_from(tag).map_err(|_| Damaged)?;
        let buf = InOutBuf::new(body, &mut *out).map_err(|_| Damaged)?;
        self.cipher
            .decrypt_inout_detached(&nonce, &[], buf, &tag)
            .map_err(|_| {
                out.zeroize();
                Damaged
            })
    }

    /// Decrypts one chunk (`ciphertext || tag`) in place; returns the plaintext part.
    pub fn open_chunk<'a>(&self, index: u64, chunk: &'a mut [u8]) -> Result<&'a mut [u8], Damaged> {
        if index >= MAX_CHUNKS || chunk.len() < TAG_LEN || chunk.len() > ENCRYPTED_CHUNK_SIZE {
            return Err(Damaged);
        }
        let (body, tag) = chunk.split_at_mut(chunk.len() - TAG_LEN);
        let nonce = Nonce::from(self.nonce(index));
        let tag = Tag::try_from(&tag[..]).map_err(|_| Damaged)?;
        match self
            .cipher
            .decrypt_inout_detached(&nonce, &[], (&mut *body).into(), &tag)
        {
            Ok(()) => Ok(body),
            Err(_) => {
                body.zeroize();
                Err(Damaged)
            }
        }
    }
}

/// Why a ciphertext could not be opened: a key of the wrong size, or the one opaque failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFailure {
    /// The input key is not 32 bytes.
    InvalidKeySize,
    /// Altered, damaged, truncated, extended, or the wrong key or context.
    Damaged,
}

impl From<InvalidKeySize> for OpenFailure {
    fn from(_: InvalidKeySize) -> Self {
        Self::InvalidKeySize
    }
}

impl From<Damaged> for OpenFailure {
    fn from(_: Damaged) -> Self {
        Self::Damaged
    }
}

/// HKDF-Expand (RFC 5869 §2.3) with HMAC-SHA-512:
/// `T(i) = HMAC(prk, T(i-1) || info || i)`, `okm = T(1) || T(2) || ...` truncated to its length.
///
/// Written over the `hmac` crate because Cobblestone-256 expands a 32-byte input key with
/// SHA-512, and the `hkdf` crate rejects a PRK shorter than the hash output (64 bytes).
/// The Wycheproof vectors check the derived key, nonce and commitment.
fn hkdf_sha512_expand(prk: &[u8], info: &[&[u8]], okm: &mut [u8]) {
    assert!(okm.len() <= 255 * 64);
    let mut previous: Option<Zeroizing<[u8; 64]>> = None;
    for (i, piece) in okm.chunks_mut(64).enumerate() {
        let mut mac = <Hmac<Sha512> as hmac::KeyInit>::new_from_slice(prk)
            .expect("HMAC takes any key length");
        if let Some(t) = &previous {
            mac.update(&t[..]);
        }
        for part in info {
            mac.update(part);
        }
        mac.update(&[i as u8 + 1]);
        let t = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
        piece.copy_from_slice(&t[..piece.len()]);
        previous = Some(t);
    }
}

fn split_prefix(prefix: &[u8]) -> Option<(&[u8; SALT_LEN], &[u8; COMMITMENT_LEN])> {
    let salt = prefix.get(..SALT_LEN)?.try_into().ok()?;
    let commitment = prefix.get(SALT_LEN..PREFIX_LEN)?.try_into().ok()?;
    Some((salt, commitment))
}

/// Where each chunk of a ciphertext lies: a pure function of the ciphertext length.
///
/// Construction fails for every length that no honest encryption produces: shorter than the
/// prefix plus one tag, a full final chunk (the real final chunk was cut off) or a final chunk
/// shorter than a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    chunks: u64,
    final_len: usize,
}

/// One chunk of a [`ChunkPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRef {
    /// The chunk number, which selects its nonce.
    pub index: u64,
    /// Where the chunk (ciphertext and tag) lies in the whole ciphertext.
    pub range: Range<usize>,
    /// Where its plaintext goes in the whole plaintext.
    pub plaintext: Range<usize>,
    /// Whether this is the final (short) chunk.
    pub is_final: bool,
}

impl ChunkPlan {
    /// The plan for a whole ciphertext (prefix included) of `len` bytes.
    pub fn for_ciphertext_len(len: u64) -> Result<Self, Damaged> {
        let body = len.checked_sub(PREFIX_LEN as u64).ok_or(Damaged)?;
        let full = body / ENCRYPTED_CHUNK_SIZE as u64;
        let final_len = (body % ENCRYPTED_CHUNK_SIZE as u64) as usize;
        if final_len < TAG_LEN || full + 1 > MAX_CHUNKS {
            return Err(Damaged);
        }
        usize::try_from(len).map_err(|_| Damaged)?;
        Ok(Self {
            chunks: full + 1,
            final_len,
        })
    }

    /// The plan for encrypting a plaintext of `len` bytes.
    pub fn for_plaintext_len(len: u64) -> Self {
        let full = len / CHUNK_SIZE as u64;
        Self {
            chunks: full + 1,
            final_len: (len % CHUNK_SIZE as u64) as usize + TAG_LEN,
        }
    }

    /// How many chunks, the final one included.
    pub fn chunk_count(&self) -> u64 {
        self.chunks
    }

    /// The plaintext length.
    pub fn plaintext_len(&self) -> u64 {
        (self.chunks - 1) * CHUNK_SIZE as u64 + (self.final_len - TAG_LEN) as u64
    }

    /// The ciphertext length, prefix included.
    pub fn ciphertext_len(&self) -> u64 {
        PREFIX_LEN as u64 + (self.chunks - 1) * ENCRYPTED_CHUNK_SIZE as u64 + self.final_len as u64
    }

    /// Chunk `index`, or `None` past the final chunk.
    pub fn chunk(&self, index: u64) -> Option<ChunkRef> {
        if index >= self.chunks {
            return None;
        }
        let is_final = index + 1 == self.chunks;
        let start = PREFIX_LEN + index as usize * ENCRYPTED_CHUNK_SIZE;
        let len = if is_final {
            self.final_len
        } else {
            ENCRYPTED_CHUNK_SIZE
        };
        let pt_start = index as usize * CHUNK_SIZE;
        Some(ChunkRef {
            index,
            range: start..start + len,
            plaintext: pt_start..pt_start + len - TAG_LEN,
            is_final,
        })
    }

    /// Every chunk in order.
    pub fn chunks(&self) -> impl Iterator<Item = ChunkRef> + '_ {
        (0..self.chunks).filter_map(|i| self.chunk(i))
    }
}

/// Encrypts a whole plaintext with a fresh random salt.
pub fn seal(input_key: &[u8], context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, InvalidKeySize> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt);
    seal_with_salt(input_key, &salt, context, plaintext)
}

/// Encrypts a whole plaintext with the given salt, which must never repeat for an input key.
pub(crate) fn seal_with_salt(
    input_key: &[u8],
    salt: &[u8; SALT_LEN],
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, InvalidKeySize> {
    let mut out = Vec::new();
    seal_into(input_key, salt, context, plaintext, &mut out)?;
    Ok(out)
}

/// Encrypts a whole plaintext, appending the ciphertext to `out` in one pass: each chunk goes
/// from `plaintext` straight to its place in `out`.
pub(crate) fn seal_into(
    input_key: &[u8],
    salt: &[u8; SALT_LEN],
    context: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), InvalidKeySize> {
    let (key, commitment) = PayloadKey::derive(input_key, salt, context)?;
    let plan = ChunkPlan::for_plaintext_len(plaintext.len() as u64);
    out.reserve(plan.ciphertext_len() as usize);
    out.extend_from_slice(salt);
    out.extend_from_slice(&commitment);
    for chunk in plan.chunks() {
        key.seal_chunk_onto(chunk.index, &plaintext[chunk.plaintext.clone()], out);
    }
    Ok(())
}

/// Decrypts a whole ciphertext. Nothing is returned unless every chunk, the final one included,
/// authenticated.
pub fn open(input_key: &[u8], context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, OpenFailure> {
    let mut out = Vec::new();
    open_into(input_key, context, ciphertext, &mut out)?;
    Ok(out)
}

/// Decrypts a whole ciphertext, appending the plaintext to `out` (whose capacity can be reused).
/// On failure `out` is left as it was: the partial plaintext is wiped and removed.
pub fn open_into(
    input_key: &[u8],
    context: &[u8],
    ciphertext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), OpenFailure> {
    let key = PayloadKey::for_prefix(input_key, context, ciphertext)?;
    let plan = ChunkPlan::for_ciphertext_len(ciphertext.len() as u64)?;
    let start = out.len();
    out.reserve(plan.plaintext_len() as usize);
    // Copy a chunk's ciphertext, then decrypt it in place while it is still in cache.
    for chunk in plan.chunks() {
        let at = out.len();
        let (body, tag) = ciphertext[chunk.range.clone()].split_at(chunk.range.len() - TAG_LEN);
        out.extend_from_slice(body);
        let nonce = Nonce::from(key.nonce(chunk.index));
        let tag = Tag::try_from(tag).expect("16-byte tag");
        if key
            .cipher
            .decrypt_inout_detached(&nonce, &[], (&mut out[at..]).into(), &tag)
            .is_err()
        {
            out[start..].zeroize();
            out.truncate(start);
            return Err(OpenFailure::Damaged);
        }
    }
    Ok(())
}

/// Streaming encryption: write plaintext in, ciphertext goes to the inner writer.
///
/// Holds one chunk in memory. Call [`Encryptor::finish`] to write the final chunk; dropping
/// without it leaves a truncated ciphertext that will not open.
pub struct Encryptor<W: Write> {
    key: PayloadKey,
    inner: W,
    buf: Zeroizing<Vec<u8>>,
    filled: usize,
    index: u64,
}

impl<W: Write> Encryptor<W> {
    /// Starts a ciphertext with a fresh random salt, writing salt and commitment at once.
    pub fn new(input_key: &[u8], context: &[u8], inner: W) -> io::Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt);
        Self::with_salt(input_key, &salt, context, inner)
    }

    pub(crate) fn with_salt(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
        mut inner: W,
    ) -> io::Result<Self> {
        let (key, commitment) = PayloadKey::derive(input_key, salt, context)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        inner.write_all(salt)?;
        inner.write_all(&commitment)?;
        Ok(Self {
            key,
            inner,
            buf: Zeroizing::new(vec![0u8; ENCRYPTED_CHUNK_SIZE]),
            filled: 0,
            index: 0,
        })
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.index >= MAX_CHUNKS - 1 {
            return Err(io::Error::other(
                "the message exceeds the chunk counter limit",
            ));
        }
        let len = self.filled;
        let tag = self.key.seal_chunk(self.index, &mut self.buf[..len]);
        self.buf[len..len + TAG_LEN].copy_from_slice(&tag);
        self.inner.write_all(&self.buf[..len + TAG_LEN])?;
        self.index += 1;
        self.filled = 0;
        Ok(())
    }

    /// Reads plaintext from `input` straight into the chunk buffer until the input ends or `limit`
    /// bytes were read; returns how many. Saves the copy through an intermediate buffer that
    /// `io::copy` would make.
    pub fn encrypt_from<R: Read>(&mut self, input: &mut R, limit: u64) -> io::Result<u64> {
        let mut total = 0u64;
        loop {
            if self.filled == CHUNK_SIZE {
                self.flush_chunk()?;
            }
            let room = (CHUNK_SIZE - self.filled)
                .min(usize::try_from(limit - total).unwrap_or(usize::MAX));
            if room == 0 {
                return Ok(total);
            }
            let got = read_full(input, &mut self.buf[self.filled..self.filled + room])?;
            self.filled += got;
            total += got as u64;
            if got < room {
                return Ok(total);
            }
        }
    }

    /// Encrypts the final (short, possibly empty) chunk and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        // A full buffer is not final: the final chunk is always short, here empty.
        if self.filled == CHUNK_SIZE {
            self.flush_chunk()?;
        }
        let len = self.filled;
        let tag = self.key.seal_chunk(self.index, &mut self.buf[..len]);
        self.buf[len..len + TAG_LEN].copy_from_slice(&tag);
        self.inner.write_all(&self.buf[..len + TAG_LEN])?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Encryptor<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < data.len() {
            // A full buffer is never the final chunk (the final chunk is always short), so it is
            // flushed as soon as more plaintext arrives.
            if self.filled == CHUNK_SIZE {
                self.flush_chunk()?;
            }
            let take = (CHUNK_SIZE - self.filled).min(data.len() - written);
            self.buf[self.filled..self.filled + take]
                .copy_from_slice(&data[written..written + take]);
            self.filled += take;
            written += take;
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streaming decryption: reads ciphertext from the inner reader, yields authenticated plaintext.
///
/// Each chunk's plaintext is released only after its tag verified. A reader that streams sees
/// the plaintext of verified chunks before the end is known; if a later chunk fails, every
/// following read fails too (the error is sticky), and a truncated ciphertext never looks like a
/// clean end. Callers that must show nothing unverified read to the end before using the output.
pub struct Decryptor<R: Read> {
    key: PayloadKey,
    inner: R,
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
    end: usize,
    index: u64,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    Done,
    Failed,
}

impl<R: Read> Decryptor<R> {
    /// Reads and checks the salt and commitment. Fails before any chunk on a wrong key or context.
    pub fn new(input_key: &[u8], context: &[u8], mut inner: R) -> Result<Self, OpenError> {
        let mut prefix = [0u8; PREFIX_LEN];
        let got = read_full(&mut inner, &mut prefix)?;
        if got < PREFIX_LEN {
            return Err(OpenError::Failure(OpenFailure::Damaged));
        }
        let key =
            PayloadKey::for_prefix(input_key, context, &prefix).map_err(OpenError::Failure)?;
        Ok(Self {
            key,
            inner,
            buf: Zeroizing::new(vec![0u8; ENCRYPTED_CHUNK_SIZE]),
            pos: 0,
            end: 0,
            index: 0,
            state: State::Reading,
        })
    }

    /// Reads and authenticates the next chunk into the buffer.
    fn next_chunk(&mut self) -> Result<(), OpenError> {
        let got = read_full(&mut self.inner, &mut self.buf[..])?;
        // A full encrypted chunk is never final; anything shorter ends the ciphertext because
        // `read_full` only stops short at end of input.
        let is_final = got < ENCRYPTED_CHUNK_SIZE;
        let plain = self
            .key
            .open_chunk(self.index, &mut self.buf[..got])
            .map_err(|_| OpenError::Failure(OpenFailure::Damaged))?
            .len();
        self.index += 1;
        self.pos = 0;
        self.end = plain;
        if is_final {
            self.state = State::Done;
        }
        Ok(())
    }

    /// Decrypts everything to `out`. Returns the plaintext length.
    pub fn decrypt_to<W: Write>(mut self, out: &mut W) -> Result<u64, OpenError> {
        let mut total = 0u64;
        while self.state == State::Reading {
            self.next_chunk()?;
            out.write_all(&self.buf[..self.end])?;
            total += self.end as u64;
        }
        Ok(total)
    }
}

/// Why a stream could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// Cryptographic failure (opaque) or a key of the wrong size.
    Failure(OpenFailure),
    /// Reading or writing failed.
    Io(io::Error),
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> Self {
        // A Decryptor used as `Read` reports damage through io::Error; undo that wrapping.
        if e.get_ref().is_some_and(|inner| inner.is::<Damaged>()) {
            Self::Failure(OpenFailure::Damaged)
        } else {
            Self::Io(e)
        }
    }
}

impl<R: Read> Read for Decryptor<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.state == State::Failed {
                return Err(io::Error::new(io::ErrorKind::InvalidData, Damaged));
            }
            if self.pos < self.end {
                let n = (self.end - self.pos).min(out.len());
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.state == State::Done || out.is_empty() {
                return Ok(0);
            }
            match self.next_chunk() {
                Ok(()) => {}
                Err(OpenError::Io(e)) => return Err(e),
                Err(OpenError::Failure(_)) => self.state = State::Failed,
            }
        }
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
pub(crate) fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(feature = "hazmat-deterministic")]
impl<W: Write> Encryptor<W> {
    /// Hazmat: a streaming encryption with a chosen salt, for test vectors only.
    pub fn new_with_chosen_salt(
        input_key: &[u8],
        salt: &[u8; SALT_LEN],
        context: &[u8],
        inner: W,
    ) -> io::Result<Self> {
        Self::with_salt(input_key, salt, context, inner)
    }
}

/// Hazmat: encryption with a chosen salt, for test vectors only.
#[cfg(feature = "hazmat-deterministic")]
pub fn seal_with_chosen_salt(
    input_key: &[u8],
    salt: &[u8; SALT_LEN],
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, InvalidKeySize> {
    seal_with_salt(input_key, salt, context, plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_matches_the_spec_examples() {
        // C2SP: empty -> one empty chunk; 16 KiB -> a full chunk and an empty one; 20 KiB -> two.
        for (len, chunks) in [(0u64, 1u64), (1024, 1), (16384, 2), (20480, 2), (32768, 3)] {
            let plan = ChunkPlan::for_plaintext_len(len);
            assert_eq!(plan.chunk_count(), chunks, "plaintext {len}");
            assert_eq!(plan.plaintext_len(), len);
            let back = ChunkPlan::for_ciphertext_len(plan.ciphertext_len()).unwrap();
            assert_eq!(back, plan);
        }
    }

    #[test]
    fn plan_rejects_every_length_no_encryption_produces() {
        for len in 0..(PREFIX_LEN + TAG_LEN) as u64 {
            assert_eq!(
                ChunkPlan::for_ciphertext_len(len),
                Err(Damaged),
                "len {len}"
            );
        }
        // A full final chunk means the short final chunk was cut off.
        let full = (PREFIX_LEN + ENCRYPTED_CHUNK_SIZE) as u64;
        assert_eq!(ChunkPlan::for_ciphertext_len(full), Err(Damaged));
        for extra in 1..TAG_LEN as u64 {
            assert_eq!(ChunkPlan::for_ciphertext_len(full + extra), Err(Damaged));
        }
        assert!(ChunkPlan::for_ciphertext_len(full + TAG_LEN as u64).is_ok());
    }

    #[test]
    fn nonce_xors_the_counter_into_the_low_bytes() {
        let (key, _) = PayloadKey::derive(&[0u8; 32], &[0u8; 24], b"").unwrap();
        let base = *key.base_nonce();
        let n = key.nonce(0x01_0203_0405);
        assert_eq!(n[..7], base[..7]);
        assert_eq!(n[7], base[7] ^ 0x01);
        assert_eq!(n[11], base[11] ^ 0x05);
        assert_eq!(key.nonce(0), base);
    }
}

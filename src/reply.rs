//! A secure reply (spec §10): the MIME message the recipient writes, and its sealing in the
//! browser to the reply key the original envelope names.
//!
//! The reply is a real e-mail (`mail-builder`): From the address the key server verified, To the
//! envelope's reply address, `Re:` subject, `In-Reply-To`/`References` of the original, the text
//! with the original quoted below, the attachments. It is sealed here and handed to the key
//! server only sealed.
//!
//! The envelope crate does everything but the bulk AES-GCM ([`prepare_reply`]: HPKE, header,
//! salt, commitment, chunk layout and nonces); the chunks are encrypted with WebCrypto when the
//! page has it (two windows of chunks in flight, as in decryption), else with the `aes-gcm` crate.
//! Each sealing is timed in the page's performance timeline as [`MEASURE`].

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, Promise, Uint8Array};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use waxseal_envelope::Header;
use waxseal_envelope::cobblestone::{CHUNK_SIZE, ChunkRef, PREFIX_LEN, TAG_LEN};
use waxseal_envelope::reply::{PreparedReply, prepare_reply};
use web_sys::{AesGcmParams, Blob, BlobPropertyBag, CryptoKey, SubtleCrypto};
use zeroize::Zeroize;

use crate::decrypt::{self, Engine, Progress, next_task, performance};

/// The `performance.measure` entry that times a sealing, from the MIME message to every part of
/// the sealed reply (HPKE, header and every chunk encrypted).
pub const MEASURE: &str = "waxseal-seal-reply";
const MEASURE_START: &str = "waxseal-seal-reply-start";
/// The `performance.measure` entry that times putting the sealed parts into one request body.
pub const BODY_MEASURE: &str = "waxseal-reply-body";
const BODY_START: &str = "waxseal-reply-body-start";

/// How many chunks are handed to WebCrypto together (two such windows are in flight at a time):
/// 1 MiB, so that progress moves in steps of at most 1 MiB.
const WINDOW: usize = 64;
/// How many chunks the portable engine seals between two pauses (1 MiB).
const PORTABLE_BATCH: u64 = 64;

/// A file attached to the reply, held in memory only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// A number that tells attachments of the same name apart (for removing one).
    pub id: u32,
    /// Its file name.
    pub name: String,
    /// Its media type, as the browser reports it (`application/octet-stream` when unknown).
    pub content_type: String,
    /// Its bytes.
    pub bytes: Rc<Vec<u8>>,
}

/// Everything the reply's MIME message is made of.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// The replier's verified address, and a display name for it if the original gave one.
    pub from: (Option<&'a str>, &'a str),
    /// The organisation's reply address.
    pub to: &'a str,
    /// The original's subject.
    pub subject: Option<&'a str>,
    /// The original's `Message-ID` (without angle brackets).
    pub in_reply_to: Option<&'a str>,
    /// The original's `References` (without angle brackets).
    pub references: &'a [String],
    /// The text, with the quote.
    pub text: &'a str,
    /// The attachments.
    pub attachments: &'a [Attached],
    /// When it is written, in Unix seconds.
    pub date: i64,
}

/// `Re: <subject>`, without piling up `Re:`s.
pub fn subject(original: Option<&str>) -> String {
    let original = original.map(str::trim).unwrap_or_default();
    let already = original
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("re:"));
    if already {
        original.to_owned()
    } else if original.is_empty() {
        "Re:".to_owned()
    } else {
        format!("Re: {original}")
    }
}

/// The draft's starting text: room to write, then `intro` and the original quoted line by line
/// (`> `), as mail programs do.
pub fn quoted(intro: &str, original: &str) -> String {
    let mut out = String::with_capacity(original.len() + original.len() / 16 + intro.len() + 8);
    out.push_str("\n\n");
    out.push_str(intro);
    out.push('\n');
    let original = original.trim_end_matches(['\r', '\n']);
    for line in original.lines() {
        out.push('>');
        if !line.is_empty() && !line.starts_with('>') {
            out.push(' ');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The reply as a MIME message (CRLF line ends). The `Message-ID` is random, in the replier's
/// domain.
pub fn compose(draft: &Draft<'_>) -> Vec<u8> {
    let domain = draft.from.1.rsplit_once('@').map_or("invalid", |(_, d)| d);
    let mut random = [0u8; 18];
    let _ = getrandom::fill(&mut random);
    let message_id = format!("{}@{domain}", URL_SAFE_NO_PAD.encode(random));
    let from: Address<'_> = match draft.from.0 {
        Some(name) if !name.trim().is_empty() => (name, draft.from.1).into(),
        _ => draft.from.1.into(),
    };
    let mut builder = MessageBuilder::new()
        .from(from)
        .to(draft.to)
        .subject(subject(draft.subject))
        .date(draft.date)
        .message_id(message_id)
        .text_body(draft.text);
    if let Some(parent) = draft.in_reply_to {
        // RFC 5322 §3.6.4: References is the parent's References followed by its Message-ID.
        let mut references: Vec<&str> = draft.references.iter().map(String::as_str).collect();
        references.push(parent);
        builder = builder.in_reply_to(parent).references(references);
    }
    for a in draft.attachments {
        builder = builder.attachment(a.content_type.as_str(), a.name.as_str(), &a.bytes[..]);
    }
    builder.write_to_vec().unwrap_or_default()
}

/// About how long the sealed reply of a draft with `text_len` bytes of text and these
/// attachments will be (base64 with line breaks, headers, the container): for the size meter.
/// The exact size is checked once the reply is sealed.
pub fn estimated_len(text_len: usize, attachments: &[Attached]) -> u64 {
    const HEADERS: u64 = 1024;
    const PER_PART: u64 = 256;
    const CONTAINER: u64 = 512;
    let base64 = |n: u64| n.div_ceil(3) * 4 * 78 / 76;
    let mime = HEADERS
        + text_len as u64 * 104 / 100
        + attachments
            .iter()
            .map(|a| PER_PART + a.name.len() as u64 + base64(a.bytes.len() as u64))
            .sum::<u64>();
    let chunks = mime / CHUNK_SIZE as u64 + 1;
    CONTAINER + PREFIX_LEN as u64 + mime + chunks * TAG_LEN as u64
}

/// Why a reply could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealFailure {
    /// The envelope names no reply key, or the replier is not its recipient (the envelope
    /// crate's reason).
    Refused(String),
    /// The browser's AES-GCM failed (an unusual policy or lack of memory).
    Crypto,
    /// The reply sealer module could not be loaded (no connection, or a file that failed its
    /// integrity check; see [`crate::sealer`]).
    Unavailable,
}

/// A sealed reply, as the browser holds it: the request body for the key server, never copied
/// back into the viewer's memory.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The sealed reply.
    pub blob: Blob,
    /// Its length in bytes.
    pub len: u64,
}

impl Sealed {
    /// The sealed reply's bytes (for tests and checks; sending uses the blob itself).
    pub async fn bytes(&self) -> Vec<u8> {
        match JsFuture::from(self.blob.array_buffer()).await {
            Ok(buffer) => Uint8Array::new(&buffer).to_vec(),
            Err(_) => Vec::new(),
        }
    }
}

/// Seals `mime` as a reply from `from` to the message of `original`, at `created` (Unix
/// seconds), reporting progress.
pub async fn seal(
    original: &Header,
    from: &str,
    created: u64,
    mime: &[u8],
    engine: &Engine,
    report: &mut dyn FnMut(Progress),
) -> Result<Sealed, SealFailure> {
    performance("mark", &Array::of1(&MEASURE_START.into()));
    let prepared = prepare_reply(original, from, created, mime.len() as u64)
        .map_err(|e| SealFailure::Refused(e.to_string()))?;
    let len = prepared.sealed_len();
    let total = mime.len() as u64;
    let mut reported = u64::MAX;
    // Progress in steps of 5 %: each step redraws the form's progress bar.
    let mut chunk_done = |done: u64| {
        let percent = (done * 20).checked_div(total).unwrap_or(20);
        if percent != reported {
            reported = percent;
            report(Progress { done, total });
        }
    };
    // No pause before the first chunk: the form already shows that sealing started, and all of
    // it takes a fraction of a second with WebCrypto (the portable engine pauses every 1 MiB).
    chunk_done(0);
    let web_crypto = match engine {
        Engine::WebCrypto(subtle) => {
            decrypt::import_key(subtle, prepared.key.aead_key(), "encrypt")
                .await
                .ok()
                .map(|k| (subtle, k))
        }
        Engine::Portable => None,
    };
    let parts = match web_crypto {
        Some((subtle, key)) => with_web_crypto(subtle, &key, prepared, mime, &mut chunk_done).await,
        None => Ok(Array::of1(
            &Uint8Array::from(&with_aes_gcm(prepared, mime, &mut chunk_done).await[..]).into(),
        )),
    }?;
    performance(
        "measure",
        &Array::of2(&MEASURE.into(), &MEASURE_START.into()),
    );
    // The parts become the request body (one copy, by the browser).
    performance("mark", &Array::of1(&BODY_START.into()));
    let options = BlobPropertyBag::new();
    options.set_type(crate::api::REPLY_MEDIA_TYPE);
    let blob = Blob::new_with_buffer_source_sequence_and_options(&parts, &options)
        .map_err(|_| SealFailure::Crypto)?;
    if blob.size() as u64 != len {
        return Err(SealFailure::Crypto);
    }
    performance(
        "measure",
        &Array::of2(&BODY_MEASURE.into(), &BODY_START.into()),
    );
    Ok(Sealed { blob, len })
}

async fn with_aes_gcm(
    prepared: PreparedReply,
    mime: &[u8],
    chunk_done: &mut dyn FnMut(u64),
) -> Vec<u8> {
    let payload_at = prepared.payload_at();
    let sealed_len = prepared.sealed_len() as usize;
    let PreparedReply { mut out, key, plan } = prepared;
    out.reserve_exact(sealed_len - out.len());
    for chunk in plan.chunks() {
        debug_assert_eq!(out.len(), payload_at + chunk.range.start);
        key.seal_chunk_onto(chunk.index, &mime[chunk.plaintext.clone()], &mut out);
        chunk_done(chunk.plaintext.end as u64);
        if (chunk.index + 1) % PORTABLE_BATCH == 0 {
            next_task().await;
        }
    }
    out
}

/// Encrypts every chunk with WebCrypto; the parts of the sealed reply in order: the container up
/// to the first chunk, then each chunk's ciphertext and tag as WebCrypto returned it.
async fn with_web_crypto(
    subtle: &SubtleCrypto,
    crypto_key: &CryptoKey,
    prepared: PreparedReply,
    mime: &[u8],
    chunk_done: &mut dyn FnMut(u64),
) -> Result<Array, SealFailure> {
    let PreparedReply { out, key, plan } = prepared;
    let mut parts = Array::of1(&Uint8Array::from(&out[..]).into());
    // One parameter object for every chunk: WebCrypto copies the nonce when it is called, so
    // the same array is refilled for the next chunk.
    let nonce = Uint8Array::new_with_length(12);
    let params = AesGcmParams::new("AES-GCM", &nonce);
    // Hands a window of chunks to WebCrypto (which copies each input at once) and returns one
    // future for all their ciphertexts, in order.
    let hand_over = |window: &[ChunkRef]| -> Result<JsFuture, SealFailure> {
        let promises = Array::new();
        for chunk in window {
            nonce.copy_from(&key.nonce(chunk.index));
            let promise = subtle
                .encrypt_with_object_and_u8_array(
                    &params,
                    crypto_key,
                    &mime[chunk.plaintext.clone()],
                )
                .map_err(|_| SealFailure::Crypto)?;
            promises.push(&promise);
        }
        Ok(JsFuture::from(Promise::all(&promises)))
    };
    let chunks: Vec<_> = plan.chunks().collect();
    let mut windows = chunks.chunks(WINDOW);
    let mut next = match windows.next() {
        Some(window) => Some((window, hand_over(window)?)),
        None => None,
    };
    while let Some((window, pending)) = next.take() {
        // The next window is handed over before this one is awaited, so WebCrypto always has
        // work.
        next = match windows.next() {
            Some(window) => Some((window, hand_over(window)?)),
            None => None,
        };
        let sealed: Array = pending
            .await
            .map_err(|_| SealFailure::Crypto)?
            .dyn_into()
            .map_err(|_| SealFailure::Crypto)?;
        if sealed.length() as usize != window.len() {
            return Err(SealFailure::Crypto);
        }
        // Each chunk's ciphertext and tag, as WebCrypto returned it (the sealed reply's length
        // is checked as a whole once the blob is made).
        parts = parts.concat(&sealed);
        if let Some(last) = window.last() {
            chunk_done(last.plaintext.end as u64);
        }
    }
    Ok(parts)
}

/// Wipes a reply's plaintext (the MIME message) once it is no longer needed.
pub fn wipe(mut mime: Vec<u8>) {
    mime.zeroize();
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_subject_gets_one_re() {
        assert_eq!(subject(Some("Contract")), "Re: Contract");
        assert_eq!(subject(Some("RE: Contract")), "RE: Contract");
        assert_eq!(subject(Some("  re: x ")), "re: x");
        assert_eq!(subject(None), "Re:");
        assert_eq!(subject(Some("Réunion")), "Re: Réunion");
    }

    #[test]
    fn the_original_is_quoted_below_room_to_write() {
        assert_eq!(
            quoted("On 1 May, Ann wrote:", "Hello\n\n> earlier\nBye\n\n"),
            "\n\nOn 1 May, Ann wrote:\n> Hello\n>\n>> earlier\n> Bye\n"
        );
    }

    #[test]
    fn the_estimate_is_close_to_the_real_size_and_never_far_below() {
        let attachments = vec![Attached {
            id: 1,
            name: "figures.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: Rc::new((0..300_000u32).map(|i| (i * 7) as u8).collect()),
        }];
        let text = "Thanks, see the figures.\n".repeat(40);
        let mime = compose(&Draft {
            from: (Some("Bob Jensen"), "bob@example.net"),
            to: "replies@example.com",
            subject: Some("Figures"),
            in_reply_to: Some("abc@example.com"),
            references: &[],
            text: &text,
            attachments: &attachments,
            date: 1_780_000_000,
        });
        let chunks = mime.len() as u64 / CHUNK_SIZE as u64 + 1;
        let real = 300 + PREFIX_LEN as u64 + mime.len() as u64 + chunks * TAG_LEN as u64;
        let estimate = estimated_len(text.len(), &attachments);
        assert!(estimate >= real, "{estimate} < {real}");
        assert!(estimate < real + real / 50, "{estimate} ≫ {real}");
    }
}

//! Decrypts the payload chunk by chunk, with the browser's WebCrypto AES-GCM when it is there and
//! the `aes-gcm` crate (through the envelope crate) otherwise.
//!
//! The envelope crate keeps everything but the bulk AES-GCM: the commitment check
//! ([`Envelope::payload_key`]), the chunk layout and its final-chunk rule ([`ChunkPlan`]) and the
//! per-chunk nonces. Nothing is returned unless every chunk, the final one included,
//! authenticated; on failure the partial plaintext is wiped.
//!
//! The plaintext is written over the envelope it comes from, so a message is held once, not
//! twice: chunk `i`'s plaintext lands at `i × 16 KiB`, which is before the ciphertext of chunk
//! `i + 1`, and a chunk's ciphertext is always read (or handed to WebCrypto, which copies it)
//! before its plaintext is written.
//!
//! WebCrypto gets the chunks in windows of [`WINDOW`], two in flight, through the boot script's
//! `waxseal.decryptWindow` and `waxseal.placePlaintexts` (js/boot.js): everything is decided here
//! (key, nonces, where each ciphertext and plaintext lies in this module's memory) and handed over
//! with each window, so that a window costs two calls between WebAssembly and JavaScript, not a
//! dozen per chunk (in WebKit and Firefox those calls were a large share of the time). A page
//! without the boot script decrypts with the portable engine.
//!
//! Both engines await between windows or batches, so the page stays responsive and the progress
//! bar moves. The progress screen itself shows only once a decryption has run for
//! [`SHOW_PROGRESS_AFTER_MS`] ([`ProgressScreen`]).
//! Each decryption is timed in the page's performance timeline as [`MEASURE`] (a start mark and
//! a measure, nothing of the message), which the viewer's benchmarks read.

use std::ops::Range;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, Uint32Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_envelope::cobblestone::{ChunkPlan, ChunkRef, Damaged, NONCE_LEN, PayloadKey};
use waxseal_envelope::{Envelope, ServerShare};
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroize;

/// The name of the `performance.measure` entry that times a decryption that succeeded, from the
/// share to the last chunk.
pub const MEASURE: &str = "waxseal-decrypt";
const MEASURE_START: &str = "waxseal-decrypt-start";

/// How many chunks are handed to WebCrypto together (two such windows are in flight at a time).
const WINDOW: usize = 32;
/// How many chunks the portable engine decrypts between two pauses (1 MiB).
const PORTABLE_BATCH: u64 = 64;

/// Which AES-GCM implementation decrypts the chunks.
#[derive(Debug, Clone)]
pub enum Engine {
    /// The browser's `crypto.subtle` (only in secure contexts: https, localhost, files).
    WebCrypto(SubtleCrypto),
    /// The `aes-gcm` crate compiled into the viewer.
    Portable,
}

impl Engine {
    /// WebCrypto when the page can use it, else the portable engine.
    pub fn best() -> Engine {
        Self::web_crypto().unwrap_or(Engine::Portable)
    }

    /// WebCrypto, if this page has it.
    pub fn web_crypto() -> Option<Engine> {
        let crypto = web_sys::window()?.crypto().ok()?;
        // `crypto.subtle` is undefined outside secure contexts.
        let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
        if subtle.is_undefined() || subtle.is_null() {
            return None;
        }
        Some(Engine::WebCrypto(subtle.unchecked_into()))
    }
}

/// How far decryption is, in plaintext bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes decrypted and authenticated so far.
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
}

impl Progress {
    /// The fraction done, between 0 and 1.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

/// The least time between two reports of progress, in milliseconds. Each report redraws the
/// progress screen, and a device that draws slowly spends that time drawing instead of
/// decrypting: WebKitGTK painting in software (no GPU) decrypted at half the speed with a report
/// at every percent (docs/viewer-benchmarks.md). Ten a second still move the bar smoothly.
const REPORT_EVERY_MS: f64 = 100.0;

/// How long a decryption runs before the progress screen replaces the screen it was started
/// from (whose button says the viewer is checking). Most messages take less: WebCrypto decrypts
/// 64 MiB in about a tenth of a second, and a progress screen shown for that long is only a
/// flash. Drawing it also takes time from the decryption on a device that draws slowly (WebKitGTK
/// painting in software decrypted 48 MiB in 80-110 ms with the screen drawn, 65-78 ms without:
/// docs/viewer-benchmarks.md). On a slow device or with the portable engine, where a large
/// message takes seconds, the bar shows after this and moves as before.
pub const SHOW_PROGRESS_AFTER_MS: f64 = 300.0;

/// When the progress screen is shown: at the first report of progress that comes
/// [`SHOW_PROGRESS_AFTER_MS`] or more after the first (the start), and from then on.
#[derive(Debug, Default)]
pub struct ProgressScreen {
    started_at: Option<f64>,
    shown: bool,
}

impl ProgressScreen {
    /// A report of progress at `now` (milliseconds on [`page_clock`]): true exactly once, when
    /// the screen is to be shown.
    pub fn due(&mut self, now: f64) -> bool {
        let started_at = *self.started_at.get_or_insert(now);
        if self.shown || now - started_at < SHOW_PROGRESS_AFTER_MS {
            return false;
        }
        self.shown = true;
        true
    }

    /// Whether the screen is shown.
    pub fn shown(&self) -> bool {
        self.shown
    }
}

/// Reports progress at the start, then whenever another whole percent is done and
/// [`REPORT_EVERY_MS`] have passed since the last report, and at the end.
struct Reporter<'a> {
    total: u64,
    last_percent: u64,
    last_at: Option<f64>,
    /// Milliseconds on a clock that does not go back (the page's `performance.now()`).
    clock: &'a dyn Fn() -> f64,
    report: &'a mut dyn FnMut(Progress),
}

impl Reporter<'_> {
    fn chunk_done(&mut self, done: u64) {
        let percent = (done * 100).checked_div(self.total).unwrap_or(100);
        let now = (self.clock)();
        let due = self.last_at.is_none_or(|at| now - at >= REPORT_EVERY_MS);
        if done == self.total || (percent != self.last_percent && due) {
            self.last_percent = percent;
            self.last_at = Some(now);
            (self.report)(Progress {
                done,
                total: self.total,
            });
        }
    }
}

/// The page's `performance.now()`, or the wall clock where a page has no performance timeline.
pub fn page_clock() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Decrypts the whole envelope with the server share, writing the plaintext over the envelope's
/// bytes. Returns the plaintext only when every chunk authenticated; any failure (wrong share,
/// altered header or payload) is [`Damaged`], and what was decrypted is wiped.
pub async fn decrypt(
    envelope: Vec<u8>,
    share: &ServerShare,
    engine: &Engine,
    report: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, Damaged> {
    performance("mark", &Array::of1(&MEASURE_START.into()));
    let mut buf = envelope;
    let (key, plan, payload_at) = {
        let envelope = Envelope::parse(&buf).map_err(|_| Damaged)?;
        let (key, plan) = envelope.payload_key(share).map_err(|_| Damaged)?;
        (key, plan, envelope.context().len())
    };
    let total = plan.plaintext_len();
    let total_len = usize::try_from(total).map_err(|_| Damaged)?;
    let mut reporter = Reporter {
        total,
        last_percent: u64::MAX,
        last_at: None,
        clock: &page_clock,
        report,
    };
    reporter.chunk_done(0);
    // A browser that refuses to import the key (an unusual policy) still opens the message,
    // with the portable engine; so does a page without the boot script's half of the loop.
    let web_crypto = match engine {
        Engine::WebCrypto(subtle) if page_has_window_decryption() => {
            import_key(subtle, key.aead_key(), "decrypt")
                .await
                .ok()
                .map(|k| (subtle, k))
        }
        Engine::WebCrypto(_) | Engine::Portable => None,
    };
    let result = match web_crypto {
        Some((subtle, crypto_key)) => {
            with_web_crypto(
                subtle,
                &crypto_key,
                &key,
                &plan,
                payload_at,
                &mut buf,
                &mut reporter,
            )
            .await
        }
        None => with_aes_gcm(&key, &plan, payload_at, &mut buf, &mut reporter).await,
    };
    match result {
        Ok(()) => {
            buf.truncate(total_len);
            performance(
                "measure",
                &Array::of2(&MEASURE.into(), &MEASURE_START.into()),
            );
            Ok(buf)
        }
        Err(Damaged) => {
            buf.zeroize();
            Err(Damaged)
        }
    }
}

/// Where chunk `chunk`'s ciphertext lies in an envelope whose payload starts at `payload_at`.
fn ciphertext_of(chunk: &ChunkRef, payload_at: usize) -> Range<usize> {
    payload_at + chunk.range.start..payload_at + chunk.range.end
}

async fn with_aes_gcm(
    key: &PayloadKey,
    plan: &ChunkPlan,
    payload_at: usize,
    buf: &mut [u8],
    reporter: &mut Reporter<'_>,
) -> Result<(), Damaged> {
    for chunk in plan.chunks() {
        let sealed = ciphertext_of(&chunk, payload_at);
        let start = sealed.start;
        let len = key.open_chunk(chunk.index, &mut buf[sealed])?.len();
        if len != chunk.plaintext.len() {
            return Err(Damaged);
        }
        buf.copy_within(start..start + len, chunk.plaintext.start);
        reporter.chunk_done(chunk.plaintext.end as u64);
        if (chunk.index + 1) % PORTABLE_BATCH == 0 {
            next_task().await;
        }
    }
    Ok(())
}

#[wasm_bindgen]
extern "C" {
    /// `waxseal.decryptWindow` (js/boot.js): hands the chunks of a window (its layout and
    /// nonces) to WebCrypto.
    #[wasm_bindgen(catch, js_namespace = waxseal, js_name = decryptWindow)]
    fn decrypt_window(
        subtle: &SubtleCrypto,
        key: &CryptoKey,
        memory: &JsValue,
        layout: &Uint32Array,
        nonces: &Uint8Array,
    ) -> Result<Promise, JsValue>;

    /// `waxseal.placePlaintexts` (js/boot.js): copies a window's plaintexts into place and wipes
    /// the copies; false if one has the wrong length.
    #[wasm_bindgen(catch, js_namespace = waxseal, js_name = placePlaintexts)]
    fn place_plaintexts(
        memory: &JsValue,
        layout: &Uint32Array,
        plaintexts: &JsValue,
    ) -> Result<bool, JsValue>;
}

/// Whether the page has the boot script's half of the WebCrypto decryption (every page of the
/// viewer does; a page without it decrypts with the portable engine).
fn page_has_window_decryption() -> bool {
    let waxseal = Reflect::get(&js_sys::global(), &"waxseal".into()).unwrap_or_default();
    waxseal.is_object()
        && ["decryptWindow", "placePlaintexts"]
            .iter()
            .all(|name| Reflect::get(&waxseal, &(*name).into()).is_ok_and(|f| f.is_function()))
}

/// A window of chunks handed to WebCrypto.
struct Window {
    /// The chunk after its last.
    end: u64,
    /// Its chunks' layout, as handed over (where each plaintext goes).
    layout: Uint32Array,
    /// How many chunks it holds.
    len: u32,
    /// Where its last plaintext ends: the progress once it is in place.
    plaintext_end: u64,
    /// All its plaintexts, in order.
    plaintexts: JsFuture,
}

/// Decrypts every chunk with WebCrypto, [`WINDOW`] chunks per call into js/boot.js and two
/// windows in flight. A window's layout (where each ciphertext lies in this module's memory and
/// where its plaintext goes) and nonces are computed here as it is handed over, while WebCrypto
/// works on the window before: computed for every chunk up front, they held back the first
/// window by 2-7 ms of a 64 MiB message in WebKit, whose WebAssembly starts in an interpreter.
async fn with_web_crypto(
    subtle: &SubtleCrypto,
    crypto_key: &CryptoKey,
    key: &PayloadKey,
    plan: &ChunkPlan,
    payload_at: usize,
    buf: &mut [u8],
    reporter: &mut Reporter<'_>,
) -> Result<(), Damaged> {
    let count = plan.chunk_count();
    // JavaScript writes the plaintexts through this address while `buf` is borrowed here; the
    // vector is never moved meanwhile, so the address stays valid when the memory grows.
    let (base, buf_len) = (buf.as_mut_ptr() as usize, buf.len());
    let memory = wasm_bindgen::memory();
    let mut layout = Vec::with_capacity(WINDOW * 4);
    let mut nonces = Vec::with_capacity(WINDOW * NONCE_LEN);
    // Hands the window from chunk `first` over (WebCrypto copies its ciphertexts at once). A
    // rejection of its future (or an exception) is a chunk that did not authenticate.
    let mut hand_over = |first: u64| -> Result<Window, Damaged> {
        let end = (first + WINDOW as u64).min(count);
        layout.clear();
        nonces.clear();
        let mut plaintext_end = 0;
        for index in first..end {
            let chunk = plan.chunk(index).ok_or(Damaged)?;
            let sealed = ciphertext_of(&chunk, payload_at);
            if sealed.end > buf_len || chunk.plaintext.end > buf_len {
                return Err(Damaged);
            }
            for n in [
                base + sealed.start,
                sealed.len(),
                base + chunk.plaintext.start,
                chunk.plaintext.len(),
            ] {
                layout.push(u32::try_from(n).map_err(|_| Damaged)?);
            }
            nonces.extend_from_slice(&key.nonce(index));
            plaintext_end = chunk.plaintext.end as u64;
        }
        let len = (end - first) as u32;
        let layout = Uint32Array::from(&layout[..]);
        let promise = decrypt_window(
            subtle,
            crypto_key,
            &memory,
            &layout,
            &Uint8Array::from(&nonces[..]),
        )
        .map_err(|_| Damaged)?;
        Ok(Window {
            end,
            layout,
            len,
            plaintext_end,
            plaintexts: JsFuture::from(promise),
        })
    };
    let mut next = if count == 0 {
        None
    } else {
        Some(hand_over(0)?)
    };
    while let Some(window) = next.take() {
        // The next window is handed over before this one is awaited, so WebCrypto always has
        // work. Its ciphertext is copied now, before any plaintext of this window is written.
        next = if window.end < count {
            Some(hand_over(window.end)?)
        } else {
            None
        };
        let plaintexts = window.plaintexts.await.map_err(|_| Damaged)?;
        let whole = plaintexts
            .dyn_ref::<Array>()
            .is_some_and(|p| p.length() == window.len);
        if !whole || place_plaintexts(&memory, &window.layout, &plaintexts) != Ok(true) {
            return Err(Damaged);
        }
        reporter.chunk_done(window.plaintext_end);
    }
    Ok(())
}

/// Calls `performance[method](...args)` when the page has a performance timeline.
pub fn performance(method: &str, args: &Array) {
    let Ok(timeline) = Reflect::get(&js_sys::global(), &"performance".into()) else {
        return;
    };
    if let Ok(f) = Reflect::get(&timeline, &method.into())
        && let Ok(f) = f.dyn_into::<Function>()
    {
        let _ = f.apply(&timeline, args);
    }
}

/// Imports the raw AES-256 key for one use (`"decrypt"` or `"encrypt"`) only, not extractable.
/// The copy of the key bytes handed to WebCrypto is overwritten once imported.
pub async fn import_key(
    subtle: &SubtleCrypto,
    raw: &[u8; 32],
    usage: &str,
) -> Result<CryptoKey, Damaged> {
    let bytes = Uint8Array::from(&raw[..]);
    let algorithm = Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).map_err(|_| Damaged)?;
    let usages = Array::of1(&JsValue::from_str(usage));
    let imported = subtle
        .import_key_with_object("raw", &bytes, &algorithm, false, &usages)
        .map(JsFuture::from);
    let result = match imported {
        Ok(future) => future.await,
        Err(e) => Err(e),
    };
    bytes.fill(0, 0, bytes.length());
    result
        .map_err(|_| Damaged)?
        .dyn_into::<CryptoKey>()
        .map_err(|_| Damaged)
}

/// Resolves in a later task (a zero-delay timer), so that the browser can paint and handle
/// input in between.
pub async fn next_task() {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(&resolve);
        } else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// What a reporter reports when chunks finish at the given (milliseconds, bytes done).
    fn reports(total: u64, steps: &[(f64, u64)]) -> Vec<(f64, u64)> {
        let now = Cell::new(0.0);
        let clock = || now.get();
        let mut seen = Vec::new();
        {
            let mut record = |p: Progress| seen.push((now.get(), p.done));
            let mut reporter = Reporter {
                total,
                last_percent: u64::MAX,
                last_at: None,
                clock: &clock,
                report: &mut record,
            };
            for &(at, done) in steps {
                now.set(at);
                reporter.chunk_done(done);
            }
        }
        seen
    }

    #[test]
    fn progress_is_reported_at_the_start_at_most_every_100_ms_and_at_the_end() {
        let steps: Vec<(f64, u64)> = (0..=100)
            .map(|i| (f64::from(i as u32) * 7.0, i * 10))
            .collect();
        assert_eq!(
            reports(1000, &steps),
            vec![
                (0.0, 0),
                (105.0, 150),
                (210.0, 300),
                (315.0, 450),
                (420.0, 600),
                (525.0, 750),
                (630.0, 900),
                (700.0, 1000)
            ]
        );
    }

    #[test]
    fn a_report_needs_another_whole_percent_as_well_as_the_time() {
        // 0.5 % done after 200 ms is no news; 1 % is.
        assert_eq!(
            reports(1000, &[(0.0, 0), (200.0, 5), (300.0, 10), (301.0, 1000)]),
            vec![(0.0, 0), (300.0, 10), (301.0, 1000)]
        );
    }

    #[test]
    fn the_progress_screen_shows_once_a_decryption_has_run_for_300_ms() {
        let mut screen = ProgressScreen::default();
        // The start, then reports 100 ms apart: shown at the first at 300 ms or more, once.
        let due: Vec<bool> = [
            1_000.0, 1_100.0, 1_200.0, 1_299.9, 1_300.0, 1_400.0, 1_900.0,
        ]
        .into_iter()
        .map(|now| screen.due(now))
        .collect();
        assert_eq!(due, [false, false, false, false, true, false, false]);
        assert!(screen.shown());
    }

    #[test]
    fn a_decryption_done_within_300_ms_shows_no_progress_screen() {
        let mut screen = ProgressScreen::default();
        assert!(!screen.due(50.0));
        assert!(!screen.due(349.0));
        assert!(!screen.shown());
    }

    #[test]
    fn an_empty_payload_reports_its_end() {
        assert_eq!(reports(0, &[(0.0, 0)]), vec![(0.0, 0)]);
    }
}

//! The viewer's texts: the language shown, chosen from the browser's preferences, and its
//! strings, loaded from that one language's `viewer.ftl`.
//!
//! The texts are the Fluent files of `crates/l10n/locales/<tag>/viewer.ftl`, copied next to the
//! viewer's own files (see `index.html`), each also under a name with its digest
//! (`viewer-<16 hex digits>.ftl`, by `scripts/post-build.mjs`). Only the language shown is
//! fetched, from the viewer's own origin, and used only if its SHA-256 is the one the viewer was
//! built with ([`waxseal_l10n::viewer_digest`]), as the browser checks the viewer's other files.
//! `js/boot.js` starts that fetch while the `.wasm` downloads ([`load`] takes its answer only
//! for the language chosen and only if it matches). The screen is drawn once the language is
//! loaded, so it never shows in another language first.
//! [`Strings`] has a field for each text without values and a method for each with values, so
//! a text the code uses and the English file lacks is a compile error.

use std::cell::RefCell;

use sha2::{Digest, Sha256};
pub use waxseal_l10n::Lang;
pub use waxseal_l10n::viewer::Strings;
use web_sys::RequestCache;

use crate::api::{fetch_text, request_init};
use crate::config::viewer_file_for;

thread_local! {
    /// The languages loaded so far (each at most once), the first one loaded first.
    static LOADED: RefCell<Vec<&'static Strings>> = const { RefCell::new(Vec::new()) };
}

/// The strings of a language, once loaded (see [`load`]).
pub trait Speak {
    /// The strings of this language, or of the first language loaded if this one is not (the
    /// viewer switches language only after loading it, so that does not happen).
    fn strings(self) -> &'static Strings;
}

impl Speak for Lang {
    fn strings(self) -> &'static Strings {
        loaded(self)
            .or_else(|| LOADED.with_borrow(|l| l.first().copied()))
            .expect("the viewer is drawn only after a language is loaded")
    }
}

/// The strings of `lang` if it was loaded.
fn loaded(lang: Lang) -> Option<&'static Strings> {
    LOADED.with_borrow(|l| l.iter().find(|s| s.lang() == lang).copied())
}

/// The language loaded first: the one the viewer starts in.
pub fn first_loaded() -> Option<Lang> {
    LOADED.with_borrow(|loaded| loaded.first().map(|s| s.lang()))
}

/// Why a language could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be fetched (`None`: no answer).
    Unavailable(Option<u16>),
    /// The file is not the one the viewer was built with.
    Integrity,
    /// The file does not parse or lacks a text (only a broken build can cause this).
    Invalid(String),
}

impl LoadError {
    /// Says in the browser's console which file of `lang` could not be used, and why.
    pub fn log(&self, lang: Lang) {
        web_sys::console::error_1(&format!("locales/{}/viewer.ftl {self}", lang.tag()).into());
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Unavailable(Some(status)) => write!(f, "answered {status}"),
            LoadError::Unavailable(None) => f.write_str("could not be fetched"),
            LoadError::Integrity => f.write_str("does not match its SHA-256 (integrity)"),
            LoadError::Invalid(e) => write!(f, "is not valid: {e}"),
        }
    }
}

/// The strings of `lang` from the text of its `viewer.ftl`, kept for the rest of the viewer's
/// life (the tests give the English file directly).
pub fn load_source(lang: Lang, source: String) -> Result<&'static Strings, LoadError> {
    if let Some(s) = loaded(lang) {
        return Ok(s);
    }
    let strings = Strings::parse(lang, source, crate::format::INTL).map_err(LoadError::Invalid)?;
    let strings: &'static Strings = Box::leak(Box::new(strings));
    LOADED.with_borrow_mut(|l| l.push(strings));
    Ok(strings)
}

/// The text `js/boot.js` fetched for `lang` while the viewer downloaded (`waxseal.language`),
/// if it guessed this language and got an answer; taken once.
async fn head_start(lang: Lang) -> Option<String> {
    let global = js_sys::global();
    let waxseal = js_sys::Reflect::get(&global, &"waxseal".into()).ok()?;
    let language = js_sys::Reflect::get(&waxseal, &"language".into()).ok()?;
    let tag = js_sys::Reflect::get(&language, &"tag".into())
        .ok()?
        .as_string()?;
    if tag != lang.tag() || HEAD_START_TAKEN.replace(true) {
        return None;
    }
    let text = js_sys::Reflect::get(&language, &"text".into()).ok()?;
    let text = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&text)).await;
    text.ok()?.as_string()
}

thread_local! {
    /// Whether the head start was used (a later load of the same language fetches anew).
    static HEAD_START_TAKEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The SHA-256 of a text, lower-case hex.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fetches, checks and loads `lang` (at once if it was loaded before).
pub async fn load(lang: Lang) -> Result<&'static Strings, LoadError> {
    if let Some(s) = loaded(lang) {
        return Ok(s);
    }
    let digest = waxseal_l10n::viewer_digest(lang);
    // The head start, if it is this build's file (an earlier build's message.html gets the
    // current file there, which does not match: then the build's own copy is fetched).
    if let Some(text) = head_start(lang).await
        && sha256_hex(&text) == digest
    {
        return load_source(lang, text);
    }
    // The build's copy named by its digest (scripts/post-build.mjs): a message.html sealed
    // against an earlier build fetches that build's texts, and no cache holds a stale one.
    let name = format!("locales/{}/viewer-{}.ftl", lang.tag(), &digest[..16]);
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(LoadError::Unavailable(None))?;
    let url = viewer_file_for(&document, &name).ok_or(LoadError::Unavailable(None))?;
    let init = request_init("GET");
    init.set_cache(RequestCache::Default);
    let text = match fetch_text(&url, &init).await {
        Some((200, text)) => text,
        Some((status, _)) => return Err(LoadError::Unavailable(Some(status))),
        None => return Err(LoadError::Unavailable(None)),
    };
    if sha256_hex(&text) != digest {
        return Err(LoadError::Integrity);
    }
    load_source(lang, text)
}

/// One titled section of the privacy statement.
#[derive(Debug)]
pub struct Section {
    /// The heading.
    pub heading: &'static str,
    /// The text.
    pub text: &'static str,
}

/// The privacy statement's sections, in order.
pub fn privacy(t: &Strings) -> [Section; 10] {
    let s = |heading, text| Section { heading, text };
    [
        s(t.privacy_1_heading, t.privacy_1_text),
        s(t.privacy_2_heading, t.privacy_2_text),
        s(t.privacy_3_heading, t.privacy_3_text),
        s(t.privacy_4_heading, t.privacy_4_text),
        s(t.privacy_5_heading, t.privacy_5_text),
        s(t.privacy_6_heading, t.privacy_6_text),
        s(t.privacy_7_heading, t.privacy_7_text),
        s(t.privacy_8_heading, t.privacy_8_text),
        s(t.privacy_9_heading, t.privacy_9_text),
        s(t.privacy_10_heading, t.privacy_10_text),
    ]
}

/// The changes the privacy statement lists, newest first (made on [`PRIVACY_CHANGES`]).
pub fn privacy_changes(t: &Strings) -> [&'static str; 3] {
    [t.privacy_change_1, t.privacy_change_2, t.privacy_change_3]
}

/// When the privacy statement last changed (year, month, day).
pub const PRIVACY_UPDATED: (u32, u32, u32) = PRIVACY_CHANGES[0];

/// When each change listed in the statement's "Changes" was made, newest first.
pub const PRIVACY_CHANGES: [(u32, u32, u32); 3] = [(2026, 12, 1), (2026, 11, 30), (2026, 11, 21)];

/// Loads English, Danish, simplified Chinese and Arabic from the files themselves, for the unit
/// tests (which have no server to fetch them from); English is loaded first.
#[cfg(test)]
pub(crate) fn load_for_tests() -> &'static Strings {
    let en = load_source(
        Lang::En,
        include_str!("../crates/l10n/locales/en/viewer.ftl").into(),
    )
    .unwrap();
    for (lang, source) in [
        (
            Lang::Da,
            include_str!("../crates/l10n/locales/da/viewer.ftl"),
        ),
        (
            Lang::ZhHans,
            include_str!("../crates/l10n/locales/zh-Hans/viewer.ftl"),
        ),
    ] {
        load_source(lang, source.into()).unwrap();
    }
    en
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const EN: &str = include_str!("../crates/l10n/locales/en/viewer.ftl");
    const DA: &str = include_str!("../crates/l10n/locales/da/viewer.ftl");

    #[test]
    fn a_language_is_loaded_once_and_the_first_is_the_fallback() {
        let en = load_for_tests();
        assert_eq!(first_loaded(), Some(Lang::En));
        assert!(std::ptr::eq(load_source(Lang::En, EN.into()).unwrap(), en));
        assert!(
            std::ptr::eq(Lang::Fi.strings(), en),
            "not loaded: the first one"
        );
        let da = load_source(Lang::Da, DA.into()).unwrap();
        assert_eq!(Lang::Da.strings().lang(), Lang::Da);
        assert!(std::ptr::eq(Lang::Da.strings(), da));
        assert_eq!(
            en.wrong_code(4),
            "That passcode is not right. 4 tries left."
        );
        assert_eq!(privacy(en)[0].heading, "Your message stays in your browser");
    }

    #[test]
    fn a_broken_file_is_refused() {
        let err = load_source(Lang::Fi, "language = Kieli\n".into()).unwrap_err();
        assert_eq!(
            err,
            LoadError::Invalid("fi: message privacy-link is missing".into())
        );
    }

    #[test]
    fn the_digests_are_the_files() {
        assert_eq!(waxseal_l10n::viewer_digest(Lang::En), sha256_hex(EN));
    }
}

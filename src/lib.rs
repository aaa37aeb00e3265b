//! The waxseal viewer: a single-page app, compiled to WebAssembly, in which the recipient of an
//! encrypted message opens it. Decryption happens locally in the browser.
//!
//! `main.rs` only mounts [`App`]. The journey's decisions are plain modules, tested on their own:
//!
//! - [`source`]: the envelope from the page (`message.html`) or a dropped file;
//! - [`config`]: the viewer's `config.json` and its trusted key servers;
//! - [`api`]: the key server's recipient API;
//! - [`journey`]: the tab's key pair, passcode, verify, release and decryption in one session;
//! - [`sign_in`]: signing in with an account instead (OpenID Connect with PKCE, in a popup);
//! - [`handoff`]: a `message.html` hands its envelope to the viewer's own page to sign in there;
//! - [`decrypt`]: chunked decryption with WebCrypto or `aes-gcm`;
//! - [`outcome`]: problem → failure screen or note; [`passcode`]: what the person typed;
//! - [`mime`] and [`html`]: the decrypted message, and its HTML body made safe to show;
//! - [`reply`] and [`replying`]: a secure reply's MIME message, its sealing in the browser, and
//!   its steps in the journey; [`sealer`]: the module that builds and seals it, loaded on demand
//!   (`src/bin/waxseal-reply.rs`);
//! - [`i18n`] and [`format`]: English, Simplified Chinese and Danish, dates and sizes per locale.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod app;
pub mod components;
pub mod config;
pub mod decrypt;
pub mod download;
pub mod format;
pub mod handoff;
pub mod html;
pub mod i18n;
pub mod journey;
pub mod mime;
pub mod outcome;
pub mod passcode;
pub mod passkey;
pub mod reply;
pub mod replying;
pub mod sealer;
pub mod sign_in;
pub mod source;
pub mod usage;

pub use app::{App, Journey, Screen, Step, Ui, start};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

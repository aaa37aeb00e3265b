//! What the tools of a sending organisation share — the `waxseal` command line today, the mail
//! gateway as it learns to seal:
//!
//! - [`carrier`]: `message.html`, the page that carries an envelope: readable without
//!   JavaScript, in the recipients' language, loading the viewer from its own origin with
//!   Subresource Integrity under a strict Content-Security-Policy.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod carrier;

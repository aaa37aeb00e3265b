//! The waxseal viewer: a single-page app, compiled to WebAssembly, in which the recipient of an
//! encrypted message opens it. Decryption happens locally in the browser.
//!
//! `main.rs` only mounts [`App`]; everything the page shows lives in this crate so that it can be
//! tested in a browser with `wasm-bindgen-test`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use leptos::prelude::*;

/// The root component of the viewer.
///
/// The element marked `data-testid="viewer-ready"` is rendered by the WebAssembly module itself,
/// so its presence in the page proves that the viewer has started.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="page">
            <header class="brand">
                <span class="seal" aria-hidden="true"></span>
                <h1>"waxseal"</h1>
            </header>
            <section class="card" data-testid="viewer-ready" aria-labelledby="viewer-heading">
                <h2 id="viewer-heading">"This is the waxseal viewer."</h2>
                <p>
                    "Encrypted messages are opened here and decrypted locally, in your browser. "
                    "The message itself is never sent to a server."
                </p>
            </section>
        </main>
    }
}

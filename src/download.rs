//! Handing decrypted bytes back to the person: object URLs for download links, and saving a file
//! at a click. The bytes never leave the browser.
//!
//! Every object URL is typed [`DOWNLOAD_TYPE`], whatever the mail says the part is: a `blob:` URL
//! belongs to the viewer's origin, so an HTML or SVG attachment opened from its link ("open in
//! new tab", a middle click) would otherwise render the sender's markup — scripts included — as
//! a page of the viewer. As an octet stream the browser only ever saves it.

use js_sys::{Array, Uint8Array, WebAssembly};
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// The type of every object URL the viewer makes: inert bytes the browser saves, never renders.
pub const DOWNLOAD_TYPE: &str = "application/octet-stream";

/// A `Blob` of `bytes`, typed [`DOWNLOAD_TYPE`].
///
/// It is made from a view of the module's own memory, which its constructor copies at once, so
/// the bytes are not copied into a JavaScript array first (for a large attachment, that copy
/// would stay until the next garbage collection).
pub fn blob(bytes: &[u8]) -> Option<Blob> {
    let memory: WebAssembly::Memory = wasm_bindgen::memory().dyn_into().ok()?;
    // Nothing allocates between taking the memory's buffer and the copy, so the view stays valid.
    let view = Uint8Array::new_with_byte_offset_and_length(
        &memory.buffer(),
        bytes.as_ptr() as u32,
        bytes.len() as u32,
    );
    Blob::new_with_u8_array_sequence_and_options(&Array::of1(&view), &download_type()).ok()
}

fn download_type() -> BlobPropertyBag {
    let options = BlobPropertyBag::new();
    options.set_type(DOWNLOAD_TYPE);
    options
}

/// A `blob:` URL for `bytes`, typed [`DOWNLOAD_TYPE`]; revoke it with [`revoke`] when the link
/// goes away.
pub fn object_url(bytes: &[u8]) -> Option<String> {
    Url::create_object_url_with_blob(&blob(bytes)?).ok()
}

/// Forgets a URL made by [`object_url`].
pub fn revoke(url: &str) {
    let _ = Url::revoke_object_url(url);
}

/// Saves `bytes` as a file named `name` (the browser's download).
pub fn save(bytes: &[u8], name: &str) {
    if let Some(blob) = blob(bytes) {
        save_blob(&blob, name);
    }
}

/// Saves a `Blob` as a file named `name`, typed [`DOWNLOAD_TYPE`] whatever the blob's own type.
pub fn save_blob(blob: &Blob, name: &str) {
    let Ok(blob) = Blob::new_with_blob_sequence_and_options(&Array::of1(blob), &download_type())
    else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let document = leptos::prelude::document();
    if let Ok(a) = document.create_element("a") {
        let a: HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // The download has started reading the blob; the URL can go once it had time to.
    leptos::prelude::set_timeout(move || revoke(&url), std::time::Duration::from_secs(60));
}

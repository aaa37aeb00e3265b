//! Browser tests of the viewer: mount [`App`] into a real DOM in headless Chromium.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p waxseal-viewer`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::HtmlElement;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use waxseal_viewer::App;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh `<div>` appended to the test page's body.
fn host() -> HtmlElement {
    let host: HtmlElement = document()
        .create_element("div")
        .expect("create a div")
        .unchecked_into();
    document()
        .body()
        .expect("the test page has a body")
        .append_child(&host)
        .expect("append the div");
    host
}

fn text_of(parent: &HtmlElement, selector: &str) -> String {
    parent
        .query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn app_renders_the_viewer_introduction() {
    let host = host();
    let handle = leptos::mount::mount_to(host.clone(), App);

    assert_eq!(text_of(&host, "h1"), "waxseal");
    assert_eq!(
        text_of(&host, "[data-testid=viewer-ready] h2"),
        "This is the waxseal viewer."
    );
    assert_eq!(
        text_of(&host, "[data-testid=viewer-ready] p"),
        "Encrypted messages are opened here and decrypted locally, in your browser. \
         The message itself is never sent to a server."
    );

    // Dropping the handle unmounts the app again.
    drop(handle);
    assert!(
        host.query_selector("[data-testid=viewer-ready]")
            .expect("valid selector")
            .is_none(),
        "the viewer is still in the page after unmounting"
    );
    host.remove();
}

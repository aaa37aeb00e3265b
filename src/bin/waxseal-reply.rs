//! The reply sealer: the second WebAssembly module of the viewer, loaded only when a reply is
//! started (see `waxseal_viewer::sealer`). It builds the reply's MIME message and seals it.

use wasm_bindgen::prelude::*;

/// Builds and seals a reply: see `waxseal_viewer::sealer::serve`.
#[wasm_bindgen(js_name = sealReply)]
pub fn seal_reply(request: JsValue, progress: js_sys::Function) -> js_sys::Promise {
    waxseal_viewer::sealer::serve(request, progress)
}

fn main() {}

//! Entry point of the waxseal viewer: loads the language the browser prefers, then mounts
//! [`waxseal_viewer::App`] into the page body (see [`waxseal_viewer::start`]).

fn main() {
    // Panic messages in the console help while developing; release builds leave the hook (and
    // its formatting code) out to stay within the size budget.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(waxseal_viewer::start());
}

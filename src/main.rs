//! Entry point of the waxseal viewer: mounts [`waxseal_viewer::App`] into the page body.

fn main() {
    // Panic messages in the console help while developing; release builds leave the hook (and
    // its formatting code) out to stay within the size budget.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(waxseal_viewer::App);
}

//! Entry point of the waxseal viewer: mounts [`waxseal_viewer::App`] into the page body.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(waxseal_viewer::App);
}

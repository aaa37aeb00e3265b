//! The screens and their parts. They read the journey's signals and call its steps; what they
//! show is decided by the plain modules next to them.

pub mod compose;
pub mod failure;
pub mod message;
pub mod notice;
pub mod pick;
pub mod privacy;
pub mod progress;
pub mod prove;
pub mod shell;

use leptos::prelude::*;
use web_sys::FileList;

/// While the calling component is shown, a file dropped anywhere on the page goes to `dropped`
/// instead of the browser leaving the page to show the file; `over` says whether a file is being
/// dragged over the page.
pub fn catch_dropped_files(over: RwSignal<bool>, dropped: impl Fn(FileList) + 'static) {
    let handles = [
        window_event_listener(leptos::ev::dragover, move |ev| {
            ev.prevent_default();
            over.set(true);
        }),
        window_event_listener(leptos::ev::dragleave, move |_| over.set(false)),
        window_event_listener(leptos::ev::drop, move |ev| {
            ev.prevent_default();
            over.set(false);
            if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
                dropped(files);
            }
        }),
    ];
    on_cleanup(move || handles.into_iter().for_each(|h| h.remove()));
}

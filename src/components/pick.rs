//! The viewer's own page: open a `message.html` (or a raw envelope) by dropping it or picking it.
//! The file is read here; nothing is uploaded.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use waxseal_api::usage::Source;
use web_sys::File;

use crate::app::{Journey, use_ui};
use crate::components::catch_dropped_files;
use crate::source;

async fn read(file: File) -> Option<Vec<u8>> {
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

fn open_file(journey: Journey, file: File) {
    spawn_local(async move {
        match read(file).await {
            Some(bytes) => journey.load(source::envelope_in_file(&bytes), Source::File),
            None => journey.load(Err(waxseal_envelope::FormatError::NotWaxseal), Source::File),
        }
    });
}

/// The file picker and drop zone.
#[component]
pub fn PickFile() -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    let journey = expect_context::<Journey>();
    let input = NodeRef::<Input>::new();
    let over = RwSignal::new(false);

    // A file dropped anywhere on the page opens here, instead of the browser leaving the viewer
    // to show the file.
    catch_dropped_files(over, move |files| {
        if let Some(file) = files.get(0) {
            open_file(journey, file);
        }
    });

    view! {
        <section class="card pick" data-testid="viewer-ready" aria-labelledby="pick-heading">
            <h1 id="pick-heading" tabindex="-1">{t.pick_heading}</h1>
            <p>{t.pick_intro}</p>
            <div class="dropzone" class:over=move || over.get() data-testid="dropzone">
                <span class="file-icon" aria-hidden="true"></span>
                <button type="button" class="primary" on:click=move |_| {
                    if let Some(input) = input.get() {
                        input.click();
                    }
                }>{t.pick_button}</button>
                <span class="hint">{t.pick_drop}</span>
                <input
                    node_ref=input
                    type="file"
                    class="file-input"
                    data-testid="file-input"
                    tabindex="-1"
                    aria-hidden="true"
                    accept=".html,.htm,.waxseal,text/html,application/octet-stream"
                    on:change=move |_| {
                        let file = input.get().and_then(|i| i.files()).and_then(|f| f.get(0));
                        if let Some(file) = file {
                            open_file(journey, file);
                        }
                    }
                />
            </div>
        </section>
    }
}

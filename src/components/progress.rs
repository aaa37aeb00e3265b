//! Decrypting: a progress bar with the percentage and the bytes done. The message itself shows
//! only once every chunk has authenticated.

use leptos::prelude::*;

use crate::app::{Journey, use_ui};
use crate::format;

/// The decrypting screen.
#[component]
pub fn Decrypting() -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let text = move || {
        let p = journey.progress.get();
        let lang = lang;
        t.decrypt_progress(
            format::size(lang, p.done),
            format::percent(lang, p.fraction()),
            format::size(lang, p.total),
        )
    };
    view! {
        <section class="card decrypting" data-testid="decrypting" aria-busy="true">
            <h1 tabindex="-1">{t.decrypt_heading}</h1>
            <progress
                max=move || journey.progress.get().total.max(1).to_string()
                value=move || journey.progress.get().done.to_string()
                aria-label=t.decrypt_label
                aria-valuetext=text
            ></progress>
            <p class="progress-text" data-testid="progress-text">{text}</p>
            <p class="hint">{t.decrypt_note}</p>
        </section>
    }
}

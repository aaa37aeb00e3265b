//! The privacy statement, in the reader's language, with the date it last changed.

use leptos::prelude::*;

use crate::app::use_ui;
use crate::format;
use crate::i18n::{PRIVACY_UPDATED, fill};

/// The privacy statement.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let back = move |_| {
        let window = window();
        // Back to the screen the person came from (a hash change only; the journey's state is
        // untouched).
        let _ = window.location().set_hash("");
    };
    view! {
        <article class="card privacy" data-testid="privacy">
            <h1 tabindex="-1">{t.privacy_heading}</h1>
            <p class="updated" data-testid="privacy-updated">
                {fill(t.privacy_updated, &[("date", &format::calendar_date(lang, PRIVACY_UPDATED))])}
            </p>
            {{
                t
                    .privacy
                    .iter()
                    .map(|s| {
                        view! {
                            <section>
                                <h2>{s.heading}</h2>
                                <p>{s.text}</p>
                            </section>
                        }
                    })
                    .collect_view()
            }}
            <div class="actions">
                <button type="button" class="quiet" on:click=back>{t.back}</button>
            </div>
        </article>
    }
}

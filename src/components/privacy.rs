//! The privacy statement, in the reader's language, with the date it last changed.

use leptos::prelude::*;

use crate::app::use_ui;
use crate::format;
use crate::i18n::{PRIVACY_CHANGES, PRIVACY_UPDATED, privacy, privacy_changes};
use crate::usage::{example_report, report_json};

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
    // Who runs this viewer and how to reach them, from its config.json.
    let operator = ui.operator.get_untracked().map(|o| {
        let href = o.contact_href();
        view! {
            <section class="operator-info" data-testid="privacy-operator">
                <p>
                    // The name is isolated: an organisation's name in another script keeps its
                    // own direction inside the sentence.
                    {fill_parts(&t.privacy_operator(MARK), &o.name)}
                </p>
                {o.privacy_contact.clone().zip(href).map(|(contact, href)| view! {
                    <p>
                        {t.privacy_contact}" "
                        <a href=href rel="noopener noreferrer" data-testid="privacy-contact">
                            <bdi>{contact}</bdi>
                        </a>
                    </p>
                })}
            </section>
        }
    });
    let changes = PRIVACY_CHANGES
        .iter()
        .zip(privacy_changes(t))
        .map(|(date, text)| {
            view! {
                <li>
                    <time>{format::calendar_date(lang, *date)}</time>": "{text}
                </li>
            }
        })
        .collect_view();
    view! {
        <article class="card privacy" data-testid="privacy">
            <h1 tabindex="-1">{t.privacy_heading}</h1>
            <p class="updated" data-testid="privacy-updated">
                {t.privacy_updated(format::calendar_date(lang, PRIVACY_UPDATED))}
            </p>
            {operator}
            {{
                privacy(t)
                    .into_iter()
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
            <section>
                <p>{t.privacy_example}</p>
                <pre class="example" data-testid="privacy-example">{pretty(&report_json(&example_report()))}</pre>
            </section>
            <section data-testid="privacy-changes">
                <h2>{t.privacy_changes_heading}</h2>
                <ul class="changes">{changes}</ul>
            </section>
            <div class="actions">
                <button type="button" class="quiet" on:click=back>{t.back}</button>
            </div>
        </article>
    }
}

/// Where the operator's name goes in the sentence that names it (a private-use character).
const MARK: &str = "\u{E000}";

/// `text` with [`MARK`] replaced by `name`, isolated in a `<bdi>`.
fn fill_parts(text: &str, name: &str) -> impl IntoView + use<> {
    let (before, after) = text.split_once(MARK).unwrap_or((text, ""));
    let (before, after) = (before.to_owned(), after.to_owned());
    view! { {before}<bdi>{name.to_owned()}</bdi>{after} }
}

/// A report's JSON with one field per line (its values hold no `,"` or `{"`).
fn pretty(json: &str) -> String {
    json.replacen("{", "{\n  ", 1)
        .replace(",\"", ",\n  \"")
        .replacen("\"}", "\"\n}", 1)
}

//! The frame of every screen: the name, the language switch, and the footer with the link to the
//! privacy statement.

use leptos::prelude::*;

use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::app::use_ui;
use crate::i18n::{self, Lang};

/// The bar at the top: the name and the language switch.
#[component]
pub fn TopBar() -> impl IntoView {
    let ui = use_ui();
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="seal" aria-hidden="true"></span>
                <span class="brand-name">"waxseal"</span>
                {move || {
                    ui.operator
                        .get()
                        .map(|o| {
                            let logo = o.logo.as_deref().and_then(logo_src);
                            view! {
                                <span class="operator" data-testid="operator">
                                    {logo.map(|src| view! { <img class="operator-logo" src=src alt=""/> })}
                                    <span class="operator-name">{o.name.clone()}</span>
                                </span>
                            }
                        })
                }}
            </div>
            <label class="lang">
                <span class="lang-label">{move || ui.t().language}</span>
                <select
                    data-testid="language"
                    on:change=move |ev| {
                        let select = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok());
                        let Some(lang) = Lang::from_tag(&event_target_value(&ev)) else {
                            return;
                        };
                        // The screen changes once the language's file is loaded; if it cannot
                        // be, the switch goes back to the language shown.
                        spawn_local(async move {
                            match i18n::load(lang).await {
                                Ok(_) => ui.lang.set(lang),
                                Err(e) => {
                                    e.log(lang);
                                    if let Some(select) = select {
                                        select.set_value(ui.lang.get_untracked().tag());
                                    }
                                }
                            }
                        });
                    }
                >
                    {Lang::ALL
                        .iter()
                        .map(|&l| {
                            view! {
                                <option value=l.tag() lang=l.tag() selected=move || ui.lang.get() == l>
                                    {l.name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </header>
    }
}

/// The URL of the operator's logo: a `data:` URL as it is, a file name next to the viewer's own
/// files (checked by [`crate::config::Operator::check`]).
fn logo_src(logo: &str) -> Option<String> {
    if logo.starts_with("data:") {
        Some(logo.to_owned())
    } else {
        crate::config::viewer_file_for(&document(), logo)
    }
}

/// The footer of every screen, with the link to the privacy statement.
#[component]
pub fn Footer() -> impl IntoView {
    let ui = use_ui();
    view! {
        <footer class="footer">
            <p>{move || ui.t().footer}</p>
            <a href="#privacy" data-testid="privacy-link">{move || ui.t().privacy_link}</a>
        </footer>
    }
}

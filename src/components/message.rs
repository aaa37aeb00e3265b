//! The decrypted message: its headers, its body (HTML in a sandboxed frame, or plain text), its
//! attachments, and saving and printing.

use std::rc::Rc;

use leptos::prelude::*;

use crate::app::{Journey, PanelProblem, PasskeyPanel, use_ui};
use crate::download;
use crate::format;
use crate::html::{self, Prepared, SANDBOX};
use crate::mime::{self, Body, Mailbox, Opened};

fn mailboxes(list: &[Mailbox]) -> String {
    list.iter()
        .map(Mailbox::display)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The message view.
#[component]
pub fn MessageView(
    /// The parsed message.
    message: Rc<Opened>,
    /// The decrypted MIME bytes, for "save".
    eml: Rc<Vec<u8>>,
) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let subject = message.subject.clone().filter(|s| !s.trim().is_empty());
    let file_name = mime::eml_file_name(subject.as_deref());
    let heading = subject.clone();
    let rows = [
        (0, mailboxes(&message.from)),
        (1, mailboxes(&message.to)),
        (2, mailboxes(&message.cc)),
    ];
    let date = message.date;
    let save = move |_| download::save(&eml, &file_name);
    // The envelope names a reply key: the sender's organisation takes secure replies.
    let takes_reply = journey
        .loaded
        .with_untracked(|l| l.as_ref().is_some_and(|l| l.header().reply.is_some()));

    view! {
        <article class="card message" data-testid="message" aria-labelledby="message-subject">
            <h1 id="message-subject" tabindex="-1" data-testid="subject">
                {match heading {
                    // The message's own subject, in its own direction.
                    Some(subject) => view! { <bdi>{subject}</bdi> }.into_any(),
                    None => t.no_subject.into_any(),
                }}
            </h1>
            <dl class="facts headers">
                {rows
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(i, value)| {
                        let label = match i {
                            0 => t.msg_from,
                            1 => t.msg_to,
                            _ => t.msg_cc,
                        };
                        let id = ["from", "to", "cc"][i];
                        view! {
                            <div>
                                <dt>{label}</dt>
                                <dd data-testid=id><bdi>{value}</bdi></dd>
                            </div>
                        }
                    })
                    .collect_view()}
                {date
                    .map(|d| {
                        view! {
                            <div>
                                <dt>{t.msg_date}</dt>
                                <dd data-testid="date">{format::date_time(lang, d)}</dd>
                            </div>
                        }
                    })}
            </dl>
            <div class="actions toolbar">
                {takes_reply
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="primary"
                                data-testid="reply"
                                on:click=move |_| journey.start_reply()
                            >
                                <span class="lock" aria-hidden="true"></span>
                                {t.reply_button}
                            </button>
                        }
                    })}
                <button type="button" class="quiet" data-testid="save-eml" on:click=save>
                    {t.save_eml}
                </button>
                <button
                    type="button"
                    class="quiet"
                    data-testid="print"
                    on:click=move |_| {
                        let _ = window().print();
                    }
                >
                    {t.print}
                </button>
            </div>
            <MessageBody message=message.clone()/>
            <Attachments message=message.clone()/>
            <p class="hint opened-note">{t.opened_note}</p>
            <PasskeyOffer/>
            {journey
                .standalone
                .then(|| {
                    view! {
                        <div class="actions">
                            <button class="quiet" data-testid="open-another" on:click=move |_| journey.pick_another()>
                                {t.open_another}
                            </button>
                        </div>
                    }
                })}
        </article>
    }
}

/// Passkeys on the opened message: the offer to add one for the address just proved (never
/// preselected), or the passkey used, each with "Forget this device"; nothing where passkeys do
/// not work.
#[component]
fn PasskeyOffer() -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    let journey = expect_context::<Journey>();
    move || {
        let address = journey.recipient.get_untracked();
        let rp_id = journey
            .passkeys
            .get_untracked()
            .map(|p| p.rp_id)
            .unwrap_or_default();
        // What the panel says: its heading, its text, the text's test id, and which button.
        let (heading, text, id, forget) = match journey.passkey.get() {
            PasskeyPanel::Hidden => return None,
            PasskeyPanel::Unsupported => (
                None,
                t.passkey_unsupported.to_owned(),
                "passkey-unsupported",
                None,
            ),
            PasskeyPanel::Offer => (
                Some(t.passkey_offer_heading(&address)),
                t.passkey_offer_text.to_owned(),
                "passkey-offer",
                None,
            ),
            PasskeyPanel::Working => (None, t.passkey_waiting.to_owned(), "passkey-working", None),
            PasskeyPanel::Added(id) => {
                (None, t.passkey_added.to_owned(), "passkey-added", Some(id))
            }
            PasskeyPanel::Used(id) => (None, t.passkey_used.to_owned(), "passkey-used", Some(id)),
            PasskeyPanel::Forgotten => {
                (None, t.passkey_forgotten(&rp_id), "passkey-forgotten", None)
            }
            PasskeyPanel::Problem(problem) => (
                None,
                match problem {
                    PanelProblem::Cancelled => t.passkey_not_added,
                    PanelProblem::Exists => t.passkey_exists,
                    PanelProblem::ProofExpired => t.passkey_proof_expired,
                    PanelProblem::Failed => t.passkey_failed,
                }
                .to_owned(),
                "passkey-problem",
                None,
            ),
        };
        let offer = heading.is_some();
        let class = if id == "passkey-problem" {
            "warn"
        } else {
            "hint"
        };
        Some(view! {
            <section class="passkey-panel" data-testid="passkey-panel" aria-live="polite">
                {heading.map(|h| view! { <h2 data-focus tabindex="-1">{h}</h2> })}
                <p class=class data-testid=id data-focus=(!offer).then_some("") tabindex="-1">{text}</p>
                {offer
                    .then(|| {
                        view! {
                            <div class="actions">
                                <button type="button" data-testid="add-passkey" on:click=move |_| journey.add_passkey()>
                                    <span class="key" aria-hidden="true"></span>
                                    {t.passkey_add}
                                </button>
                            </div>
                        }
                    })}
                {forget
                    .map(|credential_id| {
                        view! {
                            <div class="actions">
                                <button
                                    type="button"
                                    class="quiet"
                                    data-testid="forget-passkey"
                                    on:click=move |_| journey.forget_passkey(credential_id.clone())
                                >
                                    {t.passkey_forget}
                                </button>
                            </div>
                        }
                    })}
            </section>
        })
    }
}

#[component]
fn MessageBody(message: Rc<Opened>) -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    match &message.body {
        Body::Html(source) => {
            view! { <HtmlBody source=source.clone() message=message.clone()/> }.into_any()
        }
        Body::Text(text) => view! {
            <pre class="text-body" dir="auto" data-testid="text-body">{text.clone()}</pre>
        }
        .into_any(),
        Body::Empty => view! { <p class="hint" data-testid="no-body">{t.no_body}</p> }.into_any(),
    }
}

#[component]
fn HtmlBody(source: String, message: Rc<Opened>) -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    let urls: Rc<Vec<(String, String)>> = Rc::new(
        message
            .inline
            .iter()
            .map(|(cid, part)| (cid.clone(), part.data_url()))
            .collect(),
    );
    let inputs = StoredValue::new_local((source, urls));
    let prepare = move |allow_remote: bool| -> Prepared {
        inputs.with_value(|(source, urls)| {
            html::prepare(
                source,
                &|cid| urls.iter().find(|(c, _)| c == cid).map(|(_, u)| u.clone()),
                allow_remote,
            )
            .unwrap_or(Prepared {
                srcdoc: String::new(),
                remote: 0,
            })
        })
    };
    let prepared = RwSignal::new(prepare(false));
    let allowed = RwSignal::new(false);
    let show_remote = move |_| {
        allowed.set(true);
        prepared.set(prepare(true));
    };
    view! {
        {move || {
            (prepared.with(|p| p.remote > 0) && !allowed.get())
                .then(|| {
                    view! {
                        <div class="remote-bar" data-testid="remote-bar">
                            <p>{t.remote_blocked}</p>
                            <button type="button" class="quiet" data-testid="show-remote" on:click=show_remote>
                                {t.show_remote}
                            </button>
                        </div>
                    }
                })
        }}
        // Of another origin than the viewer (see `html::SANDBOX`): it scrolls on its own, as the
        // viewer cannot measure its content.
        <iframe
            class="body-frame"
            data-testid="html-body"
            sandbox=SANDBOX
            referrerpolicy="no-referrer"
            title=t.body_title
            srcdoc=move || prepared.with(|p| p.srcdoc.clone())
        ></iframe>
    }
}

#[component]
fn Attachments(message: Rc<Opened>) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    if message.attachments.is_empty() {
        return ().into_any();
    }
    let items: Vec<(String, String, u64, Option<String>)> = message
        .attachments
        .iter()
        .map(|a| {
            let name = a.name.clone().unwrap_or_default();
            let url = download::object_url(&a.bytes);
            (name, a.content_type.clone(), a.bytes.len() as u64, url)
        })
        .collect();
    let urls: Vec<String> = items.iter().filter_map(|i| i.3.clone()).collect();
    on_cleanup(move || urls.iter().for_each(|u| download::revoke(u)));
    view! {
        <section class="attachments" aria-labelledby="attachments-heading" data-testid="attachments">
            <h2 id="attachments-heading">{t.attachments}</h2>
            <ul>
                {items
                    .into_iter()
                    .map(|(name, content_type, size, url)| {
                        let shown = if name.is_empty() { t.unnamed_attachment.to_owned() } else { name.clone() };
                        let label = t.download_named(&shown);
                        let file_name = if name.is_empty() { "attachment".to_owned() } else { name };
                        view! {
                            <li class="attachment" data-testid="attachment">
                                <span class="file-icon small" aria-hidden="true"></span>
                                <bdi class="attachment-name" data-testid="attachment-name">{shown}</bdi>
                                <span class="attachment-meta">
                                    <bdi data-testid="attachment-type">{content_type}</bdi>
                                    " · "
                                    <bdi data-testid="attachment-size">{format::size(lang, size)}</bdi>
                                </span>
                                <a
                                    class="button quiet"
                                    href=url
                                    download=file_name
                                    data-testid="attachment-download"
                                    aria-label=label
                                >
                                    {t.download}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

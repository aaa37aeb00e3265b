//! The secure reply: the form (text with the original quoted, attachments, size meter, send), the
//! progress while it is sealed and sent, and the confirmation with "save a copy".

use std::rc::Rc;

use leptos::html::Input;
use leptos::prelude::*;

use crate::app::{Journey, focus_soon, use_ui};
use crate::components::catch_dropped_files;
use crate::components::message::MessageView;
use crate::download;
use crate::format;
use crate::i18n::{Lang, Strings};
use crate::mime::{self, Opened};
use crate::replying::{Phase, ReplyProblem};

/// What the opened message's screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Showing {
    Message,
    Form,
    Sent,
}

/// The opened message, or the reply to it being written, or the confirmation that it was sent.
#[component]
pub fn OpenedView(
    /// The parsed message.
    message: Rc<Opened>,
    /// The decrypted MIME bytes.
    eml: Rc<Vec<u8>>,
) -> impl IntoView {
    let journey = expect_context::<Journey>();
    let phase = journey.reply.phase;
    let showing = Memo::new(move |_| {
        phase.with(|p| match p {
            Phase::Closed => Showing::Message,
            Phase::Sent { .. } => Showing::Sent,
            _ => Showing::Form,
        })
    });
    let stored = StoredValue::new_local((message, eml));
    move || match showing.get() {
        Showing::Message => {
            let (message, eml) = stored.get_value();
            view! { <MessageView message=message eml=eml/> }.into_any()
        }
        Showing::Form => view! { <ComposeForm message=stored.get_value().0/> }.into_any(),
        Showing::Sent => view! { <ReplySent/> }.into_any(),
    }
}

/// The text of a reply problem.
pub fn problem_text(t: &Strings, lang: Lang, problem: ReplyProblem, now: i64) -> String {
    match problem {
        ReplyProblem::Empty => t.reply_empty.to_owned(),
        ReplyProblem::TooLarge { size, limit } => {
            t.reply_too_large(format::size(lang, limit), format::size(lang, size))
        }
        ReplyProblem::LimitReached => t.reply_limit_reached.to_owned(),
        ReplyProblem::NotAccepted => t.reply_not_accepted.to_owned(),
        ReplyProblem::Closed(_) => t.reply_closed.to_owned(),
        ReplyProblem::Throttled { until } => t.reply_throttled(format::relative(
            lang,
            until.saturating_sub(now).max(0) as u64,
        )),
        ReplyProblem::MailUnavailable => t.reply_mail_unavailable.to_owned(),
        ReplyProblem::MailRefused => t.reply_mail_refused.to_owned(),
        ReplyProblem::Unreachable => t.reply_unreachable.to_owned(),
        ReplyProblem::SealerUnavailable => t.reply_sealer_unavailable.to_owned(),
        ReplyProblem::Failed => t.reply_failed.to_owned(),
        ReplyProblem::Unreadable => t.reply_unreadable.to_owned(),
    }
}

#[component]
fn ComposeForm(message: Rc<Opened>) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let reply = journey.reply;
    let session = journey.session.get_value();
    let header = journey.loaded.get_untracked().map(|l| l.header().clone());
    let to = header
        .as_ref()
        .and_then(|h| h.reply.as_ref())
        .map(|r| r.to.clone())
        .unwrap_or_default();
    let from = session
        .and_then(|s| s.proven())
        .unwrap_or_else(|| journey.recipient.get_untracked());
    let organisation = journey
        .sender
        .get_untracked()
        .map(|s| s.organisation)
        .or_else(|| header.as_ref().map(|h| h.from.address.clone()))
        .unwrap_or_default();
    let subject = crate::reply::subject(message.subject.as_deref());
    let input = NodeRef::<Input>::new();
    let over = RwSignal::new(false);
    let busy = move || phase_is(journey, |p| matches!(p, Phase::Sealing | Phase::Sending));

    // A file dropped anywhere on the page is attached, instead of the browser leaving the page
    // (and the draft) to show the file.
    catch_dropped_files(over, move |files| {
        if !reply.is_busy() {
            reply.attach(files);
        }
    });

    let used = move || reply.estimated_len();
    let limit = move || reply.limit.get();
    let over_limit = move || limit().is_some_and(|l| used() > l);
    let size_text = move || match limit() {
        Some(l) => t.reply_size(format::size(lang, l), format::size(lang, used())),
        None => format::size(lang, used()),
    };
    let progress_text = move || match journey.reply.phase.get() {
        Phase::Sealing => t.reply_sealing(format::percent(lang, reply.progress.get().fraction())),
        Phase::Sending => t.reply_sending.to_owned(),
        _ => String::new(),
    };

    view! {
        <section class="card compose" data-testid="compose" aria-labelledby="compose-heading">
            <h1 id="compose-heading" tabindex="-1">{t.reply_heading}</h1>
            <dl class="facts headers">
                <div>
                    <dt>{t.msg_from}</dt>
                    <dd data-testid="reply-from"><bdi>{from}</bdi></dd>
                </div>
                <div>
                    <dt>{t.msg_to}</dt>
                    <dd data-testid="reply-to"><bdi>{to}</bdi></dd>
                </div>
                <div>
                    <dt>{t.msg_subject}</dt>
                    <dd data-testid="reply-subject"><bdi>{subject}</bdi></dd>
                </div>
            </dl>
            <p class="hint reply-note">
                <span class="lock" aria-hidden="true"></span>
                {t.reply_private_note(&organisation)}
            </p>
            <form
                class="compose-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    journey.send_reply();
                }
            >
                <label for="reply-text">{t.reply_text_label}</label>
                <textarea
                    id="reply-text"
                    data-testid="reply-text"
                    rows="14"
                    // Each paragraph in the direction of its own text (Arabic or English).
                    dir="auto"
                    spellcheck="true"
                    prop:value=move || reply.text.get()
                    on:input=move |ev| reply.text.set(event_target_value(&ev))
                    readonly=busy
                ></textarea>
                <section class="reply-attachments" aria-labelledby="reply-attachments-heading">
                    <h2 id="reply-attachments-heading">{t.reply_attachments}</h2>
                    <ul data-testid="reply-attachments">
                        {move || {
                            reply
                                .files
                                .with(|files| {
                                    files
                                        .iter()
                                        .map(|a| {
                                            let (id, name, size) = (a.id, a.name.clone(), a.bytes.len() as u64);
                                            let label = t.reply_remove(&name);
                                            view! {
                                                <li class="attachment" data-testid="reply-attachment">
                                                    <span class="file-icon small" aria-hidden="true"></span>
                                                    <bdi class="attachment-name">{name}</bdi>
                                                    <bdi class="attachment-meta">{format::size(lang, size)}</bdi>
                                                    <button
                                                        type="button"
                                                        class="quiet"
                                                        data-testid="reply-remove"
                                                        aria-label=label
                                                        disabled=busy
                                                        on:click=move |_| {
                                                            reply.remove(id);
                                                            // The button is gone: the keyboard
                                                            // goes on from "Attach files".
                                                            focus_soon("[data-testid=reply-attach]");
                                                        }
                                                    >
                                                        {t.reply_remove_button}
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()
                                })
                        }}
                    </ul>
                    <div class="dropzone small" class:over=move || over.get() data-testid="reply-dropzone">
                        <button
                            type="button"
                            data-testid="reply-attach"
                            disabled=busy
                            on:click=move |_| {
                                if let Some(input) = input.get() {
                                    input.click();
                                }
                            }
                        >
                            {t.reply_attach}
                        </button>
                        <span class="hint">{t.reply_drop}</span>
                        <input
                            node_ref=input
                            type="file"
                            multiple
                            class="file-input"
                            data-testid="reply-file-input"
                            tabindex="-1"
                            aria-hidden="true"
                            on:change=move |_| {
                                if let Some(el) = input.get() {
                                    if let Some(files) = el.files() {
                                        reply.attach(files);
                                    }
                                    el.set_value("");
                                }
                            }
                        />
                    </div>
                </section>
                <div class="size-meter" class:over-limit=over_limit>
                    <label for="reply-size">{t.reply_size_label}</label>
                    <meter
                        id="reply-size"
                        min="0"
                        max=move || limit().unwrap_or_else(used).max(1).to_string()
                        high=move || (limit().unwrap_or(u64::MAX) / 10 * 9).to_string()
                        value=move || used().to_string()
                        aria-valuetext=size_text
                    ></meter>
                    <span data-testid="reply-size">{size_text}</span>
                </div>
                {move || {
                    reply
                        .problem
                        .get()
                        .map(|p| {
                            view! {
                                <p id="reply-problem" class="notice" role="alert" tabindex="-1" data-testid="reply-problem">
                                    {problem_text(t, lang, p, ui.now.get())}
                                </p>
                            }
                        })
                }}
                {move || {
                    busy()
                        .then(|| {
                            view! {
                                <div class="reply-progress" data-testid="reply-progress" aria-busy="true">
                                    <progress
                                        max=move || reply.progress.get().total.max(1).to_string()
                                        value=move || reply.progress.get().done.to_string()
                                        aria-label=t.reply_heading
                                        aria-valuetext=progress_text
                                    ></progress>
                                    <p class="progress-text" role="status">{progress_text}</p>
                                </div>
                            }
                        })
                }}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="send-reply" disabled=busy>
                        <span class="lock" aria-hidden="true"></span>
                        {t.reply_send}
                    </button>
                    <button
                        type="button"
                        class="quiet"
                        data-testid="discard-reply"
                        disabled=busy
                        on:click=move |_| journey.discard_reply()
                    >
                        {t.reply_discard}
                    </button>
                </div>
            </form>
        </section>
    }
}

fn phase_is(journey: Journey, f: impl Fn(&Phase) -> bool) -> bool {
    journey.reply.phase.with(f)
}

#[component]
fn ReplySent() -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    let journey = expect_context::<Journey>();
    let (to, eml) = match journey.reply.phase.get_untracked() {
        Phase::Sent { to, eml } => (to, eml),
        _ => return ().into_any(),
    };
    let subject = journey
        .opened
        .get_value()
        .and_then(|(m, _)| m.subject.clone());
    let name = mime::eml_file_name(Some(&crate::reply::subject(subject.as_deref())));
    let save = move |_| download::save_blob(&eml, &name);
    view! {
        <section class="card sent" data-testid="reply-sent" aria-labelledby="sent-heading">
            <h1 id="sent-heading" tabindex="-1">
                <span class="check" aria-hidden="true"></span>
                {t.reply_sent_heading}
            </h1>
            <p data-testid="reply-sent-to">{t.reply_sent_body(&to)}</p>
            <div class="actions">
                <button type="button" class="quiet" data-testid="save-reply" on:click=save>
                    {t.reply_save_copy}
                </button>
                <button type="button" class="primary" data-testid="back-to-message" on:click=move |_| journey.close_reply()>
                    {t.reply_back}
                </button>
            </div>
        </section>
    }
    .into_any()
}

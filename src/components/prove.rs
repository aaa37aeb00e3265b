//! The envelope summary and proving the address: choose it, ask for a passcode (on a click), see
//! the reference code, type the passcode — or sign in with an account the key server accepts.

use leptos::prelude::*;

use crate::app::{Journey, Step, signs_in_here, use_ui};
use crate::components::notice::{NoticeLine, wait_until};
use crate::format;
use crate::source::{Loaded, host_of};

/// What the envelope says about itself, shown before anything is sent anywhere.
#[component]
pub fn Summary(
    /// The envelope.
    loaded: Loaded,
) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let header = loaded.header().clone();
    let sender = match &header.from.name {
        Some(name) => format!("{name} <{}>", header.from.address),
        None => header.from.address.clone(),
    };
    let host = host_of(&header.key_server);
    let recipients = header.recipients.join(", ");
    let expires = header.expires;
    let note_host = host.clone();
    view! {
        <section class="card summary" aria-labelledby="summary-heading" data-testid="summary">
            <p class="eyebrow">
                <span class="lock" aria-hidden="true"></span>
                {t.summary_heading}
            </p>
            <h1 id="summary-heading" tabindex="-1" data-focus>
                <bdi>{header.from.name.clone().unwrap_or_else(|| header.from.address.clone())}</bdi>
            </h1>
            <dl class="facts">
                <div>
                    <dt>{t.label_from}</dt>
                    <dd data-testid="sender"><bdi>{sender}</bdi></dd>
                </div>
                {move || {
                    journey
                        .sender
                        .get()
                        .map(|s| {
                            view! {
                                <div>
                                    <dt>{t.label_organisation}</dt>
                                    <dd data-testid="organisation"><bdi>{s.organisation}</bdi></dd>
                                </div>
                            }
                        })
                }}
                <div>
                    <dt>{t.label_recipients}</dt>
                    <dd data-testid="recipients"><bdi>{recipients}</bdi></dd>
                </div>
                <div>
                    <dt>{t.label_key_server}</dt>
                    <dd data-testid="key-server" class="key-server"><bdi>{host}</bdi></dd>
                </div>
                <div>
                    <dt>{t.label_expires}</dt>
                    <dd data-testid="expires">
                        {format::date_time(lang, expires as i64)}
                        {(ui.now.get_untracked() >= expires as i64)
                            .then(|| view! { " " <span class="warn">{t.expiry_passed}</span> })}
                    </dd>
                </div>
            </dl>
            <p class="explain">{t.summary_note(&note_host)}</p>
        </section>
    }
}

/// The summary and the current step of proving the address.
#[component]
pub fn Prove() -> impl IntoView {
    let journey = expect_context::<Journey>();
    let Some(loaded) = journey.loaded.get_untracked() else {
        return ().into_any();
    };
    let stored = StoredValue::new_local(loaded.clone());
    let t = use_ui().strings();
    // Proving the address again for a reply: say why, and offer the way back to the draft.
    let reproving = journey.reply.is_reproving().then(|| {
        view! {
            <section class="card reprove" data-testid="reprove" role="status">
                <p>{t.reply_reprove}</p>
                <button type="button" class="quiet" data-testid="back-to-draft" on:click=move |_| journey.cancel_reprove()>
                    {t.reply_back_to_draft}
                </button>
            </section>
        }
    });
    view! {
        {reproving}
        <Summary loaded=loaded/>
        {move || match journey.step.get() {
            Step::Choose => {
                // Drawn again when the key server names its sign-in providers.
                journey.providers.track();
                view! { <ChooseStep loaded=stored.get_value()/> }.into_any()
            }
            Step::Code { reference, expires_in, resend_at } => {
                view! {
                    <CodeStep
                        loaded=stored.get_value()
                        reference=reference
                        expires_in=expires_in
                        resend_at=resend_at
                    />
                }
                    .into_any()
            }
        }}
    }
    .into_any()
}

/// Whether the person must wait before asking for another passcode.
fn must_wait(journey: Journey, now: i64, resend_at: i64) -> bool {
    let notice_wait = journey
        .notice
        .get()
        .and_then(wait_until)
        .is_some_and(|until| now < until);
    notice_wait || now < resend_at
}

#[component]
fn ChooseStep(loaded: Loaded) -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    let journey = expect_context::<Journey>();
    let recipients = loaded.header().recipients.clone();
    let single = recipients.len() == 1;
    let choice = if single {
        view! {
            <p class="one-address">
                {t.one_address} " " <strong data-testid="address"><bdi>{recipients[0].clone()}</bdi></strong>
            </p>
        }
        .into_any()
    } else {
        view! {
            <fieldset class="addresses">
                <legend>{t.choose_legend}</legend>
                {recipients
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let id = format!("address-{i}");
                        let value = r.clone();
                        let checked = r.clone();
                        view! {
                            <div class="choice">
                                <input
                                    type="radio"
                                    name="address"
                                    id=id.clone()
                                    value=r.clone()
                                    prop:checked=move || journey.recipient.get() == checked
                                    on:change=move |_| journey.recipient.set(value.clone())
                                />
                                <label for=id><bdi>{r}</bdi></label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
        }
        .into_any()
    };
    let disabled = move || {
        journey.busy.get()
            || journey.recipient.get().is_empty()
            || must_wait(journey, ui.now.get(), 0)
    };
    view! {
        <section class="card step" data-testid="choose-step">
            {choice}
            <NoticeLine
                notice=journey.notice
                address=journey.recipient
                sign_in=journey.sign_in_facts
            />
            {passkey_choice(journey)}
            <div class="actions">
                // With a passkey on offer, the passcode is the second way.
                <button
                    class=move || if journey.passkey_ready() { "" } else { "primary" }
                    data-testid="send-passcode"
                    on:click=move |_| journey.send_passcode()
                    disabled=disabled
                >
                    <span class="mail" aria-hidden="true"></span>
                    {move || if journey.busy.get() { t.sending } else { t.send_code }}
                </button>
            </div>
            <p class="hint">{t.send_hint}</p>
            {sign_in_choices(journey)}
        </section>
    }
}

/// "Open with your passkey", when the key server has a passkey for the chosen address and
/// passkeys work on this page; on a page where they cannot work (a `message.html` opened from a
/// file), a sentence that says where they do.
fn passkey_choice(journey: Journey) -> impl IntoView {
    let ui = use_ui();
    let t = ui.strings();
    move || {
        let recipient = journey.recipient.get();
        if journey.passkey_ready() {
            return Some(
                view! {
                    <div class="actions passkey-choice">
                        <button
                            type="button"
                            class="primary"
                            data-testid="open-with-passkey"
                            on:click=move |_| journey.open_with_passkey()
                            disabled=move || journey.busy.get()
                        >
                            <span class="key" aria-hidden="true"></span>
                            {move || if journey.busy.get() { t.passkey_waiting } else { t.passkey_open }}
                        </button>
                    </div>
                }
                .into_any(),
            );
        }
        let elsewhere = journey.passkeys.get().filter(|_| journey.has_passkey())?;
        Some(
            view! {
                <p class="hint" data-testid="passkey-elsewhere">
                    {t.passkey_elsewhere(&recipient, host_of(&elsewhere.origin))}
                </p>
            }
            .into_any(),
        )
    }
}

/// One "Sign in with …" button per provider the key server offers, once it named them. A click
/// while another request is under way is ignored by [`Journey::sign_in`].
fn sign_in_choices(journey: Journey) -> impl IntoView {
    let t = use_ui().strings();
    let mut providers = journey.providers.get_untracked();
    // A sign-in handed off to the viewer's own page would leave a reply's draft behind here.
    if journey.reply.is_reproving() && !signs_in_here() {
        providers.clear();
    }
    (!providers.is_empty()).then(|| {
        view! {
            <div class="sign-in" data-testid="sign-in">
                <h2>{t.sign_in_or}</h2>
                {providers
                    .into_iter()
                    .map(|p| {
                        let label = t.sign_in_with(&p.name);
                        let id = p.id.clone();
                        view! {
                            <button
                                type="button"
                                data-provider=id
                                on:click=move |_| journey.sign_in(p.clone())
                            >
                                {label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        }
    })
}

#[component]
fn CodeStep(loaded: Loaded, reference: String, expires_in: u64, resend_at: i64) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let host = host_of(&loaded.header().key_server);
    let several = loaded.header().recipients.len() > 1;
    let wait = move || must_wait(journey, ui.now.get(), resend_at);
    let resend_when = move || {
        // Ticks with the clock, but reads the time afresh (the tick may lag by up to a second).
        ui.now.track();
        let now = format::now();
        let until = journey
            .notice
            .get()
            .and_then(wait_until)
            .unwrap_or(0)
            .max(resend_at);
        (until > now).then(|| t.resend_wait(format::relative(lang, (until - now) as u64)))
    };
    view! {
        <section class="card step" data-testid="code-step">
            <h2 id="code-heading">{t.sent_heading}</h2>
            <p data-testid="sent-body">
                {t.sent_body(journey.recipient.get_untracked(), &host)}
            </p>
            <p class="reference">
                <span class="reference-label">{t.reference_label}</span>
                <strong class="reference-code" dir="ltr" data-testid="reference">{reference}</strong>
            </p>
            <p class="hint">{t.reference_hint}</p>
            <form
                class="passcode-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    journey.open();
                }
            >
                <label for="passcode">{t.passcode_label}</label>
                <input
                    id="passcode"
                    name="passcode"
                    type="text"
                    inputmode="numeric"
                    // Digits read left to right in every language.
                    dir="ltr"
                    autocomplete="one-time-code"
                    autocapitalize="off"
                    spellcheck="false"
                    enterkeyhint="go"
                    data-testid="passcode"
                    aria-describedby="passcode-hint passcode-notice"
                    prop:value=move || journey.code.get()
                    on:input=move |ev| journey.code.set(event_target_value(&ev))
                />
                <p id="passcode-hint" class="hint">
                    {t.passcode_hint(format::duration(lang, expires_in))}
                </p>
                <NoticeLine
                    notice=journey.notice
                    address=journey.recipient
                    sign_in=journey.sign_in_facts
                    id="passcode-notice"
                />
                <div class="actions">
                    <button
                        type="submit"
                        class="primary"
                        data-testid="open"
                        disabled=move || journey.busy.get()
                    >
                        {move || match (journey.busy.get(), journey.reply.is_reproving()) {
                            (true, _) => t.checking,
                            (false, true) => t.reply_verify_send,
                            (false, false) => t.open_button,
                        }}
                    </button>
                </div>
            </form>
            <div class="secondary">
                <button
                    type="button"
                    class="quiet"
                    data-testid="resend"
                    disabled=move || wait() || journey.busy.get()
                    on:click=move |_| journey.send_passcode()
                >
                    {t.resend_button}
                </button>
                <span class="hint" data-testid="resend-wait">{resend_when}</span>
                {several
                    .then(|| {
                        view! {
                            <button type="button" class="quiet" on:click=move |_| journey.restart(None)>
                                {t.other_address}
                            </button>
                        }
                    })}
            </div>
        </section>
    }
}

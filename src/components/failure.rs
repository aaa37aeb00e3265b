//! The failure screens: one per way that opening can end, each saying what happened and what to
//! do, with the key server's name where it matters.

use leptos::prelude::*;

use crate::app::{Journey, use_ui};
use crate::format;
use crate::i18n::{Lang, Speak};
use crate::outcome::Failure;
use crate::source::host_of;

/// What the failure screen needs to know about the envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The key server's host.
    pub host: String,
    /// The chosen address.
    pub address: String,
    /// The expiry, Unix seconds.
    pub expires: i64,
    /// The sender address the envelope names.
    pub from: String,
    /// What the key server says of the sender: its organisation and registered address.
    pub registered: Option<(String, String)>,
}

/// The title and the text of a failure screen.
pub fn failure_text(lang: Lang, failure: Failure, facts: &Facts) -> (&'static str, String) {
    let t = lang.strings();
    match failure {
        Failure::NotWaxseal => (t.not_waxseal_title, t.not_waxseal_body.to_owned()),
        Failure::Damaged => (t.damaged_title, t.damaged_body.to_owned()),
        Failure::NewerVersion { found } => (t.newer_title, t.newer_body(found.to_string())),
        Failure::TooLarge => (t.too_large_title, t.too_large_body.to_owned()),
        Failure::Expired => (
            t.expired_title,
            t.expired_body(format::date_time(lang, facts.expires)),
        ),
        Failure::Revoked => (t.revoked_title, t.revoked_body.to_owned()),
        Failure::OpenLimitReached => (t.open_limit_title, t.open_limit_body.to_owned()),
        Failure::TooManyTries => (
            t.too_many_tries_title,
            t.too_many_tries_body(&facts.address),
        ),
        Failure::Unreachable => (t.unreachable_title, t.unreachable_body(&facts.host)),
        Failure::Untrusted => (t.untrusted_title, t.untrusted_body(&facts.host)),
        Failure::ConfigUnavailable => (t.config_title, t.config_body.to_owned()),
        Failure::ServerError => (t.server_error_title, t.server_error_body.to_owned()),
        Failure::UnknownMessage => (t.unknown_message_title, t.unknown_message_body.to_owned()),
        Failure::SenderMismatch => {
            let (organisation, registered) = facts.registered.clone().unwrap_or_default();
            (
                t.sender_mismatch_title,
                t.sender_mismatch_body(&facts.from, &organisation, &registered),
            )
        }
    }
}

/// A stable name for tests and styles.
pub fn failure_id(failure: Failure) -> &'static str {
    match failure {
        Failure::NotWaxseal => "not-waxseal",
        Failure::Damaged => "damaged",
        Failure::NewerVersion { .. } => "newer-version",
        Failure::TooLarge => "too-large",
        Failure::Expired => "expired",
        Failure::Revoked => "revoked",
        Failure::OpenLimitReached => "open-limit-reached",
        Failure::TooManyTries => "too-many-tries",
        Failure::Unreachable => "unreachable",
        Failure::Untrusted => "untrusted",
        Failure::ConfigUnavailable => "config-unavailable",
        Failure::ServerError => "server-error",
        Failure::UnknownMessage => "unknown-message",
        Failure::SenderMismatch => "sender-mismatch",
    }
}

/// A failure screen.
#[component]
pub fn FailureScreen(
    /// What went wrong.
    failure: Failure,
) -> impl IntoView {
    let ui = use_ui();
    let (t, lang) = (ui.strings(), ui.lang());
    let journey = expect_context::<Journey>();
    let facts = journey
        .loaded
        .get_untracked()
        .map(|l| Facts {
            host: host_of(&l.header().key_server),
            address: journey.recipient.get_untracked(),
            expires: l.header().expires as i64,
            from: l.header().from.address.clone(),
            registered: journey.sender.get_untracked().and_then(|s| {
                let from = s.from?;
                Some((s.organisation, from))
            }),
        })
        .unwrap_or_default();
    let host = facts.host.clone();
    let (title, body) = failure_text(lang, failure, &facts);
    // Announced as well as focused: some screen readers read only the focused heading.
    ui.announce.set(format!("{title}. {body}"));
    let serious = matches!(
        failure,
        Failure::Damaged | Failure::Untrusted | Failure::SenderMismatch
    );
    view! {
        <section
            class="card failure"
            class:serious=serious
            data-testid="failure"
            data-failure=failure_id(failure)
        >
            <span class="failure-mark" aria-hidden="true"></span>
            <h1 tabindex="-1">{title}</h1>
            <p>{body}</p>
            {(!host.is_empty() && matches!(failure, Failure::Untrusted | Failure::Unreachable))
                .then(|| {
                    view! {
                        <p class="host-line">
                            <span class="reference-label">{t.label_key_server}</span>
                            <strong class="key-server" data-testid="key-server">{host.clone()}</strong>
                        </p>
                    }
                })}
            <div class="actions">
                {failure
                    .can_retry()
                    .then(|| {
                        view! {
                            <button class="primary" data-testid="retry" on:click=move |_| journey.retry()>
                                {t.try_again}
                            </button>
                        }
                    })}
                {(failure == Failure::TooManyTries)
                    .then(|| {
                        view! {
                            <button class="primary" data-testid="new-passcode" on:click=move |_| journey.restart(None)>
                                {t.resend_button}
                            </button>
                        }
                    })}
                {journey
                    .standalone
                    .then(|| {
                        view! {
                            <button class="quiet" data-testid="open-another" on:click=move |_| journey.pick_another()>
                                {t.open_another}
                            </button>
                        }
                    })}
            </div>
        </section>
    }
}

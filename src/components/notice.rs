//! The text of a note on the passcode step.

use leptos::prelude::*;

use crate::app::use_ui;
use crate::format;
use crate::i18n::{Lang, fill};
use crate::outcome::Notice;

/// When a note that makes the person wait stops applying (Unix seconds); `None` for the others.
pub fn wait_until(notice: Notice) -> Option<i64> {
    match notice {
        Notice::Throttled { until } | Notice::MailUnavailable { until } => Some(until),
        _ => None,
    }
}

/// The note's text; `None` once a wait is over.
pub fn notice_text(lang: Lang, notice: Notice, now: i64, address: &str) -> Option<String> {
    let t = lang.strings();
    let when = |until: i64| format::relative(lang, (until - now).max(1) as u64);
    Some(match notice {
        Notice::CodeIncomplete => t.code_incomplete.to_owned(),
        Notice::WrongCode { tries_left: 1 } => t.wrong_code_one.to_owned(),
        Notice::WrongCode { tries_left } => {
            fill(t.wrong_code_other, &[("n", &tries_left.to_string())])
        }
        Notice::CodeExpired => t.code_expired.to_owned(),
        Notice::CodeUsed => t.code_used.to_owned(),
        Notice::NoCode => t.no_code.to_owned(),
        Notice::KeyMismatch => t.key_mismatch.to_owned(),
        Notice::SessionExpired => t.session_expired.to_owned(),
        Notice::WrongRecipient => fill(t.wrong_recipient, &[("address", address)]),
        Notice::Throttled { until } if until > now => fill(t.throttled, &[("when", &when(until))]),
        Notice::MailUnavailable { until } if until > now => {
            fill(t.mail_unavailable, &[("when", &when(until))])
        }
        Notice::Throttled { .. } | Notice::MailUnavailable { .. } => return None,
        Notice::Refused => t.refused.to_owned(),
    })
}

/// The current note of the journey, announced to screen readers when it appears.
#[component]
pub fn NoticeLine(
    /// The note.
    notice: RwSignal<Option<Notice>>,
    /// The address concerned.
    address: RwSignal<String>,
    /// The element id, for `aria-describedby`.
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang();
    // The text is worked out when the note appears and not re-read every second (a live region
    // that changes every second would keep interrupting a screen reader); the note goes away when
    // its wait is over.
    let text = move || {
        notice
            .get()
            .and_then(|n| notice_text(lang, n, format::now(), &address.get()))
    };
    let visible = move || {
        notice
            .get()
            .is_some_and(|n| wait_until(n).is_none_or(|until| ui.now.get() < until))
    };
    view! {
        <p class="notice" id=id role="alert" data-testid="notice" hidden=move || !visible()>
            {text}
        </p>
    }
}

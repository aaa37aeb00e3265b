//! The text of a note on the step of proving the address (passcode or sign-in).

use leptos::prelude::*;

use crate::app::use_ui;
use crate::format;
use crate::i18n::{Lang, Speak};
use crate::outcome::Notice;

/// When a note that makes the person wait stops applying (Unix seconds); `None` for the others.
pub fn wait_until(notice: Notice) -> Option<i64> {
    match notice {
        Notice::Throttled { until } | Notice::MailUnavailable { until } => Some(until),
        _ => None,
    }
}

/// Whether a note informs rather than warns.
pub fn is_info(notice: Notice) -> bool {
    matches!(notice, Notice::HandedOff)
}

/// What the notes on a refused sign-in name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInFacts {
    /// The provider's name.
    pub provider: String,
    /// The address of the signed-in account, when the key server said.
    pub account: Option<String>,
    /// The message's recipients, as the envelope lists them.
    pub recipients: String,
    /// The host of the viewer's own page, where a sign-in runs after a hand-off.
    pub viewer: String,
}

/// The note's text; `None` once a wait is over. `address` is the chosen address.
pub fn notice_text(
    lang: Lang,
    notice: Notice,
    now: i64,
    address: &str,
    sign_in: &SignInFacts,
) -> Option<String> {
    let t = lang.strings();
    let name = sign_in.provider.as_str();
    let account = sign_in.account.as_deref();
    let when = |until: i64| format::relative(lang, (until - now).max(1) as u64);
    Some(match notice {
        Notice::CodeIncomplete => t.code_incomplete.to_owned(),
        Notice::WrongCode { tries_left } => t.wrong_code(tries_left),
        Notice::CodeExpired => t.code_expired.to_owned(),
        Notice::CodeUsed => t.code_used.to_owned(),
        Notice::NoCode => t.no_code.to_owned(),
        Notice::KeyMismatch => t.key_mismatch.to_owned(),
        Notice::SessionExpired => t.session_expired.to_owned(),
        Notice::WrongRecipient => t.wrong_recipient(address),
        Notice::Throttled { until } if until > now => t.throttled(when(until)),
        Notice::MailUnavailable { until } if until > now => t.mail_unavailable(when(until)),
        Notice::Throttled { .. } | Notice::MailUnavailable { .. } => return None,
        Notice::Refused => t.refused.to_owned(),
        Notice::SignInCancelled => t.sign_in_cancelled.to_owned(),
        Notice::SignInBlocked => t.sign_in_blocked.to_owned(),
        Notice::HandedOff => t.handed_off(&sign_in.viewer, name),
        Notice::PasscodesExhausted => t.passcodes_exhausted.to_owned(),
        Notice::SignInDenied => t.sign_in_denied(name),
        Notice::ProviderUnreachable => t.provider_unreachable(name),
        Notice::SignInAgain => t.sign_in_again.to_owned(),
        // An account without any address the key server could name.
        Notice::WrongAccount | Notice::EmailUnverified if account.is_none() => {
            t.no_verified_address.to_owned()
        }
        Notice::WrongAccount => t.wrong_account(account.unwrap_or_default(), &sign_in.recipients),
        Notice::EmailUnverified => t.email_unverified(account.unwrap_or_default(), name),
        Notice::DomainNotAllowed => t.domain_not_allowed(account.unwrap_or(address), name),
        Notice::ProviderUnavailable => t.provider_unavailable(name),
        Notice::PasskeyCancelled => t.passkey_cancelled.to_owned(),
        Notice::PasskeyRefused => t.passkey_refused.to_owned(),
        Notice::PasskeyCloned => t.passkey_cloned.to_owned(),
        Notice::PasskeyGone => t.passkey_gone.to_owned(),
    })
}

/// The current note of the journey, announced to screen readers when it appears.
#[component]
pub fn NoticeLine(
    /// The note.
    notice: RwSignal<Option<Notice>>,
    /// The address concerned.
    address: RwSignal<String>,
    /// What a note on a refused sign-in names (set before the note).
    sign_in: StoredValue<SignInFacts>,
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
            .and_then(|n| notice_text(lang, n, format::now(), &address.get(), &sign_in.get_value()))
    };
    let visible = move || {
        notice
            .get()
            .is_some_and(|n| wait_until(n).is_none_or(|until| ui.now.get() < until))
    };
    // A note that only informs is announced politely and not styled as a warning.
    let info = move || notice.get().is_some_and(is_info);
    view! {
        <p
            class="notice"
            class:info=info
            id=id
            role=move || if info() { "status" } else { "alert" }
            data-testid="notice"
            hidden=move || !visible()
        >
            {text}
        </p>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn facts(account: Option<&str>) -> SignInFacts {
        SignInFacts {
            provider: "Test ID".into(),
            account: account.map(str::to_owned),
            recipients: "alice@example.com, bob@example.net".into(),
            viewer: "viewer.example.com".into(),
        }
    }

    #[test]
    fn a_refused_sign_in_names_the_account_and_the_recipients() {
        let en = crate::i18n::load_for_tests();
        let text = |lang, notice, account| {
            notice_text(lang, notice, 0, "alice@example.com", &facts(account)).unwrap()
        };
        assert_eq!(
            text(Lang::En, Notice::WrongAccount, Some("carol@example.org")),
            "You signed in as carol@example.org; this message is for alice@example.com, \
             bob@example.net. Sign in with that account, or ask for a passcode."
        );
        assert_eq!(
            text(Lang::Da, Notice::WrongAccount, Some("carol@example.org")),
            "Du loggede ind som carol@example.org; denne besked er til alice@example.com, \
             bob@example.net. Log ind med den konto, eller bed om en kode."
        );
        assert_eq!(
            text(Lang::En, Notice::EmailUnverified, Some("bob@example.com")),
            "Test ID has not confirmed that bob@example.com is your address. Ask for a passcode \
             instead."
        );
        // An account without an address the key server could name.
        for notice in [Notice::WrongAccount, Notice::EmailUnverified] {
            assert_eq!(text(Lang::En, notice, None), en.no_verified_address);
        }
        assert_eq!(
            text(
                Lang::En,
                Notice::DomainNotAllowed,
                Some("alice@example.com")
            ),
            "Signing in with Test ID is not accepted for alice@example.com. Ask for a passcode \
             instead."
        );
        assert_eq!(
            text(Lang::ZhHans, Notice::SignInDenied, None),
            "Test ID 未能让您登录。请重试，或获取验证码。"
        );
        assert_eq!(
            text(Lang::En, Notice::ProviderUnavailable, None),
            "The key server cannot check sign-ins with Test ID just now. Try again later, or ask \
             for a passcode."
        );
        assert_eq!(
            text(Lang::En, Notice::HandedOff, None),
            "Signing in with Test ID continues in a new window of the viewer \
             (viewer.example.com). Or ask for a passcode here."
        );
        assert_eq!(
            text(Lang::En, Notice::SignInCancelled, None),
            en.sign_in_cancelled
        );
    }
}

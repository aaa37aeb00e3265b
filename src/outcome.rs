//! What the person sees when something goes wrong: a whole screen ([`Failure`]) when the message
//! cannot be opened from here, or a note on the current step ([`Notice`]) when trying again may
//! help. [`react`] decides which, from the key server's problem `type` (never from its text).

use waxseal_envelope::FormatError;

use crate::api::ApiError;

/// A screen that replaces the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The input is not a waxseal message.
    NotWaxseal,
    /// Altered or damaged: malformed, or the payload did not authenticate.
    Damaged,
    /// Made by a newer version of the format.
    NewerVersion {
        /// The version found.
        found: u8,
    },
    /// Beyond the format's limits.
    TooLarge,
    /// Past its expiry.
    Expired,
    /// Revoked by the sender.
    Revoked,
    /// Opened as often as the sender allowed.
    OpenLimitReached,
    /// The passcode had its allowed wrong tries.
    TooManyTries,
    /// The key server did not answer (with a retry).
    Unreachable,
    /// The envelope names a key server that the viewer's settings do not list.
    Untrusted,
    /// The viewer's own settings did not load (with a retry).
    ConfigUnavailable,
    /// The key server failed (a 5xx, or an answer that makes no sense).
    ServerError,
    /// The key server does not know the message.
    UnknownMessage,
    /// The envelope names another sender than the one its organisation registered.
    SenderMismatch,
}

impl Failure {
    /// Whether the screen offers to try the same step again.
    pub fn can_retry(self) -> bool {
        matches!(
            self,
            Failure::Unreachable | Failure::ConfigUnavailable | Failure::ServerError
        )
    }
}

/// A note shown on the current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The typed passcode has too few or too many digits, or other characters.
    CodeIncomplete,
    /// A wrong passcode, with tries left (at least 1).
    WrongCode {
        /// Tries left on this passcode.
        tries_left: u8,
    },
    /// The passcode expired: ask for a new one.
    CodeExpired,
    /// The passcode was used already: ask for a new one.
    CodeUsed,
    /// No passcode was asked for with this address.
    NoCode,
    /// The passcode was asked for from another tab.
    KeyMismatch,
    /// The release token is unknown or expired: prove the address again.
    SessionExpired,
    /// The chosen address is not a recipient.
    WrongRecipient,
    /// Too many passcode requests; another is possible at `until` (Unix seconds).
    Throttled {
        /// When a new request can succeed.
        until: i64,
    },
    /// The passcode mail could not be sent; another is possible at `until`.
    MailUnavailable {
        /// When a new request can succeed.
        until: i64,
    },
    /// Any other refusal.
    Refused,
    /// The sign-in window was closed before the sign-in ended.
    SignInCancelled,
    /// The sign-in window could not open (a popup blocker).
    SignInBlocked,
    /// The sign-in goes on in a window of the viewer's own page (see [`crate::handoff`]).
    HandedOff,
    /// The message accepts no more passcodes (too many wrong ones); sign-in still works.
    PasscodesExhausted,
    /// The provider did not sign the person in (`access_denied` and other errors).
    SignInDenied,
    /// The provider's token endpoint did not answer.
    ProviderUnreachable,
    /// The sign-in could not be used (invalid, expired, used already): sign in again.
    SignInAgain,
    /// The signed-in account is not a recipient.
    WrongAccount,
    /// The provider does not vouch for the account's address.
    EmailUnverified,
    /// This provider is not accepted for the recipient's domain.
    DomainNotAllowed,
    /// The key server cannot reach the provider to check the sign-in.
    ProviderUnavailable,
    /// The device's passkey prompt was closed or timed out.
    PasskeyCancelled,
    /// The passkey did not prove the address (refused, used already, or too slow).
    PasskeyRefused,
    /// The passkey's signature counter went back, as a copied passkey's does.
    PasskeyCloned,
    /// The key server has no passkey for the address (any more).
    PasskeyGone,
}

/// Which request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Asking for a passcode.
    Passcode,
    /// Checking the passcode.
    Verify,
    /// Getting the server share.
    Release,
    /// Signing in with an account provider.
    SignIn,
    /// Proving the address with a passkey.
    Passkey,
}

/// What the journey does after a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Show a failure screen.
    Fail(Failure),
    /// Stay on the step and show a note.
    Stay(Notice),
    /// Go back to asking for a passcode (a new one is needed), with a note.
    Restart(Notice),
}

/// How long to wait when a throttling answer does not say.
const DEFAULT_WAIT: u64 = 60;

/// The reaction to a failed request `op`, at `now` (Unix seconds).
pub fn react(op: Op, error: &ApiError, now: i64) -> Reaction {
    use Reaction::{Fail, Restart, Stay};
    let problem = match error {
        ApiError::Unreachable => return Fail(Failure::Unreachable),
        ApiError::Unexpected { .. } => return Fail(Failure::ServerError),
        ApiError::Problem(p) => p,
    };
    let until = now + problem.retry_after.unwrap_or(DEFAULT_WAIT) as i64;
    match error.problem_name().unwrap_or_default() {
        "expired" => Fail(Failure::Expired),
        "revoked" => Fail(Failure::Revoked),
        "open-limit-reached" => Fail(Failure::OpenLimitReached),
        "unknown-message" => Fail(Failure::UnknownMessage),
        "passcodes-exhausted" => Stay(Notice::PasscodesExhausted),
        "too-many-tries" => Fail(Failure::TooManyTries),
        "wrong-passcode" => match problem.tries_left {
            Some(0) => Fail(Failure::TooManyTries),
            Some(n) => Stay(Notice::WrongCode { tries_left: n }),
            // A server that does not say: the person may try again.
            None => Stay(Notice::WrongCode { tries_left: 1 }),
        },
        "wrong-recipient" => Restart(Notice::WrongRecipient),
        "throttled" => Stay(Notice::Throttled { until }),
        "mail-unavailable" => Stay(Notice::MailUnavailable { until }),
        "passcode-expired" => Stay(Notice::CodeExpired),
        "passcode-used" => Stay(Notice::CodeUsed),
        "no-passcode" => Restart(Notice::NoCode),
        "key-mismatch" => Restart(Notice::KeyMismatch),
        "token-invalid" | "token-expired" => Restart(Notice::SessionExpired),
        "sign-in-invalid" | "sign-in-expired" | "sign-in-replayed" => Stay(Notice::SignInAgain),
        "wrong-account" => Stay(Notice::WrongAccount),
        "email-unverified" => Stay(Notice::EmailUnverified),
        "domain-not-allowed" => Stay(Notice::DomainNotAllowed),
        "provider-unavailable" => Stay(Notice::ProviderUnavailable),
        "passkey-refused" | "passkey-replayed" | "passkey-expired" => Stay(Notice::PasskeyRefused),
        "passkey-cloned" => Stay(Notice::PasskeyCloned),
        "no-passkey" | "passkeys-off" => Stay(Notice::PasskeyGone),
        // A passcode of the wrong length is refused without using a try.
        "invalid-request" if op == Op::Verify => Stay(Notice::CodeIncomplete),
        _ if problem.status >= 500 => Fail(Failure::ServerError),
        _ => Stay(Notice::Refused),
    }
}

/// The screen for an envelope that cannot be read.
pub fn format_failure(error: &FormatError) -> Failure {
    match error {
        FormatError::NotWaxseal => Failure::NotWaxseal,
        FormatError::NewerVersion { found } => Failure::NewerVersion { found: *found },
        FormatError::TooLarge(_) => Failure::TooLarge,
        _ => Failure::Damaged,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use waxseal_api::Problem;

    use super::*;

    fn problem(name: &str, status: u16) -> Problem {
        Problem {
            kind: format!("urn:waxseal:problem:{name}"),
            title: "title".into(),
            status,
            detail: None,
            tries_left: None,
            retry_after: None,
            signed_in_as: None,
        }
    }

    fn react_to(op: Op, p: Problem) -> Reaction {
        react(op, &ApiError::Problem(p), 1_000)
    }

    #[test]
    fn final_answers_are_screens() {
        use Reaction::Fail;
        for (name, status, failure) in [
            ("expired", 410, Failure::Expired),
            ("revoked", 410, Failure::Revoked),
            ("open-limit-reached", 410, Failure::OpenLimitReached),
            ("unknown-message", 404, Failure::UnknownMessage),
            ("too-many-tries", 400, Failure::TooManyTries),
            ("internal", 500, Failure::ServerError),
        ] {
            for op in [
                Op::Passcode,
                Op::Verify,
                Op::Release,
                Op::SignIn,
                Op::Passkey,
            ] {
                assert_eq!(react_to(op, problem(name, status)), Fail(failure), "{name}");
            }
        }
        assert_eq!(
            react(Op::Passcode, &ApiError::Unreachable, 0),
            Fail(Failure::Unreachable)
        );
        assert_eq!(
            react(Op::Release, &ApiError::Unexpected { status: 502 }, 0),
            Fail(Failure::ServerError)
        );
        assert!(Failure::Unreachable.can_retry());
        assert!(!Failure::Revoked.can_retry());
    }

    #[test]
    fn a_spent_guessing_budget_leaves_the_sign_in_open() {
        let mut p = problem("passcodes-exhausted", 403);
        // The wrong passcode that spends it also says no tries are left: not a screen.
        p.tries_left = Some(0);
        for op in [Op::Passcode, Op::Verify] {
            assert_eq!(
                react_to(op, p.clone()),
                Reaction::Stay(Notice::PasscodesExhausted)
            );
        }
    }

    #[test]
    fn a_wrong_passcode_says_how_many_tries_are_left() {
        let mut p = problem("wrong-passcode", 400);
        p.tries_left = Some(3);
        assert_eq!(
            react_to(Op::Verify, p.clone()),
            Reaction::Stay(Notice::WrongCode { tries_left: 3 })
        );
        p.tries_left = Some(0);
        assert_eq!(
            react_to(Op::Verify, p),
            Reaction::Fail(Failure::TooManyTries)
        );
    }

    #[test]
    fn throttling_says_when_to_try_again() {
        let mut p = problem("throttled", 429);
        p.retry_after = Some(45);
        assert_eq!(
            react_to(Op::Passcode, p),
            Reaction::Stay(Notice::Throttled { until: 1_045 })
        );
        assert_eq!(
            react_to(Op::Passcode, problem("throttled", 429)),
            Reaction::Stay(Notice::Throttled { until: 1_060 })
        );
        let mut p = problem("mail-unavailable", 503);
        p.retry_after = Some(30);
        assert_eq!(
            react_to(Op::Passcode, p),
            Reaction::Stay(Notice::MailUnavailable { until: 1_030 })
        );
    }

    #[test]
    fn a_new_passcode_is_needed_after_these() {
        for (name, status, notice) in [
            ("wrong-recipient", 403, Notice::WrongRecipient),
            ("no-passcode", 400, Notice::NoCode),
            ("key-mismatch", 403, Notice::KeyMismatch),
            ("token-invalid", 401, Notice::SessionExpired),
            ("token-expired", 401, Notice::SessionExpired),
        ] {
            assert_eq!(
                react_to(Op::Release, problem(name, status)),
                Reaction::Restart(notice),
                "{name}"
            );
        }
        assert_eq!(
            react_to(Op::Verify, problem("passcode-expired", 400)),
            Reaction::Stay(Notice::CodeExpired)
        );
        assert_eq!(
            react_to(Op::Verify, problem("passcode-used", 400)),
            Reaction::Stay(Notice::CodeUsed)
        );
    }

    #[test]
    fn other_refusals_stay_on_the_step() {
        assert_eq!(
            react_to(Op::Verify, problem("invalid-request", 400)),
            Reaction::Stay(Notice::CodeIncomplete)
        );
        assert_eq!(
            react_to(Op::Passcode, problem("invalid-request", 400)),
            Reaction::Stay(Notice::Refused)
        );
        assert_eq!(
            react_to(Op::Passcode, problem("malformed-request", 400)),
            Reaction::Stay(Notice::Refused)
        );
    }

    #[test]
    fn a_refused_sign_in_stays_on_the_step_with_the_passcode_route() {
        for (name, status, notice) in [
            ("sign-in-invalid", 401, Notice::SignInAgain),
            ("sign-in-expired", 401, Notice::SignInAgain),
            ("sign-in-replayed", 401, Notice::SignInAgain),
            ("wrong-account", 403, Notice::WrongAccount),
            ("email-unverified", 403, Notice::EmailUnverified),
            ("domain-not-allowed", 403, Notice::DomainNotAllowed),
            ("provider-unavailable", 502, Notice::ProviderUnavailable),
            ("invalid-request", 400, Notice::Refused),
        ] {
            assert_eq!(
                react_to(Op::SignIn, problem(name, status)),
                Reaction::Stay(notice),
                "{name}"
            );
        }
        assert_eq!(
            react(Op::SignIn, &ApiError::Unreachable, 0),
            Reaction::Fail(Failure::Unreachable)
        );
    }

    #[test]
    fn unreadable_envelopes_get_their_own_screens() {
        assert_eq!(
            format_failure(&FormatError::NotWaxseal),
            Failure::NotWaxseal
        );
        assert_eq!(
            format_failure(&FormatError::NewerVersion { found: 3 }),
            Failure::NewerVersion { found: 3 }
        );
        assert_eq!(
            format_failure(&FormatError::Malformed("x")),
            Failure::Damaged
        );
        assert_eq!(
            format_failure(&FormatError::TooLarge("x")),
            Failure::TooLarge
        );
    }
}

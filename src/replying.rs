//! The secure reply's state and steps in the journey: writing, sealing in the tab, handing the
//! sealed reply to the key server, and proving the address again when the proof expired while the
//! person wrote, without losing the draft.
//!
//! The draft lives in this tab's memory only: nothing of it is stored, and nothing of it leaves
//! the tab unsealed. Leaving with an unsent draft asks first.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, FileList};

use crate::api::ApiError;
use crate::app::{Journey, Screen, Step, focus_soon};
use crate::decrypt::Progress;
use crate::format;
use crate::i18n::Strings;
use crate::journey::{Session, needs_proof};
use crate::outcome::{Failure, Op, react};
use crate::reply::{self, Attached, SealFailure};
use crate::sealer;

/// Where the reply is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// No reply under way: the message shows.
    Closed,
    /// Writing.
    Writing,
    /// Sealing in the tab, with progress.
    Sealing,
    /// Handing the sealed reply to the key server.
    Sending,
    /// Proving the address again before sending (the draft is kept).
    Reprove,
    /// Sent.
    Sent {
        /// The address the key server mailed it to.
        to: String,
        /// The MIME message that was sent, for "save a copy".
        eml: Blob,
    },
}

/// Why the reply was not sent (shown in the reply form; the draft stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyProblem {
    /// Nothing written and nothing attached.
    Empty,
    /// Larger than the key server relays.
    TooLarge {
        /// The sealed reply's size.
        size: u64,
        /// The key server's limit.
        limit: u64,
    },
    /// As many replies as the key server relays were sent.
    LimitReached,
    /// The message takes no secure reply.
    NotAccepted,
    /// The message can no longer be answered (expired, revoked, unknown).
    Closed(Failure),
    /// Too many replies from this network; another is possible at `until` (Unix seconds).
    Throttled {
        /// When a new try can succeed.
        until: i64,
    },
    /// The key server could not hand the reply to its mail server.
    MailUnavailable,
    /// The organisation's mail server refused the reply for good (most often its size).
    MailRefused,
    /// The key server did not answer.
    Unreachable,
    /// The part of the viewer that seals replies could not be loaded.
    SealerUnavailable,
    /// Anything else.
    Failed,
    /// A file could not be read.
    Unreadable,
}

/// The reply under way, shared by the journey and the reply form. `Copy`.
#[derive(Clone, Copy)]
pub struct ReplyState {
    /// Where the reply is.
    pub phase: RwSignal<Phase, LocalStorage>,
    /// The text, with the original quoted below.
    pub text: RwSignal<String>,
    /// The attached files.
    pub files: RwSignal<Vec<Attached>, LocalStorage>,
    /// The largest sealed reply the key server relays (none until its settings arrive).
    pub limit: RwSignal<Option<u64>>,
    /// Sealing progress.
    pub progress: RwSignal<Progress>,
    /// Why the last try did not send.
    pub problem: RwSignal<Option<ReplyProblem>>,
    /// The text the draft started with (the quote), to tell whether anything was written.
    start: StoredValue<String>,
    next_id: StoredValue<u32>,
}

impl ReplyState {
    /// No reply under way.
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new_local(Phase::Closed),
            text: RwSignal::new(String::new()),
            files: RwSignal::new_local(Vec::new()),
            limit: RwSignal::new(None),
            progress: RwSignal::new(Progress { done: 0, total: 0 }),
            problem: RwSignal::new(None),
            start: StoredValue::new(String::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// Whether the address is being proved again for this reply.
    pub fn is_reproving(&self) -> bool {
        self.phase.with_untracked(|p| *p == Phase::Reprove)
    }

    /// Whether sealing or sending is under way.
    pub fn is_busy(&self) -> bool {
        self.phase
            .with_untracked(|p| matches!(p, Phase::Sealing | Phase::Sending))
    }

    /// Whether there is a draft with something of the person's in it that was not sent.
    pub fn has_unsent(&self) -> bool {
        let open = self.phase.with_untracked(|p| {
            matches!(
                p,
                Phase::Writing | Phase::Sealing | Phase::Sending | Phase::Reprove
            )
        });
        let written = self
            .start
            .with_value(|start| self.text.with_untracked(|t| t != start));
        open && (written || self.files.with_untracked(|f| !f.is_empty()))
    }

    /// Whether the draft may be given up: yes when there is none, else when the person agrees.
    pub fn may_leave(&self, t: &Strings) -> bool {
        !self.has_unsent()
            || window()
                .confirm_with_message(t.reply_discard_confirm)
                .unwrap_or(false)
    }

    /// Forgets the draft.
    pub fn clear(&self) {
        self.phase.set(Phase::Closed);
        self.text.set(String::new());
        self.files.set(Vec::new());
        self.problem.set(None);
        self.start.set_value(String::new());
    }

    /// About how large the sealed reply will be (for the size meter).
    pub fn estimated_len(&self) -> u64 {
        let text = self.text.with(String::len);
        self.files.with(|files| reply::estimated_len(text, files))
    }

    /// Reads the files and attaches them (in the order given).
    pub fn attach(&self, list: FileList) {
        let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        let this = *self;
        spawn_local(async move {
            for file in files {
                let bytes = match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                    Err(_) => {
                        this.problem.set(Some(ReplyProblem::Unreadable));
                        continue;
                    }
                };
                let id = this.next_id.get_value();
                this.next_id.set_value(id + 1);
                let content_type = Some(file.type_())
                    .filter(|t| is_media_type(t))
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                this.files.update(|files| {
                    files.push(Attached {
                        id,
                        name: file.name(),
                        content_type,
                        bytes: Rc::new(bytes),
                    })
                });
            }
        });
    }

    /// Removes attachment `id`.
    pub fn remove(&self, id: u32) {
        self.files.update(|files| files.retain(|a| a.id != id));
    }
}

impl Default for ReplyState {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a browser-reported file type is a plain `type/subtype` (anything else is sent as
/// `application/octet-stream`).
fn is_media_type(t: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    t.split_once('/')
        .is_some_and(|(ty, sub)| token(ty) && token(sub))
}

/// The reply problem of a refused send.
pub fn problem_of(e: &ApiError, now: i64) -> ReplyProblem {
    match e {
        ApiError::Unreachable => ReplyProblem::Unreachable,
        ApiError::Unexpected { .. } => ReplyProblem::Failed,
        ApiError::Problem(p) => match e.problem_name().unwrap_or_default() {
            "reply-limit-reached" => ReplyProblem::LimitReached,
            "replies-not-accepted" => ReplyProblem::NotAccepted,
            "expired" => ReplyProblem::Closed(Failure::Expired),
            "revoked" => ReplyProblem::Closed(Failure::Revoked),
            "unknown-message" => ReplyProblem::Closed(Failure::UnknownMessage),
            "mail-unavailable" => ReplyProblem::MailUnavailable,
            "reply-refused" => ReplyProblem::MailRefused,
            "throttled" => ReplyProblem::Throttled {
                until: now + p.retry_after.unwrap_or(60) as i64,
            },
            _ => ReplyProblem::Failed,
        },
    }
}

impl Journey {
    /// "Reply securely": opens the reply form, the original quoted below room to write.
    pub fn start_reply(&self) {
        let Some((message, _)) = self.opened.get_value() else {
            return;
        };
        if self
            .reply
            .phase
            .with_untracked(|p| matches!(p, Phase::Sent { .. }))
        {
            self.reply.clear();
        }
        if self.reply.phase.with_untracked(|p| *p == Phase::Closed) {
            let t = self.ui.strings();
            let sender = message
                .from
                .first()
                .map(crate::mime::Mailbox::display)
                .unwrap_or_default();
            let date = message
                .date
                .map(|d| format::date_time(self.ui.lang(), d))
                .unwrap_or_default();
            let intro = if date.is_empty() {
                t.reply_quote_intro_undated(&sender)
            } else {
                t.reply_quote_intro(&date, &sender)
            };
            let start = reply::quoted(&intro, &message.text_for_quote());
            self.reply.start.set_value(start.clone());
            self.reply.text.set(start);
            self.reply.problem.set(None);
        }
        self.reply.phase.set(Phase::Writing);
        // The code that seals the reply loads while the person writes.
        sealer::prefetch();
        focus_start_of("#reply-text");
    }

    /// "Discard": back to the message, once the person agrees to lose what they wrote.
    pub fn discard_reply(&self) {
        if self.reply.is_busy() || !self.reply.may_leave(self.ui.strings()) {
            return;
        }
        self.reply.clear();
        focus_soon("#main h1");
    }

    /// "Back to the message" after sending.
    pub fn close_reply(&self) {
        self.reply.clear();
        focus_soon("#main h1");
    }

    /// "Send encrypted reply": builds the MIME message, seals it in the tab, hands it to the key
    /// server. Without a valid proof of address, asks for one first (the draft stays).
    pub fn send_reply(&self) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let Some((message, _)) = self.opened.get_value() else {
            return;
        };
        if self.reply.is_busy() {
            return;
        }
        let Some(reply_to) = session.loaded().header().reply.clone() else {
            self.reply.problem.set(Some(ReplyProblem::NotAccepted));
            return;
        };
        let Some(from) = session.proven() else {
            return self.reprove();
        };
        let empty = self.reply.text.with_untracked(|t| t.trim().is_empty())
            && self.reply.files.with_untracked(Vec::is_empty);
        if empty {
            self.reply.problem.set(Some(ReplyProblem::Empty));
            focus_soon("#reply-text");
            return;
        }
        let state = self.reply;
        state.problem.set(None);
        state.progress.set(Progress { done: 0, total: 1 });
        state.phase.set(Phase::Sealing);
        let this = *self;
        spawn_local(async move {
            let name = message
                .to
                .iter()
                .chain(&message.cc)
                .find(|m| {
                    m.address
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(&from))
                })
                .and_then(|m| m.name.clone());
            let text = state.text.get_untracked();
            let files = state.files.get_untracked();
            let now = format::now();
            let header = session.loaded().header_bytes();
            let sealed = sealer::seal(
                &reply::Draft {
                    from: (name.as_deref(), &from),
                    to: &reply_to.to,
                    subject: message.subject.as_deref(),
                    in_reply_to: message.message_id.as_deref(),
                    references: &message.references,
                    text: &text,
                    attachments: &files,
                    date: now,
                },
                &header,
                now.max(0) as u64,
                move |p| state.progress.set(p),
            )
            .await;
            drop(files);
            let back = |problem: ReplyProblem| {
                state.problem.set(Some(problem));
                state.phase.set(Phase::Writing);
                focus_soon("#reply-problem");
            };
            let sealed = match sealed {
                Ok(sealed) => sealed,
                Err(SealFailure::Unavailable) => return back(ReplyProblem::SealerUnavailable),
                Err(_) => return back(ReplyProblem::Failed),
            };
            if let Some(limit) = state.limit.get_untracked()
                && sealed.len > limit
            {
                return back(ReplyProblem::TooLarge {
                    size: sealed.len,
                    limit,
                });
            }
            state.phase.set(Phase::Sending);
            match session.send_reply(&sealed.reply).await {
                Ok(sent) => {
                    this.ui
                        .announce
                        .set(this.ui.strings().reply_sent_body(&sent.to));
                    state.text.set(String::new());
                    state.files.set(Vec::new());
                    state.phase.set(Phase::Sent {
                        to: sent.to,
                        eml: sealed.eml,
                    });
                    focus_soon("#main h1");
                }
                Err(e) if needs_proof(&e) => this.reprove(),
                Err(e) => back(problem_of(&e, format::now())),
            }
        });
    }

    /// The proof of address expired (or was never held): prove it again on the summary screen,
    /// then the reply is sent. The draft stays in memory.
    fn reprove(&self) {
        self.reply.phase.set(Phase::Reprove);
        self.step.set(Step::Choose);
        self.code.set(String::new());
        self.notice.set(None);
        self.busy.set(false);
        self.show(Screen::Prove);
    }

    /// While proving the address again: checks the passcode, then sends the reply.
    pub(crate) fn verify_for_reply(&self, session: Rc<Session>, recipient: String) {
        let Some(code) = self.typed_passcode() else {
            return;
        };
        let this = *self;
        this.busy.set(true);
        this.notice.set(None);
        spawn_local(async move {
            let verified = session.verify(&recipient, &code).await;
            this.busy.set(false);
            match verified {
                Ok(_) => {
                    this.code.set(String::new());
                    this.resume_reply();
                }
                Err(e) => this.react(react(Op::Verify, &e, format::now())),
            }
        });
    }

    /// The address is proved again: back to the reply, which is sent.
    pub(crate) fn resume_reply(&self) {
        self.back_to_reply(None);
        self.send_reply();
    }

    /// Back to the reply form (with the reason the reply cannot be sent, if there is one).
    pub(crate) fn back_to_reply(&self, problem: Option<ReplyProblem>) {
        self.busy.set(false);
        self.reply.problem.set(problem);
        self.reply.phase.set(Phase::Writing);
        if let Some((message, eml)) = self.opened.get_value() {
            self.show(Screen::Opened(message, eml));
        }
    }

    /// "Back to my reply" while proving the address again.
    pub fn cancel_reprove(&self) {
        self.back_to_reply(None);
    }
}

/// Focuses a text field once drawn, with the caret at its start (above the quote).
fn focus_start_of(selector: &'static str) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Ok(Some(el)) = document().query_selector(selector)
            && let Ok(area) = el.dyn_into::<web_sys::HtmlTextAreaElement>()
        {
            let _ = area.focus();
            let _ = area.set_selection_range(0, 0);
            area.set_scroll_top(0);
        }
    });
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_plain_media_types_are_kept() {
        assert!(is_media_type("image/png"));
        assert!(is_media_type("application/vnd.ms-excel"));
        assert!(!is_media_type(""));
        assert!(!is_media_type("text/html; charset=utf-8"));
        assert!(!is_media_type("image/"));
        assert!(!is_media_type("a/b\r\nX-Injected: 1"));
    }
}

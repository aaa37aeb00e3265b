//! The viewer's root component and the journey's state: which screen shows, and the steps that
//! move between screens. The decisions themselves (problem → screen, passcode cleaning, MIME,
//! HTML rewriting, decryption) live in their own modules, as plain functions.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::Date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use waxseal_api::usage::{Proof, Source};
use waxseal_api::{MessageSender, PasskeySettings, SignInProvider};
use waxseal_envelope::FormatError;
use zeroize::Zeroize;

use crate::api::{self, ApiError};
use crate::components::compose::OpenedView;
use crate::components::failure::FailureScreen;
use crate::components::notice::SignInFacts;
use crate::components::pick::PickFile;
use crate::components::privacy::PrivacyPage;
use crate::components::progress::Decrypting;
use crate::components::prove::Prove;
use crate::components::shell::{Footer, TopBar};
use crate::config;
use crate::decrypt::{self, Progress, ProgressScreen};
use crate::format;
use crate::handoff::{self, Parcel};
use crate::i18n::{self, Lang, Speak, Strings};
use crate::journey::{OpenFailure, PasskeyFailure, Session, mail_languages};
use crate::mime::{self, Opened};
use crate::outcome::{Failure, Notice, Op, Reaction, format_failure, react};
use crate::passcode;
use crate::passkey::{self, DeviceError};
use crate::replying::{ReplyProblem, ReplyState};
use crate::sign_in::{self, Answer, Callback, Pending};
use crate::source::{self, Loaded};
use crate::usage::Timeline;

/// Language, clock and screen-reader announcements, shared by every component.
#[derive(Clone, Copy)]
pub struct Ui {
    /// The language shown.
    pub lang: RwSignal<Lang>,
    /// Now, in Unix seconds, ticking once a second (for "try again in …").
    pub now: RwSignal<i64>,
    /// Text for the polite live region.
    pub announce: RwSignal<String>,
    /// Who runs this viewer (from its `config.json`), shown in the header and the privacy
    /// statement.
    pub operator: RwSignal<Option<config::Operator>>,
}

impl Ui {
    /// The strings of the current language (tracked).
    pub fn t(&self) -> &'static Strings {
        self.lang.get().strings()
    }

    /// The current language, untracked: screens are rebuilt as a whole when it changes (see
    /// [`App`]), so their texts need not each be reactive.
    pub fn lang(&self) -> Lang {
        self.lang.get_untracked()
    }

    /// The strings of the current language, untracked (see [`Ui::lang`]).
    pub fn strings(&self) -> &'static Strings {
        self.lang().strings()
    }
}

/// The `Ui` of the surrounding app.
pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}

/// A decrypted message: parsed, and its MIME bytes.
pub(crate) type OpenedMessage = (Rc<Opened>, Rc<Vec<u8>>);

/// What the main area shows.
#[derive(Clone)]
pub enum Screen {
    /// Reading the envelope and the settings.
    Loading,
    /// The viewer's own page, without a message: pick or drop a file.
    Pick,
    /// The envelope summary and proving the address.
    Prove,
    /// Decrypting, with progress.
    Decrypting,
    /// The decrypted message.
    Opened(Rc<Opened>, Rc<Vec<u8>>),
    /// A failure screen.
    Failed(Failure),
}

/// Where the person is in proving their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Choosing the address and asking for a passcode.
    Choose,
    /// A passcode was sent; typing it.
    Code {
        /// The reference code that the mail shows too.
        reference: String,
        /// How long the passcode is valid, in seconds.
        expires_in: u64,
        /// When another passcode may be asked for (Unix seconds).
        resend_at: i64,
    },
}

/// What the opened message says about passkeys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyPanel {
    /// Nothing: passkeys are off, or do not work on this page.
    Hidden,
    /// Passkeys are on, but this browser cannot use them, or has no authenticator that verifies
    /// its user.
    Unsupported,
    /// "Use a passkey next time for {address}".
    Offer,
    /// Waiting for the device, or the key server.
    Working,
    /// A passkey was added (its id, for "Forget this device").
    Added(String),
    /// The message was opened with this passkey.
    Used(String),
    /// The key server forgot the passkey.
    Forgotten,
    /// Adding or forgetting did not work.
    Problem(PanelProblem),
}

/// Why adding or forgetting a passkey did not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelProblem {
    /// The person closed the device's prompt.
    Cancelled,
    /// The device has a passkey for this address already.
    Exists,
    /// The proof of the address expired: open the message again first.
    ProofExpired,
    /// Anything else (the key server refused, or did not answer).
    Failed,
}

/// The journey's state and the steps between screens. `Copy`, so event handlers take it along.
#[derive(Clone, Copy)]
pub struct Journey {
    /// The screen.
    pub screen: RwSignal<Screen, LocalStorage>,
    /// The envelope being opened, once it is read (for failure screens too).
    pub loaded: RwSignal<Option<Loaded>, LocalStorage>,
    pub(crate) session: StoredValue<Option<Rc<Session>>, LocalStorage>,
    /// Whether this is the viewer's own page (not a `message.html`).
    pub standalone: bool,
    /// The chosen recipient address.
    pub recipient: RwSignal<String>,
    /// The passcode step.
    pub step: RwSignal<Step>,
    /// The passcode field's text.
    pub code: RwSignal<String>,
    /// A note on the current step.
    pub notice: RwSignal<Option<Notice>>,
    /// Whether a request is under way.
    pub busy: RwSignal<bool>,
    /// Decryption progress.
    pub progress: RwSignal<Progress>,
    /// The sign-in providers the key server offers (none until its settings arrive).
    pub providers: RwSignal<Vec<SignInProvider>>,
    /// Who registered the message, as the key server says (none until it answered).
    pub sender: RwSignal<Option<MessageSender>>,
    /// Where the key server's passkeys work, if it offers them (none until it answered).
    pub passkeys: RwSignal<Option<PasskeySettings>>,
    /// Whether this device has an authenticator that verifies its user.
    pub platform_authenticator: RwSignal<bool>,
    /// What the opened message says about passkeys.
    pub passkey: RwSignal<PasskeyPanel>,
    /// The secure reply being written, if any.
    pub reply: ReplyState,
    /// The opened message, kept while the address is proved again for a reply.
    pub(crate) opened: StoredValue<Option<OpenedMessage>, LocalStorage>,
    /// What a note on a refused sign-in names (set before the note).
    pub sign_in_facts: StoredValue<SignInFacts>,
    flow: StoredValue<Option<Rc<Flow>>, LocalStorage>,
    /// A window of the viewer's page this `message.html` is handing its envelope to.
    handoff: StoredValue<Option<Rc<Handoff>>, LocalStorage>,
    /// On the viewer's page opened for a hand-off: whether the envelope is still awaited.
    awaiting: StoredValue<bool>,
    /// The provider and address the person chose before the hand-off.
    preferred: StoredValue<Option<(String, String)>>,
    last: StoredValue<Option<Op>>,
    /// The moments of this journey, for the usage report (see [`crate::usage`]).
    usage: StoredValue<Rc<Timeline>, LocalStorage>,
    pub(crate) ui: Ui,
}

/// A hand-off to the viewer's own page under way (see [`handoff`]).
struct Handoff {
    window: web_sys::Window,
    /// The viewer page's origin, the only one the envelope is posted to.
    origin: String,
    provider: String,
    recipient: String,
}

/// A sign-in under way in a popup.
struct Flow {
    pending: Pending,
    popup: web_sys::Window,
    /// Clock ticks for which the popup has been seen closed without an answer.
    closed_ticks: Cell<u8>,
}

impl Journey {
    fn new(ui: Ui, standalone: bool) -> Self {
        Self {
            screen: RwSignal::new_local(Screen::Loading),
            loaded: RwSignal::new_local(None),
            session: StoredValue::new_local(None),
            standalone,
            recipient: RwSignal::new(String::new()),
            step: RwSignal::new(Step::Choose),
            code: RwSignal::new(String::new()),
            notice: RwSignal::new(None),
            busy: RwSignal::new(false),
            progress: RwSignal::new(Progress { done: 0, total: 0 }),
            providers: RwSignal::new(Vec::new()),
            sender: RwSignal::new(None),
            passkeys: RwSignal::new(None),
            platform_authenticator: RwSignal::new(false),
            passkey: RwSignal::new(PasskeyPanel::Hidden),
            reply: ReplyState::new(),
            opened: StoredValue::new_local(None),
            sign_in_facts: StoredValue::new(SignInFacts::default()),
            flow: StoredValue::new_local(None),
            handoff: StoredValue::new_local(None),
            awaiting: StoredValue::new(false),
            preferred: StoredValue::new(None),
            last: StoredValue::new(None),
            usage: StoredValue::new_local(Rc::new(Timeline::default())),
            ui,
        }
    }

    pub(crate) fn show(&self, screen: Screen) {
        let focus = match &screen {
            Screen::Prove => "[data-focus]",
            _ => "#main h1",
        };
        self.screen.set(screen);
        focus_soon(focus);
    }

    fn fail(&self, failure: Failure) {
        self.busy.set(false);
        self.show(Screen::Failed(failure));
        if let Some(kind) = crate::usage::failure_of(failure) {
            self.report_usage(Some(kind));
        }
    }

    /// Sends this journey's usage report, if the key server wants one and none was sent.
    fn report_usage(&self, failure: Option<waxseal_api::usage::Failure>) {
        let (Some(session), timeline) = (self.session.get_value(), self.usage.get_value()) else {
            return;
        };
        let user_agent = window().navigator().user_agent().unwrap_or_default();
        let language = self.ui.lang.get_untracked();
        if let Some(report) = timeline.report(&user_agent, language, failure, Date::now()) {
            timeline.send(session.server(), report);
        }
    }

    /// Back to the file picker (viewer's own page only). An unsent reply is given up only when
    /// the person agrees.
    pub fn pick_another(&self) {
        if !self.reply.may_leave(self.ui.strings()) {
            return;
        }
        self.reply.clear();
        self.opened.set_value(None);
        self.flow.set_value(None);
        self.providers.set(Vec::new());
        self.session.set_value(None);
        self.loaded.set(None);
        self.show(Screen::Pick);
    }

    /// Reads an envelope (from the page or a file), checks it and the viewer's trust in its key
    /// server, and shows the summary. Sends nothing to the key server.
    pub fn load(&self, envelope: Result<Vec<u8>, FormatError>, source: Source) {
        self.show(Screen::Loading);
        let size = envelope.as_ref().map_or(0, |e| e.len() as u64);
        self.usage.get_value().start(source, size, Date::now());
        let loaded = match envelope.and_then(Loaded::new) {
            Ok(loaded) => loaded,
            Err(e) => return self.fail(format_failure(&e)),
        };
        self.loaded.set(Some(loaded.clone()));
        self.check_trust(loaded);
    }

    fn check_trust(&self, loaded: Loaded) {
        let this = *self;
        spawn_local(async move {
            let config = config::load(&document()).await;
            let config = match config {
                Ok(c) => c,
                Err(_) => return this.fail(Failure::ConfigUnavailable),
            };
            this.ui.operator.set(config.operator.clone());
            if !config.trusts(&loaded.header().key_server) {
                return this.fail(Failure::Untrusted);
            }
            let recipients = &loaded.header().recipients;
            let preferred = this.preferred.get_value();
            this.recipient.set(match &preferred {
                _ if recipients.len() == 1 => recipients[0].clone(),
                Some((_, chosen)) if recipients.contains(chosen) => chosen.clone(),
                _ => String::new(),
            });
            let session = Rc::new(Session::new(loaded.clone()));
            this.session.set_value(Some(session.clone()));
            // Who registered the message: shown next to the sender, and an envelope naming
            // another sender than the one registered is refused before anything is asked of the
            // person. Without an answer, the journey goes on (its next request says why).
            this.sender.set(None);
            this.passkey.set(PasskeyPanel::Hidden);
            if let Ok(sender) = session.server().sender(&loaded.header().id).await {
                let forged = sender
                    .from
                    .as_ref()
                    .is_some_and(|from| *from != loaded.header().from.address);
                this.sender.set(Some(sender));
                if forged {
                    return this.fail(Failure::SenderMismatch);
                }
            }
            this.flow.set_value(None);
            this.providers.set(Vec::new());
            this.step.set(Step::Choose);
            this.code.set(String::new());
            this.notice.set(None);
            this.show(Screen::Prove);
            this.usage.get_value().summary(Date::now());
            // The ways to sign in, offered next to the passcode once the key server names
            // them; without an answer, the passcode is the only way.
            if let Ok(settings) = session.server().settings().await {
                let mut providers = settings.providers;
                providers.retain(sign_in::usable);
                let current = this.session.get_value();
                if current.is_some_and(|c| Rc::ptr_eq(&c, &session)) {
                    this.usage.get_value().want(settings.usage_reports);
                    this.reply.limit.set(settings.reply_max_bytes);
                    if let Some(p) = &settings.passkeys
                        && passkey::usable_here(p)
                    {
                        this.platform_authenticator
                            .set(passkey::platform_authenticator().await);
                    }
                    this.passkeys.set(settings.passkeys);
                    this.providers.set(providers);
                    // After a hand-off, the button of the provider chosen in the message.
                    if let Some((provider, _)) = this.preferred.get_value() {
                        focus_provider_soon(provider);
                    }
                }
            }
        });
    }

    /// "Try again" on a failure screen.
    pub fn retry(&self) {
        match self.screen.get_untracked() {
            Screen::Failed(Failure::ConfigUnavailable) => {
                if let Some(loaded) = self.loaded.get_untracked() {
                    self.show(Screen::Loading);
                    self.check_trust(loaded);
                }
            }
            _ => {
                self.show(Screen::Prove);
                match self.last.get_value() {
                    Some(Op::Passcode) => self.send_passcode(),
                    Some(Op::Verify | Op::Release) => self.open(),
                    Some(Op::Passkey) => self.open_with_passkey(),
                    // A new sign-in needs a click (a popup opens only on one).
                    Some(Op::SignIn) | None => {}
                }
            }
        }
    }

    /// Back to asking for a passcode (after too many wrong tries, or to use another address).
    pub fn restart(&self, notice: Option<Notice>) {
        if let Some(session) = self.session.get_value() {
            session.forget_token();
        }
        self.step.set(Step::Choose);
        self.code.set(String::new());
        self.notice.set(notice);
        self.busy.set(false);
        self.show(Screen::Prove);
    }

    /// "Email me a passcode": the first request to the key server, made only on a click.
    pub fn send_passcode(&self) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let recipient = self.recipient.get_untracked();
        if recipient.is_empty() || self.busy.get_untracked() {
            return;
        }
        let lang = mail_languages(self.ui.lang.get_untracked().tag(), &browser_languages());
        let this = *self;
        this.busy.set(true);
        this.notice.set(None);
        this.last.set_value(Some(Op::Passcode));
        this.usage.get_value().prompt(Proof::Passcode, Date::now());
        spawn_local(async move {
            let answer = session.request_passcode(&recipient, &lang).await;
            this.busy.set(false);
            match answer {
                Ok(sent) => {
                    this.code.set(String::new());
                    this.step.set(Step::Code {
                        reference: sent.reference,
                        expires_in: sent.expires_in,
                        resend_at: format::now() + sent.resend_after as i64,
                    });
                    focus_soon("#passcode");
                }
                Err(e) => this.react(react(Op::Passcode, &e, format::now())),
            }
        });
    }

    /// "Open the message": verify, release, decrypt, then show it.
    pub fn open(&self) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        if self.busy.get_untracked() {
            return;
        }
        let recipient = self.recipient.get_untracked();
        if self.reply.is_reproving() {
            return self.verify_for_reply(session, recipient);
        }
        let code = if session.has_token_for(&recipient) {
            String::new()
        } else {
            match self.typed_passcode() {
                Some(code) => code,
                None => return,
            }
        };
        let this = *self;
        this.busy.set(true);
        this.notice.set(None);
        this.last.set_value(Some(Op::Verify));
        let timeline = this.usage.get_value();
        timeline.proved(Date::now());
        spawn_local(async move {
            let mut screen = ProgressScreen::default();
            let mut last_announced = 0;
            let mut report = |p: Progress| {
                // The first report (the start) counts.
                timeline.decrypting(Date::now());
                this.progress.set(p);
                if screen.due(decrypt::page_clock()) {
                    this.show(Screen::Decrypting);
                }
                let quarter = (p.fraction() * 4.0).floor() as u64;
                if screen.shown() && quarter > last_announced && quarter < 4 {
                    last_announced = quarter;
                    this.ui
                        .announce
                        .set(format::percent(this.ui.lang.get_untracked(), p.fraction()));
                }
            };
            let opened = session.open(&recipient, &code, &mut report).await;
            this.busy.set(false);
            match opened {
                Ok(eml) => {
                    this.usage.get_value().decrypted(Date::now());
                    this.code.set(String::new());
                    let message = Rc::new(mime::parse(&eml, &format::decode_charset));
                    let eml = Rc::new(eml);
                    this.opened.set_value(Some((message.clone(), eml.clone())));
                    if !matches!(this.passkey.get_untracked(), PasskeyPanel::Used(_)) {
                        this.passkey.set(this.passkey_offer());
                    }
                    this.show(Screen::Opened(message, eml));
                    this.report_usage(None);
                }
                Err(OpenFailure::Damaged) => this.fail(Failure::Damaged),
                Err(OpenFailure::Api(op, e)) => {
                    this.last.set_value(Some(op));
                    this.react(react(op, &e, format::now()));
                }
            }
        });
    }

    /// Whether the key server said it has a passkey for the chosen address.
    pub fn has_passkey(&self) -> bool {
        let recipient = self.recipient.get();
        self.sender
            .with(|s| s.as_ref().is_some_and(|s| s.passkeys.contains(&recipient)))
    }

    /// Whether "Open with your passkey" is offered for the chosen address: the key server has a
    /// passkey for it and passkeys work on this page.
    pub fn passkey_ready(&self) -> bool {
        self.has_passkey()
            && self
                .passkeys
                .with(|p| p.as_ref().is_some_and(passkey::usable_here))
    }

    /// The passkey panel of a message just opened with a passcode or a sign-in.
    fn passkey_offer(&self) -> PasskeyPanel {
        let here = self
            .passkeys
            .with_untracked(|p| p.as_ref().is_some_and(passkey::on_origin));
        // `platform_authenticator` is only ever true where the browser can use passkeys.
        match (here, self.platform_authenticator.get_untracked()) {
            (false, _) => PasskeyPanel::Hidden,
            (true, false) => PasskeyPanel::Unsupported,
            (true, true) => PasskeyPanel::Offer,
        }
    }

    /// "Open with your passkey": the device signs the key server's challenge, then the message
    /// is released and decrypted as after a passcode. No mail is sent.
    pub fn open_with_passkey(&self) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let recipient = self.recipient.get_untracked();
        if recipient.is_empty() || self.busy.get_untracked() {
            return;
        }
        let this = *self;
        this.busy.set(true);
        this.notice.set(None);
        this.last.set_value(Some(Op::Passkey));
        this.usage.get_value().prompt(Proof::Passkey, Date::now());
        spawn_local(async move {
            let verified = session.verify_passkey(&recipient).await;
            this.busy.set(false);
            match verified {
                Ok(credential_id) => {
                    this.passkey.set(PasskeyPanel::Used(credential_id));
                    this.open();
                }
                Err(PasskeyFailure::Device(_)) => this.notice.set(Some(Notice::PasskeyCancelled)),
                Err(PasskeyFailure::Api(e)) => this.react(react(Op::Passkey, &e, format::now())),
            }
        });
    }

    /// "Add a passkey": a passkey of this device for the address just proved.
    pub fn add_passkey(&self) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        if self.passkey.get_untracked() == PasskeyPanel::Working {
            return;
        }
        let this = *self;
        this.passkey.set(PasskeyPanel::Working);
        spawn_local(async move {
            let panel = match session.add_passkey().await {
                Ok(credential_id) => PasskeyPanel::Added(credential_id),
                Err(PasskeyFailure::Device(DeviceError::Cancelled)) => {
                    PasskeyPanel::Problem(PanelProblem::Cancelled)
                }
                Err(PasskeyFailure::Device(DeviceError::Exists)) => {
                    PasskeyPanel::Problem(PanelProblem::Exists)
                }
                Err(PasskeyFailure::Api(e)) if crate::journey::needs_proof(&e) => {
                    PasskeyPanel::Problem(PanelProblem::ProofExpired)
                }
                Err(_) => PasskeyPanel::Problem(PanelProblem::Failed),
            };
            this.passkey.set(panel);
            focus_soon("[data-testid=passkey-panel] [data-focus]");
        });
    }

    /// "Forget this device": the key server removes the passkey.
    pub fn forget_passkey(&self, credential_id: String) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let this = *self;
        this.passkey.set(PasskeyPanel::Working);
        spawn_local(async move {
            let panel = match session.forget_passkey(&credential_id).await {
                Ok(()) => PasskeyPanel::Forgotten,
                Err(e) if crate::journey::needs_proof(&e) => {
                    PasskeyPanel::Problem(PanelProblem::ProofExpired)
                }
                Err(_) => PasskeyPanel::Problem(PanelProblem::Failed),
            };
            this.passkey.set(panel);
            focus_soon("[data-testid=passkey-panel] [data-focus]");
        });
    }

    /// The passcode typed, cleaned; when it is not one, says so and puts the keyboard back in
    /// the field.
    pub(crate) fn typed_passcode(&self) -> Option<String> {
        let code = passcode::clean(&self.code.get_untracked()).ok();
        if code.is_none() {
            self.notice.set(Some(Notice::CodeIncomplete));
            focus_soon("#passcode");
        }
        code
    }

    /// "Sign in with …": opens the provider's sign-in page in a popup, with a fresh `state`,
    /// PKCE verifier and nonce. Runs within the click, so that the browser lets the popup open.
    pub fn sign_in(&self, provider: SignInProvider) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let Some(redirect) = config::viewer_file_for(&document(), sign_in::CALLBACK_PAGE) else {
            return;
        };
        if self.busy.get_untracked() {
            return;
        }
        self.usage.get_value().prompt(Proof::SignIn, Date::now());
        let header = session.loaded().header();
        self.sign_in_facts.set_value(SignInFacts {
            provider: provider.name.clone(),
            account: None,
            recipients: header.recipients.join(", "),
            viewer: sign_in::origin_of(&redirect)
                .map(|o| source::host_of(&o))
                .unwrap_or_default(),
        });
        // The callback page answers only a window of its own origin: from anywhere else (a
        // message.html from disk, a webmail's preview) the sign-in runs on the viewer's page.
        let page_origin = window().location().origin().unwrap_or_default();
        if !handoff::signs_in_here(&page_origin, &redirect) {
            return self.hand_off(provider);
        }
        let pending = Pending::new(
            provider,
            redirect,
            &header.id.to_string(),
            &session.public_key(),
        );
        let url = pending.authorization_url(Some(&self.recipient.get_untracked()));
        self.notice.set(None);
        let popup = window().open_with_url_and_target_and_features(
            &url,
            sign_in::POPUP_NAME,
            sign_in::POPUP_FEATURES,
        );
        match popup {
            Ok(Some(popup)) => self.flow.set_value(Some(Rc::new(Flow {
                pending,
                popup,
                closed_ticks: Cell::new(0),
            }))),
            _ => {
                self.flow.set_value(None);
                self.notice.set(Some(Notice::SignInBlocked));
            }
        }
    }

    /// Opens the viewer's own page in a new window and hands it the envelope once it is ready
    /// ([`Journey::handoff_message`]); the sign-in with `provider` runs there. Runs within the
    /// click, so that the browser lets the window open.
    fn hand_off(&self, provider: SignInProvider) {
        let Some(folder) = config::viewer_file_for(&document(), "./") else {
            return;
        };
        let url = handoff::page_url(&folder);
        let Some(origin) = sign_in::origin_of(&url) else {
            return;
        };
        self.flow.set_value(None);
        self.notice.set(None);
        match window().open_with_url_and_target(&url, "_blank") {
            Ok(Some(opened)) => {
                self.handoff.set_value(Some(Rc::new(Handoff {
                    window: opened,
                    origin,
                    provider: provider.id,
                    recipient: self.recipient.get_untracked(),
                })));
                self.notice.set(Some(Notice::HandedOff));
            }
            _ => {
                self.handoff.set_value(None);
                self.notice.set(Some(Notice::SignInBlocked));
            }
        }
    }

    /// A message posted to this tab while handing off: the viewer page's ready signal, answered
    /// with the envelope, posted to the viewer's origin only. One envelope per window.
    pub fn handoff_message(&self, event: &web_sys::MessageEvent) {
        let Some(handoff) = self.handoff.get_value() else {
            return;
        };
        let from_window = event
            .source()
            .is_some_and(|source| js_sys::Object::is(&source, &handoff.window));
        if !from_window || event.origin() != handoff.origin || !handoff::is_ready(&event.data()) {
            return;
        }
        let Some(session) = self.session.get_value() else {
            return;
        };
        self.handoff.set_value(None);
        let message = session
            .loaded()
            .with_bytes(|bytes| handoff::message(bytes, &handoff.provider, &handoff.recipient));
        if let Some(message) = message {
            let _ = handoff.window.post_message(&message, &handoff.origin);
        }
    }

    /// On the viewer's page opened by a `message.html` for a hand-off: the envelope, if this
    /// message is it (from the window that opened this one; anything else is ignored).
    pub fn parcel_message(&self, event: &web_sys::MessageEvent) {
        if !self.awaiting.get_value() {
            return;
        }
        let from_opener = event
            .source()
            .zip(opener())
            .is_some_and(|(source, opener)| js_sys::Object::is(&source, &opener));
        if !from_opener {
            return;
        }
        let Some(parcel) = Parcel::read(&event.data()) else {
            return;
        };
        self.awaiting.set_value(false);
        let Parcel {
            envelope,
            provider,
            recipient,
        } = parcel;
        self.preferred.set_value(Some((provider, recipient)));
        self.load(Ok(envelope), Source::MessageHtml);
    }

    /// Starts waiting for a hand-off, if this is the viewer's page opened for one by a
    /// `message.html`: tells the opener it listens (nothing secret) and forgets the fragment.
    fn await_parcel(&self) -> bool {
        let location = window().location();
        if location.hash().unwrap_or_default() != handoff::HASH {
            return false;
        }
        if let Ok(history) = window().history() {
            let path =
                location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
        }
        let Some(opener) = opener() else {
            return false;
        };
        self.awaiting.set_value(true);
        opener.post_message(&handoff::ready_message(), "*").is_ok()
    }

    /// On each clock tick: a hand-off page whose opener went away without handing anything
    /// over offers to pick a file instead.
    fn watch_opener(&self) {
        if !self.awaiting.get_value() {
            return;
        }
        let gone = opener().is_none_or(|o| o.closed().unwrap_or(true));
        if gone {
            self.awaiting.set_value(false);
            self.show(Screen::Pick);
        }
    }

    /// A message posted to this tab: the sign-in popup's answer, if it is one (anything else
    /// is ignored).
    pub fn sign_in_message(&self, event: &web_sys::MessageEvent) {
        let Some(flow) = self.flow.get_value() else {
            return;
        };
        let from_popup = event
            .source()
            .is_some_and(|source| js_sys::Object::is(&source, &flow.popup));
        let message = Callback::read(&event.data());
        let Ok(answer) = flow.pending.accept(&message, from_popup, &event.origin()) else {
            return;
        };
        self.flow.set_value(None);
        let _ = flow.popup.close();
        match answer {
            Answer::Code(code) => self.redeem(flow, code),
            Answer::Error(_) => self.notice.set(Some(Notice::SignInDenied)),
        }
    }

    /// On each clock tick: a popup closed without an answer ends the sign-in as cancelled. It
    /// must be seen closed on two ticks, as the callback page closes itself right after posting
    /// its answer.
    fn watch_popup(&self) {
        let Some(flow) = self.flow.get_value() else {
            return;
        };
        if !flow.popup.closed().unwrap_or(true) {
            flow.closed_ticks.set(0);
            return;
        }
        flow.closed_ticks.set(flow.closed_ticks.get() + 1);
        if flow.closed_ticks.get() >= 2 {
            self.flow.set_value(None);
            self.notice.set(Some(Notice::SignInCancelled));
        }
    }

    /// Redeems the authorization code for an ID token at the provider, sends it to the key
    /// server, then releases and decrypts as after a passcode.
    fn redeem(&self, flow: Rc<Flow>, mut code: String) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let this = *self;
        this.busy.set(true);
        this.last.set_value(Some(Op::SignIn));
        spawn_local(async move {
            let pending = &flow.pending;
            let mut body = pending.token_request(&code);
            code.zeroize();
            let answer = api::post_form(&pending.provider.token_endpoint, &body).await;
            body.zeroize();
            let id_token = match answer {
                None => Err(Notice::ProviderUnreachable),
                Some((status, mut text)) => {
                    let id_token = sign_in::id_token(status, &text);
                    text.zeroize();
                    id_token.ok_or(Notice::SignInAgain)
                }
            };
            let signed = match id_token {
                Ok(id_token) => {
                    session
                        .sign_in(&pending.provider.id, id_token, pending.salt())
                        .await
                }
                Err(notice) => {
                    this.busy.set(false);
                    this.notice.set(Some(notice));
                    return;
                }
            };
            this.busy.set(false);
            match signed {
                Ok(signed) => {
                    this.recipient.set(signed.recipient);
                    if this.reply.is_reproving() {
                        this.resume_reply();
                    } else {
                        this.open();
                    }
                }
                Err(e) => {
                    if let ApiError::Problem(p) = &e {
                        let account = p.signed_in_as.clone();
                        this.sign_in_facts.update_value(|f| f.account = account);
                    }
                    this.react(react(Op::SignIn, &e, format::now()));
                }
            }
        });
    }

    pub(crate) fn react(&self, reaction: Reaction) {
        if let Reaction::Fail(failure) = reaction
            && self.reply.is_reproving()
        {
            // Proving the address again for a reply: the draft stays on screen, with the reason.
            return self.back_to_reply(Some(ReplyProblem::Closed(failure)));
        }
        match reaction {
            Reaction::Fail(failure) => self.fail(failure),
            Reaction::Stay(notice) => {
                if self.screen.get_untracked().is_decrypting() {
                    self.show(Screen::Prove);
                }
                self.notice.set(Some(notice));
                if matches!(notice, Notice::WrongCode { .. } | Notice::CodeIncomplete) {
                    self.code.set(String::new());
                    focus_soon("#passcode");
                }
            }
            Reaction::Restart(notice) => self.restart(Some(notice)),
        }
    }
}

impl Screen {
    fn is_decrypting(&self) -> bool {
        matches!(self, Screen::Decrypting)
    }
}

/// Whether a sign-in started from this page runs here (not through a hand-off to the viewer's
/// own page, which would leave this page's state, a reply's draft included, behind).
pub(crate) fn signs_in_here() -> bool {
    let page_origin = window().location().origin().unwrap_or_default();
    config::viewer_file_for(&document(), sign_in::CALLBACK_PAGE)
        .is_some_and(|redirect| handoff::signs_in_here(&page_origin, &redirect))
}

/// Starts the viewer: loads the language the browser prefers, then draws the app.
///
/// Nothing is drawn before the language is there, so no screen shows in another language
/// first. If its file cannot be had, the viewer starts in English; if English cannot be had
/// either, the page says so in one line.
pub async fn start() {
    let wanted = Lang::negotiate(browser_languages());
    let loaded = match i18n::load(wanted).await {
        Ok(_) => Ok(()),
        Err(e) if wanted != Lang::En => {
            e.log(wanted);
            i18n::load(Lang::En).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match loaded {
        Ok(()) => leptos::mount::mount_to_body(App),
        Err(e) => {
            e.log(Lang::En);
            if let Some(body) = document().body() {
                let p = document().create_element("p").expect("a <p> can be made");
                p.set_class_name("noscript");
                p.set_text_content(Some(
                    "The viewer could not load its texts. Check your connection and reload the page.",
                ));
                let _ = body.append_child(&p);
            }
        }
    }
}

/// `navigator.languages`.
pub fn browser_languages() -> Vec<String> {
    window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|l| l.as_string())
        .collect()
}

/// Moves the keyboard focus to the first element matching `selector` once the screen rendered,
/// so keyboard and screen-reader users land on the new step.
pub fn focus_soon(selector: &'static str) {
    request_animation_frame(move || {
        if let Ok(Some(el)) = document().query_selector(selector)
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    });
}

/// The window that opened this one, if any.
fn opener() -> Option<web_sys::Window> {
    window()
        .opener()
        .ok()
        .filter(|o| o.is_object())
        .map(|o| o.unchecked_into::<web_sys::Window>())
}

/// Moves the keyboard focus to the sign-in button of `provider` once it is drawn.
fn focus_provider_soon(provider: String) {
    request_animation_frame(move || {
        let selector = format!(
            r#"button[data-provider="{}"]"#,
            provider.replace(['"', '\\'], "")
        );
        if let Ok(Some(el)) = document().query_selector(&selector)
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    });
}

/// The root component of the viewer.
///
/// In a `message.html` (the page holds `#waxseal-envelope`) it hides the carrier's own text and
/// reads the envelope; on the viewer's own page it offers to open a file.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(i18n::first_loaded().unwrap_or_default());
    let ui = Ui {
        lang,
        now: RwSignal::new(format::now()),
        announce: RwSignal::new(String::new()),
        operator: RwSignal::new(None),
    };
    provide_context(ui);
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let lang = lang.get();
            let _ = root.set_attribute("lang", lang.tag());
            let _ = root.set_attribute("dir", lang.dir());
        }
    });
    // The operator's colour, checked when config.json was read (#rrggbb, readable under white).
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            match ui.operator.get().and_then(|o| o.accent) {
                Some(accent) => {
                    let _ = root.set_attribute("style", &format!("--operator-accent: {accent}"));
                }
                None => {
                    let _ = root.remove_attribute("style");
                }
            }
        }
    });
    let page_envelope = source::envelope_in_page(&document());
    let journey = Journey::new(ui, page_envelope.is_none());
    provide_context(journey);
    let tick = set_interval_with_handle(
        move || {
            ui.now.set(format::now());
            journey.watch_popup();
            journey.watch_opener();
        },
        Duration::from_secs(1),
    );
    on_cleanup(move || {
        if let Ok(tick) = tick {
            tick.clear();
        }
    });
    // Leaving the page with an unsent reply asks first (the draft is in this tab's memory only).
    let leaving = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if journey.reply.has_unsent() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || leaving.remove());
    let message = window_event_listener(leptos::ev::message, move |ev| {
        journey.sign_in_message(&ev);
        journey.handoff_message(&ev);
        journey.parcel_message(&ev);
    });
    on_cleanup(move || message.remove());
    match page_envelope {
        Some(envelope) => {
            source::hide_carrier(&document());
            journey.load(envelope, Source::MessageHtml);
        }
        // The viewer's page opened by a message.html to sign in here: wait for its envelope.
        None if journey.await_parcel() => journey.screen.set(Screen::Loading),
        None => {
            journey.screen.set(Screen::Pick);
            // Who runs this viewer, for the header of the file picker. With an envelope, the
            // trust check reads the same settings and names the operator.
            spawn_local(async move {
                if let Ok(settings) = config::load(&document()).await {
                    ui.operator.set(settings.operator);
                }
            });
        }
    }

    let privacy = RwSignal::new(location_is_privacy());
    let hashchange = window_event_listener(leptos::ev::hashchange, move |_| {
        privacy.set(location_is_privacy());
        focus_soon("#main h1");
    });
    on_cleanup(move || hashchange.remove());

    view! {
        <div class="app">
            <TopBar/>
            <main id="main" class="page">
                {move || {
                    // A new language rebuilds the screen; its texts are plain strings.
                    lang.track();
                    if privacy.get() {
                        return view! { <PrivacyPage/> }.into_any();
                    }
                    match journey.screen.get() {
                        Screen::Loading => view! {
                            <section class="card loading" aria-busy="true">
                                <h1>{ui.strings().loading}</h1>
                            </section>
                        }
                        .into_any(),
                        Screen::Pick => view! { <PickFile/> }.into_any(),
                        Screen::Prove => view! { <Prove/> }.into_any(),
                        Screen::Decrypting => view! { <Decrypting/> }.into_any(),
                        Screen::Opened(message, eml) => {
                            view! { <OpenedView message=message eml=eml/> }.into_any()
                        }
                        Screen::Failed(failure) => {
                            view! { <FailureScreen failure=failure/> }.into_any()
                        }
                    }
                }}
            </main>
            <Footer/>
            <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
                {move || ui.announce.get()}
            </div>
        </div>
    }
}

fn location_is_privacy() -> bool {
    window().location().hash().unwrap_or_default() == "#privacy"
}

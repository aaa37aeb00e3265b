//! Every string the viewer shows, in English, Simplified Chinese and Danish, and the choice of
//! language from the browser's preferences.
//!
//! Each language is one [`Strings`] value, so a missing translation is a compile error. Strings
//! with values to fill in name them in braces (`{host}`); [`fill`] replaces them, and a test checks
//! that every translation uses the same names as the English text.

/// A language the viewer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
    /// Danish.
    Da,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Zh, Lang::Da];

    /// The BCP 47 tag, for `<html lang>`, `Intl` and the passcode mail.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
            Lang::Da => "da",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
            Lang::Da => "Dansk",
        }
    }

    /// The language for a tag from the switch or the browser; `None` when it is not one of ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            "da" => Some(Lang::Da),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages that the viewer speaks, else English.
    pub fn negotiate<S: AsRef<str>>(preferred: impl IntoIterator<Item = S>) -> Lang {
        preferred
            .into_iter()
            .find_map(|tag| Lang::from_tag(tag.as_ref()))
            .unwrap_or_default()
    }

    /// The strings of this language.
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
            Lang::Da => &DA,
        }
    }
}

/// Replaces each `{name}` in `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// One titled section of the privacy statement.
#[derive(Debug)]
pub struct Section {
    /// The heading.
    pub heading: &'static str,
    /// The text.
    pub text: &'static str,
}

/// Every string of the user interface in one language.
#[derive(Debug)]
pub struct Strings {
    /// Label of the language switch.
    pub language: &'static str,
    /// The link to the privacy statement.
    pub privacy_link: &'static str,
    /// The line at the foot of every screen.
    pub footer: &'static str,
    /// While the envelope and the settings are read.
    pub loading: &'static str,

    /// Standalone page: heading.
    pub pick_heading: &'static str,
    /// Standalone page: what to do.
    pub pick_intro: &'static str,
    /// Standalone page: the file picker button.
    pub pick_button: &'static str,
    /// Standalone page: the drop zone's text.
    pub pick_drop: &'static str,

    /// The envelope summary: heading.
    pub summary_heading: &'static str,
    /// Label: the sender.
    pub label_from: &'static str,
    /// Label: the organisation that registered the message at the key server.
    pub label_organisation: &'static str,
    /// Label: the recipients.
    pub label_recipients: &'static str,
    /// Label: the key server.
    pub label_key_server: &'static str,
    /// Label: the expiry.
    pub label_expires: &'static str,
    /// Shown after an expiry in the past.
    pub expiry_passed: &'static str,
    /// How opening works. `{host}`.
    pub summary_note: &'static str,

    /// Legend of the address choice (several recipients).
    pub choose_legend: &'static str,
    /// Label before the one address (a single recipient).
    pub one_address: &'static str,
    /// The button that asks for a passcode.
    pub send_code: &'static str,
    /// While the passcode is asked for.
    pub sending: &'static str,
    /// Under the button.
    pub send_hint: &'static str,

    /// After the passcode was sent: heading.
    pub sent_heading: &'static str,
    /// After the passcode was sent: `{address}`, `{host}`.
    pub sent_body: &'static str,
    /// Label of the reference code.
    pub reference_label: &'static str,
    /// Under the reference code.
    pub reference_hint: &'static str,
    /// Label of the passcode field.
    pub passcode_label: &'static str,
    /// Under the passcode field. `{time}`: how long the code is valid.
    pub passcode_hint: &'static str,
    /// The button that checks the passcode and opens the message.
    pub open_button: &'static str,
    /// While the passcode is checked and the key released.
    pub checking: &'static str,
    /// Ask for another passcode.
    pub resend_button: &'static str,
    /// When another passcode can be asked for. `{when}`: a relative time.
    pub resend_wait: &'static str,
    /// Go back to the address choice.
    pub other_address: &'static str,

    /// The passcode field is empty or not digits.
    pub code_incomplete: &'static str,
    /// Wrong passcode, one try left.
    pub wrong_code_one: &'static str,
    /// Wrong passcode, `{n}` tries left.
    pub wrong_code_other: &'static str,
    /// The passcode expired.
    pub code_expired: &'static str,
    /// The passcode was used already.
    pub code_used: &'static str,
    /// No passcode was asked for.
    pub no_code: &'static str,
    /// The passcode belongs to another tab.
    pub key_mismatch: &'static str,
    /// The release token expired or is unknown.
    pub session_expired: &'static str,
    /// The chosen address is not a recipient. `{address}`.
    pub wrong_recipient: &'static str,
    /// Too many passcode requests. `{when}`.
    pub throttled: &'static str,
    /// The mail server failed. `{when}`.
    pub mail_unavailable: &'static str,
    /// Any other refusal.
    pub refused: &'static str,

    /// Heading of the sign-in buttons (which open a popup).
    pub sign_in_or: &'static str,
    /// A sign-in button. `{name}`: the provider.
    pub sign_in_with: &'static str,
    /// The sign-in window was closed.
    pub sign_in_cancelled: &'static str,
    /// The sign-in window could not open.
    pub sign_in_blocked: &'static str,
    /// Note: the sign-in goes on in a new window of the viewer's page (`{name}`, `{host}`).
    pub handed_off: &'static str,
    /// Note: the message's guessing budget is spent; no more passcodes (sign-in still works).
    pub passcodes_exhausted: &'static str,
    /// The provider did not sign the person in. `{name}`.
    pub sign_in_denied: &'static str,
    /// The provider could not be reached. `{name}`.
    pub provider_unreachable: &'static str,
    /// The sign-in was invalid, too old or used already.
    pub sign_in_again: &'static str,
    /// The account is not a recipient. `{account}`, `{recipients}`.
    pub wrong_account: &'static str,
    /// The provider does not vouch for the account's address. `{name}`, `{account}`.
    pub email_unverified: &'static str,
    /// The account has no address the provider vouches for.
    pub no_verified_address: &'static str,
    /// The provider is not accepted for the address. `{name}`, `{address}`.
    pub domain_not_allowed: &'static str,
    /// The key server cannot reach the provider. `{name}`.
    pub provider_unavailable: &'static str,

    /// Decrypting: heading.
    pub decrypt_heading: &'static str,
    /// Decrypting: `{percent}`, `{done}`, `{total}`.
    pub decrypt_progress: &'static str,
    /// Decrypting: why nothing shows yet.
    pub decrypt_note: &'static str,
    /// Accessible name of the progress bar.
    pub decrypt_label: &'static str,

    /// Message header labels.
    pub msg_subject: &'static str,
    /// From.
    pub msg_from: &'static str,
    /// To.
    pub msg_to: &'static str,
    /// Cc.
    pub msg_cc: &'static str,
    /// Date.
    pub msg_date: &'static str,
    /// A message without a subject.
    pub no_subject: &'static str,
    /// Remote content is blocked.
    pub remote_blocked: &'static str,
    /// The button that allows remote images.
    pub show_remote: &'static str,
    /// Attachments heading.
    pub attachments: &'static str,
    /// Download an attachment.
    pub download: &'static str,
    /// Accessible name of an attachment's download link. `{name}`.
    pub download_named: &'static str,
    /// Save the decrypted message.
    pub save_eml: &'static str,
    /// Print.
    pub print: &'static str,
    /// Title of the frame holding an HTML body.
    pub body_title: &'static str,
    /// A message without a body.
    pub no_body: &'static str,
    /// Under an opened message.
    pub opened_note: &'static str,
    /// "Open with your passkey".
    pub passkey_open: &'static str,
    /// While the device or the key server works on a passkey.
    pub passkey_waiting: &'static str,
    /// A passkey exists for `{address}` but works only on the viewer's page at `{host}`.
    pub passkey_elsewhere: &'static str,
    /// The offer to add a passkey for `{address}`.
    pub passkey_offer_heading: &'static str,
    /// What a passkey is and what the key server keeps, in one sentence.
    pub passkey_offer_text: &'static str,
    /// The button that adds a passkey.
    pub passkey_add: &'static str,
    /// A passkey was added.
    pub passkey_added: &'static str,
    /// The message was opened with a passkey.
    pub passkey_used: &'static str,
    /// "Forget this device".
    pub passkey_forget: &'static str,
    /// The key server forgot the passkey; how to remove it from the device (`{domain}`).
    pub passkey_forgotten: &'static str,
    /// Why passkeys are not offered in this browser.
    pub passkey_unsupported: &'static str,
    /// The device's prompt was closed: no passkey was added.
    pub passkey_not_added: &'static str,
    /// The device has a passkey for this address already.
    pub passkey_exists: &'static str,
    /// Adding or forgetting a passkey needs a fresh proof of the address.
    pub passkey_proof_expired: &'static str,
    /// The key server refused or did not answer.
    pub passkey_failed: &'static str,
    /// Note: the passkey prompt was closed.
    pub passkey_cancelled: &'static str,
    /// Note: the passkey did not prove the address.
    pub passkey_refused: &'static str,
    /// Note: the passkey's counter went back.
    pub passkey_cloned: &'static str,
    /// Note: the key server has no passkey for the address.
    pub passkey_gone: &'static str,
    /// An attachment without a name.
    pub unnamed_attachment: &'static str,

    /// Failure: not a waxseal message.
    pub not_waxseal_title: &'static str,
    /// Failure: not a waxseal message.
    pub not_waxseal_body: &'static str,
    /// Failure: altered or damaged.
    pub damaged_title: &'static str,
    /// Failure: altered or damaged.
    pub damaged_body: &'static str,
    /// Failure: newer format.
    pub newer_title: &'static str,
    /// Failure: newer format. `{version}`.
    pub newer_body: &'static str,
    /// Failure: too large.
    pub too_large_title: &'static str,
    /// Failure: too large.
    pub too_large_body: &'static str,
    /// Failure: expired.
    pub expired_title: &'static str,
    /// Failure: expired. `{date}`.
    pub expired_body: &'static str,
    /// Failure: revoked.
    pub revoked_title: &'static str,
    /// Failure: revoked.
    pub revoked_body: &'static str,
    /// Failure: open limit.
    pub open_limit_title: &'static str,
    /// Failure: open limit.
    pub open_limit_body: &'static str,
    /// Failure: too many wrong passcodes.
    pub too_many_tries_title: &'static str,
    /// Failure: too many wrong passcodes. `{address}`.
    pub too_many_tries_body: &'static str,
    /// Failure: key server unreachable.
    pub unreachable_title: &'static str,
    /// Failure: key server unreachable. `{host}`.
    pub unreachable_body: &'static str,
    /// Failure: untrusted key server.
    pub untrusted_title: &'static str,
    /// Failure: untrusted key server. `{host}`.
    pub untrusted_body: &'static str,
    /// Failure: the viewer's settings did not load.
    pub config_title: &'static str,
    /// Failure: the viewer's settings did not load.
    pub config_body: &'static str,
    /// Failure: the key server failed.
    pub server_error_title: &'static str,
    /// Failure: the key server failed.
    pub server_error_body: &'static str,
    /// Failure: unknown message.
    pub unknown_message_title: &'static str,
    /// Failure: unknown message.
    pub unknown_message_body: &'static str,
    /// Failure: the header names another sender than the one registered (`{address}`,
    /// `{organisation}`, `{registered}`).
    pub sender_mismatch_title: &'static str,
    /// Failure: the header names another sender than the one registered.
    pub sender_mismatch_body: &'static str,
    /// Retry button.
    pub try_again: &'static str,
    /// Back to the file picker (standalone).
    pub open_another: &'static str,

    /// Reply button under an opened message that takes secure replies.
    pub reply_button: &'static str,
    /// Reply form: heading.
    pub reply_heading: &'static str,
    /// Reply form: who can read the reply (`{organisation}`).
    pub reply_private_note: &'static str,
    /// Reply form: the text field's label.
    pub reply_text_label: &'static str,
    /// The line above the quoted original (`{date}`, `{sender}`).
    pub reply_quote_intro: &'static str,
    /// The line above the quoted original, without a date (`{sender}`).
    pub reply_quote_intro_undated: &'static str,
    /// Reply form: the attachments' heading.
    pub reply_attachments: &'static str,
    /// Reply form: the file picker button.
    pub reply_attach: &'static str,
    /// Reply form: the drop zone's text.
    pub reply_drop: &'static str,
    /// Reply form: remove an attachment (`{name}`), for screen readers.
    pub reply_remove: &'static str,
    /// Reply form: the remove button's visible text.
    pub reply_remove_button: &'static str,
    /// Reply form: the size meter's label.
    pub reply_size_label: &'static str,
    /// Reply form: the size meter's value (`{used}`, `{limit}`).
    pub reply_size: &'static str,
    /// Reply form: the send button.
    pub reply_send: &'static str,
    /// Reply form: while sealing (`{percent}`).
    pub reply_sealing: &'static str,
    /// Reply form: while handing the reply to the key server.
    pub reply_sending: &'static str,
    /// Reply form: give up the draft.
    pub reply_discard: &'static str,
    /// Asked before an unsent draft is given up.
    pub reply_discard_confirm: &'static str,
    /// After sending: heading.
    pub reply_sent_heading: &'static str,
    /// After sending: where it went (`{address}`).
    pub reply_sent_body: &'static str,
    /// After sending: save what was sent.
    pub reply_save_copy: &'static str,
    /// After sending: back to the message.
    pub reply_back: &'static str,
    /// Proving the address again before a reply is sent.
    pub reply_reprove: &'static str,
    /// Proving the address again: the passcode form's button.
    pub reply_verify_send: &'static str,
    /// Proving the address again: back to the reply.
    pub reply_back_to_draft: &'static str,
    /// Reply problem: nothing to send.
    pub reply_empty: &'static str,
    /// Reply problem: too large (`{size}`, `{limit}`).
    pub reply_too_large: &'static str,
    /// Reply problem: the reply limit was reached.
    pub reply_limit_reached: &'static str,
    /// Reply problem: the message takes no secure reply.
    pub reply_not_accepted: &'static str,
    /// Reply problem: expired, revoked or unknown.
    pub reply_closed: &'static str,
    /// Reply problem: too many replies from this network (`{when}`).
    pub reply_throttled: &'static str,
    /// Reply problem: the key server's mail server did not take it.
    pub reply_mail_unavailable: &'static str,
    /// Reply problem: the organisation's mail server refused it for good.
    pub reply_mail_refused: &'static str,
    /// Reply problem: the key server did not answer.
    pub reply_unreachable: &'static str,
    /// Reply problem: the part of the viewer that seals replies could not be loaded.
    pub reply_sealer_unavailable: &'static str,
    /// Reply problem: anything else.
    pub reply_failed: &'static str,
    /// Reply problem: a file could not be read.
    pub reply_unreadable: &'static str,

    /// Privacy statement: heading.
    pub privacy_heading: &'static str,
    /// Privacy statement: `{date}`.
    pub privacy_updated: &'static str,
    /// Leave the privacy statement.
    pub back: &'static str,
    /// Privacy statement: its sections.
    pub privacy: [Section; 10],
    /// Privacy statement: who runs the viewer, `{operator}`.
    pub privacy_operator: &'static str,
    /// Privacy statement: how to reach them, before the contact.
    pub privacy_contact: &'static str,
    /// Privacy statement: before the example usage report.
    pub privacy_example: &'static str,
    /// Privacy statement: the heading of the list of changes.
    pub privacy_changes_heading: &'static str,
    /// Privacy statement: what changed, newest first, on the dates of [`PRIVACY_CHANGES`].
    pub privacy_changes: [&'static str; 3],
}

/// English.
pub const EN: Strings = Strings {
    language: "Language",
    privacy_link: "Privacy",
    footer: "Decrypted in this browser. The message itself is never sent to a server.",
    loading: "Reading the message…",

    pick_heading: "Open an encrypted message",
    pick_intro: "Drop the message.html file from your e-mail here, or choose it on your device. The file is read in this browser; it is not uploaded anywhere.",
    pick_button: "Choose a file",
    pick_drop: "or drop it here",

    summary_heading: "Encrypted message",
    label_from: "From",
    label_organisation: "Sent by",
    label_recipients: "To",
    label_key_server: "Key server",
    label_expires: "Can be opened until",
    expiry_passed: "(this date has passed)",
    summary_note: "Only the recipients can open it. To check that the address is yours, the key server {host} e-mails you a one-time passcode; then it releases a key to this browser tab only. The message is decrypted here and never sent to the key server.",

    choose_legend: "Which address is yours?",
    one_address: "The passcode goes to",
    send_code: "Email me a passcode",
    sending: "Sending…",
    send_hint: "Nothing is sent until you click.",

    sent_heading: "Check your e-mail",
    sent_body: "We sent a passcode to {address}. The e-mail comes from the key server {host} and shows this reference code:",
    reference_label: "Reference code",
    reference_hint: "If the reference codes do not match, do not use the passcode.",
    passcode_label: "Passcode from the e-mail",
    passcode_hint: "Digits only; spaces and dashes are fine. Valid for {time}.",
    open_button: "Open the message",
    checking: "Checking…",
    resend_button: "Send a new passcode",
    resend_wait: "You can ask for a new passcode {when}.",
    other_address: "Use another address",

    code_incomplete: "Type the digits of the passcode from the e-mail.",
    wrong_code_one: "That passcode is not right. 1 try left.",
    wrong_code_other: "That passcode is not right. {n} tries left.",
    code_expired: "This passcode has expired. Ask for a new one.",
    code_used: "This passcode was already used. Ask for a new one.",
    no_code: "No passcode was asked for with this address yet. Ask for one first.",
    key_mismatch: "This passcode belongs to another browser tab. Ask for a new one here.",
    session_expired: "Your confirmation has expired. Ask for a new passcode.",
    wrong_recipient: "{address} is not a recipient of this message. Choose the address it was sent to.",
    throttled: "Too many passcodes were asked for. You can try again {when}.",
    mail_unavailable: "The passcode e-mail could not be sent just now. You can try again {when}.",
    refused: "The key server refused the request. Try again; if it keeps happening, tell the sender.",

    sign_in_or: "Or sign in with your account, in a new window",
    sign_in_with: "Sign in with {name}",
    sign_in_cancelled: "Sign-in was cancelled. Sign in again, or ask for a passcode.",
    handed_off: "Signing in with {name} continues in a new window of the viewer ({host}). Or ask for a passcode here.",
    passcodes_exhausted: "Too many wrong passcodes were entered for this message, so it no longer accepts passcodes. Sign in with your account if that is offered, or ask the sender to send it again.",
    sign_in_blocked: "The sign-in window could not open. Allow pop-ups for this page, or ask for a passcode.",
    sign_in_denied: "{name} did not sign you in. Try again, or ask for a passcode.",
    provider_unreachable: "{name} could not be reached. Try again, or ask for a passcode.",
    sign_in_again: "That sign-in could not be used. Sign in again, or ask for a passcode.",
    wrong_account: "You signed in as {account}; this message is for {recipients}. Sign in with that account, or ask for a passcode.",
    email_unverified: "{name} has not confirmed that {account} is your address. Ask for a passcode instead.",
    no_verified_address: "The account you signed in with has no confirmed e-mail address. Ask for a passcode instead.",
    domain_not_allowed: "Signing in with {name} is not accepted for {address}. Ask for a passcode instead.",
    provider_unavailable: "The key server cannot check sign-ins with {name} just now. Try again later, or ask for a passcode.",

    decrypt_heading: "Decrypting in this browser",
    decrypt_progress: "{percent} · {done} of {total}",
    decrypt_note: "The message is shown only after every part of it has been checked.",
    decrypt_label: "Decryption progress",

    msg_subject: "Subject",
    msg_from: "From",
    msg_to: "To",
    msg_cc: "Cc",
    msg_date: "Date",
    no_subject: "(no subject)",
    remote_blocked: "Remote images are blocked. Loading them can tell the sender when and where you read this message.",
    show_remote: "Show remote images",
    attachments: "Attachments",
    download: "Download",
    download_named: "Download {name}",
    save_eml: "Save the whole message (.eml)",
    print: "Print",
    body_title: "Message content",
    no_body: "This message has no text.",
    opened_note: "Decrypted in this browser tab. Close the tab to forget it.",
    passkey_open: "Open with your passkey",
    passkey_waiting: "Waiting for your passkey…",
    passkey_elsewhere: "You have a passkey for {address}. It works on the viewer’s own page ({host}), not in a file opened from this computer: open the message there to use it.",
    passkey_offer_heading: "Use a passkey next time for {address}",
    passkey_offer_text: "A passkey lets this device open later messages to this address with your fingerprint, face or screen lock instead of a passcode mail; the key server keeps only its public key.",
    passkey_add: "Add a passkey",
    passkey_added: "Passkey added. Next time, choose “Open with your passkey”.",
    passkey_used: "Opened with your passkey.",
    passkey_forget: "Forget this device",
    passkey_forgotten: "The key server no longer accepts this passkey. To remove it from this device too, delete the passkey for {domain} in your browser’s or system’s password and passkey settings.",
    passkey_unsupported: "Passkeys are not offered here: this browser cannot use them, or has no built-in way to check it is you (fingerprint, face or screen lock).",
    passkey_not_added: "No passkey was added. You can try again, or keep using passcodes.",
    passkey_exists: "This device already has a passkey for this address.",
    passkey_proof_expired: "This needs a fresh proof of your address: open the message again, then try again.",
    passkey_failed: "The key server did not accept this. Try again later; passcodes still work.",
    passkey_cancelled: "The passkey was not used. Try again, or get a passcode by e-mail.",
    passkey_refused: "The passkey did not prove your address. Try again, or get a passcode by e-mail.",
    passkey_cloned: "This passkey was refused: its counter went back, as happens with a copied passkey. Use a passcode, then forget this passkey and add a new one.",
    passkey_gone: "The key server has no passkey for this address any more. Get a passcode by e-mail.",
    unnamed_attachment: "attachment",

    not_waxseal_title: "This is not a waxseal message",
    not_waxseal_body: "The file does not contain an encrypted waxseal message. Open the message.html attached to the e-mail you received.",
    damaged_title: "This message was altered or damaged",
    damaged_body: "It cannot be opened safely, so nothing of it is shown. Ask the sender to send it again.",
    newer_title: "This message needs a newer viewer",
    newer_body: "It was made by a newer version of waxseal (format {version}) than this viewer can read. Try again later, or ask the sender.",
    too_large_title: "This message is too large",
    too_large_body: "It is larger than a browser can open (1 GiB). Ask the sender to send it in smaller parts.",
    expired_title: "This message has expired",
    expired_body: "The sender allowed it to be opened until {date}. Ask the sender to send it again.",
    revoked_title: "The sender withdrew this message",
    revoked_body: "It can no longer be opened. Contact the sender if you still need it.",
    open_limit_title: "This message was opened as often as allowed",
    open_limit_body: "The sender limited how many times it can be opened. Ask the sender to send it again.",
    too_many_tries_title: "Too many wrong passcodes",
    too_many_tries_body: "That passcode can no longer be used. Ask for a new passcode; it is sent to {address}.",
    unreachable_title: "The key server cannot be reached",
    unreachable_body: "{host} did not answer. Check your internet connection and try again.",
    untrusted_title: "This message names a key server this viewer does not trust",
    untrusted_body: "It would send your address and passcode to {host}, which is not one of the key servers this viewer works with. The file may be forged, so nothing was sent. If you expected this message, ask the sender how to open it.",
    config_title: "The viewer could not load its settings",
    config_body: "Check your internet connection and try again.",
    server_error_title: "The key server had a problem",
    server_error_body: "Try again in a moment. If it keeps happening, tell the sender.",
    unknown_message_title: "The key server does not know this message",
    unknown_message_body: "It may have been removed, or sealed for another key server. Ask the sender to send it again.",
    sender_mismatch_title: "This message's sender cannot be confirmed",
    sender_mismatch_body: "The message says it is from {address}, but the key server has it registered by {organisation} as sent from {registered}. Do not trust it and do not ask for a passcode; report it to {organisation} or to your IT team.",
    try_again: "Try again",
    open_another: "Open another file",

    reply_button: "Reply securely",
    reply_heading: "Your encrypted reply",
    reply_private_note: "Your reply is encrypted in this browser before it is sent. Only {organisation} can read it; the key server and the mail servers on the way cannot.",
    reply_text_label: "Your reply",
    reply_quote_intro: "On {date}, {sender} wrote:",
    reply_quote_intro_undated: "{sender} wrote:",
    reply_attachments: "Attachments",
    reply_attach: "Attach files",
    reply_drop: "or drop them here",
    reply_remove: "Remove {name}",
    reply_remove_button: "Remove",
    reply_size_label: "Size of the reply",
    reply_size: "{used} of {limit}",
    reply_send: "Send encrypted reply",
    reply_sealing: "Encrypting your reply… {percent}",
    reply_sending: "Sending your encrypted reply…",
    reply_discard: "Discard",
    reply_discard_confirm: "Discard your reply? What you wrote is not saved anywhere.",
    reply_sent_heading: "Reply sent",
    reply_sent_body: "Your encrypted reply was sent to {address}.",
    reply_save_copy: "Save a copy (.eml)",
    reply_back: "Back to the message",
    reply_reprove: "To send your reply, confirm your address again: the earlier confirmation expired while you wrote. Your reply is kept.",
    reply_verify_send: "Confirm and send reply",
    reply_back_to_draft: "Back to my reply",
    reply_empty: "Write something or attach a file first.",
    reply_too_large: "Your reply is {size}, more than the {limit} the key server accepts. Remove an attachment, or send large files another way.",
    reply_limit_reached: "You have sent as many replies to this message as the key server allows.",
    reply_not_accepted: "The sender did not set up secure replies for this message. Answer by your usual means.",
    reply_closed: "This message has expired or was withdrawn, so it takes no reply any more. Copy your text if you want to keep it.",
    reply_throttled: "Too many replies were sent from this network. You can try again {when}.",
    reply_mail_unavailable: "The key server could not hand your reply to its mail server. Nothing was sent; try again in a few minutes.",
    reply_mail_refused: "The sender's mail server refused your reply, most often because it is too large for it. Nothing was sent: remove an attachment and try again, or answer another way.",
    reply_unreachable: "The key server could not be reached. Your reply is kept; try again.",
    reply_sealer_unavailable: "The part of the viewer that seals replies could not be loaded, so nothing was sent. Your reply is kept; check your connection and try again.",
    reply_failed: "Your reply could not be sent. It is kept; try again, and if it keeps happening, tell the sender.",
    reply_unreadable: "A file could not be read, so it was not attached.",

    privacy_heading: "Privacy",
    privacy_updated: "Last updated {date}",
    back: "Back",
    privacy: [
        Section {
            heading: "Your message stays in your browser",
            text: "The encrypted message is inside the file you opened. The viewer decrypts it in this browser tab. The message, encrypted or not, is never sent to the key server or anywhere else, and the key server never stores it.",
        },
        Section {
            heading: "What is sent, and only when you click",
            text: "When you ask for a passcode, the viewer sends the key server shown on the screen the message's id, the address you chose, a temporary public key made for this tab, and your language, so that the passcode e-mail is written in it. To check the passcode, it sends the passcode you typed. If you sign in with an account instead, the account's provider (which learns that you signed in here, not what the message says) confirms your address, and the viewer passes that confirmation to the key server with the message's id and the tab's public key. Signing in always happens on the viewer's own page: a message opened from a file hands the encrypted message to a new window of the viewer, and the provider's answer is given to no other page. Before you click, the viewer only asks the key server which organisation registered the message (by its id, so it can show you who really sent it; nothing is recorded) and which accounts it accepts, which says nothing about you.",
        },
        Section {
            heading: "Passcodes",
            text: "A passcode is used only to check that the address is yours. The key server does not store it: it keeps only a keyed hash, until the passcode is used or expires a few minutes later.",
        },
        Section {
            heading: "Keys",
            text: "The keys that decrypt the message exist only in this tab's memory. They are never written to cookies or browser storage, and they are gone when you close the tab.",
        },
        Section {
            heading: "Passkeys",
            text: "If you choose to add a passkey after opening a message, your device makes a key pair for the viewer’s domain: the private key never leaves the device, which guards it with your fingerprint, face or screen lock. The key server stores the passkey’s public key and id, your address, a signature counter, and when it was added and last used — nothing else — so that it can check the passkey when you open a later message to that address. It asks for the passkey only after you click. “Forget this device” removes it from the key server, and a passkey unused for 180 days (or the time the operator set) is removed automatically. Getting a passcode by e-mail is always possible.",
        },
        Section {
            heading: "Replies",
            text: "If you reply from the viewer, your reply and its attachments are written and sealed in this tab, to a key that only the sender's organisation holds; the message itself names that key, so the key server cannot swap in its own. The key server passes the sealed reply on by e-mail to the reply address the sender registered, saying which address replied and how it was confirmed. It cannot read the reply and keeps nothing of it: for the sender's records it notes only that you replied, and counts your replies to this message. Your draft exists only in this tab's memory and is gone when you leave it.",
        },
        Section {
            heading: "What the sender can see",
            text: "For the sender's records, the key server notes when a passcode was sent to your address, when a wrong passcode was typed and when the message was opened. It never records passcodes, keys or the content of the message.",
        },
        Section {
            heading: "Network addresses",
            text: "To stop abuse, the key server counts passcode requests per network (IP) address over one hour. That count is not linked to your e-mail address or to the message.",
        },
        Section {
            heading: "No tracking",
            text: "The viewer uses no cookies, no third-party analytics and no third-party services, and loads nothing from other sites. Remote images in a message stay blocked until you choose to show them. The usage figures are analysed only in aggregate and are never used to identify, contact or target anyone.",
        },
        Section {
            heading: "Usage figures",
            text: "If the key server of a message asks for them, the viewer sends it one small report when the message opens, or when it shows a failure screen: the browser's family and major version (such as Firefox 153), the language shown, whether the message was opened from its attachment or picked on the viewer's page, its size in one of five ranges, how you proved your address and, in ranges, how long the steps took (from the summary to asking for a proof, from the proof to the message shown) and how fast it decrypted; on a failure screen, which one. It holds no message id, address, reference code or time of day, and is sent without cookies, once. The key server only adds it to counts per day and keeps nothing else of it: not your network address, not the time. Counts below a threshold are never shown to the operator.",
        },
    ],
    privacy_operator: "This viewer is run by {operator}.",
    privacy_contact: "Questions about your privacy:",
    privacy_example: "A whole report, as sent:",
    privacy_changes_heading: "Changes",
    privacy_changes: [
        "Usage figures: what the viewer reports and what the key server keeps of it. The name of the organisation that runs this viewer, and its privacy contact. Passkeys.",
        "Secure replies.",
        "First version.",
    ],
};

/// Simplified Chinese.
pub const ZH: Strings = Strings {
    language: "语言",
    privacy_link: "隐私",
    footer: "在此浏览器中解密。邮件内容从不发送到任何服务器。",
    loading: "正在读取邮件…",

    pick_heading: "打开加密邮件",
    pick_intro: "将邮件中的 message.html 文件拖放到此处，或从您的设备中选择。文件在此浏览器中读取，不会上传到任何地方。",
    pick_button: "选择文件",
    pick_drop: "或拖放到此处",

    summary_heading: "加密邮件",
    label_from: "发件人",
    label_organisation: "发送机构",
    label_recipients: "收件人",
    label_key_server: "密钥服务器",
    label_expires: "可打开至",
    expiry_passed: "（已过期）",
    summary_note: "只有收件人可以打开此邮件。为确认该地址属于您，密钥服务器 {host} 会通过电子邮件向您发送一次性验证码，然后仅向此浏览器标签页发放密钥。邮件在此处解密，从不发送到密钥服务器。",

    choose_legend: "哪个地址是您的？",
    one_address: "验证码将发送至",
    send_code: "通过电子邮件发送验证码",
    sending: "正在发送…",
    send_hint: "在您点击之前，不会发送任何内容。",

    sent_heading: "请查收电子邮件",
    sent_body: "我们已向 {address} 发送验证码。该邮件来自密钥服务器 {host}，并显示以下参考码：",
    reference_label: "参考码",
    reference_hint: "如果参考码不一致，请不要使用该验证码。",
    passcode_label: "邮件中的验证码",
    passcode_hint: "仅限数字，可包含空格和短横线。有效期为 {time}。",
    open_button: "打开邮件",
    checking: "正在验证…",
    resend_button: "发送新的验证码",
    resend_wait: "{when}可以请求新的验证码。",
    other_address: "使用其他地址",

    code_incomplete: "请输入邮件中验证码的数字。",
    wrong_code_one: "验证码不正确。还剩 1 次机会。",
    wrong_code_other: "验证码不正确。还剩 {n} 次机会。",
    code_expired: "此验证码已过期。请获取新的验证码。",
    code_used: "此验证码已被使用。请获取新的验证码。",
    no_code: "尚未为此地址请求验证码。请先获取验证码。",
    key_mismatch: "此验证码属于另一个浏览器标签页。请在此处获取新的验证码。",
    session_expired: "您的验证已过期。请获取新的验证码。",
    wrong_recipient: "{address} 不是此邮件的收件人。请选择邮件发送到的地址。",
    throttled: "请求验证码的次数过多。{when}可以重试。",
    mail_unavailable: "验证码邮件暂时无法发送。{when}可以重试。",
    refused: "密钥服务器拒绝了请求。请重试；如果问题持续存在，请告知发件人。",

    sign_in_or: "或者在新窗口中使用您的账号登录",
    sign_in_with: "使用 {name} 登录",
    sign_in_cancelled: "登录已取消。请重新登录，或获取验证码。",
    handed_off: "使用 {name} 登录将在查看器（{host}）的新窗口中继续。也可以在此获取验证码。",
    passcodes_exhausted: "此邮件输入错误验证码的次数过多，已不再接受验证码。如有账号登录选项，请使用账号登录，或请发件人重新发送。",
    sign_in_blocked: "无法打开登录窗口。请允许此页面弹出窗口，或获取验证码。",
    sign_in_denied: "{name} 未能让您登录。请重试，或获取验证码。",
    provider_unreachable: "无法连接 {name}。请重试，或获取验证码。",
    sign_in_again: "此次登录无法使用。请重新登录，或获取验证码。",
    wrong_account: "您登录的账号是 {account}；此邮件的收件人是 {recipients}。请使用该账号登录，或获取验证码。",
    email_unverified: "{name} 尚未确认 {account} 是您的地址。请改用验证码。",
    no_verified_address: "您登录的账号没有经过确认的电子邮件地址。请改用验证码。",
    domain_not_allowed: "此密钥服务器不接受 {address} 使用 {name} 登录。请改用验证码。",
    provider_unavailable: "密钥服务器暂时无法核实 {name} 的登录。请稍后重试，或获取验证码。",

    decrypt_heading: "正在此浏览器中解密",
    decrypt_progress: "{percent} · {done} / {total}",
    decrypt_note: "邮件的每个部分都校验通过后才会显示。",
    decrypt_label: "解密进度",

    msg_subject: "主题",
    msg_from: "发件人",
    msg_to: "收件人",
    msg_cc: "抄送",
    msg_date: "日期",
    no_subject: "（无主题）",
    remote_blocked: "已阻止远程图片。加载这些图片可能让发件人知道您阅读此邮件的时间和地点。",
    show_remote: "显示远程图片",
    attachments: "附件",
    download: "下载",
    download_named: "下载 {name}",
    save_eml: "保存完整邮件 (.eml)",
    print: "打印",
    body_title: "邮件内容",
    no_body: "此邮件没有正文。",
    opened_note: "已在此浏览器标签页中解密。关闭标签页即可清除。",
    passkey_open: "使用通行密钥打开",
    passkey_waiting: "正在等待您的通行密钥…",
    passkey_elsewhere: "您为 {address} 设置了通行密钥。它只能在查看器自己的页面（{host}）上使用，不能在从本机打开的文件中使用：请在该页面打开邮件。",
    passkey_offer_heading: "下次为 {address} 使用通行密钥",
    passkey_offer_text: "通行密钥让此设备以后用指纹、面容或屏幕锁打开发给此地址的邮件，无需验证码邮件；密钥服务器只保存其公钥。",
    passkey_add: "添加通行密钥",
    passkey_added: "已添加通行密钥。下次请选择“使用通行密钥打开”。",
    passkey_used: "已使用通行密钥打开。",
    passkey_forget: "忘记此设备",
    passkey_forgotten: "密钥服务器不再接受此通行密钥。如需从此设备中删除，请在浏览器或系统的密码与通行密钥设置中删除 {domain} 的通行密钥。",
    passkey_unsupported: "此处不提供通行密钥：此浏览器无法使用通行密钥，或没有内置的身份验证方式（指纹、面容或屏幕锁）。",
    passkey_not_added: "未添加通行密钥。您可以重试，或继续使用验证码。",
    passkey_exists: "此设备已有此地址的通行密钥。",
    passkey_proof_expired: "此操作需要重新验证您的地址：请重新打开邮件后再试。",
    passkey_failed: "密钥服务器未接受此操作。请稍后重试；验证码仍然可用。",
    passkey_cancelled: "未使用通行密钥。请重试，或通过电子邮件获取验证码。",
    passkey_refused: "通行密钥未能证明您的地址。请重试，或通过电子邮件获取验证码。",
    passkey_cloned: "此通行密钥被拒绝：其计数器倒退了，复制的通行密钥会出现这种情况。请使用验证码，然后忘记此通行密钥并添加新的。",
    passkey_gone: "密钥服务器已没有此地址的通行密钥。请通过电子邮件获取验证码。",
    unnamed_attachment: "附件",

    not_waxseal_title: "这不是 waxseal 加密邮件",
    not_waxseal_body: "该文件不包含 waxseal 加密邮件。请打开您收到的电子邮件所附的 message.html。",
    damaged_title: "此邮件已被篡改或损坏",
    damaged_body: "无法安全地打开此邮件，因此不显示其中任何内容。请让发件人重新发送。",
    newer_title: "此邮件需要更新版本的查看器",
    newer_body: "此邮件由更新版本的 waxseal 生成（格式 {version}），此查看器无法读取。请稍后重试，或询问发件人。",
    too_large_title: "此邮件过大",
    too_large_body: "此邮件超过了浏览器可打开的大小（1 GiB）。请让发件人分成较小的部分发送。",
    expired_title: "此邮件已过期",
    expired_body: "发件人允许的打开期限截至 {date}。请让发件人重新发送。",
    revoked_title: "发件人已撤回此邮件",
    revoked_body: "此邮件已无法打开。如果您仍需要，请联系发件人。",
    open_limit_title: "此邮件的打开次数已达上限",
    open_limit_body: "发件人限制了此邮件的打开次数。请让发件人重新发送。",
    too_many_tries_title: "错误验证码次数过多",
    too_many_tries_body: "该验证码已无法使用。请获取新的验证码，它将发送至 {address}。",
    unreachable_title: "无法连接密钥服务器",
    unreachable_body: "{host} 没有响应。请检查网络连接后重试。",
    untrusted_title: "此邮件指定的密钥服务器不受此查看器信任",
    untrusted_body: "此邮件会将您的地址和验证码发送到 {host}，但它不是此查看器所使用的密钥服务器。该文件可能是伪造的，因此未发送任何内容。如果您确实在等待此邮件，请询问发件人如何打开。",
    config_title: "查看器无法加载其设置",
    config_body: "请检查网络连接后重试。",
    server_error_title: "密钥服务器出现问题",
    server_error_body: "请稍后重试。如果问题持续存在，请告知发件人。",
    unknown_message_title: "密钥服务器不认识此邮件",
    unknown_message_body: "此邮件可能已被删除，或是为其他密钥服务器加密的。请让发件人重新发送。",
    sender_mismatch_title: "无法确认此邮件的发件人",
    sender_mismatch_body: "此邮件声称来自 {address}，但密钥服务器上登记的是由 {organisation} 从 {registered} 发送。请勿信任此邮件，也不要获取验证码；请向 {organisation} 或您的 IT 团队报告。",
    try_again: "重试",
    open_another: "打开其他文件",

    reply_button: "安全回复",
    reply_heading: "您的加密回复",
    reply_private_note: "您的回复在发送前已在此浏览器中加密。只有 {organisation} 能够阅读；密钥服务器和途经的邮件服务器都无法阅读。",
    reply_text_label: "您的回复",
    reply_quote_intro: "{sender} 于 {date} 写道：",
    reply_quote_intro_undated: "{sender} 写道：",
    reply_attachments: "附件",
    reply_attach: "添加文件",
    reply_drop: "或将文件拖放到此处",
    reply_remove: "移除 {name}",
    reply_remove_button: "移除",
    reply_size_label: "回复大小",
    reply_size: "{used} / {limit}",
    reply_send: "发送加密回复",
    reply_sealing: "正在加密您的回复… {percent}",
    reply_sending: "正在发送您的加密回复…",
    reply_discard: "放弃",
    reply_discard_confirm: "放弃您的回复？您写的内容不会保存在任何地方。",
    reply_sent_heading: "回复已发送",
    reply_sent_body: "您的加密回复已发送至 {address}。",
    reply_save_copy: "保存副本 (.eml)",
    reply_back: "返回邮件",
    reply_reprove: "要发送回复，请再次确认您的地址：您撰写期间之前的确认已过期。您的回复已保留。",
    reply_verify_send: "确认并发送回复",
    reply_back_to_draft: "返回我的回复",
    reply_empty: "请先写些内容或添加文件。",
    reply_too_large: "您的回复大小为 {size}，超过了密钥服务器接受的 {limit}。请移除附件，或通过其他方式发送大文件。",
    reply_limit_reached: "您对此邮件的回复次数已达到密钥服务器允许的上限。",
    reply_not_accepted: "发件人没有为此邮件设置安全回复。请通过您平常的方式回复。",
    reply_closed: "此邮件已过期或已被撤回，不再接受回复。如需保留，请复制您写的内容。",
    reply_throttled: "从此网络发送的回复过多。您可以在 {when} 再试。",
    reply_mail_unavailable: "密钥服务器无法将您的回复交给其邮件服务器。什么都没有发送；请几分钟后再试。",
    reply_mail_refused: "发件方的邮件服务器拒收了您的回复，通常是因为回复太大。什么都没有发送：请移除附件后再试，或通过其他方式回复。",
    reply_unreachable: "无法连接密钥服务器。您的回复已保留；请再试一次。",
    reply_sealer_unavailable: "无法加载查看器中用于加密回复的部分，因此什么都没有发送。您的回复已保留；请检查网络连接后再试。",
    reply_failed: "您的回复无法发送。回复已保留；请再试一次，如果问题持续，请告知发件人。",
    reply_unreadable: "有一个文件无法读取，因此未添加。",

    privacy_heading: "隐私声明",
    privacy_updated: "最后更新：{date}",
    back: "返回",
    privacy: [
        Section {
            heading: "邮件始终留在您的浏览器中",
            text: "加密邮件就在您打开的文件里。查看器在此浏览器标签页中解密。无论加密与否，邮件都不会发送到密钥服务器或其他任何地方，密钥服务器也从不存储邮件。",
        },
        Section {
            heading: "发送哪些内容，且仅在您点击时发送",
            text: "当您请求验证码时，查看器会向屏幕上显示的密钥服务器发送：邮件编号、您选择的地址、为此标签页生成的临时公钥，以及您的语言（以便用该语言撰写验证码邮件）。验证时，它会发送您输入的验证码。如果您改用账号登录，账号提供方（它只知道您在此登录，不知道邮件内容）会确认您的地址，查看器再把该确认连同邮件编号和此标签页的公钥发送给密钥服务器。账号登录始终在查看器自己的页面上进行：从文件打开的邮件会把加密邮件交给查看器的新窗口，提供方的答复不会交给任何其他页面。在您点击之前，查看器只会向密钥服务器询问是哪个机构登记了此邮件（仅凭邮件编号，以便向您显示真正的发件人；不做任何记录）以及接受哪些账号，这些请求不包含任何关于您的信息。",
        },
        Section {
            heading: "验证码",
            text: "验证码仅用于确认该地址属于您。密钥服务器不存储验证码本身，只保存一个带密钥的哈希值，直到验证码被使用或在几分钟后过期。",
        },
        Section {
            heading: "密钥",
            text: "解密邮件的密钥只存在于此标签页的内存中，从不写入 Cookie 或浏览器存储，关闭标签页后即消失。",
        },
        Section {
            heading: "通行密钥",
            text: "如果您在打开邮件后选择添加通行密钥，您的设备会为查看器的域名生成一对密钥：私钥从不离开设备，并由您的指纹、面容或屏幕锁保护。密钥服务器只保存通行密钥的公钥和标识、您的地址、签名计数器以及添加和最后使用的时间，不保存其他内容，以便在您以后打开发给该地址的邮件时验证通行密钥。只有在您点击后才会请求通行密钥。“忘记此设备”会将其从密钥服务器删除；180 天（或运营方设定的时间）未使用的通行密钥会被自动删除。您始终可以通过电子邮件获取验证码。",
        },
        Section {
            heading: "回复",
            text: "如果您在查看器中回复，您的回复及其附件会在此标签页中撰写并加密，所用密钥只有发件机构持有；邮件本身指明了该密钥，因此密钥服务器无法换成自己的密钥。密钥服务器通过电子邮件将加密后的回复转交给发件人登记的回复地址，并说明是哪个地址回复以及该地址是如何确认的。它无法读取回复，也不保留回复的任何内容：为便于发件人留存记录，它只记录您回复过，并统计您对此邮件的回复次数。您的草稿只存在于此标签页的内存中，离开后即消失。",
        },
        Section {
            heading: "发件人能看到什么",
            text: "为便于发件人留存记录，密钥服务器会记录向您的地址发送验证码的时间、输入错误验证码的时间以及邮件被打开的时间。它从不记录验证码、密钥或邮件内容。",
        },
        Section {
            heading: "网络地址",
            text: "为防止滥用，密钥服务器会在一小时内按网络（IP）地址统计验证码请求次数。该统计不与您的电子邮件地址或邮件关联。",
        },
        Section {
            heading: "不做跟踪",
            text: "查看器不使用 Cookie、第三方分析工具或第三方服务，也不从其他网站加载任何内容。邮件中的远程图片在您选择显示之前一直被阻止。使用统计仅以汇总方式分析，绝不用于识别、联系或定向任何人。",
        },
        Section {
            heading: "使用统计",
            text: "如果邮件所用的密钥服务器要求，查看器会在邮件打开时或显示错误页面时向它发送一份简短报告：浏览器类型和主版本号（例如 Firefox 153）、显示的语言、邮件是从附件打开还是在查看器页面上选择的、邮件大小（五档之一）、您证明地址的方式，以及按区间记录的各步骤耗时（从摘要到请求证明、从证明到显示邮件）和解密速度；在错误页面上，还会说明是哪一种错误。报告不包含邮件 ID、地址、参考码或具体时间，发送时不带 Cookie，且只发送一次。密钥服务器只把它计入每日计数，不保留其他任何内容：既不保留您的网络地址，也不保留时间。低于阈值的计数从不向运营方显示。",
        },
    ],
    privacy_operator: "此查看器由 {operator} 运营。",
    privacy_contact: "隐私问题请联系：",
    privacy_example: "一份完整的报告（即发送的内容）：",
    privacy_changes_heading: "变更记录",
    privacy_changes: [
        "使用统计：查看器报告的内容以及密钥服务器保留的内容。运营此查看器的组织名称及其隐私联系方式。通行密钥。",
        "安全回复。",
        "第一版。",
    ],
};

/// Danish.
pub const DA: Strings = Strings {
    language: "Sprog",
    privacy_link: "Privatliv",
    footer: "Dekrypteres i denne browser. Selve beskeden sendes aldrig til en server.",
    loading: "Læser beskeden…",

    pick_heading: "Åbn en krypteret besked",
    pick_intro: "Træk filen message.html fra din e-mail hertil, eller vælg den på din enhed. Filen læses i denne browser; den uploades ikke nogen steder.",
    pick_button: "Vælg en fil",
    pick_drop: "eller slip den her",

    summary_heading: "Krypteret besked",
    label_from: "Fra",
    label_organisation: "Sendt af",
    label_recipients: "Til",
    label_key_server: "Nøgleserver",
    label_expires: "Kan åbnes indtil",
    expiry_passed: "(datoen er overskredet)",
    summary_note: "Kun modtagerne kan åbne den. For at kontrollere, at adressen er din, sender nøgleserveren {host} dig en engangskode på e-mail; derefter udleverer den en nøgle til denne browserfane alene. Beskeden dekrypteres her og sendes aldrig til nøgleserveren.",

    choose_legend: "Hvilken adresse er din?",
    one_address: "Koden sendes til",
    send_code: "Send mig en kode på e-mail",
    sending: "Sender…",
    send_hint: "Der sendes intet, før du klikker.",

    sent_heading: "Tjek din e-mail",
    sent_body: "Vi har sendt en kode til {address}. E-mailen kommer fra nøgleserveren {host} og viser denne referencekode:",
    reference_label: "Referencekode",
    reference_hint: "Hvis referencekoderne ikke er ens, så brug ikke koden.",
    passcode_label: "Koden fra e-mailen",
    passcode_hint: "Kun cifre; mellemrum og bindestreger er i orden. Gyldig i {time}.",
    open_button: "Åbn beskeden",
    checking: "Kontrollerer…",
    resend_button: "Send en ny kode",
    resend_wait: "Du kan bede om en ny kode {when}.",
    other_address: "Brug en anden adresse",

    code_incomplete: "Skriv cifrene i koden fra e-mailen.",
    wrong_code_one: "Koden er forkert. 1 forsøg tilbage.",
    wrong_code_other: "Koden er forkert. {n} forsøg tilbage.",
    code_expired: "Koden er udløbet. Bed om en ny.",
    code_used: "Koden er allerede brugt. Bed om en ny.",
    no_code: "Der er endnu ikke bedt om en kode til denne adresse. Bed om en først.",
    key_mismatch: "Koden hører til en anden browserfane. Bed om en ny her.",
    session_expired: "Din bekræftelse er udløbet. Bed om en ny kode.",
    wrong_recipient: "{address} er ikke modtager af denne besked. Vælg den adresse, den blev sendt til.",
    throttled: "Der er bedt om for mange koder. Du kan prøve igen {when}.",
    mail_unavailable: "Kodemailen kunne ikke sendes lige nu. Du kan prøve igen {when}.",
    refused: "Nøgleserveren afviste anmodningen. Prøv igen; hvis det bliver ved, så sig det til afsenderen.",

    sign_in_or: "Eller log ind med din konto i et nyt vindue",
    sign_in_with: "Log ind med {name}",
    sign_in_cancelled: "Login blev annulleret. Log ind igen, eller bed om en kode.",
    handed_off: "Login med {name} fortsætter i et nyt vindue i fremviseren ({host}). Eller bed om en kode her.",
    passcodes_exhausted: "Der er indtastet for mange forkerte koder til denne besked, så den tager ikke længere imod koder. Log ind med din konto, hvis det tilbydes, eller bed afsenderen om at sende den igen.",
    sign_in_blocked: "Login-vinduet kunne ikke åbnes. Tillad pop op-vinduer for denne side, eller bed om en kode.",
    sign_in_denied: "{name} loggede dig ikke ind. Prøv igen, eller bed om en kode.",
    provider_unreachable: "{name} kunne ikke nås. Prøv igen, eller bed om en kode.",
    sign_in_again: "Det login kunne ikke bruges. Log ind igen, eller bed om en kode.",
    wrong_account: "Du loggede ind som {account}; denne besked er til {recipients}. Log ind med den konto, eller bed om en kode.",
    email_unverified: "{name} har ikke bekræftet, at {account} er din adresse. Bed om en kode i stedet.",
    no_verified_address: "Kontoen, du loggede ind med, har ingen bekræftet e-mailadresse. Bed om en kode i stedet.",
    domain_not_allowed: "Login med {name} accepteres ikke for {address}. Bed om en kode i stedet.",
    provider_unavailable: "Nøgleserveren kan ikke kontrollere login med {name} lige nu. Prøv igen senere, eller bed om en kode.",

    decrypt_heading: "Dekrypterer i denne browser",
    decrypt_progress: "{percent} · {done} af {total}",
    decrypt_note: "Beskeden vises først, når alle dele af den er kontrolleret.",
    decrypt_label: "Dekryptering",

    msg_subject: "Emne",
    msg_from: "Fra",
    msg_to: "Til",
    msg_cc: "Cc",
    msg_date: "Dato",
    no_subject: "(intet emne)",
    remote_blocked: "Billeder udefra er blokeret. Hvis de hentes, kan afsenderen se, hvornår og hvor du læser beskeden.",
    show_remote: "Vis billeder udefra",
    attachments: "Vedhæftede filer",
    download: "Hent",
    download_named: "Hent {name}",
    save_eml: "Gem hele beskeden (.eml)",
    print: "Udskriv",
    body_title: "Beskedens indhold",
    no_body: "Beskeden har ingen tekst.",
    opened_note: "Dekrypteret i denne browserfane. Luk fanen for at glemme den.",
    passkey_open: "Åbn med din adgangsnøgle",
    passkey_waiting: "Venter på din adgangsnøgle …",
    passkey_elsewhere: "Du har en adgangsnøgle til {address}. Den virker på fremviserens egen side ({host}), ikke i en fil åbnet fra denne computer: åbn beskeden der for at bruge den.",
    passkey_offer_heading: "Brug en adgangsnøgle næste gang til {address}",
    passkey_offer_text: "Med en adgangsnøgle kan denne enhed åbne senere beskeder til adressen med dit fingeraftryk, ansigt eller skærmlås i stedet for en kode på mail; nøgleserveren gemmer kun dens offentlige nøgle.",
    passkey_add: "Tilføj en adgangsnøgle",
    passkey_added: "Adgangsnøglen er tilføjet. Vælg “Åbn med din adgangsnøgle” næste gang.",
    passkey_used: "Åbnet med din adgangsnøgle.",
    passkey_forget: "Glem denne enhed",
    passkey_forgotten: "Nøgleserveren accepterer ikke længere denne adgangsnøgle. Vil du også fjerne den fra enheden, så slet adgangsnøglen til {domain} i browserens eller systemets indstillinger for adgangskoder og adgangsnøgler.",
    passkey_unsupported: "Adgangsnøgler tilbydes ikke her: denne browser kan ikke bruge dem eller har ingen indbygget måde at kontrollere, at det er dig (fingeraftryk, ansigt eller skærmlås).",
    passkey_not_added: "Der blev ikke tilføjet en adgangsnøgle. Du kan prøve igen eller fortsætte med engangskoder.",
    passkey_exists: "Denne enhed har allerede en adgangsnøgle til adressen.",
    passkey_proof_expired: "Det kræver, at du bekræfter din adresse igen: åbn beskeden igen, og prøv så igen.",
    passkey_failed: "Nøgleserveren godtog det ikke. Prøv igen senere; engangskoder virker stadig.",
    passkey_cancelled: "Adgangsnøglen blev ikke brugt. Prøv igen, eller få en engangskode på mail.",
    passkey_refused: "Adgangsnøglen bekræftede ikke din adresse. Prøv igen, eller få en engangskode på mail.",
    passkey_cloned: "Adgangsnøglen blev afvist: dens tæller gik baglæns, som det sker med en kopieret adgangsnøgle. Brug en engangskode, glem så adgangsnøglen, og tilføj en ny.",
    passkey_gone: "Nøgleserveren har ikke længere en adgangsnøgle til adressen. Få en engangskode på mail.",
    unnamed_attachment: "vedhæftet fil",

    not_waxseal_title: "Dette er ikke en waxseal-besked",
    not_waxseal_body: "Filen indeholder ikke en krypteret waxseal-besked. Åbn den message.html, der var vedhæftet den e-mail, du modtog.",
    damaged_title: "Beskeden er ændret eller beskadiget",
    damaged_body: "Den kan ikke åbnes sikkert, så intet af den vises. Bed afsenderen om at sende den igen.",
    newer_title: "Beskeden kræver en nyere beskedviser",
    newer_body: "Den er lavet med en nyere version af waxseal (format {version}), end denne beskedviser kan læse. Prøv igen senere, eller spørg afsenderen.",
    too_large_title: "Beskeden er for stor",
    too_large_body: "Den er større, end en browser kan åbne (1 GiB). Bed afsenderen om at sende den i mindre dele.",
    expired_title: "Beskeden er udløbet",
    expired_body: "Afsenderen tillod, at den kunne åbnes indtil {date}. Bed afsenderen om at sende den igen.",
    revoked_title: "Afsenderen har trukket beskeden tilbage",
    revoked_body: "Den kan ikke længere åbnes. Kontakt afsenderen, hvis du stadig har brug for den.",
    open_limit_title: "Beskeden er åbnet så mange gange, som det er tilladt",
    open_limit_body: "Afsenderen har begrænset, hvor mange gange den kan åbnes. Bed afsenderen om at sende den igen.",
    too_many_tries_title: "For mange forkerte koder",
    too_many_tries_body: "Koden kan ikke længere bruges. Bed om en ny kode; den sendes til {address}.",
    unreachable_title: "Nøgleserveren kan ikke nås",
    unreachable_body: "{host} svarede ikke. Tjek din internetforbindelse, og prøv igen.",
    untrusted_title: "Beskeden angiver en nøgleserver, som denne beskedviser ikke stoler på",
    untrusted_body: "Den ville sende din adresse og kode til {host}, som ikke er en af de nøgleservere, denne beskedviser arbejder med. Filen kan være forfalsket, så intet er sendt. Hvis du ventede beskeden, så spørg afsenderen, hvordan den åbnes.",
    config_title: "Beskedviseren kunne ikke hente sine indstillinger",
    config_body: "Tjek din internetforbindelse, og prøv igen.",
    server_error_title: "Nøgleserveren havde et problem",
    server_error_body: "Prøv igen om lidt. Hvis det bliver ved, så sig det til afsenderen.",
    unknown_message_title: "Nøgleserveren kender ikke denne besked",
    unknown_message_body: "Den kan være fjernet eller forseglet til en anden nøgleserver. Bed afsenderen om at sende den igen.",
    sender_mismatch_title: "Afsenderen af denne besked kan ikke bekræftes",
    sender_mismatch_body: "Beskeden siger, at den er fra {address}, men nøgleserveren har den registreret af {organisation} som sendt fra {registered}. Stol ikke på den, og bed ikke om en kode; meld den til {organisation} eller jeres IT-afdeling.",
    try_again: "Prøv igen",
    open_another: "Åbn en anden fil",

    reply_button: "Svar sikkert",
    reply_heading: "Dit krypterede svar",
    reply_private_note: "Dit svar krypteres i denne browser, før det sendes. Kun {organisation} kan læse det; nøgleserveren og mailserverne undervejs kan ikke.",
    reply_text_label: "Dit svar",
    reply_quote_intro: "Den {date} skrev {sender}:",
    reply_quote_intro_undated: "{sender} skrev:",
    reply_attachments: "Vedhæftede filer",
    reply_attach: "Vedhæft filer",
    reply_drop: "eller slip dem her",
    reply_remove: "Fjern {name}",
    reply_remove_button: "Fjern",
    reply_size_label: "Svarets størrelse",
    reply_size: "{used} af {limit}",
    reply_send: "Send krypteret svar",
    reply_sealing: "Krypterer dit svar… {percent}",
    reply_sending: "Sender dit krypterede svar…",
    reply_discard: "Kassér",
    reply_discard_confirm: "Vil du kassere dit svar? Det, du skrev, gemmes ingen steder.",
    reply_sent_heading: "Svaret er sendt",
    reply_sent_body: "Dit krypterede svar blev sendt til {address}.",
    reply_save_copy: "Gem en kopi (.eml)",
    reply_back: "Tilbage til beskeden",
    reply_reprove: "Bekræft din adresse igen for at sende dit svar: den tidligere bekræftelse udløb, mens du skrev. Dit svar er bevaret.",
    reply_verify_send: "Bekræft og send svar",
    reply_back_to_draft: "Tilbage til mit svar",
    reply_empty: "Skriv noget eller vedhæft en fil først.",
    reply_too_large: "Dit svar fylder {size}, mere end de {limit}, nøgleserveren tager imod. Fjern en vedhæftet fil, eller send store filer på anden vis.",
    reply_limit_reached: "Du har sendt så mange svar på denne besked, som nøgleserveren tillader.",
    reply_not_accepted: "Afsenderen har ikke sat sikre svar op for denne besked. Svar på den måde, du plejer.",
    reply_closed: "Denne besked er udløbet eller trukket tilbage og tager ikke længere imod svar. Kopiér din tekst, hvis du vil beholde den.",
    reply_throttled: "Der er sendt for mange svar fra dette netværk. Du kan prøve igen {when}.",
    reply_mail_unavailable: "Nøgleserveren kunne ikke give dit svar videre til sin mailserver. Intet blev sendt; prøv igen om nogle minutter.",
    reply_mail_refused: "Afsenderens mailserver afviste dit svar, oftest fordi det er for stort til den. Intet blev sendt: fjern en vedhæftet fil og prøv igen, eller svar på anden vis.",
    reply_unreachable: "Nøgleserveren kunne ikke nås. Dit svar er bevaret; prøv igen.",
    reply_sealer_unavailable: "Den del af fremviseren, der forsegler svar, kunne ikke indlæses, så intet blev sendt. Dit svar er bevaret; tjek din forbindelse og prøv igen.",
    reply_failed: "Dit svar kunne ikke sendes. Det er bevaret; prøv igen, og sig det til afsenderen, hvis det bliver ved.",
    reply_unreadable: "En fil kunne ikke læses, så den blev ikke vedhæftet.",

    privacy_heading: "Privatliv",
    privacy_updated: "Senest opdateret {date}",
    back: "Tilbage",
    privacy: [
        Section {
            heading: "Din besked bliver i din browser",
            text: "Den krypterede besked ligger i den fil, du åbnede. Beskedviseren dekrypterer den i denne browserfane. Beskeden sendes aldrig, hverken krypteret eller ukrypteret, til nøgleserveren eller andre steder, og nøgleserveren gemmer den aldrig.",
        },
        Section {
            heading: "Hvad der sendes, og kun når du klikker",
            text: "Når du beder om en kode, sender beskedviseren følgende til den nøgleserver, der vises på skærmen: beskedens id, den adresse, du valgte, en midlertidig offentlig nøgle lavet til denne fane og dit sprog, så kodemailen skrives på det. For at kontrollere koden sender den den kode, du skrev. Logger du i stedet ind med en konto, bekræfter kontoudbyderen din adresse (den får at vide, at du loggede ind her, men ikke hvad beskeden siger), og beskedviseren giver bekræftelsen videre til nøgleserveren sammen med beskedens id og fanens offentlige nøgle. Login sker altid på beskedviserens egen side: en besked åbnet fra en fil giver den krypterede besked videre til et nyt vindue i beskedviseren, og udbyderens svar gives ikke til nogen anden side. Før du klikker, spørger beskedviseren kun nøgleserveren, hvilken organisation der har registreret beskeden (ud fra dens id, så den kan vise dig, hvem der reelt har sendt den; intet registreres), og hvilke konti den accepterer; det siger intet om dig.",
        },
        Section {
            heading: "Engangskoder",
            text: "En kode bruges kun til at kontrollere, at adressen er din. Nøgleserveren gemmer den ikke: den gemmer kun en hash med nøgle, indtil koden er brugt eller udløber få minutter senere.",
        },
        Section {
            heading: "Nøgler",
            text: "Nøglerne, der dekrypterer beskeden, findes kun i denne fanes hukommelse. De skrives aldrig til cookies eller browserens lager, og de forsvinder, når du lukker fanen.",
        },
        Section {
            heading: "Adgangsnøgler",
            text: "Vælger du at tilføje en adgangsnøgle efter at have åbnet en besked, laver din enhed et nøglepar til fremviserens domæne: den private nøgle forlader aldrig enheden, som beskytter den med dit fingeraftryk, ansigt eller skærmlås. Nøgleserveren gemmer adgangsnøglens offentlige nøgle og id, din adresse, en signaturtæller, og hvornår den blev tilføjet og sidst brugt — intet andet — så den kan kontrollere adgangsnøglen, når du åbner en senere besked til adressen. Den beder kun om adgangsnøglen, når du har klikket. “Glem denne enhed” fjerner den fra nøgleserveren, og en adgangsnøgle, der ikke er brugt i 180 dage (eller den tid, operatøren har valgt), fjernes automatisk. Du kan altid få en engangskode på mail.",
        },
        Section {
            heading: "Svar",
            text: "Hvis du svarer fra fremviseren, skrives og krypteres dit svar og dets vedhæftede filer i denne fane, til en nøgle som kun afsenderens organisation har; beskeden selv angiver nøglen, så nøgleserveren ikke kan skifte den ud med sin egen. Nøgleserveren sender det krypterede svar videre med e-mail til den svaradresse, afsenderen har registreret, og oplyser hvilken adresse der svarede, og hvordan den blev bekræftet. Den kan ikke læse svaret og gemmer intet af det: til afsenderens optegnelser noterer den kun, at du har svaret, og tæller dine svar på denne besked. Dit udkast findes kun i denne fanes hukommelse og forsvinder, når du forlader den.",
        },
        Section {
            heading: "Hvad afsenderen kan se",
            text: "Til afsenderens optegnelser noterer nøgleserveren, hvornår en kode blev sendt til din adresse, hvornår en forkert kode blev indtastet, og hvornår beskeden blev åbnet. Den registrerer aldrig koder, nøgler eller beskedens indhold.",
        },
        Section {
            heading: "Netværksadresser",
            text: "For at forhindre misbrug tæller nøgleserveren anmodninger om koder pr. netværksadresse (IP-adresse) over en time. Tællingen er ikke knyttet til din e-mailadresse eller til beskeden.",
        },
        Section {
            heading: "Ingen sporing",
            text: "Beskedviseren bruger ingen cookies, ingen statistikværktøjer fra tredjeparter og ingen tredjepartstjenester og henter intet fra andre websteder. Billeder udefra i en besked forbliver blokeret, indtil du vælger at vise dem. Brugstallene analyseres kun samlet og bruges aldrig til at identificere, kontakte eller målrette nogen.",
        },
        Section {
            heading: "Brugstal",
            text: "Hvis en beskeds nøgleserver beder om det, sender beskedviseren den én lille rapport, når beskeden åbnes, eller når den viser en fejlside: browserens type og hovedversion (f.eks. Firefox 153), det viste sprog, om beskeden blev åbnet fra sin vedhæftede fil eller valgt på beskedviserens side, dens størrelse i et af fem intervaller, hvordan du beviste din adresse og, i intervaller, hvor lang tid trinnene tog (fra oversigten til at du bad om et bevis, fra beviset til at beskeden blev vist) og hvor hurtigt den blev dekrypteret; på en fejlside også hvilken. Den indeholder intet besked-id, ingen adresse, ingen referencekode og intet klokkeslæt og sendes uden cookies, én gang. Nøgleserveren lægger den blot til optællinger pr. dag og gemmer intet andet fra den: hverken din netværksadresse eller tidspunktet. Optællinger under en grænse vises aldrig for operatøren.",
        },
    ],
    privacy_operator: "Denne beskedviser drives af {operator}.",
    privacy_contact: "Spørgsmål om dit privatliv:",
    privacy_example: "En hel rapport, som den sendes:",
    privacy_changes_heading: "Ændringer",
    privacy_changes: [
        "Brugstal: hvad beskedviseren rapporterer, og hvad nøgleserveren gemmer af det. Navnet på den organisation, der driver denne beskedviser, og dens kontakt om privatliv. Adgangsnøgler.",
        "Sikre svar.",
        "Første version.",
    ],
};

/// When the privacy statement last changed (year, month, day).
pub const PRIVACY_UPDATED: (u32, u32, u32) = PRIVACY_CHANGES[0];

/// When each change listed in the statement's "Changes" was made, newest first.
pub const PRIVACY_CHANGES: [(u32, u32, u32); 3] = [(2026, 12, 1), (2026, 11, 30), (2026, 11, 21)];

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Every string of a language with its field name, via its `Debug` output (the struct is
    /// flat apart from the privacy sections, which `Debug` prints the same way).
    fn entries(s: &Strings) -> Vec<(String, String)> {
        let debug = format!("{s:#?}");
        let mut out = Vec::new();
        for line in debug.lines() {
            let line = line.trim();
            if let Some((key, value)) = line.split_once(": \"") {
                let value = value.trim_end_matches(',').trim_end_matches('"');
                out.push((key.to_owned(), value.to_owned()));
            }
        }
        out
    }

    fn placeholders(s: &str) -> Vec<&str> {
        let mut names: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_translation_is_complete_and_uses_the_same_placeholders() {
        let en = entries(&EN);
        assert!(en.len() > 100, "only {} strings found", en.len());
        for lang in [Lang::Zh, Lang::Da] {
            let other = entries(lang.strings());
            assert_eq!(other.len(), en.len(), "{lang:?}");
            for ((key, en_text), (other_key, text)) in en.iter().zip(&other) {
                assert_eq!(key, other_key);
                assert!(!text.trim().is_empty(), "{lang:?}.{key} is empty");
                assert_eq!(
                    placeholders(en_text),
                    placeholders(text),
                    "{lang:?}.{key} uses other placeholders than English"
                );
                // A string left in English is a missed translation ("Cc" is Danish too).
                assert!(
                    en_text != text || key == "msg_cc",
                    "{lang:?}.{key} is not translated: {text:?}"
                );
            }
        }
    }

    #[test]
    fn the_language_follows_the_first_preference_the_viewer_speaks() {
        assert_eq!(Lang::negotiate(["da-DK", "en-US"]), Lang::Da);
        assert_eq!(Lang::negotiate(["fr-FR", "zh-Hans-CN", "en"]), Lang::Zh);
        assert_eq!(Lang::negotiate(["zh_TW"]), Lang::Zh);
        assert_eq!(Lang::negotiate(["EN-gb", "da"]), Lang::En);
        assert_eq!(Lang::negotiate(["fr", "de"]), Lang::En);
        assert_eq!(Lang::negotiate(Vec::<String>::new()), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn fill_replaces_named_values_and_leaves_the_rest() {
        assert_eq!(
            fill(
                "{n} tries left for {address}",
                &[("n", "3"), ("address", "bob@example.net")]
            ),
            "3 tries left for bob@example.net"
        );
        assert_eq!(fill("{unknown} and {", &[("n", "1")]), "{unknown} and {");
        assert_eq!(fill("no values", &[]), "no values");
        assert_eq!(
            fill(EN.wrong_code_other, &[("n", "4")]),
            "That passcode is not right. 4 tries left."
        );
    }
}

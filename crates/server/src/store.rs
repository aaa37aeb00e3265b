//! Storage behind a trait, so that backends (SQLite now, PostgreSQL later) are interchangeable.
//!
//! Every operation that enforces a rule across requests (single use, wrong-try counts, open
//! limits, throttles) is one atomic statement or transaction here, never a read in the handler
//! followed by a write, so the rules hold however many server processes share the database.

use async_trait::async_trait;
use waxseal_api::{AuditEvent, EventKind};

/// A storage failure. Its text goes to the log, never to a client.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Storage results.
pub type Result<T> = std::result::Result<T, StoreError>;

/// An API key's owner and stored hash.
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    /// The sender organisation.
    pub sender_id: i64,
    /// Its name.
    pub sender_name: String,
    /// SHA-256 of the key's secret part.
    pub hash: Vec<u8>,
}

/// A message to register.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Message id (base64url).
    pub id: String,
    /// Owner.
    pub sender_id: i64,
    /// Encrypted server share.
    pub share_ct: Vec<u8>,
    /// Master key id of `share_ct`.
    pub share_key_id: String,
    /// Normalised recipients.
    pub recipients: Vec<String>,
    /// Registration time.
    pub created: u64,
    /// Expiry.
    pub expires: u64,
    /// Open limit.
    pub max_opens: Option<u32>,
    /// The envelope's sender address, checked against the organisation's sending domains.
    pub from_address: String,
    /// Where secure replies go (the header's `reply.to`), if the message takes them.
    pub reply_to: Option<String>,
}

/// A registered message.
#[derive(Debug, Clone)]
pub struct MessageRecord {
    /// Message id.
    pub id: String,
    /// Owner.
    pub sender_id: i64,
    /// Encrypted share; `None` once revoked.
    pub share_ct: Option<Vec<u8>>,
    /// Master key id of `share_ct`.
    pub share_key_id: Option<String>,
    /// Normalised recipients.
    pub recipients: Vec<String>,
    /// Registration time.
    pub created: u64,
    /// Expiry.
    pub expires: u64,
    /// Open limit.
    pub max_opens: Option<u32>,
    /// Releases so far.
    pub opens: u32,
    /// Revocation time.
    pub revoked_at: Option<u64>,
    /// Wrong passcodes entered for it so far (its guessing budget spent).
    pub wrong_passcodes: u32,
    /// The envelope's sender address as registered (`None` for older messages).
    pub from_address: Option<String>,
    /// Where secure replies go, if the message takes them.
    pub reply_to: Option<String>,
}

/// A passcode to store (as a MAC).
#[derive(Debug, Clone)]
pub struct NewPasscode {
    /// Message.
    pub message_id: String,
    /// Normalised recipient.
    pub recipient: String,
    /// The tab key it is bound to.
    pub public_key: Vec<u8>,
    /// HMAC of the passcode.
    pub code_mac: Vec<u8>,
    /// Master key id of the MAC key.
    pub key_id: String,
    /// Issue time.
    pub created: u64,
    /// Expiry.
    pub expires: u64,
}

/// A stored passcode.
#[derive(Debug, Clone)]
pub struct PasscodeRecord {
    /// Row id.
    pub id: i64,
    /// The tab key it is bound to.
    pub public_key: Vec<u8>,
    /// HMAC of the passcode.
    pub code_mac: Vec<u8>,
    /// Master key id of the MAC key.
    pub key_id: String,
    /// Issue time.
    pub created: u64,
    /// Expiry.
    pub expires: u64,
    /// Wrong tries so far.
    pub wrong_tries: u32,
    /// When it was used.
    pub used_at: Option<u64>,
}

/// A token to store (as a hash).
#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 of the token.
    pub hash: Vec<u8>,
    /// Message.
    pub message_id: String,
    /// Verified recipient.
    pub recipient: String,
    /// The tab key it is bound to.
    pub public_key: Vec<u8>,
    /// Expiry.
    pub expires: u64,
    /// How the recipient proved the address: `passcode` or `sign-in`.
    pub proof: &'static str,
}

/// A stored token, read together with the state of its message (one snapshot).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Message.
    pub message_id: String,
    /// Verified recipient.
    pub recipient: String,
    /// The tab key it is bound to.
    pub public_key: Vec<u8>,
    /// Expiry.
    pub expires: u64,
    /// Whether this token already released the share.
    pub released: bool,
    /// Whether the message is revoked.
    pub message_revoked: bool,
    /// The message's expiry.
    pub message_expires: u64,
    /// The message's encrypted share (`None` once revoked).
    pub share: Option<StoredShare>,
    /// How the recipient proved the address: `passcode` or `sign-in`.
    pub proof: String,
}

/// The encrypted share a release may serve.
#[derive(Debug, Clone)]
pub struct StoredShare {
    /// Master key id.
    pub key_id: String,
    /// `nonce || ciphertext || tag`.
    pub ciphertext: Vec<u8>,
}

/// What happened when a release was recorded.
#[derive(Debug, Clone)]
pub enum ReleaseOutcome {
    /// First release with this token: counted as an open (and the `released` event recorded in
    /// the same transaction).
    Counted(StoredShare),
    /// This token already released the share; not counted again.
    Repeated(StoredShare),
    /// The open limit is reached.
    LimitReached,
    /// The message was revoked.
    Revoked,
    /// The message has expired.
    Expired,
}

/// The longest throttle window, in seconds: older hits are never counted again.
pub const THROTTLE_WINDOW: u64 = 3600;

/// What one retention pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Shares of expired messages destroyed.
    pub shares_destroyed: u64,
    /// Expired tokens deleted.
    pub tokens_deleted: u64,
    /// Expired passcodes (their MACs) deleted.
    pub passcodes_deleted: u64,
    /// Throttle hits past every window deleted.
    pub throttle_hits_deleted: u64,
    /// Audit events past the retention period deleted.
    pub events_deleted: u64,
    /// Messages (without share, past the retention period) deleted.
    pub messages_deleted: u64,
    /// Sign-in nonces past their ID token's lifetime deleted.
    pub nonces_deleted: u64,
    /// Passkeys not used within `passkeys.forget_unused_days`.
    pub passkeys_deleted: u64,
    /// Passkey ceremonies that were started and never finished.
    pub ceremonies_deleted: u64,
    /// Daily usage counters older than `usage.keep_days`.
    pub usage_counts_deleted: u64,
}

/// The outcome of reserving one passcode guess ([`Store::begin_guess`]).
/// A passkey ceremony under way: registering (`kind` "register") or proving an address
/// ("authenticate"), bound to a message, a recipient and a tab's public key. `state` is the
/// WebAuthn library's ceremony state (JSON), kept here and never sent to the browser.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub hash: Vec<u8>,
    pub kind: String,
    pub message_id: String,
    pub recipient: String,
    pub public_key: Vec<u8>,
    pub state: String,
    pub expires: u64,
}

/// A recipient's passkey: the credential (JSON: its id, public key, sign counter and flags, as
/// the WebAuthn library keeps them), the address, and when it was added and last used.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub credential_id: Vec<u8>,
    pub recipient: String,
    pub passkey: String,
    pub created: u64,
    pub last_used: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Counted as a wrong try until it proves right: the passcode's tries and the message's
    /// wrong passcodes, this guess included.
    Reserved {
        /// Tries on this passcode, this one included.
        tries: u32,
        /// Wrong passcodes on the message, this one included.
        message_total: u32,
    },
    /// The passcode has had all its tries.
    PasscodeSpent,
    /// The message's guessing budget is spent.
    BudgetSpent,
}

/// The outcome of issuing a passcode ([`Store::issue_passcode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    /// Stored; the mail may be sent.
    Now,
    /// The last passcode for this address is younger than the resend interval: seconds to wait.
    TooSoon(u64),
}

/// What a consumed passcode attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    /// Marked used now.
    Now,
    /// Already used, or dead from wrong tries, by a concurrent request.
    Gone,
}

/// The storage operations the server needs.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates a sender organisation; returns its id.
    async fn create_sender(&self, name: &str, now: u64) -> Result<i64>;
    /// Finds a sender organisation by name.
    async fn sender_by_name(&self, name: &str) -> Result<Option<i64>>;
    /// The name of a sender organisation.
    async fn sender_name(&self, id: i64) -> Result<Option<String>>;
    /// Stores an API key's hash.
    async fn add_api_key(&self, sender_id: i64, key_id: &str, hash: &[u8], now: u64) -> Result<()>;
    /// Looks up an API key.
    async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>>;

    /// Inserts a message; `false` if the id exists (nothing is changed then).
    async fn insert_message(&self, m: &NewMessage) -> Result<bool>;
    /// Reads a message.
    async fn message(&self, id: &str) -> Result<Option<MessageRecord>>;
    /// Revokes a message and destroys its share; `false` if it was already revoked.
    async fn revoke_message(&self, id: &str, now: u64) -> Result<bool>;

    /// Appends an audit event.
    async fn add_event(
        &self,
        message_id: &str,
        at: u64,
        kind: EventKind,
        recipient: Option<&str>,
    ) -> Result<()>;
    /// The audit trail, oldest first.
    async fn events(&self, message_id: &str) -> Result<Vec<AuditEvent>>;

    /// Counts a hit on a sliding-window throttle and records it if allowed. Returns `None` if
    /// allowed, or the seconds until the oldest hit in the window leaves it.
    async fn throttle(&self, key: &str, now: u64, window: u64, limit: u32) -> Result<Option<u64>>;

    /// Stores a new passcode and supersedes every earlier one for the same message and recipient
    /// — unless the current one was issued less than `resend_after` seconds before `p.created`.
    /// One atomic operation, so parallel requests issue (and mail) one passcode.
    async fn issue_passcode(&self, p: &NewPasscode, resend_after: u64) -> Result<Issued>;
    /// The latest passcode for a message and recipient.
    async fn current_passcode(
        &self,
        message_id: &str,
        recipient: &str,
    ) -> Result<Option<PasscodeRecord>>;
    /// Reserves one guess before the passcode is compared: counts it as a wrong try of passcode
    /// `id` (at most `max_tries`) and as a wrong passcode of `message_id` (at most `budget`), in
    /// one atomic operation, so parallel guesses can never exceed either limit.
    async fn begin_guess(
        &self,
        id: i64,
        message_id: &str,
        max_tries: u32,
        budget: u32,
    ) -> Result<Guess>;
    /// After a right guess: marks passcode `id` used if it is unused and not superseded, and gives
    /// back the guess [`Store::begin_guess`] reserved for it (in both counts).
    async fn consume_passcode(
        &self,
        id: i64,
        message_id: &str,
        now: u64,
        max_tries: u32,
    ) -> Result<Consumed>;

    /// Counts one secure reply of `recipient` to `message_id` if fewer than `max` were counted:
    /// `true` when counted. One atomic operation.
    async fn reserve_reply(&self, message_id: &str, recipient: &str, max: u32) -> Result<bool>;
    /// Gives back a reply counted by [`Store::reserve_reply`] that could not be sent.
    async fn release_reply(&self, message_id: &str, recipient: &str) -> Result<()>;

    /// Adds a verified sending domain to an organisation (`false` if it was there already).
    async fn add_sender_domain(&self, sender_id: i64, domain: &str, now: u64) -> Result<bool>;
    /// An organisation's verified sending domains, in order.
    async fn sender_domains(&self, sender_id: i64) -> Result<Vec<String>>;

    /// Records a sign-in nonce (its hash) as used until `expires`; `false` if it was already
    /// used (a replayed ID token). Atomic across server processes.
    async fn use_nonce(&self, hash: &[u8], expires: u64) -> Result<bool>;

    /// Stores a token.
    async fn insert_token(&self, t: &NewToken) -> Result<()>;
    /// Looks up a token by hash.
    async fn token(&self, hash: &[u8]) -> Result<Option<TokenRecord>>;
    /// Retention: destroys the shares of expired messages; deletes expired tokens and passcodes,
    /// spent throttle hits, audit events older than `audit_before`, and messages whose share is
    /// gone and whose end (revocation or expiry) is older than `audit_before`.
    /// Deletes what retention no longer keeps; passkeys last used before
    /// `passkeys_unused_before` too.
    async fn purge(
        &self,
        now: u64,
        audit_before: u64,
        passkeys_unused_before: u64,
    ) -> Result<PurgeReport>;

    /// Stores a ceremony under its hash.
    async fn insert_ceremony(&self, c: &Ceremony) -> Result<()>;
    /// The ceremony with this hash, if it was neither finished nor purged.
    async fn ceremony(&self, hash: &[u8]) -> Result<Option<Ceremony>>;
    /// Ends a ceremony: true for the one request that ends it, false if it was ended already.
    async fn take_ceremony(&self, hash: &[u8]) -> Result<bool>;
    /// The passkeys of an address.
    async fn passkeys(&self, recipient: &str) -> Result<Vec<StoredPasskey>>;
    /// Which of `recipients` have a passkey.
    async fn with_passkeys(&self, recipients: &[String]) -> Result<Vec<String>>;
    /// Stores a new passkey; false if a passkey with its credential id exists already.
    async fn add_passkey(&self, p: &StoredPasskey) -> Result<bool>;
    /// Replaces a passkey's credential after a use, if it is still `old` (so that of two uses
    /// decided at once, one wins and the other is refused): false if it changed or is gone.
    async fn update_passkey(
        &self,
        credential_id: &[u8],
        old: &str,
        new: &str,
        now: u64,
    ) -> Result<bool>;
    /// Removes a passkey of `recipient`; false if there was none with that id.
    async fn remove_passkey(&self, recipient: &str, credential_id: &[u8]) -> Result<bool>;
    /// Records the first release with a token (already checked for expiry and key): decides it
    /// atomically against the message's state and open limit; a counted release is recorded with
    /// its `released` audit event in the same transaction.
    async fn release(&self, token_hash: &[u8], now: u64) -> Result<ReleaseOutcome>;

    /// Adds one usage report to the counters of `day` (days since 1970-01-01, UTC): one more for
    /// each (dimension, value) of `entries`, in one transaction. Nothing else of the report is
    /// kept.
    async fn count_usage(&self, day: u64, entries: &[(&'static str, String)]) -> Result<()>;
    /// The daily counters of days `from_day` to `to_day` (inclusive), by day, dimension, value.
    async fn usage(&self, from_day: u64, to_day: u64) -> Result<Vec<UsageCount>>;
    /// Deletes the counters of days before `before_day`; how many rows went.
    async fn purge_usage(&self, before_day: u64) -> Result<u64>;
}

/// One daily usage counter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UsageCount {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// What was counted (`opens`, `browser`, `language`, …).
    pub dimension: String,
    /// The value counted (`firefox 153`, `da`, …).
    pub value: String,
    /// How many reports that day named it.
    pub count: i64,
}

/// The stable text of an event kind in storage.
pub fn event_kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Registered => "registered",
        EventKind::PasscodeSent => "passcode_sent",
        EventKind::WrongPasscode => "wrong_passcode",
        EventKind::Verified => "verified",
        EventKind::Released => "released",
        EventKind::Revoked => "revoked",
        EventKind::Expired => "expired",
        EventKind::SignedIn => "signed_in",
        EventKind::PasscodesExhausted => "passcodes_exhausted",
        EventKind::Replied => "replied",
        EventKind::VerifiedPasskey => "verified_passkey",
        EventKind::PasskeyAdded => "passkey_added",
        EventKind::PasskeyRemoved => "passkey_removed",
    }
}

/// The event kind of a stored name.
pub fn event_kind_from_name(name: &str) -> Option<EventKind> {
    Some(match name {
        "registered" => EventKind::Registered,
        "passcode_sent" => EventKind::PasscodeSent,
        "wrong_passcode" => EventKind::WrongPasscode,
        "verified" => EventKind::Verified,
        "released" => EventKind::Released,
        "revoked" => EventKind::Revoked,
        "expired" => EventKind::Expired,
        "signed_in" => EventKind::SignedIn,
        "passcodes_exhausted" => EventKind::PasscodesExhausted,
        "replied" => EventKind::Replied,
        "verified_passkey" => EventKind::VerifiedPasskey,
        "passkey_added" => EventKind::PasskeyAdded,
        "passkey_removed" => EventKind::PasskeyRemoved,
        _ => return None,
    })
}

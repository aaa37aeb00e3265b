//! The wire types of the waxseal key-release API (see `docs/api.md` and the OpenAPI document
//! served at `/openapi.json`). Shared by the server, the viewer and the CLI so that all three
//! agree on every field.
//!
//! Binary values (message ids, shares, public keys, releases) are base64url without padding.
//! Times are seconds since the Unix epoch.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod usage;

use serde::{Deserialize, Serialize};

/// `POST /v1/messages` (sender): register a sealed message's server share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterMessage {
    /// The message id from the envelope header.
    pub id: String,
    /// The server share, 32 bytes.
    pub server_share: String,
    /// The key-server origin written in the envelope header; must be this server's origin, or
    /// the releases would not open.
    pub key_server: String,
    /// The addresses that may open the message, as in the envelope header.
    pub recipients: Vec<String>,
    /// The sender address, as in the envelope header (`from.address`); its domain must be one
    /// of the organisation's verified sending domains.
    pub from: String,
    /// Where secure replies go, as in the envelope header's `reply.to` (format version 2); its
    /// domain must be one of the organisation's verified sending domains too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// When the key server stops releasing the share.
    pub expires: u64,
    /// How many releases (opens) are allowed in all; none means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_opens: Option<u32>,
}

/// The state of a registered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// The share is released to verified recipients.
    Active,
    /// The sender revoked it; the share is destroyed.
    Revoked,
    /// Past its expiry.
    Expired,
    /// Its open limit is reached.
    OpenLimitReached,
}

/// What a sender sees of a message: `GET /v1/messages/{id}`, and the answer to register and revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageStatus {
    /// The message id.
    pub id: String,
    /// Its state now.
    pub state: MessageState,
    /// The recipients.
    pub recipients: Vec<String>,
    /// When it was registered.
    pub created: u64,
    /// When it expires.
    pub expires: u64,
    /// The open limit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_opens: Option<u32>,
    /// How many times the share was released.
    pub opens: u32,
    /// When it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<u64>,
    /// Wrong passcodes entered for it so far.
    #[serde(default)]
    pub wrong_passcodes: u32,
    /// Wrong passcodes it allows in all; once reached it accepts no more passcodes.
    #[serde(default)]
    pub passcode_budget: u32,
    /// The audit trail, oldest first. Never holds a passcode, token or share.
    pub events: Vec<AuditEvent>,
}

/// The answer to `POST /v1/messages/{id}/reply`: the sealed reply was handed to the mail relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySent {
    /// The organisation's reply address it was sent to.
    pub to: String,
}

/// `GET /v1/relay-keys` (public): the public keys with which the key server signs what it says
/// of each reply it relays (its relay attestation; `envelope-spec.md` §10.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayKeys {
    /// The keys, the one signing now first.
    pub keys: Vec<RelayKey>,
}

/// One relay attestation key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayKey {
    /// Its id, named in each signature.
    pub id: String,
    /// The Ed25519 public key, base64url.
    pub public_key: String,
}

/// The bytes a relay attestation signs (`envelope-spec.md` §10.7): that this key server verified
/// `replier` for the message `message_id` by `verified_by` (`passcode` or `sign-in`) and relayed,
/// at `relayed_at` (Unix seconds), the sealed reply whose SHA-256 is `reply_sha256`.
pub fn relay_statement(
    message_id: &str,
    replier: &str,
    verified_by: &str,
    relayed_at: u64,
    reply_sha256: &[u8; 32],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + replier.len());
    out.extend_from_slice(b"waxseal/v1 relay attestation\0");
    for part in [message_id, replier, verified_by] {
        out.extend_from_slice(&(part.len() as u16).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(&relayed_at.to_be_bytes());
    out.extend_from_slice(reply_sha256);
    out
}

/// `GET /v1/messages/{id}/sender` (public): who registered a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSender {
    /// The sender organisation's name at this key server.
    pub organisation: String,
    /// The sender address registered with the message (none for messages registered before
    /// addresses were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The message's recipients that have a passkey at this key server (none when passkeys are
    /// off): the viewer offers "Open with your passkey" for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkeys: Vec<String>,
}

/// What happened to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The sender registered it.
    Registered,
    /// A passcode was sent to a recipient.
    PasscodeSent,
    /// A wrong passcode was entered.
    WrongPasscode,
    /// A recipient proved their address.
    Verified,
    /// The share was released to a verified recipient.
    Released,
    /// The sender revoked it.
    Revoked,
    /// Someone asked for it after it expired.
    Expired,
    /// A recipient proved their address by signing in with an account provider.
    SignedIn,
    /// The message's guessing budget is spent: it accepts no more passcodes (sign-in still
    /// works).
    PasscodesExhausted,
    /// A recipient's secure reply was relayed to the organisation's reply address.
    Replied,
    /// A recipient proved their address with a passkey.
    VerifiedPasskey,
    /// A recipient who had proved their address added a passkey for it.
    PasskeyAdded,
    /// A recipient removed a passkey of their address ("Forget this device").
    PasskeyRemoved,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When.
    pub at: u64,
    /// What.
    pub kind: EventKind,
    /// Which recipient, when one is concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

/// `GET /v1/config` (public): what the viewer needs to know about this key server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicConfig {
    /// Ways to prove an address: `"passcode"`, then any sign-in providers.
    pub methods: Vec<String>,
    /// Digits in a passcode.
    pub passcode_length: u8,
    /// How long a passcode is valid, in seconds.
    pub passcode_lifetime: u64,
    /// Wrong tries allowed per passcode.
    pub passcode_max_tries: u8,
    /// Seconds to wait before asking for another passcode for the same address.
    pub resend_after: u64,
    /// The account providers a recipient can sign in with instead of a passcode (OpenID
    /// Connect), in the operator's order. Only providers whose discovery document the server
    /// could load are listed.
    #[serde(default)]
    pub providers: Vec<SignInProvider>,
    /// The largest sealed reply this key server relays, in bytes (spec §10; the viewer's size
    /// meter). Absent from servers that relay no replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_max_bytes: Option<u64>,
    /// Passkeys (WebAuthn) for recipients' addresses, when the operator turned them on: the
    /// viewer on `origin` offers them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkeys: Option<PasskeySettings>,
    /// Whether the viewer sends its aggregate usage report (`POST /v1/usage`) when a message is
    /// opened or a failure met. Absent or false: it sends nothing.
    #[serde(default)]
    pub usage_reports: bool,
    /// Who runs this key server, when the operator said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
}

/// The organisation that runs a key server or a viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Its name, e.g. `Acme Ltd`.
    pub name: String,
    /// Where recipients reach it about privacy: an e-mail address or an `https://` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_contact: Option<String>,
}

/// Where passkeys work (`GET /v1/config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySettings {
    /// The WebAuthn relying party id: the viewer's domain.
    pub rp_id: String,
    /// The viewer's origin, the only page where passkeys are registered and used.
    pub origin: String,
}

/// An OpenID Connect provider enabled on this key server (`GET /v1/config`). The viewer runs the
/// Authorization Code flow with PKCE against it as a public client and sends the ID token to
/// `POST /v1/messages/{id}/sign-in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInProvider {
    /// The operator's short name for the provider, sent back in the sign-in request.
    pub id: String,
    /// What the button says: "Sign in with {name}".
    pub name: String,
    /// `microsoft`, `google` or `oidc`; the viewer may show the provider's mark.
    pub kind: String,
    /// The provider's issuer URL.
    pub issuer: String,
    /// This deployment's client id at the provider.
    pub client_id: String,
    /// Where the viewer sends the recipient to sign in.
    pub authorization_endpoint: String,
    /// Where the viewer exchanges the code (with its PKCE verifier) for the ID token.
    pub token_endpoint: String,
    /// Scopes to ask for.
    pub scopes: String,
    /// The client secret, for providers that demand one even from browser clients (Google's
    /// "Web application" clients). It is published to every viewer, so it is no secret: a
    /// provider must not let it grant anything beyond this sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_client_secret: Option<String>,
}

/// `POST /v1/messages/{id}/sign-in` (public): prove the address with an OpenID Connect ID token
/// instead of a passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The provider's `id` from the public config.
    pub provider: String,
    /// The ID token the provider issued to the viewer.
    pub id_token: String,
    /// The browser tab's X25519 public key (32 bytes) that the token, and so the share, is bound
    /// to.
    pub public_key: String,
    /// The random salt (16 to 64 bytes) from which the viewer derived the `nonce` it sent to the
    /// provider: see [`sign_in_nonce`].
    pub nonce_salt: String,
}

/// The answer to a successful sign-in: a release token, as after a passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// Bearer token for the release request.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The recipient address the signed-in account proved.
    pub recipient: String,
}

/// The `nonce` of a sign-in: `base64url(SHA-256("waxseal sign-in nonce v1" || u16be(len(id)) ||
/// id || public_key || salt))`. The ID token carries it, so a token is good for one message and
/// one browser tab's key only; the key server recomputes it from the request and accepts each
/// nonce once.
pub fn sign_in_nonce(message_id: &str, public_key: &[u8], salt: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let id = message_id.as_bytes();
    let mut h = sha2::Sha256::new();
    h.update(b"waxseal sign-in nonce v1");
    h.update(u16::try_from(id.len()).unwrap_or(u16::MAX).to_be_bytes());
    h.update(id);
    h.update(public_key);
    h.update(salt);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// `POST /v1/messages/{id}/passcode` (public): e-mail a passcode to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasscodeRequest {
    /// The recipient address (one of the message's recipients).
    pub recipient: String,
    /// The browser tab's X25519 public key (32 bytes) that the passcode, and so the share, is
    /// bound to.
    pub public_key: String,
    /// Preferred languages, as in `Accept-Language` or `navigator.languages` (e.g. `"da"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The answer to a passcode request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasscodeSent {
    /// The reference code printed in the e-mail too, so the recipient can tell the mail belongs
    /// to the page they are on.
    pub reference: String,
    /// Seconds until the passcode expires.
    pub expires_in: u64,
    /// Seconds before another passcode can be requested for this address.
    pub resend_after: u64,
}

/// `POST /v1/messages/{id}/verify` (public): prove the address with the passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The recipient address the passcode was sent to.
    pub recipient: String,
    /// The same public key as in the passcode request.
    pub public_key: String,
    /// The passcode; spaces and dashes are ignored.
    pub passcode: String,
}

/// A short-lived token bound to message, recipient and public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Bearer token for the release request.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// `POST /v1/messages/{id}/release` (public, `Authorization: Bearer <token>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The public key the token is bound to; the share is sealed to it.
    pub public_key: String,
}

/// The server share sealed with HPKE to the requester's public key (spec §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseResponse {
    /// `enc || ct`, 80 bytes.
    pub release: String,
}

/// `POST /v1/messages/{id}/passkeys/registration` (`Authorization: Bearer <release token>`): start
/// adding a passkey for the address the token proved. Also the body of
/// `POST /v1/messages/{id}/passkeys/forget`'s public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyStart {
    /// The public key the release token is bound to.
    pub public_key: String,
}

/// The options of a registration ceremony, for `navigator.credentials.create`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyCreation {
    /// Names this ceremony in the request that finishes it (single use, short-lived).
    pub ceremony: String,
    /// The WebAuthn creation options (`publicKey`), binary fields in base64url.
    pub options: webauthn_rs_proto::CreationChallengeResponse,
}

/// `POST /v1/messages/{id}/passkeys` (`Authorization: Bearer <release token>`): the
/// authenticator's answer to a registration ceremony.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegistration {
    /// The public key the release token is bound to.
    pub public_key: String,
    /// The ceremony from [`PasskeyCreation`].
    pub ceremony: String,
    /// What `navigator.credentials.create` returned.
    pub credential: webauthn_rs_proto::RegisterPublicKeyCredential,
}

/// A passkey stored for an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyAdded {
    /// The credential's id (base64url), for "Forget this device".
    pub credential_id: String,
    /// The address it opens messages for.
    pub recipient: String,
}

/// `POST /v1/messages/{id}/passkeys/challenge` (public): start opening the message with a
/// passkey of `recipient`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyChallengeRequest {
    /// The recipient address.
    pub recipient: String,
    /// The browser tab's X25519 public key; the ceremony, and the token it ends in, are bound
    /// to it.
    pub public_key: String,
}

/// The options of an authentication ceremony, for `navigator.credentials.get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    /// Names this ceremony in the request that finishes it (single use, short-lived, bound to
    /// the message and the tab's public key).
    pub ceremony: String,
    /// The WebAuthn request options (`publicKey`), binary fields in base64url.
    pub options: webauthn_rs_proto::RequestChallengeResponse,
}

/// `POST /v1/messages/{id}/passkeys/verify` (public): the authenticator's assertion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAssertion {
    /// The same public key as in the challenge request.
    pub public_key: String,
    /// The ceremony from [`PasskeyChallenge`].
    pub ceremony: String,
    /// What `navigator.credentials.get` returned.
    pub credential: webauthn_rs_proto::PublicKeyCredential,
}

/// The answer to a passkey that proved the address: a release token, as after a passcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyVerified {
    /// Bearer token for the release request.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The address the passkey proved.
    pub recipient: String,
    /// The passkey used (base64url), for "Forget this device".
    pub credential_id: String,
}

/// `POST /v1/messages/{id}/passkeys/forget` (`Authorization: Bearer <release token>`): remove a
/// passkey of the address the token proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyForget {
    /// The public key the release token is bound to.
    pub public_key: String,
    /// The credential to remove (base64url).
    pub credential_id: String,
}

/// An RFC 9457 problem detail, the body of every error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A stable URI naming the kind of problem (`urn:waxseal:problem:<name>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Wrong passcode: tries left on this passcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u8>,
    /// Throttled: seconds until a new request can succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Sign-in with an account that is not one of the recipients (or whose address the provider
    /// did not verify): the address the account has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in_as: Option<String>,
}

/// What every problem `type` URI starts with.
pub const PROBLEM_PREFIX: &str = "urn:waxseal:problem:";

/// The `type` URI of a problem.
pub fn problem_type(name: &str) -> String {
    format!("{PROBLEM_PREFIX}{name}")
}

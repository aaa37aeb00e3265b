//! The HTTP handlers: the sender API (API key), the recipient API (public) and health.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use waxseal_api::*;
use waxseal_envelope::format::{MAX_RECIPIENTS, normalize_address};
use waxseal_envelope::release::{self, PUBLIC_KEY_LEN};
use waxseal_envelope::{MessageId, ServerShare};

use crate::AppState;
use crate::mail::{Lang, PasscodeMail, REPLY_MEDIA_TYPE, ReplyRelayMail};
use crate::oidc::{self, SignInError};
use crate::problem::{ApiError, ApiJson, Kind};
use crate::secrets::{self, ct_eq};
use crate::store::{
    ApiKeyRecord, Consumed, Guess, Issued, MessageRecord, NewMessage, NewPasscode, NewToken,
    ReleaseOutcome, TokenRecord,
};

pub type ApiResult<T> = Result<T, ApiError>;

/// `GET /healthz`: the process answers and the database is reachable.
pub async fn healthz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.store.message("healthz-probe").await?;
    Ok("ok")
}

/// `GET /v1/config`. Sign-in providers whose discovery document cannot be loaded are left out
/// (and logged), so the viewer never offers a button that cannot work.
pub async fn public_config(State(state): State<AppState>) -> Json<PublicConfig> {
    let p = &state.config.passcode;
    let mut providers = Vec::new();
    for provider in state.providers.iter() {
        match state.providers.discovery(provider).await {
            Ok(d) => {
                let c = &provider.config;
                providers.push(SignInProvider {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    kind: c.kind.name().into(),
                    issuer: c.issuer.clone(),
                    client_id: c.client_id.clone(),
                    authorization_endpoint: d.authorization_endpoint.clone(),
                    token_endpoint: d.token_endpoint.clone(),
                    scopes: c.scopes.clone(),
                    public_client_secret: c.public_client_secret.clone(),
                });
            }
            Err(e) => {
                tracing::warn!(provider = %provider.config.id, error = ?e, "sign-in provider left out of the public config");
            }
        }
    }
    let mut methods = vec!["passcode".to_owned()];
    methods.extend(providers.iter().map(|p| p.id.clone()));
    Json(PublicConfig {
        methods,
        passcode_length: p.length,
        passcode_lifetime: p.lifetime,
        passcode_max_tries: p.max_tries,
        resend_after: p.resend_after,
        providers,
        reply_max_bytes: Some(state.config.reply.max_bytes),
        passkeys: state
            .config
            .passkey_party()
            .map(|(origin, rp_id)| PasskeySettings { rp_id, origin }),
        usage_reports: state.config.usage.enabled,
        operator: state.config.operator.name.clone().map(|name| Operator {
            name,
            privacy_contact: state.config.operator.privacy_contact.clone(),
        }),
    })
}

/// `GET /v1/relay-keys`: the public keys of this server's relay attestations (spec §10.7).
pub async fn relay_keys(State(state): State<AppState>) -> Json<waxseal_api::RelayKeys> {
    Json(waxseal_api::RelayKeys {
        keys: state
            .keys
            .relay_public_keys()
            .into_iter()
            .map(|(id, key)| waxseal_api::RelayKey {
                id,
                public_key: URL_SAFE_NO_PAD.encode(key),
            })
            .collect(),
    })
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::OPENAPI).into_response()
}

// ---------------------------------------------------------------------------------------------
// Sender API

async fn sender(state: &AppState, headers: &HeaderMap) -> ApiResult<ApiKeyRecord> {
    let unauthorized = || {
        ApiError::new(
            Kind::Unauthorized,
            "Send the sender API key as `Authorization: Bearer wxs_...`; create one with `waxseal-server create-sender`.",
        )
    };
    let key = bearer(headers).ok_or_else(unauthorized)?;
    let (key_id, hash) = secrets::parse_api_key(key).ok_or_else(unauthorized)?;
    let record = state
        .store
        .api_key(key_id)
        .await?
        .ok_or_else(unauthorized)?;
    if !ct_eq(&record.hash, &hash) {
        return Err(unauthorized());
    }
    Ok(record)
}

/// The sender organisation of a sender-API request, from its API key. As an extractor placed
/// before the body, it refuses a request without a valid key before its body is read or parsed.
pub struct Sender(pub ApiKeyRecord);

impl FromRequestParts<AppState> for Sender {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        sender(state, &parts.headers).await.map(Sender)
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub(crate) fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(Kind::InvalidRequest, detail)
}

fn normalize_recipients(list: &[String]) -> ApiResult<Vec<String>> {
    if list.is_empty() || list.len() > MAX_RECIPIENTS {
        return Err(invalid(format!(
            "recipients must list 1 to {MAX_RECIPIENTS} addresses"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for r in list {
        let a = normalize_address(r)
            .map_err(|_| invalid(format!("recipient {r:?} is not a valid e-mail address")))?;
        if out.contains(&a) {
            return Err(invalid(format!("recipient {a:?} appears twice")));
        }
        out.push(a);
    }
    Ok(out)
}

fn status_of(
    state: &AppState,
    m: &MessageRecord,
    now: u64,
    events: Vec<AuditEvent>,
) -> MessageStatus {
    MessageStatus {
        id: m.id.clone(),
        state: state_of(m, now),
        recipients: m.recipients.clone(),
        created: m.created,
        expires: m.expires,
        max_opens: m.max_opens,
        opens: m.opens,
        revoked: m.revoked_at,
        wrong_passcodes: m.wrong_passcodes,
        passcode_budget: state.config.passcode.max_wrong_per_message,
        events,
    }
}

fn state_of(m: &MessageRecord, now: u64) -> MessageState {
    if m.revoked_at.is_some() {
        MessageState::Revoked
    } else if now >= m.expires {
        MessageState::Expired
    } else if m.max_opens.is_some_and(|max| m.opens >= max) {
        MessageState::OpenLimitReached
    } else {
        MessageState::Active
    }
}

/// `POST /v1/messages`: register a message. 201 when new; 200 when the same message was already
/// registered (a retried request); 409 when the id is taken by different content.
pub async fn register(
    State(state): State<AppState>,
    Sender(who): Sender,
    ApiJson(req): ApiJson<RegisterMessage>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    MessageId::parse(&req.id).ok_or_else(|| {
        invalid("id must be 16 bytes of base64url (22 characters), as in the envelope header")
    })?;
    let share = ServerShare::from_b64u(&req.server_share)
        .ok_or_else(|| invalid("server_share must be 32 bytes of base64url (43 characters)"))?;
    if req.key_server != state.config.public_origin {
        return Err(ApiError::new(
            Kind::KeyServerMismatch,
            format!(
                "The envelope names the key server {:?} but this server is {:?}; seal the message with --server {}",
                req.key_server, state.config.public_origin, state.config.public_origin
            ),
        ));
    }
    let recipients = normalize_recipients(&req.recipients)?;
    let from = normalize_address(&req.from)
        .map_err(|_| invalid(format!("from {:?} is not a valid e-mail address", req.from)))?;
    let reply_to = req
        .reply_to
        .as_deref()
        .map(|r| {
            normalize_address(r)
                .map_err(|_| invalid(format!("reply_to {r:?} is not a valid e-mail address")))
        })
        .transpose()?;
    let domains = state.store.sender_domains(who.sender_id).await?;
    for address in std::iter::once(&from).chain(&reply_to) {
        let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
        if domains.iter().any(|d| d == domain) {
            continue;
        }
        let what = if *address == from {
            "a From address"
        } else {
            "a reply address"
        };
        let verified = if domains.is_empty() {
            "none yet".to_owned()
        } else {
            domains.join(", ")
        };
        return Err(ApiError::new(
            Kind::SendingDomainNotVerified,
            format!(
                "{domain} is not a verified sending domain of {} (verified: {verified}). Seal with {what} in one of them, or ask the key server's operator to run `waxseal-server add-domain {:?} {domain}`.",
                who.sender_name, who.sender_name
            ),
        ));
    }
    if req.expires <= now {
        return Err(invalid("expires is in the past"));
    }
    if req.expires - now > state.config.max_message_lifetime {
        return Err(invalid(format!(
            "expires is more than {} days away",
            state.config.max_message_lifetime / 86_400
        )));
    }
    if req.max_opens == Some(0) {
        return Err(invalid(
            "max_opens must be at least 1, or left out for no limit",
        ));
    }
    let (key_id, share_ct) = state.keys.seal_share(&req.id, &share);
    let new = NewMessage {
        id: req.id.clone(),
        sender_id: who.sender_id,
        share_ct,
        share_key_id: key_id,
        recipients: recipients.clone(),
        created: now,
        expires: req.expires,
        max_opens: req.max_opens,
        from_address: from.clone(),
        reply_to: reply_to.clone(),
    };
    let created = state.store.insert_message(&new).await?;
    let existing = state
        .store
        .message(&req.id)
        .await?
        .ok_or_else(|| ApiError::Internal("message vanished after insert".into()))?;
    if created {
        state
            .store
            .add_event(&req.id, now, EventKind::Registered, None)
            .await?;
        tracing::info!(message = %req.id, sender = %who.sender_name, "message registered");
    } else {
        let same_share = match (&existing.share_key_id, &existing.share_ct) {
            (Some(k), Some(ct)) => state
                .keys
                .open_share(k, &existing.id, ct)
                .is_some_and(|s| s == share),
            _ => false,
        };
        let same = existing.sender_id == who.sender_id
            && same_share
            && existing.recipients == recipients
            && existing.expires == req.expires
            && existing.max_opens == req.max_opens
            && existing.from_address.as_deref() == Some(from.as_str())
            && existing.reply_to == reply_to;
        if !same {
            return Err(ApiError::new(
                Kind::Conflict,
                "This message id is already registered with different content; seal the message again to get a new id.",
            ));
        }
    }
    let status = status_of(&state, &existing, now, state.store.events(&req.id).await?);
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        code,
        [(header::LOCATION, format!("/v1/messages/{}", req.id))],
        Json(status),
    )
        .into_response())
}

async fn owned_message(state: &AppState, who: &ApiKeyRecord, id: &str) -> ApiResult<MessageRecord> {
    match state.store.message(id).await? {
        Some(m) if m.sender_id == who.sender_id => Ok(m),
        _ => Err(ApiError::new(
            Kind::UnknownMessage,
            format!("No message {id:?} is registered by your organisation."),
        )),
    }
}

/// `GET /v1/messages/{id}`: state and audit trail.
pub async fn status(
    State(state): State<AppState>,
    Sender(who): Sender,
    Path(id): Path<String>,
) -> ApiResult<Json<MessageStatus>> {
    let m = owned_message(&state, &who, &id).await?;
    Ok(Json(status_of(
        &state,
        &m,
        state.clock.now(),
        state.store.events(&id).await?,
    )))
}

/// `POST /v1/messages/{id}/revoke`: destroy the share; later requests are told it was revoked.
pub async fn revoke(
    State(state): State<AppState>,
    Sender(who): Sender,
    Path(id): Path<String>,
) -> ApiResult<Json<MessageStatus>> {
    owned_message(&state, &who, &id).await?;
    let now = state.clock.now();
    if state.store.revoke_message(&id, now).await? {
        state
            .store
            .add_event(&id, now, EventKind::Revoked, None)
            .await?;
        state.metrics.revocations.inc();
        tracing::info!(message = %id, "message revoked");
    }
    let m = owned_message(&state, &who, &id).await?;
    Ok(Json(status_of(
        &state,
        &m,
        now,
        state.store.events(&id).await?,
    )))
}

// ---------------------------------------------------------------------------------------------
// Recipient API

/// `GET /v1/messages/{id}/sender` (public): the organisation that registered the message and the
/// sender address it registered, so the viewer can show who really sent it and refuse an
/// envelope whose header names another sender. Records nothing.
pub async fn message_sender(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<MessageSender>> {
    let m = state.store.message(&id).await?.ok_or_else(|| {
        ApiError::new(
            Kind::UnknownMessage,
            "This key server does not know this message. Check that you opened the right file.",
        )
    })?;
    let organisation = state
        .store
        .sender_name(m.sender_id)
        .await?
        .unwrap_or_default();
    let passkeys = if state.passkeys.is_some() {
        state.store.with_passkeys(&m.recipients).await?
    } else {
        Vec::new()
    };
    Ok(Json(MessageSender {
        organisation,
        from: m.from_address,
        passkeys,
    }))
}

/// Refuses passcodes for a message whose guessing budget is spent (sign-in still works).
fn passcodes_open(state: &AppState, m: &MessageRecord) -> ApiResult<()> {
    if m.wrong_passcodes >= state.config.passcode.max_wrong_per_message {
        return Err(passcodes_exhausted());
    }
    Ok(())
}

fn passcodes_exhausted() -> ApiError {
    ApiError::new(
        Kind::PasscodesExhausted,
        "Too many wrong passcodes were entered for this message, so it no longer accepts passcodes. Sign in with your account if that is offered, or ask the sender to send the message again.",
    )
}

pub(crate) fn parse_public_key(text: &str) -> ApiResult<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .filter(|b| b.len() == PUBLIC_KEY_LEN && release::parse_public_key(b).is_ok())
        .ok_or_else(|| invalid("public_key must be a 32-byte X25519 public key in base64url"))?;
    Ok(bytes)
}

pub(crate) fn parse_recipient(text: &str) -> ApiResult<String> {
    normalize_address(text)
        .map_err(|_| invalid(format!("recipient {text:?} is not a valid e-mail address")))
}

/// Finds the message and checks that it can still be opened by `recipient`.
pub(crate) async fn openable(
    state: &AppState,
    id: &str,
    recipient: &str,
    now: u64,
) -> ApiResult<MessageRecord> {
    let m = active_message(state, id, Some(recipient), now).await?;
    if !m.recipients.iter().any(|r| r == recipient) {
        return Err(ApiError::new(
            Kind::WrongRecipient,
            "This address is not one of the message's recipients. Choose the address the message was sent to.",
        ));
    }
    Ok(m)
}

/// Finds the message and checks that it can still be opened; an `expired` event names
/// `recipient` when it is known.
async fn active_message(
    state: &AppState,
    id: &str,
    recipient: Option<&str>,
    now: u64,
) -> ApiResult<MessageRecord> {
    let m = state.store.message(id).await?.ok_or_else(|| {
        ApiError::new(
            Kind::UnknownMessage,
            "This key server does not know this message. Check that you opened the right file.",
        )
    })?;
    match state_of(&m, now) {
        MessageState::Revoked => {
            return Err(ApiError::new(
                Kind::Revoked,
                "The sender revoked this message; it can no longer be opened. Ask the sender if you still need it.",
            ));
        }
        MessageState::Expired => {
            state
                .store
                .add_event(id, now, EventKind::Expired, recipient)
                .await?;
            return Err(ApiError::new(
                Kind::Expired,
                "This message has expired and can no longer be opened. Ask the sender to send it again.",
            ));
        }
        MessageState::OpenLimitReached => {
            return Err(ApiError::new(
                Kind::OpenLimitReached,
                "This message was opened as many times as the sender allowed. Ask the sender to send it again.",
            ));
        }
        MessageState::Active => {}
    }
    Ok(m)
}

pub(crate) fn throttled(seconds: u64, what: &str) -> ApiError {
    ApiError::new(
        Kind::Throttled,
        format!("{what} Try again in {seconds} seconds."),
    )
    .with_retry_after(seconds)
}

/// `POST /v1/messages/{id}/passcode`: mail a passcode bound to the tab's public key.
pub async fn request_passcode(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasscodeRequest>,
) -> ApiResult<Json<PasscodeSent>> {
    let public_key = parse_public_key(&req.public_key)?;
    let recipient = parse_recipient(&req.recipient)?;
    let now = state.clock.now();
    let cfg = &state.config.passcode;
    let client = state.client_address.throttle_key(peer.ip(), &headers);
    if let Some(wait) = state
        .store
        .throttle(
            &client,
            now,
            crate::store::THROTTLE_WINDOW,
            cfg.per_client_per_hour,
        )
        .await?
    {
        return Err(throttled(
            wait,
            "Too many passcodes were requested from this network.",
        ));
    }
    let message = openable(&state, &id, &recipient, now).await?;
    passcodes_open(&state, &message)?;
    // A fast refusal before a throttle hit is counted; `issue_passcode` decides atomically.
    if let Some(last) = state.store.current_passcode(&id, &recipient).await?
        && now < last.created + cfg.resend_after
    {
        return Err(throttled(
            last.created + cfg.resend_after - now,
            "A passcode was just sent to this address.",
        ));
    }
    if let Some(wait) = state
        .store
        .throttle(
            &format!("recipient:{id}:{recipient}"),
            now,
            crate::store::THROTTLE_WINDOW,
            cfg.per_recipient_per_hour,
        )
        .await?
    {
        return Err(throttled(
            wait,
            "Too many passcodes were requested for this address.",
        ));
    }
    let passcode = secrets::new_passcode(cfg.length);
    let reference = secrets::new_reference();
    let key_id = state.keys.current_id().to_owned();
    let code_mac = state
        .keys
        .passcode_mac(&key_id, &id, &recipient, &passcode)
        .expect("the current key exists");
    let sender_name = state
        .store
        .sender_name(message.sender_id)
        .await?
        .unwrap_or_default();
    let mail = PasscodeMail {
        to: &recipient,
        passcode: &passcode,
        reference: &reference,
        sender: &sender_name,
        minutes: cfg.lifetime / 60,
        lang: Lang::from_accept_language(req.lang.as_deref()),
        operator: &state.config.operator,
    }
    .compose(&state.from)
    .map_err(invalid)?;
    let issued = state
        .store
        .issue_passcode(
            &NewPasscode {
                message_id: id.clone(),
                recipient: recipient.clone(),
                public_key,
                code_mac: code_mac.to_vec(),
                key_id,
                created: now,
                expires: now + cfg.lifetime,
            },
            cfg.resend_after,
        )
        .await?;
    if let Issued::TooSoon(wait) = issued {
        return Err(throttled(wait, "A passcode was just sent to this address."));
    }
    if let Err(e) = state.send_mail("passcode", mail).await {
        tracing::error!(message = %id, error = %e, "passcode mail not delivered");
        return Err(ApiError::new(
            Kind::MailUnavailable,
            "The passcode e-mail could not be sent. Try again in a few minutes.",
        ));
    }
    state
        .store
        .add_event(&id, now, EventKind::PasscodeSent, Some(&recipient))
        .await?;
    state.metrics.passcodes_sent.inc();
    tracing::info!(message = %id, "passcode sent");
    Ok(Json(PasscodeSent {
        reference,
        expires_in: cfg.lifetime,
        resend_after: cfg.resend_after,
    }))
}

/// Strips the spaces and dashes people type or paste into a passcode.
fn clean_passcode(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// `POST /v1/messages/{id}/verify`: check the passcode; on success a token bound to message,
/// recipient and public key.
pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let result = check_passcode(&state, &id, req).await;
    state.metrics.verification("passcode", &result);
    result
}

async fn check_passcode(
    state: &AppState,
    id: &str,
    req: VerifyRequest,
) -> ApiResult<Json<TokenResponse>> {
    let public_key = parse_public_key(&req.public_key)?;
    let recipient = parse_recipient(&req.recipient)?;
    let cfg = &state.config.passcode;
    let code = zeroize::Zeroizing::new(clean_passcode(&req.passcode));
    if code.len() != usize::from(cfg.length) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "The passcode is {} digits, as in the e-mail.",
            cfg.length
        )));
    }
    let now = state.clock.now();
    let message = openable(state, id, &recipient, now).await?;
    passcodes_open(state, &message)?;
    let Some(p) = state.store.current_passcode(id, &recipient).await? else {
        return Err(ApiError::new(
            Kind::NoPasscode,
            "No passcode was requested for this address. Ask for one first.",
        ));
    };
    if p.used_at.is_some() {
        return Err(ApiError::new(
            Kind::PasscodeUsed,
            "This passcode was already used. Ask for a new one.",
        ));
    }
    if p.wrong_tries >= u32::from(cfg.max_tries) {
        return Err(ApiError::new(
            Kind::TooManyTries,
            "Too many wrong passcodes were entered. Ask for a new passcode.",
        )
        .with_tries_left(0));
    }
    if now >= p.expires {
        return Err(ApiError::new(
            Kind::PasscodeExpired,
            "This passcode has expired. Ask for a new one.",
        ));
    }
    if !ct_eq(&p.public_key, &public_key) {
        return Err(ApiError::new(
            Kind::KeyMismatch,
            "This passcode was requested from another browser tab. Ask for a new passcode here.",
        ));
    }
    // The guess is counted before it is compared, in one atomic step with both limits (this
    // passcode's tries, the message's budget), and given back if it proves right.
    let max_tries = u32::from(cfg.max_tries);
    let budget = cfg.max_wrong_per_message;
    let tries = match state.store.begin_guess(p.id, id, max_tries, budget).await? {
        Guess::Reserved {
            tries,
            message_total,
        } => (tries, message_total),
        Guess::PasscodeSpent => {
            return Err(ApiError::new(
                Kind::TooManyTries,
                "Too many wrong passcodes were entered. Ask for a new passcode.",
            )
            .with_tries_left(0));
        }
        Guess::BudgetSpent => return Err(passcodes_exhausted()),
    };
    let expected = state.keys.passcode_mac(&p.key_id, id, &recipient, &code);
    if !expected.is_some_and(|mac| ct_eq(&mac, &p.code_mac)) {
        let (wrong, message_total) = tries;
        state
            .store
            .add_event(id, now, EventKind::WrongPasscode, Some(&recipient))
            .await?;
        if message_total >= budget {
            state
                .store
                .add_event(id, now, EventKind::PasscodesExhausted, None)
                .await?;
            tracing::warn!(message = %id, "guessing budget spent: no more passcodes for this message");
            return Err(passcodes_exhausted().with_tries_left(0));
        }
        let left = max_tries.saturating_sub(wrong) as u8;
        let detail = if left == 0 {
            "The passcode is wrong, and that was the last try. Ask for a new passcode.".to_owned()
        } else {
            format!(
                "The passcode is wrong. {left} {} left.",
                if left == 1 { "try" } else { "tries" }
            )
        };
        return Err(ApiError::new(Kind::WrongPasscode, detail).with_tries_left(left));
    }
    if state
        .store
        .consume_passcode(p.id, id, now, max_tries)
        .await?
        == Consumed::Gone
    {
        return Err(ApiError::new(
            Kind::PasscodeUsed,
            "This passcode was already used. Ask for a new one.",
        ));
    }
    let token = issue_token(state, id, &recipient, public_key, now, EventKind::Verified).await?;
    tracing::info!(message = %id, "recipient verified");
    Ok(Json(token))
}

/// Stores a release token bound to message, recipient and key, and records how the recipient
/// proved the address.
pub(crate) async fn issue_token(
    state: &AppState,
    id: &str,
    recipient: &str,
    public_key: Vec<u8>,
    now: u64,
    proof: EventKind,
) -> ApiResult<TokenResponse> {
    let (token, hash) = secrets::new_token();
    state
        .store
        .insert_token(&NewToken {
            hash: hash.to_vec(),
            message_id: id.to_owned(),
            recipient: recipient.to_owned(),
            public_key,
            expires: now + state.config.token_lifetime,
            proof: match proof {
                EventKind::SignedIn => "sign-in",
                EventKind::VerifiedPasskey => "passkey",
                _ => "passcode",
            },
        })
        .await?;
    state
        .store
        .add_event(id, now, proof, Some(recipient))
        .await?;
    Ok(TokenResponse {
        token: token.to_string(),
        expires_in: state.config.token_lifetime,
    })
}

/// `POST /v1/messages/{id}/sign-in`: prove the address with an ID token from a configured
/// provider; on success a token bound to message, recipient and public key, as after a passcode.
pub async fn sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> ApiResult<Json<SignedIn>> {
    // Only a configured provider's id is a label: anything a client sends is not.
    let provider = match state.providers.get(&req.provider) {
        Some(p) => p.config.id.clone(),
        None => "unknown".to_owned(),
    };
    let result = check_sign_in(&state, &id, req).await;
    state
        .metrics
        .sign_ins
        .get_or_create(&crate::metrics::SignIn {
            provider,
            outcome: crate::metrics::outcome(&result, "signed-in"),
        })
        .inc();
    result
}

async fn check_sign_in(
    state: &AppState,
    id: &str,
    req: SignInRequest,
) -> ApiResult<Json<SignedIn>> {
    let public_key = parse_public_key(&req.public_key)?;
    let salt = URL_SAFE_NO_PAD
        .decode(&req.nonce_salt)
        .ok()
        .filter(|s| (16..=64).contains(&s.len()))
        .ok_or_else(|| invalid("nonce_salt must be 16 to 64 random bytes in base64url"))?;
    let provider = state.providers.get(&req.provider).ok_or_else(|| {
        invalid(format!(
            "This key server has no sign-in provider {:?}; GET /v1/config lists them.",
            req.provider
        ))
    })?;
    let now = state.clock.now();
    let m = active_message(state, id, None, now).await?;
    let nonce = sign_in_nonce(id, &public_key, &salt);
    let refused = |reason: &str| {
        tracing::info!(message = %id, provider = %provider.config.id, reason, "sign-in refused");
    };
    let identity = match state
        .providers
        .verify(provider, &req.id_token, &nonce, now)
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            let error = match e {
                SignInError::UnknownProvider => invalid("Unknown sign-in provider."),
                SignInError::Unavailable(log) => {
                    tracing::warn!(provider = %provider.config.id, error = %log, "sign-in provider unavailable");
                    ApiError::new(
                        Kind::ProviderUnavailable,
                        format!(
                            "The key server cannot reach {} to check the sign-in. Try again later, or use a passcode.",
                            provider.config.name
                        ),
                    )
                }
                SignInError::Invalid(why) => ApiError::new(
                    Kind::SignInInvalid,
                    format!("The sign-in was refused: {why}. Sign in again, or use a passcode."),
                ),
                SignInError::Expired => ApiError::new(
                    Kind::SignInExpired,
                    "The sign-in is too old to be used. Sign in again.",
                ),
                SignInError::Unverified { email } => ApiError::new(
                    Kind::EmailUnverified,
                    format!(
                        "{} does not confirm that this account owns its e-mail address. Use a passcode instead.",
                        provider.config.name
                    ),
                )
                .with_signed_in_as(email),
            };
            refused(match &error {
                ApiError::Problem(p) => p.kind.as_str(),
                ApiError::Internal(_) => "internal",
            });
            return Err(error);
        }
    };
    // Each ID token is good for one token: its nonce is spent now, whatever follows.
    let nonce_hash = secrets::token_hash(&nonce);
    let spent_until = identity
        .expires
        .saturating_add(oidc::CLOCK_SKEW)
        .max(now + 1);
    if !state.store.use_nonce(&nonce_hash, spent_until).await? {
        refused("replayed");
        return Err(ApiError::new(
            Kind::SignInReplayed,
            "This sign-in was already used to open the message. Sign in again.",
        ));
    }
    let addresses: Vec<String> = identity
        .addresses
        .iter()
        .filter_map(|a| normalize_address(a).ok())
        .collect();
    let Some(recipient) = addresses.iter().find(|a| m.recipients.contains(a)).cloned() else {
        refused("not a recipient");
        let shown = addresses.first().or(identity.addresses.first()).cloned();
        return Err(ApiError::new(
            Kind::WrongAccount,
            format!(
                "You signed in as {}, which is not a recipient of this message. Sign in with the account the message was sent to, or use a passcode.",
                shown.as_deref().unwrap_or("an account without an address")
            ),
        )
        .with_signed_in_as(shown));
    };
    let allowed = &provider.config.allowed_domains;
    let domain = recipient.rsplit_once('@').map_or("", |(_, d)| d);
    if !allowed.is_empty() && !allowed.iter().any(|d| d == domain) {
        refused("domain not allowed");
        return Err(ApiError::new(
            Kind::DomainNotAllowed,
            format!(
                "{} sign-in is not accepted for addresses at {domain} on this key server. Use a passcode instead.",
                provider.config.name
            ),
        )
        .with_signed_in_as(Some(recipient)));
    }
    let token = issue_token(state, id, &recipient, public_key, now, EventKind::SignedIn).await?;
    tracing::info!(message = %id, provider = %provider.config.id, "recipient signed in");
    Ok(Json(SignedIn {
        token: token.token,
        expires_in: token.expires_in,
        recipient,
    }))
}

/// The release token of a request: valid, for message `id`, not expired, and bound to
/// `public_key`. Returns its hash and record.
pub(crate) async fn bound_token(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    public_key: &[u8],
    now: u64,
) -> ApiResult<(Vec<u8>, TokenRecord)> {
    let invalid_token = || {
        ApiError::new(
            Kind::TokenInvalid,
            "The token is missing or not valid for this message. Verify your address again.",
        )
    };
    let token = bearer(headers).ok_or_else(invalid_token)?;
    let hash = secrets::token_hash(token);
    let record = state.store.token(&hash).await?.ok_or_else(invalid_token)?;
    if record.message_id != id {
        return Err(invalid_token());
    }
    if now >= record.expires {
        return Err(ApiError::new(
            Kind::TokenExpired,
            "The token has expired. Verify your address again.",
        ));
    }
    if !ct_eq(&record.public_key, public_key) {
        return Err(ApiError::new(
            Kind::KeyMismatch,
            "This token belongs to another browser tab's key; it is only good for that key.",
        ));
    }
    Ok((hash.to_vec(), record))
}

/// `POST /v1/messages/{id}/release`: the server share, sealed with HPKE to the token's key.
pub async fn release_share(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReleaseRequest>,
) -> ApiResult<Json<ReleaseResponse>> {
    let public_key = parse_public_key(&req.public_key)?;
    let now = state.clock.now();
    let (hash, record) = bound_token(&state, &headers, &id, &public_key, now).await?;
    let gone = |kind| match kind {
        Kind::Revoked => ApiError::new(
            Kind::Revoked,
            "The sender revoked this message; it can no longer be opened.",
        ),
        Kind::Expired => ApiError::new(
            Kind::Expired,
            "This message has expired and can no longer be opened.",
        ),
        _ => ApiError::new(
            Kind::OpenLimitReached,
            "This message was opened as many times as the sender allowed. Ask the sender to send it again.",
        ),
    };
    let share = match (&record.share, record.released) {
        _ if record.message_revoked => return Err(gone(Kind::Revoked)),
        _ if now >= record.message_expires => return Err(gone(Kind::Expired)),
        (None, _) => return Err(gone(Kind::Revoked)),
        // A repeat (a retry after a lost answer) is served from the snapshot: no write.
        (Some(share), true) => {
            state.metrics.release("repeat");
            share.clone()
        }
        // A first release is decided again, atomically, where the open is counted.
        (Some(_), false) => match state.store.release(&hash, now).await? {
            ReleaseOutcome::Counted(share) => {
                state.metrics.release("first");
                tracing::info!(message = %id, "share released");
                share
            }
            ReleaseOutcome::Repeated(share) => {
                state.metrics.release("repeat");
                share
            }
            ReleaseOutcome::LimitReached => return Err(gone(Kind::OpenLimitReached)),
            ReleaseOutcome::Revoked => return Err(gone(Kind::Revoked)),
            ReleaseOutcome::Expired => return Err(gone(Kind::Expired)),
        },
    };
    let share = state
        .keys
        .open_share(&share.key_id, &id, &share.ciphertext)
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "stored share of {id} does not open under key {:?}",
                share.key_id
            ))
        })?;
    let message_id = MessageId::parse(&id)
        .ok_or_else(|| ApiError::Internal(format!("stored message id {id:?} is malformed")))?;
    let sealed = release::seal(
        &public_key,
        &message_id,
        &record.recipient,
        &state.config.public_origin,
        &share,
    )
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(ReleaseResponse {
        release: URL_SAFE_NO_PAD.encode(sealed),
    }))
}

/// The `public_key` of a reply request, in its query (the body is the sealed reply itself).
#[derive(serde::Deserialize)]
pub struct ReplyQuery {
    /// The tab's public key the release token is bound to.
    public_key: String,
}

/// `POST /v1/messages/{id}/reply?public_key=…`: relays a sealed reply (spec §10) by e-mail to the
/// message's registered reply address. Needs the release token of the replier, bound to this
/// message and tab key; checks the reply's format, size and header against the token and the
/// message; stores nothing of it.
pub async fn relay_reply(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ReplyQuery>,
    body: Body,
) -> ApiResult<Json<ReplySent>> {
    let result = relay(&state, peer, &headers, &id, query, body).await;
    state
        .metrics
        .replies
        .get_or_create(&crate::metrics::Outcome {
            outcome: crate::metrics::outcome(&result, "relayed"),
        })
        .inc();
    result
}

async fn relay(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    id: &str,
    query: ReplyQuery,
    body: Body,
) -> ApiResult<Json<ReplySent>> {
    let max = state.config.reply.max_bytes;
    let too_large = || {
        ApiError::new(
            Kind::ReplyTooLarge,
            format!(
                "The reply, attachments included, is larger than the {} MiB this key server relays. Remove an attachment, or send large files another way.",
                max / (1024 * 1024)
            ),
        )
    };
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    // Read up to the limit only: a larger body is refused without being read to its end.
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media_type.eq_ignore_ascii_case(REPLY_MEDIA_TYPE) {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            format!(
                "Send the sealed reply itself as the body, with Content-Type: {REPLY_MEDIA_TYPE}."
            ),
        ));
    }
    let public_key = parse_public_key(&query.public_key)?;
    let now = state.clock.now();
    let (_, token) = bound_token(state, headers, id, &public_key, now).await?;
    let message = state.store.message(id).await?.ok_or_else(|| {
        ApiError::new(
            Kind::UnknownMessage,
            "This key server does not know this message.",
        )
    })?;
    // After the open limit a recipient who opened the message may still answer it.
    if message.revoked_at.is_some() {
        return Err(ApiError::new(
            Kind::Revoked,
            "The sender revoked this message; it takes no reply any more.",
        ));
    }
    if now >= message.expires {
        return Err(ApiError::new(
            Kind::Expired,
            "This message has expired; it takes no reply any more.",
        ));
    }
    let Some(reply_to) = message.reply_to.clone() else {
        return Err(ApiError::new(
            Kind::RepliesNotAccepted,
            "The sender did not set up secure replies for this message; answer by your usual means.",
        ));
    };
    if body.len() as u64 > max {
        return Err(too_large());
    }
    let reply_invalid = |what: &str| {
        ApiError::new(
            Kind::ReplyInvalid,
            format!("The body is not a sealed reply to this message: {what}."),
        )
    };
    let reply =
        waxseal_envelope::reply::Reply::parse(&body).map_err(|e| reply_invalid(&e.to_string()))?;
    let h = reply.header();
    if h.in_reply_to.to_string() != id {
        return Err(reply_invalid("it answers another message"));
    }
    if h.from != token.recipient {
        return Err(reply_invalid(
            "its sender is not the address the token proves",
        ));
    }
    if h.to != reply_to {
        return Err(reply_invalid(
            "it names another reply address than the message's",
        ));
    }
    if h.key_server != state.config.public_origin {
        return Err(reply_invalid("it names another key server"));
    }
    let client = state.client_address.throttle_key(peer.ip(), headers);
    if let Some(wait) = state
        .store
        .throttle(
            &format!("reply-{client}"),
            now,
            crate::store::THROTTLE_WINDOW,
            state.config.reply.per_client_per_hour,
        )
        .await?
    {
        return Err(throttled(
            wait,
            "Too many replies were sent from this network.",
        ));
    }
    let per_recipient = state.config.reply.per_recipient;
    if !state
        .store
        .reserve_reply(id, &token.recipient, per_recipient)
        .await?
    {
        return Err(ApiError::new(
            Kind::ReplyLimitReached,
            format!(
                "You sent this message's sender {per_recipient} replies already, the most this key server relays."
            ),
        ));
    }
    // The key server's word that it verified the replier and relayed exactly this reply, which
    // the organisation checks with `GET /v1/relay-keys` (spec §10.7): the reply itself cannot
    // prove who sealed it.
    let digest: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&body).into()
    };
    let statement = waxseal_api::relay_statement(id, &token.recipient, &token.proof, now, &digest);
    let (key_id, signature) = state.keys.relay_sign(&statement);
    let attestation = format!("{key_id} {}", URL_SAFE_NO_PAD.encode(signature));
    let mail = ReplyRelayMail {
        to: &reply_to,
        replier: &token.recipient,
        proof: &token.proof,
        message_id: id,
        when: &waxseal_l10n::utc(now),
        reply: &body,
        lang: state.config.reply.lang.parse().unwrap_or_default(),
        relayed_at: now,
        attestation: &attestation,
    }
    .compose(&state.from)
    .map_err(|e| ApiError::Internal(format!("reply relay mail for {id}: {e}")))?;
    if let Err(e) = state.send_mail("reply", mail).await {
        state.store.release_reply(id, &token.recipient).await?;
        tracing::error!(message = %id, error = %e, "reply relay mail not delivered");
        if e.refused {
            return Err(ApiError::new(
                Kind::ReplyRefused,
                "The mail server that takes the organisation's replies refused this one, most often because it is too large for it. Nothing was sent: remove an attachment and send it again, or answer another way.",
            ));
        }
        return Err(ApiError::new(
            Kind::MailUnavailable,
            "The reply could not be handed to the mail server. Nothing was sent; try again in a few minutes.",
        )
        .with_retry_after(60));
    }
    state
        .store
        .add_event(id, now, EventKind::Replied, Some(&token.recipient))
        .await?;
    tracing::info!(message = %id, "reply relayed");
    Ok(Json(ReplySent { to: reply_to }))
}

#[cfg(test)]
mod tests {
    use super::clean_passcode;

    #[test]
    fn passcodes_accept_spaces_and_dashes() {
        assert_eq!(clean_passcode(" 1234-5678 "), "12345678");
        assert_eq!(clean_passcode("1234 5678"), "12345678");
    }
}

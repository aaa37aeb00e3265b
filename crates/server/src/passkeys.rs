//! Passkeys for recipients' addresses (`docs/passkeys.md`): after proving an address once, a
//! recipient may add a passkey (WebAuthn) for it, and later open messages to that address with
//! it instead of a passcode mail.
//!
//! Every WebAuthn check (client data, origin, relying party, challenge, signature, user
//! verification, counter) is done by `webauthn-rs`. This module keeps its ceremony state on the
//! server, bound to a message, a recipient and the browser tab's public key, single use and
//! short-lived; it stores per passkey only the credential (id, public key, sign counter, flags),
//! the address and two dates.
//!
//! - `POST /v1/messages/{id}/passkeys/registration` and `POST /v1/messages/{id}/passkeys` (with
//!   the release token just issued): add a passkey for the token's address.
//! - `POST /v1/messages/{id}/passkeys/challenge` and `…/verify` (public): prove the address with
//!   one; the answer is a release token, as after a passcode.
//! - `POST /v1/messages/{id}/passkeys/forget` (with a release token): remove one.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use waxseal_api::{
    EventKind, PasskeyAdded, PasskeyAssertion, PasskeyChallenge, PasskeyChallengeRequest,
    PasskeyCreation, PasskeyForget, PasskeyRegistration, PasskeyStart, PasskeyVerified,
};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration as RegistrationState, Url, Uuid, Webauthn,
    WebauthnBuilder, WebauthnError,
};

use crate::AppState;
use crate::api::{
    bound_token, invalid, issue_token, openable, parse_public_key, parse_recipient, throttled,
};
use crate::problem::{ApiError, ApiJson, Kind};
use crate::secrets::{self, ct_eq};
use crate::store::{Ceremony, StoredPasskey, THROTTLE_WINDOW};

type ApiResult<T> = Result<T, ApiError>;

/// Seconds a ceremony may take, from its options to the authenticator's answer.
pub const CEREMONY_LIFETIME: u64 = 300;

const REGISTER: &str = "register";
const AUTHENTICATE: &str = "authenticate";

/// The relying party for the viewer at `origin` with the id `rp_id`; refused when `rp_id` is not
/// `origin`'s host or a domain it belongs to.
pub fn relying_party(origin: &str, rp_id: &str) -> Result<Webauthn, String> {
    let url = Url::parse(origin).map_err(|e| format!("passkeys.origin {origin:?}: {e}"))?;
    WebauthnBuilder::new(rp_id, &url)
        .and_then(|b| b.rp_name("waxseal").build())
        .map_err(|_| {
            format!("passkeys.rp_id {rp_id:?} must be the host of passkeys.origin ({origin}) or a domain it is under")
        })
}

/// The WebAuthn user handle of an address at this relying party: the same for every passkey of
/// the address, so that an authenticator keeps one passkey per address; it names nothing else.
fn user_handle(rp_id: &str, recipient: &str) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"waxseal passkey user v1\0");
    h.update(rp_id.as_bytes());
    h.update([0]);
    h.update(recipient.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

fn relying(state: &AppState) -> ApiResult<&Webauthn> {
    state.passkeys.as_ref().ok_or_else(|| {
        ApiError::new(
            Kind::PasskeysOff,
            "This key server does not offer passkeys. Use a passcode.",
        )
    })
}

async fn throttle(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    now: u64,
) -> ApiResult<()> {
    let client = state.client_address.throttle_key(peer.ip(), headers);
    if let Some(wait) = state
        .store
        .throttle(
            &format!("passkey:{client}"),
            now,
            THROTTLE_WINDOW,
            state.config.passkeys.per_client_per_hour,
        )
        .await?
    {
        return Err(throttled(
            wait,
            "Too many passkey requests came from this network.",
        ));
    }
    Ok(())
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("{what}: {e}"))
}

/// Stores a new ceremony with the WebAuthn library's state for it, and returns its id.
async fn begin(
    state: &AppState,
    kind: &str,
    id: &str,
    recipient: &str,
    public_key: Vec<u8>,
    ceremony_state: &impl serde::Serialize,
    now: u64,
) -> ApiResult<String> {
    let ceremony_state =
        serde_json::to_string(ceremony_state).map_err(|e| internal("ceremony state", e))?;
    let (ceremony, hash) = secrets::new_token();
    state
        .store
        .insert_ceremony(&Ceremony {
            hash: hash.to_vec(),
            kind: kind.to_owned(),
            message_id: id.to_owned(),
            recipient: recipient.to_owned(),
            public_key,
            state: ceremony_state,
            expires: now + CEREMONY_LIFETIME,
        })
        .await?;
    Ok(ceremony.to_string())
}

/// Ends the ceremony named in a request: it must be of `kind`, for message `id`, started by the
/// tab with `public_key`, not expired, and not ended before. Only one request can end it.
async fn finish(
    state: &AppState,
    kind: &str,
    id: &str,
    ceremony: &str,
    public_key: &[u8],
    now: u64,
) -> ApiResult<Ceremony> {
    let replayed = || {
        ApiError::new(
            Kind::PasskeyReplayed,
            "This passkey request was already used, or was never made here. Start again.",
        )
    };
    let hash = secrets::token_hash(ceremony);
    let c = state.store.ceremony(&hash).await?.ok_or_else(replayed)?;
    if c.kind != kind || c.message_id != id {
        return Err(replayed());
    }
    if !ct_eq(&c.public_key, public_key) {
        return Err(ApiError::new(
            Kind::KeyMismatch,
            "This passkey request was started in another browser tab; it is only good there.",
        ));
    }
    if !state.store.take_ceremony(&hash).await? {
        return Err(replayed());
    }
    if now >= c.expires {
        return Err(ApiError::new(
            Kind::PasskeyExpired,
            "The passkey request took too long and has expired. Try again.",
        ));
    }
    Ok(c)
}

/// The signature counter in a stored passkey (0 for authenticators that keep none).
fn stored_counter(passkey: &str) -> ApiResult<u32> {
    let value: serde_json::Value =
        serde_json::from_str(passkey).map_err(|e| internal("stored passkey", e))?;
    value["cred"]["counter"]
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| internal("stored passkey", "no signature counter"))
}

/// `POST /v1/messages/{id}/passkeys/registration` (release token): the options for adding a
/// passkey for the token's address.
pub async fn registration(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasskeyStart>,
) -> ApiResult<Json<PasskeyCreation>> {
    let webauthn = relying(&state)?;
    let public_key = parse_public_key(&req.public_key)?;
    let now = state.clock.now();
    let (_, token) = bound_token(&state, &headers, &id, &public_key, now).await?;
    throttle(&state, peer, &headers, now).await?;
    let recipient = token.recipient;
    let existing = state
        .store
        .passkeys(&recipient)
        .await?
        .into_iter()
        .map(|p| p.credential_id)
        .collect();
    let rp_id = state
        .config
        .passkey_party()
        .map(|(_, rp)| rp)
        .unwrap_or_default();
    let (options, registration) = webauthn
        .start_passkey_registration(
            user_handle(&rp_id, &recipient),
            &recipient,
            &recipient,
            Some(existing),
        )
        .map_err(|e| internal("passkey registration options", e))?;
    let ceremony = begin(
        &state,
        REGISTER,
        &id,
        &recipient,
        public_key,
        &registration,
        now,
    )
    .await?;
    Ok(Json(PasskeyCreation { ceremony, options }))
}

/// `POST /v1/messages/{id}/passkeys` (release token): the authenticator's new credential,
/// checked and stored for the token's address.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasskeyRegistration>,
) -> ApiResult<(StatusCode, Json<PasskeyAdded>)> {
    let webauthn = relying(&state)?;
    let public_key = parse_public_key(&req.public_key)?;
    let now = state.clock.now();
    let (_, token) = bound_token(&state, &headers, &id, &public_key, now).await?;
    let c = finish(&state, REGISTER, &id, &req.ceremony, &public_key, now).await?;
    if c.recipient != token.recipient {
        return Err(invalid(
            "This passkey request was made for another address. Start again.",
        ));
    }
    let registration: RegistrationState =
        serde_json::from_str(&c.state).map_err(|e| internal("ceremony state", e))?;
    let passkey = webauthn
        .finish_passkey_registration(&req.credential, &registration)
        .map_err(|e| {
            tracing::info!(message = %id, reason = %e, "passkey registration refused");
            ApiError::new(
                Kind::PasskeyRefused,
                "The new passkey could not be checked (the device's answer does not match this request). Try again, or keep using passcodes.",
            )
        })?;
    let credential_id = passkey.cred_id().to_vec();
    let stored = StoredPasskey {
        credential_id: credential_id.clone(),
        recipient: c.recipient.clone(),
        passkey: serde_json::to_string(&passkey).map_err(|e| internal("passkey", e))?,
        created: now,
        last_used: now,
    };
    if !state.store.add_passkey(&stored).await? {
        return Err(ApiError::new(
            Kind::PasskeyExists,
            "This passkey is registered already. Open your messages with it.",
        ));
    }
    state
        .store
        .add_event(&id, now, EventKind::PasskeyAdded, Some(&c.recipient))
        .await?;
    tracing::info!(message = %id, "passkey added");
    Ok((
        StatusCode::CREATED,
        Json(PasskeyAdded {
            credential_id: URL_SAFE_NO_PAD.encode(credential_id),
            recipient: c.recipient,
        }),
    ))
}

/// `POST /v1/messages/{id}/passkeys/challenge` (public): the options for proving `recipient`
/// with one of its passkeys, bound to this message and the tab's public key.
pub async fn challenge(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasskeyChallengeRequest>,
) -> ApiResult<Json<PasskeyChallenge>> {
    let webauthn = relying(&state)?;
    let public_key = parse_public_key(&req.public_key)?;
    let recipient = parse_recipient(&req.recipient)?;
    let now = state.clock.now();
    throttle(&state, peer, &headers, now).await?;
    openable(&state, &id, &recipient, now).await?;
    let passkeys = state
        .store
        .passkeys(&recipient)
        .await?
        .iter()
        .map(|p| serde_json::from_str::<Passkey>(&p.passkey))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| internal("stored passkey", e))?;
    if passkeys.is_empty() {
        return Err(ApiError::new(
            Kind::NoPasskey,
            "This address has no passkey at this key server. Use a passcode.",
        ));
    }
    let (options, authentication) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| internal("passkey options", e))?;
    let ceremony = begin(
        &state,
        AUTHENTICATE,
        &id,
        &recipient,
        public_key,
        &authentication,
        now,
    )
    .await?;
    Ok(Json(PasskeyChallenge { ceremony, options }))
}

/// `POST /v1/messages/{id}/passkeys/verify` (public): the assertion; on success a release token
/// bound to message, recipient and the tab's public key.
pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasskeyAssertion>,
) -> ApiResult<Json<PasskeyVerified>> {
    let result = check_assertion(&state, &id, req).await;
    state.metrics.verification("passkey", &result);
    result
}

async fn check_assertion(
    state: &AppState,
    id: &str,
    req: PasskeyAssertion,
) -> ApiResult<Json<PasskeyVerified>> {
    let webauthn = relying(state)?;
    let public_key = parse_public_key(&req.public_key)?;
    let now = state.clock.now();
    let c = finish(state, AUTHENTICATE, id, &req.ceremony, &public_key, now).await?;
    openable(state, id, &c.recipient, now).await?;
    let authentication: PasskeyAuthentication =
        serde_json::from_str(&c.state).map_err(|e| internal("ceremony state", e))?;
    let refused = |reason: &str| {
        tracing::info!(message = %id, reason, "passkey refused");
        ApiError::new(
            Kind::PasskeyRefused,
            "The passkey did not prove this address. Try again, or use a passcode.",
        )
    };
    let cloned = || {
        tracing::warn!(message = %id, "passkey signature counter went back: refused as a possible copy");
        ApiError::new(
            Kind::PasskeyCloned,
            "This passkey's signature counter went back, which a copied passkey does: it was refused. Use a passcode, then remove the passkey and add a new one.",
        )
    };
    let result = match webauthn.finish_passkey_authentication(&req.credential, &authentication) {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => return Err(cloned()),
        Err(e) => return Err(refused(&e.to_string())),
    };
    // The counter is checked again against the passkey as stored now, not as it was when the
    // ceremony began, and the update is made only if nobody changed it meanwhile: of two
    // assertions decided at once, or an older one held back, only one is accepted.
    let gone = || {
        ApiError::new(
            Kind::NoPasskey,
            "This passkey was removed from this key server. Use a passcode.",
        )
    };
    let credential_id = result.cred_id().to_vec();
    let stored = state
        .store
        .passkeys(&c.recipient)
        .await?
        .into_iter()
        .find(|p| p.credential_id == credential_id)
        .ok_or_else(gone)?;
    let counter = result.counter();
    let stored_count = stored_counter(&stored.passkey)?;
    if (counter > 0 || stored_count > 0) && counter <= stored_count {
        return Err(cloned());
    }
    let mut passkey: Passkey =
        serde_json::from_str(&stored.passkey).map_err(|e| internal("stored passkey", e))?;
    if passkey.update_credential(&result).is_none() {
        return Err(refused("credential id"));
    }
    let updated = serde_json::to_string(&passkey).map_err(|e| internal("passkey", e))?;
    if !state
        .store
        .update_passkey(&credential_id, &stored.passkey, &updated, now)
        .await?
    {
        return Err(cloned());
    }
    let token = issue_token(
        state,
        id,
        &c.recipient,
        public_key,
        now,
        EventKind::VerifiedPasskey,
    )
    .await?;
    tracing::info!(message = %id, "recipient verified with a passkey");
    Ok(Json(PasskeyVerified {
        token: token.token,
        expires_in: token.expires_in,
        recipient: c.recipient,
        credential_id: URL_SAFE_NO_PAD.encode(credential_id),
    }))
}

/// `POST /v1/messages/{id}/passkeys/forget` (release token): removes a passkey of the token's
/// address.
pub async fn forget(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PasskeyForget>,
) -> ApiResult<StatusCode> {
    relying(&state)?;
    let public_key = parse_public_key(&req.public_key)?;
    let credential_id = URL_SAFE_NO_PAD
        .decode(&req.credential_id)
        .ok()
        .filter(|c| (1..=1023).contains(&c.len()))
        .ok_or_else(|| invalid("credential_id must be a credential id in base64url"))?;
    let now = state.clock.now();
    let (_, token) = bound_token(&state, &headers, &id, &public_key, now).await?;
    if !state
        .store
        .remove_passkey(&token.recipient, &credential_id)
        .await?
    {
        return Err(ApiError::new(
            Kind::NoPasskey,
            "This address has no such passkey at this key server; it may be removed already.",
        ));
    }
    state
        .store
        .add_event(&id, now, EventKind::PasskeyRemoved, Some(&token.recipient))
        .await?;
    tracing::info!(message = %id, "passkey removed");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_handle_is_the_same_for_an_address_and_differs_between_addresses_and_parties() {
        let a = user_handle("mail.example.com", "alice@example.com");
        assert_eq!(a, user_handle("mail.example.com", "alice@example.com"));
        assert_ne!(a, user_handle("mail.example.com", "bob@example.com"));
        assert_ne!(a, user_handle("example.com", "alice@example.com"));
    }

    #[test]
    fn a_relying_party_id_must_be_the_origin_host_or_a_domain_above_it() {
        assert!(relying_party("https://mail.example.com", "mail.example.com").is_ok());
        assert!(relying_party("https://mail.example.com", "example.com").is_ok());
        assert!(relying_party("http://localhost:8080", "localhost").is_ok());
        let e = relying_party("https://mail.example.com", "other.example").unwrap_err();
        assert!(
            e.contains("passkeys.rp_id \"other.example\" must be the host"),
            "{e}"
        );
    }
}

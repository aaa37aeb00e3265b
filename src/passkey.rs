//! Passkeys in the browser (`docs/passkeys.md`): whether this page can use them, and the two
//! WebAuthn calls, `navigator.credentials.create` and `.get`, with the options the key server
//! issued. The conversions between the key server's JSON and the browser's objects are
//! `webauthn-rs-proto`'s; nothing here reads or builds CBOR.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_api::PasskeySettings;
use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// Why a WebAuthn call gave no credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// The person closed the prompt, or it timed out (`NotAllowedError`).
    Cancelled,
    /// This device has that passkey already (`InvalidStateError`, on adding one).
    Exists,
    /// Anything else the browser refused.
    Failed,
}

/// Where passkeys can work on this page: the key server offers them for this very origin, and
/// the browser has WebAuthn. A `message.html` opened from a file has an opaque origin that
/// WebAuthn refuses, so it never qualifies.
pub fn usable_here(settings: &PasskeySettings) -> bool {
    let window = web_sys::window().expect("a window");
    let origin = window.location().origin().unwrap_or_default();
    origin == settings.origin
        && js_sys::Reflect::has(&window, &JsValue::from_str("PublicKeyCredential")).unwrap_or(false)
}

/// Whether this device can verify its user itself (fingerprint, face, screen lock), which a
/// passkey with user verification needs.
pub async fn platform_authenticator() -> bool {
    let window = web_sys::window().expect("a window");
    if !js_sys::Reflect::has(&window, &JsValue::from_str("PublicKeyCredential")).unwrap_or(false) {
        return false;
    }
    let promise =
        web_sys::PublicKeyCredential::is_user_verifying_platform_authenticator_available();
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn device_error(e: &JsValue) -> DeviceError {
    let name = js_sys::Reflect::get(e, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "AbortError" => DeviceError::Cancelled,
        "InvalidStateError" => DeviceError::Exists,
        _ => DeviceError::Failed,
    }
}

fn credentials() -> web_sys::CredentialsContainer {
    web_sys::window()
        .expect("a window")
        .navigator()
        .credentials()
}

/// Makes a new passkey with the key server's registration options.
pub async fn create(
    options: CreationChallengeResponse,
) -> Result<RegisterPublicKeyCredential, DeviceError> {
    let options: web_sys::CredentialCreationOptions = options.into();
    let promise = credentials()
        .create_with_options(&options)
        .map_err(|e| device_error(&e))?;
    let credential = JsFuture::from(promise)
        .await
        .map_err(|e| device_error(&e))?
        .dyn_into::<web_sys::PublicKeyCredential>()
        .map_err(|_| DeviceError::Failed)?;
    Ok(credential.into())
}

/// Signs the key server's challenge with a passkey.
pub async fn get(options: RequestChallengeResponse) -> Result<PublicKeyCredential, DeviceError> {
    let options: web_sys::CredentialRequestOptions = options.into();
    let promise = credentials()
        .get_with_options(&options)
        .map_err(|e| device_error(&e))?;
    let credential = JsFuture::from(promise)
        .await
        .map_err(|e| device_error(&e))?
        .dyn_into::<web_sys::PublicKeyCredential>()
        .map_err(|_| DeviceError::Failed)?;
    Ok(credential.into())
}

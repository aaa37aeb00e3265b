//! Passkeys in the browser (`docs/passkeys.md`): whether this page can use them, and the two
//! WebAuthn calls, `navigator.credentials.create` and `.get`. The key server's options are in
//! WebAuthn's JSON form (binary fields in base64url); the browser's own
//! `PublicKeyCredential.parseCreationOptionsFromJSON`/`parseRequestOptionsFromJSON` turn them
//! into the objects WebAuthn takes, and the credential's `toJSON()` turns the answer back, so
//! the viewer carries no WebAuthn encoding code of its own (and nothing here reads CBOR).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_api::PasskeySettings;

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

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

/// `PublicKeyCredential`, when the browser has WebAuthn with its JSON methods.
fn public_key_credential() -> Option<JsValue> {
    let class = Reflect::get(&window(), &JsValue::from_str("PublicKeyCredential"))
        .ok()
        .filter(|c| c.is_function())?;
    let has =
        |name: &str| Reflect::get(&class, &JsValue::from_str(name)).is_ok_and(|f| f.is_function());
    let prototype = Reflect::get(&class, &JsValue::from_str("prototype")).ok()?;
    let to_json =
        Reflect::get(&prototype, &JsValue::from_str("toJSON")).is_ok_and(|f| f.is_function());
    (has("parseCreationOptionsFromJSON") && has("parseRequestOptionsFromJSON") && to_json)
        .then_some(class)
}

/// Whether this page is where the key server's passkeys work: its very origin. A `message.html`
/// opened from a file has an opaque origin that WebAuthn refuses, so it never is.
pub fn on_origin(settings: &PasskeySettings) -> bool {
    window().location().origin().unwrap_or_default() == settings.origin
}

/// Where passkeys can work on this page: [`on_origin`], in a browser with WebAuthn and its JSON
/// methods (Chrome and Edge 129, Firefox 119, Safari 18.4 and later).
pub fn usable_here(settings: &PasskeySettings) -> bool {
    on_origin(settings) && public_key_credential().is_some()
}

/// Whether this device can verify its user itself (fingerprint, face, screen lock), which a
/// passkey with user verification needs.
pub async fn platform_authenticator() -> bool {
    let Some(class) = public_key_credential() else {
        return false;
    };
    let Some(check) = Reflect::get(
        &class,
        &JsValue::from_str("isUserVerifyingPlatformAuthenticatorAvailable"),
    )
    .ok()
    .and_then(|f| f.dyn_into::<Function>().ok()) else {
        return false;
    };
    let Ok(promise) = check.call0(&class) else {
        return false;
    };
    JsFuture::from(js_sys::Promise::resolve(&promise))
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn device_error(e: &JsValue) -> DeviceError {
    let name = Reflect::get(e, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "AbortError" => DeviceError::Cancelled,
        "InvalidStateError" => DeviceError::Exists,
        _ => DeviceError::Failed,
    }
}

/// `{ publicKey: PublicKeyCredential[parser](json) }`.
fn options(parser: &str, json: &JsValue) -> Result<Object, DeviceError> {
    let class = public_key_credential().ok_or(DeviceError::Failed)?;
    let parse = Reflect::get(&class, &JsValue::from_str(parser))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(DeviceError::Failed)?;
    let public_key = parse.call1(&class, json).map_err(|_| DeviceError::Failed)?;
    let init = Object::new();
    Reflect::set(&init, &JsValue::from_str("publicKey"), &public_key)
        .map_err(|_| DeviceError::Failed)?;
    Ok(init)
}

/// The credential of a settled `create`/`get`, as its `toJSON()` writes it.
async fn answer(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, DeviceError> {
    let promise = promise.map_err(|e| device_error(&e))?;
    let credential = JsFuture::from(promise)
        .await
        .map_err(|e| device_error(&e))?;
    let to_json = Reflect::get(&credential, &JsValue::from_str("toJSON"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(DeviceError::Failed)?;
    to_json.call0(&credential).map_err(|_| DeviceError::Failed)
}

/// Makes a new passkey with the key server's creation options (the `publicKey` member, JSON).
pub async fn create(public_key: &JsValue) -> Result<JsValue, DeviceError> {
    let init = options("parseCreationOptionsFromJSON", public_key)?;
    answer(
        window()
            .navigator()
            .credentials()
            .create_with_options(init.unchecked_ref()),
    )
    .await
}

/// Signs the key server's challenge with a passkey (the `publicKey` member of its request
/// options, JSON).
pub async fn get(public_key: &JsValue) -> Result<JsValue, DeviceError> {
    let init = options("parseRequestOptionsFromJSON", public_key)?;
    answer(
        window()
            .navigator()
            .credentials()
            .get_with_options(init.unchecked_ref()),
    )
    .await
}

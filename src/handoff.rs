//! Handing a message over to a window on the viewer's own origin, where an account sign-in runs.
//!
//! A sign-in's secrets — the authorization code, the PKCE verifier, the ID token — must never
//! exist outside the viewer's origin: the sign-in callback page (`signed-in.html`) hands the
//! provider's answer only to a window of its own origin. A `message.html` opened from disk (origin
//! `null`) or from a webmail's preview (another origin) therefore does not sign in itself: on the
//! click it opens the viewer's page with [`HASH`], waits for that page to say it is [`READY`],
//! and posts it the envelope (nothing secret: the envelope is what the mail carried). That page
//! runs the whole journey — summary, sign-in popup, release, decryption — and shows the message.
//!
//! What crosses origins is only ever: the ready signal (viewer → carrier) and the envelope with
//! the chosen provider's id and address (carrier → viewer). Nothing comes back.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// The fragment of the viewer's page opened for a hand-off.
pub const HASH: &str = "#continue";

/// The `type` of the viewer page's signal that it listens.
pub const READY: &str = "waxseal-handoff-ready";

/// The `type` of the message carrying the envelope.
pub const ENVELOPE: &str = "waxseal-handoff";

/// Whether a page of origin `page_origin` can run a sign-in whose callback page is
/// `callback_url`: only when both are the same origin (the callback answers no other).
pub fn signs_in_here(page_origin: &str, callback_url: &str) -> bool {
    page_origin != "null" && crate::sign_in::origin_of(callback_url).as_deref() == Some(page_origin)
}

/// The address of the viewer's page for a hand-off: the viewer's folder (next to its
/// `config.json`), with [`HASH`].
pub fn page_url(viewer_folder: &str) -> String {
    let mut url = viewer_folder
        .split(['#', '?'])
        .next()
        .unwrap_or_default()
        .to_owned();
    url.push_str(HASH);
    url
}

/// What a carrier hands over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    /// The envelope's bytes.
    pub envelope: Vec<u8>,
    /// The provider the person chose (its id at the key server).
    pub provider: String,
    /// The address the person chose, if any.
    pub recipient: String,
}

impl Parcel {
    /// The message to post.
    pub fn to_js(&self) -> JsValue {
        message(&self.envelope, &self.provider, &self.recipient)
    }

    /// Reads a posted message; `None` for anything that is not a hand-off.
    pub fn read(data: &JsValue) -> Option<Self> {
        if !data.is_object() {
            return None;
        }
        let get = |name: &str| Reflect::get(data, &JsValue::from_str(name)).ok();
        if get("type")?.as_string()? != ENVELOPE {
            return None;
        }
        let envelope = get("envelope")?.dyn_into::<Uint8Array>().ok()?.to_vec();
        Some(Self {
            envelope,
            provider: get("provider")?.as_string().unwrap_or_default(),
            recipient: get("recipient")?.as_string().unwrap_or_default(),
        })
    }
}

/// The message that hands `envelope` over, for a sign-in with `provider` as `recipient`.
pub fn message(envelope: &[u8], provider: &str, recipient: &str) -> JsValue {
    let object = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    };
    set("type", &JsValue::from_str(ENVELOPE));
    set("envelope", &Uint8Array::from(envelope));
    set("provider", &JsValue::from_str(provider));
    set("recipient", &JsValue::from_str(recipient));
    object.into()
}

/// The viewer page's signal that it listens for the envelope.
pub fn ready_message() -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &"type".into(), &JsValue::from_str(READY));
    object.into()
}

/// Whether a posted message is the viewer page's ready signal.
pub fn is_ready(data: &JsValue) -> bool {
    data.is_object()
        && Reflect::get(data, &"type".into())
            .ok()
            .and_then(|t| t.as_string())
            .is_some_and(|t| t == READY)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_a_page_of_the_callback_origin_signs_in_itself() {
        let callback = "https://viewer.example.com/v2/signed-in.html";
        assert!(signs_in_here("https://viewer.example.com", callback));
        // A message.html from disk, a webmail preview, a look-alike host, another port.
        for origin in [
            "null",
            "https://mail.example.net",
            "https://viewer.example.com.evil.example",
            "https://viewer.example.com:8443",
            "http://viewer.example.com",
            "",
        ] {
            assert!(!signs_in_here(origin, callback), "{origin}");
        }
        assert!(!signs_in_here("null", "file:///tmp/signed-in.html"));
    }

    #[test]
    fn the_handoff_page_is_the_viewer_folder_with_its_fragment() {
        assert_eq!(
            page_url("https://viewer.example.com/v2/"),
            "https://viewer.example.com/v2/#continue"
        );
        assert_eq!(
            page_url("https://viewer.example.com/v2/?x=1#privacy"),
            "https://viewer.example.com/v2/#continue"
        );
    }

    #[cfg(target_arch = "wasm32")]
    #[test]
    fn a_parcel_survives_the_trip_and_nothing_else_reads_as_one() {
        let parcel = Parcel {
            envelope: vec![0x89, b'W', b'X', b'S', 0, 255],
            provider: "test".into(),
            recipient: "alice@example.com".into(),
        };
        assert_eq!(Parcel::read(&parcel.to_js()), Some(parcel));
        assert_eq!(Parcel::read(&ready_message()), None);
        assert_eq!(Parcel::read(&JsValue::from_str(ENVELOPE)), None);
        let no_bytes = Object::new();
        Reflect::set(&no_bytes, &"type".into(), &ENVELOPE.into()).unwrap();
        Reflect::set(&no_bytes, &"envelope".into(), &"iVdYUw0K".into()).unwrap();
        assert_eq!(Parcel::read(&no_bytes.into()), None);
        assert!(is_ready(&ready_message()));
        assert!(!is_ready(&JsValue::from_str(READY)));
    }
}

//! Signing in with an account instead of typing a passcode: OpenID Connect, Authorization Code
//! with PKCE (RFC 7636, `S256`), the viewer being a public client.
//!
//! The provider's pages open in a popup, so this tab — which holds the envelope in memory only —
//! stays as it is. The popup ends on `signed-in.html` (next to the viewer's `config.json`), whose
//! script posts the authorization response to this tab and closes. The response is taken only
//! from that popup, from the callback page's origin, with the `state` this tab made; the code is
//! then exchanged with the PKCE verifier, which never leaves this tab, for an ID token, which goes
//! to the key server. The ID token's `nonce` binds it to the message and to this tab's key
//! ([`waxseal_api::sign_in_nonce`]).
//!
//! Everything here lives in memory only and is wiped when dropped.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::Reflect;
use sha2::{Digest as _, Sha256};
use wasm_bindgen::JsValue;
use waxseal_api::SignInProvider;
use zeroize::Zeroize;

/// The `type` of the message the callback page posts.
pub const MESSAGE_TYPE: &str = "waxseal-sign-in";

/// The callback page, next to the viewer's `config.json`.
pub const CALLBACK_PAGE: &str = "signed-in.html";

/// The name of the popup window (a second sign-in reuses it).
pub const POPUP_NAME: &str = "waxseal-sign-in";

/// The popup's size and shape.
pub const POPUP_FEATURES: &str = "popup,width=520,height=700";

/// The PKCE `code_challenge` of `verifier`: `base64url(SHA-256(verifier))` (RFC 7636 §4.2).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Appends `value` to `out`, encoded as in `application/x-www-form-urlencoded` (what
/// `URLSearchParams` writes): letters, digits and `*-._` as they are, a space as `+`, every
/// other byte as `%XX`.
pub fn form_encode(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// `name=value` pairs, form-encoded and joined with `&`, appended to `out`.
fn form(out: &mut String, pairs: &[(&str, &str)]) {
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        form_encode(out, value);
    }
}

/// The origin (`scheme://host[:port]`) of an absolute `http(s)` URL; `None` for anything else
/// (the one strict parser, [`waxseal_envelope::Origin::of_url`]).
pub fn origin_of(url: &str) -> Option<String> {
    waxseal_envelope::Origin::of_url(url)
        .ok()
        .map(|o| o.to_string())
}

/// Whether the viewer can use a provider the key server lists: its endpoints are `http(s)` URLs
/// (never, say, a `javascript:` URL opened in the popup).
pub fn usable(provider: &SignInProvider) -> bool {
    origin_of(&provider.authorization_endpoint).is_some()
        && origin_of(&provider.token_endpoint).is_some()
}

/// Random bytes, base64url.
fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the browser's random number generator failed");
    let out = URL_SAFE_NO_PAD.encode(&bytes);
    bytes.zeroize();
    out
}

/// A sign-in under way in a popup: what this tab must remember to accept the answer and to
/// redeem the code.
pub struct Pending {
    /// The provider, as the key server described it.
    pub provider: SignInProvider,
    /// The redirect URI (the callback page).
    pub redirect_uri: String,
    state: String,
    verifier: String,
    nonce: String,
    salt: String,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.state.zeroize();
        self.verifier.zeroize();
        self.nonce.zeroize();
        self.salt.zeroize();
    }
}

/// What the callback page posted: the authorization response's parameters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Callback {
    /// `type`: [`MESSAGE_TYPE`] for ours.
    pub kind: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `error` (e.g. `access_denied`).
    pub error: Option<String>,
    /// `iss` (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(code) = &mut self.code {
            code.zeroize();
        }
    }
}

impl Callback {
    /// Reads the posted object (anything else reads as empty, and is ignored).
    pub fn read(data: &JsValue) -> Self {
        let get = |name: &str| {
            Reflect::get(data, &JsValue::from_str(name))
                .ok()?
                .as_string()
        };
        if !data.is_object() {
            return Self::default();
        }
        Self {
            kind: get("type"),
            code: get("code"),
            state: get("state"),
            error: get("error"),
            iss: get("iss"),
        }
    }
}

/// The answer of a popup, once it is accepted as the answer to this sign-in.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The authorization code.
    Code(String),
    /// The provider did not sign the person in: its `error` (e.g. `access_denied`), or
    /// `invalid_response` for an answer that holds neither a code nor an error, or names another
    /// issuer.
    Error(String),
}

/// Why a posted message is not the answer to this sign-in (it is ignored).
#[derive(Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Not a sign-in message.
    NotOurs,
    /// Not from the popup this tab opened.
    OtherWindow,
    /// Not from the callback page's origin.
    OtherOrigin,
    /// Not the `state` of this sign-in.
    OtherState,
}

impl Pending {
    /// A new sign-in with `provider` for message `message_id`, bound to this tab's
    /// `public_key`: fresh `state` (16 bytes), PKCE verifier (32 bytes) and nonce salt
    /// (32 bytes).
    pub fn new(
        provider: SignInProvider,
        redirect_uri: String,
        message_id: &str,
        public_key: &[u8],
    ) -> Self {
        Self::with(
            provider,
            redirect_uri,
            message_id,
            public_key,
            random_b64(16),
            random_b64(32),
            random_b64(32),
        )
    }

    /// [`Pending::new`] with chosen `state`, `verifier` and `salt` (base64url), for tests.
    pub fn with(
        provider: SignInProvider,
        redirect_uri: String,
        message_id: &str,
        public_key: &[u8],
        state: String,
        verifier: String,
        salt: String,
    ) -> Self {
        let raw_salt = URL_SAFE_NO_PAD.decode(&salt).unwrap_or_default();
        let nonce = waxseal_api::sign_in_nonce(message_id, public_key, &raw_salt);
        Self {
            provider,
            redirect_uri,
            state,
            verifier,
            nonce,
            salt,
        }
    }

    /// The nonce salt, base64url, for the sign-in request.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// Where the popup goes: the provider's authorization endpoint with the request
    /// (`login_hint`: the chosen address, if any).
    pub fn authorization_url(&self, login_hint: Option<&str>) -> String {
        let p = &self.provider;
        let mut url = p.authorization_endpoint.clone();
        url.push(if url.contains('?') { '&' } else { '?' });
        let challenge = challenge(&self.verifier);
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", p.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", p.scopes.as_str()),
            ("state", self.state.as_str()),
            ("nonce", self.nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if let Some(hint) = login_hint.filter(|h| !h.is_empty()) {
            pairs.push(("login_hint", hint));
        }
        form(&mut url, &pairs);
        url
    }

    /// Whether a message posted to this tab is the answer to this sign-in, and which: it must
    /// be ours, come from the popup (`from_popup`) and from the callback page's origin
    /// (`origin`), and carry this sign-in's `state`.
    pub fn accept(
        &self,
        message: &Callback,
        from_popup: bool,
        origin: &str,
    ) -> Result<Answer, Ignored> {
        if message.kind.as_deref() != Some(MESSAGE_TYPE) {
            return Err(Ignored::NotOurs);
        }
        if !from_popup {
            return Err(Ignored::OtherWindow);
        }
        if origin_of(&self.redirect_uri).as_deref() != Some(origin) {
            return Err(Ignored::OtherOrigin);
        }
        if message.state.as_deref() != Some(self.state.as_str()) {
            return Err(Ignored::OtherState);
        }
        let invalid = || Answer::Error("invalid_response".into());
        // RFC 9207: an answer naming another issuer is not this provider's.
        if message
            .iss
            .as_ref()
            .is_some_and(|iss| *iss != self.provider.issuer)
        {
            return Ok(invalid());
        }
        Ok(match (&message.error, &message.code) {
            (Some(error), _) => Answer::Error(error.clone()),
            (None, Some(code)) if !code.is_empty() => Answer::Code(code.clone()),
            _ => invalid(),
        })
    }

    /// The body of the token request that redeems `code` (`application/x-www-form-urlencoded`).
    pub fn token_request(&self, code: &str) -> String {
        let p = &self.provider;
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", p.client_id.as_str()),
            ("code_verifier", self.verifier.as_str()),
        ];
        if let Some(secret) = &p.public_client_secret {
            pairs.push(("client_secret", secret.as_str()));
        }
        let mut body = String::new();
        form(&mut body, &pairs);
        body
    }
}

/// The ID token in the token endpoint's answer; `None` for an error or an answer without one.
pub fn id_token(status: u16, body: &str) -> Option<String> {
    if !(200..300).contains(&status) {
        return None;
    }
    crate::api::Json::parse(body)?.text("id_token")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn provider() -> SignInProvider {
        SignInProvider {
            id: "work".into(),
            name: "Example ID".into(),
            kind: "oidc".into(),
            issuer: "https://id.example.com".into(),
            client_id: "waxseal-viewer".into(),
            authorization_endpoint: "https://id.example.com/authorize".into(),
            token_endpoint: "https://id.example.com/token".into(),
            scopes: "openid email profile".into(),
            public_client_secret: None,
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const REDIRECT: &str = "https://viewer.example.com/v2/signed-in.html";

    fn pending(provider: SignInProvider) -> Pending {
        Pending::with(
            provider,
            REDIRECT.into(),
            "AAAAAAAAAAAAAAAAAAAAAA",
            &[7; 32],
            "c3RhdGUtc3RhdGUtc3RhdGU".into(),
            VERIFIER.into(),
            "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ".into(),
        )
    }

    fn answer(state: &str) -> Callback {
        Callback {
            kind: Some(MESSAGE_TYPE.into()),
            code: Some("the-code".into()),
            state: Some(state.into()),
            error: None,
            iss: None,
        }
    }

    #[test]
    fn the_pkce_challenge_is_the_rfc_7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_authorization_url_carries_the_whole_request() {
        let p = pending(provider());
        let nonce = waxseal_api::sign_in_nonce(
            "AAAAAAAAAAAAAAAAAAAAAA",
            &[7; 32],
            &URL_SAFE_NO_PAD
                .decode("c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ")
                .unwrap(),
        );
        assert_eq!(
            p.authorization_url(Some("alice+mail@example.com")),
            format!(
                "https://id.example.com/authorize?response_type=code&client_id=waxseal-viewer\
                 &redirect_uri=https%3A%2F%2Fviewer.example.com%2Fv2%2Fsigned-in.html\
                 &scope=openid+email+profile&state=c3RhdGUtc3RhdGUtc3RhdGU&nonce={nonce}\
                 &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
                 &code_challenge_method=S256&login_hint=alice%2Bmail%40example.com"
            )
        );
        // Without a chosen address, no hint; an endpoint with a query keeps it.
        let mut with_query = provider();
        with_query.authorization_endpoint =
            "https://id.example.com/authorize?p=b2c_1_signin".into();
        let url = pending(with_query).authorization_url(None);
        assert!(
            url.starts_with("https://id.example.com/authorize?p=b2c_1_signin&response_type=code&"),
            "{url}"
        );
        assert!(url.ends_with("&code_challenge_method=S256"), "{url}");
    }

    #[test]
    fn the_token_request_sends_the_verifier_and_a_public_secret_only_when_there_is_one() {
        let mut p = provider();
        assert_eq!(
            pending(p.clone()).token_request("c/d e"),
            format!(
                "grant_type=authorization_code&code=c%2Fd+e\
                 &redirect_uri=https%3A%2F%2Fviewer.example.com%2Fv2%2Fsigned-in.html\
                 &client_id=waxseal-viewer&code_verifier={VERIFIER}"
            )
        );
        p.public_client_secret = Some("GOCSPX-abc".into());
        assert!(
            pending(p)
                .token_request("x")
                .ends_with("&client_secret=GOCSPX-abc")
        );
    }

    #[test]
    fn only_the_popup_from_the_callback_origin_with_the_state_is_heard() {
        let p = pending(provider());
        let origin = "https://viewer.example.com";
        let state = "c3RhdGUtc3RhdGUtc3RhdGU";
        assert_eq!(
            p.accept(&answer(state), true, origin),
            Ok(Answer::Code("the-code".into()))
        );
        assert_eq!(
            p.accept(&answer(state), false, origin),
            Err(Ignored::OtherWindow)
        );
        assert_eq!(
            p.accept(&answer(state), true, "https://evil.example.com"),
            Err(Ignored::OtherOrigin)
        );
        assert_eq!(
            p.accept(&answer(state), true, "null"),
            Err(Ignored::OtherOrigin)
        );
        assert_eq!(
            p.accept(&answer(state), true, "https://viewer.example.com:8443"),
            Err(Ignored::OtherOrigin)
        );
        assert_eq!(
            p.accept(&answer("c3RhdGUtc3RhdGUtc3RhdGV"), true, origin),
            Err(Ignored::OtherState)
        );
        let mut no_state = answer(state);
        no_state.state = None;
        assert_eq!(p.accept(&no_state, true, origin), Err(Ignored::OtherState));
        let mut other = answer(state);
        other.kind = Some("something-else".into());
        assert_eq!(p.accept(&other, true, origin), Err(Ignored::NotOurs));
        assert_eq!(
            p.accept(&Callback::default(), true, origin),
            Err(Ignored::NotOurs)
        );
    }

    #[test]
    fn errors_and_mixed_up_issuers_end_the_sign_in() {
        let p = pending(provider());
        let origin = "https://viewer.example.com";
        let state = "c3RhdGUtc3RhdGUtc3RhdGU";
        let mut denied = answer(state);
        denied.code = None;
        denied.error = Some("access_denied".into());
        assert_eq!(
            p.accept(&denied, true, origin),
            Ok(Answer::Error("access_denied".into()))
        );
        let mut empty = answer(state);
        empty.code = None;
        assert_eq!(
            p.accept(&empty, true, origin),
            Ok(Answer::Error("invalid_response".into()))
        );
        let mut mixed_up = answer(state);
        mixed_up.iss = Some("https://other.example.com".into());
        assert_eq!(
            p.accept(&mixed_up, true, origin),
            Ok(Answer::Error("invalid_response".into()))
        );
        let mut same = answer(state);
        same.iss = Some("https://id.example.com".into());
        assert_eq!(
            p.accept(&same, true, origin),
            Ok(Answer::Code("the-code".into()))
        );
    }

    // The answer is read by the browser's JSON parser.
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn the_id_token_is_read_from_a_successful_answer_only() {
        assert_eq!(
            id_token(
                200,
                r#"{"access_token":"a","id_token":"h.p.s","token_type":"Bearer"}"#
            ),
            Some("h.p.s".into())
        );
        assert_eq!(id_token(200, r#"{"access_token":"a"}"#), None);
        assert_eq!(
            id_token(400, r#"{"error":"invalid_grant","id_token":"h.p.s"}"#),
            None
        );
        assert_eq!(id_token(200, "<html>"), None);
    }

    // URLs are resolved by the browser.
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn the_callback_page_is_next_to_the_viewers_config() {
        use crate::config::beside_viewer;
        // In a message.html opened from disk, next to the viewer's module on its own origin.
        assert_eq!(
            beside_viewer(
                CALLBACK_PAGE,
                Some("https://viewer.example.com/v2/waxseal-viewer-1a2b.js"),
                "file:///home/alice/Downloads/message.html"
            )
            .as_deref(),
            Some("https://viewer.example.com/v2/signed-in.html")
        );
        // On the viewer's own page.
        assert_eq!(
            beside_viewer(
                CALLBACK_PAGE,
                Some("/waxseal-viewer-1a2b.js"),
                "http://127.0.0.1:8080/#privacy"
            )
            .as_deref(),
            Some("http://127.0.0.1:8080/signed-in.html")
        );
    }

    #[test]
    fn origins_and_usable_providers() {
        assert_eq!(
            origin_of("https://id.example.com/authorize").as_deref(),
            Some("https://id.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000?x").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin_of("https://evil.example@id.example.com/"), None);
        assert_eq!(origin_of("https://id.example.com\"><b>"), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https:///x"), None);
        assert!(usable(&provider()));
        let mut bad = provider();
        bad.authorization_endpoint = "javascript:alert(1)//https://id.example.com".into();
        assert!(!usable(&bad));
    }

    #[test]
    fn a_fresh_sign_in_has_fresh_secrets() {
        let a = Pending::new(provider(), REDIRECT.into(), "id", &[1; 32]);
        let b = Pending::new(provider(), REDIRECT.into(), "id", &[1; 32]);
        assert_ne!(a.state, b.state);
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.salt, b.salt);
        assert_eq!(a.state.len(), 22);
        assert_eq!(a.verifier.len(), 43);
        assert_eq!(
            a.nonce,
            waxseal_api::sign_in_nonce("id", &[1; 32], &URL_SAFE_NO_PAD.decode(&a.salt).unwrap())
        );
    }
}

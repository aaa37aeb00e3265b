//! A typed client of the key server's recipient API (`docs/api.md`), over the browser's `fetch`.
//!
//! Requests carry no cookies and no referrer; the only credential is the release token, sent as a
//! bearer token and held by the caller in memory.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_api::{
    MessageSender, PasscodeRequest, PasscodeSent, PasskeyAdded, PasskeyChallengeRequest,
    PasskeyForget, PasskeySettings, PasskeyStart, PasskeyVerified, Problem, ReleaseRequest,
    ReleaseResponse, ReplySent, SignInProvider, SignInRequest, SignedIn, TokenResponse,
    VerifyRequest,
};
use waxseal_envelope::MessageId;
use web_sys::{Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response};

/// The media type of a sealed reply's request body (`docs/api.md`, step 6).
pub const REPLY_MEDIA_TYPE: &str = "application/vnd.waxseal.reply";

/// What the viewer uses of the key server's `GET /v1/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The sign-in providers (entries that lack a field are left out).
    pub providers: Vec<SignInProvider>,
    /// The largest sealed reply the server relays, if it relays replies.
    pub reply_max_bytes: Option<u64>,
    /// Where passkeys work, if the key server offers them.
    pub passkeys: Option<PasskeySettings>,
    /// Whether the key server takes the viewer's usage report.
    pub usage_reports: bool,
}

/// Why a request to the key server did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with a problem (`application/problem+json`).
    Problem(Problem),
    /// No answer: offline, DNS, TLS, a refused connection, or a CORS or CSP refusal.
    Unreachable,
    /// An answer that is neither what was asked for nor a problem.
    Unexpected {
        /// The HTTP status.
        status: u16,
    },
}

impl ApiError {
    /// The problem's name (the part of its `type` after `urn:waxseal:problem:`), if it is one.
    pub fn problem_name(&self) -> Option<&str> {
        match self {
            ApiError::Problem(p) => Some(
                p.kind
                    .strip_prefix("urn:waxseal:problem:")
                    .unwrap_or(&p.kind),
            ),
            _ => None,
        }
    }
}

/// The key server named by an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyServer {
    origin: String,
}

impl KeyServer {
    /// A client for the server at `origin` (`https://keys.example.com`, no trailing slash).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
        }
    }

    /// The server's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `GET /v1/config`: the parts of [`waxseal_api::PublicConfig`] the viewer uses.
    pub async fn settings(&self) -> Result<Settings, ApiError> {
        let init = request_init("GET");
        let (status, text) = fetch_text(&format!("{}/v1/config", self.origin), &init)
            .await
            .ok_or(ApiError::Unreachable)?;
        if !(200..300).contains(&status) {
            return Err(problem(status, &text));
        }
        Ok(read_settings(&text))
    }

    /// `GET /v1/messages/{id}/sender`: the organisation that registered the message and the
    /// sender address it registered.
    pub async fn sender(&self, id: &MessageId) -> Result<MessageSender, ApiError> {
        let init = request_init("GET");
        let (status, text) = fetch_text(&format!("{}/v1/messages/{id}/sender", self.origin), &init)
            .await
            .ok_or(ApiError::Unreachable)?;
        interpret(status, &text)
    }

    /// `POST /v1/messages/{id}/sign-in`: prove the address with an ID token, get a release token.
    pub async fn sign_in(
        &self,
        id: &MessageId,
        body: &SignInRequest,
    ) -> Result<SignedIn, ApiError> {
        self.post(&format!("/v1/messages/{id}/sign-in"), None, body)
            .await
    }

    /// `POST /v1/messages/{id}/passcode`: e-mail a passcode to one recipient.
    pub async fn request_passcode(
        &self,
        id: &MessageId,
        body: &PasscodeRequest,
    ) -> Result<PasscodeSent, ApiError> {
        self.post(&format!("/v1/messages/{id}/passcode"), None, body)
            .await
    }

    /// `POST /v1/messages/{id}/verify`: check the passcode, get a release token.
    pub async fn verify(
        &self,
        id: &MessageId,
        body: &VerifyRequest,
    ) -> Result<TokenResponse, ApiError> {
        self.post(&format!("/v1/messages/{id}/verify"), None, body)
            .await
    }

    /// `POST /v1/messages/{id}/release`: the server share, sealed to the tab's key.
    pub async fn release(
        &self,
        id: &MessageId,
        token: &str,
        body: &ReleaseRequest,
    ) -> Result<ReleaseResponse, ApiError> {
        self.post(&format!("/v1/messages/{id}/release"), Some(token), body)
            .await
    }

    /// `POST /v1/messages/{id}/reply`: hands a sealed reply to the key server, which mails it to
    /// the message's reply address. `public_key` is the tab key the token is bound to.
    pub async fn send_reply(
        &self,
        id: &MessageId,
        token: &str,
        public_key: &str,
        sealed: &web_sys::Blob,
    ) -> Result<ReplySent, ApiError> {
        // The sealed reply goes as the browser holds it; nothing of it is in clear.
        let path = format!("/v1/messages/{id}/reply?public_key={public_key}");
        let (status, text) = self
            .post_body(&path, Some(token), REPLY_MEDIA_TYPE, sealed)
            .await?;
        interpret(status, &text)
    }

    /// `POST /v1/messages/{id}/passkeys/registration`: the options for adding a passkey for the
    /// address the release token proved.
    pub async fn passkey_options(
        &self,
        id: &MessageId,
        token: &str,
        body: &PasskeyStart,
    ) -> Result<Ceremony, ApiError> {
        let json = json_text(&[("public_key", &body.public_key)]);
        let (status, text) = self
            .post_json(
                &format!("/v1/messages/{id}/passkeys/registration"),
                Some(token),
                json,
            )
            .await?;
        ceremony(status, &text)
    }

    /// `POST /v1/messages/{id}/passkeys`: the new passkey (`credential`, as its `toJSON()` wrote
    /// it), to be stored for the token's address.
    pub async fn add_passkey(
        &self,
        id: &MessageId,
        token: &str,
        public_key: &str,
        ceremony: &str,
        credential: &JsValue,
    ) -> Result<PasskeyAdded, ApiError> {
        let json = with_credential(public_key, ceremony, credential);
        let (status, text) = self
            .post_json(&format!("/v1/messages/{id}/passkeys"), Some(token), json)
            .await?;
        interpret(status, &text)
    }

    /// `POST /v1/messages/{id}/passkeys/challenge`: the options for proving the address with a
    /// passkey.
    pub async fn passkey_challenge(
        &self,
        id: &MessageId,
        body: &PasskeyChallengeRequest,
    ) -> Result<Ceremony, ApiError> {
        let json = json_text(&[
            ("recipient", &body.recipient),
            ("public_key", &body.public_key),
        ]);
        let (status, text) = self
            .post_json(&format!("/v1/messages/{id}/passkeys/challenge"), None, json)
            .await?;
        ceremony(status, &text)
    }

    /// `POST /v1/messages/{id}/passkeys/verify`: the assertion (`credential`, as its `toJSON()`
    /// wrote it); a release token in return.
    pub async fn passkey_verify(
        &self,
        id: &MessageId,
        public_key: &str,
        ceremony: &str,
        credential: &JsValue,
    ) -> Result<PasskeyVerified, ApiError> {
        let json = with_credential(public_key, ceremony, credential);
        let (status, text) = self
            .post_json(&format!("/v1/messages/{id}/passkeys/verify"), None, json)
            .await?;
        interpret(status, &text)
    }

    /// `POST /v1/messages/{id}/passkeys/forget`: removes a passkey of the token's address.
    pub async fn forget_passkey(
        &self,
        id: &MessageId,
        token: &str,
        body: &PasskeyForget,
    ) -> Result<(), ApiError> {
        let json = json_text(&[
            ("public_key", &body.public_key),
            ("credential_id", &body.credential_id),
        ]);
        let (status, text) = self
            .post_json(
                &format!("/v1/messages/{id}/passkeys/forget"),
                Some(token),
                json,
            )
            .await?;
        if status == 204 {
            Ok(())
        } else {
            Err(problem(status, &text))
        }
    }

    /// `POST /v1/usage`: the usage report (see [`crate::usage`]); its answer is not read.
    pub async fn send_usage(&self, report: String) {
        let _ = self.post_json("/v1/usage", None, report).await;
    }

    async fn post<B: ToJson, T: FromJson>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, ApiError> {
        let (status, text) = self.post_json(path, bearer, body.to_json()).await?;
        interpret(status, &text)
    }

    /// `POST`s `json`; the status and text of the answer. One copy of the request code for
    /// every request type.
    async fn post_json(
        &self,
        path: &str,
        bearer: Option<&str>,
        json: String,
    ) -> Result<(u16, String), ApiError> {
        self.post_body(path, bearer, "application/json", &JsValue::from_str(&json))
            .await
    }

    /// `POST`s `body` as `content_type` to a path of this server, with the release token when
    /// there is one; the status and text of the answer.
    async fn post_body(
        &self,
        path: &str,
        bearer: Option<&str>,
        content_type: &str,
        body: &JsValue,
    ) -> Result<(u16, String), ApiError> {
        post(
            &format!("{}{path}", self.origin),
            content_type,
            bearer,
            body,
        )
        .await
        .ok_or(ApiError::Unreachable)
    }
}

/// A JSON object parsed by the browser (`JSON.parse`), read field by field.
///
/// The viewer reads and writes the shared wire types of `waxseal_api` through the browser's JSON
/// parser and writer ([`FromJson`], [`ToJson`]): a `serde` (de)serialiser per type would add
/// several kilobytes to the viewer. The tests check both against `serde`'s view of the types.
pub struct Json(JsValue);

impl Json {
    /// The object in `text`; `None` for anything that is not a JSON object.
    pub fn parse(text: &str) -> Option<Self> {
        js_sys::JSON::parse(text)
            .ok()
            .filter(|v| v.is_object() && !Array::is_array(v))
            .map(Json)
    }

    fn get(&self, name: &str) -> Option<JsValue> {
        Reflect::get(&self.0, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// The text field `name`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)?.as_string()
    }

    /// The whole-number field `name` (from 0 to `max`).
    pub fn number(&self, name: &str, max: u64) -> Option<u64> {
        let n = self.get(name)?.as_f64()?;
        (n >= 0.0 && n <= max as f64 && n.fract() == 0.0).then_some(n as u64)
    }

    /// The array field `name`; `None` when it is missing, `Some(Err(()))` when it is not an
    /// array.
    fn array(&self, name: &str) -> Option<Result<Array, ()>> {
        self.get(name)
            .map(|v| v.dyn_into::<Array>().map_err(|_| ()))
    }

    /// The boolean under `name`, if it is one.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(|v| v.as_bool())
    }

    /// The value under `name`, if it is an object.
    pub fn value(&self, name: &str) -> Option<JsValue> {
        self.get(name).filter(|v| v.is_object())
    }

    /// The object under `name`, if it is one.
    pub fn object(&self, name: &str) -> Option<Json> {
        self.get(name)
            .filter(|v| v.is_object() && !Array::is_array(v))
            .map(Json)
    }

    /// The array field `name`, as objects (other entries are skipped).
    pub fn objects(&self, name: &str) -> Vec<Json> {
        match self.array(name) {
            Some(Ok(a)) => a.iter().filter(JsValue::is_object).map(Json).collect(),
            _ => Vec::new(),
        }
    }

    /// The array-of-texts field `name`: empty when it is missing, `None` when it is not an
    /// array of texts.
    pub fn texts(&self, name: &str) -> Option<Vec<String>> {
        match self.array(name) {
            None => Some(Vec::new()),
            Some(Ok(a)) => a.iter().map(|v| v.as_string()).collect(),
            Some(Err(())) => None,
        }
    }
}

/// A request body: a wire type whose fields are all texts.
pub trait ToJson {
    /// The fields that are present, with their values.
    fn fields(&self) -> Vec<(&'static str, &str)>;

    /// The JSON text of the request.
    fn to_json(&self) -> String {
        json_text(&self.fields())
    }
}

/// A passkey ceremony the key server began: its id, and the `publicKey` member of its WebAuthn
/// options in WebAuthn's JSON form (what `PublicKeyCredential.parse…FromJSON` takes).
#[derive(Debug, Clone)]
pub struct Ceremony {
    /// The ceremony's id, sent back with the device's answer.
    pub ceremony: String,
    /// The options' `publicKey` member.
    pub public_key: JsValue,
}

/// The [`Ceremony`] of a `{"ceremony", "options": {"publicKey"}}` answer.
fn ceremony(status: u16, text: &str) -> Result<Ceremony, ApiError> {
    if !(200..300).contains(&status) {
        return Err(problem(status, text));
    }
    Json::parse(text)
        .and_then(|j| {
            Some(Ceremony {
                ceremony: j.text("ceremony")?,
                public_key: j.object("options")?.value("publicKey")?,
            })
        })
        .ok_or(ApiError::Unexpected { status })
}

/// `{"public_key", "ceremony", "credential"}`, the body that ends a passkey ceremony.
fn with_credential(public_key: &str, ceremony: &str, credential: &JsValue) -> String {
    let object = Object::new();
    let _ = Reflect::set(&object, &"public_key".into(), &public_key.into());
    let _ = Reflect::set(&object, &"ceremony".into(), &ceremony.into());
    let _ = Reflect::set(&object, &"credential".into(), credential);
    js_sys::JSON::stringify(&object)
        .map(String::from)
        .unwrap_or_default()
}

/// A JSON object of text fields, written by the browser's `JSON.stringify` (one copy of the
/// writing code for every request type).
pub fn json_text(fields: &[(&str, &str)]) -> String {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    js_sys::JSON::stringify(&object)
        .map(String::from)
        .unwrap_or_default()
}

impl ToJson for PasscodeRequest {
    fn fields(&self) -> Vec<(&'static str, &str)> {
        let mut fields = vec![
            ("recipient", &*self.recipient),
            ("public_key", &*self.public_key),
        ];
        if let Some(lang) = &self.lang {
            fields.push(("lang", lang));
        }
        fields
    }
}

impl ToJson for VerifyRequest {
    fn fields(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("recipient", &self.recipient),
            ("public_key", &self.public_key),
            ("passcode", &self.passcode),
        ]
    }
}

impl ToJson for ReleaseRequest {
    fn fields(&self) -> Vec<(&'static str, &str)> {
        vec![("public_key", &self.public_key)]
    }
}

impl ToJson for SignInRequest {
    fn fields(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("provider", &self.provider),
            ("id_token", &self.id_token),
            ("public_key", &self.public_key),
            ("nonce_salt", &self.nonce_salt),
        ]
    }
}

/// A wire type read from a JSON answer.
pub trait FromJson: Sized {
    /// The value, if the object holds every field it needs.
    fn from_json(json: &Json) -> Option<Self>;
}

impl FromJson for PasscodeSent {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            reference: j.text("reference")?,
            expires_in: j.number("expires_in", u64::MAX)?,
            resend_after: j.number("resend_after", u64::MAX)?,
        })
    }
}

impl FromJson for TokenResponse {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            token: j.text("token")?,
            expires_in: j.number("expires_in", u64::MAX)?,
        })
    }
}

impl FromJson for ReleaseResponse {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            release: j.text("release")?,
        })
    }
}

impl FromJson for MessageSender {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            organisation: j.text("organisation")?,
            from: j.text("from"),
            passkeys: j.texts("passkeys").unwrap_or_default(),
        })
    }
}

impl FromJson for PasskeyAdded {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            credential_id: j.text("credential_id")?,
            recipient: j.text("recipient")?,
        })
    }
}

impl FromJson for PasskeyVerified {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            token: j.text("token")?,
            expires_in: j.number("expires_in", u64::MAX)?,
            recipient: j.text("recipient")?,
            credential_id: j.text("credential_id")?,
        })
    }
}

impl FromJson for SignedIn {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            token: j.text("token")?,
            expires_in: j.number("expires_in", u64::MAX)?,
            recipient: j.text("recipient")?,
        })
    }
}

impl FromJson for SignInProvider {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            id: j.text("id")?,
            name: j.text("name")?,
            kind: j.text("kind")?,
            issuer: j.text("issuer")?,
            client_id: j.text("client_id")?,
            authorization_endpoint: j.text("authorization_endpoint")?,
            token_endpoint: j.text("token_endpoint")?,
            scopes: j.text("scopes")?,
            public_client_secret: j.text("public_client_secret"),
        })
    }
}

impl FromJson for Problem {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self {
            kind: j.text("type")?,
            title: j.text("title")?,
            status: j.number("status", u16::MAX.into())? as u16,
            detail: j.text("detail"),
            tries_left: j.number("tries_left", u8::MAX.into()).map(|n| n as u8),
            retry_after: j.number("retry_after", u64::MAX),
            signed_in_as: j.text("signed_in_as"),
        })
    }
}

/// The [`Settings`] in a [`waxseal_api::PublicConfig`] answer; provider entries that lack a
/// field are left out.
pub fn read_settings(text: &str) -> Settings {
    Json::parse(text)
        .map(|config| Settings {
            providers: config
                .objects("providers")
                .iter()
                .filter_map(SignInProvider::from_json)
                .collect(),
            reply_max_bytes: config.number("reply_max_bytes", 1 << 40),
            passkeys: config.object("passkeys").and_then(|p| {
                Some(PasskeySettings {
                    rp_id: p.text("rp_id")?,
                    origin: p.text("origin")?,
                })
            }),
            usage_reports: config.flag("usage_reports").unwrap_or(false),
        })
        .unwrap_or_default()
}

impl FromJson for ReplySent {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Self { to: j.text("to")? })
    }
}

/// A request without cookies or cache, across origins. (No referrer either: the viewer's page and
/// every `message.html` set the `no-referrer` policy.)
pub fn request_init(method: &str) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init
}

/// `POST`s a form (`application/x-www-form-urlencoded`) to `url`, with no cookies and no
/// referrer; the status and text of the answer, or `None` when there is none.
pub async fn post_form(url: &str, body: &str) -> Option<(u16, String)> {
    post(
        url,
        "application/x-www-form-urlencoded",
        None,
        &JsValue::from_str(body),
    )
    .await
}

/// `POST`s `body` as `content_type` to `url`, with a bearer token when there is one, no cookies
/// and no referrer; the status and text of the answer, or `None` when there is none. Every
/// `POST` the viewer makes goes through here.
async fn post(
    url: &str,
    content_type: &str,
    bearer: Option<&str>,
    body: &JsValue,
) -> Option<(u16, String)> {
    let headers = Headers::new().ok()?;
    headers.set("content-type", content_type).ok()?;
    if let Some(token) = bearer {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .ok()?;
    }
    let init = request_init("POST");
    init.set_headers(&headers);
    init.set_body(body);
    fetch_text(url, &init).await
}

/// Fetches `url` and reads the whole answer as text; `None` when there is no answer.
pub async fn fetch_text(url: &str, init: &RequestInit) -> Option<(u16, String)> {
    let window = web_sys::window()?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let status = response.status();
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    Some((status, text))
}

/// Reads an answer: the expected type on success, else the problem it carries.
pub fn interpret<T: FromJson>(status: u16, body: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        return Json::parse(body)
            .as_ref()
            .and_then(T::from_json)
            .ok_or(ApiError::Unexpected { status });
    }
    Err(problem(status, body))
}

/// The error an answer that is not a success carries: its problem, if it is one.
pub fn problem(status: u16, body: &str) -> ApiError {
    match Json::parse(body).as_ref().and_then(Problem::from_json) {
        Some(problem) if problem.kind.starts_with("urn:waxseal:problem:") => {
            ApiError::Problem(problem)
        }
        _ => ApiError::Unexpected { status },
    }
}

// Answers are read by the browser's JSON parser: these tests run in the browser only.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use waxseal_api::PublicConfig;

    use super::*;

    #[test]
    fn a_success_is_read_as_the_expected_type() {
        let sent: PasscodeSent = interpret(
            200,
            r#"{"reference":"K7Q-M2X","expires_in":600,"resend_after":60,"new_field":1}"#,
        )
        .unwrap();
        assert_eq!(sent.reference, "K7Q-M2X");
        assert_eq!(sent.expires_in, 600);
        assert_eq!(sent.resend_after, 60);
    }

    #[test]
    fn a_problem_keeps_its_type_and_numbers() {
        let err = interpret::<TokenResponse>(
            400,
            r#"{"type":"urn:waxseal:problem:wrong-passcode","title":"The passcode is wrong","status":400,"detail":"4 tries left.","tries_left":4}"#,
        )
        .unwrap_err();
        assert_eq!(err.problem_name(), Some("wrong-passcode"));
        let ApiError::Problem(p) = err else {
            panic!("not a problem")
        };
        assert_eq!(p.tries_left, Some(4));
        assert_eq!(p.status, 400);
        assert_eq!(p.signed_in_as, None);
    }

    #[test]
    fn anything_else_is_unexpected() {
        assert_eq!(
            interpret::<TokenResponse>(502, "<html>Bad gateway</html>").unwrap_err(),
            ApiError::Unexpected { status: 502 }
        );
        assert_eq!(
            interpret::<TokenResponse>(200, r#"{"token":1}"#).unwrap_err(),
            ApiError::Unexpected { status: 200 }
        );
        assert_eq!(
            interpret::<TokenResponse>(200, r#"{"token":"t","expires_in":-1}"#).unwrap_err(),
            ApiError::Unexpected { status: 200 }
        );
        assert_eq!(
            interpret::<TokenResponse>(200, r#"[{"token":"t","expires_in":1}]"#).unwrap_err(),
            ApiError::Unexpected { status: 200 }
        );
        // A JSON error from something that is not a waxseal key server.
        assert_eq!(
            interpret::<TokenResponse>(
                404,
                r#"{"type":"about:blank","title":"Not Found","status":404}"#
            )
            .unwrap_err(),
            ApiError::Unexpected { status: 404 }
        );
    }

    /// Reading agrees with the shared wire types as the key server writes them (with `serde`).
    #[test]
    fn what_the_key_server_writes_is_read_back_unchanged() {
        let sent = PasscodeSent {
            reference: "K7Q-M2X".into(),
            expires_in: 600,
            resend_after: 60,
        };
        let json = serde_json::to_string(&sent).unwrap();
        assert_eq!(interpret::<PasscodeSent>(200, &json), Ok(sent));
        let token = TokenResponse {
            token: "wxt_abc".into(),
            expires_in: 300,
        };
        let json = serde_json::to_string(&token).unwrap();
        assert_eq!(interpret::<TokenResponse>(200, &json), Ok(token));
        let release = ReleaseResponse {
            release: "AAAA".into(),
        };
        let json = serde_json::to_string(&release).unwrap();
        assert_eq!(interpret::<ReleaseResponse>(200, &json), Ok(release));
        let signed = SignedIn {
            token: "wxt_def".into(),
            expires_in: 300,
            recipient: "alice@example.com".into(),
        };
        let json = serde_json::to_string(&signed).unwrap();
        assert_eq!(interpret::<SignedIn>(200, &json), Ok(signed));

        let problem = Problem {
            kind: "urn:waxseal:problem:wrong-account".into(),
            title: "Not a recipient".into(),
            status: 403,
            detail: Some("You signed in as carol@example.org.".into()),
            tries_left: None,
            retry_after: Some(30),
            signed_in_as: Some("carol@example.org".into()),
        };
        let json = serde_json::to_string(&problem).unwrap();
        assert_eq!(
            interpret::<SignedIn>(403, &json),
            Err(ApiError::Problem(problem))
        );

        let provider = |id: &str, secret: Option<&str>| SignInProvider {
            id: id.into(),
            name: "Test ID".into(),
            kind: "oidc".into(),
            issuer: "https://id.example.com".into(),
            client_id: "waxseal-viewer".into(),
            authorization_endpoint: "https://id.example.com/auth".into(),
            token_endpoint: "https://id.example.com/token".into(),
            scopes: "openid email profile".into(),
            public_client_secret: secret.map(str::to_owned),
        };
        let config = PublicConfig {
            methods: vec!["passcode".into(), "test".into(), "google".into()],
            passcode_length: 8,
            passcode_lifetime: 600,
            passcode_max_tries: 5,
            resend_after: 60,
            providers: vec![provider("test", None), provider("google", Some("GOCSPX-x"))],
            reply_max_bytes: Some(25 << 20),
            passkeys: Some(PasskeySettings {
                rp_id: "mail.example.com".into(),
                origin: "https://mail.example.com".into(),
            }),
            usage_reports: true,
            operator: None,
        };
        let json = serde_json::to_string(&config).unwrap();
        let settings = read_settings(&json);
        assert!(settings.usage_reports);
        assert_eq!(settings.providers, config.providers);
        assert_eq!(settings.reply_max_bytes, Some(25 << 20));
        assert_eq!(settings.passkeys, config.passkeys);
        let without = PublicConfig {
            reply_max_bytes: None,
            passkeys: None,
            ..config
        };
        let json = serde_json::to_string(&without).unwrap();
        assert_eq!(read_settings(&json).reply_max_bytes, None);
        assert_eq!(read_settings(&json).passkeys, None);
        assert!(!read_settings(r#"{"methods":[]}"#).usage_reports);
    }

    /// The passkey requests written by field are what the key server reads.
    #[test]
    fn passkey_requests_are_what_the_key_server_reads() {
        let start = PasskeyStart {
            public_key: "cHVi".into(),
        };
        let json = json_text(&[("public_key", &start.public_key)]);
        assert_eq!(serde_json::from_str::<PasskeyStart>(&json).unwrap(), start);
        let forget = PasskeyForget {
            public_key: "cHVi".into(),
            credential_id: "Y3JlZA".into(),
        };
        let json = json_text(&[
            ("public_key", &forget.public_key),
            ("credential_id", &forget.credential_id),
        ]);
        assert_eq!(
            serde_json::from_str::<PasskeyForget>(&json).unwrap(),
            forget
        );
        let sender = MessageSender {
            organisation: "Acme Bank".into(),
            from: None,
            passkeys: vec!["bob@example.net".into()],
        };
        let json = serde_json::to_string(&sender).unwrap();
        assert_eq!(
            MessageSender::from_json(&Json::parse(&json).unwrap()),
            Some(sender)
        );
    }

    /// Requests are written as the key server (with `serde`, unknown fields refused) reads them.
    #[test]
    fn requests_are_what_the_key_server_reads() {
        let passcode = PasscodeRequest {
            recipient: "alice@example.com".into(),
            public_key: "cHVi".into(),
            lang: Some("da,en".into()),
        };
        assert_eq!(
            serde_json::from_str::<PasscodeRequest>(&passcode.to_json()).unwrap(),
            passcode
        );
        let no_lang = PasscodeRequest {
            lang: None,
            ..passcode
        };
        assert_eq!(
            serde_json::from_str::<PasscodeRequest>(&no_lang.to_json()).unwrap(),
            no_lang
        );
        let verify = VerifyRequest {
            recipient: "\"quoted\" <a@example.com>\n".into(),
            public_key: "cHVi".into(),
            passcode: "1234 5678".into(),
        };
        assert_eq!(
            serde_json::from_str::<VerifyRequest>(&verify.to_json()).unwrap(),
            verify
        );
        let release = ReleaseRequest {
            public_key: "cHVi".into(),
        };
        assert_eq!(
            serde_json::from_str::<ReleaseRequest>(&release.to_json()).unwrap(),
            release
        );
        let sign_in = SignInRequest {
            provider: "test".into(),
            id_token: "h.p.s".into(),
            public_key: "cHVi".into(),
            nonce_salt: "c2FsdA".into(),
        };
        assert_eq!(
            serde_json::from_str::<SignInRequest>(&sign_in.to_json()).unwrap(),
            sign_in
        );
    }

    #[test]
    fn providers_that_lack_a_field_are_left_out() {
        let read_providers = |text: &str| read_settings(text).providers;
        assert_eq!(read_providers(r#"{"methods":["passcode"]}"#), vec![]);
        assert_eq!(read_providers(r#"{"providers":{}}"#), vec![]);
        assert_eq!(read_providers("<html>"), vec![]);
        assert_eq!(
            read_settings(r#"{"reply_max_bytes":"25 MiB"}"#).reply_max_bytes,
            None
        );
        let listed = read_providers(
            r#"{"providers":[{"id":"a","name":"A","kind":"oidc","issuer":"https://a","client_id":"c","authorization_endpoint":"https://a/auth","token_endpoint":"https://a/token","scopes":"openid"},{"id":"b","name":"B"},7]}"#,
        );
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, "a");
        assert_eq!(listed[0].public_client_secret, None);
    }
}

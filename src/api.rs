//! A typed client of the key server's recipient API (`docs/api.md`), over the browser's `fetch`.
//!
//! Requests carry no cookies and no referrer; the only credential is the release token, sent as a
//! bearer token and held by the caller in memory.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_api::{
    PasscodeRequest, PasscodeSent, Problem, ReleaseRequest, ReleaseResponse, TokenResponse,
    VerifyRequest,
};
use waxseal_envelope::MessageId;
use web_sys::{Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response};

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

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).expect("request types serialise");
        let headers = Headers::new().map_err(|_| ApiError::Unreachable)?;
        headers
            .set("content-type", "application/json")
            .map_err(|_| ApiError::Unreachable)?;
        if let Some(token) = bearer {
            headers
                .set("authorization", &format!("Bearer {token}"))
                .map_err(|_| ApiError::Unreachable)?;
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&json));
        init.set_mode(RequestMode::Cors);
        init.set_credentials(RequestCredentials::Omit);
        init.set_cache(RequestCache::NoStore);
        let (status, text) = fetch_text(&format!("{}{path}", self.origin), &init)
            .await
            .ok_or(ApiError::Unreachable)?;
        interpret(status, &text)
    }
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
pub fn interpret<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body).map_err(|_| ApiError::Unexpected { status });
    }
    match serde_json::from_str::<Problem>(body) {
        Ok(problem) if problem.kind.starts_with("urn:waxseal:problem:") => {
            Err(ApiError::Problem(problem))
        }
        _ => Err(ApiError::Unexpected { status }),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

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
}

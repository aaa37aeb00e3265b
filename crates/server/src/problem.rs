//! RFC 9457 problem details for every error, and the extractors whose rejections use them.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use waxseal_api::{Problem, problem_type};

/// Media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered as problem+json. `Internal` errors are logged; their body says nothing.
#[derive(Debug)]
pub enum ApiError {
    /// A problem the client can act on.
    Problem(Box<Problem>),
    /// Something failed inside the server; the text is logged, never sent.
    Internal(String),
}

/// The kinds of problem: name (the end of the `type` URI), status and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Kind {
    MalformedRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    RouteNotFound,
    MethodNotAllowed,
    Unauthorized,
    InvalidRequest,
    KeyServerMismatch,
    UnknownMessage,
    Conflict,
    Expired,
    Revoked,
    OpenLimitReached,
    WrongRecipient,
    Throttled,
    NoPasscode,
    WrongPasscode,
    PasscodeExpired,
    PasscodeUsed,
    TooManyTries,
    KeyMismatch,
    TokenInvalid,
    TokenExpired,
    MailUnavailable,
    SignInInvalid,
    SignInExpired,
    SignInReplayed,
    EmailUnverified,
    WrongAccount,
    DomainNotAllowed,
    ProviderUnavailable,
    PasscodesExhausted,
    SendingDomainNotVerified,
    RepliesNotAccepted,
    ReplyLimitReached,
    ReplyTooLarge,
    ReplyRefused,
    ReplyInvalid,
    PasskeysOff,
    NoPasskey,
    PasskeyReplayed,
    PasskeyExpired,
    PasskeyRefused,
    PasskeyCloned,
    PasskeyExists,
    UsageOff,
    Internal,
}

impl Kind {
    /// The stable name in `urn:waxseal:problem:<name>`, the status and the title.
    pub fn describe(self) -> (&'static str, StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Kind::MalformedRequest => (
                "malformed-request",
                S::BAD_REQUEST,
                "The request body is not valid",
            ),
            Kind::UnsupportedMediaType => (
                "unsupported-media-type",
                S::UNSUPPORTED_MEDIA_TYPE,
                "The request body must be JSON",
            ),
            Kind::PayloadTooLarge => (
                "payload-too-large",
                S::PAYLOAD_TOO_LARGE,
                "The request body is too large",
            ),
            Kind::RouteNotFound => (
                "route-not-found",
                S::NOT_FOUND,
                "There is nothing at this address",
            ),
            Kind::MethodNotAllowed => (
                "method-not-allowed",
                S::METHOD_NOT_ALLOWED,
                "This method is not allowed here",
            ),
            Kind::Unauthorized => (
                "unauthorized",
                S::UNAUTHORIZED,
                "A valid sender API key is required",
            ),
            Kind::InvalidRequest => (
                "invalid-request",
                S::BAD_REQUEST,
                "A field of the request is not valid",
            ),
            Kind::KeyServerMismatch => (
                "key-server-mismatch",
                S::BAD_REQUEST,
                "The message names another key server",
            ),
            Kind::UnknownMessage => (
                "unknown-message",
                S::NOT_FOUND,
                "This key server does not know the message",
            ),
            Kind::Conflict => (
                "conflict",
                S::CONFLICT,
                "A different message with this id is already registered",
            ),
            Kind::Expired => ("expired", S::GONE, "The message has expired"),
            Kind::Revoked => ("revoked", S::GONE, "The message was revoked by the sender"),
            Kind::OpenLimitReached => (
                "open-limit-reached",
                S::GONE,
                "The message was opened as many times as the sender allowed",
            ),
            Kind::WrongRecipient => (
                "wrong-recipient",
                S::FORBIDDEN,
                "The address is not a recipient of this message",
            ),
            Kind::Throttled => ("throttled", S::TOO_MANY_REQUESTS, "Too many requests"),
            Kind::NoPasscode => (
                "no-passcode",
                S::BAD_REQUEST,
                "No passcode was requested for this address",
            ),
            Kind::WrongPasscode => ("wrong-passcode", S::BAD_REQUEST, "The passcode is wrong"),
            Kind::PasscodeExpired => (
                "passcode-expired",
                S::BAD_REQUEST,
                "The passcode has expired",
            ),
            Kind::PasscodeUsed => (
                "passcode-used",
                S::BAD_REQUEST,
                "The passcode was already used",
            ),
            Kind::TooManyTries => ("too-many-tries", S::BAD_REQUEST, "Too many wrong passcodes"),
            Kind::KeyMismatch => (
                "key-mismatch",
                S::FORBIDDEN,
                "This was requested from another browser tab",
            ),
            Kind::TokenInvalid => ("token-invalid", S::UNAUTHORIZED, "The token is not valid"),
            Kind::TokenExpired => ("token-expired", S::UNAUTHORIZED, "The token has expired"),
            Kind::MailUnavailable => (
                "mail-unavailable",
                S::SERVICE_UNAVAILABLE,
                "The passcode e-mail could not be sent",
            ),
            Kind::SignInInvalid => (
                "sign-in-invalid",
                S::UNAUTHORIZED,
                "The sign-in could not be verified",
            ),
            Kind::SignInExpired => (
                "sign-in-expired",
                S::UNAUTHORIZED,
                "The sign-in has expired",
            ),
            Kind::SignInReplayed => (
                "sign-in-replayed",
                S::UNAUTHORIZED,
                "This sign-in was already used",
            ),
            Kind::EmailUnverified => (
                "email-unverified",
                S::FORBIDDEN,
                "The provider did not verify the account's e-mail address",
            ),
            Kind::WrongAccount => (
                "wrong-account",
                S::FORBIDDEN,
                "The signed-in account is not a recipient of this message",
            ),
            Kind::DomainNotAllowed => (
                "domain-not-allowed",
                S::FORBIDDEN,
                "This provider may not sign in addresses of this domain",
            ),
            Kind::ProviderUnavailable => (
                "provider-unavailable",
                S::BAD_GATEWAY,
                "The sign-in provider could not be reached",
            ),
            Kind::PasscodesExhausted => (
                "passcodes-exhausted",
                S::FORBIDDEN,
                "The message accepts no more passcodes",
            ),
            Kind::SendingDomainNotVerified => (
                "sending-domain-not-verified",
                S::FORBIDDEN,
                "The sender address is outside the organisation's verified sending domains",
            ),
            Kind::RepliesNotAccepted => (
                "replies-not-accepted",
                S::CONFLICT,
                "The message takes no secure reply",
            ),
            Kind::ReplyLimitReached => (
                "reply-limit-reached",
                S::TOO_MANY_REQUESTS,
                "No more replies to this message",
            ),
            Kind::ReplyTooLarge => (
                "reply-too-large",
                S::PAYLOAD_TOO_LARGE,
                "The reply is too large",
            ),
            Kind::ReplyRefused => (
                "reply-refused",
                S::UNPROCESSABLE_ENTITY,
                "The organisation's mail server refused the reply",
            ),
            Kind::ReplyInvalid => (
                "reply-invalid",
                S::BAD_REQUEST,
                "The reply is not a sealed reply to this message",
            ),
            Kind::PasskeysOff => (
                "passkeys-off",
                S::NOT_FOUND,
                "This key server does not offer passkeys",
            ),
            Kind::NoPasskey => (
                "no-passkey",
                S::NOT_FOUND,
                "This address has no passkey at this key server",
            ),
            Kind::PasskeyReplayed => (
                "passkey-replayed",
                S::CONFLICT,
                "This passkey request was already used",
            ),
            Kind::PasskeyExpired => (
                "passkey-expired",
                S::GONE,
                "This passkey request has expired",
            ),
            Kind::PasskeyRefused => (
                "passkey-refused",
                S::FORBIDDEN,
                "The passkey did not prove the address",
            ),
            Kind::PasskeyCloned => (
                "passkey-cloned",
                S::FORBIDDEN,
                "The passkey's signature counter went back: it may have been copied",
            ),
            Kind::PasskeyExists => (
                "passkey-exists",
                S::CONFLICT,
                "This passkey is registered already",
            ),
            Kind::UsageOff => (
                "usage-off",
                S::NOT_FOUND,
                "This key server collects no usage reports",
            ),
            Kind::Internal => (
                "internal",
                S::INTERNAL_SERVER_ERROR,
                "The key server failed",
            ),
        }
    }
}

impl ApiError {
    /// A problem of `kind` with a detail saying what happened and what to do.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        let (name, status, title) = kind.describe();
        Self::Problem(Box::new(Problem {
            kind: problem_type(name),
            title: title.into(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            tries_left: None,
            retry_after: None,
            signed_in_as: None,
        }))
    }

    /// Adds the address of the account that signed in.
    pub fn with_signed_in_as(mut self, address: Option<String>) -> Self {
        if let Self::Problem(p) = &mut self {
            p.signed_in_as = address;
        }
        self
    }

    /// Adds the tries left on a passcode.
    pub fn with_tries_left(mut self, n: u8) -> Self {
        if let Self::Problem(p) = &mut self {
            p.tries_left = Some(n);
        }
        self
    }

    /// Adds seconds until a retry can succeed (also sent as `Retry-After`).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        if let Self::Problem(p) = &mut self {
            p.retry_after = Some(seconds);
        }
        self
    }
}

impl<E: std::error::Error> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The problem+json response for a problem.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (
        status,
        serde_json::to_string(problem).expect("problems serialise"),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(secs) = problem.retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(name) = problem.kind.strip_prefix(waxseal_api::PROBLEM_PREFIX) {
        res.extensions_mut()
            .insert(crate::metrics::ProblemName(name.to_owned()));
    }
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Problem(p) => problem_response(&p),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                let ApiError::Problem(p) = ApiError::new(
                    Kind::Internal,
                    "Something failed on the key server. Try again later; if it keeps failing, tell the sender.",
                ) else {
                    unreachable!()
                };
                problem_response(&p)
            }
        }
    }
}

/// A JSON body whose every rejection is a problem: wrong content type (415), too large (413),
/// not JSON or not the expected shape (400, saying which field).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    Kind::UnsupportedMediaType,
                    "Send the body as JSON with Content-Type: application/json.",
                ),
                JsonRejection::JsonSyntaxError(_) => ApiError::new(
                    Kind::MalformedRequest,
                    "The request body is not valid JSON.",
                ),
                JsonRejection::JsonDataError(e) => ApiError::new(
                    Kind::MalformedRequest,
                    format!(
                        "The request body does not have the expected fields: {}",
                        e.body_text()
                    ),
                ),
                r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    Kind::PayloadTooLarge,
                    "The request body is larger than this API accepts (64 KiB).",
                ),
                r => ApiError::new(Kind::MalformedRequest, r.body_text()),
            }),
        }
    }
}

/// Turns any error response that is not already problem+json (unknown route, wrong method, a
/// body limit hit inside a layer) into one.
pub async fn ensure_problem(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return res;
    }
    let (kind, detail) = match status {
        StatusCode::NOT_FOUND => (
            Kind::RouteNotFound,
            "No API route has this path; see /openapi.json.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            Kind::MethodNotAllowed,
            "This route does not accept this method; see /openapi.json.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            Kind::PayloadTooLarge,
            "The request body is larger than this API accepts (64 KiB).",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            Kind::UnsupportedMediaType,
            "Send the body as JSON with Content-Type: application/json.",
        ),
        s if s.is_server_error() => (
            Kind::Internal,
            "Something failed on the key server. Try again later.",
        ),
        _ => (
            Kind::MalformedRequest,
            "The request could not be understood.",
        ),
    };
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut out = ApiError::new(kind, detail).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

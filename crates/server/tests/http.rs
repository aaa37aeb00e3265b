//! HTTP hygiene: problem+json for every error, body limit, unknown routes and methods, security
//! headers, CORS, health, and the OpenAPI document.

mod common;

use common::*;
use serde_json::{Value, json};

async fn raw(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = s
        .http
        .request(method, format!("{}{path}", s.url))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn every_error_is_problem_json_with_a_stable_type() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let id = waxseal_envelope::MessageId::generate();
    let passcode = format!("/v1/messages/{id}/passcode");
    // (method, path, content type, body, expected status, expected problem)
    type Case<'a> = (
        reqwest::Method,
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        u16,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            reqwest::Method::POST,
            &passcode,
            Some("application/json"),
            b"{not json".to_vec(),
            400,
            "malformed-request",
        ),
        (
            reqwest::Method::POST,
            &passcode,
            Some("application/json"),
            br#"{"recipient": 5, "public_key": "x"}"#.to_vec(),
            400,
            "malformed-request",
        ),
        (
            reqwest::Method::POST,
            &passcode,
            Some("text/plain"),
            b"{}".to_vec(),
            415,
            "unsupported-media-type",
        ),
        (
            reqwest::Method::POST,
            &passcode,
            Some("application/json"),
            vec![b' '; 70_000],
            413,
            "payload-too-large",
        ),
        (
            reqwest::Method::GET,
            "/v2/nothing",
            None,
            vec![],
            404,
            "route-not-found",
        ),
        (
            reqwest::Method::DELETE,
            "/v1/messages",
            None,
            vec![],
            405,
            "method-not-allowed",
        ),
        (
            reqwest::Method::GET,
            &passcode,
            None,
            vec![],
            405,
            "method-not-allowed",
        ),
    ];
    for (method, path, ct, body, status, kind) in cases {
        let (got, headers, p) = raw(&s, method.clone(), path, ct, body).await;
        assert_eq!(got, status, "{method} {path}: {p}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{method} {path}"
        );
        assert_eq!(
            p["type"],
            format!("urn:waxseal:problem:{kind}"),
            "{method} {path}: {p}"
        );
        assert_eq!(p["status"], status);
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let (_, _, p) = raw(
        &s,
        reqwest::Method::POST,
        &passcode,
        Some("application/json"),
        br#"{"recipient": 5, "public_key": "x"}"#.to_vec(),
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("recipient"),
        "names the field: {p}"
    );
    let (_, headers, _) = raw(&s, reqwest::Method::DELETE, "/v1/messages", None, vec![]).await;
    assert_eq!(headers["allow"], "POST");
}

#[tokio::test]
async fn responses_carry_security_headers_and_open_cors_without_credentials() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let res = s
        .http
        .get(format!("{}/v1/config", s.url))
        .header("origin", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(h.get("access-control-allow-credentials").is_none());
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("set-cookie").is_none());
    assert_eq!(h["access-control-expose-headers"], "retry-after");
    let config: Value = res.json().await.unwrap();
    assert_eq!(
        config,
        json!({"methods": ["passcode"], "passcode_length": 8, "passcode_lifetime": 600, "passcode_max_tries": 5, "resend_after": 60, "providers": [], "reply_max_bytes": 26_214_400, "usage_reports": true})
    );

    // A browser's preflight from a file:// page (origin "null").
    let pre = s
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/messages/x/release", s.url),
        )
        .header("origin", "null")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success(), "{}", pre.status());
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    let allowed = pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    // The preflight answer carries the security headers too.
    let h = pre.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn health_and_openapi_are_served() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (status, body) = s.get("/healthz", None).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));
    let (status, doc) = s.get("/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(waxseal_server::OPENAPI).unwrap()
    );
}

//! Regression tests of the security review's server items, each failing on the code before its
//! fix: the guessing budget of a message (and guesses counted atomically), the client address
//! behind trusted proxies, one passcode mail for parallel requests, the API key checked before
//! the body, and sending domains per organisation.

mod common;

use common::*;
use futures::future::join_all;
use serde_json::json;
use waxseal_envelope::{MessageId, ServerShare};

const BOB: &str = "bob@example.net";
const CAROL: &str = "carol@example.org";
const DAVE: &str = "dave@example.org";

/// A wrong passcode for `right` (same length, another value).
fn wrong(right: &str) -> String {
    let first = if right.starts_with('1') { '2' } else { '1' };
    format!("{first}{}", &right[1..])
}

fn kinds(status: &serde_json::Value) -> Vec<String> {
    status["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_message_accepts_a_fixed_number_of_wrong_passcodes_over_its_life() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(
        &smtp,
        Options {
            passcode: "max_wrong_per_message = 8".into(),
            ..Options::default()
        },
    )
    .await;
    let (id, _) = s.register(&[BOB, CAROL, DAVE], None).await;
    // Bob spends one passcode (5 wrong tries), then Carol 3 more: 8 in all.
    let bob = Tab::new();
    assert_eq!(bob.request_passcode(&s, &id, BOB).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    for left in (0..5).rev() {
        let (status, p) = bob.verify(&s, &id, BOB, &wrong(&code)).await;
        assert_eq!((status, problem_type(&p)), (400, "wrong-passcode"), "{p}");
        assert_eq!(p["tries_left"], left);
    }
    let carol = Tab::new();
    assert_eq!(carol.request_passcode(&s, &id, CAROL).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    for _ in 0..2 {
        let (status, p) = carol.verify(&s, &id, CAROL, &wrong(&code)).await;
        assert_eq!((status, problem_type(&p)), (400, "wrong-passcode"), "{p}");
    }
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(
        (st["wrong_passcodes"].clone(), st["passcode_budget"].clone()),
        (json!(7), json!(8))
    );
    // The eighth spends the budget: said at once, and recorded once.
    let (status, p) = carol.verify(&s, &id, CAROL, &wrong(&code)).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "passcodes-exhausted"),
        "{p}"
    );
    assert_eq!(p["tries_left"], 0);
    // Now even the right passcode of a live code is refused, and no new passcode is sent.
    let (status, p) = carol.verify(&s, &id, CAROL, &code).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "passcodes-exhausted"),
        "{p}"
    );
    let dave = Tab::new();
    let (status, p) = dave.request_passcode(&s, &id, DAVE).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "passcodes-exhausted"),
        "{p}"
    );
    assert!(smtp.no_more_mail());
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(st["wrong_passcodes"], 8);
    let events = kinds(&st);
    assert_eq!(events.iter().filter(|k| *k == "wrong_passcode").count(), 8);
    assert_eq!(
        events
            .iter()
            .filter(|k| *k == "passcodes_exhausted")
            .count(),
        1
    );
    assert_eq!(events.last().unwrap(), "passcodes_exhausted");
    // Other messages are not affected.
    let (other, _) = s.register(&[DAVE], None).await;
    assert_eq!(dave.request_passcode(&s, &other, DAVE).await.0, 200);
}

#[tokio::test]
async fn parallel_guesses_never_exceed_the_tries_of_a_passcode() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let guess = wrong(&code);
    let answers = join_all((0..30).map(|_| tab.verify(&s, &id, BOB, &guess))).await;
    let wrong_answers = answers
        .iter()
        .filter(|(_, p)| problem_type(p) == "wrong-passcode")
        .count();
    let dead = answers
        .iter()
        .filter(|(_, p)| problem_type(p) == "too-many-tries")
        .count();
    assert_eq!((wrong_answers, dead), (5, 25), "{answers:?}");
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(st["wrong_passcodes"], 5);
    // A right guess is not counted against the budget: two wrong, then right.
    let (other, _) = s.register(&[BOB], None).await;
    assert_eq!(tab.request_passcode(&s, &other, BOB).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    for _ in 0..2 {
        assert_eq!(tab.verify(&s, &other, BOB, &wrong(&code)).await.0, 400);
    }
    let (status, v) = tab.verify(&s, &other, BOB, &code).await;
    assert_eq!(status, 200, "{v}");
    let (_, st) = s
        .get(&format!("/v1/messages/{other}"), Some(&s.api_key))
        .await;
    assert_eq!(st["wrong_passcodes"], 2);
    let (status, released) = tab.release(&s, &other, v["token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{released}");
}

#[tokio::test]
async fn parallel_passcode_requests_send_one_mail() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let answers = join_all((0..10).map(|_| tab.request_passcode(&s, &id, BOB))).await;
    let sent = answers.iter().filter(|(status, _)| *status == 200).count();
    let throttled: Vec<_> = answers
        .iter()
        .filter(|(_, p)| problem_type(p) == "throttled")
        .collect();
    assert_eq!((sent, throttled.len()), (1, 9), "{answers:?}");
    // Refused by the resend interval or, once it has counted five, the per-address throttle.
    assert!(
        throttled.iter().all(|(status, _)| *status == 429),
        "{throttled:?}"
    );
    smtp.next_mail();
    assert!(smtp.no_more_mail(), "exactly one passcode mail");
}

#[tokio::test]
async fn the_sender_api_checks_the_key_before_reading_the_body() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let http = reqwest::Client::new();
    for (body, content_type) in [
        ("not json", "application/json"),
        ("{\"id\": 7}", "application/json"),
        ("{}", "text/plain"),
    ] {
        let res = http
            .post(format!("{}/v1/messages", s.url))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{body} as {content_type}");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem_type(&p), "unauthorized");
    }
    // With the key, the body is read and its faults named.
    let res = http
        .post(format!("{}/v1/messages", s.url))
        .bearer_auth(&s.api_key)
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn an_organisation_registers_only_from_its_own_verified_domains() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    // Other Org (other.example) claims Acme Bank's address.
    let id = MessageId::generate();
    let body = register_body(&id, &ServerShare::generate(), &[BOB], None);
    let (status, p) = s
        .post("/v1/messages", Some(&s.other_api_key), body.clone())
        .await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "sending-domain-not-verified"),
        "{p}"
    );
    assert_eq!(
        p["detail"],
        "acme.example is not a verified sending domain of Other Org (verified: other.example). Seal with a From address in one of them, or ask the key server's operator to run `waxseal-server add-domain \"Other Org\" acme.example`."
    );
    // A look-alike subdomain, or an address that is not one, is not the verified domain either.
    for from in [
        "notices@mail.other.example",
        "notices@other.example.evil",
        "other.example",
    ] {
        let mut b = body.clone();
        b["from"] = json!(from);
        let (status, p) = s.post("/v1/messages", Some(&s.other_api_key), b).await;
        assert!(
            matches!(
                problem_type(&p),
                "sending-domain-not-verified" | "invalid-request"
            ),
            "{from}: {status} {p}"
        );
        assert_ne!(status, 201);
    }
    // Acme Bank may; the domain is compared without case, as addresses are normalised.
    let mut b = body.clone();
    b["from"] = json!("Notices@ACME.example");
    let (status, p) = s.post("/v1/messages", Some(&s.api_key), b).await;
    assert_eq!(status, 201, "{p}");
    // Anyone holding the id learns who registered it, and nothing else.
    let (status, who) = s.get(&format!("/v1/messages/{id}/sender"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        who,
        json!({"organisation": "Acme Bank", "from": "Notices@acme.example"})
    );
    let (status, p) = s
        .get(
            &format!("/v1/messages/{}/sender", MessageId::generate()),
            None,
        )
        .await;
    assert_eq!((status, problem_type(&p)), (404, "unknown-message"));
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(
        kinds(&st),
        ["registered"],
        "asking who sent it is not recorded"
    );
}

#[tokio::test]
async fn the_client_address_comes_from_trusted_proxies_only() {
    let smtp = SmtpSink::start();
    let behind_proxy = TestServer::start(
        &smtp,
        Options {
            per_client_per_hour: 2,
            extra: "trusted_proxies = [\"127.0.0.1/32\"]".into(),
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    // Each request is for a fresh message, so only the per-client throttle can apply.
    let ask = async |s: &TestServer, lines: &[&str]| {
        let (id, _) = s.register(&[BOB], None).await;
        let mut req = http
            .post(format!("{}/v1/messages/{id}/passcode", s.url))
            .json(&json!({"recipient": BOB, "public_key": Tab::new().public_key(), "lang": "en"}));
        for line in lines {
            req = req.header("x-forwarded-for", *line);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap();
        (status, problem_type(&body).to_owned())
    };
    // 203.0.113.7 twice, once through a forged first line and a forged left part.
    assert_eq!(ask(&behind_proxy, &["203.0.113.7"]).await.0, 200);
    assert_eq!(
        ask(&behind_proxy, &["198.51.100.1", "10.9.9.9, 203.0.113.7"])
            .await
            .0,
        200
    );
    assert_eq!(
        ask(&behind_proxy, &["203.0.113.7"]).await,
        (429, "throttled".to_owned()),
        "the third request of 203.0.113.7 in an hour"
    );
    // Someone else behind the same proxy is not throttled, whatever 203.0.113.7 did.
    assert_eq!(ask(&behind_proxy, &["203.0.113.8"]).await.0, 200);
    // IPv6 clients share a throttle per /64.
    assert_eq!(ask(&behind_proxy, &["2001:db8:1:2::a"]).await.0, 200);
    assert_eq!(ask(&behind_proxy, &["2001:db8:1:2::b"]).await.0, 200);
    assert_eq!(ask(&behind_proxy, &["2001:db8:1:2:ffff::1"]).await.0, 429);
    assert_eq!(ask(&behind_proxy, &["2001:db8:1:3::1"]).await.0, 200);
    smtp_mails(&smtp, 6);

    // Without trusted proxies, the header is ignored: every request is the peer's.
    let direct = TestServer::start(
        &smtp,
        Options {
            per_client_per_hour: 2,
            ..Options::default()
        },
    )
    .await;
    assert_eq!(ask(&direct, &["203.0.113.1"]).await.0, 200);
    assert_eq!(ask(&direct, &["203.0.113.2"]).await.0, 200);
    assert_eq!(ask(&direct, &["203.0.113.3"]).await.0, 429);
    smtp_mails(&smtp, 2);
    assert!(smtp.no_more_mail());
}

/// Reads `n` mails from the sink.
fn smtp_mails(smtp: &SmtpSink, n: usize) {
    for _ in 0..n {
        smtp.next_mail();
    }
}

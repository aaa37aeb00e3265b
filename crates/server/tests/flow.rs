//! The recipient flow against the real server (port 0, temporary SQLite) and a real SMTP
//! server: passcode → mail → verify → release → HPKE open, and every passcode rule.

mod common;

use common::*;
use serde_json::json;
use waxseal_api::EventKind;

const BOB: &str = "bob@example.net";

#[tokio::test]
async fn the_whole_flow_ends_in_the_registered_share() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, share) = s.register(&[BOB, "carol@example.org"], None).await;

    let tab = Tab::new();
    let (status, sent) = tab.request_passcode(&s, &id, "Bob@EXAMPLE.net").await;
    assert_eq!(status, 403, "the local part is exact: {sent}");
    assert_eq!(problem_type(&sent), "wrong-recipient");

    let (status, sent) = tab.request_passcode(&s, &id, "bob@EXAMPLE.NET").await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["expires_in"], 600);
    assert_eq!(sent["resend_after"], 60);
    let mail = Mail::parse(&smtp.next_mail());
    assert_eq!(mail.to, BOB);
    assert!(mail.subject.contains(sent["reference"].as_str().unwrap()));
    assert!(mail.text.contains("Acme Bank"), "{}", mail.text);
    assert!(mail.html.contains(&format!(
        "{} {}",
        &mail.passcode()[..4],
        &mail.passcode()[4..]
    )));
    assert_eq!(mail.language.as_deref(), Some("en"));

    // Pasted with spaces and a dash.
    let code = mail.passcode();
    let (status, verified) = tab
        .verify(&s, &id, BOB, &format!(" {}-{} ", &code[..4], &code[4..]))
        .await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["expires_in"], 600);
    let token = verified["token"].as_str().unwrap();

    let (status, released) = tab.release(&s, &id, token).await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(tab.open(&released, &id, BOB), share);

    let (status, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(status, 200);
    assert_eq!(st["state"], "active");
    assert_eq!(st["opens"], 1);
    let kinds: Vec<&str> = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["registered", "passcode_sent", "verified", "released"]
    );
    assert_eq!(st["events"][1]["recipient"], BOB);
    // The audit trail holds no secret.
    let text = st.to_string();
    for secret in [code.as_str(), token, &share.to_b64u()] {
        assert!(!text.contains(secret));
    }
    assert!(smtp.no_more_mail());
}

#[tokio::test]
async fn mails_are_localised() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s
        .register(
            &[
                BOB,
                "li@example.cn",
                "ole@example.dk",
                "marie@example.fr",
                "amira@example.eg",
            ],
            None,
        )
        .await;
    for (recipient, lang, tag, phrase) in [
        ("ole@example.dk", "da-DK,da;q=0.9", "da", "engangskode"),
        ("li@example.cn", "zh-CN", "zh-Hans", "验证码"),
        ("marie@example.fr", "fr-FR", "fr", "saisissez ce code"),
        ("amira@example.eg", "ar-EG,ar;q=0.9", "ar", "رمز المرور"),
        (BOB, "sw-KE", "en", "passcode"),
    ] {
        let tab = Tab::new();
        let (status, body) = s
            .post(
                &format!("/v1/messages/{id}/passcode"),
                None,
                json!({"recipient": recipient, "public_key": tab.public_key(), "lang": lang}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let mail = Mail::parse(&smtp.next_mail());
        assert_eq!(mail.language.as_deref(), Some(tag));
        assert!(
            mail.text.to_lowercase().contains(phrase),
            "{lang}: {}",
            mail.text
        );
        assert!(
            mail.html.to_lowercase().contains(phrase),
            "{lang}: html part"
        );
        assert_eq!(mail.reference(), body["reference"].as_str().unwrap());
        assert_eq!(mail.passcode().len(), 8);
    }
}

#[tokio::test]
async fn five_wrong_tries_kill_the_passcode() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for left in (0..5).rev() {
        let (status, body) = tab.verify(&s, &id, BOB, wrong).await;
        assert_eq!(
            (status, problem_type(&body)),
            (400, "wrong-passcode"),
            "{body}"
        );
        assert_eq!(body["tries_left"], left);
    }
    // The sixth try, even with the right code, finds the passcode dead.
    let (status, body) = tab.verify(&s, &id, BOB, &code).await;
    assert_eq!(
        (status, problem_type(&body)),
        (400, "too-many-tries"),
        "{body}"
    );
    assert_eq!(body["tries_left"], 0);
    // Malformed input does not count as a try and says what a passcode looks like.
    let (status, body) = tab.verify(&s, &id, BOB, "12ab").await;
    assert_eq!((status, problem_type(&body)), (400, "invalid-request"));
    assert_eq!(
        body["detail"],
        "The passcode is 8 digits, as in the e-mail."
    );
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    let wrong_events = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "wrong_passcode")
        .count();
    assert_eq!(wrong_events, 5);
}

#[tokio::test]
async fn a_passcode_works_once_and_only_from_its_tab() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let (status, body) = Tab::new().verify(&s, &id, BOB, &code).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "key-mismatch"),
        "{body}"
    );
    assert_eq!(tab.verify(&s, &id, BOB, &code).await.0, 200);
    let (status, body) = tab.verify(&s, &id, BOB, &code).await;
    assert_eq!(
        (status, problem_type(&body)),
        (400, "passcode-used"),
        "{body}"
    );
}

#[tokio::test]
async fn passcodes_expire_and_new_ones_replace_old_ones() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let (status, body) = tab.verify(&s, &id, BOB, "12345678").await;
    assert_eq!((status, problem_type(&body)), (400, "no-passcode"));
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    let first = Mail::parse(&smtp.next_mail()).passcode();
    s.clock.advance(600);
    let (status, body) = tab.verify(&s, &id, BOB, &first).await;
    assert_eq!(
        (status, problem_type(&body)),
        (400, "passcode-expired"),
        "{body}"
    );
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    let second = Mail::parse(&smtp.next_mail()).passcode();
    if first != second {
        let (status, body) = tab.verify(&s, &id, BOB, &first).await;
        assert_eq!(
            (status, problem_type(&body)),
            (400, "wrong-passcode"),
            "the old code no longer works: {body}"
        );
    }
    assert_eq!(tab.verify(&s, &id, BOB, &second).await.0, 200);
}

#[tokio::test]
async fn passcode_requests_are_throttled_per_recipient_and_per_client() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(
        &smtp,
        Options {
            per_client_per_hour: 9,
            ..Options::default()
        },
    )
    .await;
    let (id, _) = s.register(&[BOB, "carol@example.org"], None).await;
    let tab = Tab::new();
    assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
    smtp.next_mail();
    // Resend only after 60 seconds.
    let (status, body) = tab.request_passcode(&s, &id, BOB).await;
    assert_eq!((status, problem_type(&body)), (429, "throttled"), "{body}");
    assert_eq!(body["retry_after"], 60);
    s.clock.advance(59);
    let (_, body) = tab.request_passcode(&s, &id, BOB).await;
    assert_eq!(body["retry_after"], 1);
    s.clock.advance(1);
    // Five per address per hour.
    for _ in 0..4 {
        assert_eq!(tab.request_passcode(&s, &id, BOB).await.0, 200);
        smtp.next_mail();
        s.clock.advance(60);
    }
    let (status, body) = tab.request_passcode(&s, &id, BOB).await;
    assert_eq!((status, problem_type(&body)), (429, "throttled"), "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("for this address")
    );
    // Another recipient is not held back by Bob's limit. The client limit (9/hour) counts every
    // request from this address, refused ones included: Bob's 5 granted and 3 refused make 8,
    // Carol's first is the 9th, her second is over the limit.
    let (status, body) = tab.request_passcode(&s, &id, "carol@example.org").await;
    assert_eq!(status, 200, "{body}");
    smtp.next_mail();
    let (status, body) = tab.request_passcode(&s, &id, "carol@example.org").await;
    assert_eq!((status, problem_type(&body)), (429, "throttled"), "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("from this network"),
        "{body}"
    );
    assert!(smtp.no_more_mail());
}

#[tokio::test]
async fn release_is_bound_to_the_token_key_and_message() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, share) = s.register(&[BOB], None).await;
    let (other, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let token = tab.verified_token(&s, &smtp, &id, BOB).await;
    // Another tab's key: refused, even with the stolen token.
    let (status, body) = Tab::new().release(&s, &id, &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "key-mismatch"),
        "{body}"
    );
    // Another message.
    let (status, body) = tab.release(&s, &other, &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "token-invalid"),
        "{body}"
    );
    let (status, body) = tab.release(&s, &id, "not-a-token").await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "token-invalid"),
        "{body}"
    );
    // The right one, twice (a retry after a lost answer) counts one open.
    let (status, body) = tab.release(&s, &id, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tab.open(&body, &id, BOB), share);
    assert_eq!(tab.release(&s, &id, &token).await.0, 200);
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(st["opens"], 1);
    // Tokens expire.
    s.clock.advance(600);
    let (status, body) = tab.release(&s, &id, &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "token-expired"),
        "{body}"
    );
}

#[tokio::test]
async fn open_limit_expiry_and_revocation() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;

    let (once, _) = s.register(&[BOB], Some(1)).await;
    let first = Tab::new();
    let t1 = first.verified_token(&s, &smtp, &once, BOB).await;
    let second = Tab::new();
    s.clock.advance(60);
    let t2 = second.verified_token(&s, &smtp, &once, BOB).await;
    assert_eq!(first.release(&s, &once, &t1).await.0, 200);
    let (status, body) = second.release(&s, &once, &t2).await;
    assert_eq!(
        (status, problem_type(&body)),
        (410, "open-limit-reached"),
        "{body}"
    );
    let (status, body) = Tab::new().request_passcode(&s, &once, BOB).await;
    assert_eq!(
        (status, problem_type(&body)),
        (410, "open-limit-reached"),
        "{body}"
    );
    assert_eq!(
        first.release(&s, &once, &t1).await.0,
        200,
        "the tab that opened it may fetch again"
    );

    let (revoked, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let token = tab.verified_token(&s, &smtp, &revoked, BOB).await;
    let (status, st) = s
        .post(
            &format!("/v1/messages/{revoked}/revoke"),
            Some(&s.api_key),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{st}");
    assert_eq!(st["state"], "revoked");
    let (status, body) = tab.release(&s, &revoked, &token).await;
    assert_eq!((status, problem_type(&body)), (410, "revoked"), "{body}");
    assert_eq!(
        body["detail"],
        "The sender revoked this message; it can no longer be opened."
    );
    let (status, body) = tab.request_passcode(&s, &revoked, BOB).await;
    assert_eq!((status, problem_type(&body)), (410, "revoked"));
    // Revoking again is harmless; the trail has one revocation.
    let (_, st) = s
        .post(
            &format!("/v1/messages/{revoked}/revoke"),
            Some(&s.api_key),
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "revoked").count(), 1);

    let (expiring, _) = s.register(&[BOB], None).await;
    s.clock.advance(7 * 86_400);
    let (status, body) = Tab::new().request_passcode(&s, &expiring, BOB).await;
    assert_eq!((status, problem_type(&body)), (410, "expired"), "{body}");
    let (_, st) = s
        .get(&format!("/v1/messages/{expiring}"), Some(&s.api_key))
        .await;
    assert_eq!(st["state"], "expired");
    assert_eq!(
        st["events"].as_array().unwrap().last().unwrap()["kind"],
        serde_json::to_value(EventKind::Expired).unwrap()
    );

    let (status, body) = Tab::new()
        .request_passcode(&s, &waxseal_envelope::MessageId::generate(), BOB)
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (404, "unknown-message"),
        "{body}"
    );
}

#[tokio::test]
async fn concurrent_first_releases_never_exceed_the_open_limit() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let recipients: Vec<String> = (0..12).map(|i| format!("r{i}@example.org")).collect();
    let refs: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let (id, share) = s.register(&refs, Some(3)).await;
    let mut tabs = Vec::new();
    for r in &recipients {
        let tab = Tab::new();
        let token = tab.verified_token(&s, &smtp, &id, r).await;
        tabs.push((tab, token, r.clone()));
    }
    // All twelve at once: the group commit decides them in one or more batches.
    let results = futures::future::join_all(
        tabs.iter()
            .map(|(tab, token, _)| tab.release(&s, &id, token)),
    )
    .await;
    let mut granted = 0;
    for ((tab, _, r), (status, body)) in tabs.iter().zip(&results) {
        match (*status, problem_type(body)) {
            (200, _) => {
                assert_eq!(tab.open(body, &id, r), share);
                granted += 1;
            }
            (410, "open-limit-reached") => {}
            other => panic!("unexpected {other:?}: {body}"),
        }
    }
    assert_eq!(granted, 3);
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(st["opens"], 3);
    assert_eq!(st["state"], "open_limit_reached");
    let released = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "released")
        .count();
    assert_eq!(released, 3);
}

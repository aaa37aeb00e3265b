//! Nothing secret reaches the logs: the whole flow runs with every log level on (TRACE, sqlx and
//! HTTP included) and the captured output holds no passcode, token, share, API key or master key,
//! and neither it nor the metrics name the recipient (address, domain, reference code).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_is_ever_logged() {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = Capture(buf.clone());
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let smtp = SmtpSink::start();
    let mut s = TestServer::start(
        &smtp,
        Options {
            metrics: true,
            ..Options::default()
        },
    )
    .await;
    let (id, share) = s.register(&["bob@example.net"], None).await;
    let tab = Tab::new();
    let (_, sent) = tab.request_passcode(&s, &id, "bob@example.net").await;
    let mail = Mail::parse(&smtp.next_mail());
    let code = mail.passcode();
    let (_, wrong) = tab
        .verify(
            &s,
            &id,
            "bob@example.net",
            if code == "00000000" {
                "11111111"
            } else {
                "00000000"
            },
        )
        .await;
    assert_eq!(problem_type(&wrong), "wrong-passcode");
    let (_, verified) = tab.verify(&s, &id, "bob@example.net", &code).await;
    let token = verified["token"].as_str().unwrap().to_owned();
    let (_, released) = tab.release(&s, &id, &token).await;
    assert_eq!(tab.open(&released, &id, "bob@example.net"), share);
    let report = serde_json::json!({"browser": "chromium", "browser_major": 156, "language": "en", "source": "file", "size": "under-100-kb", "proof": "passcode"});
    assert_eq!(s.post("/v1/usage", None, report).await.0, 204);
    let metrics = s.scrape().await;
    assert!(metrics.contains("waxseal_passcodes_sent_total 1"));
    s.stop().await;

    let logs = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    // The logs are real: requests and outcomes are there.
    assert!(logs.contains("passcode sent"), "{logs}");
    assert!(logs.contains("share released"));
    assert!(logs.contains(&id.to_string()));
    // `wxs_<key id>_<secret>`: the key id has no `_`, the secret (base64url) may.
    let (_, key_secret) = s.api_key["wxs_".len()..].split_once('_').unwrap();
    assert_eq!(key_secret.len(), 43);
    let key_secret = key_secret.to_owned();
    let master = master_key();
    let master_b64 = master.split_once(':').unwrap().1;
    let grouped = format!("{} {}", &code[..4], &code[4..]);
    for (what, secret) in [
        ("passcode", code.as_str()),
        ("grouped passcode", grouped.as_str()),
        ("token", token.as_str()),
        ("server share", share.to_b64u().as_str()),
        ("release", released["release"].as_str().unwrap()),
        ("API key", key_secret.as_str()),
        ("master key", master_b64),
    ] {
        assert!(!logs.contains(secret), "the logs contain the {what}");
        assert!(!metrics.contains(secret), "the metrics contain the {what}");
    }
    // Nothing names the recipient: not the address, not its domain, not the reference code
    // the passcode mail and the page share; the metrics do not name the message either.
    let reference = sent["reference"].as_str().unwrap();
    for (what, id_text) in [
        ("address", "bob@example.net"),
        ("domain", "example.net"),
        ("reference code", reference),
    ] {
        assert!(!logs.contains(id_text), "the logs contain the {what}");
        assert!(!metrics.contains(id_text), "the metrics contain the {what}");
    }
    assert!(
        !metrics.contains(&id.to_string()),
        "the metrics contain the message id"
    );
    assert!(!sent["reference"].is_null());
}

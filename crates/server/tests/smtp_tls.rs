//! Mail over STARTTLS to a real SMTP server that requires it, with a private CA certificate; and
//! the clear error when the server's settings do not match the relay.

mod common;

use common::*;

#[tokio::test]
async fn passcodes_go_out_over_starttls() {
    let smtp = SmtpSink::start_starttls();
    let cert = smtp.cert.clone().unwrap();
    let mail = format!(
        "[mail]\nmode = \"smtp\"\nfrom = \"waxseal <no-reply@keys.example.com>\"\nhost = \"localhost\"\nport = {}\nsecurity = \"starttls\"\nca_file = \"{}\"",
        smtp.port,
        cert.display()
    );
    let s = TestServer::start(
        &smtp,
        Options {
            mail: Some(mail),
            ..Options::default()
        },
    )
    .await;
    let (id, share) = s.register(&["bob@example.net"], None).await;
    let tab = Tab::new();
    let token = tab.verified_token(&s, &smtp, &id, "bob@example.net").await;
    let (status, body) = tab.release(&s, &id, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tab.open(&body, &id, "bob@example.net"), share);
}

#[tokio::test]
async fn a_relay_that_refuses_the_mail_is_a_clear_503() {
    // The relay requires STARTTLS; this server is set to plain.
    let smtp = SmtpSink::start_starttls();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&["bob@example.net"], None).await;
    let (status, body) = Tab::new()
        .request_passcode(&s, &id, "bob@example.net")
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (503, "mail-unavailable"),
        "{body}"
    );
    assert_eq!(
        body["detail"],
        "The passcode e-mail could not be sent. Try again in a few minutes."
    );
    assert!(smtp.no_more_mail());
    // Nothing was sent, so no `passcode_sent` event.
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    let kinds: Vec<&str> = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["registered"]);
}

//! The sender API: authentication, idempotent registration, validation, ownership, restart
//! persistence and encryption at rest.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use waxseal_envelope::{MessageId, ServerShare};
use waxseal_server::clock::ManualClock;

const BOB: &str = "bob@example.net";

#[tokio::test]
async fn sender_requests_need_a_valid_api_key() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let body = register_body(
        &MessageId::generate(),
        &ServerShare::generate(),
        &[BOB],
        None,
    );
    for key in [
        None,
        Some("nonsense"),
        Some("wxs_abc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let (status, p) = s.post("/v1/messages", key, body.clone()).await;
        assert_eq!(
            (status, problem_type(&p)),
            (401, "unauthorized"),
            "{key:?}: {p}"
        );
    }
    // A real key id with a wrong secret.
    let mut forged = s.api_key.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    let (status, _) = s.post("/v1/messages", Some(&forged), body.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(s.post("/v1/messages", Some(&s.api_key), body).await.0, 201);
}

#[tokio::test]
async fn registration_is_idempotent_and_conflicts_are_refused() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let id = MessageId::generate();
    let share = ServerShare::generate();
    let body = register_body(&id, &share, &[BOB, "carol@example.org"], Some(3));
    let (status, st) = s.post("/v1/messages", Some(&s.api_key), body.clone()).await;
    assert_eq!(status, 201, "{st}");
    assert_eq!(st["id"], id.to_string());
    assert_eq!(st["state"], "active");
    assert_eq!(st["max_opens"], 3);
    assert_eq!(st["recipients"], json!([BOB, "carol@example.org"]));
    // The same request again (a retry): 200, same message.
    let (status, again) = s.post("/v1/messages", Some(&s.api_key), body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(again["created"], st["created"]);
    // Same id, different content: each field alone is a conflict.
    let mut other_share = body.clone();
    other_share["server_share"] = json!(ServerShare::generate().to_b64u());
    let mut other_recipients = body.clone();
    other_recipients["recipients"] = json!([BOB]);
    let mut other_expiry = body.clone();
    other_expiry["expires"] = json!(T0 + 86_400);
    let mut other_limit = body.clone();
    other_limit["max_opens"] = json!(4);
    for b in [other_share, other_recipients, other_expiry, other_limit] {
        let (status, p) = s.post("/v1/messages", Some(&s.api_key), b).await;
        assert_eq!((status, problem_type(&p)), (409, "conflict"), "{p}");
    }
    // Another organisation cannot claim the id either, even from its own domain.
    let mut theirs = body.clone();
    theirs["from"] = json!("notices@other.example");
    let (status, p) = s.post("/v1/messages", Some(&s.other_api_key), theirs).await;
    assert_eq!((status, problem_type(&p)), (409, "conflict"), "{p}");
}

#[tokio::test]
async fn registration_checks_every_field() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let good = || {
        register_body(
            &MessageId::generate(),
            &ServerShare::generate(),
            &[BOB],
            None,
        )
    };
    let cases: Vec<(&str, serde_json::Value, &str, &str)> = vec![
        (
            "id",
            json!("short"),
            "invalid-request",
            "id must be 16 bytes",
        ),
        (
            "server_share",
            json!("AAAA"),
            "invalid-request",
            "server_share must be 32 bytes",
        ),
        (
            "recipients",
            json!([]),
            "invalid-request",
            "recipients must list 1 to 100",
        ),
        (
            "recipients",
            json!(["not-an-address"]),
            "invalid-request",
            "is not a valid e-mail address",
        ),
        (
            "recipients",
            json!([BOB, "bob@EXAMPLE.net"]),
            "invalid-request",
            "appears twice",
        ),
        (
            "expires",
            json!(T0 - 1),
            "invalid-request",
            "expires is in the past",
        ),
        (
            "expires",
            json!(T0 + 400 * 86_400),
            "invalid-request",
            "more than 366 days",
        ),
        (
            "max_opens",
            json!(0),
            "invalid-request",
            "max_opens must be at least 1",
        ),
        (
            "key_server",
            json!("https://keys.elsewhere.example"),
            "key-server-mismatch",
            "seal the message with --server http://127.0.0.1:1",
        ),
        ("expires", json!("soon"), "malformed-request", "expires"),
        (
            "surprise",
            json!(1),
            "malformed-request",
            "unknown field `surprise`",
        ),
    ];
    for (field, value, kind, detail) in cases {
        let mut body = good();
        body[field] = value;
        let (status, p) = s.post("/v1/messages", Some(&s.api_key), body).await;
        assert_eq!(problem_type(&p), kind, "{field}: {p}");
        assert_eq!(status, 400, "{field}: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains(detail),
            "{field}: {p}"
        );
    }
}

#[tokio::test]
async fn senders_see_and_revoke_only_their_own_messages() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let path = format!("/v1/messages/{id}");
    let (status, p) = s.get(&path, Some(&s.other_api_key)).await;
    assert_eq!((status, problem_type(&p)), (404, "unknown-message"));
    let (status, _) = s
        .post(&format!("{path}/revoke"), Some(&s.other_api_key), json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, st) = s.get(&path, Some(&s.api_key)).await;
    assert_eq!((status, st["state"].as_str()), (200, Some("active")));
    let (status, _) = s.get(&path, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_restarted_server_keeps_every_message_and_shares_are_encrypted_at_rest() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(&smtp, Options::default()).await;
    let mut registered = Vec::new();
    for _ in 0..20 {
        registered.push(s.register(&[BOB], None).await);
    }
    let (revoked, revoked_share) = s.register(&[BOB], None).await;
    assert_eq!(
        s.post(
            &format!("/v1/messages/{revoked}/revoke"),
            Some(&s.api_key),
            json!({})
        )
        .await
        .0,
        200
    );
    s.stop().await;

    // A copy of the database alone holds no share, in any encoding: the SQLite file and its WAL
    // byte by byte, and every stored share column on either backend.
    let mut haystacks: Vec<Vec<u8>> =
        s.db.message_shares()
            .await
            .into_iter()
            .filter_map(|(_, ct, _)| ct)
            .collect();
    if let Some(file) = &s.db.file {
        haystacks.push(std::fs::read(file).unwrap());
        haystacks.push(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
    }
    assert_eq!(
        haystacks.iter().filter(|h| h.len() == 12 + 32 + 16).count(),
        20,
        "20 encrypted shares stored"
    );
    for (_, share) in registered.iter().chain([(revoked, revoked_share)].iter()) {
        for haystack in &haystacks {
            assert!(
                !haystack.windows(32).any(|w| w == share.expose()),
                "a raw share is in the database"
            );
            let text = share.to_b64u();
            assert!(
                !haystack.windows(text.len()).any(|w| w == text.as_bytes()),
                "a base64 share is in the database"
            );
        }
    }

    // A new process on the same file: every message is there and releasable.
    let mut again = TestServer::start_on(
        &s.db,
        &smtp,
        &Options::default(),
        Arc::new(ManualClock::new(T0 + 10)),
    )
    .await;
    again.api_key = s.api_key.clone();
    for (id, _) in &registered {
        let (status, st) = again
            .get(&format!("/v1/messages/{id}"), Some(&again.api_key))
            .await;
        assert_eq!(
            (status, st["state"].as_str()),
            (200, Some("active")),
            "{id}"
        );
    }
    let (id, share) = &registered[7];
    let tab = Tab::new();
    let token = tab.verified_token(&again, &smtp, id, BOB).await;
    let (status, body) = tab.release(&again, id, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(&tab.open(&body, id, BOB), share);
    let (_, st) = again
        .get(&format!("/v1/messages/{revoked}"), Some(&again.api_key))
        .await;
    assert_eq!(st["state"], "revoked");
    again.stop().await;
}

#[tokio::test]
async fn master_keys_rotate_without_losing_stored_shares() {
    use base64::Engine as _;
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(&smtp, Options::default()).await;
    let (old, old_share) = s.register(&[BOB], None).await;
    s.stop().await;
    // k2 becomes current; k1 stays to read what it encrypted.
    let k2 = format!(
        "k2:{}",
        base64::engine::general_purpose::STANDARD.encode([0x22u8; 32])
    );
    let opts = Options {
        master_keys: Some(vec![k2, master_key()]),
        ..Options::default()
    };
    let mut again =
        TestServer::start_on(&s.db, &smtp, &opts, Arc::new(ManualClock::new(T0 + 60))).await;
    again.api_key = s.api_key.clone();
    let (new, new_share) = again.register(&[BOB], None).await;
    for (id, share) in [(old, old_share), (new, new_share)] {
        let tab = Tab::new();
        let token = tab.verified_token(&again, &smtp, &id, BOB).await;
        let (status, body) = tab.release(&again, &id, &token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(tab.open(&body, &id, BOB), share);
        again.clock.advance(60);
    }
    again.stop().await;
    let ids: Vec<(String, String)> =
        s.db.message_shares()
            .await
            .into_iter()
            .map(|(id, _, key)| (id, key.unwrap()))
            .collect();
    assert_eq!(
        ids,
        [
            (old.to_string(), "k1".to_owned()),
            (new.to_string(), "k2".to_owned())
        ]
    );
}

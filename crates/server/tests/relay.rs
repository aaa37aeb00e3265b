//! The secure-reply relay (`POST /v1/messages/{id}/reply`) against the real server and a real
//! SMTP server: a reply sealed to the organisation's key reaches its reply address as an
//! attachment that only that key opens, and every refusal has its problem type. The key server
//! keeps nothing of a reply.

mod common;

use common::*;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;
use waxseal_envelope::reply::{ReplyKeyPair, open_reply, seal_reply};
use waxseal_envelope::{Envelope, Header, SealParams, Sender, seal};

const BOB: &str = "bob@example.net";
const CAROL: &str = "carol@example.org";
const REPLIES: &str = "replies@acme.example";
const REPLY: &[u8] =
    b"From: bob@example.net\r\nTo: replies@acme.example\r\nSubject: Re: Statement\r\n\r\nThank you, the gate code works.\r\n";

/// A message sealed with the organisation's reply key and registered with its reply address;
/// returns its header.
async fn register_with_reply(s: &TestServer, key: &ReplyKeyPair, reply_to: Option<&str>) -> Header {
    let sealed = seal(
        &SealParams {
            key_server: ORIGIN.into(),
            from: Sender {
                address: SENDER_ADDRESS.into(),
                name: None,
            },
            recipients: vec![BOB.into(), CAROL.into()],
            created: T0,
            expires: T0 + 7 * 86_400,
            reply: Some(key.reply_to(REPLIES)),
        },
        b"Subject: Statement\r\n\r\nhello",
    )
    .unwrap();
    let header = Envelope::parse(&sealed.envelope).unwrap().header().clone();
    let mut body = register_body(&header.id, &sealed.server_share, &[BOB, CAROL], None);
    if let Some(to) = reply_to {
        body["reply_to"] = json!(to);
    }
    let (status, st) = s.post("/v1/messages", Some(&s.api_key), body).await;
    assert_eq!(status, 201, "{st}");
    header
}

/// A server with the `[reply]` settings `extra` and a message that takes replies to
/// [`REPLIES`], and Bob's tab holding a valid token for it.
struct Replying {
    s: TestServer,
    key: ReplyKeyPair,
    header: Header,
    id: String,
    tab: Tab,
    token: String,
}

async fn replying(smtp: &SmtpSink, extra: &str) -> Replying {
    let s = TestServer::start(
        smtp,
        Options {
            extra: extra.into(),
            ..Options::default()
        },
    )
    .await;
    let key = ReplyKeyPair::generate("2026-11").unwrap();
    let header = register_with_reply(&s, &key, Some(REPLIES)).await;
    let id = header.id.to_string();
    let tab = Tab::new();
    let token = tab.verified_token(&s, smtp, &header.id, BOB).await;
    Replying {
        s,
        key,
        header,
        id,
        tab,
        token,
    }
}

/// Posts `body` as a sealed reply.
async fn post_reply(
    s: &TestServer,
    id: &str,
    token: Option<&str>,
    tab: &Tab,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut req = s
        .http
        .post(format!(
            "{}/v1/messages/{id}/reply?public_key={}",
            s.url,
            tab.public_key()
        ))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

const TYPE: &str = "application/vnd.waxseal.reply";

#[tokio::test]
async fn a_reply_reaches_the_reply_address_sealed_and_the_server_keeps_nothing_of_it() {
    let smtp = SmtpSink::start();
    let Replying {
        s,
        key,
        header,
        id,
        tab,
        token,
    } = replying(&smtp, "").await;
    let sealed = seal_reply(&header, BOB, T0, REPLY).unwrap();
    let (status, body) = post_reply(&s, &id, Some(&token), &tab, TYPE, sealed.clone()).await;
    assert_eq!((status, body), (200, json!({"to": REPLIES})));

    // The relay mail: to the reply address, naming the verified replier and how, carrying the
    // sealed reply byte for byte, which the organisation's key opens.
    let raw = smtp.next_mail();
    let mail = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        mail.to().unwrap().first().unwrap().address().unwrap(),
        REPLIES
    );
    assert_eq!(mail.subject().unwrap(), "Secure reply from bob@example.net");
    let header_text = |name: &str| {
        mail.header(name)
            .and_then(|h| h.as_text())
            .map(str::to_owned)
    };
    assert_eq!(header_text("X-Waxseal-Replier").as_deref(), Some(BOB));
    assert_eq!(
        header_text("X-Waxseal-Verified-By").as_deref(),
        Some("passcode")
    );
    assert_eq!(
        header_text("X-Waxseal-Reply-To-Message").as_deref(),
        Some(id.as_str())
    );
    let text = mail.body_text(0).unwrap();
    assert!(
        text.contains("by a one-time passcode sent to that address"),
        "{text}"
    );
    let attachment = mail.attachments().next().unwrap();
    assert_eq!(attachment.attachment_name(), Some("reply.waxseal"));
    assert_eq!(attachment.content_type().unwrap().ctype(), "application");
    assert_eq!(attachment.contents(), &sealed[..]);
    let (h, plaintext) = open_reply(attachment.contents(), std::slice::from_ref(&key)).unwrap();
    assert_eq!((h.from.as_str(), plaintext.as_slice()), (BOB, REPLY));

    // The key server's attestation: its signature, under a key `GET /v1/relay-keys` publishes,
    // over the message, the verified replier, how, when, and the SHA-256 of exactly this reply.
    assert_eq!(
        header_text("X-Waxseal-Relayed-At").as_deref(),
        Some(T0.to_string().as_str())
    );
    let attestation = header_text("X-Waxseal-Relay-Signature").unwrap();
    // The header may be folded at the space: read it as two words.
    let mut words = attestation.split_whitespace();
    let (key_id, signature) = (words.next().unwrap(), words.next().unwrap());
    let (status, keys) = s.get("/v1/relay-keys", None).await;
    assert_eq!(status, 200);
    let published = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id)
        .unwrap()["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let b64 = |t: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .unwrap()
    };
    let verifying =
        ed25519_dalek::VerifyingKey::from_bytes(&b64(&published).try_into().unwrap()).unwrap();
    let signature = ed25519_dalek::Signature::from_bytes(&b64(signature).try_into().unwrap());
    let digest: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(attachment.contents()).into()
    };
    let statement = waxseal_api::relay_statement(&id, BOB, "passcode", T0, &digest);
    verifying.verify_strict(&statement, &signature).unwrap();
    // Another replier, another proof or another reply does not verify.
    for other in [
        waxseal_api::relay_statement(&id, CAROL, "passcode", T0, &digest),
        waxseal_api::relay_statement(&id, BOB, "sign-in", T0, &digest),
        waxseal_api::relay_statement(&id, BOB, "passcode", T0, &[0; 32]),
    ] {
        assert!(verifying.verify_strict(&other, &signature).is_err());
    }

    // A reply far larger than any JSON request (an attachment of 300 KB) goes too.
    let large: Vec<u8> = REPLY
        .iter()
        .copied()
        .chain((0..300_000u32).map(|i| (i % 251) as u8))
        .collect();
    let sealed_large = seal_reply(&header, BOB, T0, &large).unwrap();
    let (status, _) = post_reply(&s, &id, Some(&token), &tab, TYPE, sealed_large.clone()).await;
    assert_eq!(status, 200);
    let raw = smtp.next_mail();
    let mail = MessageParser::default().parse(&raw).unwrap();
    let attachment = mail.attachments().next().unwrap();
    assert_eq!(open_reply(attachment.contents(), &[key]).unwrap().1, large);

    // The audit trail says a reply went; the database holds no byte of it.
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    let last = st["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last, json!({"at": T0, "kind": "replied", "recipient": BOB}));
    if let Some(file) = &s.db.file {
        let mut db = std::fs::read(file).unwrap();
        for wal in ["-wal", "-shm"] {
            db.extend(std::fs::read(format!("{}{wal}", file.display())).unwrap_or_default());
        }
        let probe = &sealed[sealed.len() - 48..sealed.len() - 16];
        assert!(
            !db.windows(probe.len()).any(|w| w == probe),
            "a piece of the reply is in the database"
        );
    }
}

#[tokio::test]
async fn every_refusal_of_the_relay_has_its_problem() {
    let smtp = SmtpSink::start();
    let Replying {
        s,
        key,
        header,
        id,
        tab,
        token,
    } = replying(&smtp, "[reply]\nmax_bytes = 65536\nper_recipient = 2\n").await;
    let good = seal_reply(&header, BOB, T0, REPLY).unwrap();
    let refused = |status: u16, body: &serde_json::Value, kind: &str| {
        assert_eq!((status, problem_type(body)), (status, kind), "{body}");
    };

    let (st, p) = post_reply(&s, &id, None, &tab, TYPE, good.clone()).await;
    refused(st, &p, "token-invalid");
    assert_eq!(st, 401);
    let (st, p) = post_reply(&s, &id, Some(&token), &Tab::new(), TYPE, good.clone()).await;
    assert_eq!(
        (st, problem_type(&p)),
        (403, "key-mismatch"),
        "another tab's key"
    );
    let (st, p) = post_reply(
        &s,
        &id,
        Some(&token),
        &tab,
        "application/json",
        good.clone(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (415, "unsupported-media-type"));
    // A token of another message.
    let other = register_with_reply(&s, &key, Some(REPLIES)).await;
    let (st, p) = post_reply(
        &s,
        &other.id.to_string(),
        Some(&token),
        &tab,
        TYPE,
        seal_reply(&other, BOB, T0, REPLY).unwrap(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (401, "token-invalid"));
    // Not a reply, a reply to another message, from another recipient.
    for (body, why) in [
        (
            b"not a reply".to_vec(),
            "this file is not a waxseal message",
        ),
        (
            seal_reply(&other, BOB, T0, REPLY).unwrap(),
            "it answers another message",
        ),
        (
            seal_reply(&header, CAROL, T0, REPLY).unwrap(),
            "its sender is not the address the token proves",
        ),
    ] {
        let (st, p) = post_reply(&s, &id, Some(&token), &tab, TYPE, body).await;
        assert_eq!((st, problem_type(&p)), (400, "reply-invalid"), "{p}");
        assert!(p["detail"].as_str().unwrap().contains(why), "{p}");
    }
    // Too large (64 KiB here), with its own problem.
    let big = seal_reply(&header, BOB, T0, &vec![b'x'; 70_000]).unwrap();
    let (st, p) = post_reply(&s, &id, Some(&token), &tab, TYPE, big).await;
    assert_eq!((st, problem_type(&p)), (413, "reply-too-large"), "{p}");
    // Two replies per recipient here: the third is refused, and no mail goes.
    for _ in 0..2 {
        let (st, p) = post_reply(&s, &id, Some(&token), &tab, TYPE, good.clone()).await;
        assert_eq!(st, 200, "{p}");
        smtp.next_mail();
    }
    let (st, p) = post_reply(&s, &id, Some(&token), &tab, TYPE, good.clone()).await;
    assert_eq!((st, problem_type(&p)), (429, "reply-limit-reached"), "{p}");
    assert!(smtp.no_more_mail());
    // A message registered without a reply address takes none.
    let none = register_with_reply(&s, &key, None).await;
    let tab2 = Tab::new();
    let token2 = tab2.verified_token(&s, &smtp, &none.id, BOB).await;
    let (st, p) = post_reply(
        &s,
        &none.id.to_string(),
        Some(&token2),
        &tab2,
        TYPE,
        seal_reply(&none, BOB, T0, REPLY).unwrap(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (409, "replies-not-accepted"), "{p}");
    // Revoked: no reply any more.
    let tab3 = Tab::new();
    let token3 = tab3.verified_token(&s, &smtp, &other.id, BOB).await;
    let (st, _) = s
        .post(
            &format!("/v1/messages/{}/revoke", other.id),
            Some(&s.api_key),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, p) = post_reply(
        &s,
        &other.id.to_string(),
        Some(&token3),
        &tab3,
        TYPE,
        seal_reply(&other, BOB, T0, REPLY).unwrap(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (410, "revoked"), "{p}");
    // Expired: a token issued shortly before the message's expiry, used just after it.
    let last = register_with_reply(&s, &key, Some(REPLIES)).await;
    s.clock.advance(7 * 86_400 - 300);
    let tab4 = Tab::new();
    let token4 = tab4.verified_token(&s, &smtp, &last.id, BOB).await;
    s.clock.advance(301);
    let late = seal_reply(&last, BOB, T0, REPLY).unwrap();
    let (st, p) = post_reply(
        &s,
        &last.id.to_string(),
        Some(&token4),
        &tab4,
        TYPE,
        late.clone(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (410, "expired"), "{p}");
    // And once the token's own life (600 s) is over, the token is what is refused.
    s.clock.advance(600);
    let (st, p) = post_reply(&s, &last.id.to_string(), Some(&token4), &tab4, TYPE, late).await;
    assert_eq!((st, problem_type(&p)), (401, "token-expired"), "{p}");
    assert!(smtp.no_more_mail());
}

#[tokio::test]
async fn a_reply_address_outside_the_verified_domains_is_refused_at_registration() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let key = ReplyKeyPair::generate("2026-11").unwrap();
    let sealed = seal(
        &SealParams {
            key_server: ORIGIN.into(),
            from: Sender {
                address: SENDER_ADDRESS.into(),
                name: None,
            },
            recipients: vec![BOB.into()],
            created: T0,
            expires: T0 + 86_400,
            reply: Some(key.reply_to("replies@elsewhere.example")),
        },
        b"x",
    )
    .unwrap();
    let mut body = register_body(&sealed.header.id, &sealed.server_share, &[BOB], None);
    body["reply_to"] = json!("replies@elsewhere.example");
    let (status, p) = s.post("/v1/messages", Some(&s.api_key), body).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "sending-domain-not-verified"),
        "{p}"
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("Seal with a reply address in one of them")
    );
}

#[tokio::test]
async fn a_reply_the_mail_server_refuses_for_good_is_reported_as_such_and_not_counted() {
    // The reply address's mail server takes mails up to 4 000 bytes: a relay mail with a few
    // kilobytes of sealed reply is refused with 552.
    let smtp = SmtpSink::start_with_limit(4_000);
    let Replying {
        s,
        header,
        id,
        tab,
        token,
        ..
    } = replying(&smtp, "[reply]\nper_recipient = 1\n").await;
    let mut large = REPLY.to_vec();
    large.extend(std::iter::repeat_n(b'x', 6_000));
    let (st, p) = post_reply(
        &s,
        &id,
        Some(&token),
        &tab,
        TYPE,
        seal_reply(&header, BOB, T0, &large).unwrap(),
    )
    .await;
    assert_eq!((st, problem_type(&p)), (422, "reply-refused"), "{p}");
    assert!(smtp.no_more_mail());
    // Not counted: with one reply allowed, a reply the mail server takes still goes out.
    let (st, p) = post_reply(
        &s,
        &id,
        Some(&token),
        &tab,
        TYPE,
        seal_reply(&header, BOB, T0, REPLY).unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["to"], REPLIES);
    let mail = smtp.next_mail();
    assert!(String::from_utf8_lossy(&mail).contains(&format!("To: {REPLIES}")));
}

//! Passkeys for recipients' addresses, with a software authenticator making real WebAuthn
//! credentials and assertions (ES256 keys, signed client data): adding one after a passcode,
//! opening a message with it and no mail, and every refusal (no token, passkeys off, no passkey,
//! another tab, a replayed or expired ceremony, an assertion for another challenge, a signature
//! counter that went back, a removed passkey), and retention.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Value, json};
use waxseal_server::clock::ManualClock;
use waxseal_server::config::Config;
use waxseal_server::store::StoredPasskey;
use waxseal_server::{AppState, purge_now};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::Url;

const BOB: &str = "bob@example.net";
const CAROL: &str = "carol@example.org";
const VIEWER: &str = "https://mail.example.com";

fn passkeys_on() -> Options {
    Options {
        extra: format!("[passkeys]\nenabled = true\norigin = \"{VIEWER}\"\n"),
        ..Options::default()
    }
}

/// A device with a platform authenticator that verifies its user.
struct Device(SoftPasskey);

impl Device {
    fn new() -> Self {
        Self(SoftPasskey::new(true))
    }

    fn create(&mut self, options: &Value) -> Value {
        let options = serde_json::from_value(options.clone()).unwrap();
        let credential = self
            .0
            .do_registration(Url::parse(VIEWER).unwrap(), options)
            .expect("the authenticator makes a credential");
        serde_json::to_value(credential).unwrap()
    }

    fn get(&mut self, options: &Value) -> Value {
        self.get_on(VIEWER, options)
    }

    /// An assertion made for a page on `origin`, as the browser there would ask for it.
    fn get_on(&mut self, origin: &str, options: &Value) -> Value {
        let options = serde_json::from_value(options.clone()).unwrap();
        let assertion = self
            .0
            .do_authentication(Url::parse(origin).unwrap(), options)
            .expect("the authenticator signs");
        serde_json::to_value(assertion).unwrap()
    }
}

async fn start_registration(
    s: &TestServer,
    tab: &Tab,
    id: &impl std::fmt::Display,
    token: Option<&str>,
) -> (u16, Value) {
    s.post(
        &format!("/v1/messages/{id}/passkeys/registration"),
        token,
        json!({"public_key": tab.public_key()}),
    )
    .await
}

/// Proves `recipient` with a passcode in `tab`, then adds a passkey on `device`; returns the
/// release token and the credential id.
async fn add_passkey(
    s: &TestServer,
    smtp: &SmtpSink,
    tab: &Tab,
    device: &mut Device,
    id: &waxseal_envelope::MessageId,
    recipient: &str,
) -> (String, String) {
    let token = tab.verified_token(s, smtp, id, recipient).await;
    let (status, body) = start_registration(s, tab, id, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let credential = device.create(&body["options"]);
    let (status, added) = s
        .post(
            &format!("/v1/messages/{id}/passkeys"),
            Some(&token),
            json!({"public_key": tab.public_key(), "ceremony": body["ceremony"], "credential": credential}),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["recipient"], recipient);
    (token, added["credential_id"].as_str().unwrap().to_owned())
}

async fn challenge(
    s: &TestServer,
    tab: &Tab,
    id: &impl std::fmt::Display,
    recipient: &str,
) -> (u16, Value) {
    s.post(
        &format!("/v1/messages/{id}/passkeys/challenge"),
        None,
        json!({"recipient": recipient, "public_key": tab.public_key()}),
    )
    .await
}

async fn verify(
    s: &TestServer,
    tab: &Tab,
    id: &impl std::fmt::Display,
    ceremony: &Value,
    assertion: &Value,
) -> (u16, Value) {
    s.post(
        &format!("/v1/messages/{id}/passkeys/verify"),
        None,
        json!({"public_key": tab.public_key(), "ceremony": ceremony, "credential": assertion}),
    )
    .await
}

async fn events(s: &TestServer, id: &impl std::fmt::Display) -> Vec<(String, Option<String>)> {
    let (status, body) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    assert_eq!(status, 200, "{body}");
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["recipient"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_passkey_added_after_a_passcode_opens_the_next_message_without_a_mail() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, passkeys_on()).await;
    let (first, _) = s.register(&[BOB], None).await;
    let mut device = Device::new();
    let (_, credential_id) = add_passkey(&s, &smtp, &Tab::new(), &mut device, &first, BOB).await;
    assert!(
        events(&s, &first)
            .await
            .contains(&("passkey_added".into(), Some(BOB.into())))
    );

    // The public config and the sender answer tell the viewer where passkeys work and who has one.
    let (_, config) = s.get("/v1/config", None).await;
    assert_eq!(
        config["passkeys"],
        json!({"rp_id": "mail.example.com", "origin": VIEWER})
    );
    let (second, share) = s.register(&[BOB, CAROL], None).await;
    let (_, sender) = s.get(&format!("/v1/messages/{second}/sender"), None).await;
    assert_eq!(sender["passkeys"], json!([BOB]));

    // A second message, opened in a new tab with the passkey alone.
    let tab = Tab::new();
    let (status, body) = challenge(&s, &tab, &second, BOB).await;
    assert_eq!(status, 200, "{body}");
    let allowed = &body["options"]["publicKey"]["allowCredentials"];
    assert_eq!(allowed[0]["id"], credential_id);
    assert_eq!(body["options"]["publicKey"]["userVerification"], "required");
    let assertion = device.get(&body["options"]);
    let (status, verified) = verify(&s, &tab, &second, &body["ceremony"], &assertion).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        (
            verified["recipient"].as_str(),
            verified["credential_id"].as_str()
        ),
        (Some(BOB), Some(&*credential_id))
    );
    let (status, release) = tab
        .release(&s, &second, verified["token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200, "{release}");
    assert_eq!(tab.open(&release, &second, BOB), share);
    assert!(smtp.no_more_mail(), "a mail was sent for a passkey");
    let events = events(&s, &second).await;
    assert!(
        events.contains(&("verified_passkey".into(), Some(BOB.into()))),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|(k, _)| k == "passcode_sent"),
        "{events:?}"
    );

    // The database keeps the credential, the address and two dates; the ceremonies are gone.
    let store = connect(&s.db).await;
    let stored = store.passkeys(BOB).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].created, stored[0].last_used), (T0, T0));
    let keys: Vec<String> = serde_json::from_str::<Value>(&stored[0].passkey).unwrap()["cred"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(!keys.iter().any(|k| k.contains("private")), "{keys:?}");
    assert_eq!(
        store.with_passkeys(&[CAROL.into()]).await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn adding_a_passkey_needs_a_release_token_of_the_tab_and_passkeys_on() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, passkeys_on()).await;
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let (status, body) = start_registration(&s, &tab, &id, None).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "token-invalid"),
        "{body}"
    );
    let token = tab.verified_token(&s, &smtp, &id, BOB).await;
    let (status, body) = start_registration(&s, &Tab::new(), &id, Some(&token)).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "key-mismatch"),
        "{body}"
    );

    // The credential of one ceremony is not accepted for another.
    let (_, first) = start_registration(&s, &tab, &id, Some(&token)).await;
    let (_, second) = start_registration(&s, &tab, &id, Some(&token)).await;
    let credential = Device::new().create(&first["options"]);
    let (status, body) = s
        .post(
            &format!("/v1/messages/{id}/passkeys"),
            Some(&token),
            json!({"public_key": tab.public_key(), "ceremony": second["ceremony"], "credential": credential}),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "passkey-refused"),
        "{body}"
    );
    // Ended by that try: the ceremony is not used twice.
    let (status, body) = s
        .post(
            &format!("/v1/messages/{id}/passkeys"),
            Some(&token),
            json!({"public_key": tab.public_key(), "ceremony": second["ceremony"], "credential": credential}),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (409, "passkey-replayed"),
        "{body}"
    );

    // Off: every route says so.
    let smtp_off = SmtpSink::start();
    let off = TestServer::start(&smtp_off, Options::default()).await;
    let (id, _) = off.register(&[BOB], None).await;
    let token = tab.verified_token(&off, &smtp_off, &id, BOB).await;
    let (status, body) = start_registration(&off, &tab, &id, Some(&token)).await;
    assert_eq!(
        (status, problem_type(&body)),
        (404, "passkeys-off"),
        "{body}"
    );
    let (status, body) = challenge(&off, &tab, &id, BOB).await;
    assert_eq!(
        (status, problem_type(&body)),
        (404, "passkeys-off"),
        "{body}"
    );
    let (_, config) = off.get("/v1/config", None).await;
    assert!(config.get("passkeys").is_none(), "{config}");
}

#[tokio::test]
async fn every_refusal_of_a_passkey_has_its_problem() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, passkeys_on()).await;
    let (first, _) = s.register(&[BOB], None).await;
    let mut device = Device::new();
    let (token, credential_id) =
        add_passkey(&s, &smtp, &Tab::new(), &mut device, &first, BOB).await;
    let (id, _) = s.register(&[BOB, CAROL], None).await;
    let tab = Tab::new();

    // An address without a passkey; an address that is not a recipient.
    let (status, body) = challenge(&s, &tab, &id, CAROL).await;
    assert_eq!((status, problem_type(&body)), (404, "no-passkey"), "{body}");
    let (status, body) = challenge(&s, &tab, &id, "mallory@example.com").await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "wrong-recipient"),
        "{body}"
    );

    // An assertion captured from this tab, sent by another tab: refused, and this tab can still
    // use its ceremony.
    let (_, c) = challenge(&s, &tab, &id, BOB).await;
    let assertion = device.get(&c["options"]);
    let thief = Tab::new();
    let (status, body) = verify(&s, &thief, &id, &c["ceremony"], &assertion).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "key-mismatch"),
        "{body}"
    );
    // The same assertion for another message's ceremony of the thief's own: another challenge.
    let (_, own) = challenge(&s, &thief, &first, BOB).await;
    let (status, body) = verify(&s, &thief, &first, &own["ceremony"], &assertion).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "passkey-refused"),
        "{body}"
    );
    // A page of another origin under the same domain (the relying party id is a suffix of it, so
    // the authenticator signs there) gets an assertion the key server refuses: the origin is not
    // the viewer's.
    let (_, hostile) = challenge(&s, &tab, &id, BOB).await;
    let elsewhere = device.get_on("https://evil.mail.example.com", &hostile["options"]);
    let (status, body) = verify(&s, &tab, &id, &hostile["ceremony"], &elsewhere).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "passkey-refused"),
        "{body}"
    );
    let (status, body) = verify(&s, &tab, &id, &c["ceremony"], &assertion).await;
    assert_eq!(status, 200, "{body}");
    // Replayed.
    let (status, body) = verify(&s, &tab, &id, &c["ceremony"], &assertion).await;
    assert_eq!(
        (status, problem_type(&body)),
        (409, "passkey-replayed"),
        "{body}"
    );
    let (status, body) = verify(&s, &tab, &id, &json!("no-such-ceremony"), &assertion).await;
    assert_eq!(
        (status, problem_type(&body)),
        (409, "passkey-replayed"),
        "{body}"
    );

    // Expired: five minutes and more.
    let (_, c) = challenge(&s, &tab, &id, BOB).await;
    let late = device.get(&c["options"]);
    s.clock.advance(waxseal_server::passkeys::CEREMONY_LIFETIME);
    let (status, body) = verify(&s, &tab, &id, &c["ceremony"], &late).await;
    assert_eq!(
        (status, problem_type(&body)),
        (410, "passkey-expired"),
        "{body}"
    );

    // A signature counter that went back: an assertion signed earlier, held back while a later
    // one was used, is what a copied authenticator produces.
    let (_, early) = challenge(&s, &tab, &id, BOB).await;
    let held = device.get(&early["options"]);
    let (_, later) = challenge(&s, &tab, &id, BOB).await;
    let used = device.get(&later["options"]);
    let (status, body) = verify(&s, &tab, &id, &later["ceremony"], &used).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = verify(&s, &tab, &id, &early["ceremony"], &held).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "passkey-cloned"),
        "{body}"
    );

    // Forgotten: a ceremony begun before is refused, and no new one begins.
    let (_, pending) = challenge(&s, &tab, &id, BOB).await;
    let after = device.get(&pending["options"]);
    // The forget request needs the token's own tab key.
    let (status, body) = s
        .post(
            &format!("/v1/messages/{first}/passkeys/forget"),
            Some(&token),
            json!({"public_key": Tab::new().public_key(), "credential_id": credential_id}),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "key-mismatch"),
        "{body}"
    );
    let owner = Tab::new();
    let token = owner.verified_token(&s, &smtp, &first, BOB).await;
    let forget_path = format!("/v1/messages/{first}/passkeys/forget");
    let forget_as_owner = |cred: &str| {
        s.post(
            &forget_path,
            Some(&token),
            json!({"public_key": owner.public_key(), "credential_id": cred}),
        )
    };
    let (status, body) = forget_as_owner(&credential_id).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = forget_as_owner(&credential_id).await;
    assert_eq!((status, problem_type(&body)), (404, "no-passkey"), "{body}");
    assert!(
        events(&s, &first)
            .await
            .contains(&("passkey_removed".into(), Some(BOB.into())))
    );
    let (status, body) = verify(&s, &tab, &id, &pending["ceremony"], &after).await;
    assert_eq!((status, problem_type(&body)), (404, "no-passkey"), "{body}");
    let (status, body) = challenge(&s, &tab, &id, BOB).await;
    assert_eq!((status, problem_type(&body)), (404, "no-passkey"), "{body}");
    let (_, sender) = s.get(&format!("/v1/messages/{id}/sender"), None).await;
    assert!(sender.get("passkeys").is_none(), "{sender}");
}

#[tokio::test]
async fn a_credential_id_is_stored_once_and_unused_passkeys_are_forgotten_by_retention() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, passkeys_on()).await;
    let (id, _) = s.register(&[BOB], None).await;
    add_passkey(&s, &smtp, &Tab::new(), &mut Device::new(), &id, BOB).await;
    // A credential id belongs to one address only.
    let store = connect(&s.db).await;
    let stored = store.passkeys(BOB).await.unwrap().remove(0);
    let copy = StoredPasskey {
        recipient: CAROL.into(),
        ..stored.clone()
    };
    assert!(
        !store.add_passkey(&copy).await.unwrap(),
        "one credential for two addresses"
    );
    assert!(store.passkeys(CAROL).await.unwrap().is_empty());

    let (_, c) = challenge(&s, &Tab::new(), &id, BOB).await;
    assert!(c["ceremony"].is_string(), "{c}");
    let at = |now: u64| {
        let config =
            Config::from_toml_and_env(&config_text(&s.db, smtp.port, &passkeys_on()), |_| None)
                .unwrap();
        async move {
            let store = waxseal_server::open_store(&config).await.unwrap();
            let state = AppState::new(config, store, Arc::new(ManualClock::new(now))).unwrap();
            purge_now(&state).await.unwrap()
        }
    };
    // The ceremony goes after its five minutes; the passkey after 180 days unused.
    // (The registration's ceremony ended when it was used; the challenge's was never finished.)
    let report = at(T0 + 300).await;
    assert_eq!((report.ceremonies_deleted, report.passkeys_deleted), (1, 0));
    let report = at(T0 + 180 * 86_400).await;
    assert_eq!(report.passkeys_deleted, 0);
    let report = at(T0 + 180 * 86_400 + 1).await;
    assert_eq!(report.passkeys_deleted, 1);
    assert!(store.passkeys(BOB).await.unwrap().is_empty());
}

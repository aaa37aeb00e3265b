//! Retention: expired shares are destroyed, spent tokens, passcodes and throttle hits removed,
//! and audit events and finished messages deleted after the retention period.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use waxseal_server::clock::ManualClock;
use waxseal_server::config::Config;
use waxseal_server::store::PurgeReport;
use waxseal_server::{AppState, purge_now};

const BOB: &str = "bob@example.net";

async fn retention_at(s: &TestServer, smtp: &SmtpSink, now: u64) -> PurgeReport {
    let config =
        Config::from_toml_and_env(&config_text(&s.db, smtp.port, &Options::default()), |_| {
            None
        })
        .unwrap();
    let store = waxseal_server::open_store(&config).await.unwrap();
    let state = AppState::new(config, store, Arc::new(ManualClock::new(now))).unwrap();
    purge_now(&state).await.unwrap()
}

#[tokio::test]
async fn expired_shares_are_destroyed_and_old_records_deleted() {
    let smtp = SmtpSink::start();
    let s = TestServer::start(&smtp, Options::default()).await;
    let (expiring, _) = s.register(&[BOB], None).await;
    let (revoked, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let token = tab.verified_token(&s, &smtp, &expiring, BOB).await;
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

    // A spent sign-in nonce, kept until its ID token's expiry.
    let store = connect(&s.db).await;
    assert!(store.use_nonce(&[7; 32], T0 + 300).await.unwrap());
    assert!(!store.use_nonce(&[7; 32], T0 + 300).await.unwrap());

    // Nothing is due yet.
    assert_eq!(
        retention_at(&s, &smtp, T0 + 60).await,
        PurgeReport::default()
    );

    // Past the expiry: the share is destroyed; the spent token and passcode go too.
    let after_expiry = T0 + 7 * 86_400 + 1;
    let report = retention_at(&s, &smtp, after_expiry).await;
    assert_eq!(report.shares_destroyed, 1);
    assert_eq!(report.tokens_deleted, 1);
    assert_eq!(report.passcodes_deleted, 1);
    assert_eq!(report.nonces_deleted, 1);
    assert_eq!((report.events_deleted, report.messages_deleted), (0, 0));
    assert!(store.use_nonce(&[7; 32], after_expiry + 300).await.unwrap());

    let shares = s.db.message_shares().await;
    assert!(
        shares.iter().all(|(_, ct, _)| ct.is_none()),
        "a share survived: {shares:?}"
    );
    s.clock.advance(7 * 86_400 + 1);
    // Recipients are told "expired", not "revoked", though the share is gone.
    let (status, body) = Tab::new().request_passcode(&s, &expiring, BOB).await;
    assert_eq!((status, problem_type(&body)), (410, "expired"), "{body}");
    let (status, body) = tab.release(&s, &expiring, &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "token-invalid"),
        "the token was deleted: {body}"
    );
    // The sender still sees the record and its trail.
    let (status, st) = s
        .get(&format!("/v1/messages/{expiring}"), Some(&s.api_key))
        .await;
    assert_eq!((status, st["state"].as_str()), (200, Some("expired")));

    // Past the audit retention (400 days): events and finished messages are deleted.
    let report = retention_at(&s, &smtp, after_expiry + 401 * 86_400).await;
    assert!(report.events_deleted >= 6, "{report:?}");
    assert_eq!(report.messages_deleted, 2);
    assert_eq!(s.db.counts().await, (0, 0));
}

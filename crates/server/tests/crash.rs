//! Durability: the server is killed with SIGKILL in the middle of a registration, release and
//! revocation load. After a restart every registration the API acknowledged (201) is present
//! with its share intact, every acknowledged revocation holds, and no release was served for a
//! message after its revocation was acknowledged. Runs on SQLite, and on PostgreSQL when
//! `WAXSEAL_TEST_POSTGRES` is set.

mod common;
mod instance;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::*;
use instance::Instance;
use serde_json::json;
use waxseal_envelope::release::TabKeyPair;
use waxseal_envelope::{MessageId, ServerShare};
use waxseal_server::secrets::MasterKeys;
use waxseal_server::store::NewToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_in_a_crash() {
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::create(dir.path()).await;
    let (api_key, _) = create_senders(&db).await;
    let mut server = Instance::start(&db, &smtp, dir.path(), "crash");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    // Messages to release and revoke under load, each with a token minted in the database.
    let store = connect(&db).await;
    let tab = Arc::new(TabKeyPair::generate());
    let public_key = b64u(&tab.public_key());
    let mut targets = Vec::new();
    for _ in 0..40 {
        let id = MessageId::generate();
        let mut body = register_body(&id, &ServerShare::generate(), &["bob@example.net"], None);
        body["expires"] = json!(now + 86_400);
        assert_eq!(
            server.post("/v1/messages", Some(&api_key), body).await.0,
            201
        );
        let (token, hash) = waxseal_server::secrets::new_token();
        store
            .insert_token(&NewToken {
                hash: hash.to_vec(),
                message_id: id.to_string(),
                recipient: "bob@example.net".into(),
                public_key: tab.public_key().to_vec(),
                expires: now + 600,
                proof: "passcode",
            })
            .await
            .unwrap();
        targets.push((id, token.to_string()));
    }

    let acked: Arc<Mutex<Vec<(MessageId, ServerShare)>>> = Arc::default();
    let enough = Arc::new(tokio::sync::Notify::new());
    // For each target: when its revocation was acknowledged, and every successful release with
    // the time its request was sent.
    let revoked_at: Arc<Mutex<Vec<(MessageId, Instant)>>> = Arc::default();
    let released: Arc<Mutex<Vec<(MessageId, Instant)>>> = Arc::default();
    let url = server.url.clone();
    let http = reqwest::Client::new();
    let mut load = Vec::new();
    for _ in 0..6 {
        let (acked, enough, http, url, api_key) = (
            acked.clone(),
            enough.clone(),
            http.clone(),
            url.clone(),
            api_key.clone(),
        );
        load.push(tokio::spawn(async move {
            loop {
                let id = MessageId::generate();
                let share = ServerShare::generate();
                let mut body = register_body(&id, &share, &["bob@example.net"], None);
                body["expires"] = json!(now + 86_400);
                match http
                    .post(format!("{url}/v1/messages"))
                    .bearer_auth(&api_key)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 201 => {
                        let mut acked = acked.lock().unwrap();
                        acked.push((id, share));
                        if acked.len() == 300 {
                            enough.notify_one();
                        }
                    }
                    Ok(r) => panic!("registration refused: {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    for chunk in targets.chunks(20) {
        let (released, http, url, pk, chunk) = (
            released.clone(),
            http.clone(),
            url.clone(),
            public_key.clone(),
            chunk.to_vec(),
        );
        load.push(tokio::spawn(async move {
            loop {
                for (id, token) in &chunk {
                    let sent = Instant::now();
                    match http
                        .post(format!("{url}/v1/messages/{id}/release"))
                        .bearer_auth(token)
                        .json(&json!({"public_key": pk}))
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 200 => released.lock().unwrap().push((*id, sent)),
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
            }
        }));
    }
    {
        let (revoked_at, http, url, api_key, targets) = (
            revoked_at.clone(),
            http.clone(),
            url.clone(),
            api_key.clone(),
            targets.clone(),
        );
        load.push(tokio::spawn(async move {
            for (id, _) in targets.iter().step_by(2) {
                match http
                    .post(format!("{url}/v1/messages/{id}/revoke"))
                    .bearer_auth(&api_key)
                    .json(&json!({}))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => {
                        revoked_at.lock().unwrap().push((*id, Instant::now()))
                    }
                    Ok(r) => panic!("revocation refused: {}", r.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    // Let the load run until 300 registrations were acknowledged, then crash the server.
    enough.notified().await;
    server.kill();
    for task in load {
        task.await.unwrap();
    }

    // No release was served for a message after its revocation was acknowledged.
    let revoked = revoked_at.lock().unwrap().clone();
    for (id, at) in &revoked {
        let late = released
            .lock()
            .unwrap()
            .iter()
            .filter(|(r, sent)| r == id && sent > at)
            .count();
        assert_eq!(
            late, 0,
            "{id} was released after its revocation was acknowledged"
        );
    }

    // After a restart: every acknowledged registration is present and its share intact.
    let server = Instance::start(&db, &smtp, dir.path(), "restarted");
    let keys = MasterKeys::parse(&[waxseal_server::secrets::Secret::new(master_key())]).unwrap();
    let store = connect(&db).await;
    let acked = acked.lock().unwrap().clone();
    let mut present = 0;
    for (id, share) in &acked {
        let m = store
            .message(&id.to_string())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged {id} is lost"));
        let opened = keys.open_share(
            m.share_key_id.as_deref().unwrap(),
            &m.id,
            m.share_ct.as_deref().unwrap(),
        );
        assert_eq!(opened.as_ref(), Some(share), "{id}: share damaged");
        present += 1;
    }
    for (id, _) in &revoked {
        let m = store.message(&id.to_string()).await.unwrap().unwrap();
        assert!(
            m.revoked_at.is_some() && m.share_ct.is_none(),
            "acknowledged revocation of {id} is lost"
        );
    }
    // And the restarted server releases an acknowledged message end to end.
    let (id, share) = acked.last().unwrap();
    let bob = Tab::new();
    let (status, _) = server
        .post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            json!({"recipient": "bob@example.net", "public_key": bob.public_key()}),
        )
        .await;
    assert_eq!(status, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let (_, t) = server
        .post(&format!("/v1/messages/{id}/verify"), None, json!({"recipient": "bob@example.net", "public_key": bob.public_key(), "passcode": code}))
        .await;
    let (status, body) = server
        .post(
            &format!("/v1/messages/{id}/release"),
            t["token"].as_str(),
            json!({"public_key": bob.public_key()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(&bob.open(&body, id, "bob@example.net"), share);
    println!(
        "crash test ({}): acknowledged {}, present {}, lost {}; revocations acknowledged {}, releases served {}, served after revocation 0",
        if db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        acked.len(),
        present,
        acked.len() - present,
        revoked.len(),
        released.lock().unwrap().len()
    );
    assert!(acked.len() >= 300);
}

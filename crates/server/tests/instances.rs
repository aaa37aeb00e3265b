//! Several server processes on one database behave as one: a passcode requested through one is
//! verified through another; wrong-try counts, throttles and open limits hold across them. Runs
//! on SQLite, and on PostgreSQL when `WAXSEAL_TEST_POSTGRES` is set.

mod common;
mod instance;

use common::*;
use instance::Instance;
use serde_json::{Value, json};
use waxseal_envelope::{MessageId, ServerShare};

fn tab_body(tab: &Tab, recipient: &str) -> Value {
    json!({"recipient": recipient, "public_key": tab.public_key()})
}

#[tokio::test]
async fn two_processes_on_one_database_behave_as_one() {
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::create(dir.path()).await;
    let (api_key, _) = create_senders(&db).await;
    let a = Instance::start(&db, &smtp, dir.path(), "a");
    let b = Instance::start(&db, &smtp, dir.path(), "b");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    // Registered through A, known to B.
    let id = MessageId::generate();
    let share = ServerShare::generate();
    let mut body = register_body(
        &id,
        &share,
        &["bob@example.net", "carol@example.org"],
        Some(1),
    );
    body["expires"] = json!(now + 86_400);
    assert_eq!(
        a.post("/v1/messages", Some(&api_key), body.clone()).await.0,
        201
    );
    assert_eq!(
        b.post("/v1/messages", Some(&api_key), body).await.0,
        200,
        "the same message, idempotent across instances"
    );

    // Passcode through A, verified through B; wrong tries counted across both.
    let bob = Tab::new();
    let (status, sent) = a
        .post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            tab_body(&bob, "bob@example.net"),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let verify = |p: &str| json!({"recipient": "bob@example.net", "public_key": bob.public_key(), "passcode": p});
    for (instance, left) in [(&b, 4), (&a, 3), (&b, 2)] {
        let (status, p) = instance
            .post(&format!("/v1/messages/{id}/verify"), None, verify(wrong))
            .await;
        assert_eq!((status, p["tries_left"].as_u64()), (400, Some(left)), "{p}");
    }
    // The resend throttle holds across instances.
    let (status, p) = b
        .post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            tab_body(&bob, "bob@example.net"),
        )
        .await;
    assert_eq!((status, problem_type(&p)), (429, "throttled"), "{p}");
    let (status, t) = b
        .post(&format!("/v1/messages/{id}/verify"), None, verify(&code))
        .await;
    assert_eq!(status, 200, "{t}");
    let bob_token = t["token"].as_str().unwrap().to_owned();
    // Single use across instances.
    let (status, p) = a
        .post(&format!("/v1/messages/{id}/verify"), None, verify(&code))
        .await;
    assert_eq!((status, problem_type(&p)), (400, "passcode-used"), "{p}");

    // Carol verifies through B; with one open allowed, Bob (through A) and Carol (through B)
    // release at the same time: exactly one succeeds.
    let carol = Tab::new();
    assert_eq!(
        b.post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            tab_body(&carol, "carol@example.org")
        )
        .await
        .0,
        200
    );
    let carol_code = Mail::parse(&smtp.next_mail()).passcode();
    let (_, t) = b
        .post(&format!("/v1/messages/{id}/verify"), None, json!({"recipient": "carol@example.org", "public_key": carol.public_key(), "passcode": carol_code}))
        .await;
    let carol_token = t["token"].as_str().unwrap().to_owned();
    let release_path = format!("/v1/messages/{id}/release");
    let (bob_release, carol_release) = tokio::join!(
        a.post(
            &release_path,
            Some(&bob_token),
            json!({"public_key": bob.public_key()})
        ),
        b.post(
            &release_path,
            Some(&carol_token),
            json!({"public_key": carol.public_key()})
        ),
    );
    let granted: Vec<_> = [
        (&bob, "bob@example.net", &bob_release),
        (&carol, "carol@example.org", &carol_release),
    ]
    .into_iter()
    .filter(|(_, _, (status, _))| *status == 200)
    .collect();
    assert_eq!(
        granted.len(),
        1,
        "bob {bob_release:?} carol {carol_release:?}"
    );
    let (tab, recipient, (_, body)) = granted[0];
    assert_eq!(tab.open(body, &id, recipient), share);
    let refused = if bob_release.0 == 200 {
        &carol_release
    } else {
        &bob_release
    };
    assert_eq!(
        (refused.0, problem_type(&refused.1)),
        (410, "open-limit-reached")
    );
}

//! Sign-in with an OpenID Connect provider against the real server: a provider served by the
//! test (discovery document and signing keys over HTTP, ID tokens signed with `jsonwebtoken`)
//! so that every check can be made to fail: audience, issuer, expiry, signature, algorithm,
//! nonce, replay, unverified address, an address not among the recipients, domain rules, key
//! rotation and the rate limit on key refreshes, and Microsoft Entra ID's claims. The browser
//! journey through a real provider's login page is in `tests/e2e/sign-in.spec.mjs`.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use common::*;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use waxseal_api::sign_in_nonce;
use waxseal_envelope::MessageId;

const ALICE: &str = "alice@example.com";
const CLIENT: &str = "waxseal-viewer";

fn key(file: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/keys/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A signing key of the test provider.
#[derive(Clone)]
struct SigningKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
}

impl SigningKey {
    fn rsa(kid: &str, file: &str) -> Self {
        Self {
            kid: kid.into(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(&key(file)).unwrap(),
        }
    }

    fn ec(kid: &str, file: &str) -> Self {
        Self {
            kid: kid.into(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(&key(file)).unwrap(),
        }
    }

    fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).unwrap();
        jwk.common.key_id = Some(self.kid.clone());
        jwk
    }
}

struct ProviderState {
    issuer: String,
    published: Mutex<Vec<SigningKey>>,
    algs: Vec<&'static str>,
    key_fetches: AtomicU32,
}

/// An OpenID provider on a free port: `/.well-known/openid-configuration` and `/jwks`, and the
/// same under `/ms` with a Microsoft-style `{tenantid}` issuer.
struct TestProvider {
    state: Arc<ProviderState>,
}

impl TestProvider {
    async fn start(keys: Vec<SigningKey>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(ProviderState {
            issuer,
            published: Mutex::new(keys),
            algs: vec!["RS256", "ES256", "HS256"],
            key_fetches: AtomicU32::new(0),
        });
        async fn discovery(State(s): State<Arc<ProviderState>>) -> Json<Value> {
            Json(json!({
                "issuer": s.issuer,
                "authorization_endpoint": format!("{}/auth", s.issuer),
                "token_endpoint": format!("{}/token", s.issuer),
                "jwks_uri": format!("{}/jwks", s.issuer),
                "id_token_signing_alg_values_supported": s.algs,
            }))
        }
        async fn ms_discovery(State(s): State<Arc<ProviderState>>) -> Json<Value> {
            Json(json!({
                "issuer": format!("{}/{{tenantid}}/v2.0", s.issuer),
                "authorization_endpoint": format!("{}/auth", s.issuer),
                "token_endpoint": format!("{}/token", s.issuer),
                "jwks_uri": format!("{}/jwks", s.issuer),
                "id_token_signing_alg_values_supported": ["RS256"],
            }))
        }
        // Endpoints that would add markup wherever they were copied (a CSP, an attribute).
        async fn hostile_discovery(State(s): State<Arc<ProviderState>>) -> Json<Value> {
            Json(json!({
                "issuer": format!("{}/hostile", s.issuer),
                "authorization_endpoint": format!("{}/auth", s.issuer),
                "token_endpoint": format!("{}/token\"><script>alert(1)</script>", s.issuer),
                "jwks_uri": format!("{}/jwks", s.issuer),
                "id_token_signing_alg_values_supported": ["RS256"],
            }))
        }
        async fn jwks(State(s): State<Arc<ProviderState>>) -> Json<JwkSet> {
            s.key_fetches.fetch_add(1, Ordering::SeqCst);
            let keys = s
                .published
                .lock()
                .unwrap()
                .iter()
                .map(|k| k.jwk())
                .collect();
            Json(JwkSet { keys })
        }
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/ms/.well-known/openid-configuration", get(ms_discovery))
            .route(
                "/hostile/.well-known/openid-configuration",
                get(hostile_discovery),
            )
            .route("/jwks", get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { state }
    }

    fn issuer(&self) -> &str {
        &self.state.issuer
    }

    fn key_fetches(&self) -> u32 {
        self.state.key_fetches.load(Ordering::SeqCst)
    }

    fn publish(&self, keys: Vec<SigningKey>) {
        *self.state.published.lock().unwrap() = keys;
    }

    /// The `[[sign_in]]` tables: `test`, `corp` (example.org only) and `ms` (Microsoft).
    fn config(&self) -> String {
        let issuer = self.issuer();
        format!(
            r#"
[[sign_in]]
id = "test"
name = "Test ID"
issuer = "{issuer}"
client_id = "{CLIENT}"

[[sign_in]]
id = "corp"
name = "Corp"
issuer = "{issuer}"
client_id = "{CLIENT}"
allowed_domains = ["example.org"]

[[sign_in]]
id = "ms"
name = "Microsoft"
kind = "microsoft"
issuer = "{issuer}/ms"
client_id = "{CLIENT}"
"#
        )
    }
}

/// The claims of a valid ID token for `email` at `now`, for `tab` and `id` with `salt`.
fn claims(issuer: &str, now: u64, email: &str, nonce: &str) -> Value {
    json!({
        "iss": issuer,
        "sub": format!("sub-{email}"),
        "aud": CLIENT,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "email": email,
        "email_verified": true,
    })
}

fn sign(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

/// A tab's sign-in: its salt and the nonce the provider must put in the ID token.
struct Attempt {
    salt: [u8; 16],
    nonce: String,
}

impl Attempt {
    fn new(tab: &Tab, id: &MessageId) -> Self {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).unwrap();
        let nonce = sign_in_nonce(&id.to_string(), &tab.keys.public_key(), &salt);
        Self { salt, nonce }
    }

    async fn send(
        &self,
        s: &TestServer,
        tab: &Tab,
        id: &MessageId,
        provider: &str,
        token: &str,
    ) -> (u16, Value) {
        s.post(
            &format!("/v1/messages/{id}/sign-in"),
            None,
            json!({
                "provider": provider,
                "id_token": token,
                "public_key": tab.public_key(),
                "nonce_salt": b64u(&self.salt),
            }),
        )
        .await
    }
}

async fn setup(keys: Vec<SigningKey>) -> (SmtpSink, TestServer, TestProvider) {
    setup_with(keys, TestProvider::config).await
}

async fn setup_with(
    keys: Vec<SigningKey>,
    config: impl Fn(&TestProvider) -> String,
) -> (SmtpSink, TestServer, TestProvider) {
    let provider = TestProvider::start(keys).await;
    let smtp = SmtpSink::start();
    let s = TestServer::start(
        &smtp,
        Options {
            extra: config(&provider),
            metrics: true,
            ..Options::default()
        },
    )
    .await;
    (smtp, s, provider)
}

#[tokio::test]
async fn a_verified_account_gets_a_token_that_releases_the_share() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let ec = SigningKey::ec("e", "ec-a.pem");
    let (_smtp, s, p) = setup(vec![rsa.clone(), ec.clone()]).await;

    let (status, config) = s.get("/v1/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["methods"], json!(["passcode", "test", "corp", "ms"]));
    assert_eq!(
        config["providers"][0],
        json!({
            "id": "test",
            "name": "Test ID",
            "kind": "oidc",
            "issuer": p.issuer(),
            "client_id": CLIENT,
            "authorization_endpoint": format!("{}/auth", p.issuer()),
            "token_endpoint": format!("{}/token", p.issuer()),
            "scopes": "openid email profile",
        })
    );
    assert_eq!(config["providers"][2]["kind"], "microsoft");

    let (id, share) = s.register(&[ALICE, "carol@example.org"], None).await;
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(p.issuer(), T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipient"], ALICE);
    assert_eq!(body["expires_in"], 600);
    let (status, released) = tab.release(&s, &id, body["token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(tab.open(&released, &id, ALICE), share);

    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    let events: Vec<(&str, &str)> = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["recipient"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("registered", ""),
            ("signed_in", ALICE),
            ("released", ALICE)
        ]
    );

    // The same ID token again: its nonce is spent.
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!((status, problem_type(&body)), (401, "sign-in-replayed"));

    // An ES256 key works too, and the domain of the address is compared without case.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&ec, &claims(p.issuer(), T0, "carol@EXAMPLE.org", &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipient"], "carol@example.org");

    // The metrics count sign-ins by configured provider and outcome; a provider id a client
    // makes up is never a label.
    let (status, _) = a.send(&s, &tab, &id, "made-up-by-a-client", &token).await;
    assert_eq!(status, 400);
    let metrics = s.scrape().await;
    for line in [
        "waxseal_sign_ins_total{provider=\"test\",outcome=\"signed-in\"} 2",
        "waxseal_sign_ins_total{provider=\"test\",outcome=\"sign-in-replayed\"} 1",
        "waxseal_sign_ins_total{provider=\"unknown\",outcome=\"invalid-request\"} 1",
        "waxseal_oidc_refreshes_total{provider=\"test\",document=\"keys\",outcome=\"ok\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
    assert!(!metrics.contains("made-up") && !metrics.contains("example.org"));
}

#[tokio::test]
async fn every_check_on_the_id_token_can_refuse_it() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let other = SigningKey::rsa("a", "rsa-b.pem");
    let (_smtp, s, p) = setup(vec![rsa.clone()]).await;
    let (id, _) = s.register(&[ALICE], None).await;
    let iss = p.issuer().to_owned();

    // Each case: a change to a valid token's claims (or how it is signed), and the answer.
    type Case = (
        &'static str,
        Box<dyn Fn(&mut Value) -> Option<String>>,
        u16,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "another audience",
            Box::new(|c| {
                c["aud"] = json!("other-app");
                None
            }),
            401,
            "sign-in-invalid",
            "another application (aud)",
        ),
        (
            "audience list without azp",
            Box::new(|c| {
                c["aud"] = json!([CLIENT, "other-app"]);
                None
            }),
            401,
            "sign-in-invalid",
            "(azp)",
        ),
        (
            "azp of another client",
            Box::new(|c| {
                c["azp"] = json!("other-app");
                None
            }),
            401,
            "sign-in-invalid",
            "(azp)",
        ),
        (
            "another issuer",
            Box::new(|c| {
                c["iss"] = json!("https://evil.example");
                None
            }),
            401,
            "sign-in-invalid",
            "another issuer (iss)",
        ),
        (
            "expired",
            Box::new(|c| {
                c["iat"] = json!(T0 - 400);
                c["exp"] = json!(T0 - 61);
                None
            }),
            401,
            "sign-in-expired",
            "too old",
        ),
        (
            "issued long ago",
            Box::new(|c| {
                c["iat"] = json!(T0 - 700);
                c["exp"] = json!(T0 + 3000);
                None
            }),
            401,
            "sign-in-expired",
            "too old",
        ),
        (
            "issued in the future",
            Box::new(|c| {
                c["iat"] = json!(T0 + 120);
                None
            }),
            401,
            "sign-in-invalid",
            "(iat)",
        ),
        (
            "not valid yet",
            Box::new(|c| {
                c["nbf"] = json!(T0 + 120);
                None
            }),
            401,
            "sign-in-invalid",
            "(nbf)",
        ),
        (
            "no nonce",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("nonce");
                None
            }),
            401,
            "sign-in-invalid",
            "(nonce)",
        ),
        (
            "unverified e-mail",
            Box::new(|c| {
                c["email_verified"] = json!(false);
                None
            }),
            403,
            "email-unverified",
            "does not confirm",
        ),
        (
            "e-mail verified as a string",
            Box::new(|c| {
                c["email_verified"] = json!("false");
                None
            }),
            403,
            "email-unverified",
            "does not confirm",
        ),
        (
            "not a recipient",
            Box::new(|c| {
                c["email"] = json!("mallory@example.com");
                None
            }),
            403,
            "wrong-account",
            "You signed in as mallory@example.com",
        ),
        (
            "local part in another case",
            Box::new(|c| {
                c["email"] = json!("Alice@example.com");
                None
            }),
            403,
            "wrong-account",
            "Alice@example.com",
        ),
        (
            "no exp",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("exp");
                None
            }),
            401,
            "sign-in-invalid",
            "lacks a required claim",
        ),
        (
            "no sub",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("sub");
                None
            }),
            401,
            "sign-in-invalid",
            "lacks a required claim",
        ),
        (
            "not a JWT",
            Box::new(|_| Some("not.a.jwt".into())),
            401,
            "sign-in-invalid",
            "not a signed JWT",
        ),
    ];
    for (name, change, status, kind, detail) in cases {
        let tab = Tab::new();
        let a = Attempt::new(&tab, &id);
        let mut c = claims(&iss, T0, ALICE, &a.nonce);
        let token = change(&mut c).unwrap_or_else(|| sign(&rsa, &c));
        let (got, body) = a.send(&s, &tab, &id, "test", &token).await;
        assert_eq!((got, problem_type(&body)), (status, kind), "{name}: {body}");
        let text = body["detail"].as_str().unwrap();
        assert!(text.contains(detail), "{name}: {text}");
    }

    // Signed with another key under the published key id: a bad signature.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&other, &claims(&iss, T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("signature"),
        "{body}"
    );

    // A valid token with one bit of its signature flipped.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(&iss, T0, ALICE, &a.nonce));
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
    bytes[10] ^= 1;
    let forged = format!("{head}.{}", b64u(&bytes));
    let (status, body) = a.send(&s, &tab, &id, "test", &forged).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );

    // HS256 with the public key as the secret (the classic algorithm confusion), even though the
    // provider lists HS256: refused before any key is used.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("a".into());
    let hs = jsonwebtoken::encode(
        &header,
        &claims(&iss, T0, ALICE, &a.nonce),
        &EncodingKey::from_secret(&key("rsa-a.pem")),
    )
    .unwrap();
    let (status, body) = a.send(&s, &tab, &id, "test", &hs).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("algorithm"),
        "{body}"
    );

    // `alg: none`.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let enc = |v: &Value| b64u(v.to_string().as_bytes());
    let none = format!(
        "{}.{}.",
        enc(&json!({"alg": "none", "typ": "JWT"})),
        enc(&claims(&iss, T0, ALICE, &a.nonce))
    );
    let (status, body) = a.send(&s, &tab, &id, "test", &none).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );

    // A token made for one tab (its nonce) sent from another tab's key, or for another message.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(&iss, T0, ALICE, &a.nonce));
    let thief = Tab::new();
    let (status, body) = a.send(&s, &thief, &id, "test", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("(nonce)"));
    let (other_id, _) = s.register(&[ALICE], None).await;
    let (status, body) = a.send(&s, &tab, &other_id, "test", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    // The refused attempts did not spend it: from its own tab it still works, once.
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(status, 200, "{body}");

    // Unknown provider, bad salt.
    let (status, body) = a.send(&s, &tab, &id, "nope", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (400, "invalid-request"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("GET /v1/config"));
    let (status, body) = s
        .post(
            &format!("/v1/messages/{id}/sign-in"),
            None,
            json!({"provider": "test", "id_token": token, "public_key": tab.public_key(), "nonce_salt": "c2hvcnQ"}),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (400, "invalid-request"),
        "{body}"
    );

    // The wrong account's address is returned for the viewer to show.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(&iss, T0, "mallory@example.com", &a.nonce));
    let (_, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(body["signed_in_as"], "mallory@example.com");

    // Nothing of a refused token reached the audit trail.
    let (_, st) = s.get(&format!("/v1/messages/{id}"), Some(&s.api_key)).await;
    let kinds: Vec<&str> = st["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["registered", "signed_in"]);
}

#[tokio::test]
async fn revoked_expired_and_unknown_messages_are_refused_before_the_token_is_read() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let (_smtp, s, p) = setup(vec![rsa.clone()]).await;
    let (id, _) = s.register(&[ALICE], None).await;
    let (status, _) = s
        .post(
            &format!("/v1/messages/{id}/revoke"),
            Some(&s.api_key),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(p.issuer(), T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!((status, problem_type(&body)), (410, "revoked"), "{body}");
    let unknown = MessageId::generate();
    let (status, body) = a.send(&s, &tab, &unknown, "test", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (404, "unknown-message"),
        "{body}"
    );
}

#[tokio::test]
async fn allowed_domains_limit_a_provider() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let (_smtp, s, p) = setup(vec![rsa.clone()]).await;
    let (id, _) = s.register(&[ALICE, "carol@example.org"], None).await;
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(p.issuer(), T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "corp", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "domain-not-allowed"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("example.com"));
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(p.issuer(), T0, "carol@example.org", &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "corp", &token).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_unknown_key_ids_do_not_hammer_the_provider() {
    let a_key = SigningKey::rsa("a", "rsa-a.pem");
    let b_key = SigningKey::rsa("b", "rsa-b.pem");
    // One provider only, so that every key fetch counted is this provider's.
    let (_smtp, s, p) = setup_with(vec![a_key.clone()], |p| {
        p.config()
            .split("\n\n[[sign_in]]\nid = \"corp\"")
            .next()
            .unwrap()
            .to_owned()
    })
    .await;
    let (id, _) = s.register(&[ALICE], None).await;
    let iss = p.issuer().to_owned();

    let tab = Tab::new();
    let at = Attempt::new(&tab, &id);
    let (status, body) = at
        .send(
            &s,
            &tab,
            &id,
            "test",
            &sign(&a_key, &claims(&iss, T0, ALICE, &at.nonce)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fetched = p.key_fetches();
    assert_eq!(fetched, 1);

    // The provider rotates to key b: the first token signed with it makes the server fetch the
    // keys again, once.
    p.publish(vec![b_key.clone()]);
    let tab = Tab::new();
    let at = Attempt::new(&tab, &id);
    let (status, body) = at
        .send(
            &s,
            &tab,
            &id,
            "test",
            &sign(&b_key, &claims(&iss, T0, ALICE, &at.nonce)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(p.key_fetches(), fetched + 1);

    // Tokens naming key ids the provider never published: no further fetch within the minute.
    for kid in ["x", "y", "z"] {
        let forged = SigningKey {
            kid: kid.into(),
            ..b_key.clone()
        };
        let tab = Tab::new();
        let at = Attempt::new(&tab, &id);
        let (status, body) = at
            .send(
                &s,
                &tab,
                &id,
                "test",
                &sign(&forged, &claims(&iss, T0, ALICE, &at.nonce)),
            )
            .await;
        assert_eq!(
            (status, problem_type(&body)),
            (401, "sign-in-invalid"),
            "{body}"
        );
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("does not publish")
        );
    }
    assert_eq!(p.key_fetches(), fetched + 1);
}

#[tokio::test]
async fn microsoft_accounts_prove_addresses_with_entra_claims() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let (_smtp, s, p) = setup(vec![rsa.clone()]).await;
    let (id, _) = s.register(&[ALICE, "carol@example.org"], None).await;
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let iss = format!("{}/{tid}/v2.0", p.issuer());
    let ms = |nonce: &str, extra: Value| {
        let mut c = json!({
            "iss": iss, "sub": "s", "aud": CLIENT, "iat": T0, "exp": T0 + 300,
            "nonce": nonce, "tid": tid,
        });
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sign(&rsa, &c)
    };
    // `email` alone, even with `email_verified`, is not proof in Entra ID.
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let (status, body) = a
        .send(
            &s,
            &tab,
            &id,
            "ms",
            &ms(&a.nonce, json!({"email": ALICE, "email_verified": true})),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (403, "email-unverified"),
        "{body}"
    );
    assert_eq!(body["signed_in_as"], ALICE);
    // `email` with `xms_edov` (the domain owner verified it) is.
    let a = Attempt::new(&tab, &id);
    let (status, body) = a
        .send(
            &s,
            &tab,
            &id,
            "ms",
            &ms(&a.nonce, json!({"email": ALICE, "xms_edov": true})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // So are `verified_secondary_email` entries.
    let a = Attempt::new(&tab, &id);
    let (status, body) = a
        .send(
            &s,
            &tab,
            &id,
            "ms",
            &ms(
                &a.nonce,
                json!({"verified_primary_email": ["c.jones@example.org"], "verified_secondary_email": ["carol@example.org"]}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recipient"], "carol@example.org");
    // The issuer must name the token's own tenant.
    let a = Attempt::new(&tab, &id);
    let (status, body) = a
        .send(
            &s,
            &tab,
            &id,
            "ms",
            &ms(&a.nonce, json!({"xms_edov": true, "email": ALICE, "tid": "00000000-0000-0000-0000-000000000000"})),
        )
        .await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("(iss)"));
}

#[tokio::test]
async fn an_unreachable_provider_is_left_out_and_refuses_with_its_own_problem() {
    // A provider address nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let smtp = SmtpSink::start();
    let s = TestServer::start(
        &smtp,
        Options {
            extra: format!(
                "[[sign_in]]\nid = \"gone\"\nname = \"Gone\"\nissuer = \"{dead}\"\nclient_id = \"{CLIENT}\"\n"
            ),
            ..Options::default()
        },
    )
    .await;
    let (status, config) = s.get("/v1/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["methods"], json!(["passcode"]));
    assert_eq!(config["providers"], json!([]));
    let (id, _) = s.register(&[ALICE], None).await;
    let tab = Tab::new();
    let a = Attempt::new(&tab, &id);
    let (status, body) = a.send(&s, &tab, &id, "gone", "a.b.c").await;
    assert_eq!(
        (status, problem_type(&body)),
        (401, "sign-in-invalid"),
        "{body}"
    );
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let token = sign(&rsa, &claims(&dead, T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "gone", &token).await;
    assert_eq!(
        (status, problem_type(&body)),
        (502, "provider-unavailable"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("use a passcode"));
}

#[tokio::test]
async fn a_discovery_document_with_hostile_endpoints_is_not_offered() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let (_smtp, s, _p) = setup_with(vec![rsa], |p| {
        format!(
            "[[sign_in]]\nid = \"hostile\"\nname = \"Hostile\"\nissuer = \"{}/hostile\"\nclient_id = \"{CLIENT}\"\n",
            p.issuer()
        )
    })
    .await;
    let (status, config) = s.get("/v1/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["methods"], json!(["passcode"]));
    assert_eq!(config["providers"], json!([]));
}

#[tokio::test]
async fn signing_in_still_opens_a_message_whose_passcodes_are_spent() {
    let rsa = SigningKey::rsa("a", "rsa-a.pem");
    let provider = TestProvider::start(vec![rsa.clone()]).await;
    let smtp = SmtpSink::start();
    let s = TestServer::start(
        &smtp,
        Options {
            extra: provider.config(),
            passcode: "max_wrong_per_message = 1".into(),
            ..Options::default()
        },
    )
    .await;
    let (id, share) = s.register(&[ALICE], None).await;
    let tab = Tab::new();
    assert_eq!(tab.request_passcode(&s, &id, ALICE).await.0, 200);
    let code = Mail::parse(&smtp.next_mail()).passcode();
    let wrong = if code.starts_with('1') { "2" } else { "1" }.to_owned() + &code[1..];
    let (status, p) = tab.verify(&s, &id, ALICE, &wrong).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "passcodes-exhausted"),
        "{p}"
    );
    let (status, p) = tab.request_passcode(&s, &id, ALICE).await;
    assert_eq!(
        (status, problem_type(&p)),
        (403, "passcodes-exhausted"),
        "{p}"
    );
    // An account sign-in is not a guess: it still opens the message.
    let a = Attempt::new(&tab, &id);
    let token = sign(&rsa, &claims(provider.issuer(), T0, ALICE, &a.nonce));
    let (status, body) = a.send(&s, &tab, &id, "test", &token).await;
    assert_eq!(status, 200, "{body}");
    let (status, released) = tab.release(&s, &id, body["token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(tab.open(&released, &id, ALICE), share);
}

//! The test harness: the real server on a free port with a temporary SQLite file and a manual
//! clock, a real SMTP server (aiosmtpd), and an HTTP client.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use waxseal_envelope::release::TabKeyPair;
use waxseal_envelope::{MessageId, ServerShare};
use waxseal_server::clock::ManualClock;
use waxseal_server::config::Config;
use waxseal_server::sqlite::SqliteStore;
use waxseal_server::store::Store;

#[path = "smtp_sink.rs"]
pub mod smtp_sink;
pub use smtp_sink::SmtpSink;

pub const ORIGIN: &str = "http://127.0.0.1:1";
pub const T0: u64 = 1_790_000_000;

/// The text/plain part, HTML part and subject of a delivered passcode mail.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub language: Option<String>,
}

impl Mail {
    pub fn parse(raw: &[u8]) -> Self {
        let m = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parsable mail");
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap()
            .to_owned();
        let language = m
            .header_raw("Content-Language")
            .map(|v| v.trim().to_owned());
        Self {
            to,
            subject: m.subject().unwrap_or_default().to_owned(),
            text: m.body_text(0).unwrap().into_owned(),
            html: m.body_html(0).unwrap().into_owned(),
            language,
        }
    }

    /// The 8 passcode digits, read from the text part (`1234 5678`).
    pub fn passcode(&self) -> String {
        self.text
            .lines()
            .filter_map(|l| l.split_once(": ").map(|(_, v)| v.replace(' ', "")))
            .find(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))
            .expect("a passcode line")
    }

    /// The reference code (`XXX-XXX`) from the text part.
    pub fn reference(&self) -> String {
        self.text
            .split_whitespace()
            .find(|w| {
                w.len() == 7
                    && w.as_bytes()[3] == b'-'
                    && w.chars()
                        .filter(|c| *c != '-')
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
            .expect("a reference code")
            .to_owned()
    }
}

/// Options for a test server.
pub struct Options {
    pub per_client_per_hour: u32,
    /// Top-level settings.
    pub extra: String,
    /// More lines of the `[passcode]` table.
    pub passcode: String,
    /// The `[mail]` table; `None`: plain SMTP to the sink.
    pub mail: Option<String>,
    /// Master key entries; `None`: just [`master_key`].
    pub master_keys: Option<Vec<String>>,
    /// Serve the metrics endpoint on a listener of its own ([`TestServer::metrics_url`]).
    pub metrics: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            per_client_per_hour: 1000,
            extra: String::new(),
            passcode: String::new(),
            mail: None,
            master_keys: None,
            metrics: false,
        }
    }
}

/// A test database: a SQLite file in a temporary folder, or, when `WAXSEAL_TEST_POSTGRES` names a
/// PostgreSQL server (`postgres://user@host:port`), a fresh database of its own on that server.
#[derive(Clone, Debug)]
pub struct Db {
    pub url: String,
    /// The SQLite file, when the backend is SQLite.
    pub file: Option<PathBuf>,
}

impl Db {
    pub async fn create(dir: &Path) -> Self {
        match std::env::var("WAXSEAL_TEST_POSTGRES") {
            Ok(base) if !base.is_empty() => {
                let base = base.trim_end_matches('/').to_owned();
                let name = format!(
                    "wx_{}",
                    b64u(&rand_bytes::<9>())
                        .to_ascii_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
                    .await
                    .expect("the test PostgreSQL server answers");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                Self {
                    url: format!("{base}/{name}"),
                    file: None,
                }
            }
            _ => {
                let file = dir.join("keys.db");
                Self {
                    url: format!("sqlite://{}", file.display()),
                    file: Some(file),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.file.is_none()
    }

    /// Every message's id, stored share ciphertext and key id, oldest first.
    pub async fn message_shares(&self) -> Vec<(String, Option<Vec<u8>>, Option<String>)> {
        let sql = "SELECT id, share_ct, share_key_id FROM messages ORDER BY created, id";
        if self.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }

    /// How many messages and audit events are stored.
    pub async fn counts(&self) -> (i64, i64) {
        let sql = "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM events)";
        if self.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            let row = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            row
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            let row = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            row
        }
    }
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A running key-release server.
pub struct TestServer {
    pub url: String,
    /// `http://…/metrics`, when [`Options::metrics`] is set.
    pub metrics_url: Option<String>,
    pub clock: Arc<ManualClock>,
    pub db: Db,
    pub api_key: String,
    pub other_api_key: String,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), String>>>,
    _dir: Option<tempfile::TempDir>,
}

pub fn master_key() -> String {
    format!("k1:{}", STANDARD.encode([0x11u8; 32]))
}

pub fn config_text(db: &Db, smtp_port: u16, opts: &Options) -> String {
    format!(
        r#"
listen = "127.0.0.1:0"
public_origin = "{ORIGIN}"
database_url = "{db}"
master_keys = {keys}
{extra}
[passcode]
per_client_per_hour = {pc}
{passcode}
{mail}
"#,
        db = db.url,
        keys = serde_json::to_string(&opts.master_keys.clone().unwrap_or_else(|| vec![master_key()])).unwrap(),
        extra = opts.extra,
        pc = opts.per_client_per_hour,
        passcode = opts.passcode,
        mail = opts.mail.clone().unwrap_or(format!(
            "[mail]\nmode = \"smtp\"\nfrom = \"waxseal <no-reply@keys.example.com>\"\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"plain\""
        )),
    )
}

impl TestServer {
    pub async fn start(smtp: &SmtpSink, opts: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::create(dir.path()).await;
        let (api_key, other_api_key) = create_senders(&db).await;
        let mut s = Self::start_on(&db, smtp, &opts, Arc::new(ManualClock::new(T0))).await;
        s.api_key = api_key;
        s.other_api_key = other_api_key;
        s._dir = Some(dir);
        s
    }

    /// Starts a server on an existing database (a restart).
    pub async fn start_on(
        db: &Db,
        smtp: &SmtpSink,
        opts: &Options,
        clock: Arc<ManualClock>,
    ) -> Self {
        let config =
            Config::from_toml_and_env(&config_text(db, smtp.port, opts), |_| None).unwrap();
        // Bound before the server task starts: connections wait in the backlog, no readiness poll.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (metrics, metrics_url) = if opts.metrics {
            let m = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/metrics", m.local_addr().unwrap());
            (Some(m), Some(url))
        } else {
            (None, None)
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(waxseal_server::serve_all(
            config,
            listener,
            metrics,
            async {
                let _ = rx.await;
            },
            clock.clone(),
        ));
        Self {
            url,
            metrics_url,
            clock,
            db: db.clone(),
            api_key: String::new(),
            other_api_key: String::new(),
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            task: Some(task),
            _dir: None,
        }
    }

    /// What the metrics endpoint answers now (needs [`Options::metrics`]).
    pub async fn scrape(&self) -> String {
        let url = self
            .metrics_url
            .as_ref()
            .expect("started with metrics: true");
        reqwest::get(url).await.unwrap().text().await.unwrap()
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = res.text().await.unwrap();
        if status >= 400 {
            assert_eq!(
                ct, "application/problem+json",
                "error {status} is not problem+json: {text}"
            );
        }
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, bearer, Some(body))
            .await
    }

    pub async fn get(&self, path: &str, bearer: Option<&str>) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, bearer, None).await
    }

    /// Registers a fresh message for the given recipients; returns its id and share.
    pub async fn register(
        &self,
        recipients: &[&str],
        max_opens: Option<u32>,
    ) -> (MessageId, ServerShare) {
        let id = MessageId::generate();
        let share = ServerShare::generate();
        let (status, body) = self
            .post(
                "/v1/messages",
                Some(&self.api_key),
                register_body(&id, &share, recipients, max_opens),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (id, share)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The sender address of registered test messages (Acme Bank's verified domain).
pub const SENDER_ADDRESS: &str = "notices@acme.example";

pub fn register_body(
    id: &MessageId,
    share: &ServerShare,
    recipients: &[&str],
    max_opens: Option<u32>,
) -> Value {
    let mut body = json!({
        "id": id.to_string(),
        "server_share": share.to_b64u(),
        "key_server": ORIGIN,
        "recipients": recipients,
        "from": SENDER_ADDRESS,
        "expires": T0 + 7 * 86_400,
    });
    if let Some(m) = max_opens {
        body["max_opens"] = json!(m);
    }
    body
}

/// Creates two sender organisations directly in the database; returns their API keys.
pub async fn create_senders(db: &Db) -> (String, String) {
    let store = connect(db).await;
    let mut keys = Vec::new();
    for (name, domain) in [
        ("Acme Bank", "acme.example"),
        ("Other Org", "other.example"),
    ] {
        let id = store.create_sender(name, T0).await.unwrap();
        store.add_sender_domain(id, domain, T0).await.unwrap();
        let (key, key_id, hash) = waxseal_server::secrets::new_api_key();
        store.add_api_key(id, &key_id, &hash, T0).await.unwrap();
        keys.push(key.to_string());
    }
    (keys.remove(0), keys.remove(0))
}

/// A store on the test database (SQLite or PostgreSQL).
pub async fn connect(db: &Db) -> Arc<dyn Store> {
    if db.is_postgres() {
        Arc::new(
            waxseal_server::postgres::PgStore::connect(&db.url)
                .await
                .unwrap(),
        )
    } else {
        Arc::new(SqliteStore::connect(&db.url).await.unwrap())
    }
}

pub fn b64u(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A browser tab: its key pair and the requests it makes.
pub struct Tab {
    pub keys: TabKeyPair,
}

impl Tab {
    pub fn new() -> Self {
        Self {
            keys: TabKeyPair::generate(),
        }
    }

    pub fn public_key(&self) -> String {
        b64u(&self.keys.public_key())
    }

    pub async fn request_passcode(
        &self,
        s: &TestServer,
        id: &MessageId,
        recipient: &str,
    ) -> (u16, Value) {
        s.post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            json!({"recipient": recipient, "public_key": self.public_key(), "lang": "en"}),
        )
        .await
    }

    pub async fn verify(
        &self,
        s: &TestServer,
        id: &MessageId,
        recipient: &str,
        passcode: &str,
    ) -> (u16, Value) {
        s.post(
            &format!("/v1/messages/{id}/verify"),
            None,
            json!({"recipient": recipient, "public_key": self.public_key(), "passcode": passcode}),
        )
        .await
    }

    pub async fn release(&self, s: &TestServer, id: &MessageId, token: &str) -> (u16, Value) {
        s.post(
            &format!("/v1/messages/{id}/release"),
            Some(token),
            json!({"public_key": self.public_key()}),
        )
        .await
    }

    /// Passcode → mail → verify → token.
    pub async fn verified_token(
        &self,
        s: &TestServer,
        smtp: &SmtpSink,
        id: &MessageId,
        recipient: &str,
    ) -> String {
        let (status, body) = self.request_passcode(s, id, recipient).await;
        assert_eq!(status, 200, "{body}");
        let mail = Mail::parse(&smtp.next_mail());
        assert_eq!(mail.reference(), body["reference"].as_str().unwrap());
        let (status, body) = self.verify(s, id, recipient, &mail.passcode()).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Opens a release answer into the share.
    pub fn open(&self, body: &Value, id: &MessageId, recipient: &str) -> ServerShare {
        let release = URL_SAFE_NO_PAD
            .decode(body["release"].as_str().unwrap())
            .unwrap();
        self.keys
            .open(&release, id, recipient, ORIGIN)
            .expect("the release opens")
    }
}

pub fn problem_type(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or("")
        .strip_prefix("urn:waxseal:problem:")
        .unwrap_or("")
}

pub fn write_all(path: &Path, data: &[u8]) {
    std::fs::File::create(path)
        .unwrap()
        .write_all(data)
        .unwrap();
}

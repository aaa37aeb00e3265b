//! The key server as users run it — `waxseal serve`, a process, with the test viewer and a
//! sender organisation with an API key — and the `waxseal` command against it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::common::{self, Mail, SmtpSink};
use waxseal_server::store::Store;

pub const BIN: &str = env!("CARGO_BIN_EXE_waxseal");

pub struct Serve {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub api_key: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start(smtp: &SmtpSink) -> Serve {
    start_with_smtp(smtp.port).await
}

/// [`start`], mailing through the SMTP server on `smtp_port`.
pub async fn start_with_smtp(smtp_port: u16) -> Serve {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let db = dir.path().join("keys.db");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\npublic_origin = \"{url}\"\ndatabase_url = \"sqlite://{}\"\n[mail]\nmode = \"smtp\"\nfrom = \"waxseal <no-reply@keys.example.com>\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"plain\"\n",
            db.display(),
            smtp_port
        ),
    )
    .unwrap();
    // The sender organisation, created in the database the server will open.
    let store = waxseal_server::sqlite::SqliteStore::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let sender = store.create_sender("Acme Bank", 0).await.unwrap();
    for domain in ["example.com", "acme.example"] {
        store.add_sender_domain(sender, domain, 0).await.unwrap();
    }
    let (api_key, key_id, hash) = waxseal_server::secrets::new_api_key();
    store.add_api_key(sender, &key_id, &hash, 0).await.unwrap();
    store.close().await;

    Serve {
        child: spawn(&config),
        url,
        dir,
        api_key: api_key.to_string(),
    }
}

/// Starts `waxseal serve` with `config` and the test viewer; returns once it listens.
fn spawn(config: &Path) -> Child {
    let viewer = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/viewer");
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .arg("--viewer-dir")
        .arg(&viewer)
        .env("WAXSEAL_MASTER_KEYS", common::master_key())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready when it logs that it listens.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("listening")),
        "waxseal serve did not start"
    );
    std::thread::spawn(move || for _ in lines {});
    child
}

impl Serve {
    /// Stops the server (its database stays).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again, same address and database.
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn(&self.dir.path().join("server.toml"));
    }
}

pub fn waxseal(s: &Serve, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(s.dir.path())
        .env("WAXSEAL_SERVER", &s.url)
        .env("WAXSEAL_API_KEY", &s.api_key)
        .env("XDG_CONFIG_HOME", s.dir.path())
        .output()
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `waxseal open FILE --out OUT` with `more` arguments, answering its passcode prompt with
/// what `passcodes` makes of the passcode mail from the SMTP server.
pub fn open(
    s: &Serve,
    smtp: &SmtpSink,
    file: &str,
    out: &str,
    more: &[&str],
    passcodes: impl FnOnce(&Mail) -> Vec<String>,
) -> Output {
    let mut child = Command::new(BIN)
        .args(["open", file, "--out", out])
        .args(more)
        .current_dir(s.dir.path())
        .env("WAXSEAL_SERVER", &s.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mail = Mail::parse(&smtp.next_mail());
    let mut stdin = child.stdin.take().unwrap();
    for p in passcodes(&mail) {
        writeln!(stdin, "{p}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

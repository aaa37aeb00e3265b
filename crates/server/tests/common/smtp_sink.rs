//! A real SMTP server for the tests (aiosmtpd, `crates/server/tests/smtp_sink.py`): the key
//! server's tests deliver passcode and relay mails to it, the gateway's tests use it as the next
//! hop. Each delivered mail is announced on its stdout, so tests wait on events, not sleeps.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// A mail as the server received it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `MAIL FROM` (`<>` for the null sender).
    pub from: String,
    /// `RCPT TO`, in order.
    pub to: Vec<String>,
    /// The message.
    pub data: Vec<u8>,
}

/// A real SMTP server; each delivered mail is announced on its stdout.
pub struct SmtpSink {
    child: Child,
    stdin: Option<ChildStdin>,
    pub port: u16,
    /// With STARTTLS: the server's self-signed certificate.
    pub cert: Option<PathBuf>,
    delivered: Receiver<PathBuf>,
    _dir: tempfile::TempDir,
}

fn python() -> PathBuf {
    std::env::var_os("WAXSEAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python")
        })
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::start_with(false, None)
    }

    /// A server that requires STARTTLS.
    pub fn start_starttls() -> Self {
        Self::start_with(true, None)
    }

    /// A server that refuses (552) mails larger than `max_bytes`.
    #[allow(dead_code)]
    pub fn start_with_limit(max_bytes: usize) -> Self {
        Self::start_with(false, Some(max_bytes))
    }

    fn start_with(starttls: bool, max_bytes: Option<usize>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(dir.path())
            .args(starttls.then_some("--starttls".to_owned()))
            .args(max_bytes.map(|n| format!("--max-bytes={n}")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start the SMTP server; run scripts/setup.sh to create .tools/venv with aiosmtpd");
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut cert = None;
        let mut first = lines.next().expect("the SMTP server exited").unwrap();
        if let Some(path) = first.strip_prefix("CERT ") {
            cert = Some(PathBuf::from(path));
            first = lines.next().expect("the SMTP server exited").unwrap();
        }
        let port = first
            .strip_prefix("LISTENING ")
            .expect("LISTENING line")
            .parse()
            .unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(path) = line.strip_prefix("DELIVERED ") {
                    let _ = tx.send(PathBuf::from(path));
                }
            }
        });
        Self {
            child,
            stdin,
            port,
            cert,
            delivered: rx,
            _dir: dir,
        }
    }

    /// The next delivered mail. The server delivers before it answers the API request, so a
    /// mail is normally waiting already; the bound only stops a broken test from hanging.
    pub fn next_mail(&self) -> Vec<u8> {
        self.next_delivery().data
    }

    /// The next delivered mail with its envelope.
    pub fn next_delivery(&self) -> Delivery {
        self.next_delivery_within(Duration::from_secs(30))
            .expect("no mail was delivered")
    }

    /// The next delivered mail with its envelope, if one comes within `bound`.
    pub fn next_delivery_within(&self, bound: Duration) -> Option<Delivery> {
        let path = self.delivered.recv_timeout(bound).ok()?;
        let envelope = std::fs::read_to_string(path.with_extension("envelope")).unwrap();
        let mut lines = envelope.lines().map(str::to_owned);
        Some(Delivery {
            from: lines.next().unwrap_or_default(),
            to: lines.collect(),
            data: std::fs::read(path).unwrap(),
        })
    }

    /// True if no further mail arrived.
    pub fn no_more_mail(&self) -> bool {
        self.delivered.try_recv().is_err()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

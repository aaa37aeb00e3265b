//! The `waxseal-server` binary: admin commands, configuration errors and graceful shutdown on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use base64::Engine as _;

const BIN: &str = env!("CARGO_BIN_EXE_waxseal-server");

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("server.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:0\"\npublic_origin = \"http://localhost:8080\"\ndatabase_url = \"sqlite://{}\"\n[mail]\nmode = \"file-outbox\"\nfrom = \"waxseal <no-reply@localhost>\"\ndir = \"{}\"\n",
            dir.join("keys.db").display(),
            dir.join("outbox").display()
        ),
    )
    .unwrap();
    path
}

fn master_key() -> String {
    let out = Command::new(BIN)
        .arg("generate-master-key")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn generate_master_key_prints_an_id_and_32_random_bytes() {
    let a = master_key();
    let b = master_key();
    let (id, key) = a.split_once(':').unwrap();
    assert_eq!(id, "k1");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap()
            .len(),
        32
    );
    assert_ne!(a, b);
    let out = Command::new(BIN)
        .args(["generate-master-key", "--id", "bad id"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the key id must be letters, digits, '-' or '_'\n"
    );
}

#[test]
fn configuration_errors_exit_2_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&cfg)
        .env_remove("WAXSEAL_MASTER_KEYS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("error: {}: ", cfg.display())),
        "names the file: {err}"
    );
    assert!(err.contains("no master key is configured (set WAXSEAL_MASTER_KEYS; generate one with `waxseal-server generate-master-key`)"), "{err}");
    let out = Command::new(BIN)
        .args(["serve", "--config", "/nonexistent/server.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: cannot read the configuration file /nonexistent/server.toml:")
    );
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&cfg)
        .env("WAXSEAL_LISTEN", "0.0.0.0:0")
        .env("WAXSEAL_MASTER_KEYS", master_key())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is for local demos and cannot be used while listening on 0.0.0.0:0")
    );
}

#[test]
fn senders_are_created_once_and_keys_added() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .arg("--config")
            .arg(&cfg)
            .env(
                "WAXSEAL_MASTER_KEYS",
                "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            )
            .output()
            .unwrap()
    };
    let out = run(&["create-sender", "Acme Bank"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap();
    assert!(key.starts_with("wxs_") && key.trim().len() > 50, "{key}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only now"));
    let out = run(&["create-sender", "Acme Bank"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: a sender named \"Acme Bank\" exists; use `waxseal-server add-key \"Acme Bank\"` for another key\n"
    );
    let out = run(&["add-key", "Acme Bank"]);
    assert!(out.status.success());
    assert_ne!(String::from_utf8(out.stdout).unwrap(), key);
    let out = run(&["add-key", "Nobody"]);
    assert_eq!(out.status.code(), Some(2));
    // Sending domains: verified by the operator, one at a time or at creation.
    let out = run(&["add-domain", "Acme Bank", "Acme.Example"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "acme.example is now a verified sending domain of \"Acme Bank\"\n"
    );
    let out = run(&["add-domain", "Acme Bank", "acme.example"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "acme.example was already a verified sending domain of \"Acme Bank\"\n"
    );
    let out = run(&["add-domain", "Acme Bank", "acme.example/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: \"acme.example/x\" is not a domain name such as acme.example (ASCII; IDNs in their xn-- form)\n"
    );
    let out = run(&["add-domain", "Nobody", "nobody.example"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["create-sender", "Other Org", "--domain", "other.example"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no verified sending domain"));
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&cfg)
        .env("WAXSEAL_MASTER_KEYS", master_key())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // The server logs its address once it is listening: readiness without polling.
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.contains("listening").then(|| {
                l.split("addr=")
                    .nth(1)
                    .unwrap()
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned()
            })
        })
        .expect("the server never logged its address");
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().unwrap().success());
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}

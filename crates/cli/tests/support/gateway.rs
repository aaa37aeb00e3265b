//! The gateway as administrators run it: `waxseal gateway serve --config …`, a process, with
//! its log read line by line so that the tests wait on what it says.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The gateway's configuration for deployment a (`deploy/postfix-content-filter/`), as shipped,
/// pointed at the key server `keys` and these ports. Writes the gateway's API key and a reply key
/// (`waxseal reply-key new`) beside the key server's files, once.
pub fn content_filter_config(keys: &crate::serve::Serve, gateway: u16, reinject: u16) -> String {
    let dir = keys.dir.path();
    std::fs::write(dir.join("gateway-api-key"), &keys.api_key).unwrap();
    if !dir.join("reply-key.toml").exists() {
        let out = crate::serve::waxseal(keys, &["reply-key", "new", "--key-id", "2026-12"]);
        assert!(out.status.success(), "{}", crate::serve::text(&out.stderr));
    }
    crate::postfix::deploy("postfix-content-filter/waxseal-gateway.toml")
        .replace("https://keys.acme.example", &keys.url)
        .replace(
            "/etc/waxseal/gateway-api-key",
            dir.join("gateway-api-key").to_str().unwrap(),
        )
        .replace(
            "/etc/waxseal/reply-key.toml",
            dir.join("reply-key.toml").to_str().unwrap(),
        )
        .replace("127.0.0.1:10025", &format!("127.0.0.1:{gateway}"))
        .replace("127.0.0.1:10026", &format!("127.0.0.1:{reinject}"))
}

/// A running gateway.
pub struct Gateway {
    child: Child,
    config: PathBuf,
    log: Receiver<String>,
}

impl Gateway {
    /// Writes `config` beside the other files of the test in `dir` and starts the gateway with
    /// it; returns once it listens.
    pub fn start(dir: &std::path::Path, config: &str, env: &[(&str, &str)]) -> Self {
        let path = dir.join("waxseal-gateway.toml");
        std::fs::write(&path, config).unwrap();
        Self::run(path, env)
    }

    fn run(config: PathBuf, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_waxseal"))
            .args(["gateway", "serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("WAXSEAL_TEST_GATEWAY_LOG").is_some() {
                    eprintln!("gateway: {line}");
                }
                let _ = tx.send(line);
            }
        });
        let gateway = Self { child, config, log };
        gateway.wait_for(|l| l.contains("listening for SMTP"));
        gateway
    }

    /// Waits for the next log line that `matches` (the bound only stops a broken test).
    pub fn wait_for(&self, matches: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(60))
                .expect("the gateway did not log what the test waits for (or it exited)");
            if matches(&line) {
                return line;
            }
        }
    }

    /// Its peak resident memory so far, in bytes (`VmHWM`).
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status");
        kb * 1024
    }

    /// Kills it with SIGKILL (no chance to finish anything) and starts it again, same
    /// configuration.
    pub fn kill_and_restart(self, env: &[(&str, &str)]) -> Self {
        let config = self.config.clone();
        drop(self);
        Self::run(config, env)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // SIGKILL.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

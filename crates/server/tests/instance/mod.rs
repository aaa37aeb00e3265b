//! A `waxseal-server serve` process, for tests that need real processes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::{Db, Options, SmtpSink, config_text};

const BIN: &str = env!("CARGO_BIN_EXE_waxseal-server");

/// A `waxseal-server serve` process.
pub struct Instance {
    child: Child,
    pub url: String,
    http: reqwest::Client,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// SIGKILL: no shutdown, no flush, as in a crash.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Instance {
    pub fn start(db: &Db, smtp: &SmtpSink, dir: &std::path::Path, name: &str) -> Self {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, config_text(db, smtp.port, &Options::default())).unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
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
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            url: format!("http://{addr}"),
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path}", self.url)).json(&body);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }
}

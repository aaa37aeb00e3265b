//! Release throughput and latency of real `waxseal-server` processes on loopback, driven by `wrk`
//! (Debian), next to the raw HPKE seal rate measured in the same run: with 1 and 2 instances,
//! on SQLite and (when `WAXSEAL_BENCH_POSTGRES` names a server) on PostgreSQL.
//!
//! Run: `scripts/bench.sh` (installs wrk, builds the release server, starts a throwaway
//! PostgreSQL cluster). Each configuration gets a fresh database with one message and enough
//! tokens (minted in the database, as the passcode flow would) that every request is the first
//! release of its token: a counted open, an audit event, a durable commit, decrypting the stored
//! share and an HPKE seal to the tab's key. With 2 instances, wrk sends half the connections to
//! each. A second run paced with wrk's `delay()` at half the full-load rate gives the p99 at
//! half load. Targets: releases/s ≥ 0.5 × raw HPKE seals/s; p99 ≤ 25 ms at half load.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use waxseal_envelope::release::{self, TabKeyPair};
use waxseal_envelope::{MessageId, ServerShare};

const ORIGIN: &str = "http://127.0.0.1:1";
const SECONDS: u32 = 10;
const CONNECTIONS: u32 = 32;
const PACED_CONNECTIONS: u32 = 16;
const TOKENS: usize = 200_000;

fn raw_hpke_rate() -> f64 {
    let tab = TabKeyPair::generate();
    let pk = tab.public_key();
    let id = MessageId::generate();
    let share = ServerShare::generate();
    let mut best = 0.0f64;
    for _ in 0..3 {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < Duration::from_secs(1) {
            std::hint::black_box(
                release::seal(&pk, &id, "bob@example.net", ORIGIN, &share).unwrap(),
            );
            n += 1;
        }
        best = best.max(f64::from(n) / start.elapsed().as_secs_f64());
    }
    best
}

#[derive(Default, Clone, Copy)]
struct WrkResult {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

fn to_ms(v: &str) -> f64 {
    let v = v.trim();
    if let Some(x) = v.strip_suffix("us") {
        x.parse::<f64>().unwrap() / 1000.0
    } else if let Some(x) = v.strip_suffix("ms") {
        x.parse().unwrap()
    } else if let Some(x) = v.strip_suffix('s') {
        x.parse::<f64>().unwrap() * 1000.0
    } else {
        panic!("unknown latency unit in {v:?}")
    }
}

/// Runs one wrk per (URL, script) at the same time; rates add up, latencies take the worst.
fn wrk(targets: &[(String, PathBuf)], connections: u32, seconds: u32) -> WrkResult {
    let per = (connections / targets.len() as u32).max(1);
    let children: Vec<_> = targets
        .iter()
        .map(|(url, script)| {
            Command::new("wrk")
                .args([
                    "-t1",
                    &format!("-c{per}"),
                    &format!("-d{seconds}s"),
                    "--latency",
                    "-s",
                ])
                .arg(script)
                .arg(url)
                .stdout(Stdio::piped())
                .spawn()
                .expect("wrk is not installed: run scripts/bench.sh, which installs it from Debian")
        })
        .collect();
    let mut total = WrkResult::default();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "wrk failed: {text}");
        let field = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
        };
        total.rps += field("Requests/sec:")
            .expect("Requests/sec")
            .parse::<f64>()
            .unwrap();
        total.p50_ms = total.p50_ms.max(to_ms(&field("50%").expect("50%")));
        total.p99_ms = total.p99_ms.max(to_ms(&field("99%").expect("99%")));
        total.errors += field("Non-2xx or 3xx responses:").map_or(0, |v| v.parse().unwrap());
    }
    total
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let path = target.join("release/waxseal-server");
    assert!(
        path.exists(),
        "build the server first: cargo build --release -p waxseal-server (scripts/bench.sh does)"
    );
    path
}

fn start_server(config: &Path, master: &str) -> (Server, String) {
    let mut child = Command::new(server_binary())
        .args(["serve", "--config"])
        .arg(config)
        .env("WAXSEAL_MASTER_KEYS", master)
        .env(
            "RUST_LOG",
            "warn,waxseal_server=info,waxseal_server::api=warn",
        )
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
        .expect("the server did not start");
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if std::env::var_os("WAXSEAL_BENCH_VERBOSE").is_some()
                || line.contains("ERROR")
                || line.contains("panicked")
            {
                eprintln!("server: {line}");
            }
        }
    });
    (Server(child), format!("http://{addr}"))
}

/// A fresh database URL for one configuration.
async fn fresh_database(backend: &str, dir: &Path, n: usize) -> String {
    if backend == "sqlite" {
        return format!("sqlite://{}", dir.join(format!("bench-{n}.db")).display());
    }
    let base = std::env::var("WAXSEAL_BENCH_POSTGRES").unwrap();
    let name = format!("wx_bench_{n}_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    format!("{base}/{name}")
}

/// Mints `TOKENS` tokens for one message of one tab, in one transaction; returns them.
async fn mint_tokens(url: &str, id: &MessageId, tab: &TabKeyPair, expires: u64) -> Vec<String> {
    let mut tokens = Vec::with_capacity(TOKENS);
    let mut hashes = Vec::with_capacity(TOKENS);
    for _ in 0..TOKENS {
        let (token, hash) = waxseal_server::secrets::new_token();
        tokens.push(token.to_string());
        hashes.push(hash.to_vec());
    }
    let pk = tab.public_key().to_vec();
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        for h in &hashes {
            sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires) VALUES (?, ?, 'bob@example.net', ?, ?)")
                .bind(h)
                .bind(id.to_string())
                .bind(&pk)
                .bind(expires as i64)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires) SELECT h, $2, 'bob@example.net', $3, $4 FROM UNNEST($1::bytea[]) AS x(h)")
            .bind(&hashes)
            .bind(id.to_string())
            .bind(&pk)
            .bind(expires as i64)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    tokens
}

struct Row {
    backend: &'static str,
    instances: usize,
    full: WrkResult,
    half_rate: f64,
    paced: WrkResult,
}

fn main() {
    let raw = raw_hpke_rate();
    let dir = tempfile::tempdir().unwrap();
    let master = format!("k1:{}", STANDARD.encode([9u8; 32]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut backends = vec!["sqlite"];
    if std::env::var("WAXSEAL_BENCH_POSTGRES").is_ok_and(|v| !v.is_empty()) {
        backends.push("postgres");
    }
    let mut rows = Vec::new();
    let mut n = 0;
    for backend in backends {
        for instances in [1usize, 2] {
            n += 1;
            eprintln!("bench: {backend}, {instances} instance(s)");
            let db = runtime.block_on(fresh_database(backend, dir.path(), n));
            let config = dir.path().join(format!("bench-{n}.toml"));
            std::fs::write(
                &config,
                format!(
                    "listen = \"127.0.0.1:0\"\npublic_origin = \"{ORIGIN}\"\ndatabase_url = \"{db}\"\n[passcode]\nper_client_per_hour = 100000\n[mail]\nmode = \"file-outbox\"\nfrom = \"waxseal <no-reply@localhost>\"\ndir = \"{}\"\n",
                    dir.path().join("outbox").display()
                ),
            )
            .unwrap();
            // One process at a time, each answering /healthz (its store open, migrations done)
            // before the next starts or the benchmark touches the database.
            let mut servers = Vec::new();
            for _ in 0..instances {
                let (server, url) = start_server(&config, &master);
                runtime.block_on(async {
                    let res = reqwest::get(format!("{url}/healthz"))
                        .await
                        .expect("the server answers /healthz");
                    assert!(res.status().is_success());
                });
                servers.push((server, url));
            }
            let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
            let tab = TabKeyPair::generate();
            let id = MessageId::generate();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let tokens = runtime.block_on(async {
                let store_url = db.clone();
                let sender = {
                    let store = if store_url.starts_with("sqlite:") {
                        std::sync::Arc::new(waxseal_server::sqlite::SqliteStore::connect(&store_url).await.unwrap()) as std::sync::Arc<dyn waxseal_server::store::Store>
                    } else {
                        std::sync::Arc::new(waxseal_server::postgres::PgStore::connect(&store_url).await.unwrap())
                    };
                    let s = store.create_sender("Bench", now).await.unwrap();
                    store.add_sender_domain(s, "example.com", now).await.unwrap();
                    let (key, key_id, hash) = waxseal_server::secrets::new_api_key();
                    store.add_api_key(s, &key_id, &hash, now).await.unwrap();
                    key
                };
                let res = reqwest::Client::new()
                    .post(format!("{}/v1/messages", urls[0]))
                    .bearer_auth(sender.as_str())
                    .json(&json!({"id": id.to_string(), "server_share": ServerShare::generate().to_b64u(), "key_server": ORIGIN, "recipients": ["bob@example.net"], "from": "alice@example.com", "expires": now + 86_400}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                mint_tokens(&store_url, &id, &tab, now + 86_400).await
            });
            // Token files: half for the full-load run, a tenth for calibration, the rest for the
            // paced run. Each wrk (one per instance) takes every k-th line, so no token repeats.
            let write = |name: &str, slice: &[String]| {
                for (i, url) in urls.iter().enumerate() {
                    let lines: Vec<&str> = slice
                        .iter()
                        .skip(i)
                        .step_by(urls.len())
                        .map(String::as_str)
                        .collect();
                    std::fs::write(
                        dir.path().join(format!("{name}-{n}-{}.txt", url_key(url))),
                        lines.join("\n"),
                    )
                    .unwrap();
                }
            };
            let (a, b) = (TOKENS / 2, TOKENS * 6 / 10);
            write("full", &tokens[..a]);
            write("calibrate", &tokens[a..b]);
            write("paced", &tokens[b..]);
            let body =
                json!({ "public_key": URL_SAFE_NO_PAD.encode(tab.public_key()) }).to_string();
            let run = |name: &str, connections: u32, seconds: u32, delay: Option<f64>| {
                let targets: Vec<(String, PathBuf)> = urls
                    .iter()
                    .map(|url| {
                        let tokens = dir.path().join(format!("{name}-{n}-{}.txt", url_key(url)));
                        let script = dir.path().join(format!("{name}-{n}-{}.lua", url_key(url)));
                        let mut lua = format!(
                            "wrk.method = \"POST\"\nwrk.body = '{body}'\nlocal tokens = {{}}\n\
                             for line in io.lines(\"{}\") do tokens[#tokens + 1] = line end\nlocal i = 0\n\
                             function request()\n  i = i + 1\n  return wrk.format(nil, nil, {{[\"Content-Type\"] = \"application/json\", [\"Authorization\"] = \"Bearer \" .. tokens[i]}})\nend\n",
                            tokens.display()
                        );
                        if let Some(d) = delay {
                            lua.push_str(&format!("function delay() return {d:.3} end\n"));
                        }
                        std::fs::write(&script, lua).unwrap();
                        (format!("{url}/v1/messages/{id}/release"), script)
                    })
                    .collect();
                wrk(&targets, connections, seconds)
            };
            let full = run("full", CONNECTIONS, SECONDS, None);
            assert_eq!(full.errors, 0, "releases failed ({backend}, {instances})");
            assert!(
                full.rps * f64::from(SECONDS) < a as f64,
                "too few tokens: {:.0}/s",
                full.rps
            );
            let half_rate = full.rps / 2.0;
            let c = f64::from(PACED_CONNECTIONS);
            let guess = c * 1000.0 / half_rate;
            let calibration = run("calibrate", PACED_CONNECTIONS, 3, Some(guess));
            let latency = (c * 1000.0 / calibration.rps - guess).max(0.0);
            let paced = run(
                "paced",
                PACED_CONNECTIONS,
                SECONDS,
                Some((guess - latency).max(0.0)),
            );
            assert_eq!(paced.errors, 0);
            rows.push(Row {
                backend,
                instances,
                full,
                half_rate,
                paced,
            });
            drop(servers);
        }
    }

    println!(
        "waxseal key-release server: first releases on loopback (wrk, {SECONDS} s runs, {CONNECTIONS} connections at full load; 2 cores shared by servers, database and wrk)"
    );
    println!("raw HPKE seals/s (one thread, same run): {raw:.0}");
    println!(
        "{:<11} {:>9} {:>12} {:>8} {:>8} {:>8} {:>18} {:>13}",
        "backend",
        "instances",
        "releases/s",
        "÷ HPKE",
        "p50 ms",
        "p99 ms",
        "half load (req/s)",
        "p99 half ms"
    );
    let mut ok = true;
    for r in &rows {
        let ratio = r.full.rps / raw;
        ok &= ratio >= 0.5 && r.paced.p99_ms <= 25.0;
        println!(
            "{:<11} {:>9} {:>12.0} {:>8.2} {:>8.2} {:>8.2} {:>11.0} ({:>4.0}) {:>13.2}",
            r.backend,
            r.instances,
            r.full.rps,
            ratio,
            r.full.p50_ms,
            r.full.p99_ms,
            r.paced.rps,
            r.half_rate,
            r.paced.p99_ms
        );
    }
    println!(
        "targets: releases/s ≥ 0.50 × raw HPKE seals/s, p99 ≤ 25 ms at half load: {}",
        if ok {
            "all met"
        } else {
            "NOT ALL MET (see rows)"
        }
    );
}

/// `http://127.0.0.1:8080` → `127_0_0_1_8080`, for file names.
fn url_key(url: &str) -> String {
    url.trim_start_matches("http://").replace(['.', ':'], "_")
}

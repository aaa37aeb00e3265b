//! Release throughput and latency of the real server on loopback, driven by `wrk` (Debian), next
//! to the raw HPKE seal rate measured in the same run.
//!
//! Run: `scripts/bench.sh` (installs wrk if missing), or
//! `cargo bench -p waxseal-server --bench release_load` with wrk on PATH.
//!
//! 1. Raw HPKE: `release::seal` (the HPKE SealBase of a 32-byte share) in a loop on one thread.
//! 2. The server (release build, SQLite in WAL mode on a temporary file, file outbox) runs in this
//!    process on a 2-thread runtime. A message is registered and a tab verified through the real
//!    passcode flow; then wrk repeats `POST /v1/messages/{id}/release` with that token. Each
//!    request does the full work of a release: token and message lookups, the release
//!    transaction, decrypting the stored share and an HPKE seal to the tab's key.
//! 3. wrk at full load (32 connections) gives releases/s and latency percentiles; a second run paced
//!    with wrk's `delay()` at half that rate gives the p99 at half load.
//!
//! Targets: releases/s ≥ 0.5 × raw HPKE seals/s; p99 ≤ 25 ms at half load.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use waxseal_envelope::release::{self, TabKeyPair};
use waxseal_envelope::{MessageId, ServerShare};
use waxseal_server::clock::SystemClock;
use waxseal_server::config::Config;
use waxseal_server::sqlite::SqliteStore;
use waxseal_server::store::Store;

const ORIGIN: &str = "http://127.0.0.1:1";
const SECONDS: u32 = 10;
/// Concurrent connections at full load.
const CONNECTIONS: u32 = 32;
/// Connections of the paced half-load run.
const PACED_CONNECTIONS: u32 = 16;
/// More tokens than a 10-second run can use at this machine's rates, so every request is a first.
const FIRST_RELEASE_TOKENS: usize = 150_000;

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

struct WrkResult {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
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

fn wrk(url: &str, script: &Path, connections: u32) -> WrkResult {
    wrk_for(url, script, connections, SECONDS)
}

fn wrk_for(url: &str, script: &Path, connections: u32, seconds: u32) -> WrkResult {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .expect("wrk is not installed: run scripts/bench.sh, which installs it from Debian");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
    };
    WrkResult {
        rps: field("Requests/sec:")
            .expect("Requests/sec line")
            .parse()
            .unwrap(),
        p50_ms: to_ms(&field("50%").expect("50% line")),
        p99_ms: to_ms(&field("99%").expect("99% line")),
        non_2xx: field("Non-2xx or 3xx responses:").map_or(0, |v| v.parse().unwrap()),
    }
}

fn main() {
    let raw = raw_hpke_rate();

    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let db = dir.path().join("keys.db");
    let config_text = format!(
        "listen = \"127.0.0.1:0\"\npublic_origin = \"{ORIGIN}\"\ndatabase_url = \"sqlite://{}\"\nmaster_keys = [\"k1:{}\"]\n[mail]\nmode = \"file-outbox\"\nfrom = \"waxseal <no-reply@localhost>\"\ndir = \"{}\"\n",
        db.display(),
        STANDARD.encode([9u8; 32]),
        outbox.display()
    );
    let config = Config::from_toml_and_env(&config_text, |_| None).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (url, id, token, tab_pk) = runtime.block_on(async {
        let store = SqliteStore::connect(&config.database_url).await.unwrap();
        let sender = store.create_sender("Bench", 0).await.unwrap();
        let (api_key, key_id, hash) = waxseal_server::secrets::new_api_key();
        store.add_api_key(sender, &key_id, &hash, 0).await.unwrap();
        store.close().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(waxseal_server::serve_with_clock(config, listener, std::future::pending(), Arc::new(SystemClock)));
        let http = reqwest::Client::new();
        let post = |path: String, bearer: Option<String>, body: Value| {
            let mut r = http.post(format!("{url}{path}")).json(&body);
            if let Some(b) = bearer {
                r = r.bearer_auth(b);
            }
            async move {
                let res = r.send().await.unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                res.json::<Value>().await.unwrap()
            }
        };
        let id = MessageId::generate();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        post(
            "/v1/messages".into(),
            Some(api_key.to_string()),
            json!({"id": id.to_string(), "server_share": ServerShare::generate().to_b64u(), "key_server": ORIGIN, "recipients": ["bob@example.net"], "expires": now + 86_400}),
        )
        .await;
        let tab = TabKeyPair::generate();
        let pk = URL_SAFE_NO_PAD.encode(tab.public_key());
        post(format!("/v1/messages/{id}/passcode"), None, json!({"recipient": "bob@example.net", "public_key": pk})).await;
        let mail = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
        let text = String::from_utf8(std::fs::read(mail).unwrap()).unwrap();
        let code: String = text
            .lines()
            .filter_map(|l| l.split_once(": ").map(|(_, v)| v.replace(' ', "")))
            .find(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))
            .unwrap();
        let verified = post(format!("/v1/messages/{id}/verify"), None, json!({"recipient": "bob@example.net", "public_key": pk, "passcode": code})).await;
        // Distinct tokens for the first-release runs, bound to the same tab key, inserted in one
        // transaction (the passcode flow above is what creates them in real use).
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        let mut lines = String::new();
        for _ in 0..FIRST_RELEASE_TOKENS {
            let (token, hash) = waxseal_server::secrets::new_token();
            sqlx::query("INSERT INTO tokens (hash, message_id, recipient, public_key, expires) VALUES (?, ?, ?, ?, ?)")
                .bind(&hash[..])
                .bind(id.to_string())
                .bind("bob@example.net")
                .bind(&tab.public_key()[..])
                .bind((now + 86_400) as i64)
                .execute(&mut *tx)
                .await
                .unwrap();
            lines.push_str(&token);
            lines.push('\n');
        }
        tx.commit().await.unwrap();
        pool.close().await;
        // Two thirds for the full-load run, one third for the paced run: no token is used twice.
        let all: Vec<&str> = lines.lines().collect();
        let cut = FIRST_RELEASE_TOKENS * 2 / 3;
        std::fs::write(dir.path().join("tokens-full.txt"), all[..cut].join("\n")).unwrap();
        let calibrate = cut + (all.len() - cut) / 4;
        std::fs::write(dir.path().join("tokens-calibrate.txt"), all[cut..calibrate].join("\n")).unwrap();
        std::fs::write(dir.path().join("tokens-paced.txt"), all[calibrate..].join("\n")).unwrap();
        (url, id, verified["token"].as_str().unwrap().to_owned(), pk)
    });

    let body = json!({ "public_key": tab_pk }).to_string();
    // `first`: each request uses the next unused token from that file. `delay_ms`: pace each
    // connection.
    let script = |name: &str, first: Option<&str>, delay_ms: Option<f64>| {
        let path = dir.path().join(name);
        let mut lua = format!(
            "wrk.method = \"POST\"\nwrk.body = '{body}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        );
        if let Some(file) = first {
            let tokens = dir.path().join(file);
            lua.push_str(&format!(
                "local tokens = {{}}\nfor line in io.lines(\"{}\") do tokens[#tokens + 1] = line end\nlocal i = 0\n\
                 function request()\n  i = i % #tokens + 1\n  return wrk.format(nil, nil, {{[\"Content-Type\"] = \"application/json\", [\"Authorization\"] = \"Bearer \" .. tokens[i]}})\nend\n",
                tokens.display()
            ));
        } else {
            lua.push_str(&format!(
                "wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
            ));
        }
        if let Some(d) = delay_ms {
            lua.push_str(&format!("function delay() return {d:.3} end\n"));
        }
        std::fs::write(&path, lua).unwrap();
        path
    };
    let target = format!("{url}/v1/messages/{id}/release");
    // wrk runs each script in one thread, so the token index is unique per request.
    let first = wrk(
        &target,
        &script("first.lua", Some("tokens-full.txt"), None),
        CONNECTIONS,
    );
    assert_eq!(first.non_2xx, 0, "first releases failed");
    let full_tokens = (FIRST_RELEASE_TOKENS * 2 / 3) as f64;
    assert!(
        first.rps * f64::from(SECONDS) < full_tokens,
        "too few tokens for the first-release run: {:.0}/s",
        first.rps
    );
    let repeated = wrk(&target, &script("repeated.lua", None, None), CONNECTIONS);
    // Half load: PACED_CONNECTIONS connections, each waiting before every request so that together
    // they offer half the first-release rate, every request again a first release. A connection
    // sends one request per (delay + latency), so a 3-second calibration run measures the latency
    // and the delay is set from it.
    let half_rate = first.rps / 2.0;
    assert!(
        half_rate * f64::from(SECONDS + 3) < full_tokens / 2.0,
        "too few tokens for the paced run"
    );
    let c = f64::from(PACED_CONNECTIONS);
    let guess = c * 1000.0 / half_rate;
    let calibration = wrk_for(
        &target,
        &script("calibrate.lua", Some("tokens-calibrate.txt"), Some(guess)),
        PACED_CONNECTIONS,
        3,
    );
    let latency_ms = (c * 1000.0 / calibration.rps - guess).max(0.0);
    let delay = (guess - latency_ms).max(0.0);
    let paced = wrk(
        &target,
        &script("paced.lua", Some("tokens-paced.txt"), Some(delay)),
        PACED_CONNECTIONS,
    );

    let ratio = first.rps / raw;
    let row = |label: String, r: &WrkResult| {
        println!(
            "{label:<58} {:>8.0}   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
            r.rps, r.p50_ms, r.p99_ms, r.non_2xx
        )
    };
    println!(
        "waxseal key-release server: releases on loopback (wrk, {SECONDS} s per run, SQLite WAL synchronous=FULL, 2 server threads)"
    );
    println!(
        "{:<58} {:>8.0}",
        "raw HPKE seals/s (one thread, same run)", raw
    );
    row(
        format!("releases/s, first release of each token ({CONNECTIONS} connections)"),
        &first,
    );
    row(
        format!("releases/s, repeated release of one token ({CONNECTIONS} connections)"),
        &repeated,
    );
    row(
        format!("releases/s paced to half the first-release rate ({half_rate:.0}/s)"),
        &paced,
    );
    println!(
        "first releases/s ÷ raw HPKE seals/s = {ratio:.2} (target ≥ 0.50): {}",
        if ratio >= 0.5 {
            "meets target"
        } else {
            "BELOW TARGET"
        }
    );
    println!(
        "p99 at half load = {:.2} ms (target ≤ 25 ms): {}",
        paced.p99_ms,
        if paced.p99_ms <= 25.0 {
            "meets target"
        } else {
            "ABOVE TARGET"
        }
    );
    assert_eq!(
        first.non_2xx + repeated.non_2xx + paced.non_2xx,
        0,
        "some releases failed"
    );
}

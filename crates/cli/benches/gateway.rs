//! The gateway's cost in the mail flow: messages per second and the time from submission to
//! delivery through Postfix with the gateway as its content filter sealing every message, next to
//! the same Postfix alone and to the same filter passing untagged mail through, measured in the
//! same run, for 10 KiB and 1 MiB messages. Target: with sealing, at least 0.5× the messages per
//! second of Postfix alone at 10 KiB.
//!
//! Both Postfix instances deliver with Postfix's own `discard` transport (delivered = logged as
//! sent by `discard`), so that no test SMTP server limits either side. Every part is real: Postfix
//! from Debian, `waxseal serve` (SQLite) and `waxseal gateway serve`, release builds.
//!
//! `cargo bench -p waxseal-cli --bench gateway` (or `scripts/bench.sh gateway`); `--quick` for
//! fewer messages.

#[path = "../../server/tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;
#[path = "../tests/support/gateway.rs"]
#[allow(dead_code)]
mod gateway;
#[path = "../tests/support/postfix.rs"]
#[allow(dead_code)]
mod postfix;
#[path = "../tests/support/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lettre::address::{Address, Envelope};
use lettre::{SmtpTransport, Transport};
use postfix::{Postfix, Role};

/// Final delivery by Postfix's discard transport, for both instances.
const DISCARD: &str = "relayhost =\ndefault_transport = discard:benchmark\n";
/// Messages in flight at once (clients submitting in parallel).
const CLIENTS: usize = 8;

/// A message of `size` bytes; `tag`: with the subject tag that has it sealed.
fn message(i: usize, size: usize, tag: bool) -> Vec<u8> {
    let tag = if tag { " [secure]" } else { "" };
    let mut m = format!(
        "From: Alice <alice@acme.example>\r\nTo: bob@partner.example\r\nSubject: Statement {i}{tag}\r\nMessage-ID: <bench{i}@acme.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    );
    let line =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while m.len() + line.len() <= size {
        m.push_str(line);
    }
    m.into_bytes()
}

fn submit(port: u16, data: &[u8]) {
    let envelope = Envelope::new(
        Some(Address::from_str("alice@acme.example").unwrap()),
        vec![Address::from_str("bob@partner.example").unwrap()],
    )
    .unwrap();
    SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        .send_raw(&envelope, data.strip_suffix(b"\r\n").unwrap_or(data))
        .unwrap();
}

/// Waits until Postfix logged `n` deliveries by the discard transport.
fn delivered(postfix: &Postfix, n: usize) {
    for _ in 0..n {
        postfix.wait_for(|l| l.contains("status=sent (benchmark)"));
    }
}

struct Figures {
    per_second: f64,
    latency_ms: f64,
}

/// `count` messages of `size` bytes through `postfix` with [`CLIENTS`] clients, then the median
/// time from submission to delivery of messages sent one at a time.
/// `delivering` is the instance whose discard transport delivers (`postfix` itself, or the
/// receiving MTA it relays to).
fn measure(
    postfix: &Postfix,
    delivering: &Postfix,
    size: usize,
    tag: bool,
    count: usize,
    serial: usize,
) -> Figures {
    // Warm up: connections, caches, the key server's database.
    for i in 0..CLIENTS {
        submit(postfix.port, &message(i, size, tag));
    }
    delivered(delivering, CLIENTS);

    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let next = next.clone();
            let port = postfix.port;
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    submit(port, &message(1000 + i, size, tag));
                }
            })
        })
        .collect();
    delivered(delivering, count);
    let elapsed = start.elapsed();
    for w in workers {
        w.join().unwrap();
    }

    let mut latencies: Vec<Duration> = (0..serial)
        .map(|i| {
            let t = Instant::now();
            submit(postfix.port, &message(100_000 + i, size, tag));
            delivered(delivering, 1);
            t.elapsed()
        })
        .collect();
    latencies.sort();
    Figures {
        per_second: count as f64 / elapsed.as_secs_f64(),
        latency_ms: latencies[latencies.len() / 2].as_secs_f64() * 1000.0,
    }
}

/// The organisation's Postfix alone, and with the gateway as its content filter (the gateway
/// started for it), delivering by `discard` themselves or relaying to `receiver`.
struct Setup {
    alone: Postfix,
    filtered: Postfix,
    _gateway: gateway::Gateway,
}

fn setup(keys: &serve::Serve, receiver: Option<&Postfix>) -> Setup {
    let dir = keys.dir.path();
    let (sink, main_cf) = match receiver {
        Some(r) => (r.port, ""),
        None => (1, DISCARD),
    };
    let alone = Postfix::start_with(Role::Alone { sink }, main_cf);
    let (gateway_port, reinject) = (serve::free_port(), serve::free_port());
    let filtered = Postfix::start_with(
        Role::ContentFilter {
            gateway: gateway_port,
            reinject,
            sink,
        },
        main_cf,
    );
    // The shipped configuration as the tests use it (replies and [inbound] included).
    let config = gateway::content_filter_config(keys, gateway_port, reinject);
    let gateway_dir = dir.join(format!("gateway-{gateway_port}"));
    std::fs::create_dir(&gateway_dir).unwrap();
    let gateway = gateway::Gateway::start(&gateway_dir, &config, &[]);
    Setup {
        alone,
        filtered,
        _gateway: gateway,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The key server sends no mail here (nobody opens anything).
    let keys = runtime.block_on(serve::start_with_smtp(serve::free_port()));
    // The Internet: a Postfix that takes any mail from loopback and discards it.
    let receiver = Postfix::start_with(Role::Alone { sink: 1 }, DISCARD);

    println!(
        "gateway benchmark: Postfix {} with the gateway as its content filter, next to the same Postfix alone; {CLIENTS} clients",
        postfix_version()
    );
    let mut ratio_10k = Vec::new();
    for (delivery, receiving) in [
        ("delivered by Postfix's discard transport", None),
        (
            "relayed by SMTP to a receiving Postfix (which discards)",
            Some(&receiver),
        ),
    ] {
        let s = setup(&keys, receiving);
        println!();
        println!("{delivery}:");
        println!(
            "{:>7} {:>8} | {:>9} {:>9} | {:>9} {:>6} {:>9} | {:>9} {:>6} {:>9}",
            "", "", "alone", "", "filter,", "not", "sealing", "filter,", "", "sealing"
        );
        println!(
            "{:>7} {:>8} | {:>9} {:>9} | {:>9} {:>6} {:>9} | {:>9} {:>6} {:>9}",
            "size",
            "messages",
            "msg/s",
            "latency",
            "msg/s",
            "ratio",
            "latency",
            "msg/s",
            "ratio",
            "latency"
        );
        for (label, size, count) in [
            ("10 KiB", 10 << 10, if quick { 100 } else { 400 }),
            ("1 MiB", 1 << 20, if quick { 20 } else { 60 }),
        ] {
            let serial = if quick { 5 } else { 15 };
            let (a_in, f_in) = match receiving {
                Some(r) => (r, r),
                None => (&s.alone, &s.filtered),
            };
            let a = measure(&s.alone, a_in, size, true, count, serial);
            let p = measure(&s.filtered, f_in, size, false, count, serial);
            let g = measure(&s.filtered, f_in, size, true, count, serial);
            if size == 10 << 10 {
                ratio_10k.push(g.per_second / a.per_second);
            }
            println!(
                "{label:>7} {count:>8} | {:>9.1} {:>6.1} ms | {:>9.1} {:>5.2}× {:>6.1} ms | {:>9.1} {:>5.2}× {:>6.1} ms",
                a.per_second,
                a.latency_ms,
                p.per_second,
                p.per_second / a.per_second,
                p.latency_ms,
                g.per_second,
                g.per_second / a.per_second,
                g.latency_ms,
            );
        }
    }
    println!();
    println!(
        "latency: the median from submission to delivery, one message at a time; filter, not sealing: untagged mail, which the gateway hands back as it came (what the content filter itself costs)"
    );
    for (how, r) in ["discard", "relayed"].iter().zip(&ratio_10k) {
        println!(
            "target: with sealing ≥ 0.5× the messages per second of Postfix alone at 10 KiB ({how}): {r:.2}× — {}",
            if *r >= 0.5 { "met" } else { "NOT met" }
        );
    }
}

fn postfix_version() -> String {
    std::process::Command::new("postconf")
        .args(["-d", "-h", "mail_version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

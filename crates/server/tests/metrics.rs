//! The operators' metrics: after a scripted journey the endpoint holds exactly the expected
//! series, none of their labels names a message, an address, a domain, an IP or a token; a real
//! Prometheus (Debian's, a private instance on a loopback port) scrapes them and answers the
//! same values; the endpoint's bearer token is enforced.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const BOB: &str = "bob@example.net";

/// Where the server registers its metric families.
const REGISTERED: &str = include_str!("../src/metrics.rs");

/// The journey: a passcode asked for, a wrong and a right passcode, a release and its repeat, a
/// revocation, a usage report and an unknown route. Returns what was sent that must never be in
/// a label.
async fn journey(s: &TestServer, smtp: &SmtpSink) -> Vec<String> {
    let (id, _) = s.register(&[BOB], None).await;
    let tab = Tab::new();
    let (status, sent) = tab.request_passcode(s, &id, BOB).await;
    assert_eq!(status, 200, "{sent}");
    let mail = Mail::parse(&smtp.next_mail());
    let code = mail.passcode();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let (status, _) = tab.verify(s, &id, BOB, wrong).await;
    assert_eq!(status, 400);
    let (status, verified) = tab.verify(s, &id, BOB, &code).await;
    assert_eq!(status, 200);
    let token = verified["token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (status, _) = tab.release(s, &id, &token).await;
        assert_eq!(status, 200);
    }
    let (revoked, _) = s.register(&[BOB], None).await;
    let (status, _) = s
        .post(
            &format!("/v1/messages/{revoked}/revoke"),
            Some(&s.api_key),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s.post("/v1/usage", None, usage_report()).await;
    assert_eq!(status, 204);
    let (status, _) = s.get("/v1/nothing-here", None).await;
    assert_eq!(status, 404);
    vec![
        id.to_string(),
        revoked.to_string(),
        BOB.to_owned(),
        "example.net".to_owned(),
        "127.0.0.1".to_owned(),
        token,
        code,
        sent["reference"].as_str().unwrap().to_owned(),
    ]
}

fn usage_report() -> Value {
    json!({"browser": "firefox", "browser_major": 153, "language": "da", "source": "file", "size": "under-100-kb"})
}

/// A key server with its metrics endpoint.
async fn with_metrics(smtp: &SmtpSink) -> TestServer {
    TestServer::start(
        smtp,
        Options {
            metrics: true,
            ..Options::default()
        },
    )
    .await
}

/// The value of the sample `series` (name and labels exactly as written) in a scrape.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().unwrap())
    })
}

/// What the journey must leave, as (series, value).
const EXPECTED: &[(&str, f64)] = &[
    ("waxseal_passcodes_sent_total", 1.0),
    (
        "waxseal_verifications_total{method=\"passcode\",outcome=\"wrong-passcode\"}",
        1.0,
    ),
    (
        "waxseal_verifications_total{method=\"passcode\",outcome=\"verified\"}",
        1.0,
    ),
    ("waxseal_releases_total{release=\"first\"}", 1.0),
    ("waxseal_releases_total{release=\"repeat\"}", 1.0),
    ("waxseal_revocations_total", 1.0),
    ("waxseal_problems_total{type=\"wrong-passcode\"}", 1.0),
    ("waxseal_problems_total{type=\"route-not-found\"}", 1.0),
    ("waxseal_usage_reports_total{outcome=\"counted\"}", 1.0),
    (
        "waxseal_smtp_delivery_duration_seconds_count{mail=\"passcode\",outcome=\"delivered\"}",
        1.0,
    ),
    (
        "waxseal_http_request_duration_seconds_count{route=\"/v1/messages/{id}/release\",method=\"POST\",status=\"200\"}",
        2.0,
    ),
    (
        "waxseal_http_request_duration_seconds_count{route=\"unmatched\",method=\"GET\",status=\"404\"}",
        1.0,
    ),
    (
        "waxseal_store_duration_seconds_count{operation=\"release\"}",
        1.0,
    ),
];

#[tokio::test]
async fn the_endpoint_counts_the_journey_and_no_label_names_anyone() {
    let smtp = SmtpSink::start();
    let mut s = with_metrics(&smtp).await;
    let private = journey(&s, &smtp).await;
    let res = reqwest::get(s.metrics_url.clone().unwrap()).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let scrape = res.text().await.unwrap();
    for (series, value) in EXPECTED {
        assert_eq!(sample(&scrape, series), Some(*value), "{series}\n{scrape}");
    }
    assert!(scrape.ends_with("# EOF\n"));
    for secret in &private {
        assert!(!scrape.contains(secret.as_str()), "{secret} in the metrics");
    }
    // The API has no /metrics: the metrics are on their own listener only.
    let (status, _) = s.get("/metrics", None).await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn a_metrics_token_is_required_when_one_is_set() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(
        &smtp,
        Options {
            metrics: true,
            extra: "[metrics]\ntoken = \"scrape-secret\"\n".into(),
            ..Options::default()
        },
    )
    .await;
    let url = s.metrics_url.clone().unwrap();
    let http = reqwest::Client::new();
    for token in [None, Some("scrape-secreT"), Some("scrape-secret-and-more")] {
        let mut req = http.get(&url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{token:?}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
    }
    let res = http
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    s.stop().await;
}

/// A private Prometheus instance, stopped and removed on drop.
struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts Debian's Prometheus scraping `target` (`host:port`) every second; returns once it
    /// says it is ready.
    fn start(target: &str) -> Self {
        let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("Prometheus is installed (scripts/setup.sh installs Debian's prometheus)");
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: waxseal\n    static_configs:\n      - targets: [\"{target}\"]\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready when it says so. Its log (stderr) is read to its end by a thread: a closed pipe
        // would stop it at its next line.
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut log = String::new();
        for line in rx.iter() {
            log.push_str(&line);
            log.push('\n');
            if line.contains("Server is ready to receive web requests.") {
                break;
            }
        }
        assert!(
            log.contains("Server is ready to receive web requests."),
            "Prometheus did not start:\n{log}"
        );
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// The value of an instant query that returns one series.
    async fn query(&self, expr: &str) -> Option<f64> {
        let body: Value = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}/api/v1/query", self.port))
            .query(&[("query", expr)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], "success", "{expr}: {body}");
        let result = body["data"]["result"].as_array().unwrap();
        assert!(result.len() <= 1, "{expr}: {body}");
        result
            .first()
            .map(|r| r["value"][1].as_str().unwrap().parse().unwrap())
    }
}

/// Relays Prometheus's scrapes to the metrics listener and tells, for each request it passes
/// on, that one arrived. A second scrape request means the first one's samples are stored:
/// Prometheus commits a scrape before it waits for the next.
async fn relay(metrics: String) -> (String, mpsc::UnboundedReceiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let upstream = metrics
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_owned();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                while let Ok(n) = client_read.read(&mut buf).await {
                    if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    if buf[..n].windows(12).any(|w| w == b"GET /metrics") {
                        let _ = tx.send(());
                    }
                }
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
        }
    });
    (address, rx)
}

#[tokio::test]
async fn a_real_prometheus_scrapes_the_same_figures() {
    let smtp = SmtpSink::start();
    let mut s = with_metrics(&smtp).await;
    journey(&s, &smtp).await;
    let (target, mut scrapes) = relay(s.metrics_url.clone().unwrap()).await;
    let prometheus = Prometheus::start(&target);
    // The first scrape, then the next one: by then the first is stored.
    for _ in 0..2 {
        tokio::time::timeout(Duration::from_secs(60), scrapes.recv())
            .await
            .expect("Prometheus scrapes the target")
            .unwrap();
    }
    assert_eq!(prometheus.query("up{job=\"waxseal\"}").await, Some(1.0));
    for (series, value) in EXPECTED {
        assert_eq!(prometheus.query(series).await, Some(*value), "{series}");
    }
    // Latency histograms are usable as such.
    let p99 = prometheus
        .query(
            "histogram_quantile(0.99, sum by (le) (waxseal_http_request_duration_seconds_bucket))",
        )
        .await
        .unwrap();
    assert!(p99 > 0.0 && p99 < 20.0, "{p99}");
    drop(prometheus);
    s.stop().await;
}

#[tokio::test]
async fn the_grafana_dashboard_asks_only_for_series_the_server_exports() {
    let smtp = SmtpSink::start();
    let mut s = with_metrics(&smtp).await;
    journey(&s, &smtp).await;
    let scrape = s.scrape().await;
    s.stop().await;
    let exported: std::collections::BTreeSet<&str> = scrape
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    let dashboard: Value =
        serde_json::from_str(include_str!("../../../docs/grafana-dashboard.json")).unwrap();
    let mut asked = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("waxseal_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // Series the journey did not create (a sign-in, a failed delivery) are named as
                // the families it did.
                let family = ["_total", "_bucket", "_count", "_sum"]
                    .iter()
                    .fold(name.as_str(), |n, suffix| {
                        n.strip_suffix(suffix).unwrap_or(n)
                    });
                // A family without a sample yet (no sign-in in the journey) is not in the
                // scrape: it must then be one the server registers.
                let short = family.strip_prefix("waxseal_").unwrap();
                assert!(
                    scrape.contains(&format!("# TYPE {family} "))
                        || REGISTERED.contains(&format!("\"{short}\",")),
                    "{} asks for {name}, which the server does not export",
                    panel["title"]
                );
                asked += 1;
            }
        }
    }
    assert!(asked >= 10 && exported.len() > 10);
}

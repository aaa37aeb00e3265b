//! The viewer's usage reports: kept as daily counters and nothing else (no client address, no
//! time, no row per report), refused when they hold anything but the fixed schema, throttled,
//! switched off by the operator, and printed by `waxseal-server usage` with small counts hidden.

mod common;

use std::process::Command;

use common::*;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_waxseal-server");

fn opened() -> Value {
    json!({"browser": "firefox", "browser_major": 153, "language": "da", "source": "file",
           "size": "1-to-10-mb", "proof": "passcode", "time_to_prompt": "1-to-3-s",
           "time_to_render": "under-1-s", "speed": "100-to-1000-mb-s"})
}

fn failed() -> Value {
    json!({"browser": "safari", "browser_major": 18, "language": "en", "source": "message-html",
           "size": "under-100-kb", "failure": "expired"})
}

/// Runs `$body` with `$pool` connected to the test database, PostgreSQL or SQLite; the same code
/// is compiled for each.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        if $db.is_postgres() {
            let $pool = sqlx::PgPool::connect(&$db.url).await.unwrap();
            let out = $body;
            $pool.close().await;
            out
        } else {
            let $pool = sqlx::SqlitePool::connect(&$db.url).await.unwrap();
            let out = $body;
            $pool.close().await;
            out
        }
    };
}

/// Every table's row count.
async fn row_counts(db: &Db) -> Vec<(String, i64)> {
    let tables = if db.is_postgres() {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1"
    };
    with_pool!(db, |pool| {
        let names: Vec<(String,)> = sqlx::query_as(tables).fetch_all(&pool).await.unwrap();
        let mut out = Vec::new();
        for (t,) in names {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push((t, n));
        }
        out
    })
}

/// The usage table's columns and rows.
async fn usage_rows(db: &Db) -> (Vec<String>, Vec<(i64, String, String, i64)>) {
    use sqlx::{Column, Row};
    let sql = "SELECT * FROM usage_daily ORDER BY day, dimension, value";
    with_pool!(db, |pool| {
        let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
        let columns: Vec<String> = rows[0]
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        let values: Vec<(i64, String, String, i64)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        (columns, values)
    })
}

#[tokio::test]
async fn reports_become_daily_counters_and_nothing_else_is_kept() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(&smtp, Options::default()).await;
    let before = row_counts(&s.db).await;
    for _ in 0..6 {
        let (status, body) = s.post("/v1/usage", None, opened()).await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, _) = s.post("/v1/usage", None, failed()).await;
    assert_eq!(status, 204);
    // The next day counts apart.
    s.clock.advance(86_400);
    let (status, _) = s.post("/v1/usage", None, opened()).await;
    assert_eq!(status, 204);

    // Only the daily counters grew: no row per report anywhere, no throttle hit, no event.
    let after = row_counts(&s.db).await;
    for ((table, n0), (table1, n1)) in before.iter().zip(&after) {
        assert_eq!(table, table1);
        if table != "usage_daily" {
            assert_eq!(n0, n1, "{table} changed");
        }
    }
    let (columns, rows) = usage_rows(&s.db).await;
    assert_eq!(columns, ["day", "dimension", "value", "count"]);
    let day = (T0 / 86_400) as i64;
    let row = |d: i64, dim: &str, value: &str, n: i64| (d, dim.to_owned(), value.to_owned(), n);
    assert_eq!(
        rows,
        [
            row(day, "browser", "firefox 153", 6),
            row(day, "browser", "safari 18", 1),
            row(day, "failure", "expired", 1),
            row(day, "language", "da", 6),
            row(day, "language", "en", 1),
            row(day, "opens", "failed", 1),
            row(day, "opens", "opened", 6),
            row(day, "proof", "passcode", 6),
            row(day, "size", "1-to-10-mb", 6),
            row(day, "size", "under-100-kb", 1),
            row(day, "source", "file", 6),
            row(day, "source", "message-html", 1),
            row(day, "speed", "100-to-1000-mb-s", 6),
            row(day, "time_to_prompt", "1-to-3-s", 6),
            row(day, "time_to_render", "under-1-s", 6),
            row(day + 1, "browser", "firefox 153", 1),
            row(day + 1, "language", "da", 1),
            row(day + 1, "opens", "opened", 1),
            row(day + 1, "proof", "passcode", 1),
            row(day + 1, "size", "1-to-10-mb", 1),
            row(day + 1, "source", "file", 1),
            row(day + 1, "speed", "100-to-1000-mb-s", 1),
            row(day + 1, "time_to_prompt", "1-to-3-s", 1),
            row(day + 1, "time_to_render", "under-1-s", 1),
        ]
    );
    // Nothing in the database names the client.
    s.stop().await;
    if let Some(file) = &s.db.file {
        let bytes = std::fs::read(file).unwrap();
        assert!(!bytes.windows(9).any(|w| w == b"127.0.0.1"));
    }
}

#[tokio::test]
async fn a_report_with_anything_but_the_schema_is_refused_and_not_counted() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(&smtp, Options::default()).await;
    let with = |field: &str, value: Value| {
        let mut r = opened();
        r[field] = value;
        r
    };
    let cases = [
        (
            with("message_id", json!("AAAAAAAAAAAAAAAAAAAAAA")),
            "unknown field `message_id`",
        ),
        (
            with("recipient", json!("bob@example.net")),
            "unknown field `recipient`",
        ),
        (
            with("language", json!("sw")),
            "language must be one of en, zh-Hans, zh-Hant, da, de, fr,",
        ),
        (
            with("browser", json!("netscape")),
            "unknown variant `netscape`",
        ),
        (
            with("browser_major", json!(1000)),
            "browser_major must be 0 to 999",
        ),
        (with("size", json!("huge")), "unknown variant `huge`"),
        (with("browser_major", json!("153")), "invalid type"),
        (json!({"browser": "firefox"}), "missing field"),
    ];
    for (report, says) in cases {
        let (status, body) = s.post("/v1/usage", None, report.clone()).await;
        assert_eq!(
            (status, problem_type(&body)),
            (400, "malformed-request"),
            "{report}"
        );
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{report}: {body}"
        );
    }
    let (_, rows) = s.get("/v1/config", None).await;
    assert_eq!(rows["usage_reports"], true);
    assert_eq!(
        row_counts(&s.db)
            .await
            .iter()
            .find(|(t, _)| t == "usage_daily")
            .unwrap()
            .1,
        0
    );
    s.stop().await;
}

#[tokio::test]
async fn reports_are_throttled_per_client_in_memory() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(
        &smtp,
        Options {
            extra: "[usage]\nper_client_per_hour = 2\n".into(),
            ..Options::default()
        },
    )
    .await;
    for _ in 0..2 {
        let (status, _) = s.post("/v1/usage", None, opened()).await;
        assert_eq!(status, 204);
    }
    let (status, body) = s.post("/v1/usage", None, opened()).await;
    assert_eq!((status, problem_type(&body)), (429, "throttled"), "{body}");
    // Two an hour: the next one is allowed half an hour after the first.
    let wait = body["retry_after"].as_u64().unwrap();
    assert!((1_790..=1_800).contains(&wait), "{wait}");
    s.stop().await;
}

#[tokio::test]
async fn switched_off_the_viewer_is_told_and_nothing_is_counted() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(
        &smtp,
        Options {
            extra: "[usage]\nenabled = false\n".into(),
            ..Options::default()
        },
    )
    .await;
    let (_, config) = s.get("/v1/config", None).await;
    assert_eq!(config["usage_reports"], false);
    let (status, body) = s.post("/v1/usage", None, opened()).await;
    assert_eq!((status, problem_type(&body)), (404, "usage-off"), "{body}");
    s.stop().await;
}

/// `waxseal-server usage` on the database of `s`, over the days from T0's to today.
fn usage_command(s: &TestServer, dir: &std::path::Path, k: u32, json: bool) -> String {
    let config = dir.join("server.toml");
    std::fs::write(
        &config,
        format!(
            "public_origin = \"{ORIGIN}\"\ndatabase_url = \"{}\"\n[usage]\nk = {k}\n[mail]\nmode = \"file-outbox\"\nfrom = \"a@localhost\"\ndir = \"{}\"\n",
            s.db.url,
            dir.join("outbox").display()
        ),
    )
    .unwrap();
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    let days = (today - T0 / 86_400 + 1).to_string();
    let mut cmd = Command::new(BIN);
    cmd.args(["usage", "--days", &days, "--config"])
        .arg(&config)
        .env("WAXSEAL_MASTER_KEYS", master_key());
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_usage_report_hides_counts_below_k() {
    let smtp = SmtpSink::start();
    let mut s = TestServer::start(&smtp, Options::default()).await;
    for _ in 0..5 {
        s.post("/v1/usage", None, opened()).await;
    }
    s.post("/v1/usage", None, failed()).await;
    s.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let date = waxseal_server::usage::date_of((T0 / 86_400) as i64);

    let table: Value = serde_json::from_str(&usage_command(&s, dir.path(), 5, true)).unwrap();
    assert_eq!(table["k"], 5);
    let browser = &table["dimensions"]["browser"];
    assert_eq!(browser["firefox 153"]["total"], 5);
    assert_eq!(browser["firefox 153"]["days"][&date], 5);
    // One report of Safari 18 and one failure: below k, so not shown as a number.
    assert_eq!(browser["safari 18"]["total"], "< 5");
    assert_eq!(browser["safari 18"]["days"][&date], "< 5");
    assert_eq!(table["dimensions"]["failure"]["expired"]["total"], "< 5");
    assert_eq!(table["dimensions"]["opens"]["opened"]["total"], 5);

    let text = usage_command(&s, dir.path(), 5, false);
    assert!(
        text.contains(
            "Browser (family and major version)\n  firefox 153         5\n  safari 18         < 5\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Failure screens\n  expired       < 5\n"),
        "{text}"
    );
    // With k = 1 every count shows.
    let text = usage_command(&s, dir.path(), 1, false);
    assert!(text.contains("  safari 18           1\n"), "{text}");
}

#[test]
fn dates_are_civil_utc_days() {
    assert_eq!(waxseal_server::usage::date_of(0), "1970-01-01");
    assert_eq!(waxseal_server::usage::date_of(20_423), "2025-12-01");
    assert_eq!(waxseal_server::usage::date_of(11_016), "2000-02-29");
}

#[tokio::test]
async fn counters_older_than_keep_days_are_deleted() {
    use std::sync::Arc;
    let smtp = SmtpSink::start();
    let options = || Options {
        extra: "[usage]\nkeep_days = 2\n".into(),
        ..Options::default()
    };
    let mut s = TestServer::start(&smtp, options()).await;
    s.post("/v1/usage", None, failed()).await;
    s.clock.advance(86_400);
    s.post("/v1/usage", None, failed()).await;
    let purge_at = |now: u64| {
        let config = waxseal_server::config::Config::from_toml_and_env(
            &config_text(&s.db, smtp.port, &options()),
            |_| None,
        )
        .unwrap();
        async move {
            let store = waxseal_server::open_store(&config).await.unwrap();
            let clock = Arc::new(waxseal_server::clock::ManualClock::new(now));
            let state = waxseal_server::AppState::new(config, store, clock).unwrap();
            waxseal_server::purge_now(&state).await.unwrap()
        }
    };
    // On the second day both days are kept; on the third, the first goes (6 counters).
    assert_eq!(purge_at(T0 + 86_400).await.usage_counts_deleted, 0);
    assert_eq!(purge_at(T0 + 2 * 86_400).await.usage_counts_deleted, 6);
    let (_, rows) = usage_rows(&s.db).await;
    assert!(
        rows.iter().all(|r| r.0 == (T0 / 86_400) as i64 + 1),
        "{rows:?}"
    );
    s.stop().await;
}

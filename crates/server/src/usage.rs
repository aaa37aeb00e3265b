//! The viewer's usage reports (`POST /v1/usage`), kept only as daily counters, and the
//! operator's report of them (`waxseal-server usage`). See `docs/metrics.md`.
//!
//! A report is a fixed set of coarse values: browser family and major version, language, where
//! the envelope came from, buckets of size, times and speed, the proof used and, on a failure
//! screen, the failure kind. It has no field that could name a person or a message, and anything
//! else is refused. The server adds one to the day's counter of each value and keeps nothing per
//! report: not the client address, not the time. The throttle that limits reports per client is
//! held in memory only.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use waxseal_api::usage::{Report, heading};

use crate::AppState;
use crate::api::ApiResult;
use crate::metrics::Outcome;
use crate::problem::{ApiError, ApiJson, Kind};
use crate::store::UsageCount;

/// Per-client limits on usage reports, in memory only.
#[derive(Clone)]
pub struct Throttle(Arc<DefaultKeyedRateLimiter<String>>);

impl Throttle {
    /// `per_hour` reports per client address (per /64 for IPv6) and hour.
    pub fn new(per_hour: u32) -> Self {
        let quota = Quota::per_hour(NonZeroU32::new(per_hour.max(1)).expect("at least one"));
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// `Ok` if one more report from `client` is allowed now, else the whole seconds until one
    /// is.
    pub fn check(&self, client: String) -> Result<(), u64> {
        self.0.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets clients whose limits have fully recovered (called by the retention pass).
    pub fn forget_idle(&self) {
        self.0.retain_recent();
    }
}

/// `POST /v1/usage`: one report, added to today's counters. `204` when counted.
pub async fn report(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<ApiJson<Report>, ApiError>,
) -> ApiResult<StatusCode> {
    // A refusal by the switch or the throttle comes before any complaint about the body.
    let result = count(&state, peer, &headers, body).await;
    state
        .metrics
        .usage_reports
        .get_or_create(&Outcome {
            outcome: crate::metrics::outcome(&result, "counted"),
        })
        .inc();
    result
}

async fn count(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<ApiJson<Report>, ApiError>,
) -> ApiResult<StatusCode> {
    if !state.config.usage.enabled {
        return Err(ApiError::new(
            Kind::UsageOff,
            "This key server does not collect usage reports.",
        ));
    }
    let client = state.client_address.throttle_key(peer.ip(), headers);
    if let Err(wait) = state.usage_throttle.check(client) {
        return Err(ApiError::new(
            Kind::Throttled,
            "Too many usage reports from this address; they are counted again within the hour.",
        )
        .with_retry_after(wait.max(1)));
    }
    let ApiJson(report) = body?;
    report
        .check()
        .map_err(|e| ApiError::new(Kind::MalformedRequest, e))?;
    let day = state.clock.now() / 86_400;
    state.store.count_usage(day, &report.entries()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The usage table of `days` days up to `today`, counts below `k` hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTable {
    /// The first and last day, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// The last day.
    pub to: String,
    /// The threshold: counts below it are shown as `"< k"`.
    pub k: u32,
    /// Per dimension, per value: the total over the days, and per day.
    pub dimensions: BTreeMap<String, BTreeMap<String, Row>>,
}

/// One value's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The total over the period (or `"< k"`).
    pub total: Shown,
    /// Per day `YYYY-MM-DD`, days with a count only (each shown or `"< k"`).
    pub days: BTreeMap<String, Shown>,
}

/// A count, or the fact that it is below the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shown {
    /// A count of at least k.
    Count(i64),
    /// `"< k"`.
    Below(String),
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::Below(s) => f.write_str(s),
        }
    }
}

fn shown(count: i64, k: u32) -> Shown {
    if count < i64::from(k) {
        Shown::Below(format!("< {k}"))
    } else {
        Shown::Count(count)
    }
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn date_of(day: i64) -> String {
    // Civil date from days (Howard Hinnant's algorithm).
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Builds the table from the stored counters.
pub fn table(counts: &[UsageCount], from_day: i64, to_day: i64, k: u32) -> UsageTable {
    // Per dimension, per value: the total and the count of each day.
    type Sums = BTreeMap<String, (i64, BTreeMap<String, i64>)>;
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for c in counts {
        let entry = sums
            .entry(c.dimension.clone())
            .or_default()
            .entry(c.value.clone())
            .or_default();
        entry.0 += c.count;
        *entry.1.entry(date_of(c.day)).or_default() += c.count;
    }
    UsageTable {
        from: date_of(from_day),
        to: date_of(to_day),
        k,
        dimensions: sums
            .into_iter()
            .map(|(dimension, values)| {
                let rows = values
                    .into_iter()
                    .map(|(value, (total, days))| {
                        let row = Row {
                            total: shown(total, k),
                            days: days.into_iter().map(|(d, n)| (d, shown(n, k))).collect(),
                        };
                        (value, row)
                    })
                    .collect();
                (dimension, rows)
            })
            .collect(),
    }
}

/// The table as text: one block per dimension, values by total.
pub fn render(table: &UsageTable) -> String {
    let mut out = format!(
        "Usage reports {} to {} (UTC days; counts below {} shown as \"< {}\")\n",
        table.from, table.to, table.k, table.k
    );
    if table.dimensions.is_empty() {
        out.push_str("\nNo reports in this period.\n");
        return out;
    }
    for (dimension, rows) in &table.dimensions {
        out.push_str(&format!("\n{}\n", heading(dimension)));
        let mut rows: Vec<_> = rows.iter().collect();
        rows.sort_by_key(|(value, row)| {
            (
                std::cmp::Reverse(match row.total {
                    Shown::Count(n) => n,
                    Shown::Below(_) => 0,
                }),
                (*value).clone(),
            )
        });
        let width = rows
            .iter()
            .map(|(v, _)| v.chars().count())
            .max()
            .unwrap_or(0);
        for (value, row) in rows {
            out.push_str(&format!(
                "  {value:<width$}  {:>8}\n",
                row.total.to_string()
            ));
        }
    }
    out
}

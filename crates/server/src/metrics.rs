//! Operators' metrics: counters and histograms in the Prometheus (OpenMetrics) text format, served
//! on a listener of their own (`[metrics]`, off by default; see `docs/metrics.md`).
//!
//! No label ever carries a message id, an address, a recipient's domain, an IP address or a
//! token: label values are route templates, problem names, the operator's own provider ids and
//! fixed words. A provider id a client sends is used only once it is one of the configured ones.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

use crate::AppState;
use crate::api::ApiResult;
use crate::problem::ApiError;
use crate::secrets::Secret;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A label set of one word.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// What happened: `ok`, `delivered`, or a problem name.
    pub outcome: String,
}

/// How a recipient proved an address, and what came of it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Verification {
    /// `passcode` or `passkey`.
    pub method: &'static str,
    /// `verified`, or the problem name.
    pub outcome: String,
}

/// A sign-in with an account provider.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignIn {
    /// The configured provider id, or `unknown`.
    pub provider: String,
    /// `signed-in`, or the problem name.
    pub outcome: String,
}

/// A release of a server share.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Release {
    /// `first` (counted as an open) or `repeat` (the same token again).
    pub release: &'static str,
}

/// A problem answered.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProblemType {
    /// The problem name (`wrong-passcode`, …).
    pub r#type: String,
}

/// One HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    /// The route template (`/v1/messages/{id}/verify`), or `unmatched`.
    pub route: String,
    /// The HTTP method.
    pub method: String,
    /// The status code.
    pub status: u16,
}

/// One store operation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Operation {
    /// The operation's name (`release`, `begin_guess`, …).
    pub operation: &'static str,
}

/// One mail handed to the SMTP relay.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Mail {
    /// `passcode` or `reply`.
    pub mail: &'static str,
    /// `delivered` or `failed`.
    pub outcome: &'static str,
}

/// A fetch of a provider's discovery document or signing keys.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Refresh {
    /// The configured provider id.
    pub provider: String,
    /// `discovery` or `keys`.
    pub document: &'static str,
    /// `ok` or `failed`.
    pub outcome: &'static str,
}

type Timings<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    // 0.5 ms … about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Every metric of one server, in its own registry.
pub struct Metrics {
    registry: Registry,
    /// Passcode mails the relay accepted.
    pub passcodes_sent: Counter,
    /// Passcode and passkey verifications by outcome.
    pub verifications: Family<Verification, Counter>,
    /// Sign-ins by provider and outcome.
    pub sign_ins: Family<SignIn, Counter>,
    /// Releases, first and repeated.
    pub releases: Family<Release, Counter>,
    /// Secure replies by outcome.
    pub replies: Family<Outcome, Counter>,
    /// Messages revoked by their senders.
    pub revocations: Counter,
    /// Problems answered, by type.
    pub problems: Family<ProblemType, Counter>,
    /// Request latency by route, method and status.
    pub requests: Timings<Route>,
    /// Store latency by operation.
    pub store: Timings<Operation>,
    /// SMTP delivery latency by mail and outcome.
    pub mail: Timings<Mail>,
    /// Discovery document and signing key fetches by provider and outcome.
    pub oidc_refreshes: Family<Refresh, Counter>,
    /// The viewer's usage reports by outcome (`counted`, or why not).
    pub usage_reports: Family<Outcome, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("waxseal");
        let passcodes_sent = Counter::default();
        let verifications = Family::default();
        let sign_ins = Family::default();
        let releases = Family::default();
        let replies = Family::default();
        let revocations = Counter::default();
        let problems = Family::default();
        let requests = Timings::<Route>::new_with_constructor(latency as fn() -> Histogram);
        let store = Timings::<Operation>::new_with_constructor(latency as fn() -> Histogram);
        let mail = Timings::<Mail>::new_with_constructor(latency as fn() -> Histogram);
        let oidc_refreshes = Family::default();
        let usage_reports = Family::default();
        registry.register(
            "passcodes_sent",
            "Passcode mails accepted by the mail relay",
            passcodes_sent.clone(),
        );
        registry.register(
            "verifications",
            "Proofs of address by passcode or passkey, by outcome",
            verifications.clone(),
        );
        registry.register(
            "sign_ins",
            "Sign-ins with an account provider, by provider and outcome",
            sign_ins.clone(),
        );
        registry.register(
            "releases",
            "Server shares released: first (counted as an open) or repeated",
            releases.clone(),
        );
        registry.register("replies", "Secure replies, by outcome", replies.clone());
        registry.register(
            "revocations",
            "Messages revoked by their senders",
            revocations.clone(),
        );
        registry.register(
            "problems",
            "Problems (error answers) by type",
            problems.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Request latency by route template, method and status",
            requests.clone(),
        );
        registry.register(
            "store_duration_seconds",
            "Database operation latency by operation",
            store.clone(),
        );
        registry.register(
            "smtp_delivery_duration_seconds",
            "Time the mail relay took to accept a mail, by mail and outcome",
            mail.clone(),
        );
        registry.register(
            "oidc_refreshes",
            "Fetches of sign-in providers' discovery documents and signing keys, by outcome",
            oidc_refreshes.clone(),
        );
        registry.register(
            "usage_reports",
            "The viewer's aggregate usage reports, by outcome",
            usage_reports.clone(),
        );
        Self {
            registry,
            passcodes_sent,
            verifications,
            sign_ins,
            releases,
            replies,
            revocations,
            problems,
            requests,
            store,
            mail,
            oidc_refreshes,
            usage_reports,
        }
    }
}

impl Metrics {
    /// Everything, in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String does not fail");
        out
    }

    /// Counts a release (`first` or `repeat`).
    pub fn release(&self, release: &'static str) {
        self.releases.get_or_create(&Release { release }).inc();
    }

    /// Counts a verification's outcome.
    pub fn verification<T>(&self, method: &'static str, result: &ApiResult<T>) {
        self.verifications
            .get_or_create(&Verification {
                method,
                outcome: outcome(result, "verified"),
            })
            .inc();
    }
}

/// `ok` for a success, else the problem's name (`internal` for an internal error).
pub fn outcome<T>(result: &ApiResult<T>, ok: &str) -> String {
    match result {
        Ok(_) => ok.to_owned(),
        Err(ApiError::Problem(p)) => p
            .kind
            .strip_prefix(waxseal_api::PROBLEM_PREFIX)
            .unwrap_or("other")
            .to_owned(),
        Err(ApiError::Internal(_)) => "internal".to_owned(),
    }
}

/// Times a future into the store histogram.
pub async fn time_store<F: Future>(metrics: &Metrics, operation: &'static str, f: F) -> F::Output {
    let start = Instant::now();
    let out = f.await;
    metrics
        .store
        .get_or_create(&Operation { operation })
        .observe(start.elapsed().as_secs_f64());
    out
}

/// The problem name a response carries (set by [`crate::problem::problem_response`]).
#[derive(Clone, Debug)]
pub struct ProblemName(pub String);

/// Middleware: every request's latency by route template, and every problem by type.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&Route {
            route,
            method,
            status,
        })
        .observe(start.elapsed().as_secs_f64());
    if let Some(ProblemName(name)) = res.extensions().get::<ProblemName>() {
        state
            .metrics
            .problems
            .get_or_create(&ProblemType {
                r#type: name.clone(),
            })
            .inc();
    }
    res
}

/// The metrics endpoint: `GET /metrics`, with the bearer token when one is configured.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "Send the metrics token of [metrics] as a bearer token.\n",
            )
                .into_response();
        }
    }
    (
        [
            (header::CONTENT_TYPE, CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.metrics.encode(),
    )
        .into_response()
}

/// Serves [`router`] on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "metrics listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("metrics listener failed: {e}"))
}

/// Checks a `[metrics]` table: a listener on a public address needs a token.
pub fn check(listen: Option<SocketAddr>, token: Option<&Secret>) -> Result<(), String> {
    match listen {
        Some(addr) if !addr.ip().is_loopback() && token.is_none() => Err(format!(
            "metrics.listen = \"{addr}\" is not a loopback address: set metrics.token (or WAXSEAL_METRICS_TOKEN) so that only your Prometheus can read the metrics, or listen on 127.0.0.1"
        )),
        _ => Ok(()),
    }
}

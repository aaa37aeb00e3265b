//! The waxseal key-release server.
//!
//! It holds each message's server share (encrypted at rest) and releases it, sealed with HPKE to
//! a browser tab's key, to whoever proves they own one of the message's recipient addresses. It
//! never receives an envelope's payload or plaintext. See `docs/api.md` for the flows and
//! `openapi.json` for the API.
//!
//! [`router`] builds the axum application from an [`AppState`]; [`serve`] runs it on a listener
//! until a shutdown future resolves.

#![forbid(unsafe_code)]

pub mod api;
pub mod batch;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod mail;
pub mod metrics;
pub mod oidc;
pub mod passkeys;
pub mod postgres;
pub mod problem;
pub mod secrets;
pub mod sqlite;
pub mod store;
pub mod timed;
pub mod usage;

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::mail::Mailer;
use crate::secrets::MasterKeys;
use crate::store::Store;

/// The OpenAPI 3 document of the API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts of [`AppState`].
pub struct Inner {
    /// The configuration.
    pub config: Config,
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Mail delivery.
    pub mailer: Box<dyn Mailer>,
    /// The From address of passcode mails.
    pub from: lettre::message::Mailbox,
    /// Master keys.
    pub keys: MasterKeys,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Sign-in providers.
    pub providers: oidc::Providers,
    /// How the client address of a request is found (trusted proxies).
    pub client_address: client_addr::ClientAddress,
    /// The WebAuthn relying party, when passkeys are on.
    pub passkeys: Option<webauthn_rs::Webauthn>,
    /// The operators' metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// The in-memory throttle of usage reports (nothing of it is stored).
    pub usage_throttle: usage::Throttle,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    /// Hands a mail to the relay, timing it into the metrics by `kind` and outcome.
    pub async fn send_mail(
        &self,
        kind: &'static str,
        mail: lettre::Message,
    ) -> Result<(), mail::MailError> {
        let start = std::time::Instant::now();
        let result = self.mailer.send(mail).await;
        self.metrics
            .mail
            .get_or_create(&metrics::Mail {
                mail: kind,
                outcome: if result.is_ok() {
                    "delivered"
                } else {
                    "failed"
                },
            })
            .observe(start.elapsed().as_secs_f64());
        result
    }
}

impl AppState {
    /// Assembles the state from its parts.
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let keys = MasterKeys::parse(&config.master_keys).map_err(|e| e.to_string())?;
        let (mailer, from) = mail::from_config(&config.mail)?;
        let metrics = Arc::new(metrics::Metrics::default());
        let providers = oidc::Providers::new(&config.sign_in, metrics.clone())?;
        let passkeys = config
            .passkey_party()
            .map(|(origin, rp_id)| passkeys::relying_party(&origin, &rp_id))
            .transpose()
            .map_err(|e| e.to_string())?;
        let store: Arc<dyn Store> = Arc::new(timed::TimedStore::new(store, metrics.clone()));
        let usage_throttle = usage::Throttle::new(config.usage.per_client_per_hour);
        let client_address = client_addr::ClientAddress::new(
            config.trusted_proxies.clone(),
            config.forwarded_header,
        );
        Ok(Self(Arc::new(Inner {
            client_address,
            config,
            store,
            mailer,
            from,
            keys,
            clock,
            providers,
            passkeys,
            metrics,
            usage_throttle,
        })))
    }
}

/// The application: routes, body limit, CORS, security headers, tracing, problem+json errors.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(86_400));
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "cross-origin",
        ),
    ];
    let mut app = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/openapi.json", get(api::openapi))
        .route("/v1/config", get(api::public_config))
        .route("/v1/relay-keys", get(api::relay_keys))
        .route("/v1/messages", post(api::register))
        .route("/v1/messages/{id}", get(api::status))
        .route("/v1/messages/{id}/revoke", post(api::revoke))
        .route("/v1/messages/{id}/sender", get(api::message_sender))
        .route("/v1/messages/{id}/passcode", post(api::request_passcode))
        .route("/v1/messages/{id}/verify", post(api::verify))
        .route("/v1/messages/{id}/sign-in", post(api::sign_in))
        .route("/v1/messages/{id}/release", post(api::release_share))
        .route("/v1/messages/{id}/passkeys", post(passkeys::register))
        .route(
            "/v1/messages/{id}/passkeys/registration",
            post(passkeys::registration),
        )
        .route(
            "/v1/messages/{id}/passkeys/challenge",
            post(passkeys::challenge),
        )
        .route("/v1/messages/{id}/passkeys/verify", post(passkeys::verify))
        .route("/v1/messages/{id}/passkeys/forget", post(passkeys::forget))
        // A sealed reply may be far larger than a JSON request: the handler reads its body
        // with the reply's own limit.
        .route("/v1/messages/{id}/reply", post(api::relay_reply))
        .route("/v1/usage", post(usage::report))
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(problem::ensure_problem))
        .layer(axum::middleware::from_fn_with_state(state, metrics::track))
        .layer(cors);
    // Outside the CORS layer, so its preflight answers carry them too.
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    // Spans carry method, path and status only: never headers (API keys, tokens) or bodies.
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

/// Connects the store named by the configuration and runs the migrations.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    let url = &config.database_url;
    let cannot =
        |e: store::StoreError| format!("cannot open the database {}: {e}", redact_url(url));
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            postgres::PgStore::connect(url).await.map_err(cannot)?,
        ))
    } else {
        Ok(Arc::new(
            sqlite::SqliteStore::connect(url).await.map_err(cannot)?,
        ))
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Runs the server on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    serve_with_clock(config, listener, shutdown, Arc::new(SystemClock)).await
}

/// [`serve`] with a chosen clock (tests move time with [`clock::ManualClock`]).
pub async fn serve_with_clock(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    clock: Arc<dyn Clock>,
) -> Result<(), String> {
    let metrics = match config.metrics.listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on metrics.listen {addr}: {e}"))?,
        ),
        None => None,
    };
    serve_all(config, listener, metrics, shutdown, clock).await
}

/// [`serve_with_clock`] with the metrics listener (`[metrics]`) given rather than bound from the
/// configuration.
pub async fn serve_all(
    config: Config,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    clock: Arc<dyn Clock>,
) -> Result<(), String> {
    // The mails' texts, ready before the first passcode is asked for.
    waxseal_l10n::warm_up();
    let store = open_store(&config).await?;
    let state = AppState::new(config, store, clock)?;
    let metrics = metrics.map(|listener| {
        tokio::spawn(metrics::serve(
            state.clone(),
            listener,
            std::future::pending(),
        ))
    });
    let retention = tokio::spawn(retention_loop(state.clone()));
    let warm = state.clone();
    let warming = tokio::spawn(async move { warm.providers.warm().await });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| format!("server failed: {e}"));
    retention.abort();
    warming.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    served
}

/// Runs a retention pass now: expired shares destroyed, old audit data deleted.
pub async fn purge_now(state: &AppState) -> Result<store::PurgeReport, store::StoreError> {
    let now = state.clock.now();
    let audit_before = now.saturating_sub(state.config.retention.audit_days * 86_400);
    let passkeys_before = now.saturating_sub(state.config.passkeys.forget_unused_days * 86_400);
    let mut report = state
        .store
        .purge(now, audit_before, passkeys_before)
        .await?;
    // Days before the oldest of `keep_days` days, today included.
    let today = now / 86_400;
    report.usage_counts_deleted = state
        .store
        .purge_usage((today + 1).saturating_sub(state.config.usage.keep_days))
        .await?;
    state.usage_throttle.forget_idle();
    if report != store::PurgeReport::default() {
        tracing::info!(?report, "retention pass");
    }
    Ok(report)
}

/// A retention pass every `retention.interval` seconds, for as long as the server runs.
pub async fn retention_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.retention.interval));
    loop {
        tick.tick().await;
        if let Err(e) = purge_now(&state).await {
            tracing::error!(error = %e, "retention pass failed");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

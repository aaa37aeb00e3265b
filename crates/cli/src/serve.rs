//! `waxseal serve` and `waxseal demo`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::routing::get;
use clap::Args;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use waxseal_server::clock::{Clock, SystemClock};
use waxseal_server::config::Config;
use waxseal_server::{AppState, open_store, shutdown_signal};

use crate::seal::SealArgs;
use crate::{CliError, Result, ServerArgs};

#[derive(Args)]
pub struct ServeArgs {
    /// The key-release server's configuration (TOML) [env: WAXSEAL_CONFIG]
    #[arg(long, env = "WAXSEAL_CONFIG")]
    config: Option<PathBuf>,
    /// The built viewer (`trunk build --release` writes it to dist/).
    #[arg(long, default_value = "dist")]
    viewer_dir: PathBuf,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo keeps its database, outbox and sealed message.
    #[arg(long, default_value = ".waxseal-demo")]
    dir: PathBuf,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The built viewer.
    #[arg(long, default_value = "dist")]
    viewer_dir: PathBuf,
}

/// The key-release API plus the viewer's static files, its `config.json` (trusting this server;
/// naming the operator of the viewer directory's own `config.json`, else `operator`, the key
/// server's `[operator]`) and CORS `*` on them, so a `message.html` opened from disk can load the viewer. The viewer's
/// page is served with its Content-Security-Policy's `connect-src` extended by `sign_in`, the
/// origins of the sign-in providers' token endpoints.
pub fn app_with_viewer(
    api: Router,
    viewer_dir: &Path,
    origin: &str,
    sign_in: &[String],
    operator: Option<&waxseal_api::Operator>,
) -> Result<Router> {
    check_viewer(viewer_dir)?;
    // The viewer's own settings name its operator (logo and colour included); this server
    // replaces only the trusted key servers.
    let own: serde_json::Value = std::fs::read_to_string(viewer_dir.join("config.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut config = serde_json::json!({ "trusted_key_servers": [origin] });
    if own["operator"].is_object() {
        config["operator"] = own["operator"].clone();
    } else if let Some(operator) = operator {
        config["operator"] = serde_json::to_value(operator).expect("serialises");
    }
    let config = config.to_string();
    let index = std::fs::read_to_string(viewer_dir.join("index.html")).map_err(|e| {
        CliError::usage(format!(
            "cannot read {}: {e}",
            viewer_dir.join("index.html").display()
        ))
    })?;
    let index = with_connect_sources(&index, sign_in);
    let page = get(move || {
        let index = index.clone();
        async move {
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                index,
            )
        }
    });
    let viewer = Router::new()
        .route("/", page.clone())
        .route("/index.html", page)
        .route(
            "/config.json",
            get(move || {
                let config = config.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "no-cache"),
                        ],
                        config,
                    )
                }
            }),
        )
        // The build's gzip copies (see Trunk.toml) go to browsers that accept them.
        .fallback_service(ServeDir::new(viewer_dir).precompressed_gzip())
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        // No page of the viewer may be framed by another page (clickjacking a passcode form or
        // the sign-in): the meta policy of index.html cannot say this, a header can.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
    Ok(api.merge(viewer))
}

/// The viewer's `index.html` with `sources` added to its CSP's `connect-src 'self'`.
fn with_connect_sources(index: &str, sources: &[String]) -> String {
    let mut extra = String::new();
    for s in sources {
        if !extra.split(' ').any(|e| e == s) {
            extra.push(' ');
            extra.push_str(s);
        }
    }
    index.replacen(
        "connect-src 'self'",
        &format!("connect-src 'self'{extra}"),
        1,
    )
}

/// The origins of the providers' token endpoints (from their discovery documents; a provider
/// that cannot be reached now is represented by its issuer's origin).
async fn sign_in_origins(state: &AppState) -> Vec<String> {
    let mut origins = Vec::new();
    for p in state.providers.iter() {
        let url = match state.providers.discovery(p).await {
            Ok(d) => d.token_endpoint.clone(),
            Err(_) => p.config.issuer.clone(),
        };
        // The one strict parser: a discovery document naming anything else adds nothing.
        match waxseal_envelope::Origin::of_url(&url) {
            Ok(origin) => origins.push(origin.to_string()),
            Err(e) => {
                tracing::warn!(provider = %p.config.id, "sign-in provider's token endpoint left out of the viewer's CSP: {e}")
            }
        }
    }
    origins
}

fn check_viewer(viewer_dir: &Path) -> Result<()> {
    if viewer_dir.join("index.html").is_file() {
        Ok(())
    } else {
        Err(CliError::usage(format!("no built viewer in {}", viewer_dir.display()))
            .hint("build it with `trunk build --release --cargo-profile wasm-release` (scripts/demo.sh does), or pass --viewer-dir"))
    }
}

async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    viewer_dir: &Path,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let origin = config.public_origin.clone();
    let store = open_store(&config).await.map_err(CliError::failed)?;
    let state = AppState::new(config, store, Arc::new(SystemClock)).map_err(CliError::usage)?;
    let retention = tokio::spawn(waxseal_server::retention_loop(state.clone()));
    state.providers.warm().await;
    let sign_in = sign_in_origins(&state).await;
    let operator = state
        .config
        .operator
        .name
        .clone()
        .map(|name| waxseal_api::Operator {
            name,
            privacy_contact: state.config.operator.privacy_contact.clone(),
        });
    let metrics = match state.config.metrics.listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                CliError::failed(format!("cannot listen on metrics.listen {addr}: {e}"))
            })?;
            Some(tokio::spawn(waxseal_server::metrics::serve(
                state.clone(),
                listener,
                std::future::pending(),
            )))
        }
        None => None,
    };
    let app = app_with_viewer(
        waxseal_server::router(state),
        viewer_dir,
        &origin,
        &sign_in,
        operator.as_ref(),
    )?;
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| CliError::failed(format!("the server failed: {e}")));
    retention.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    served
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub async fn serve(a: ServeArgs) -> Result<()> {
    init_logging();
    check_viewer(&a.viewer_dir)?;
    let config = Config::load(a.config.as_deref()).map_err(CliError::usage)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| CliError::failed(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::failed(e.to_string()))?;
    tracing::info!(%addr, origin = %config.public_origin, viewer = %a.viewer_dir.display(), "waxseal key-release server and viewer listening");
    run(config, listener, &a.viewer_dir, shutdown_signal()).await
}

const SAMPLE_HTML: &str = r#"<!doctype html>
<html><body style="font-family: Georgia, serif; max-width: 36em">
<p><img src="cid:seal.png" alt="A red wax seal" width="64" height="64"></p>
<h1>Your travel documents</h1>
<p>Dear guest,</p>
<p>This message was sealed with <strong>waxseal</strong>. It was decrypted in your browser: the key
server only released a key share, to this browser tab, after you proved this address with a
one-time passcode. It never saw this text.</p>
<p>Your itinerary is attached. Remote images like the one below stay blocked until you allow them:</p>
<p><img src="https://images.example.com/tracking-pixel.png" alt="A remote image" width="120" height="40"></p>
<p>Kind regards,<br>Alice at the waxseal demo</p>
</body></html>
"#;

const SAMPLE_TEXT: &str = "Dear guest,\n\nThis message was sealed with waxseal and decrypted in your browser.\nYour itinerary is attached.\n\nKind regards,\nAlice at the waxseal demo\n";

const SAMPLE_ATTACHMENT: &str =
    "day,from,to,departs\n1,Copenhagen,Shanghai,09:40\n8,Shanghai,Copenhagen,13:05\n";

/// Where the demo message's secure replies go (in the demo organisation's verified domain).
const DEMO_REPLY_TO: &str = "replies@example.com";

pub async fn demo(a: DemoArgs) -> Result<()> {
    init_logging();
    check_viewer(&a.viewer_dir)?;
    let dir = &a.dir;
    let io = |what: &str, e: std::io::Error| CliError::usage(format!("{what}: {e}"));
    std::fs::create_dir_all(dir.join("sample"))
        .map_err(|e| io(&format!("cannot create {}", dir.display()), e))?;
    // One master key per demo folder, so a restarted demo still opens its messages.
    let key_file = dir.join("master.key");
    let master_key = match std::fs::read_to_string(&key_file) {
        Ok(k) => k.trim().to_owned(),
        Err(_) => {
            let k = waxseal_server::secrets::new_master_key("demo").to_string();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(
                &mut options
                    .open(&key_file)
                    .map_err(|e| io("cannot write the demo master key", e))?,
                k.as_bytes(),
            )
            .map_err(|e| io("cannot write the demo master key", e))?;
            k
        }
    };
    let origin = format!("http://127.0.0.1:{}", a.port);
    let text = format!(
        "listen = \"127.0.0.1:{port}\"\npublic_origin = \"{origin}\"\ndatabase_url = \"sqlite://{db}\"\n[mail]\nmode = \"file-outbox\"\nfrom = \"waxseal demo <no-reply@localhost>\"\ndir = \"{outbox}\"\n",
        port = a.port,
        db = dir.join("keys.db").display(),
        outbox = dir.join("outbox").display(),
    );
    let config = Config::from_toml_and_env(&text, |k| {
        (k == "WAXSEAL_MASTER_KEYS").then(|| master_key.clone())
    })
    .map_err(CliError::usage)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            CliError::failed(format!("cannot listen on {}: {e}", config.listen))
                .hint("pass --port with a free port")
        })?;

    // A sender organisation and a fresh API key for this run.
    let store = open_store(&config).await.map_err(CliError::failed)?;
    let now = SystemClock.now();
    let sender = match store
        .sender_by_name("waxseal demo")
        .await
        .map_err(|e| CliError::failed(e.to_string()))?
    {
        Some(id) => id,
        None => store
            .create_sender("waxseal demo", now)
            .await
            .map_err(|e| CliError::failed(e.to_string()))?,
    };
    // The demo message comes from alice@example.com.
    store
        .add_sender_domain(sender, "example.com", now)
        .await
        .map_err(|e| CliError::failed(e.to_string()))?;
    let (api_key, key_id, hash) = waxseal_server::secrets::new_api_key();
    store
        .add_api_key(sender, &key_id, &hash, now)
        .await
        .map_err(|e| CliError::failed(e.to_string()))?;

    let viewer_dir = a.viewer_dir.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        run(config, listener, &viewer_dir, async {
            let _ = stopped.await;
        })
        .await
    });

    let sample = dir.join("sample");
    for (name, bytes) in [
        ("letter.html", SAMPLE_HTML.as_bytes()),
        ("letter.txt", SAMPLE_TEXT.as_bytes()),
        ("itinerary.csv", SAMPLE_ATTACHMENT.as_bytes()),
        ("seal.png", include_bytes!("../assets/seal.png").as_slice()),
    ] {
        std::fs::write(sample.join(name), bytes)
            .map_err(|e| io("cannot write the sample message", e))?;
    }
    // One reply key per demo folder too: the sample message takes secure replies, which the
    // demo's key server writes to the outbox, sealed, for `waxseal open-reply` to open.
    let reply_key = dir.join("reply-key.toml");
    if !reply_key.exists() {
        let made = crate::reply::write_new_key("demo", &reply_key, false);
        if let Err(e) = made {
            let _ = stop.send(());
            let _ = server.await;
            return Err(e);
        }
    }
    let out = dir.join("message.html");
    let args = SealArgs {
        eml: None,
        from: Some("Alice at the waxseal demo <alice@example.com>".into()),
        to: vec!["you@example.com".into()],
        cc: vec![],
        subject: "Your travel documents".into(),
        text: Some(sample.join("letter.txt")),
        html: Some(sample.join("letter.html")),
        attach: vec![sample.join("itinerary.csv")],
        inline: vec![sample.join("seal.png")],
        expires: "7d".into(),
        max_opens: None,
        viewer: None,
        lang: None,
        out: out.clone(),
        envelope: None,
        reply_to: Some(DEMO_REPLY_TO.into()),
        reply_key: Some(reply_key.clone()),
        force: true,
        json: false,
        server: ServerArgs {
            server: Some(origin.clone()),
            config: None,
        },
    };
    let sealed = crate::seal::seal_with(args, 7 * 86_400, origin.clone(), &api_key).await;
    if let Err(e) = sealed {
        let _ = stop.send(());
        let _ = server.await;
        return Err(e);
    }
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    println!();
    println!("The waxseal demo is running at {origin}/");
    println!();
    println!(
        "  1. Open the sealed message in a browser:   file://{}",
        abs(&out).display()
    );
    println!("     (or open {origin}/ and drop that file on the page)");
    println!("  2. Choose you@example.com and ask for a passcode.");
    println!(
        "  3. The passcode e-mail is written to:      {}",
        abs(&dir.join("outbox")).display()
    );
    println!("     (the newest .eml file there; open it in a text editor or mail program)");
    println!("  4. Enter the passcode and read the message.");
    println!(
        "  5. \"Reply securely\" seals your answer in the browser; it is mailed to {DEMO_REPLY_TO}"
    );
    println!("     (written to the same outbox). Open it as the organisation would:");
    println!(
        "     waxseal open-reply <that .eml> --reply-key {} --server {origin}",
        abs(&reply_key).display()
    );
    println!();
    println!("Press Ctrl-C to stop.");
    shutdown_signal().await;
    let _ = stop.send(());
    server.await.map_err(|e| CliError::failed(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_page_may_connect_to_the_token_endpoints() {
        let index = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self'; base-uri 'none'">"#;
        assert_eq!(with_connect_sources(index, &[]), index);
        assert_eq!(
            with_connect_sources(
                index,
                &[
                    "https://login.microsoftonline.com".into(),
                    "https://oauth2.googleapis.com".into(),
                    "https://login.microsoftonline.com".into(),
                ]
            ),
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self' https://login.microsoftonline.com https://oauth2.googleapis.com; base-uri 'none'">"#
        );
    }
}

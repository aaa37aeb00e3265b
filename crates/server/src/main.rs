//! `waxseal-server`: run the key-release server, and administer sender API keys.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use waxseal_server::clock::{Clock, SystemClock};
use waxseal_server::config::Config;
use waxseal_server::{open_store, secrets, serve, shutdown_signal};

#[derive(Parser)]
#[command(
    name = "waxseal-server",
    version,
    about = "The waxseal key-release server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server until Ctrl-C or SIGTERM.
    Serve {
        /// Configuration file (TOML); see waxseal-server.example.toml.
        #[arg(long, env = "WAXSEAL_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Create a sender organisation and print its first API key (shown once).
    CreateSender {
        /// The organisation's name, shown in passcode mails ("an encrypted message sent by NAME")
        /// and next to the sender in the viewer.
        name: String,
        /// A domain the organisation sends from, verified by you (repeat for several). Messages
        /// may only be registered with a From address in one of them.
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<String>,
        #[arg(long, env = "WAXSEAL_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Add a verified sending domain to a sender organisation: confirm first that the
    /// organisation controls it (e.g. a DNS TXT record it published on your request).
    AddDomain {
        /// The organisation's name.
        name: String,
        /// The domain, e.g. `acme.example`.
        domain: String,
        #[arg(long, env = "WAXSEAL_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print another API key for an existing sender organisation (shown once).
    AddKey {
        /// The organisation's name.
        name: String,
        #[arg(long, env = "WAXSEAL_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print the daily counters of the viewer's usage reports: opens, browsers, languages,
    /// failure screens, journey times. Counts below usage.k are shown as "< k".
    Usage {
        /// How many days, up to today (UTC).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
        days: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[arg(long, env = "WAXSEAL_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print a new random master key entry for WAXSEAL_MASTER_KEYS.
    GenerateMasterKey {
        /// The key's id, kept with everything it encrypts (for rotation).
        #[arg(long, default_value = "k1")]
        id: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

async fn run(command: Command) -> Result<(), (u8, String)> {
    let usage = |e: String| (2, e);
    match command {
        Command::Serve { config } => {
            let config = Config::load(config.as_deref()).map_err(usage)?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .map_err(|e| (1, format!("cannot listen on {}: {e}", config.listen)))?;
            let addr = listener.local_addr().map_err(|e| (1, e.to_string()))?;
            tracing::info!(%addr, origin = %config.public_origin, "waxseal key-release server listening");
            serve(config, listener, shutdown_signal())
                .await
                .map_err(|e| (1, e))
        }
        Command::CreateSender { name, .. }
        | Command::AddKey { name, .. }
        | Command::AddDomain { name, .. }
            if name.trim().is_empty() =>
        {
            Err(usage("the organisation name must not be empty".into()))
        }
        Command::CreateSender {
            name,
            domains,
            config,
        } => {
            let domains = domains
                .iter()
                .map(|d| check_domain(d))
                .collect::<Result<Vec<_>, _>>()?;
            let config = Config::load(config.as_deref()).map_err(usage)?;
            let store = open_store(&config).await.map_err(|e| (1, e))?;
            let now = SystemClock.now();
            if store
                .sender_by_name(&name)
                .await
                .map_err(|e| (1, e.to_string()))?
                .is_some()
            {
                return Err(usage(format!(
                    "a sender named {name:?} exists; use `waxseal-server add-key {name:?}` for another key"
                )));
            }
            let id = store
                .create_sender(&name, now)
                .await
                .map_err(|e| (1, e.to_string()))?;
            for domain in &domains {
                store
                    .add_sender_domain(id, domain, now)
                    .await
                    .map_err(|e| (1, e.to_string()))?;
            }
            if domains.is_empty() {
                eprintln!(
                    "note: {name:?} has no verified sending domain yet; add one with `waxseal-server add-domain {name:?} DOMAIN` before it registers messages"
                );
            }
            print_new_key(store.as_ref(), id, &name, now).await
        }
        Command::AddDomain {
            name,
            domain,
            config,
        } => {
            let domain = check_domain(&domain)?;
            let (store, id) = sender_named(
                config.as_deref(),
                &name,
                &format!("waxseal-server create-sender {name:?} --domain {domain}"),
            )
            .await?;
            let added = store
                .add_sender_domain(id, &domain, SystemClock.now())
                .await
                .map_err(|e| (1, e.to_string()))?;
            eprintln!(
                "{domain} {} a verified sending domain of {name:?}",
                if added { "is now" } else { "was already" }
            );
            Ok(())
        }
        Command::AddKey { name, config } => {
            let (store, id) = sender_named(
                config.as_deref(),
                &name,
                &format!("waxseal-server create-sender {name:?}"),
            )
            .await?;
            print_new_key(store.as_ref(), id, &name, SystemClock.now()).await
        }
        Command::Usage { days, json, config } => {
            let config = Config::load(config.as_deref()).map_err(usage)?;
            let store = open_store(&config).await.map_err(|e| (1, e))?;
            let today = (SystemClock.now() / 86_400) as i64;
            let from = today - i64::from(days) + 1;
            let counts = store
                .usage(from.max(0) as u64, today as u64)
                .await
                .map_err(|e| (1, e.to_string()))?;
            let table = waxseal_server::usage::table(&counts, from, today, config.usage.k);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&table).map_err(|e| (1, e.to_string()))?
                );
            } else {
                print!("{}", waxseal_server::usage::render(&table));
                if !config.usage.enabled {
                    eprintln!(
                        "note: usage reports are off (usage.enabled = false): viewers send none"
                    );
                }
            }
            Ok(())
        }
        Command::GenerateMasterKey { id } => {
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(usage(
                    "the key id must be letters, digits, '-' or '_'".into(),
                ));
            }
            println!("{}", secrets::new_master_key(&id).as_str());
            Ok(())
        }
    }
}

/// A sending domain as the envelope format writes domains: a lower-case DNS name (spec §3.2).
/// The store of the configuration at `config` and the id of the sender organisation `name`;
/// when there is none, the error says to create it with `create`.
async fn sender_named(
    config: Option<&std::path::Path>,
    name: &str,
    create: &str,
) -> Result<(std::sync::Arc<dyn waxseal_server::store::Store>, i64), (u8, String)> {
    let config = Config::load(config).map_err(|e| (2, e))?;
    let store = open_store(&config).await.map_err(|e| (1, e))?;
    let id = store
        .sender_by_name(name)
        .await
        .map_err(|e| (1, e.to_string()))?
        .ok_or_else(|| {
            (
                2,
                format!("no sender named {name:?}; create it with `{create}`"),
            )
        })?;
    Ok((store, id))
}

fn check_domain(domain: &str) -> Result<String, (u8, String)> {
    let lower = domain.trim().to_ascii_lowercase();
    if waxseal_envelope::origin::is_dns_name(&lower) {
        Ok(lower)
    } else {
        Err((
            2,
            format!(
                "{domain:?} is not a domain name such as acme.example (ASCII; IDNs in their xn-- form)"
            ),
        ))
    }
}

async fn print_new_key(
    store: &dyn waxseal_server::store::Store,
    sender: i64,
    name: &str,
    now: u64,
) -> Result<(), (u8, String)> {
    let (key, key_id, hash) = secrets::new_api_key();
    store
        .add_api_key(sender, &key_id, &hash, now)
        .await
        .map_err(|e| (1, e.to_string()))?;
    eprintln!("API key for {name:?} (shown only now; store it as WAXSEAL_API_KEY for the sender):");
    println!("{}", key.as_str());
    Ok(())
}

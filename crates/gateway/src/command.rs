//! The gateway's commands, the same as `waxseal-gateway …` and as `waxseal gateway …`:
//!
//! `serve --config waxseal-gateway.toml` runs the SMTP service; `check-rules --config
//! waxseal-gateway.toml some.eml` says what the gateway would do with a message and why,
//! recipient by recipient.

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Config;
use crate::flow::Gateway;
use crate::rules::{self, Action};
use crate::smtp;

/// A gateway command.
#[derive(Subcommand)]
pub enum Command {
    /// Run the SMTP service: accept mail from the organisation's MTA, apply the rules, hand it on
    Serve {
        /// The gateway's configuration
        #[arg(long, short, default_value = "waxseal-gateway.toml")]
        config: PathBuf,
    },
    /// Say what the gateway would do with a message, recipient by recipient, and why
    CheckRules {
        /// The gateway's configuration
        #[arg(long, short, default_value = "waxseal-gateway.toml")]
        config: PathBuf,
        /// The message (.eml)
        message: PathBuf,
        /// An envelope recipient (repeat for several; default: the To, Cc and Bcc addresses)
        #[arg(long = "rcpt", value_name = "ADDRESS")]
        recipients: Vec<String>,
        /// Print the decision as JSON
        #[arg(long)]
        json: bool,
    },
}

fn read_config(path: &std::path::Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
    Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The SMTP service until SIGTERM or SIGINT; then the transactions under way end first.
fn serve(config: Config) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(async move {
        // The connection to the next hop lives on the runtime.
        let gateway = std::sync::Arc::new(Gateway::new(config)?);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("a SIGTERM handler");
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("stopping: no new connections; the transactions under way end first");
            let _ = stop.send(true);
        });
        let address = gateway.config().listen.address;
        smtp::bind_and_serve(gateway, stopped)
            .await
            .map_err(|e| format!("cannot listen on {address}: {e}"))
    })
}

/// Runs a command (not on an async runtime: `serve` starts its own); the error says what was
/// wrong and what to do.
pub fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve { config } => serve(read_config(&config)?),
        Command::CheckRules {
            config,
            message,
            recipients,
            json,
        } => {
            let config = read_config(&config)?;
            let bytes = std::fs::read(&message)
                .map_err(|e| format!("cannot read {}: {e}", message.display()))?;
            let parsed = rules::read_mail(&bytes).ok_or_else(|| {
                    format!(
                        "{} is not an e-mail message (no From, To, Subject or Date header); give the .eml file as it would be sent",
                        message.display()
                    )
                })?;
            let recipients = if recipients.is_empty() {
                rules::header_recipients(&parsed)
            } else {
                recipients
            };
            if recipients.is_empty() {
                return Err(format!(
                    "{} names no recipient in To, Cc or Bcc; give them with --rcpt",
                    message.display()
                ));
            }
            let decision = rules::decide(&config, &parsed, &recipients);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&decision).map_err(|e| e.to_string())?
                );
                return Ok(());
            }
            println!(
                "message {}",
                parsed
                    .message_id()
                    .map(|id| format!("<{id}>"))
                    .unwrap_or_else(|| "(no Message-ID)".into())
            );
            println!("subject {:?}", parsed.subject().unwrap_or_default());
            match &decision.matched {
                Some(m) => println!("rule {:?} matches: {}", m.rule, m.found),
                None => println!("no rule matches"),
            }
            println!();
            let width = decision
                .recipients
                .iter()
                .map(|o| o.recipient.len())
                .max()
                .unwrap_or(0);
            for o in &decision.recipients {
                let action = match o.action {
                    Action::Original => "original",
                    Action::Seal => "sealed",
                };
                println!("  {:width$}  {action:8}  {}", o.recipient, o.reason);
            }
            println!();
            match &decision.sealing {
                Some(s) => {
                    let n = s.messages.len();
                    println!(
                        "{} for {} recipient{}, subject {:?}, opens for {}{}",
                        if n == 1 {
                            "one sealed message".to_owned()
                        } else {
                            format!("{n} sealed messages")
                        },
                        s.recipients.len(),
                        if s.recipients.len() == 1 { "" } else { "s" },
                        s.subject,
                        days(s.expires),
                        s.max_opens
                            .map(|n| format!(", at most {n} time{}", if n == 1 { "" } else { "s" }))
                            .unwrap_or_default()
                    );
                    if n > 1 {
                        for m in &s.messages {
                            println!("  one for {}", m.join(", "));
                        }
                        println!(
                            "  (a recipient the message does not name in To or Cc gets a sealed message of its own)"
                        );
                    }
                }
                None => println!("nothing is sealed: every recipient gets the original"),
            }
            Ok(())
        }
    }
}

fn days(seconds: u64) -> String {
    if seconds.is_multiple_of(86_400) {
        format!("{} days", seconds / 86_400)
    } else {
        format!("{} hours", seconds / 3_600)
    }
}

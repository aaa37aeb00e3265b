//! `waxseal-gateway`: the mail gateway's command.
//!
//! `waxseal-gateway check-rules --config waxseal-gateway.toml some.eml` says what the gateway
//! would do with a message and why, recipient by recipient.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mail_parser::MessageParser;
use waxseal_gateway::config::Config;
use waxseal_gateway::rules::{self, Action};

#[derive(Parser)]
#[command(
    name = "waxseal-gateway",
    version,
    about = "The waxseal mail gateway: seals an organisation's outgoing mail by rule"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::CheckRules {
            config,
            message,
            recipients,
            json,
        } => {
            let text = std::fs::read_to_string(&config)
                .map_err(|e| format!("cannot read the configuration {}: {e}", config.display()))?;
            let config_path = config;
            let config =
                Config::parse(&text).map_err(|e| format!("{}: {e}", config_path.display()))?;
            let bytes = std::fs::read(&message)
                .map_err(|e| format!("cannot read {}: {e}", message.display()))?;
            let parsed = MessageParser::default()
                .parse(&bytes)
                .filter(|m| {
                    m.from().is_some() || m.to().is_some() || m.subject().is_some() || m.date().is_some()
                })
                .ok_or_else(|| {
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
                    println!(
                        "one sealed message for {} recipient{}, subject {:?}, opens for {}{}",
                        s.recipients.len(),
                        if s.recipients.len() == 1 { "" } else { "s" },
                        s.subject,
                        days(s.expires),
                        s.max_opens
                            .map(|n| format!(", at most {n} time{}", if n == 1 { "" } else { "s" }))
                            .unwrap_or_default()
                    );
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

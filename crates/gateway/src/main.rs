//! `waxseal-gateway`: the mail gateway's command (also `waxseal gateway`); see
//! [`waxseal_gateway::command`].

use std::process::ExitCode;

use clap::Parser;
use waxseal_gateway::command::{self, Command};

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

fn main() -> ExitCode {
    match command::run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

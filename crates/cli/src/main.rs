//! `waxseal`: seal e-mail for recipients who read it in a browser, and manage sealed messages.
//!
//! Exit codes: 0 success; 1 the operation failed (the server refused, the network, a damaged
//! message); 2 bad usage or input (flags, files, configuration).

mod compose;
mod manage;
mod open;
mod reply;
mod seal;
mod serve;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// A failure with the message to print, an optional hint, and the exit code.
#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
    hint: Option<String>,
}

impl CliError {
    /// A usage or input error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
            hint: None,
        }
    }

    /// An operation that failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds what to do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl From<waxseal_sender::client::ClientError> for CliError {
    fn from(e: waxseal_sender::client::ClientError) -> Self {
        let hint = match e.problem_name() {
            Some("unauthorized") => {
                Some("create a key with `waxseal-server create-sender` and set WAXSEAL_API_KEY")
            }
            None if matches!(e, waxseal_sender::client::ClientError::Unreachable(_)) => {
                Some("check --server (or WAXSEAL_SERVER) and that the key server is running")
            }
            _ => None,
        };
        let err = Self::failed(e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

pub type Result<T> = std::result::Result<T, CliError>;

#[derive(Parser)]
#[command(
    name = "waxseal",
    version,
    about = "Encrypted e-mail that recipients read in any browser"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the key server is and how to authenticate to it.
#[derive(Args, Clone, Debug)]
pub struct ServerArgs {
    /// The key server's origin, e.g. https://keys.example.com [env: WAXSEAL_SERVER; or `server` in the config file]
    #[arg(long)]
    pub server: Option<String>,
    /// A TOML file with `server` and `api_key` [default: $XDG_CONFIG_HOME/waxseal/config.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Seal a message: register its key share with the key server and write message.html.
    Seal(Box<seal::SealArgs>),
    /// Revoke a message: the key server destroys its share and refuses every later request.
    Revoke {
        /// The message id (printed by `seal`, shown by `inspect`). Ids are base64url and may
        /// begin with `-`.
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        server: ServerArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a message's state and audit trail.
    Status {
        /// The message id (may begin with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        server: ServerArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show the envelope header of a message.html (or raw envelope) without decrypting it.
    Inspect {
        /// The message.html or envelope file (- for standard input).
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open a message in the terminal: prove the address with a passcode, decrypt, write the .eml.
    Open(open::OpenArgs),
    /// The organisation's reply keys: `waxseal reply-key new --key-id ID`.
    #[command(subcommand)]
    ReplyKey(ReplyKeyCommand),
    /// Decrypt a secure reply with the organisation's reply key.
    OpenReply(reply::OpenReplyArgs),
    /// Run the key-release server and serve the built viewer from the same address.
    Serve(serve::ServeArgs),
    /// Run a local demo: server on SQLite, the viewer, and a sealed sample message to open.
    Demo(serve::DemoArgs),
    /// The mail gateway: seal an organisation's outgoing mail by rule (same as `waxseal-gateway`).
    #[command(subcommand)]
    Gateway(waxseal_gateway::command::Command),
}

/// `waxseal reply-key …`.
#[derive(Subcommand)]
enum ReplyKeyCommand {
    /// Make a new reply key pair and write it to a file readable by you only.
    New(reply::NewKeyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The gateway runs its own runtime.
    let cli = match cli.command {
        Command::Gateway(command) => {
            return match waxseal_gateway::command::run(command) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            };
        }
        command => Cli { command },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("an async runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Seal(args) => seal::run(*args).await,
            Command::Revoke { id, server, json } => manage::revoke(&id, &server, json).await,
            Command::Status { id, server, json } => manage::status(&id, &server, json).await,
            Command::Inspect { file, json } => manage::inspect(&file, json),
            Command::Open(args) => open::run(args).await,
            Command::ReplyKey(ReplyKeyCommand::New(args)) => reply::new_key(args),
            Command::OpenReply(args) => reply::open_reply(args).await,
            Command::Serve(args) => serve::serve(args).await,
            Command::Demo(args) => serve::demo(args).await,
            Command::Gateway(_) => unreachable!("run above"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            if let Some(hint) = e.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.code)
        }
    }
}

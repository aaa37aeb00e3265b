//! `waxseal open`: a recipient in the terminal.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use waxseal_api::{
    PasscodeRequest, PasscodeSent, ReleaseRequest, ReleaseResponse, TokenResponse, VerifyRequest,
};
use waxseal_envelope::OpenError;
use waxseal_envelope::format::normalize_address;
use waxseal_envelope::release::TabKeyPair;
use zeroize::Zeroizing;

use crate::manage::read_envelope;
use crate::{CliError, Result};
use waxseal_sender::client::{Client, ClientError};

#[derive(Args)]
pub struct OpenArgs {
    /// The message.html (or raw envelope) to open.
    file: PathBuf,
    /// The key server you trust; it must be the one the message names. [env: WAXSEAL_SERVER]
    #[arg(long)]
    server: Option<String>,
    /// Your address, when the message has several recipients.
    #[arg(long)]
    recipient: Option<String>,
    /// Where to write the decrypted message [default: the file's name with .eml; - for standard output]
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Overwrite the output file.
    #[arg(long)]
    force: bool,
}

fn ask(prompt: &str) -> Result<Zeroizing<String>> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = Zeroizing::new(String::new());
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("cannot read the passcode: {e}")))?;
    if n == 0 {
        return Err(CliError::usage(
            "no passcode was given (standard input ended)",
        ));
    }
    Ok(Zeroizing::new(line.trim().to_owned()))
}

pub async fn run(a: OpenArgs) -> Result<()> {
    let reader = read_envelope(&a.file)?;
    let header = reader.header().clone();
    let trusted = a
        .server
        .clone()
        .or_else(|| std::env::var("WAXSEAL_SERVER").ok())
        .map(|s| s.trim_end_matches('/').to_owned());
    match trusted {
        Some(t) if t == header.key_server => {}
        Some(t) => {
            return Err(CliError::usage(format!("this message names the key server {}, not the one you trust ({t})", header.key_server))
                .hint("a message that points at an unknown key server may be forged; only pass that server with --server if you trust it"));
        }
        None => {
            return Err(CliError::usage(format!(
                "this message names the key server {}",
                header.key_server
            ))
            .hint(format!(
                "if you trust it, run again with --server {}",
                header.key_server
            )));
        }
    }
    let recipient = match &a.recipient {
        Some(r) => {
            let r = normalize_address(r)
                .map_err(|_| CliError::usage(format!("{r:?} is not an e-mail address")))?;
            if !header.recipients.contains(&r) {
                return Err(
                    CliError::usage(format!("{r} is not a recipient of this message"))
                        .hint(format!("its recipients: {}", header.recipients.join(", "))),
                );
            }
            r
        }
        None if header.recipients.len() == 1 => header.recipients[0].clone(),
        None => {
            return Err(
                CliError::usage("this message has several recipients").hint(format!(
                    "pass --recipient with yours: {}",
                    header.recipients.join(", ")
                )),
            );
        }
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| a.file.with_extension("eml"));
    if out.as_os_str() != "-" && out.exists() && !a.force {
        return Err(CliError::usage(format!("{} exists", out.display()))
            .hint("pass --force to overwrite it, or --out to write elsewhere"));
    }

    let client = Client::new(&header.key_server);
    let tab = TabKeyPair::generate();
    let public_key = URL_SAFE_NO_PAD.encode(tab.public_key());
    let id = header.id.to_string();
    let sent: PasscodeSent = client
        .post(
            &format!("/v1/messages/{id}/passcode"),
            None,
            &PasscodeRequest {
                recipient: recipient.clone(),
                public_key: public_key.clone(),
                lang: None,
            },
        )
        .await?;
    eprintln!(
        "A passcode was e-mailed to {recipient} with the reference {}. It expires in {} minutes.",
        sent.reference,
        sent.expires_in / 60
    );
    let token = loop {
        let passcode = ask("Passcode: ")?;
        let answer: std::result::Result<TokenResponse, ClientError> = client
            .post(
                &format!("/v1/messages/{id}/verify"),
                None,
                &VerifyRequest {
                    recipient: recipient.clone(),
                    public_key: public_key.clone(),
                    passcode: passcode.to_string(),
                },
            )
            .await;
        match answer {
            Ok(t) => break Zeroizing::new(t.token),
            Err(ClientError::Problem(p))
                if p.kind.ends_with(":wrong-passcode") && p.tries_left.unwrap_or(0) > 0 =>
            {
                eprintln!(
                    "That passcode is wrong; {} {} left.",
                    p.tries_left.unwrap_or(0),
                    if p.tries_left == Some(1) {
                        "try"
                    } else {
                        "tries"
                    }
                );
            }
            Err(ClientError::Problem(p)) if p.kind.ends_with(":invalid-request") => {
                eprintln!("{}", p.detail.unwrap_or(p.title));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let released: ReleaseResponse = client
        .post(
            &format!("/v1/messages/{id}/release"),
            Some(&token),
            &ReleaseRequest { public_key },
        )
        .await?;
    let release = URL_SAFE_NO_PAD
        .decode(&released.release)
        .map_err(|_| CliError::failed("the key server's answer is not valid"))?;
    let share = tab
        .open(&release, &header.id, &recipient, &header.key_server)
        .map_err(|e| CliError::failed(e.to_string()))?;

    // Decrypt to a temporary file beside the output; it becomes the output only when every chunk,
    // the last one included, authenticated.
    let damaged = |e: OpenError| CliError::failed(e.to_string());
    if out.as_os_str() == "-" {
        let mut buf = Vec::new();
        reader.open_to(&share, &mut buf).map_err(damaged)?;
        std::io::stdout()
            .write_all(&buf)
            .map_err(|e| CliError::failed(e.to_string()))?;
        return Ok(());
    }
    let mut tmp = crate::seal::temp_beside(&out)?;
    let len = {
        let mut w = BufWriter::new(tmp.as_file_mut());
        let n = reader.open_to(&share, &mut w).map_err(damaged)?;
        w.flush().map_err(|e| CliError::failed(e.to_string()))?;
        n
    };
    // Decrypted: for the owner's eyes only.
    crate::seal::persist(tmp, &out, a.force, crate::seal::Readers::Owner)?;
    eprintln!("Decrypted {} bytes into {}", len, out.display());
    Ok(())
}

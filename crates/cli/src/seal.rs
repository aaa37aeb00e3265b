//! `waxseal seal`.

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use waxseal_envelope::{SealParams, Sender, seal_stream};
use waxseal_sender::carrier::{self, Lang, ViewerManifest};

use crate::compose::{self, Parts};
use crate::{CliError, Result, ServerArgs, settings};
use waxseal_sender::client::Client;

#[derive(Args)]
pub struct SealArgs {
    /// An RFC 5322 message (.eml) to seal (- for standard input). Or compose one with --from etc.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["from", "subject", "text", "html", "attach", "inline"])]
    pub(crate) eml: Option<PathBuf>,
    /// Sender, `Name <address>` or `address`.
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// Recipient (repeat for more).
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) to: Vec<String>,
    /// Copy recipient (repeat for more); they can open the message too.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) cc: Vec<String>,
    /// Subject.
    #[arg(long, default_value = "")]
    pub(crate) subject: String,
    /// Plain-text body from a file (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) text: Option<PathBuf>,
    /// HTML body from a file (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Attach a file (repeat for more).
    #[arg(long, value_name = "FILE")]
    pub(crate) attach: Vec<PathBuf>,
    /// Inline an image the HTML body shows as `cid:<file name>` (repeat for more).
    #[arg(long, value_name = "FILE")]
    pub(crate) inline: Vec<PathBuf>,
    /// How long the message can be opened: a number with d (days), h (hours) or m (minutes).
    #[arg(long, default_value = "30d")]
    pub(crate) expires: String,
    /// How many times the message may be opened in all (default: no limit).
    #[arg(long)]
    pub(crate) max_opens: Option<u32>,
    /// Where the viewer is served [default: the key server, which `waxseal serve` makes a viewer too]
    #[arg(long, env = "WAXSEAL_VIEWER")]
    pub(crate) viewer: Option<String>,
    /// Language of the carrier's readable text: en, zh-Hans, zh-Hant, da, de, fr, es, pt-BR, it, nl,
    /// sv, nb, fi, pl, ja, ko or ar [default: from the recipients' domains]
    #[arg(long, value_name = "TAG")]
    pub(crate) lang: Option<Lang>,
    /// Where to write the carrier.
    #[arg(short, long, default_value = "message.html")]
    pub(crate) out: PathBuf,
    /// Also write the raw envelope here.
    #[arg(long, value_name = "FILE")]
    pub(crate) envelope: Option<PathBuf>,
    /// Where secure replies go: recipients may then answer from the viewer, sealed to your reply
    /// key (needs --reply-key).
    #[arg(long, value_name = "ADDRESS", requires = "reply_key")]
    pub(crate) reply_to: Option<String>,
    /// The reply key file (`waxseal reply-key new`); only its public key is used.
    #[arg(long, value_name = "FILE", requires = "reply_to")]
    pub(crate) reply_key: Option<PathBuf>,
    /// Overwrite existing output files.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print a JSON summary on standard output.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
}

/// Parses `7d`, `12h`, `90m`.
pub fn parse_expiry(text: &str) -> Result<u64> {
    let bad = || {
        CliError::usage(format!("invalid --expires {text:?}"))
            .hint("use a number with d (days), h (hours) or m (minutes), e.g. 7d; at most 366d")
    };
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "d" => n.checked_mul(86_400),
        "h" => n.checked_mul(3_600),
        "m" => n.checked_mul(60),
        _ => None,
    }
    .ok_or_else(bad)?;
    if seconds == 0 || seconds > 366 * 86_400 {
        return Err(bad());
    }
    Ok(seconds)
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut data).map(drop)
    } else {
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut data))
            .map(drop)
    };
    read.map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(data)
}

fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read_input(path)?)
        .map_err(|_| CliError::usage(format!("{} is not UTF-8 text", path.display())))
}

fn file_part(path: &Path) -> Result<(String, String, Vec<u8>)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::usage(format!("{} has no usable file name", path.display())))?;
    Ok((
        name.to_owned(),
        compose::content_type(path).to_owned(),
        read_input(path)?,
    ))
}

/// Sender and recipients (To and Cc) of an RFC 5322 message.
fn parties_of(message: &[u8]) -> Result<(Sender, Vec<String>)> {
    let parsed = mail_parser::MessageParser::default()
        .parse_headers(message)
        .ok_or_else(|| CliError::usage("the input is not an e-mail message (no headers found)"))?;
    let from = waxseal_sender::sender_of(&parsed)
        .ok_or_else(|| CliError::usage("the message has no From address"))?;
    let mut recipients = Vec::new();
    for list in [parsed.to(), parsed.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address().map(str::to_owned)));
    }
    Ok((from, recipients))
}

fn check_writable(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(CliError::usage(format!("{} exists", path.display()))
            .hint("pass --force to overwrite it, or --out to write elsewhere"));
    }
    Ok(())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub async fn run(a: SealArgs) -> Result<()> {
    // Everything that can be checked locally is checked before anything is sent anywhere.
    let lifetime = parse_expiry(&a.expires)?;
    if a.max_opens == Some(0) {
        return Err(CliError::usage("--max-opens must be at least 1"));
    }
    check_writable(&a.out, a.force)?;
    if let Some(env) = &a.envelope {
        check_writable(env, a.force)?;
    }
    let server = settings::server(&a.server)?;
    let api_key = settings::api_key(&a.server)?;
    seal_with(a, lifetime, server, &api_key).await
}

/// Seals with a resolved key server and API key (`waxseal demo` comes here directly).
pub(crate) async fn seal_with(
    a: SealArgs,
    lifetime: u64,
    server: String,
    api_key: &str,
) -> Result<()> {
    let message = match &a.eml {
        Some(path) => read_input(path)?,
        None => {
            let from = a.from.clone().ok_or_else(|| {
                CliError::usage(
                    "give the message as --eml FILE, or compose one with --from and --to",
                )
            })?;
            if a.to.is_empty() {
                return Err(CliError::usage(
                    "a composed message needs at least one --to",
                ));
            }
            if a.text.is_none() && a.html.is_none() {
                return Err(CliError::usage(
                    "a composed message needs a body: --text FILE or --html FILE",
                ));
            }
            Parts {
                from,
                to: a.to.clone(),
                cc: a.cc.clone(),
                subject: a.subject.clone(),
                text: a.text.as_deref().map(read_text).transpose()?,
                html: a.html.as_deref().map(read_text).transpose()?,
                attachments: a
                    .attach
                    .iter()
                    .map(|p| file_part(p))
                    .collect::<Result<_>>()?,
                inline: a
                    .inline
                    .iter()
                    .map(|p| file_part(p))
                    .collect::<Result<_>>()?,
            }
            .build()
            .map_err(CliError::usage)?
        }
    };
    let (from, mut recipients) = parties_of(&message)?;
    if a.eml.is_some() {
        recipients.extend(
            a.to.iter()
                .chain(&a.cc)
                .map(|r| compose::split_mailbox(r).1),
        );
    }
    if recipients.is_empty() {
        return Err(CliError::usage("the message has no recipients (To or Cc)"));
    }

    let viewer_base = a
        .viewer
        .clone()
        .unwrap_or_else(|| server.clone())
        .trim_end_matches('/')
        .to_owned();
    let client = Client::new(&server);
    let viewer = ViewerManifest::load(&client, &viewer_base)
        .await
        .map_err(|e| {
            CliError::failed(format!("cannot load the viewer: {e}")).hint(
                "pass --viewer with the address the viewer is served from (or WAXSEAL_VIEWER)",
            )
        })?;
    let created = now();
    // The organisation's reply key, if replies are wanted (format version 2).
    let reply = match (&a.reply_to, &a.reply_key) {
        (Some(to), Some(key)) => Some(crate::reply::reply_to(key, to)?),
        _ => None,
    };
    let params = SealParams {
        key_server: server.clone(),
        from,
        recipients,
        created,
        expires: created + lifetime,
        reply,
    };
    let mut sealed = temp_beside(&a.out)?;
    let progress = progress_bar(message.len() as u64);
    let input = progress.wrap_read(&message[..]);
    let receipt = seal_stream(&params, input, BufWriter::new(sealed.as_file_mut()))
        .map_err(|e| CliError::usage(e.to_string()))?;
    progress.finish_and_clear();
    let id = receipt.header.id.to_string();

    // Register; if that fails, no carrier is written.
    let status = waxseal_sender::register(
        &client,
        api_key,
        &receipt.header,
        &receipt.server_share,
        a.max_opens,
    )
    .await
    .map_err(|e| CliError::from(e).hint("nothing was written; fix the problem and seal again"))?;
    drop(receipt.server_share);

    let lang = a
        .lang
        .unwrap_or_else(|| Lang::guess(&receipt.header.recipients));
    let (head, tail) = carrier::template(&receipt.header, &viewer, lang);
    let file = sealed.as_file_mut();
    file.rewind().map_err(|e| CliError::failed(e.to_string()))?;
    let mut carrier_file = temp_beside(&a.out)?;
    carrier::write_carrier(
        &head,
        BufReader::new(&*file),
        &tail,
        viewer.envelope_parts,
        &mut BufWriter::new(carrier_file.as_file_mut()),
    )
    .map_err(|e| CliError::failed(format!("cannot write {}: {e}", a.out.display())))?;
    let carrier_len = carrier_file
        .as_file()
        .metadata()
        .map(|m| m.len())
        .unwrap_or(0);
    persist(carrier_file, &a.out, a.force, Readers::Everyone)?;
    if let Some(env) = &a.envelope {
        persist(sealed, env, a.force, Readers::Everyone)?;
    }

    if a.json {
        let summary = json!({
            "id": id,
            "message_html": a.out,
            "envelope": a.envelope,
            "recipients": status.recipients,
            "key_server": server,
            "expires": status.expires,
            "max_opens": status.max_opens,
            "plaintext_bytes": receipt.plaintext_len,
            "envelope_bytes": receipt.envelope_len,
            "message_html_bytes": carrier_len,
        });
        println!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
    } else {
        println!("sealed {id} for {}", status.recipients.join(", "));
        println!("  wrote {} ({})", a.out.display(), human_size(carrier_len));
        if let Some(env) = &a.envelope {
            println!(
                "  wrote {} ({})",
                env.display(),
                human_size(receipt.envelope_len)
            );
        }
        println!(
            "  key server {server}; opens until {}",
            carrier::utc(status.expires)
        );
        println!("  revoke with: waxseal revoke {id}");
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

/// A temporary file in the folder of `out`, to become `out` through [`persist`] (a rename
/// within one file system).
pub(crate) fn temp_beside(out: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CliError::usage(format!("cannot write in {}: {e}", dir.display())))
}

/// Writes `bytes` to `to` atomically (through [`temp_beside`] and [`persist`]).
pub(crate) fn write_atomically(
    bytes: &[u8],
    to: &Path,
    force: bool,
    readers: Readers,
) -> Result<()> {
    let mut tmp = temp_beside(to)?;
    tmp.write_all(bytes)
        .map_err(|e| CliError::failed(e.to_string()))?;
    persist(tmp, to, force, readers)
}

/// Who may read a file the CLI writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readers {
    /// Anyone, like a file written normally (0644): a carrier or an envelope, which are
    /// encrypted and travel by e-mail anyway.
    Everyone,
    /// Only the owner (0600): decrypted content.
    Owner,
}

/// Moves a finished temporary file into place with the permissions `readers` says (a temporary
/// file is created private).
pub(crate) fn persist(
    file: tempfile::NamedTempFile,
    to: &Path,
    force: bool,
    readers: Readers,
) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match readers {
            Readers::Everyone => 0o644,
            Readers::Owner => 0o600,
        };
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| {
                CliError::failed(format!(
                    "cannot set the permissions of {}: {e}",
                    to.display()
                ))
            })?;
    }
    #[cfg(not(unix))]
    let _ = readers;
    let result = if force {
        file.persist(to).map(drop)
    } else {
        file.persist_noclobber(to).map(drop)
    };
    result.map_err(|e| {
        CliError::usage(format!("cannot write {}: {}", to.display(), e.error))
            .hint("pass --force to overwrite an existing file")
    })
}

fn progress_bar(len: u64) -> indicatif::ProgressBar {
    if len < 8 * 1024 * 1024 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "sealing {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec}",
        )
        .expect("template"),
    );
    bar
}

/// `12.3 KB` style sizes.
pub fn human_size(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n if n < 1024 * 1024 * 1024 => format!("{:.1} MB", n as f64 / 1048576.0),
        n => format!("{:.2} GB", n as f64 / 1073741824.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry() {
        assert_eq!(parse_expiry("7d").unwrap(), 604_800);
        assert_eq!(parse_expiry("12h").unwrap(), 43_200);
        assert_eq!(parse_expiry("90m").unwrap(), 5_400);
        for bad in [
            "",
            "7",
            "d",
            "0d",
            "367d",
            "7w",
            "-1d",
            "1.5d",
            "99999999999999999999d",
        ] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}

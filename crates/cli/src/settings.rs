//! The key server's address and the sender's API key: from flags, the environment or a config
//! file — never from a flag (a key on the command line lands in shell history).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::{CliError, Result, ServerArgs};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    server: Option<String>,
    api_key: Option<String>,
}

fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("waxseal").join("config.toml"))
}

fn read(path: Option<&Path>) -> Result<File> {
    let (path, explicit) = match path {
        Some(p) => (p.to_owned(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(File::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| CliError::usage(format!("{}: {}", path.display(), e.message()))),
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
        Err(e) => Err(CliError::usage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// The key server's origin, checked.
pub fn server(args: &ServerArgs) -> Result<String> {
    let file = read(args.config.as_deref())?;
    let server = args
        .server
        .clone()
        .or_else(|| std::env::var("WAXSEAL_SERVER").ok())
        .or(file.server)
        .ok_or_else(|| {
            CliError::usage("no key server given")
                .hint("pass --server https://keys.example.com, or set WAXSEAL_SERVER")
        })?;
    let origin = server.trim_end_matches('/').to_owned();
    waxseal_envelope::format::validate_origin(&origin).map_err(|_| {
        CliError::usage(format!(
            "the key server {server:?} is not an origin like https://keys.example.com"
        ))
        .hint("plain http is only allowed for localhost, 127.0.0.1 and [::1]")
    })?;
    Ok(origin)
}

/// The sender's API key.
pub fn api_key(args: &ServerArgs) -> Result<Zeroizing<String>> {
    if let Ok(key) = std::env::var("WAXSEAL_API_KEY")
        && !key.trim().is_empty()
    {
        return Ok(Zeroizing::new(key.trim().to_owned()));
    }
    read(args.config.as_deref())?
        .api_key
        .map(Zeroizing::new)
        .ok_or_else(|| {
            CliError::usage("no API key")
                .hint("set WAXSEAL_API_KEY, or `api_key` in the config file (--config)")
        })
}

//! The viewer's settings: a static `config.json` next to the viewer's own files.
//!
//! In a `message.html` the page is a local file and the viewer comes from its own origin (a CDN),
//! so the settings are found next to the viewer's module (`data-js` of
//! `<meta name="waxseal-app">`), not next to the page. They are fetched without caching, so a
//! change of the trusted key servers takes effect at once.

use serde::Deserialize;
use web_sys::{Document, RequestCache, RequestCredentials, RequestInit, RequestMode, Url};

use crate::api::fetch_text;

/// The contents of `config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ViewerConfig {
    /// Origins of the key servers this viewer sends addresses and passcodes to. An envelope that
    /// names any other is refused before anything is sent.
    #[serde(default)]
    pub trusted_key_servers: Vec<String>,
}

/// Why the settings could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No answer, or an error status.
    Unavailable,
    /// An answer that is not a valid `config.json`.
    Invalid,
}

impl ViewerConfig {
    /// Parses `config.json`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|_| ConfigError::Invalid)
    }

    /// Whether envelopes naming `key_server` may be opened. Origins are compared exactly, as the
    /// envelope format writes them (lower case, no trailing slash); a trailing slash in the
    /// settings is forgiven.
    pub fn trusts(&self, key_server: &str) -> bool {
        self.trusted_key_servers
            .iter()
            .any(|t| t.trim().trim_end_matches('/') == key_server)
    }
}

/// Where `config.json` is: next to the viewer's module `app_js` (resolved against the page's
/// base URL), or next to the page when there is no module URL.
pub fn config_url(app_js: Option<&str>, base_uri: &str) -> Option<String> {
    let module = match app_js {
        Some(js) if !js.is_empty() => Url::new_with_base(js, base_uri).ok()?.href(),
        _ => base_uri.to_owned(),
    };
    Some(Url::new_with_base("config.json", &module).ok()?.href())
}

/// The URL of `config.json` for this page.
pub fn config_url_for(document: &Document) -> Option<String> {
    let app_js = document
        .query_selector(r#"meta[name="waxseal-app"]"#)
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("data-js"));
    let base = document.base_uri().ok().flatten()?;
    config_url(app_js.as_deref(), &base)
}

/// Fetches and parses the settings.
pub async fn load(document: &Document) -> Result<ViewerConfig, ConfigError> {
    let url = config_url_for(document).ok_or(ConfigError::Unavailable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    match fetch_text(&url, &init).await {
        Some((200, text)) => ViewerConfig::parse(&text),
        _ => Err(ConfigError::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_listed_key_servers_are_trusted() {
        let config = ViewerConfig::parse(
            r#"{"trusted_key_servers": ["https://keys.example.com", "http://127.0.0.1:8080/"]}"#,
        )
        .unwrap();
        assert!(config.trusts("https://keys.example.com"));
        assert!(config.trusts("http://127.0.0.1:8080"));
        assert!(!config.trusts("https://keys.example.com.evil.example"));
        assert!(!config.trusts("http://keys.example.com"));
        assert!(!config.trusts("https://keys.example.com:8443"));
        assert!(!config.trusts(""));
        assert!(!ViewerConfig::default().trusts("https://keys.example.com"));
        assert_eq!(ViewerConfig::parse("{}"), Ok(ViewerConfig::default()));
        assert_eq!(
            ViewerConfig::parse(r#"{"trusted_key_servers": "https://keys.example.com"}"#),
            Err(ConfigError::Invalid)
        );
    }
}

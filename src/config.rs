//! The viewer's settings: a static `config.json` next to the viewer's own files.
//!
//! In a `message.html` the page is a local file and the viewer comes from its own origin (a CDN),
//! so the settings are found next to the viewer's module (`data-js` of
//! `<meta name="waxseal-app">`), not next to the page. They are fetched without caching, so a
//! change of the trusted key servers takes effect at once.

use web_sys::{Document, Url};

use crate::api::{Json, fetch_text, request_init};

/// The contents of `config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewerConfig {
    /// Origins of the key servers this viewer sends addresses and passcodes to. An envelope that
    /// names any other is refused before anything is sent.
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
    /// Parses `config.json` (a JSON object; `trusted_key_servers`, if present, a list of texts).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let trusted_key_servers = Json::parse(text)
            .and_then(|config| config.texts("trusted_key_servers"))
            .ok_or(ConfigError::Invalid)?;
        Ok(Self {
            trusted_key_servers,
        })
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

/// Where the viewer's file `name` is: next to the viewer's module `app_js` (resolved against the
/// page's base URL), or next to the page when there is no module URL.
pub fn beside_viewer(name: &str, app_js: Option<&str>, base_uri: &str) -> Option<String> {
    let module = match app_js {
        Some(js) if !js.is_empty() => Url::new_with_base(js, base_uri).ok()?.href(),
        _ => base_uri.to_owned(),
    };
    Some(Url::new_with_base(name, &module).ok()?.href())
}

/// Where `config.json` is (see [`beside_viewer`]).
pub fn config_url(app_js: Option<&str>, base_uri: &str) -> Option<String> {
    beside_viewer("config.json", app_js, base_uri)
}

/// The URL of the viewer's file `name` for this page: `config.json`, or the sign-in callback
/// page.
pub fn viewer_file_for(document: &Document, name: &str) -> Option<String> {
    let app_js = document
        .query_selector(r#"meta[name="waxseal-app"]"#)
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("data-js"));
    let base = document.base_uri().ok().flatten()?;
    beside_viewer(name, app_js.as_deref(), &base)
}

/// The URL of `config.json` for this page.
pub fn config_url_for(document: &Document) -> Option<String> {
    viewer_file_for(document, "config.json")
}

/// Fetches and parses the settings.
pub async fn load(document: &Document) -> Result<ViewerConfig, ConfigError> {
    let url = config_url_for(document).ok_or(ConfigError::Unavailable)?;
    let init = request_init("GET");
    match fetch_text(&url, &init).await {
        Some((200, text)) => ViewerConfig::parse(&text),
        _ => Err(ConfigError::Unavailable),
    }
}

// `config.json` is read by the browser's JSON parser: these tests run in the browser only.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
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
        assert_eq!(
            ViewerConfig::parse(r#"{"trusted_key_servers": ["https://keys.example.com", 7]}"#),
            Err(ConfigError::Invalid)
        );
        assert_eq!(ViewerConfig::parse("[]"), Err(ConfigError::Invalid));
        assert_eq!(ViewerConfig::parse("not json"), Err(ConfigError::Invalid));
    }
}

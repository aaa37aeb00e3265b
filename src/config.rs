//! The viewer's settings: a static `config.json` next to the viewer's own files.
//!
//! In a `message.html` the page is a local file and the viewer comes from its own origin (a CDN),
//! so the settings are found next to the viewer's module (`data-js` of
//! `<meta name="waxseal-app">`), not next to the page. They are fetched without caching, so a
//! change of the trusted key servers takes effect at once.

use waxseal_envelope::format::{is_contact, is_organisation_name};
use web_sys::{Document, Url};

use crate::api::{Json, fetch_text, request_init};

/// The contents of `config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewerConfig {
    /// Origins of the key servers this viewer sends addresses and passcodes to. An envelope that
    /// names any other is refused before anything is sent.
    pub trusted_key_servers: Vec<String>,
    /// Who runs this viewer, shown in its header and privacy statement.
    pub operator: Option<Operator>,
}

/// The organisation that runs the viewer (`"operator"` in `config.json`), so that a recipient
/// can tell its page from a look-alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operator {
    /// Its name, e.g. `Acme Ltd`.
    pub name: String,
    /// Where recipients reach it about privacy: an e-mail address or an `https://` URL.
    pub privacy_contact: Option<String>,
    /// Its logo: a file next to the viewer's own (`logo.svg`) or a `data:image/…` URL.
    pub logo: Option<String>,
    /// Its colour, `#rrggbb`, used for buttons and links when white text on it is readable
    /// (contrast of at least 4.5:1).
    pub accent: Option<String>,
}

impl Operator {
    /// Checks each field; the error names the field and the rule.
    pub fn check(&self) -> Result<(), String> {
        if !is_organisation_name(&self.name) {
            return Err("operator.name must be 1 to 100 characters".into());
        }
        if let Some(c) = &self.privacy_contact
            && !is_contact(c)
        {
            return Err(
                "operator.privacy_contact must be an e-mail address or an https:// URL".into(),
            );
        }
        if let Some(logo) = &self.logo
            && !is_logo(logo)
        {
            return Err("operator.logo must be a .svg, .png or .webp file next to the viewer, or a data:image/ URL under 64 KiB".into());
        }
        if let Some(accent) = &self.accent
            && contrast_with_white(accent).is_none_or(|c| c < 4.5)
        {
            return Err("operator.accent must be a colour #rrggbb on which white text is readable (contrast 4.5:1)".into());
        }
        Ok(())
    }

    /// The `href` of the privacy contact: `mailto:` for an address.
    pub fn contact_href(&self) -> Option<String> {
        self.privacy_contact.as_ref().map(|c| {
            if c.starts_with("https://") {
                c.clone()
            } else {
                format!("mailto:{c}")
            }
        })
    }
}

fn is_logo(logo: &str) -> bool {
    if let Some(data) = logo.strip_prefix("data:image/") {
        return logo.len() <= 64 * 1024
            && ["png;base64,", "svg+xml;base64,", "webp;base64,"]
                .iter()
                .any(|kind| data.starts_with(kind))
            && logo.bytes().all(|b| b.is_ascii_graphic());
    }
    let lower = logo.to_ascii_lowercase();
    !logo.is_empty()
        && logo.len() <= 200
        && !logo.starts_with('/')
        && !logo.contains("..")
        && logo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && [".svg", ".png", ".webp"].iter().any(|e| lower.ends_with(e))
}

/// The contrast ratio (WCAG) of white on `#rrggbb`, if it is one.
pub fn contrast_with_white(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        })
    };
    let l = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (l + 0.05))
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
        let config = Json::parse(text).ok_or(ConfigError::Invalid)?;
        let trusted_key_servers = config
            .texts("trusted_key_servers")
            .ok_or(ConfigError::Invalid)?;
        let operator = match config.object("operator") {
            None => None,
            Some(o) => {
                let operator = Operator {
                    name: o.text("name").ok_or(ConfigError::Invalid)?,
                    privacy_contact: o.text("privacy_contact"),
                    logo: o.text("logo"),
                    accent: o.text("accent"),
                };
                // A mistake in it is said once, in the console, and the viewer refuses the
                // settings as it refuses any other invalid ones.
                if let Err(e) = operator.check() {
                    web_sys::console::error_1(&format!("config.json: {e}").into());
                    return Err(ConfigError::Invalid);
                }
                Some(operator)
            }
        };
        Ok(Self {
            trusted_key_servers,
            operator,
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
    fn the_operator_is_read_and_checked() {
        let config = ViewerConfig::parse(
            r##"{"trusted_key_servers": [], "operator": {"name": "Acme Ltd", "privacy_contact": "privacy@acme.example", "logo": "brand/acme.svg", "accent": "#0b5d3b"}}"##,
        )
        .unwrap();
        let operator = config.operator.unwrap();
        assert_eq!(operator.name, "Acme Ltd");
        assert_eq!(
            operator.contact_href().as_deref(),
            Some("mailto:privacy@acme.example")
        );
        let refused = [
            r#"{"name": ""}"#,
            r#"{"name": "A", "privacy_contact": "http://acme.example/privacy"}"#,
            r#"{"name": "A", "logo": "../../etc/logo.svg"}"#,
            r#"{"name": "A", "logo": "https://tracker.example/logo.png"}"#,
            r#"{"name": "A", "logo": "data:text/html;base64,PHNjcmlwdD4="}"#,
            r##"{"name": "A", "accent": "#ffd700"}"##,
            r#"{"name": "A", "accent": "red; background: url(x)"}"#,
            r#"{"privacy_contact": "privacy@acme.example"}"#,
        ];
        for operator in refused {
            let text = format!(r#"{{"trusted_key_servers": [], "operator": {operator}}}"#);
            assert_eq!(
                ViewerConfig::parse(&text),
                Err(ConfigError::Invalid),
                "{operator}"
            );
        }
    }

    #[test]
    fn white_on_the_accent_must_be_readable() {
        assert!(contrast_with_white("#a3262a").unwrap() > 4.5);
        assert!(contrast_with_white("#ffd700").unwrap() < 4.5);
        assert_eq!(contrast_with_white("a3262a"), None);
        assert_eq!(contrast_with_white("#a3262"), None);
    }

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

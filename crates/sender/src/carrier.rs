//! The `message.html` carrier: readable without JavaScript, the envelope inline, and the viewer
//! loaded from its own origin with Subresource Integrity under a strict Content-Security-Policy.

use std::io::{self, Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use waxseal_envelope::carrier::{CLOSE_TAG, LINES_PER_ELEMENT, OPEN_TAG, PART_BREAK};
use waxseal_envelope::format::{is_contact, is_organisation_name};
use waxseal_envelope::{Header, Origin};

/// The viewer's assets, with their integrity hashes, read from its `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerManifest {
    /// The viewer's base URL, e.g. `https://viewer.example.com` or `https://cdn.example.com/waxseal`.
    pub base: String,
    /// The viewer's origin.
    pub origin: Origin,
    /// Stylesheet URL and integrity.
    pub css: (String, String),
    /// Boot module URL and integrity.
    pub boot: (String, String),
    /// App module URL and integrity.
    pub app_js: (String, String),
    /// WebAssembly URL and integrity.
    pub wasm: (String, String),
    /// The reply sealer, the module a secure reply loads on demand: its script's and its
    /// WebAssembly's URL and integrity (absent from viewer builds older than it).
    pub reply_sealer: Option<((String, String), (String, String))>,
    /// Who runs the viewer (`operator` in its `config.json`), named in the carrier's text.
    pub operator: Option<waxseal_api::Operator>,
    /// Whether the viewer reads an envelope whose text goes on in continuation elements
    /// (`<meta name="waxseal-carrier" content="parts">`; spec §7). Older viewers get one element.
    pub envelope_parts: bool,
}

/// The attributes of every `<tag ...>` of one kind in an HTML text.
///
/// Scope: the `index.html` that the viewer's own build (Trunk) writes, where every attribute
/// value is double-quoted; it is not a general HTML parser.
fn tags<'a>(html: &'a str, name: &str) -> Vec<Vec<(&'a str, &'a str)>> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find('>') else { break };
        let mut attrs = Vec::new();
        let mut body = &after[..end];
        while let Some(eq) = body.find("=\"") {
            let key = body[..eq]
                .trim()
                .trim_end_matches('/')
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("");
            let value_start = eq + 2;
            let Some(len) = body[value_start..].find('"') else {
                break;
            };
            attrs.push((key, &body[value_start..value_start + len]));
            body = &body[value_start + len + 1..];
        }
        out.push(attrs);
        rest = &after[end..];
    }
    out
}

fn attr<'a>(attrs: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

impl ViewerManifest {
    /// Reads the manifest from the viewer's `index.html`, served at `base`.
    pub fn parse(base: &str, index_html: &str) -> Result<Self, String> {
        let base = base.trim_end_matches('/').to_owned();
        let origin = Origin::of_url(&base)
            .map_err(|e| format!("the viewer address {base:?} is not usable: {e}"))?;
        let absolute = |path: &str| {
            if path.starts_with("http") {
                path.to_owned()
            } else {
                format!("{base}/{}", path.trim_start_matches('/'))
            }
        };
        let missing = |what: &str| {
            format!(
                "the viewer at {base} does not look like a waxseal viewer build ({what} not found in its index.html)"
            )
        };
        let links = tags(index_html, "link");
        let find_link = |rel: &str| {
            links
                .iter()
                .find(|a| attr(a, "rel") == Some(rel))
                .and_then(|a| Some((absolute(attr(a, "href")?), attr(a, "integrity")?.to_owned())))
        };
        let css =
            find_link("stylesheet").ok_or_else(|| missing("the stylesheet with its integrity"))?;
        let app_js = find_link("modulepreload")
            .ok_or_else(|| missing("the app module with its integrity"))?;
        let wasm = find_link("preload")
            .ok_or_else(|| missing("the WebAssembly module with its integrity"))?;
        let boot = tags(index_html, "script")
            .iter()
            .find(|a| attr(a, "type") == Some("module"))
            .and_then(|a| Some((absolute(attr(a, "src")?), attr(a, "integrity")?.to_owned())))
            .ok_or_else(|| missing("the boot script with its integrity"))?;
        let reply_sealer = tags(index_html, "meta")
            .iter()
            .find(|a| attr(a, "name") == Some("waxseal-reply") && attr(a, "data-js").is_some())
            .map(|a| {
                let pair = |url: &str, integrity: &str| {
                    Some((absolute(attr(a, url)?), attr(a, integrity)?.to_owned()))
                };
                pair("data-js", "data-js-integrity")
                    .zip(pair("data-wasm", "data-wasm-integrity"))
                    .ok_or_else(|| missing("the reply sealer's integrity"))
            })
            .transpose()?;
        let envelope_parts = tags(index_html, "meta").iter().any(|a| {
            attr(a, "name") == Some("waxseal-carrier")
                && attr(a, "content").is_some_and(|c| c.split_whitespace().any(|w| w == "parts"))
        });
        Ok(Self {
            base,
            origin,
            css,
            boot,
            app_js,
            wasm,
            reply_sealer,
            operator: None,
            envelope_parts,
        })
    }

    /// Takes the operator's name and privacy contact from the viewer's `config.json`. What is
    /// not a plain name or contact is left out (the viewer itself refuses such settings).
    pub fn with_config(mut self, config_json: &str) -> Self {
        let config: serde_json::Value = serde_json::from_str(config_json).unwrap_or_default();
        let operator = &config["operator"];
        let name = operator["name"]
            .as_str()
            .filter(|n| is_organisation_name(n))
            .map(str::trim);
        self.operator = name.map(|name| waxseal_api::Operator {
            name: name.to_owned(),
            privacy_contact: operator["privacy_contact"]
                .as_str()
                .filter(|c| is_contact(c))
                .map(str::to_owned),
        });
        self
    }

    /// Reads the viewer served at `base`: its `index.html` (required) and its `config.json` (for
    /// the operator; without it, none is named).
    pub async fn load(client: &crate::client::Client, base: &str) -> Result<Self, String> {
        let index = client
            .get_text(&format!("{base}/index.html"))
            .await
            .map_err(|e| e.to_string())?;
        let manifest = Self::parse(base, &index)?;
        Ok(
            match client.get_text(&format!("{base}/config.json")).await {
                Ok(config) => manifest.with_config(&config),
                Err(_) => manifest,
            },
        )
    }

    /// The origin of the viewer (scheme, host, port), for the carrier's CSP.
    pub fn origin(&self) -> &str {
        self.origin.as_str()
    }
}

pub use waxseal_l10n::Lang;

/// Message `id` of the carrier's texts in `lang` (`crates/l10n/locales/<lang>/carrier.ftl`).
fn t(lang: Lang, id: &str) -> String {
    waxseal_l10n::text(lang, id, &[])
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub use waxseal_l10n::utc;

/// The carrier's HTML before and after the envelope element.
///
/// Every value written into it is escaped, attribute values included. The page connects to the
/// viewer's origin and the key server only: an account sign-in runs on the viewer's own page, to
/// which the viewer hands the envelope, so no sign-in provider is named here.
pub fn template(header: &Header, viewer: &ViewerManifest, lang: Lang) -> (String, String) {
    let sender = match &header.from.name {
        Some(name) => format!("{} &lt;{}&gt;", escape(name), escape(&header.from.address)),
        None => escape(&header.from.address),
    };
    let sender_short = header.from.name.as_deref().unwrap_or(&header.from.address);
    // The key server's origin was checked when the header was (spec §3.1).
    let key_server = Origin::parse(&header.key_server).ok();
    let key_host = key_server
        .as_ref()
        .map_or(header.key_server.as_str(), Origin::host_port);
    let viewer_origin = viewer.origin();
    let mut connect = viewer_origin.to_owned();
    if let Some(key_server) = key_server.as_ref().filter(|k| k.as_str() != viewer_origin) {
        connect.push(' ');
        connect.push_str(key_server.as_str());
    }
    // img-src https: lets a message's remote images load once the reader allows them in the
    // viewer (the body's sandboxed frame adds its own, stricter policy until then); the viewer's
    // origin, its operator's logo.
    let csp = format!(
        "default-src 'none'; script-src {viewer_origin} 'wasm-unsafe-eval'; style-src {viewer_origin} 'unsafe-inline'; img-src {viewer_origin} data: blob: https:; connect-src {connect}; base-uri 'none'; form-action 'none'"
    );
    let steps: String = ["carrier-step-1", "carrier-step-2", "carrier-step-3"]
        .iter()
        .map(|id| format!("<li>{}</li>", escape(&t(lang, id))))
        .collect();
    // The reply sealer's script and WebAssembly, which the viewer loads when a reply is started.
    let reply_sealer = viewer
        .reply_sealer
        .as_ref()
        .map(|((js, js_i), (wasm, wasm_i))| {
            format!(
                "<meta name=\"waxseal-reply\" data-js=\"{}\" data-js-integrity=\"{}\" data-wasm=\"{}\" data-wasm-integrity=\"{}\">\n",
                escape(js),
                escape(js_i),
                escape(wasm),
                escape(wasm_i)
            )
        })
        .unwrap_or_default();
    let recipients = header
        .recipients
        .iter()
        .map(|r| escape(r))
        .collect::<Vec<_>>()
        .join(", ");
    let head = format!(
        r#"<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}" integrity="{css_i}" crossorigin="anonymous">
<meta name="waxseal-app" data-js="{js}" data-wasm="{wasm}">
<link rel="modulepreload" href="{js}" integrity="{js_i}" crossorigin="anonymous">
<link rel="preload" as="fetch" type="application/wasm" href="{wasm}" integrity="{wasm_i}" crossorigin="anonymous">
{reply_sealer}<script type="module" src="{boot}" integrity="{boot_i}" crossorigin="anonymous"></script>
</head>
<body>
<main id="waxseal-carrier" class="carrier">
<h1>{heading}</h1>
<dl>
<dt>{from_l}</dt><dd>{sender}</dd>
<dt>{to_l}</dt><dd>{recipients}</dd>
<dt>{expires_l}</dt><dd>{expires}</dd>
<dt>{key_l}</dt><dd>{key_host}</dd>
</dl>
<p>{explain}</p>
<ol>{steps}</ol>
<p>{no_script} <a href="{viewer_base}/" rel="noopener noreferrer">{viewer_base}</a></p>
<p>{safety}</p>
{operator}</main>
"#,
        lang = lang.tag(),
        dir = lang.dir(),
        csp = escape(&csp),
        title = escape(&waxseal_l10n::text(
            lang,
            "carrier-title",
            &[("sender", sender_short.into())]
        )),
        heading = escape(&t(lang, "carrier-heading")),
        from_l = escape(&t(lang, "carrier-from")),
        to_l = escape(&t(lang, "carrier-to")),
        expires_l = escape(&t(lang, "carrier-expires")),
        expires = utc(header.expires),
        key_l = escape(&t(lang, "carrier-key-server")),
        key_host = escape(key_host),
        explain = escape(&t(lang, "carrier-explain")),
        no_script = escape(&t(lang, "carrier-no-script")),
        safety = escape(&t(lang, "carrier-safety")),
        operator = operator_text(lang, viewer.operator.as_ref()),
        viewer_base = escape(&viewer.base),
        css = escape(&viewer.css.0),
        css_i = escape(&viewer.css.1),
        js = escape(&viewer.app_js.0),
        js_i = escape(&viewer.app_js.1),
        wasm = escape(&viewer.wasm.0),
        wasm_i = escape(&viewer.wasm.1),
        boot = escape(&viewer.boot.0),
        boot_i = escape(&viewer.boot.1),
    );
    (head, "\n</body>\n</html>\n".to_owned())
}

/// The paragraph naming the viewer's operator and privacy contact, escaped; empty without one.
fn operator_text(lang: Lang, operator: Option<&waxseal_api::Operator>) -> String {
    let Some(operator) = operator else {
        return String::new();
    };
    // The name goes into a <bdi> of its own: the sentence is formatted around a marker.
    const MARK: &str = "\u{E000}";
    let sentence = waxseal_l10n::text(lang, "carrier-operator", &[("operator", MARK.into())]);
    let (before, after) = sentence.split_once(MARK).unwrap_or((&sentence, ""));
    let mut out = format!(
        "<p class=\"operator\">{}<bdi>{}</bdi>{}",
        escape(before),
        escape(&operator.name),
        escape(after)
    );
    if let Some(contact) = &operator.privacy_contact {
        let href = if contact.starts_with("https://") {
            contact.clone()
        } else {
            format!("mailto:{contact}")
        };
        out.push_str(&format!(
            " {} <a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(&t(lang, "carrier-contact")),
            escape(&href),
            escape(contact)
        ));
    }
    out.push_str("</p>\n");
    out
}

/// Writes the carrier: the head, the envelope as base64 in 76-character lines read from
/// `envelope` (streaming: memory does not grow with the envelope), and the tail. With `parts`
/// (for a viewer that reads them, [`ViewerManifest::envelope_parts`]), the text goes on in a
/// continuation element every [`LINES_PER_ELEMENT`] lines, as browsers parse large elements
/// slowly; without, it is one element.
pub fn write_carrier<R: Read, W: Write>(
    head: &str,
    mut envelope: R,
    tail: &str,
    parts: bool,
    out: &mut W,
) -> io::Result<()> {
    out.write_all(head.as_bytes())?;
    out.write_all(OPEN_TAG.as_bytes())?;
    out.write_all(b"\n")?;
    // 57 input bytes make one 76-character line.
    let mut buf = vec![0u8; 57 * 1024];
    let mut line = String::with_capacity(80 * 1024 + PART_BREAK.len());
    let mut lines = 0usize;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match envelope.read(&mut buf[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        if filled == 0 {
            break;
        }
        line.clear();
        for piece in buf[..filled].chunks(57) {
            if parts && lines > 0 && lines.is_multiple_of(LINES_PER_ELEMENT) {
                line.push_str(PART_BREAK);
            }
            STANDARD.encode_string(piece, &mut line);
            line.push('\n');
            lines += 1;
        }
        out.write_all(line.as_bytes())?;
        if filled < buf.len() {
            break;
        }
    }
    out.write_all(CLOSE_TAG.as_bytes())?;
    out.write_all(tail.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"<link rel="stylesheet" href="/main-1.css" integrity="sha384-C"/>
<meta name="waxseal-app" data-js="/app-1.js" data-wasm="/app-1_bg.wasm">
<script src="/boot-1.js" integrity="sha384-B" type="module"></script>
<link rel="modulepreload" href="/app-1.js" crossorigin="anonymous" integrity="sha384-J"><link rel="preload" href="/app-1_bg.wasm" crossorigin="anonymous" integrity="sha384-W" as="fetch" type="application/wasm">
<meta name="waxseal-reply" data-js="/waxseal-reply-2.js" data-js-integrity="sha384-R" data-wasm="/waxseal-reply-2_bg.wasm" data-wasm-integrity="sha384-S">"#;

    /// The header of a message from Alice (named `name`) to Bob.
    fn header_from(name: Option<&str>) -> Header {
        waxseal_envelope::seal(
            &waxseal_envelope::SealParams {
                key_server: "https://keys.example.com".into(),
                from: waxseal_envelope::Sender {
                    address: "alice@example.com".into(),
                    name: name.map(str::to_owned),
                },
                recipients: vec!["bob@example.net".into()],
                created: 1_790_000_000,
                expires: 1_790_604_800,
                reply: None,
            },
            b"Subject: hi\r\n\r\nhello",
        )
        .unwrap()
        .header
    }

    #[test]
    fn reads_the_viewer_manifest() {
        let m = ViewerManifest::parse("https://viewer.example.com/", INDEX).unwrap();
        assert_eq!(
            m.css,
            (
                "https://viewer.example.com/main-1.css".into(),
                "sha384-C".into()
            )
        );
        assert_eq!(
            m.boot,
            (
                "https://viewer.example.com/boot-1.js".into(),
                "sha384-B".into()
            )
        );
        assert_eq!(
            m.app_js,
            (
                "https://viewer.example.com/app-1.js".into(),
                "sha384-J".into()
            )
        );
        assert_eq!(
            m.wasm,
            (
                "https://viewer.example.com/app-1_bg.wasm".into(),
                "sha384-W".into()
            )
        );
        assert_eq!(
            m.reply_sealer,
            Some((
                (
                    "https://viewer.example.com/waxseal-reply-2.js".into(),
                    "sha384-R".into()
                ),
                (
                    "https://viewer.example.com/waxseal-reply-2_bg.wasm".into(),
                    "sha384-S".into()
                )
            ))
        );
        assert_eq!(m.origin(), "https://viewer.example.com");
        // A viewer built before the reply sealer existed has none; one whose sealer lacks its
        // integrity is refused.
        let older = INDEX.lines().take(4).collect::<Vec<_>>().join("\n");
        let m = ViewerManifest::parse("https://viewer.example.com/", &older).unwrap();
        assert_eq!(m.reply_sealer, None);
        let unchecked = INDEX.replace(" data-js-integrity=\"sha384-R\"", "");
        let e = ViewerManifest::parse("https://viewer.example.com/", &unchecked).unwrap_err();
        assert!(e.contains("the reply sealer's integrity not found"), "{e}");
        let e = ViewerManifest::parse("https://x.example", "<html></html>").unwrap_err();
        assert!(
            e.contains("does not look like a waxseal viewer build"),
            "{e}"
        );
    }

    #[test]
    fn hostile_values_add_no_markup_to_the_carrier() {
        // A viewer address that is not a plain URL is refused, not written.
        for base in [
            "https://viewer.example.com\"><script>alert(1)</script>",
            "https://viewer.example.com' onload='x",
            "https://user@viewer.example.com",
            "https://viewer.example.com/a b",
            "https://viëwer.example",
            "javascript:alert(1)//https://viewer.example.com",
        ] {
            let e = ViewerManifest::parse(base, INDEX).unwrap_err();
            assert!(e.contains("is not usable"), "{base}: {e}");
        }
        // A sender name with markup is text wherever it appears.
        let m = ViewerManifest::parse("https://viewer.example.com/", INDEX).unwrap();
        let hostile = "\"><script>alert(1)</script><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"> ' x='";
        let (head, tail) = template(&header_from(Some(hostile)), &m, Lang::En);
        let page = format!("{head}{tail}");
        assert_eq!(page.matches("<script").count(), 1, "only the boot module");
        assert_eq!(page.matches("<meta").count(), 7, "{page}");
        assert!(page.contains("<meta name=\"waxseal-reply\" data-js=\"https://viewer.example.com/waxseal-reply-2.js\" data-js-integrity=\"sha384-R\" data-wasm=\"https://viewer.example.com/waxseal-reply-2_bg.wasm\" data-wasm-integrity=\"sha384-S\">\n"));
        assert!(!page.contains("http-equiv=\"refresh\""));
        assert!(page.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        // The policy is one attribute naming only the viewer's origin and the key server.
        let csp = page
            .lines()
            .find(|l| l.contains("Content-Security-Policy"))
            .unwrap();
        assert_eq!(
            csp,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; script-src https://viewer.example.com &#39;wasm-unsafe-eval&#39;; style-src https://viewer.example.com &#39;unsafe-inline&#39;; img-src https://viewer.example.com data: blob: https:; connect-src https://viewer.example.com https://keys.example.com; base-uri &#39;none&#39;; form-action &#39;none&#39;\">"
        );
    }

    #[test]
    fn the_viewers_operator_is_named_as_text() {
        let header = header_from(None);
        let page = |config: &str, lang| {
            let m = ViewerManifest::parse("https://viewer.example.com/", INDEX)
                .unwrap()
                .with_config(config);
            let (head, tail) = template(&header, &m, lang);
            format!("{head}{tail}")
        };
        let acme = r#"{"trusted_key_servers": [], "operator": {"name": "Acme & <Sons>", "privacy_contact": "privacy@acme.example"}}"#;
        assert!(page(acme, Lang::En).contains(
            "<p class=\"operator\">The viewer is run by <bdi>Acme &amp; &lt;Sons&gt;</bdi>. Questions about your privacy: <a href=\"mailto:privacy@acme.example\" rel=\"noopener noreferrer\">privacy@acme.example</a></p>\n"
        ));
        assert!(
            page(acme, Lang::Da)
                .contains("Beskedviseren drives af <bdi>Acme &amp; &lt;Sons&gt;</bdi>.")
        );
        // A contact that is neither an address nor an https URL is left out; no operator, no
        // paragraph.
        let odd = r#"{"operator": {"name": "Acme", "privacy_contact": "javascript:alert(1)"}}"#;
        assert!(
            page(odd, Lang::En)
                .contains("<p class=\"operator\">The viewer is run by <bdi>Acme</bdi>.</p>")
        );
        assert!(!page(odd, Lang::En).contains("javascript"));
        for config in [
            r#"{"trusted_key_servers": []}"#,
            "not json",
            r#"{"operator": {"name": " "}}"#,
        ] {
            assert!(
                !page(config, Lang::En).contains("class=\"operator\""),
                "{config}"
            );
        }
    }

    #[test]
    fn the_carrier_speaks_every_language_and_arabic_reads_right_to_left() {
        let m = ViewerManifest::parse("https://viewer.example.com/", INDEX)
            .unwrap()
            .with_config(
                r#"{"operator": {"name": "Acme", "privacy_contact": "privacy@acme.example"}}"#,
            );
        let header = header_from(Some("Alice"));
        for lang in Lang::WITH_PSEUDO {
            let (head, _) = template(&header, &m, lang);
            let opening = format!("<html lang=\"{}\" dir=\"{}\">", lang.tag(), lang.dir());
            assert!(head.contains(&opening), "{lang}: {head}");
            // Every text came from the files: no message id is left, the sender is named.
            assert!(!head.contains("carrier-"), "{lang}: {head}");
            assert!(head.contains("Alice"), "{lang}");
            assert_eq!(head.matches("<li>").count(), 3, "{lang}");
        }
        let (ar, _) = template(&header, &m, Lang::Ar);
        assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(
            ar.contains("<title>رسالة مشفّرة من \u{2068}Alice\u{2069}</title>"),
            "{ar}"
        );
        assert!(ar.contains("<h1>هذه الرسالة مشفّرة</h1>"));
    }

    #[test]
    fn dates_and_languages() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_790_604_800), "2026-09-28 14:13 UTC");
        assert_eq!(Lang::guess(&["a@b.dk".into(), "c@D.DK".into()]), Lang::Da);
        assert_eq!(Lang::guess(&["a@b.dk".into(), "c@d.com".into()]), Lang::En);
        assert_eq!(Lang::guess(&["li@example.cn".into()]), Lang::ZhHans);
    }

    #[test]
    fn the_carrier_streams_an_envelope_that_extracts_again() {
        // An envelope's bytes: the magic, then anything (extraction does not parse further).
        // 2.5 MB: 3.3 M characters of base64, four elements when split.
        let envelope: Vec<u8> = waxseal_envelope::format::MAGIC
            .iter()
            .copied()
            .chain((0..2_500_000u32).map(|i| (i * 7) as u8))
            .collect();
        for (parts, elements) in [(false, 1), (true, 4)] {
            let mut out = Vec::new();
            write_carrier(
                "<html><body>\n",
                &envelope[..],
                "\n</body></html>\n",
                parts,
                &mut out,
            )
            .unwrap();
            assert_eq!(waxseal_envelope::carrier::extract(&out).unwrap(), envelope);
            let text = String::from_utf8(out).unwrap();
            assert!(
                text.lines()
                    .all(|l| l.len() <= 80 || l.starts_with("<script"))
            );
            assert_eq!(text.matches("<script").count(), elements, "parts: {parts}");
            // The same text as the envelope crate's own writer.
            let element = waxseal_envelope::carrier::envelope_element(&envelope);
            if parts {
                assert!(text.contains(&element));
            }
            // Every element but the last holds LINES_PER_ELEMENT lines of base64.
            for element in text.split("<script").skip(1).take(elements - 1) {
                assert_eq!(
                    element.lines().count(),
                    1 + LINES_PER_ELEMENT + 1,
                    "{parts}"
                );
            }
        }
    }

    #[test]
    fn a_viewer_that_reads_parts_says_so() {
        assert!(
            !ViewerManifest::parse("https://viewer.example.com/", INDEX)
                .unwrap()
                .envelope_parts
        );
        let newer = format!("{INDEX}\n<meta name=\"waxseal-carrier\" content=\"parts\">");
        assert!(
            ViewerManifest::parse("https://viewer.example.com/", &newer)
                .unwrap()
                .envelope_parts
        );
        let other = format!("{INDEX}\n<meta name=\"waxseal-carrier\" content=\"partsx\">");
        assert!(
            !ViewerManifest::parse("https://viewer.example.com/", &other)
                .unwrap()
                .envelope_parts
        );
    }
}

//! The HTML body made safe to show: parsed by the browser into an inert document (`DOMParser`
//! runs no script and loads nothing), rewritten, and serialised into the `srcdoc` of an iframe
//! sandboxed without `allow-scripts` and without `allow-same-origin` ([`SANDBOX`]): its document
//! has an opaque origin, so even a script that ran in it could reach nothing of the viewer.
//!
//! - Its own Content-Security-Policy comes first in its `<head>`: nothing remote loads unless the
//!   person allowed remote images, and then only `https:` images. The policy of the page (the
//!   viewer's, or the carrier's) applies inside the frame too.
//! - `cid:` references become `data:` URLs of the message's inline parts.
//! - Links open in a new tab with `noopener noreferrer`; other link schemes are dropped; a
//!   `#fragment` link becomes `about:srcdoc#fragment`, so it scrolls inside the body.
//! - Scripts, frames, plug-ins, `<base>`, `<link>`, `<meta http-equiv>` and SVG animation
//!   elements (which can set an attribute to a `javascript:` URL) are removed; so are event
//!   handler attributes and any attribute whose value is a `javascript:` (or `vbscript:`) URL.
//! - Styles (`<style>` elements and `style` attributes) stay in the document, which applies them
//!   itself: the viewer cannot reach into a frame of another origin. The page's policy allows
//!   inline styles for that (`style-src 'unsafe-inline'`); scripts stay restricted to the viewer's
//!   own integrity-checked files.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, DomParser, Element, SupportedType};

/// The frame's policy while remote content is blocked.
pub const CSP_BLOCKED: &str = "default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'";
/// The frame's policy once the person allowed remote images.
pub const CSP_REMOTE: &str =
    "default-src 'none'; img-src data: blob: https:; style-src 'unsafe-inline'";

/// The `sandbox` of the frame: no scripts, no forms, no top navigation, and an opaque origin (no
/// `allow-same-origin`); popups so that links open in a new tab, outside the sandbox.
pub const SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

/// Elements removed with their content. SVG element names are matched exactly in an HTML
/// document, so the animation elements are listed as written and in lower case.
const REMOVED: &str = "script, template, base, link, meta[http-equiv], iframe, frame, frameset, \
    object, embed, applet, portal, set, animate, animateMotion, animateTransform, animateColor, \
    animatemotion, animatetransform, animatecolor, discard";

/// Whether an attribute value is, once a URL parser has dropped its whitespace and control
/// characters, a URL that runs script when followed or loaded.
pub fn is_script_url(value: &str) -> bool {
    // Scheme names are ASCII: ASCII lower case is enough (and keeps Unicode case tables out of
    // the WebAssembly).
    let compact: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ["javascript:", "vbscript:", "livescript:"]
        .iter()
        .any(|scheme| compact.starts_with(scheme))
}

/// An HTML body ready for the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The document for `srcdoc`.
    pub srcdoc: String,
    /// How many remote references it has (blocked, or allowed).
    pub remote: usize,
}

/// What to do with a link's `href`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Open in a new tab, without opener or referrer.
    External,
    /// A jump inside the message.
    Fragment,
    /// Remove: `javascript:`, `data:`, `file:`, relative paths and the like.
    Drop,
}

/// Classifies a link.
pub fn link_kind(href: &str) -> LinkKind {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if href.starts_with('#') {
        LinkKind::Fragment
    } else if ["https:", "http:", "mailto:", "tel:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        LinkKind::External
    } else {
        LinkKind::Drop
    }
}

/// Whether a URL would be fetched from the network.
pub fn is_remote(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")
}

/// Counts the remote `url(...)` and `@import` references in CSS text.
pub fn remote_in_css(css: &str) -> usize {
    let lower = css.to_ascii_lowercase();
    let urls = lower
        .match_indices("url(")
        .filter(|(i, _)| {
            let rest = lower[i + 4..].trim_start().trim_start_matches(['"', '\'']);
            is_remote(rest)
        })
        .count();
    urls + lower.matches("@import").count()
}

/// Replaces `cid:` references in CSS or attribute text by what `resolve` gives for them.
pub fn replace_cids(text: &str, resolve: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.to_ascii_lowercase().find("cid:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let end = after
            .find(|c: char| c == ')' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(after.len());
        match resolve(&after[..end]) {
            Some(url) => out.push_str(&url),
            None => out.push_str("about:invalid"),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Prepares an HTML body. `resolve` maps a Content-ID (from `cid:`, URL-decoded) to a URL of the
/// inline part; `allow_remote` lets `https:` images load.
pub fn prepare(
    html: &str,
    resolve: &dyn Fn(&str) -> Option<String>,
    allow_remote: bool,
) -> Result<Prepared, JsValue> {
    let resolve_cid = |cid: &str| {
        let decoded = js_sys::decode_uri_component(cid)
            .ok()
            .map(String::from)
            .unwrap_or_else(|| cid.to_owned());
        resolve(&decoded).or_else(|| resolve(cid))
    };
    let doc = DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)?;
    for el in all(&doc, REMOVED)? {
        el.remove();
    }

    let mut remote = 0;
    for el in all(&doc, "style")? {
        let css = el.text_content().unwrap_or_default();
        remote += remote_in_css(&css);
        el.set_text_content(Some(&replace_cids(&css, &resolve_cid)));
    }

    for el in all(&doc, "*")? {
        let names: Vec<String> = el
            .get_attribute_names()
            .iter()
            .filter_map(|n| n.as_string())
            .collect();
        for name in names {
            let value = el.get_attribute(&name).unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                n if n.starts_with("on") => el.remove_attribute(&name)?,
                _ if is_script_url(&value) => el.remove_attribute(&name)?,
                "style" => {
                    remote += remote_in_css(&value);
                    el.set_attribute(&name, &replace_cids(&value, &resolve_cid))?;
                }
                "href" | "xlink:href"
                    if matches!(el.tag_name().to_ascii_lowercase().as_str(), "a" | "area") =>
                {
                    match link_kind(&value) {
                        LinkKind::External => {
                            el.set_attribute("target", "_blank")?;
                            el.set_attribute("rel", "noopener noreferrer")?;
                        }
                        // The frame's base is the viewer's page: as it is, the link would
                        // load that page into the frame.
                        LinkKind::Fragment => {
                            el.set_attribute(&name, &format!("about:srcdoc{}", value.trim()))?
                        }
                        LinkKind::Drop => el.remove_attribute(&name)?,
                    }
                }
                "src" | "background" | "poster" | "href" | "xlink:href" | "data" => {
                    let v = value.trim();
                    if v.to_ascii_lowercase().starts_with("cid:") {
                        match resolve_cid(&v[4..]) {
                            Some(url) => el.set_attribute(&name, &url)?,
                            None => el.remove_attribute(&name)?,
                        }
                    } else if is_remote(v) {
                        remote += 1;
                        let https = v.to_ascii_lowercase().starts_with("https:");
                        if !(allow_remote && https) {
                            el.remove_attribute(&name)?;
                        }
                    }
                }
                "srcset" if value.split(',').any(is_remote) => {
                    remote += 1;
                    if !allow_remote {
                        el.remove_attribute(&name)?;
                    }
                }
                "action" | "formaction" | "ping" => el.remove_attribute(&name)?,
                _ => {}
            }
        }
    }

    let head = match doc.head() {
        Some(h) => Element::from(h),
        None => return Err(JsValue::from_str("no head")),
    };
    for (attr, name, content) in [
        ("name", "color-scheme", "light"),
        ("name", "referrer", "no-referrer"),
        (
            "http-equiv",
            "Content-Security-Policy",
            if allow_remote {
                CSP_REMOTE
            } else {
                CSP_BLOCKED
            },
        ),
    ] {
        // Each is inserted first, so the policy ends up first of all.
        let meta = doc.create_element("meta")?;
        meta.set_attribute(attr, name)?;
        meta.set_attribute("content", content)?;
        head.prepend_with_node_1(&meta)?;
    }
    let root = doc
        .document_element()
        .ok_or_else(|| JsValue::from_str("no root"))?;
    Ok(Prepared {
        srcdoc: format!("<!DOCTYPE html>{}", root.outer_html()),
        remote,
    })
}

/// An HTML body as plain text, for quoting in a reply: parsed by the browser into an inert
/// document (no script runs, nothing loads), with a line break for each `<br>` and around each
/// block, and at most one empty line in a row.
pub fn to_text(html: &str) -> String {
    let Some(doc) = DomParser::new()
        .and_then(|p| p.parse_from_string(html, SupportedType::TextHtml))
        .ok()
    else {
        return String::new();
    };
    for hidden in all(&doc, "script, style, template, head").unwrap_or_default() {
        hidden.remove();
    }
    for br in all(&doc, "br").unwrap_or_default() {
        let _ = br.replace_with_with_str_1("\n");
    }
    // Paragraphs stand apart (an empty line around them); lines end with a line break.
    let paragraphs = "p, h1, h2, h3, h4, h5, h6, blockquote, pre, table, ul, ol, hr, section, article, header, footer";
    for block in all(&doc, paragraphs).unwrap_or_default() {
        let _ = block.before_with_str_1("\n");
        let _ = block.after_with_str_1("\n");
    }
    for line in all(&doc, "div, li, tr").unwrap_or_default() {
        let _ = line.after_with_str_1("\n");
    }
    let text = doc
        .body()
        .and_then(|b| b.text_content())
        .unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

fn all(doc: &Document, selector: &str) -> Result<Vec<Element>, JsValue> {
    let list = doc.query_selector_all(selector)?;
    Ok((0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<Element>())
        .collect())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // The browser's HTML parser: in the browser only.
    #[cfg(target_arch = "wasm32")]
    #[test]
    fn an_html_body_becomes_text_for_quoting() {
        assert_eq!(
            to_text(
                "<style>p{color:red}</style><h1>Numbers</h1><p>Total:  <b>42</b><br>Due: May</p><script>x()</script><ul><li>one</li><li>two</li></ul>"
            ),
            "Numbers\n\nTotal: 42\nDue: May\n\none\ntwo"
        );
        assert_eq!(to_text(""), "");
    }

    #[test]
    fn script_urls_are_found_however_they_are_written() {
        for url in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "vbscript:msgbox",
        ] {
            assert!(is_script_url(url), "{url:?}");
        }
        for value in [
            "https://example.com/javascript:",
            "#top",
            "data:image/png;base64,AA==",
            "",
        ] {
            assert!(!is_script_url(value), "{value:?}");
        }
    }

    #[test]
    fn links_are_classified() {
        assert_eq!(link_kind("https://example.com/a"), LinkKind::External);
        assert_eq!(link_kind(" HTTP://example.com"), LinkKind::External);
        assert_eq!(link_kind("mailto:bob@example.net"), LinkKind::External);
        assert_eq!(link_kind("#top"), LinkKind::Fragment);
        assert_eq!(link_kind("javascript:alert(1)"), LinkKind::Drop);
        assert_eq!(link_kind(" JaVaScRiPt:alert(1)"), LinkKind::Drop);
        assert_eq!(link_kind("data:text/html,x"), LinkKind::Drop);
        assert_eq!(link_kind("file:///etc/passwd"), LinkKind::Drop);
        assert_eq!(link_kind("relative/page.html"), LinkKind::Drop);
    }

    #[test]
    fn remote_references_in_css_are_counted() {
        assert_eq!(remote_in_css("p{color:red}"), 0);
        assert_eq!(
            remote_in_css(
                "a{background:url( 'https://t.example/p.gif')} b{background:URL(//x.example/y)}"
            ),
            2
        );
        assert_eq!(
            remote_in_css("a{background:url(data:image/png;base64,AA==)}"),
            0
        );
        assert_eq!(remote_in_css("@import 'x.css';"), 1);
    }

    #[test]
    fn cid_references_in_css_are_replaced() {
        let resolve =
            |cid: &str| (cid == "logo@x").then(|| "data:image/png;base64,AA==".to_owned());
        assert_eq!(
            replace_cids("background:url(cid:logo@x) no-repeat", &resolve),
            "background:url(data:image/png;base64,AA==) no-repeat"
        );
        assert_eq!(
            replace_cids("url('CID:missing')", &resolve),
            "url('about:invalid')"
        );
        assert_eq!(replace_cids("no references", &resolve), "no references");
    }
}

//! The HTML body made safe to show: parsed by the browser into an inert document (`DOMParser`
//! runs no script and loads nothing), rewritten, and serialised into the `srcdoc` of an iframe
//! sandboxed without `allow-scripts`.
//!
//! - Its own Content-Security-Policy comes first in its `<head>`: nothing remote loads unless the
//!   person allowed remote images, and then only `https:` images. The policy of the page (the
//!   viewer's, or the carrier's) applies inside the frame too.
//! - `cid:` references become `data:` URLs of the message's inline parts.
//! - Links open in a new tab with `noopener noreferrer`; other link schemes are dropped.
//! - Scripts, frames, plug-ins, `<base>`, `<link>` and `<meta http-equiv>` are removed, event
//!   handler attributes too.
//! - Styles (`<style>` elements and `style` attributes) are taken out and applied after loading
//!   through the CSS object model ([`apply_styles`]), which a strict `style-src` without
//!   `'unsafe-inline'` permits, so the page's policy does not have to allow inline styles.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, DomParser, Element, HtmlIFrameElement, SupportedType};

/// The attribute that holds an element's original `style` until [`apply_styles`] applies it.
pub const STYLE_ATTR: &str = "data-waxseal-style";

/// The frame's policy while remote content is blocked.
pub const CSP_BLOCKED: &str = "default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'";
/// The frame's policy once the person allowed remote images.
pub const CSP_REMOTE: &str =
    "default-src 'none'; img-src data: blob: https:; style-src 'unsafe-inline'";

/// The `sandbox` of the frame: no scripts, no forms, no top navigation. Same-origin only so the
/// viewer can apply the styles and size the frame to its content (nothing runs in it); popups so
/// that links open in a new tab, outside the sandbox.
pub const SANDBOX: &str = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

/// Elements removed with their content.
const REMOVED: &str = "script, template, base, link, meta[http-equiv], iframe, frame, frameset, object, embed, applet, portal";

/// An HTML body ready for the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The document for `srcdoc`.
    pub srcdoc: String,
    /// The text of its style sheets, for [`apply_styles`].
    pub styles: Vec<String>,
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

/// Renames every `style` attribute of the start tags in `html` to [`STYLE_ATTR`]. A light scan
/// of the markup (tags, quoted values, comments), not a parser: what it misses stays a `style`
/// attribute, which the page's policy then refuses.
pub fn rename_style_attributes(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len() + 64);
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"<!--") {
            i = bytes[i..]
                .windows(3)
                .position(|w| w == b"-->")
                .map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        // Inside a start tag: find attribute names outside quoted values, up to the closing `>`.
        let mut quote = None;
        i += 1;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None if (b.is_ascii_whitespace() || b == b'/')
                    && bytes
                        .get(i + 1..i + 6)
                        .is_some_and(|name| name.eq_ignore_ascii_case(b"style"))
                    && bytes.get(i + 6).is_some_and(|c| {
                        *c == b'=' || c.is_ascii_whitespace() || *c == b'>' || *c == b'/'
                    }) =>
                {
                    out.push_str(&html[copied..=i]);
                    out.push_str(STYLE_ATTR);
                    copied = i + 6;
                    i += 6;
                    continue;
                }
                None => {}
            }
            i += 1;
        }
    }
    out.push_str(&html[copied..]);
    out
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
    // Style attributes are renamed before parsing: the parsed document shares the page's policy,
    // which would refuse (and report) every one of them.
    let html = rename_style_attributes(html);
    let doc = DomParser::new()?.parse_from_string(&html, SupportedType::TextHtml)?;
    for el in all(&doc, REMOVED)? {
        el.remove();
    }

    let mut remote = 0;
    let mut styles = Vec::new();
    for el in all(&doc, "style")? {
        let css = el.text_content().unwrap_or_default();
        remote += remote_in_css(&css);
        styles.push(replace_cids(&css, &resolve_cid));
        el.remove();
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
                "style" | STYLE_ATTR => {
                    remote += remote_in_css(&value);
                    el.remove_attribute(&name)?;
                    el.set_attribute(STYLE_ATTR, &replace_cids(&value, &resolve_cid))?;
                }
                "href" | "xlink:href"
                    if matches!(el.tag_name().to_ascii_lowercase().as_str(), "a" | "area") =>
                {
                    match link_kind(&value) {
                        LinkKind::External => {
                            el.set_attribute("target", "_blank")?;
                            el.set_attribute("rel", "noopener noreferrer")?;
                        }
                        LinkKind::Fragment => {}
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
        styles,
        remote,
    })
}

fn all(doc: &Document, selector: &str) -> Result<Vec<Element>, JsValue> {
    let list = doc.query_selector_all(selector)?;
    Ok((0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<Element>())
        .collect())
}

/// Applies the message's styles inside the loaded frame through the CSS object model, then sizes
/// the frame to its content. Objects of the frame's document belong to another JavaScript realm,
/// so they are cast without `instanceof` checks.
pub fn apply_styles(frame: &HtmlIFrameElement, styles: &[String]) -> Result<(), JsValue> {
    let (Some(window), Some(doc)) = (frame.content_window(), frame.content_document()) else {
        return Err(JsValue::from_str("the frame is not loaded"));
    };
    let constructor: js_sys::Function =
        Reflect::get(&window, &JsValue::from_str("CSSStyleSheet"))?.unchecked_into();
    let sheets = Array::new();
    for css in styles {
        let sheet = Reflect::construct(&constructor, &Array::new())?;
        let replace: js_sys::Function =
            Reflect::get(&sheet, &JsValue::from_str("replaceSync"))?.unchecked_into();
        // A sheet that does not parse is left out; the rest of the message still shows.
        if replace.call1(&sheet, &JsValue::from_str(css)).is_ok() {
            sheets.push(&sheet);
        }
    }
    Reflect::set(&doc, &JsValue::from_str("adoptedStyleSheets"), &sheets)?;
    let styled = doc.query_selector_all(&format!("[{STYLE_ATTR}]"))?;
    for i in 0..styled.length() {
        let Some(node) = styled.item(i) else { continue };
        let el: Element = node.unchecked_into();
        let css = el.get_attribute(STYLE_ATTR).unwrap_or_default();
        let style = Reflect::get(&el, &JsValue::from_str("style"))?;
        Reflect::set(
            &style,
            &JsValue::from_str("cssText"),
            &JsValue::from_str(&css),
        )?;
    }
    fit_height(frame);
    Ok(())
}

/// Makes the frame as tall as its content, so the message scrolls with the page and prints whole.
pub fn fit_height(frame: &HtmlIFrameElement) {
    let Some(doc) = frame.content_document() else {
        return;
    };
    // The root element's own box: its scroll height never drops below the frame's height, so
    // it could only grow.
    let height = doc
        .document_element()
        .map(|e| e.get_bounding_client_rect().height().ceil() as i32)
        .unwrap_or(0);
    let _ = frame
        .style()
        .set_property("height", &format!("{}px", height.max(120)));
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn style_attributes_are_renamed_in_tags_only() {
        assert_eq!(
            rename_style_attributes(
                r#"<p STYLE="color:red" title='a style="x"'>style="kept" <b  style = 'x'>"#
            ),
            r#"<p data-waxseal-style="color:red" title='a style="x"'>style="kept" <b  data-waxseal-style = 'x'>"#
        );
        assert_eq!(
            rename_style_attributes("<!-- <p style=x> --><div data-style=1 styles=2>"),
            "<!-- <p style=x> --><div data-style=1 styles=2>"
        );
        assert_eq!(
            rename_style_attributes("a < b <i style>"),
            "a < b <i data-waxseal-style>"
        );
        assert_eq!(rename_style_attributes("<p style"), "<p style");
        assert_eq!(
            rename_style_attributes("没有标签 <p style=x>文本"),
            "没有标签 <p data-waxseal-style=x>文本"
        );
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

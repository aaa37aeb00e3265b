//! Browser tests of the viewer, in headless Chromium: the decryption engines against each other,
//! the HTML body's rewriting in a real DOM and a real sandboxed frame, the page's envelope,
//! settings, locale formatting, the key-server client, and the app's first screens.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p waxseal-viewer`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{
    Document, DomParser, Element, HtmlElement, HtmlIFrameElement, SupportedType,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use waxseal_api::PasscodeRequest;
use waxseal_envelope::reply::{ReplyKeyPair, open_reply};
use waxseal_envelope::{Envelope, SealParams, Sender, ServerShare, seal};
use waxseal_viewer::api::{ApiError, KeyServer};
use waxseal_viewer::config::config_url;
use waxseal_viewer::decrypt::{Engine, Progress, decrypt, next_task};
use waxseal_viewer::html::{self, CSP_BLOCKED, CSP_REMOTE, SANDBOX};
use waxseal_viewer::i18n::{self, Lang};

/// The languages the tests switch to, from their files (the test runner serves no `locales/`):
/// English first, the viewer's first language.
fn load_languages() {
    for (lang, source) in [
        (
            Lang::En,
            include_str!("../crates/l10n/locales/en/viewer.ftl"),
        ),
        (
            Lang::Da,
            include_str!("../crates/l10n/locales/da/viewer.ftl"),
        ),
        (
            Lang::ZhHans,
            include_str!("../crates/l10n/locales/zh-Hans/viewer.ftl"),
        ),
    ] {
        i18n::load_source(lang, source.into()).unwrap();
    }
}
use waxseal_viewer::{App, format, reply, sealer, source};

wasm_bindgen_test_configure!(run_in_browser);

// ---- helpers --------------------------------------------------------------------------------

/// A fresh `<div>` appended to the test page's body.
fn host() -> HtmlElement {
    let host: HtmlElement = document()
        .create_element("div")
        .expect("create a div")
        .unchecked_into();
    document()
        .body()
        .expect("the test page has a body")
        .append_child(&host)
        .expect("append the div");
    host
}

fn text_of(parent: &Element, selector: &str) -> String {
    parent
        .query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits until `selector` matches inside `parent`, for at most `ms` milliseconds.
async fn wait_for(parent: &Element, selector: &str, ms: u64) -> Element {
    for _ in 0..ms / 20 {
        if let Ok(Some(el)) = parent.query_selector(selector) {
            return el;
        }
        sleep(20).await;
    }
    panic!("{selector} did not appear within {ms} ms");
}

fn params() -> SealParams {
    SealParams {
        key_server: "https://keys.example.com".into(),
        from: Sender {
            address: "alice@example.com".into(),
            name: Some("Alice Example".into()),
        },
        recipients: vec!["bob@example.net".into()],
        created: 1_790_000_000,
        expires: 1_790_604_800,
        reply: None,
    }
}

/// A plaintext of `len` bytes that is not all one value.
fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

async fn open_with(
    engine: &Engine,
    envelope: &[u8],
    share: &ServerShare,
) -> (Result<Vec<u8>, ()>, Vec<Progress>) {
    // An altered header may already fail to parse (spec §2 step 4): that refuses it too.
    let Ok(env) = Envelope::parse(envelope) else {
        return (Err(()), Vec::new());
    };
    let mut seen = Vec::new();
    drop(env);
    let result = decrypt(envelope.to_vec(), share, engine, &mut |p| seen.push(p)).await;
    (result.map_err(|_| ()), seen)
}

fn parse_html(srcdoc: &str) -> Document {
    DomParser::new()
        .unwrap()
        .parse_from_string(srcdoc, SupportedType::TextHtml)
        .unwrap()
}

// ---- decryption -----------------------------------------------------------------------------

/// Runs a script in the test page.
fn run_js(source: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(source)
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the test's script runs")
}

/// The WebCrypto engine, with `waxseal.decryptWindow` and `waxseal.placePlaintexts` defined as
/// the viewer's pages define them (the test page has no boot script): from the section of
/// js/boot.js that holds them, as it is.
fn page_web_crypto() -> Engine {
    const BOOT: &str = include_str!("../js/boot.js");
    let start = BOOT
        .find("// ---- the viewer's decryption with WebCrypto")
        .expect("js/boot.js marks where its decryption starts");
    let end = BOOT
        .find("// ---- end of the decryption ----")
        .expect("js/boot.js marks where its decryption ends");
    run_js(&format!(
        "{}\nglobalThis.waxseal = {{ decryptWindow, placePlaintexts }};",
        &BOOT[start..end]
    ));
    Engine::web_crypto().expect("the test page is a secure context")
}

#[wasm_bindgen_test]
async fn webcrypto_and_aes_gcm_open_the_same_envelopes_identically() {
    let web_crypto = page_web_crypto();
    // Empty, one byte, exactly one chunk, one chunk and a byte, several chunks with a short end,
    // three windows of WebCrypto chunks (32 each), the last one short.
    for len in [0, 1, 16_384, 16_385, 100_000, 16_384 * 20, 16_384 * 70 + 5] {
        let message = plaintext(len);
        let sealed = seal(&params(), &message).expect("seals");
        let reference = Envelope::parse(&sealed.envelope)
            .unwrap()
            .open(&sealed.server_share)
            .expect("the reference opener opens it");
        assert_eq!(reference, message);

        let (fast, fast_progress) =
            open_with(&web_crypto, &sealed.envelope, &sealed.server_share).await;
        let (portable, portable_progress) =
            open_with(&Engine::Portable, &sealed.envelope, &sealed.server_share).await;
        assert_eq!(fast.as_deref(), Ok(&message[..]), "WebCrypto, {len} bytes");
        assert_eq!(
            portable.as_deref(),
            Ok(&message[..]),
            "aes-gcm, {len} bytes"
        );

        for progress in [&fast_progress, &portable_progress] {
            assert_eq!(
                progress.first(),
                Some(&Progress {
                    done: 0,
                    total: len as u64
                })
            );
            assert_eq!(
                progress.last(),
                Some(&Progress {
                    done: len as u64,
                    total: len as u64
                })
            );
            assert!(
                progress.windows(2).all(|w| w[0].done <= w[1].done),
                "{progress:?}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn webcrypto_decrypts_through_the_boot_script_in_windows_of_32_chunks() {
    let web_crypto = page_web_crypto();
    run_js(
        "const decrypt = waxseal.decryptWindow; waxseal.windows = []; \
         waxseal.decryptWindow = (...args) => { \
           waxseal.windows.push([args[3].length / 4, args[4].length / 12]); \
           return decrypt(...args); \
         };",
    );
    // 70 whole chunks and a short final one.
    let message = plaintext(16_384 * 70 + 5);
    let sealed = seal(&params(), &message).unwrap();
    let (opened, _) = open_with(&web_crypto, &sealed.envelope, &sealed.server_share).await;
    let windows = run_js("return JSON.stringify(waxseal.windows);").as_string();
    assert_eq!(opened.as_deref(), Ok(&message[..]));
    // Each window comes with its own layout (four numbers per chunk) and nonces, made as it is
    // handed over.
    assert_eq!(windows.as_deref(), Some("[[32,32],[32,32],[7,7]]"));
}

#[wasm_bindgen_test]
async fn a_plaintext_of_the_wrong_length_from_webcrypto_opens_nothing() {
    let web_crypto = page_web_crypto();
    // WebCrypto never does this; the viewer does not rely on it.
    run_js(
        "const decrypt = waxseal.decryptWindow; \
         waxseal.decryptWindow = (...args) => decrypt(...args).then((p) => { p[1] = p[1].slice(1); return p; });",
    );
    let sealed = seal(&params(), &plaintext(16_384 * 40)).unwrap();
    let (result, progress) = open_with(&web_crypto, &sealed.envelope, &sealed.server_share).await;
    assert_eq!(result, Err(()));
    // Nothing was reported done but the start.
    assert_eq!(progress.iter().map(|p| p.done).max(), Some(0));
}

#[wasm_bindgen_test]
async fn an_exception_in_the_boot_scripts_half_opens_nothing() {
    let sealed = seal(&params(), &plaintext(16_384 * 40)).unwrap();
    for script in [
        // Thrown when the second window is handed over, and when the first is put in place.
        "const decrypt = waxseal.decryptWindow; let calls = 0; \
         waxseal.decryptWindow = (...args) => { if (calls++ > 0) throw new TypeError('no'); return decrypt(...args); };",
        "waxseal.placePlaintexts = () => { throw new RangeError('no'); };",
    ] {
        let web_crypto = page_web_crypto();
        run_js(script);
        let (result, progress) =
            open_with(&web_crypto, &sealed.envelope, &sealed.server_share).await;
        assert_eq!(result, Err(()), "{script}");
        assert_eq!(progress.iter().map(|p| p.done).max(), Some(0), "{script}");
    }
}

#[wasm_bindgen_test]
async fn a_page_without_the_boot_script_decrypts_with_the_portable_engine() {
    let web_crypto = page_web_crypto();
    run_js("globalThis.waxseal = undefined;");
    let message = plaintext(100_000);
    let sealed = seal(&params(), &message).unwrap();
    // With WebCrypto asked for, but no `waxseal.decryptWindow` to call, it still opens.
    let (opened, _) = open_with(&web_crypto, &sealed.envelope, &sealed.server_share).await;
    assert_eq!(opened.as_deref(), Ok(&message[..]));
}

/// An organisation's reply key, and a message sealed with it (so it takes secure replies).
fn answerable() -> (ReplyKeyPair, waxseal_envelope::Sealed) {
    let key = ReplyKeyPair::generate("2026-11").unwrap();
    let original = seal(
        &SealParams {
            reply: Some(key.reply_to("replies@example.com")),
            ..params()
        },
        b"Subject: Hello\r\n\r\nhi",
    )
    .expect("seals");
    (key, original)
}

#[wasm_bindgen_test]
async fn replies_sealed_in_the_page_open_with_the_organisation_key_with_either_engine() {
    let (key, original) = answerable();
    let header = Envelope::parse(&original.envelope)
        .unwrap()
        .header()
        .clone();
    let web_crypto = Engine::web_crypto().expect("the test page is a secure context");
    // Empty, within a chunk, several WebCrypto windows (32 chunks each) with a short end.
    for len in [0, 1_000, 16_384 * 70 + 5] {
        let mime = plaintext(len);
        for engine in [&web_crypto, &Engine::Portable] {
            let mut progress = Vec::new();
            let sealed = reply::seal(
                &header,
                "bob@example.net",
                1_790_000_100,
                &mime,
                engine,
                &mut |p| progress.push(p),
            )
            .await
            .expect("seals");
            let bytes = sealed.bytes().await;
            assert_eq!(bytes.len() as u64, sealed.len);
            let (h, opened) =
                open_reply(&bytes, &[key_copy(&key)]).expect("the organisation opens it");
            assert_eq!(opened, mime, "{engine:?}, {len} bytes");
            assert_eq!(
                (h.from.as_str(), h.to.as_str()),
                ("bob@example.net", "replies@example.com")
            );
            assert_eq!(progress.last().map(|p| p.done), Some(len as u64));
        }
    }
    // Only a recipient of the message can be its replier.
    assert_eq!(
        reply::seal(
            &header,
            "mallory@example.org",
            1,
            b"x",
            &web_crypto,
            &mut |_| {}
        )
        .await
        .map(|_| ()),
        Err(reply::SealFailure::Refused(
            "cannot seal this message: the reply's sender is not a recipient of the message".into()
        ))
    );
}

/// What the viewer hands the reply sealer module, and what the module answers (both run here in
/// one module: `sealer::request` is the viewer's side, `sealer::serve` the sealer's).
#[wasm_bindgen_test]
async fn the_reply_sealer_builds_and_seals_the_draft_the_viewer_hands_over() {
    let (key, original) = answerable();
    let envelope = Envelope::parse(&original.envelope).unwrap();
    let header_bytes = &envelope.context()[waxseal_envelope::format::PREFIX_LEN..];
    let attachment: Vec<u8> = (0..100_000u32).map(|i| (i * 13) as u8).collect();
    let attachments = [reply::Attached {
        id: 7,
        name: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: std::rc::Rc::new(attachment.clone()),
    }];
    let references = ["a@example.com".to_owned()];
    let draft = reply::Draft {
        from: (Some("Bob Jensen"), "bob@example.net"),
        to: "replies@example.com",
        subject: Some("Hello"),
        in_reply_to: Some("b@example.com"),
        references: &references,
        text: "Thanks!\n\n> hi\n",
        attachments: &attachments,
        date: 1_790_000_100,
    };
    let seen = std::rc::Rc::new(std::cell::Cell::new(0.0));
    let heard = std::rc::Rc::clone(&seen);
    let progress =
        wasm_bindgen::closure::Closure::<dyn FnMut(f64, f64)>::new(move |done, _| heard.set(done));
    // Here both sides share one memory: the request's views stay valid while `serve` copies them
    // only if that copy does not grow the memory, so room is made first.
    let serve = |request: &dyn Fn() -> js_sys::Object| {
        let progress = progress
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone();
        drop(Vec::<u8>::with_capacity(16 << 20));
        let promise = sealer::serve(request().into(), progress);
        wasm_bindgen_futures::JsFuture::from(promise)
    };
    let answer = serve(&|| sealer::request(&draft, header_bytes, 1_790_000_101))
        .await
        .expect("seals");
    let blob = |name: &str| -> web_sys::Blob {
        js_sys::Reflect::get(&answer, &name.into())
            .unwrap()
            .dyn_into()
            .unwrap()
    };
    let bytes = |b: web_sys::Blob| async move {
        let buffer = wasm_bindgen_futures::JsFuture::from(b.array_buffer())
            .await
            .unwrap();
        js_sys::Uint8Array::new(&buffer).to_vec()
    };
    let (reply_bytes, eml) = (bytes(blob("reply")).await, bytes(blob("eml")).await);
    let (h, opened) =
        open_reply(&reply_bytes, &[key_copy(&key)]).expect("the organisation opens it");
    assert_eq!(opened, eml, "the saved copy is the message that was sealed");
    assert_eq!(
        (h.from.as_str(), h.created),
        ("bob@example.net", 1_790_000_101)
    );
    assert_eq!(seen.get(), eml.len() as f64);
    // The message the sealer built from the request, read back as the viewer reads mail.
    let read = waxseal_viewer::mime::parse(&eml, &format::decode_charset);
    assert_eq!(read.subject.as_deref(), Some("Re: Hello"));
    assert_eq!(
        (
            read.from[0].name.as_deref(),
            read.from[0].address.as_deref()
        ),
        (Some("Bob Jensen"), Some("bob@example.net"))
    );
    assert_eq!(read.to[0].address.as_deref(), Some("replies@example.com"));
    assert_eq!(read.date, Some(1_790_000_100));
    assert_eq!(read.references, ["a@example.com", "b@example.com"]);
    match &read.body {
        waxseal_viewer::mime::Body::Text(text) => {
            assert_eq!(text.replace("\r\n", "\n"), "Thanks!\n\n> hi\n")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(read.attachments.len(), 1);
    let file = &read.attachments[0];
    assert_eq!(
        (file.name.as_deref(), file.content_type.as_str()),
        (Some("scan.pdf"), "application/pdf")
    );
    assert!(file.bytes == attachment, "the attachment's bytes");

    // A sender who is not a recipient is refused with the envelope crate's reason; a request
    // without its members is refused as incomplete.
    let reason = |rejection: wasm_bindgen::JsValue| {
        let get = |k: &str| {
            js_sys::Reflect::get(&rejection, &k.into())
                .unwrap()
                .as_string()
        };
        (get("kind"), get("detail"))
    };
    let stranger = reply::Draft {
        from: (None, "mallory@example.org"),
        ..draft.clone()
    };
    let refused = serve(&|| sealer::request(&stranger, header_bytes, 1))
        .await
        .unwrap_err();
    assert_eq!(
        reason(refused),
        (
            Some("refused".into()),
            Some(
                "cannot seal this message: the reply's sender is not a recipient of the message"
                    .into()
            )
        )
    );
    let incomplete = serve(&js_sys::Object::new).await.unwrap_err();
    assert_eq!(
        reason(incomplete),
        (
            Some("refused".into()),
            Some("the request is incomplete".into())
        )
    );
    // A request whose views went stale (the memory grew after it was made, which detaches
    // them) is refused as incomplete, never read as empty attachments.
    let stale = serve(&|| {
        let request = sealer::request(&draft, header_bytes, 1_790_000_101);
        let grown: Vec<u8> = vec![1; 256 << 20];
        drop(grown);
        request
    })
    .await
    .unwrap_err();
    assert_eq!(
        reason(stale),
        (
            Some("refused".into()),
            Some("the request is incomplete".into())
        )
    );
}

fn key_copy(key: &ReplyKeyPair) -> ReplyKeyPair {
    ReplyKeyPair::from_secret(key.key_id(), &key.secret_bytes()[..]).unwrap()
}

#[wasm_bindgen_test]
async fn both_engines_refuse_altered_envelopes_and_wrong_shares() {
    let web_crypto = page_web_crypto();
    let sealed = seal(&params(), &plaintext(40_000)).unwrap();
    let header_end = Envelope::parse(&sealed.envelope).unwrap().context().len();
    let n = sealed.envelope.len();
    // A flipped bit in the header, the commitment, the first chunk, the final chunk's tag.
    for at in [20, header_end + 30, header_end + 200, n - 1] {
        let mut altered = sealed.envelope.clone();
        altered[at] ^= 0x01;
        for engine in [&web_crypto, &Engine::Portable] {
            let (result, progress) = open_with(engine, &altered, &sealed.server_share).await;
            assert_eq!(
                result,
                Err(()),
                "a flip at {at} of {n} went unnoticed ({engine:?})"
            );
            // Nothing reports completion when the message did not open.
            assert!(
                progress.iter().all(|p| p.done < p.total || p.total == 0),
                "{progress:?}"
            );
        }
    }
    // A header that still parses but says something else (a later expiry): the commitment
    // over the exact header bytes refuses it before any chunk is decrypted.
    let text = String::from_utf8_lossy(&sealed.envelope[..header_end]).into_owned();
    let at = text
        .find("1790604800")
        .expect("the expiry is in the header")
        + 1;
    let mut later = sealed.envelope.clone();
    later[at] = b'8';
    assert!(Envelope::parse(&later).is_ok());
    for engine in [&web_crypto, &Engine::Portable] {
        assert_eq!(
            open_with(engine, &later, &sealed.server_share).await.0,
            Err(())
        );
    }
    // The final chunk cut off: a shorter, otherwise valid-looking envelope.
    let truncated = &sealed.envelope[..n - 16_400];
    for engine in [&web_crypto, &Engine::Portable] {
        assert_eq!(
            open_with(engine, truncated, &sealed.server_share).await.0,
            Err(())
        );
    }
    let wrong = ServerShare::from_bytes([7; 32]);
    for engine in [&web_crypto, &Engine::Portable] {
        assert_eq!(open_with(engine, &sealed.envelope, &wrong).await.0, Err(()));
    }
}

// ---- the HTML body --------------------------------------------------------------------------

const MAIL_HTML: &str = r##"<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<base href="https://evil.example/">
<link rel="stylesheet" href="https://evil.example/s.css">
<style>p { color: rgb(200, 0, 0) } .bg { background: url(cid:bg@x) }</style>
<script>window.parent.stolen = 1</script>
</head><body onload="alert(1)">
<p id="p">Hello <a id="web" href="https://example.com/offer">offer</a>
<a id="mail" href="mailto:bob@example.net">mail</a>
<a id="js" href="javascript:alert(1)">js</a>
<a id="frag" href="#p">top</a></p>
<svg><a id="svg-link" xlink:href=" java&#9;script:alert(1)"><text>svg</text></a>
<set id="svg-set" attributeName="href" to="javascript:alert(1)"/>
<animate id="svg-animate" attributeName="href" values="javascript:alert(1)"/>
<animateTransform id="svg-transform" attributeName="transform" type="rotate"/></svg>
<math><maction id="math" actiontype="statusline" xlink:href="javascript:alert(1)">m</maction></math>
<button id="button" formaction="javascript:alert(1)">b</button>
<img id="inline" src="cid:logo%40x" alt="logo">
<img id="missing" src="cid:nothing@x" alt="missing">
<img id="remote" src="https://tracker.example/pixel.gif" alt="pixel">
<img id="plain-http" src="http://tracker.example/pixel.gif">
<img id="set" srcset="https://img.example/a.png 2x">
<table><tr><td id="td" background="//img.example/bg.png">cell</td></tr></table>
<div id="styled" style="color: rgb(0, 0, 200); background: url(https://t.example/x.png)">styled</div>
<iframe id="frame" src="https://evil.example/"></iframe>
<form id="form" action="https://evil.example/steal"><input name="x"></form>
</body></html>"##;

fn resolve(cid: &str) -> Option<String> {
    (cid == "logo@x").then(|| "data:image/png;base64,iVBORw0KGgo=".to_owned())
}

#[wasm_bindgen_test]
fn the_html_body_is_rewritten_for_the_sandbox() {
    let prepared = html::prepare(MAIL_HTML, &resolve, false).unwrap();
    let doc = parse_html(&prepared.srcdoc);
    let el = |id: &str| {
        doc.get_element_by_id(id)
            .unwrap_or_else(|| panic!("#{id} is gone"))
    };
    let attr = |id: &str, name: &str| el(id).get_attribute(name);

    // The frame's own policy comes first in its head, and blocks everything remote.
    let first = doc.head().unwrap().first_element_child().unwrap();
    assert_eq!(
        first.get_attribute("http-equiv").as_deref(),
        Some("Content-Security-Policy")
    );
    assert_eq!(first.get_attribute("content").as_deref(), Some(CSP_BLOCKED));
    assert_eq!(
        doc.query_selector_all(r#"meta[http-equiv]"#)
            .unwrap()
            .length(),
        1,
        "the mail's own refresh is gone"
    );
    assert!(
        doc.query_selector("base, link, script, iframe")
            .unwrap()
            .is_none()
    );
    assert!(doc.body().unwrap().get_attribute("onload").is_none());

    // Links open in a new tab without opener or referrer; other schemes are dropped.
    for id in ["web", "mail"] {
        assert_eq!(attr(id, "target").as_deref(), Some("_blank"), "{id}");
        assert_eq!(
            attr(id, "rel").as_deref(),
            Some("noopener noreferrer"),
            "{id}"
        );
    }
    assert_eq!(
        attr("web", "href").as_deref(),
        Some("https://example.com/offer")
    );
    assert_eq!(attr("js", "href"), None);
    // A fragment link scrolls inside the frame's own document (its base is the viewer's page).
    assert_eq!(attr("frag", "href").as_deref(), Some("about:srcdoc#p"));
    assert_eq!(attr("frag", "target"), None);
    // Nothing can become a javascript: URL: not an SVG or MathML link, not an SVG animation.
    assert_eq!(attr("svg-link", "xlink:href"), None);
    assert_eq!(attr("svg-link", "href"), None);
    assert_eq!(attr("math", "xlink:href"), None);
    assert_eq!(attr("button", "formaction"), None);
    for id in ["svg-set", "svg-animate", "svg-transform"] {
        assert!(doc.get_element_by_id(id).is_none(), "#{id} is gone");
    }

    // cid: images become data: URLs (the reference was URL-encoded); unknown ones go.
    assert_eq!(
        attr("inline", "src").as_deref(),
        Some("data:image/png;base64,iVBORw0KGgo=")
    );
    assert_eq!(attr("missing", "src"), None);
    assert_eq!(attr("missing", "alt").as_deref(), Some("missing"));

    // Remote references are taken out until allowed, and counted.
    assert_eq!(attr("remote", "src"), None);
    assert_eq!(attr("plain-http", "src"), None);
    assert_eq!(attr("set", "srcset"), None);
    assert_eq!(attr("td", "background"), None);
    assert_eq!(prepared.remote, 5, "4 attributes and the style's url()");

    // Styles stay for the frame to apply, their cid: references resolved; the form cannot post
    // anywhere.
    assert!(attr("styled", "style").unwrap().contains("rgb(0, 0, 200)"));
    let sheet = doc
        .query_selector("style")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(sheet.contains("url(about:invalid)"), "{sheet}");
    assert_eq!(attr("form", "action"), None);

    // Once allowed: https images load, plain http still does not.
    let allowed = html::prepare(MAIL_HTML, &resolve, true).unwrap();
    let doc = parse_html(&allowed.srcdoc);
    let csp = doc.head().unwrap().first_element_child().unwrap();
    assert_eq!(csp.get_attribute("content").as_deref(), Some(CSP_REMOTE));
    let attr = |id: &str, name: &str| doc.get_element_by_id(id).unwrap().get_attribute(name);
    assert_eq!(
        attr("remote", "src").as_deref(),
        Some("https://tracker.example/pixel.gif")
    );
    assert_eq!(attr("plain-http", "src"), None);
    assert_eq!(
        attr("set", "srcset").as_deref(),
        Some("https://img.example/a.png 2x")
    );
}

/// A frame sandboxed as the viewer does with `srcdoc`, appended and loaded.
async fn loaded_frame(srcdoc: &str) -> HtmlIFrameElement {
    let frame: HtmlIFrameElement = document()
        .create_element("iframe")
        .unwrap()
        .unchecked_into();
    frame.set_attribute("sandbox", SANDBOX).unwrap();
    frame.set_srcdoc(srcdoc);
    let loaded = js_sys::Promise::new(&mut |resolve, _| frame.set_onload(Some(&resolve)));
    host().append_child(&frame).unwrap();
    wasm_bindgen_futures::JsFuture::from(loaded).await.unwrap();
    frame
}

#[wasm_bindgen_test]
async fn the_body_frame_is_of_another_origin_and_runs_no_script_put_into_it() {
    // Scripts of every kind, put into the frame as they are (not prepared): only the sandbox
    // stands between them and the page. Each would post a message to this page.
    let hostile = r#"<!doctype html><html><body onload="parent.postMessage('onload ran', '*')">
<p id="p">hello</p>
<script>parent.postMessage('script ran', '*'); parent.stolen = 1;</script>
<script type="module">parent.postMessage('module ran', '*')</script>
<iframe srcdoc="<script>parent.parent.postMessage('nested ran', '*')</script>"></iframe>
<a id="js" href="javascript:parent.postMessage('link ran', '*')">link</a>
</body></html>"#;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let record = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn Fn(leptos::web_sys::MessageEvent)>::new(
            move |e: leptos::web_sys::MessageEvent| {
                seen.borrow_mut()
                    .push(e.data().as_string().unwrap_or_default())
            },
        )
    };
    window()
        .add_event_listener_with_callback("message", record.as_ref().unchecked_ref())
        .unwrap();
    let frame = loaded_frame(hostile).await;
    // Its document is of an opaque origin: this page cannot reach into it, nor it into the page.
    assert!(
        frame.content_document().is_none(),
        "the frame is not same-origin"
    );
    // A marker posted now arrives after anything the frame posted while it loaded.
    window().post_message(&"marker".into(), "*").unwrap();
    for _ in 0..250 {
        if seen.borrow().iter().any(|m| m == "marker") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(*seen.borrow(), ["marker"], "nothing in the frame ran");
    let stolen = js_sys::Reflect::get(&window(), &"stolen".into()).unwrap();
    assert!(stolen.is_undefined());
    window()
        .remove_event_listener_with_callback("message", record.as_ref().unchecked_ref())
        .unwrap();
    frame.remove();
}

#[wasm_bindgen_test]
async fn a_prepared_body_loads_in_the_frame() {
    let prepared = html::prepare(MAIL_HTML, &resolve, false).unwrap();
    let frame = loaded_frame(&prepared.srcdoc).await;
    assert!(
        frame.content_document().is_none(),
        "the frame is not same-origin"
    );
    assert_eq!(frame.get_attribute("sandbox").as_deref(), Some(SANDBOX));
    assert!(!SANDBOX.contains("allow-same-origin") && !SANDBOX.contains("allow-scripts"));
    frame.remove();
}

// ---- the page, settings, formatting, key server ---------------------------------------------

#[wasm_bindgen_test]
fn the_envelope_is_read_from_the_page_and_duplicates_are_refused() {
    let sealed = seal(&params(), b"Subject: hi\r\n\r\nhello").unwrap();
    let element = waxseal_envelope::carrier::envelope_element(&sealed.envelope);
    let container = host();
    container.set_inner_html(&format!(
        "<main id=\"waxseal-carrier\">readable</main>{element}"
    ));
    let read = source::envelope_in_page(&document())
        .expect("found")
        .expect("decodes");
    assert_eq!(read, sealed.envelope);
    source::hide_carrier(&document());
    assert!(
        document()
            .get_element_by_id("waxseal-carrier")
            .unwrap()
            .has_attribute("hidden")
    );

    // A second envelope element: refused, whichever the page shows.
    let second = host();
    second.set_inner_html(
        r#"<script type="application/vnd.waxseal.envelope+base64">iVdYUw0KGgo=</script>"#,
    );
    assert!(matches!(
        source::envelope_in_page(&document()),
        Some(Err(waxseal_envelope::FormatError::Malformed(_)))
    ));
    container.remove();
    second.remove();
    assert!(source::envelope_in_page(&document()).is_none());
}

#[wasm_bindgen_test]
fn settings_are_found_next_to_the_viewer_module() {
    assert_eq!(
        config_url(
            Some("https://viewer.example/waxseal-viewer-1a2b.js"),
            "file:///home/bob/Downloads/message.html"
        )
        .as_deref(),
        Some("https://viewer.example/config.json")
    );
    assert_eq!(
        config_url(Some("/waxseal-viewer-1a2b.js"), "http://127.0.0.1:8080/").as_deref(),
        Some("http://127.0.0.1:8080/config.json")
    );
    assert_eq!(
        config_url(Some("app/w.js"), "https://cdn.example/viewer/index.html").as_deref(),
        Some("https://cdn.example/viewer/app/config.json")
    );
    assert_eq!(
        config_url(None, "https://cdn.example/viewer/").as_deref(),
        Some("https://cdn.example/viewer/config.json")
    );
}

#[wasm_bindgen_test]
fn dates_sizes_and_waits_follow_the_language() {
    // 2026-11-21 09:00 UTC; the test browser's time zone decides the hour, not the date format.
    let en = format::date_time(Lang::En, 1_795_251_600);
    let zh = format::date_time(Lang::ZhHans, 1_795_251_600);
    let da = format::date_time(Lang::Da, 1_795_251_600);
    assert!(en.contains("Nov") && en.contains("2026"), "{en}");
    assert!(zh.contains("2026年11月"), "{zh}");
    assert!(da.contains("nov.") && da.contains("2026"), "{da}");

    assert_eq!(format::size(Lang::En, 1_500_000), "1.5 MB");
    assert_eq!(format::size(Lang::Da, 1_500_000), "1,5 MB");
    assert_eq!(format::size(Lang::En, 999), "999 bytes");
    assert_eq!(format::percent(Lang::En, 0.42), "42%");
    assert_eq!(format::percent(Lang::Da, 0.42), "42\u{a0}%");
    assert_eq!(format::relative(Lang::En, 45), "in 45 seconds");
    assert_eq!(format::relative(Lang::Da, 45), "om 45 sekunder");
    assert_eq!(format::relative(Lang::En, 600), "in 10 minutes");
    assert_eq!(format::duration(Lang::En, 600), "10 minutes");
    assert_eq!(format::duration(Lang::ZhHans, 600), "10分钟");
    assert_eq!(
        format::calendar_date(Lang::En, (2026, 11, 21)),
        "November 21, 2026"
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_key_server_is_reported_as_such() {
    // Nothing listens on the discard port.
    let server = KeyServer::new("http://127.0.0.1:9");
    let id = waxseal_envelope::MessageId::generate();
    let request = PasscodeRequest {
        recipient: "bob@example.net".into(),
        public_key: "evA98Vni11dRwaiOtanoeYjxONznWW69o61_C7BKhzQ".into(),
        lang: Some("en".into()),
    };
    assert_eq!(
        server.request_passcode(&id, &request).await,
        Err(ApiError::Unreachable)
    );
}

#[wasm_bindgen_test]
async fn the_portable_engine_lets_the_page_breathe() {
    // next_task resolves in a later task: a timer set before it fires first.
    let fired = std::rc::Rc::new(std::cell::Cell::new(false));
    let f = fired.clone();
    set_timeout(move || f.set(true), Duration::from_millis(0));
    next_task().await;
    assert!(fired.get());
}

// ---- the app --------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_viewers_own_page_offers_to_open_a_file() {
    let host = host();
    load_languages();
    let handle = leptos::mount::mount_to(host.clone(), App);
    let ready = wait_for(&host, "[data-testid=viewer-ready]", 2_000).await;
    assert_eq!(text_of(&ready, "h1"), "Open an encrypted message");
    assert!(
        host.query_selector("[data-testid=file-input]")
            .unwrap()
            .is_some()
    );
    // The footer links the privacy statement on every screen.
    assert_eq!(
        host.query_selector("[data-testid=privacy-link]")
            .unwrap()
            .unwrap()
            .get_attribute("href")
            .as_deref(),
        Some("#privacy")
    );

    // The visible switch changes every string, and the page's language.
    let select: leptos::web_sys::HtmlSelectElement = host
        .query_selector("[data-testid=language]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    select.set_value("da");
    select
        .dispatch_event(&leptos::web_sys::Event::new("change").unwrap())
        .unwrap();
    sleep(50).await;
    assert_eq!(
        text_of(&host, "[data-testid=viewer-ready] h1"),
        "Åbn en krypteret besked"
    );
    assert_eq!(
        document()
            .document_element()
            .unwrap()
            .get_attribute("lang")
            .as_deref(),
        Some("da")
    );
    select.set_value("zh-Hans");
    select
        .dispatch_event(&leptos::web_sys::Event::new("change").unwrap())
        .unwrap();
    sleep(50).await;
    assert_eq!(
        text_of(&host, "[data-testid=viewer-ready] h1"),
        "打开加密邮件"
    );

    drop(handle);
    assert!(
        host.query_selector("[data-testid=viewer-ready]")
            .unwrap()
            .is_none()
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn in_a_carrier_the_viewer_hides_its_text_and_sends_nothing_without_settings() {
    let sealed = seal(&params(), b"Subject: hi\r\n\r\nhello").unwrap();
    let page = host();
    page.set_inner_html(&format!(
        "<main id=\"waxseal-carrier\">readable without JavaScript</main>{}",
        waxseal_envelope::carrier::envelope_element(&sealed.envelope)
    ));
    let app = host();
    load_languages();
    let handle = leptos::mount::mount_to(app.clone(), App);
    assert!(
        document()
            .get_element_by_id("waxseal-carrier")
            .unwrap()
            .has_attribute("hidden")
    );
    // The test server has no config.json next to the page: the settings screen, with a retry,
    // and never the summary (so no key server is ever asked).
    let failure = wait_for(&app, "[data-testid=failure]", 5_000).await;
    assert_eq!(
        failure.get_attribute("data-failure").as_deref(),
        Some("config-unavailable")
    );
    assert!(app.query_selector("[data-testid=retry]").unwrap().is_some());
    assert!(
        app.query_selector("[data-testid=summary]")
            .unwrap()
            .is_none()
    );
    drop(handle);
    app.remove();
    page.remove();
}

// ---- the envelope format's negative vectors, through the viewer's page reader ----------------

/// The carrier cases of the envelope crate's negative vectors (spec §7), read the way the viewer
/// reads the page it runs in: the browser parses the HTML, the viewer decodes the element's
/// text. A reader working on an HTML parser's result cannot see whether the file ended inside the
/// element (the parser closes it there); that one case is read as the element's text, and the
/// truncated envelope it would hold fails its authentication instead.
#[wasm_bindgen_test]
fn the_page_reader_follows_the_carrier_vectors() {
    let file: serde_json::Value = serde_json::from_str(include_str!(
        "../crates/envelope/tests/vectors/negative.json"
    ))
    .unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let Some(text) = case["carrier"].as_str() else {
            continue;
        };
        let rule = case["rule"].as_str().unwrap();
        let expect = if rule == "no </script> after the element" {
            "ok"
        } else {
            case["expect"].as_str().unwrap()
        };
        let doc = parse_html(text);
        let got = match source::envelope_in_page(&doc) {
            None => "not-waxseal",
            Some(Err(waxseal_envelope::FormatError::Malformed(_))) => "malformed",
            Some(Err(_)) => "other",
            Some(Ok(bytes)) => match source::Loaded::new(bytes) {
                Ok(_) => "ok",
                Err(waxseal_envelope::FormatError::Malformed(_)) => "malformed",
                Err(waxseal_envelope::FormatError::NotWaxseal) => "not-waxseal",
                Err(_) => "other",
            },
        };
        checked += 1;
        if got != expect {
            wrong.push(format!("{rule}: expected {expect}, got {got}"));
        }
    }
    assert!(checked >= 10, "read only {checked} carrier cases");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

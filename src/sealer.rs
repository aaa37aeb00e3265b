//! The reply sealer: the part of the viewer that only a secure reply needs — building the reply's
//! MIME message ([`reply::compose`]) and sealing it ([`reply::seal`]) — compiled into a second
//! WebAssembly module, `waxseal-reply` (`src/bin/waxseal-reply.rs`), that the viewer loads when a
//! reply is started, so that reading a message does not download it.
//!
//! **Loading.** `js/boot.js`, itself integrity-checked, gives the page
//! `waxseal.loadReplySealer()`. It reads `<meta name="waxseal-reply">` — the module's script and
//! `.wasm` with their SRI hashes, written into `index.html` by the build (`scripts/post-build.mjs`)
//! and copied into `message.html` by the CLI —, preloads the script with its integrity, imports it
//! and instantiates the `.wasm` fetched with its integrity. A file that fails its check is never
//! run; the reply is then not sent, stays in the form, and can be sent again.
//!
//! **Between the two modules.** They share no memory. The viewer hands the sealer a request object
//! ([`request`]: the draft's fields, each attachment as a copy, the original envelope's header as
//! it was authenticated) and a progress callback; the sealer ([`serve`]) answers with two `Blob`s,
//! the sealed reply and the MIME message (for "save a copy"), or rejects with
//! `{ kind: "refused", detail }` (the envelope crate's reason) or `{ kind: "crypto" }`. The
//! sealer wipes its copies of the plaintext once the reply is sealed.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waxseal_envelope::Header;
use web_sys::Blob;
use zeroize::Zeroize;

use crate::decrypt::{Engine, Progress, next_task, performance};
use crate::download;
use crate::reply::{self, Attached, Draft, SealFailure};

/// The `performance.measure` entry that times building a reply's MIME message, from the request
/// the viewer hands over (the copies of the attachments included) to the message (before it is
/// sealed, see [`reply::MEASURE`]).
pub const COMPOSE_MEASURE: &str = "waxseal-compose-reply";
/// The `performance.mark` that starts [`COMPOSE_MEASURE`] (set by the viewer, once the sealer is
/// loaded, before it hands the draft over).
const COMPOSE_START: &str = "waxseal-compose-reply-start";

#[wasm_bindgen]
extern "C" {
    /// `js/boot.js`'s loader (a promise of the sealer module's exports, cached by the loader).
    #[wasm_bindgen(catch, js_namespace = waxseal, js_name = loadReplySealer)]
    fn load_reply_sealer() -> Result<Promise, JsValue>;

    /// The exports of the sealer module.
    type ReplySealer;

    /// `sealReply(request, progress)`: a promise of `{ reply, eml }`.
    #[wasm_bindgen(method, catch, js_name = sealReply)]
    fn seal_reply(
        this: &ReplySealer,
        request: &Object,
        progress: &Function,
    ) -> Result<Promise, JsValue>;
}

/// A sealed reply and the message it holds, as the sealer module made them.
#[derive(Debug, Clone)]
pub struct SealedReply {
    /// The sealed reply, the request body for the key server.
    pub reply: Blob,
    /// Its length in bytes.
    pub len: u64,
    /// The MIME message the reply holds (what the person sent), typed as an inert download.
    pub eml: Blob,
}

/// Starts loading the sealer (when the reply form opens), so that it is there when the reply is
/// sent. A failure here is reported by [`seal`], which tries again.
pub fn prefetch() {
    if let Ok(promise) = load_reply_sealer() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}

/// Builds and seals the reply `draft` to the message whose header (as its envelope carried it)
/// is `header`, created at `created` (Unix seconds), in the sealer module; `progress` hears how
/// much of the message is sealed.
pub async fn seal(
    draft: &Draft<'_>,
    header: &[u8],
    created: u64,
    mut progress: impl FnMut(Progress) + 'static,
) -> Result<SealedReply, SealFailure> {
    let module = load_reply_sealer().map_err(|_| SealFailure::Unavailable)?;
    let module: ReplySealer = JsFuture::from(module)
        .await
        .map_err(|_| SealFailure::Unavailable)?
        .unchecked_into();
    let report = Closure::<dyn FnMut(f64, f64)>::new(move |done: f64, total: f64| {
        progress(Progress {
            done: done as u64,
            total: total as u64,
        })
    });
    performance("mark", &Array::of1(&COMPOSE_START.into()));
    // Built right before the call, which copies what it refers to (see [`request`]).
    let request = request(draft, header, created);
    let answer = module
        .seal_reply(&request, report.as_ref().unchecked_ref())
        .map_err(|_| SealFailure::Unavailable)?;
    drop(request);
    let answer = JsFuture::from(answer).await;
    drop(report);
    let answer = answer.map_err(|e| failure_of(&e))?;
    let blob = |key: &str| {
        Reflect::get(&answer, &key.into())
            .ok()
            .and_then(|b| b.dyn_into::<Blob>().ok())
    };
    let (Some(reply), Some(eml)) = (blob("reply"), blob("eml")) else {
        return Err(SealFailure::Crypto);
    };
    Ok(SealedReply {
        len: reply.size() as u64,
        reply,
        eml,
    })
}

/// The request object for the sealer: `header` (bytes), `from`, `fromName` (or `null`), `to`,
/// `subject` (or `null`), `inReplyTo` (or `null`), `references` (strings), `text`, `attachments`
/// (`{ name, type, size, bytes }`), `date` and `created` (Unix seconds).
///
/// Each attachment's `bytes` is a view of this module's memory, not a copy (an attachment can be
/// tens of megabytes): it is valid only until this module next allocates. So the request is
/// built right before `sealReply` is called, which copies every view into the sealer's own
/// memory before it returns, and refuses a view whose length is no longer the attachment's
/// `size` as an incomplete request instead of reading a stale one.
pub fn request(draft: &Draft<'_>, header: &[u8], created: u64) -> Object {
    let request = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&request, &key.into(), value);
    };
    let text = |s: Option<&str>| s.map_or(JsValue::NULL, JsValue::from_str);
    set("header", &Uint8Array::from(header).into());
    set("from", &draft.from.1.into());
    set("fromName", &text(draft.from.0));
    set("to", &draft.to.into());
    set("subject", &text(draft.subject));
    set("inReplyTo", &text(draft.in_reply_to));
    let references: Array = draft.references.iter().map(JsValue::from).collect();
    set("references", &references.into());
    set("text", &draft.text.into());
    let attachments = Array::new();
    for a in draft.attachments {
        let file = Object::new();
        let _ = Reflect::set(&file, &"name".into(), &a.name.as_str().into());
        let _ = Reflect::set(&file, &"type".into(), &a.content_type.as_str().into());
        let _ = Reflect::set(&file, &"size".into(), &(a.bytes.len() as f64).into());
        let _ = Reflect::set(&file, &"bytes".into(), &memory_view(&a.bytes).into());
        attachments.push(&file);
    }
    set("attachments", &attachments.into());
    set("date", &(draft.date as f64).into());
    set("created", &(created as f64).into());
    request
}

/// A view of `bytes` in this module's memory (see [`request`]).
fn memory_view(bytes: &[u8]) -> Uint8Array {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    Uint8Array::new_with_byte_offset_and_length(
        &memory.buffer(),
        bytes.as_ptr() as u32,
        bytes.len() as u32,
    )
}

fn failure_of(rejection: &JsValue) -> SealFailure {
    let field = |key: &str| {
        Reflect::get(rejection, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    match field("kind").as_deref() {
        Some("refused") => SealFailure::Refused(field("detail").unwrap_or_default()),
        Some("crypto") => SealFailure::Crypto,
        // Anything else was thrown by the module's loading or glue, not by the sealer.
        _ => SealFailure::Unavailable,
    }
}

/// A request as the sealer module holds it: its own copies, wiped when dropped.
struct Request {
    header: Vec<u8>,
    from: String,
    from_name: Option<String>,
    to: String,
    subject: Option<String>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    text: String,
    attachments: Vec<Attached>,
    date: i64,
    created: u64,
}

impl Request {
    /// Reads a [`request`] object; `None` if a required member is missing or of the wrong type.
    fn read(value: &JsValue) -> Option<Self> {
        let get = |key: &str| Reflect::get(value, &key.into()).ok();
        let string = |key: &str| get(key)?.as_string();
        let number = |key: &str| get(key)?.as_f64().filter(|n| n.is_finite() && *n >= 0.0);
        let bytes = |v: JsValue| v.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec());
        let mut attachments = Vec::new();
        for (id, file) in get("attachments")?
            .dyn_into::<Array>()
            .ok()?
            .iter()
            .enumerate()
        {
            let field = |key: &str| Reflect::get(&file, &key.into()).ok();
            let view = field("bytes")?.dyn_into::<Uint8Array>().ok()?;
            let size = field("size")?.as_f64()?;
            // Allocating grows this module's memory, never the viewer's; a view that does not
            // have the attachment's length (it went stale) is refused, never read.
            let mut copy = vec![0u8; view.length() as usize];
            if view.length() as f64 != size || copy.len() as f64 != size {
                return None;
            }
            view.copy_to(&mut copy);
            attachments.push(Attached {
                id: id as u32,
                name: field("name")?.as_string()?,
                content_type: field("type")?.as_string()?,
                bytes: Rc::new(copy),
            });
        }
        let references = get("references")?
            .dyn_into::<Array>()
            .ok()?
            .iter()
            .map(|r| r.as_string())
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            header: bytes(get("header")?)?,
            from: string("from")?,
            from_name: string("fromName"),
            to: string("to")?,
            subject: string("subject"),
            in_reply_to: string("inReplyTo"),
            references,
            text: string("text")?,
            attachments,
            date: number("date")? as i64,
            created: number("created")? as u64,
        })
    }

    fn draft(&self) -> Draft<'_> {
        Draft {
            from: (self.from_name.as_deref(), &self.from),
            to: &self.to,
            subject: self.subject.as_deref(),
            in_reply_to: self.in_reply_to.as_deref(),
            references: &self.references,
            text: &self.text,
            attachments: &self.attachments,
            date: self.date,
        }
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        self.text.zeroize();
        for a in &mut self.attachments {
            if let Some(bytes) = Rc::get_mut(&mut a.bytes) {
                bytes.zeroize();
            }
        }
    }
}

fn rejection(kind: &str, detail: Option<&str>) -> JsValue {
    let value = Object::new();
    let _ = Reflect::set(&value, &"kind".into(), &kind.into());
    if let Some(detail) = detail {
        let _ = Reflect::set(&value, &"detail".into(), &detail.into());
    }
    value.into()
}

/// What the sealer module's `sealReply` does: reads the request (copying it, before it returns),
/// then builds the MIME message, seals it (reporting progress as `progress(done, total)`), and
/// answers `{ reply, eml }` (a promise).
pub fn serve(request: JsValue, progress: Function) -> Promise {
    let read = Request::read(&request);
    drop(request);
    wasm_bindgen_futures::future_to_promise(async move {
        let request =
            read.ok_or_else(|| rejection("refused", Some("the request is incomplete")))?;
        seal_request(request, progress).await
    })
}

async fn seal_request(request: Request, progress: Function) -> Result<JsValue, JsValue> {
    let refused = |why: &str| rejection("refused", Some(why));
    let header = Header::parse(&request.header).map_err(|e| refused(&e.to_string()))?;
    let mime = reply::compose(&request.draft());
    performance(
        "measure",
        &Array::of2(&COMPOSE_MEASURE.into(), &COMPOSE_START.into()),
    );
    let sealed = reply::seal(
        &header,
        &request.from,
        request.created,
        &mime,
        &Engine::best(),
        &mut |p: Progress| {
            let _ = progress.call2(
                &JsValue::NULL,
                &(p.done as f64).into(),
                &(p.total as f64).into(),
            );
        },
    )
    .await;
    let answer = sealed.and_then(|sealed| {
        let eml = download::blob(&mime).ok_or(SealFailure::Crypto)?;
        let answer = Object::new();
        let _ = Reflect::set(&answer, &"reply".into(), &sealed.blob);
        let _ = Reflect::set(&answer, &"eml".into(), &eml);
        Ok(answer)
    });
    // The plaintext copies are wiped in the next task, once the viewer has the answer and has
    // started sending it.
    wasm_bindgen_futures::spawn_local(async move {
        next_task().await;
        reply::wipe(mime);
        drop(request);
    });
    match answer {
        Ok(answer) => Ok(answer.into()),
        Err(SealFailure::Refused(why)) => Err(refused(&why)),
        Err(_) => Err(rejection("crypto", None)),
    }
}

// Starts the viewer from a file, not from an inline <script>, so that the page runs under the
// strict Content-Security-Policy in index.html (script-src 'self' 'wasm-unsafe-eval').
//
// Trunk writes the (content-hashed) paths of the wasm-bindgen module and of the .wasm into
// <meta name="waxseal-app"> (see `pattern_script` in Trunk.toml) and adds
// <link rel="modulepreload"> / <link rel="preload" as="fetch"> with their SRI hashes. The module
// is run only through a module script element with its hash (importChecked), and the .wasm is
// fetched with its hash.
const app = document.querySelector('meta[name="waxseal-app"]');
if (!app) {
  throw new Error('waxseal: <meta name="waxseal-app"> is missing; build the viewer with Trunk');
}
const { js, wasm } = app.dataset;
const preload = [...document.querySelectorAll('link[rel="preload"][as="fetch"]')].find(
  (link) => link.getAttribute('href') === wasm,
);
const integrity = preload?.integrity ?? '';
const jsIntegrity = [...document.querySelectorAll('link[rel="modulepreload"]')].find(
  (link) => link.getAttribute('href') === js,
)?.integrity;

/**
 * Imports the module at `src` only once a module script element with its SRI hash `hash` has run
 * it. Every engine refuses such an element when the file fails its check (an error, nothing run),
 * and import() then hands over the module that element ran, without fetching it again. A
 * <link rel="modulepreload"> is no such guard: WebKit reports it loaded without checking its hash,
 * and import() after it ran an altered file in WebKit and in Chromium.
 */
function importChecked(src, hash, what) {
  if (!hash) {
    return Promise.reject(new Error(`waxseal: ${what} has no integrity hash; build the viewer with Trunk`));
  }
  // One address for both (import() would resolve a relative one against this file's).
  const url = new URL(src, document.baseURI).href;
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.type = 'module';
    script.crossOrigin = 'anonymous';
    script.integrity = hash;
    script.src = url;
    script.onload = resolve;
    script.onerror = () => {
      script.remove();
      reject(new Error(`waxseal: ${what} could not be loaded, or failed its integrity check`));
    };
    document.head.append(script);
  }).then(() => import(url));
}

// The reply sealer (src/sealer.rs), a second module that only a secure reply needs, loads on
// demand under the same rules: <meta name="waxseal-reply"> (written by scripts/post-build.mjs)
// names its script and .wasm with their SRI hashes; the script is imported through
// importChecked, and the .wasm is fetched with its hash. A file that fails its check is never
// run. The promise is kept; a failed load is tried again next time, under a new fragment (the
// page's module map remembers a failed URL, fragment included).
let replySealer;
let attempts = 0;
async function loadReplySealerOnce() {
  const meta = document.querySelector('meta[name="waxseal-reply"][data-js]');
  if (!meta) {
    throw new Error('waxseal: <meta name="waxseal-reply"> is missing; build the viewer with Trunk');
  }
  const { wasm: sealerWasm, wasmIntegrity } = meta.dataset;
  if (!wasmIntegrity) {
    throw new Error("waxseal: the reply sealer's .wasm has no integrity hash; build the viewer with Trunk");
  }
  attempts += 1;
  const sealerJs = attempts === 1 ? meta.dataset.js : `${meta.dataset.js}#${attempts}`;
  const sealer = await importChecked(sealerJs, meta.dataset.jsIntegrity, 'the reply sealer');
  await sealer.default({ module_or_path: fetch(sealerWasm, { integrity: wasmIntegrity }) });
  return sealer;
}
// The texts of the language the reader prefers, fetched while the .wasm downloads rather than
// after it starts (one round trip less on a slow network). This is only a head start: the viewer
// chooses the language itself (src/i18n.rs), uses this answer only if it is for that language,
// and only if its SHA-256 is the one the viewer was built with; otherwise it fetches the file
// under its content-hashed name. The choice here is the viewer's: the first preference it
// speaks (Chinese by script or region, any Portuguese as Brazilian, any Norwegian as Bokmål),
// else English.
// The languages the viewer has (crates/l10n; a test checks this list against it).
const LANGUAGES = ['en', 'zh-Hans', 'zh-Hant', 'da', 'de', 'fr', 'es', 'pt-BR', 'it', 'nl', 'sv', 'nb', 'fi', 'pl', 'ja', 'ko', 'ar', 'en-XA'];

/** The viewer's language for one browser tag (as `Lang::from_tag`), or undefined. */
function languageOf(browserTag) {
  const wanted = browserTag.toLowerCase().replace(/_/g, '-');
  const primary = wanted.split('-')[0];
  let tag = primary;
  if (wanted === 'en-xa') tag = 'en-XA';
  else if (primary === 'zh') tag = /-(hant|tw|hk|mo)(-|$)/.test(wanted) ? 'zh-Hant' : 'zh-Hans';
  else if (primary === 'pt') tag = 'pt-BR';
  else if (primary === 'no' || primary === 'nn') tag = 'nb';
  return LANGUAGES.includes(tag) ? tag : undefined;
}

function prefetchLanguage() {
  const tag = (navigator.languages ?? [navigator.language]).map(languageOf).find(Boolean) ?? 'en';
  const url = new URL(`locales/${tag}/viewer.ftl`, new URL(js, document.baseURI));
  const text = fetch(url, { mode: 'cors', credentials: 'omit', cache: 'no-cache', referrerPolicy: 'no-referrer' })
    .then((response) => (response.ok ? response.text() : undefined))
    .catch(() => undefined);
  return Object.freeze({ tag, text });
}

// ---- the viewer's decryption with WebCrypto (tests/web.rs runs this section as it is) ----
// src/decrypt.rs decides everything: the key, the nonces, where each chunk's ciphertext lies in the
// viewer's WebAssembly memory and where its plaintext goes, which windows are in flight. Here a
// window of chunks costs two calls between WebAssembly and JavaScript instead of a dozen per
// chunk. A window is described by `layout`, four numbers per chunk (ciphertext offset and length,
// plaintext offset and length, in `memory`), and `nonces`, twelve bytes per chunk: copies the
// viewer makes for each window as it hands it over.

/** Hands a window's chunks to WebCrypto, which copies each ciphertext at once. Resolves with
 * their plaintexts in order; rejects if one does not authenticate. */
function decryptWindow(subtle, key, memory, layout, nonces) {
  const bytes = new Uint8Array(memory.buffer);
  const pending = [];
  for (let i = 0; i < layout.length / 4; i++) {
    const at = layout[4 * i];
    const iv = nonces.subarray(12 * i, 12 * i + 12);
    pending.push(subtle.decrypt({ name: 'AES-GCM', iv }, key, bytes.subarray(at, at + layout[4 * i + 1])));
  }
  return Promise.all(pending);
}

/** Copies a window's plaintexts into place, overwriting each copy here with zeros. False if one
 * has the wrong length (the viewer then wipes all it decrypted). */
function placePlaintexts(memory, layout, plaintexts) {
  const bytes = new Uint8Array(memory.buffer);
  let placed = true;
  plaintexts.forEach((buffer, i) => {
    const plaintext = new Uint8Array(buffer);
    if (plaintext.length === layout[4 * i + 3]) bytes.set(plaintext, layout[4 * i + 2]);
    else placed = false;
    plaintext.fill(0);
  });
  return placed;
}
// ---- end of the decryption ----

globalThis.waxseal = Object.freeze({
  decryptWindow,
  placePlaintexts,
  language: prefetchLanguage(),
  loadReplySealer() {
    replySealer ??= loadReplySealerOnce().catch((error) => {
      replySealer = undefined;
      throw error;
    });
    return replySealer;
  },
});

try {
  const { default: init } = await importChecked(js, jsIntegrity, "the viewer's module");
  if (!integrity) {
    throw new Error("waxseal: the viewer's .wasm has no integrity hash; build the viewer with Trunk");
  }
  await init({ module_or_path: fetch(wasm, { integrity }) });
} catch (error) {
  // Nothing of the viewer runs: the page keeps its own instructions (a message.html's say what to
  // do if nothing happens), says on its root element that the viewer did not start, and says why
  // on the console (where every engine shows it; not every engine shows an uncaught rejection).
  document.documentElement.dataset.waxsealBoot = 'failed';
  console.error(`${error}`);
}

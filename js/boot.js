// Starts the viewer from a file, not from an inline <script>, so that the page runs under the
// strict Content-Security-Policy in index.html (script-src 'self' 'wasm-unsafe-eval').
//
// Trunk writes the (content-hashed) paths of the wasm-bindgen module and of the .wasm into
// <meta name="waxseal-app"> (see `pattern_script` in Trunk.toml) and adds
// <link rel="modulepreload"> / <link rel="preload" as="fetch"> with their SRI hashes. The module
// is imported through the integrity-checked preload; the .wasm is fetched with its hash.
const app = document.querySelector('meta[name="waxseal-app"]');
if (!app) {
  throw new Error('waxseal: <meta name="waxseal-app"> is missing; build the viewer with Trunk');
}
const { js, wasm } = app.dataset;
const preload = [...document.querySelectorAll('link[rel="preload"][as="fetch"]')].find(
  (link) => link.getAttribute('href') === wasm,
);
const integrity = preload?.integrity ?? '';

const { default: init } = await import(js);
await init({ module_or_path: fetch(wasm, { integrity }) });

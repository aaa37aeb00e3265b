// Functions the viewer benchmarks run inside the page, in any engine (Playwright's
// page.evaluate and tests/e2e/support/browsers.mjs's take them as they are).

/**
 * Installs a timer from the click on `button` ("open") to the rendered message: the message view
 * is in the document, its HTML body frame has loaded, and the next frame was produced.
 * `window.benchOpened` resolves with the times (ms, page clock), and the viewer's own
 * `waxseal-decrypt` measure.
 */
export function installOpeningTimer(button) {
  window.benchOpened = new Promise((resolve) => {
    let clicked;
    document.querySelector(button).addEventListener('click', () => (clicked = performance.now()), {
      capture: true,
      once: true,
    });
    let shown;
    let bodyLoaded;
    const painted = () => {
      bodyLoaded = performance.now();
      requestAnimationFrame(() =>
        setTimeout(() => {
          const decrypt = performance.getEntriesByName('waxseal-decrypt', 'measure').at(-1);
          resolve({
            clicked,
            shown,
            bodyLoaded,
            rendered: performance.now(),
            decryptStart: decrypt?.startTime,
            decryptEnd: decrypt ? decrypt.startTime + decrypt.duration : undefined,
          });
        }, 0),
      );
    };
    new MutationObserver((_, observer) => {
      const message = document.querySelector('[data-testid=message]');
      if (!message) return;
      shown = performance.now();
      observer.disconnect();
      const frame = message.querySelector('iframe[data-testid=html-body]');
      if (frame) frame.addEventListener('load', painted, { once: true });
      else painted();
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/**
 * In the page: raw WebCrypto AES-256-GCM over `len` bytes in 16 KiB chunks (each with its own
 * nonce, no associated data), `inFlight` chunks handed over before the first is awaited, every
 * plaintext copied into one buffer. The key import is timed too. Returns milliseconds.
 */
export function rawWebCrypto({ len, chunk, inFlight }) {
  return (async () => {
    const subtle = window.benchSubtle ?? crypto.subtle;
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const encKey = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const n = Math.max(1, Math.ceil(len / chunk));
    const nonce = (i) => {
      const b = new Uint8Array(12);
      new DataView(b.buffer).setUint32(8, i);
      return b;
    };
    const sizeOf = (i) => (i === n - 1 ? len - chunk * (n - 1) : chunk);
    const sealed = new Uint8Array(len + 16 * n);
    const block = crypto.getRandomValues(new Uint8Array(chunk));
    for (let i = 0, at = 0; i < n; i++) {
      const c = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce(i) }, encKey, block.subarray(0, sizeOf(i))));
      sealed.set(c, at);
      at += c.length;
    }
    const out = new Uint8Array(len);
    const start = performance.now();
    const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    for (let first = 0; first < n; first += inFlight) {
      const pending = [];
      for (let i = first; i < Math.min(n, first + inFlight); i++) {
        const at = i * (chunk + 16);
        pending.push(subtle.decrypt({ name: 'AES-GCM', iv: nonce(i) }, key, sealed.subarray(at, at + sizeOf(i) + 16)));
      }
      for (let j = 0; j < pending.length; j++) out.set(new Uint8Array(await pending[j]), (first + j) * chunk);
    }
    const ms = performance.now() - start;
    if (out[len - 1] !== block[sizeOf(n - 1) - 1]) throw new Error('raw WebCrypto: wrong plaintext');
    return ms;
  })();
}


/** In the page: one round trip to `url` (after one to open the connection). Returns ms. */
export async function roundTrip(url) {
  await fetch(url, { cache: 'no-store' });
  const start = performance.now();
  await fetch(url, { cache: 'no-store' });
  return performance.now() - start;
}

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
 * In the page: raw WebCrypto AES-256-GCM over `len` bytes in 16 KiB chunks (no associated data),
 * `inFlight` chunks handed over before the first is awaited, every plaintext copied into one
 * buffer. The key import is timed too. Returns milliseconds.
 *
 * `phase` 'prepare' only makes the ciphertext and the output buffer (and returns 0), 'run' then
 * times the decryption, so that a caller can measure around the timed part alone; without it,
 * both. The output buffer is written once before, as the viewer's memory is: fresh pages are
 * mapped on their first write.
 *
 * The ciphertext is one sealed full chunk laid out again and again (and the shorter last one),
 * all under one nonce: a decryption costs WebCrypto the same whatever the nonce, and the set-up
 * then leaves no garbage behind. Sealing each chunk in the page would leave as many result
 * buffers as the decryption makes, and in WebKit the allocator's state decides the timed part:
 * a decryption into memory just freed is much quicker than one into fresh pages
 * (docs/viewer-benchmarks.md).
 */
export function rawWebCrypto({ len, chunk, inFlight, phase }) {
  return (async () => {
    const subtle = window.benchSubtle ?? crypto.subtle;
    const n = Math.max(1, Math.ceil(len / chunk));
    const sizeOf = (i) => (i === n - 1 ? len - chunk * (n - 1) : chunk);
    if (phase !== 'run') {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      const encKey = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const block = crypto.getRandomValues(new Uint8Array(chunk));
      const sealedFull = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, encKey, block));
      const sealedLast = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, encKey, block.subarray(0, sizeOf(n - 1))));
      const sealed = new Uint8Array(len + 16 * n);
      for (let i = 0; i < n; i++) sealed.set(i === n - 1 ? sealedLast : sealedFull, i * (chunk + 16));
      window.benchRaw = { raw, iv, block, sealed, out: new Uint8Array(len).fill(0xff) };
      if (phase === 'prepare') return 0;
    }
    const { raw, iv, block, sealed, out } = window.benchRaw;
    window.benchRaw = undefined;
    const start = performance.now();
    const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    for (let first = 0; first < n; first += inFlight) {
      const pending = [];
      for (let i = first; i < Math.min(n, first + inFlight); i++) {
        const at = i * (chunk + 16);
        pending.push(subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed.subarray(at, at + sizeOf(i) + 16)));
      }
      for (let j = 0; j < pending.length; j++) out.set(new Uint8Array(await pending[j]), (first + j) * chunk);
    }
    const ms = performance.now() - start;
    if (out[0] !== block[0] || out[len - 1] !== block[sizeOf(n - 1) - 1]) throw new Error('raw WebCrypto: wrong plaintext');
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

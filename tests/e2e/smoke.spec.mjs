// End-to-end smoke test of the release build, written once and run in each browser engine
// (WAXSEAL_BROWSER=chromium|firefox|webkit; ./support/browsers.mjs): dist/ served over HTTP by a
// static server that records every request and its answer; the viewer must boot under its
// Content-Security-Policy without a script error, a console error or a failed request.
//
// Build first: trunk build --release --cargo-profile wasm-release
// Run:         WAXSEAL_BROWSER=<engine> node --test tests/e2e/smoke.spec.mjs (WebKit under xvfb-run -a)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid } from './support/browsers.mjs';
import { Screens } from './support/screens.mjs';
import { serveDist } from './support/viewer.mjs';

let viewer;
let engine;

before(async () => {
  viewer = await serveDist();
  engine = await launch();
});

after(async () => {
  await engine?.close();
  await new Promise((done) => (viewer ? viewer.server.close(done) : done()));
});

test('the viewer boots under its CSP with no console error and no failed request', async () => {
  const page = await engine.newPage({ viewport: { width: 1024, height: 640 } });
  try {
    await new Screens(page).openViewer(viewer.url);

    assert.equal(await page.evaluate(() => document.title), 'waxseal');
    assert.equal(await page.text('#main h1'), 'Open an encrypted message');
    assert.match(await page.text(tid('viewer-ready')), /The file is read in this browser; it is not uploaded anywhere\./);
    assert.equal(await page.attr(tid('privacy-link'), 'href'), '#privacy');

    // The CSP is in force (the meta tag is what the browser enforces on a static host).
    const csp = await page.attr('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /default-src 'none';/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.equal(await page.count('script:not([src])'), 0, 'no inline script');
    // The app's module, wasm and stylesheet were loaded, and each carries an SRI hash.
    const loaded = viewer.served.map((r) => r.path);
    assert.ok(loaded.some((p) => p.endsWith('.wasm')), `no .wasm was loaded: ${loaded.join(', ')}`);
    assert.ok(loaded.some((p) => p.endsWith('.css')), `no .css was loaded: ${loaded.join(', ')}`);
    const unprotected = await page.evaluate(() =>
      [...document.querySelectorAll('script[src], link[rel="stylesheet"], link[rel="modulepreload"], link[rel="preload"]')]
        .filter((el) => !/^sha(256|384|512)-/.test(el.getAttribute('integrity') ?? ''))
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unprotected, [], 'every script, stylesheet and preload has an integrity hash');

    await page.shot('viewer-home');

    assert.deepEqual(page.problems.pageErrors, [], 'uncaught errors in the page');
    assert.deepEqual(page.problems.consoleErrors, [], 'console errors');
    assert.deepEqual(viewer.served.filter((r) => r.status >= 400), [], 'failed requests');

    // Last, as the browser logs the refusal: an inline script the page would add is refused.
    assert.equal(
      await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.head.append(s);
        s.remove();
        return window.__inlineRan === true;
      }),
      false,
      'the policy refuses inline scripts',
    );
  } finally {
    await page.close();
  }
});

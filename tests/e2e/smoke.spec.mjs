// End-to-end smoke test of the release build: serve dist/ over HTTP, open it in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core) and check that the viewer boots
// under its Content-Security-Policy without a console error or a failed request.
//
// Build first: trunk build --release --cargo-profile wasm-release
// Run:         node --test tests/e2e/smoke.spec.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './support/browsers.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dist = join(root, 'dist');
const screenshots = join(root, 'artifacts', 'screenshots');


const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A static file server for dist/ (index.html for "/"), listening on 127.0.0.1:0. */
async function serveDist() {
  await stat(join(dist, 'index.html')).catch(() => {
    throw new Error(`${dist}/index.html is missing: run trunk build --release --cargo-profile wasm-release first`);
  });
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).slice(1);
    const file = normalize(join(dist, relative));
    if (!file.startsWith(dist + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  return server;
}

/** Page object for the viewer's home page. */
class ViewerHome {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.ready = page.getByTestId('viewer-ready');
    this.title = page.locator('#main h1');
  }

  async open() {
    const response = await this.page.goto(this.baseUrl);
    assert.equal(response?.status(), 200, 'index.html is served');
    await this.ready.waitFor({ state: 'visible', timeout: 20_000 });
  }
}

let server;
let browser;
let baseUrl;

before(async () => {
  server = await serveDist();
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done()));
});

/** Opens the viewer in a fresh context and records every problem the page reports. */
async function openViewer(colorScheme) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 }, colorScheme });
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  const loaded = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
  page.on('requestfailed', (req) => problems.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    loaded.push(new URL(res.url()).pathname);
    if (res.status() >= 400) problems.failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
  });
  const home = new ViewerHome(page, baseUrl);
  await home.open();
  return { context, page, home, problems, loaded };
}

function assertNoProblems({ consoleErrors, pageErrors, failedRequests }) {
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  assert.deepEqual(consoleErrors, [], 'console errors');
  assert.deepEqual(failedRequests, [], 'failed requests');
}

test('the viewer boots under its CSP with no console error and no failed request', async () => {
  const { context, page, home, problems, loaded } = await openViewer('light');

  assert.equal(await page.title(), 'waxseal');
  assert.equal(await home.title.textContent(), 'Open an encrypted message');
  assert.match(await home.ready.textContent(), /The file is read in this browser; it is not uploaded anywhere\./);
  assert.equal(await page.getByTestId('privacy-link').getAttribute('href'), '#privacy');

  // The CSP is in force (the meta tag is what the browser enforces on a static host).
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp, /default-src 'none';/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');

  // The app's module, wasm and stylesheet were loaded, and each carries an SRI hash.
  assert.ok(loaded.some((p) => p.endsWith('.wasm')), `no .wasm was loaded: ${loaded.join(', ')}`);
  assert.ok(loaded.some((p) => p.endsWith('.css')), `no .css was loaded: ${loaded.join(', ')}`);
  const unprotected = await page.evaluate(() =>
    [...document.querySelectorAll('script[src], link[rel="stylesheet"], link[rel="modulepreload"], link[rel="preload"]')]
      .filter((el) => !/^sha(256|384|512)-/.test(el.getAttribute('integrity') ?? ''))
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unprotected, [], 'every script, stylesheet and preload has an integrity hash');

  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, 'viewer-home.png'), fullPage: true });

  assertNoProblems(problems);
  await context.close();
});

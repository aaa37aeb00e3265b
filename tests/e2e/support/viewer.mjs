// Browser-side helpers of the viewer's end-to-end tests: Chromium (Debian's, through
// playwright-core), a static server for dist/, reading passcode mails, an accessibility scan
// (axe-core), screenshots, and a page object for the viewer's screens. The product itself (SMTP
// server, key-release server, CLI sealing) comes from ./stack.mjs.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browsers.mjs';

export const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const dist = join(root, 'dist');
export const screenshots = join(root, 'artifacts', 'screenshots');


export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A static file server for dist/ (index.html for "/") on 127.0.0.1:0; `served` records each
 * request's path and answer ({ path, status }), whatever browser made it. */
export async function serveDist() {
  await stat(join(dist, 'index.html')).catch(() => {
    throw new Error(`${dist}/index.html is missing: run trunk build --release --cargo-profile wasm-release first`);
  });
  const served = [];
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    res.on('finish', () => served.push({ path: pathname, status: res.statusCode }));
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
        'access-control-allow-origin': '*',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  return { server, served, url: `http://127.0.0.1:${server.address().port}/` };
}

/** Decodes the quoted-printable and base64 parts of a mail enough to read its text. */
function readableMail(raw) {
  let text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  for (const block of raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)) {
    text += Buffer.from(block[1].replace(/\s/g, ''), 'base64').toString('utf8');
  }
  return text;
}

/** The passcode (digits only) and the reference code of a passcode mail, in any language. */
export function passcodeFrom(raw) {
  const mail = readableMail(raw);
  const code = mail.match(/\b(\d{4} \d{4})\b/)?.[1];
  const reference = raw.match(/\b([A-Z2-9]{3}-[A-Z2-9]{3})\b/)?.[1];
  assert.ok(code && reference, `no passcode or reference in the mail:\n${mail}`);
  return { code: code.replace(/\D/g, ''), reference, mail };
}

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page (injected through the DevTools protocol, which the page's CSP does
 * not govern) and fails on any serious or critical violation.
 */
export async function assertAccessible(page, what) {
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(bad, [], `accessibility violations on ${what}`);
}

export async function shot(page, name) {
  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/**
 * Resolves with the usage report the page sends to its key server (`POST /v1/usage`, once per
 * opened message or failure screen). Call it before what shows the message, await it before
 * asserting the list of requests: the report goes out as the message shows.
 */
export function usageReport(page) {
  return page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/v1/usage'));
}

/** Records problems the page reports (uncaught errors, console errors, failed requests). */
export function watchProblems(page, { allowFailed = () => false } = {}) {
  const problems = { pageErrors: [], consoleErrors: [], failedRequests: [] };
  page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
  });
  page.on('requestfailed', (req) => {
    if (!allowFailed(req.url())) problems.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`);
  });
  return problems;
}

/**
 * Adds a virtual platform authenticator (DevTools `WebAuthn`: CTAP2, built in, user verified,
 * presence simulated) to the page of the DevTools session `cdp`; resolves with its id. A real
 * WebAuthn ceremony runs against it: the page and the key server see real credentials.
 */
export async function addPlatformAuthenticator(cdp) {
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/** Page object: the viewer, in a message.html or on its own page. */
export class Viewer {
  constructor(page) {
    this.page = page;
    this.summary = page.getByTestId('summary');
    this.keyServer = this.summary.getByTestId('key-server');
    this.sendPasscode = page.getByTestId('send-passcode');
    this.reference = page.getByTestId('reference');
    this.passcode = page.getByTestId('passcode');
    this.open = page.getByTestId('open');
    this.notice = page.getByTestId('notice').locator('visible=true');
    this.message = page.getByTestId('message');
    this.failure = page.getByTestId('failure');
    this.body = page.frameLocator('[data-testid=html-body]');
    this.language = page.getByTestId('language');
  }

  async waitForSummary() {
    await this.summary.waitFor({ state: 'visible', timeout: 20_000 });
  }

  /** On the viewer's own page at `viewerUrl`: picks the file at `path`; resolves on its summary. */
  async pick(viewerUrl, path) {
    await this.page.goto(`${viewerUrl}/`);
    await this.page.getByTestId('file-input').setInputFiles(path);
    await this.waitForSummary();
  }

  async askForPasscode() {
    await this.sendPasscode.click();
    await this.reference.waitFor({ state: 'visible' });
    return this.reference.textContent();
  }

  async typePasscode(code) {
    await this.passcode.fill(code);
    await this.open.click();
  }

  /** "Reply securely": resolves once the reply form has the keyboard (typing goes into it). */
  async startReply() {
    await this.page.getByTestId('reply').click();
    await this.page.waitForFunction(() => document.activeElement?.id === 'reply-text');
  }

  async failureKind() {
    await this.failure.waitFor({ state: 'visible', timeout: 20_000 });
    return this.failure.getAttribute('data-failure');
  }
}

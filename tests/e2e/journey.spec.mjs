// The recipient's whole journey against the real product: a message sealed with the `waxseal`
// CLI is opened from file:// in Debian's Chromium; the viewer (loaded from `waxseal serve` with
// Subresource Integrity) asks for a passcode, which the test reads from a real SMTP server; the
// message is decrypted in the page. Every request the browser makes is recorded, and none may
// carry any part of the encrypted payload or of the plaintext.
//
// Run by scripts/test.sh after the viewer's release build and the native build.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { root, startStack, readPasscodeMail } from './support/stack.mjs';
import { usageReport } from './support/viewer.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const screenshots = join(root, 'artifacts', 'screenshots');
const SECRET_LINE = 'The vault code is 4417-Alpha-Kestrel.';
const ATTACHMENT = 'day,from,to\n1,Copenhagen,Shanghai\n8,Shanghai,Copenhagen\n';

let stack;
let browser;

before(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  await mkdir(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('seal with the CLI, open from file://, prove the address, read the message', async () => {
  const d = stack.dir;
  await writeFile(join(d, 'letter.html'), `<h1>Quarterly numbers</h1><p>${SECRET_LINE}</p><p><img src="cid:seal.png" alt="seal"></p><p><a href="https://example.com/report">report</a></p>`);
  await writeFile(join(d, 'letter.txt'), SECRET_LINE);
  await writeFile(join(d, 'itinerary.csv'), ATTACHMENT);
  await writeFile(join(d, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
  const sealed = await stack.seal([
    '--from', 'Alice Example <alice@example.com>', '--to', 'bob@example.net', '--subject', 'Numbers Q3',
    '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png', '--attach', 'itinerary.csv',
  ]);
  const carrier = await readFile(sealed.path, 'utf8');
  const envelopeB64 = carrier.match(/id="waxseal-envelope">\n([\s\S]*?)<\/script>/)[1].replace(/\s+/g, '');

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() ?? '' }));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(pathToFileURL(sealed.path).href);
  await page.getByTestId('summary').waitFor();
  assert.match(await page.getByTestId('sender').innerText(), /alice@example\.com/);
  assert.match(await page.getByTestId('key-server').innerText(), /127\.0\.0\.1/);
  // Nothing about the person was sent to the key server before the click: at most the
  // questions which accounts it accepts and which organisation registered the message.
  assert.deepEqual(
    requests.filter(
      (r) => r.url.includes('/v1/') && !((r.url.endsWith('/v1/config') || r.url.endsWith(`/v1/messages/${sealed.id}/sender`)) && r.body === ''),
    ),
    [],
  );
  await page.screenshot({ path: join(screenshots, 'journey-1-summary.png'), fullPage: true });

  await page.getByTestId('send-passcode').click();
  const mail = readPasscodeMail(await stack.nextMail());
  await page.getByTestId('code-step').waitFor();
  assert.match(await page.getByTestId('reference').innerText(), new RegExp(mail.reference));
  await page.screenshot({ path: join(screenshots, 'journey-2-passcode.png'), fullPage: true });
  await page.getByTestId('passcode').fill(`${mail.passcode.slice(0, 4)} ${mail.passcode.slice(4)}`);
  const report = usageReport(page);
  await page.getByTestId('open').click();

  await page.getByTestId('message').waitFor({ timeout: 30_000 });
  assert.equal((await page.getByTestId('subject').innerText()).trim(), 'Numbers Q3');
  const frame = page.frameLocator('[data-testid="html-body"]');
  assert.match(await frame.locator('body').innerText(), new RegExp(SECRET_LINE.replace(/[.]/g, '\\.')));
  const imgSrc = await frame.locator('img[alt="seal"]').getAttribute('src');
  assert.match(imgSrc, /^(data|blob):/, 'the inline cid: image is shown from the message itself');
  assert.match(await page.getByTestId('attachment-name').first().innerText(), /itinerary\.csv/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-download').first().click()]);
  assert.equal(await readFile(await download.path(), 'utf8'), ATTACHMENT);
  await page.screenshot({ path: join(screenshots, 'journey-3-message.png'), fullPage: true });

  // The privacy promise: no request carried any part of the payload or of the plaintext.
  const payloadPieces = [];
  for (let i = 0; i + 64 <= envelopeB64.length; i += 997) payloadPieces.push(envelopeB64.slice(i, i + 64));
  for (const r of requests) {
    for (const piece of payloadPieces) assert.ok(!r.body.includes(piece) && !r.url.includes(piece), `request to ${r.url} carried envelope bytes`);
    for (const plain of [SECRET_LINE, 'Numbers Q3', 'Copenhagen']) {
      assert.ok(!r.body.includes(plain) && !decodeURIComponent(r.url).includes(plain), `request to ${r.url} carried plaintext`);
    }
  }
  await report;
  const apiCalls = requests.filter((r) => r.url.includes('/v1/')).map((r) => new URL(r.url).pathname.split('/').pop());
  assert.deepEqual(apiCalls, ['sender', 'config', 'passcode', 'verify', 'release', 'usage']);
  assert.deepEqual(errors, []);
  await context.close();
});

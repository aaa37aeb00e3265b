// End-to-end tests of the viewer's screens against the real product: messages sealed with the
// `waxseal` CLI, the key-release server (`waxseal serve`, which also serves the built viewer),
// passcodes read from a real SMTP server (./support/stack.mjs). Covers the journey from file://
// and from the viewer's own page (picked and dropped), a wrong passcode, a tampered file, a revoked
// message, an open limit, an untrusted key server, the other failure screens (with the key
// server's answers replaced where a real one cannot be produced quickly: expiry, throttling,
// unreachable, 5xx), three languages (languages.spec.mjs has the rest), a phone-sized viewport, the dark theme and the privacy
// statement. Every screen gets a screenshot (artifacts/screenshots/) and an axe-core scan.
//
// Needs dist/ (trunk build --release --cargo-profile wasm-release), target/debug/waxseal and
// waxseal-server, and the Python venv with aiosmtpd; scripts/test.sh prepares all of them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStack } from './support/stack.mjs';
import {
  Viewer,
  assertAccessible,
  launchChromium,
  passcodeFrom,
  root,
  serveDist,
  shot,
  usageReport,
  watchProblems,
} from './support/viewer.mjs';

const SAMPLE_HTML = `<!doctype html>
<html><body style="font-family: Georgia, serif; max-width: 36em">
<p><img src="cid:seal.png" alt="A red wax seal" width="64" height="64"></p>
<h1>Your travel documents</h1>
<p><a id="to-end" href="#end">Jump to the end</a></p>
<p>Dear guest,</p>
<p>Your itinerary is attached. Remote images like the one below stay blocked until you allow them:</p>
<p><img src="https://images.example.com/tracking-pixel.png" alt="A remote image" width="120" height="40"></p>
<p>Kind regards,<br>Alice</p>
<div style="height: 3000px"></div>
<p id="end">The end of the message.</p>
</body></html>`;
const SAMPLE_TEXT = 'Dear guest,\n\nYour itinerary is attached.\n';
const ATTACHMENT = 'day,from,to,departs\n1,Copenhagen,Shanghai,09:40\n8,Shanghai,Copenhagen,13:05\n';
const SENDER = 'Alice at the waxseal demo <alice@example.com>';

let stack;
let browser;
let plainViewer;

before(async () => {
  stack = await startStack();
  browser = await launchChromium();
  plainViewer = await serveDist();
  await writeFile(join(stack.dir, 'letter.html'), SAMPLE_HTML);
  await writeFile(join(stack.dir, 'letter.txt'), SAMPLE_TEXT);
  await writeFile(join(stack.dir, 'itinerary.csv'), ATTACHMENT);
  await writeFile(join(stack.dir, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
});

after(async () => {
  await browser?.close();
  await new Promise((done) => (plainViewer ? plainViewer.server.close(done) : done()));
  await stack?.stop();
});

/** Seals the sample message (HTML body, inline image, remote image, attachment). A new message
 * for every test, so one test's passcode throttles do not touch another. */
function sealSample({ to = ['you@example.com'], extra = [] } = {}) {
  return stack.seal([
    '--from', SENDER, ...to.flatMap((t) => ['--to', t]), '--subject', 'Your travel documents',
    '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png', '--attach', 'itinerary.csv',
    ...extra,
  ]);
}

const host = () => new URL(stack.url).host;
const nextPasscode = async () => passcodeFrom(await stack.nextMail());

async function newPage({ viewport = { width: 1024, height: 800 }, colorScheme = 'light', locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page, viewer: new Viewer(page) };
}

/** Drops a file on the viewer's page, as a person dragging it from their desktop would. */
async function dropFile(page, bytes, name) {
  await page.evaluate(
    ({ b64, name }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'text/html' }));
      const zone = document.querySelector('[data-testid=dropzone]');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    },
    { b64: Buffer.from(bytes).toString('base64'), name },
  );
}

/** The envelope inside a message.html. */
function envelopeOf(html) {
  const b64 = html.match(/id="waxseal-envelope">([\s\S]*?)<\/script>/)[1].replace(/\s/g, '');
  return Buffer.from(b64, 'base64');
}

/** Console errors that are the expected side of a test (an answer of 4xx, a blocked image). */
function unexpectedConsoleErrors(errors) {
  return errors.filter(
    // A remote image the person allowed fails to resolve (the test machine has no network): Chromium
    // logs that without the URL; the failed request itself is checked by URL in watchProblems.
    // The test driver's own helper scripts, sent into the body's frame each time it navigates (a
    // new body, a #fragment link), are refused by its sandbox and logged as such: the sandbox at
    // work. The frame holds no script of the mail (tests/web.rs checks that nothing runs in it).
    (e) => !/status of 4\d\d|images\.example\.com|Content Security Policy directive: "img-src|net::ERR_NAME_NOT_RESOLVED|^Blocked script execution in 'about:srcdoc'/.test(e),
  );
}

test('a message.html opened from disk: summary, a wrong and a right passcode, the message, nothing of it sent anywhere', async () => {
  const sealed = await sealSample();
  const { context, page, viewer } = await newPage();
  try {
    const requests = [];
    page.on('request', (r) =>
      requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '', headers: JSON.stringify(r.headers()) }),
    );
    const problems = watchProblems(page, { allowFailed: (url) => url.includes('images.example.com') });
    await page.goto(pathToFileURL(sealed.path).href);
    await viewer.waitForSummary();
    // The type of every object URL the page makes from now on (a blob: URL cannot be fetched
    // under the carrier's connect-src, so it is read where it is made).
    await page.evaluate(() => {
      const make = URL.createObjectURL;
      window.__blobTypes = [];
      URL.createObjectURL = (blob) => {
        window.__blobTypes.push(blob.type);
        return make.call(URL, blob);
      };
    });

    // The viewer replaced the carrier's readable text and shows what the header says.
    assert.equal(await page.locator('#waxseal-carrier').isHidden(), true);
    assert.equal(await viewer.keyServer.textContent(), host());
    assert.equal(await page.getByTestId('sender').textContent(), SENDER);
    assert.equal(await page.getByTestId('recipients').textContent(), 'you@example.com');
    assert.equal(await page.getByTestId('address').textContent(), 'you@example.com');
    // The key server vouches for who sent it: the organisation that registered it.
    assert.equal(await page.getByTestId('organisation').textContent(), 'Acme Bank');
    // Nothing about the person goes to the key server before the click (link scanners open
    // attachments too): at most the questions which organisation registered the message and
    // which accounts it accepts.
    assert.deepEqual(
      requests.filter((r) => r.url.includes('/v1/')).map((r) => [r.method, r.url, r.body]),
      [['GET', `${stack.url}/v1/messages/${sealed.id}/sender`, ''], ['GET', `${stack.url}/v1/config`, '']],
    );
    await shot(page, '01-summary');
    await assertAccessible(page, 'the summary');

    const reference = await viewer.askForPasscode();
    const mail = await nextPasscode();
    assert.equal(reference, mail.reference, 'the page shows the reference code of the mail');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'passcode', 'focus moves to the passcode');
    assert.equal(await viewer.passcode.getAttribute('inputmode'), 'numeric');
    assert.equal(await viewer.passcode.getAttribute('autocomplete'), 'one-time-code');
    await shot(page, '02-passcode');
    await assertAccessible(page, 'the passcode step');

    // A wrong passcode says how many tries are left.
    const wrong = (mail.code[0] === '9' ? '0' : String(Number(mail.code[0]) + 1)) + mail.code.slice(1);
    await viewer.typePasscode(wrong);
    await viewer.notice.waitFor();
    assert.equal(await viewer.notice.textContent(), 'That passcode is not right. 4 tries left.');
    await shot(page, '03-wrong-passcode');
    await assertAccessible(page, 'a wrong passcode');

    // The right one, typed with a space and a dash, opens the message.
    const report = usageReport(page);
    await viewer.typePasscode(`${mail.code.slice(0, 4)} - ${mail.code.slice(4)}`);
    await viewer.message.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('subject').textContent(), 'Your travel documents');
    assert.equal(await page.getByTestId('from').textContent(), SENDER);
    assert.equal(await page.getByTestId('to').textContent(), 'you@example.com');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message-subject', 'focus moves to the message');

    // The HTML body, sandboxed, with its inline image and without the remote one.
    const frame = page.getByTestId('html-body');
    // No scripts and an opaque origin: the body cannot reach the viewer.
    assert.equal(await frame.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    assert.equal(await frame.evaluate((f) => f.contentDocument), null, 'the body frame is not same-origin with the viewer');
    await viewer.body.locator('h1').waitFor();
    assert.equal(await viewer.body.locator('h1').textContent(), 'Your travel documents');
    const inline = await viewer.body.locator('img[alt="A red wax seal"]').getAttribute('src');
    assert.match(inline, /^data:image\/png;base64,/);
    assert.deepEqual(
      Buffer.from(inline.split(',')[1], 'base64'),
      await readFile(join(root, 'crates/cli/assets/seal.png')),
      'the inline image is the sealed one',
    );
    assert.equal(await viewer.body.locator('img[alt="A remote image"]').getAttribute('src'), null);
    // The mail's own styles apply inside the frame (which applies them itself).
    assert.equal(
      await viewer.body.locator('body').evaluate((b) => getComputedStyle(b).fontFamily),
      'Georgia, serif',
    );
    // A #fragment link scrolls inside the body, which stays the message (and the viewer its page).
    const viewerUrl = page.url();
    const bodyFrame = await (await frame.elementHandle()).contentFrame();
    await viewer.body.locator('#to-end').click();
    await viewer.body.locator('#end').waitFor();
    for (let i = 0; i < 100 && (await viewer.body.locator('html').evaluate(() => window.scrollY)) < 1000; i++) {
      await page.waitForTimeout(20);
    }
    assert.ok((await viewer.body.locator('html').evaluate(() => window.scrollY)) > 1000, 'the body scrolled to #end');
    assert.match(bodyFrame.url(), /^about:srcdoc/);
    assert.equal(await viewer.body.locator('#end').textContent(), 'The end of the message.');
    assert.equal(page.url(), viewerUrl);
    await viewer.body.locator('html').evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId('remote-bar').waitFor();
    await shot(page, '04-message');
    await assertAccessible(page, 'the message');

    // The attachment, byte for byte; the whole message as .eml.
    assert.equal(await page.getByTestId('attachment').count(), 1);
    assert.equal(await page.getByTestId('attachment-name').textContent(), 'itinerary.csv');
    assert.equal(await page.getByTestId('attachment-type').textContent(), 'text/csv');
    // Its link is an inert download, whatever the mail says it is: opened in a tab, a blob of the
    // mail's own type (text/html, image/svg+xml) would render as a page of the viewer's origin.
    assert.deepEqual(await page.evaluate(() => window.__blobTypes), ['application/octet-stream']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-download').click()]);
    assert.equal(download.suggestedFilename(), 'itinerary.csv');
    assert.equal(await readFile(await download.path(), 'utf8'), ATTACHMENT);
    const [eml] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-eml').click()]);
    assert.equal(eml.suggestedFilename(), 'Your travel documents.eml');
    assert.match(await readFile(await eml.path(), 'utf8'), /^Subject: Your travel documents\r?$/m);
    assert.deepEqual(await page.evaluate(() => window.__blobTypes), ['application/octet-stream', 'application/octet-stream']);

    // The privacy promise: no request carried any part of the payload or of the plaintext (before
    // the person chooses to load the message's remote images, whose addresses are its own).
    const envelope = envelopeOf(await readFile(sealed.path, 'utf8'));
    const payload = envelope.subarray(envelope.length - 2000);
    const needles = ['Dear guest', 'Your itinerary', 'Copenhagen', 'tracking-pixel'];
    for (let i = 0; i + 24 <= payload.length; i += 97) {
      const piece = payload.subarray(i, i + 24);
      needles.push(piece.toString('hex'), piece.toString('base64url').slice(4, 28), piece.toString('base64').slice(4, 28));
    }
    for (const r of requests) {
      for (const needle of needles) {
        assert.ok(
          !r.url.includes(needle) && !r.body.includes(needle) && !r.headers.includes(needle),
          `${r.method} ${r.url} carries part of the message (${needle})`,
        );
      }
    }
    // And these are all the requests made to the key server: the last, the usage report.
    await report;
    const calls = requests
      .filter((r) => r.url.startsWith(stack.url + '/v1/'))
      .map((r) => `${r.method} ${new URL(r.url).pathname.replace(/messages\/[^/]+/, 'messages/ID')}`);
    assert.deepEqual(calls, [
      'GET /v1/messages/ID/sender',
      'GET /v1/config',
      'POST /v1/messages/ID/passcode',
      'POST /v1/messages/ID/verify',
      'POST /v1/messages/ID/verify',
      'POST /v1/messages/ID/release',
      'POST /v1/usage',
    ]);

    // Remote images only after a click.
    await page.getByTestId('show-remote').click();
    await viewer.body.locator('img[alt="A remote image"][src^="https://"]').waitFor({ state: 'attached' });
    assert.equal(await page.getByTestId('remote-bar').count(), 0);

    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(problems.consoleErrors), []);
    assert.deepEqual(problems.failedRequests, []);
  } finally {
    await context.close();
  }
});

test("dropped on the viewer's page, in Danish, on a phone", async () => {
  const sealed = await sealSample();
  const { context, page, viewer } = await newPage({ viewport: { width: 360, height: 740 }, locale: 'da-DK' });
  try {
    const problems = watchProblems(page);
    await page.goto(stack.url + '/');
    await page.getByTestId('viewer-ready').waitFor();
    assert.equal(await page.locator('#main h1').textContent(), 'Åbn en krypteret besked');
    await shot(page, '10-open-a-file-da-phone');
    await assertAccessible(page, 'the file picker');
    await dropFile(page, await readFile(sealed.path), 'message.html');
    await viewer.waitForSummary();
    assert.equal((await viewer.sendPasscode.textContent()).trim(), 'Send mig en kode på e-mail');
    await shot(page, '11-summary-da-phone');
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(await noSideways(), 'no sideways scrolling');
    const reference = await viewer.askForPasscode();
    const mail = await nextPasscode();
    assert.equal(reference, mail.reference);
    await shot(page, '12-passcode-da-phone');
    await viewer.typePasscode(mail.code);
    await viewer.message.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('save-eml').textContent(), 'Gem hele beskeden (.eml)');
    assert.ok(await noSideways(), 'no sideways scrolling');
    await shot(page, '13-message-da-phone');
    await assertAccessible(page, 'the message on a phone');
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(unexpectedConsoleErrors(problems.consoleErrors), []);
  } finally {
    await context.close();
  }
});

test('a tampered file is refused after the key release and nothing of it is shown (Chinese, dark)', async () => {
  const sealed = await sealSample();
  const { context, page, viewer } = await newPage({ colorScheme: 'dark', locale: 'zh-CN' });
  try {
    // One base64 character inside the payload changes (a few lines before the end).
    const lines = (await readFile(sealed.path, 'utf8')).split('\n');
    const end = lines.findIndex((l) => l.startsWith('</script>'));
    const line = lines[end - 3];
    lines[end - 3] = line.slice(0, 10) + (line[10] === 'A' ? 'B' : 'A') + line.slice(11);
    const tampered = join(stack.dir, 'tampered.html');
    await writeFile(tampered, lines.join('\n'));

    await page.goto(pathToFileURL(tampered).href);
    await viewer.waitForSummary();
    assert.equal((await viewer.sendPasscode.textContent()).trim(), '通过电子邮件发送验证码');
    await shot(page, '20-summary-zh-dark');
    await assertAccessible(page, 'the summary, dark');
    await viewer.askForPasscode();
    const mail = await nextPasscode();
    await shot(page, '21-passcode-zh-dark');
    await viewer.typePasscode(mail.code);
    assert.equal(await viewer.failureKind(), 'damaged');
    assert.equal(await page.getByTestId('message').count(), 0);
    assert.equal(await page.locator('#main h1').textContent(), '此邮件已被篡改或损坏');
    await shot(page, '22-damaged-zh-dark');
    await assertAccessible(page, 'the damaged screen');
    // The visible switch turns the screen into English.
    await viewer.language.selectOption('en');
    await page.locator('#main h1', { hasText: 'This message was altered or damaged' }).waitFor();
    await shot(page, '23-damaged-dark');
  } finally {
    await context.close();
  }
});

test('an intercepted message.html whose sender was changed is refused before a passcode is asked for', async () => {
  const sealed = await sealSample();
  const { context, page, viewer } = await newPage();
  try {
    // The header names another sender of the same length: the envelope still parses, and only
    // the decryption (never reached) would notice.
    const envelope = envelopeOf(await readFile(sealed.path, 'utf8'));
    const forged = Buffer.from(envelope.toString('latin1').replace('"alice@example.com"', '"alice@example.org"'), 'latin1');
    assert.notDeepEqual(forged, envelope);
    const path = join(stack.dir, 'forged.html');
    const html = await readFile(sealed.path, 'utf8');
    await writeFile(
      path,
      html.replace(/(id="waxseal-envelope">)[\s\S]*?(<\/script>)/, (_, open, close) => `${open}${forged.toString('base64')}${close}`),
    );
    const requests = [];
    page.on('request', (r) => r.url().includes('/v1/') && requests.push(`${r.method()} ${new URL(r.url()).pathname.replace(/messages\/[^/]+/, 'messages/ID')}`));
    await page.goto(pathToFileURL(path).href);
    await viewer.failure.waitFor();
    assert.equal(await viewer.failureKind(), 'sender-mismatch');
    assert.equal(await page.locator('#main h1').textContent(), "This message's sender cannot be confirmed");
    assert.equal(
      await viewer.failure.locator('p').first().textContent(),
      'The message says it is from alice@example.org, but the key server has it registered by Acme Bank as sent from alice@example.com. Do not trust it and do not ask for a passcode; report it to Acme Bank or to your IT team.',
    );
    assert.deepEqual(requests, ['GET /v1/messages/ID/sender'], 'no passcode was asked for');
    await shot(page, '24-sender-mismatch');
    await assertAccessible(page, 'the sender-mismatch screen');
  } finally {
    await context.close();
  }
});

/** Records, in the page, every text the progress line shows. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid=progress-text]')?.textContent;
      if (text && window.progressSeen.at(-1) !== text) window.progressSeen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

test('a large message: a progress bar while every chunk is checked, with WebCrypto and with the aes-gcm fallback', async () => {
  const big = Buffer.alloc(24 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  await writeFile(join(stack.dir, 'big.bin'), big);
  for (const engine of ['webcrypto', 'aes-gcm']) {
    const sealed = await sealSample({ extra: ['--attach', 'big.bin'] });
    const { context, page, viewer } = await newPage();
    try {
      if (engine === 'aes-gcm') {
        // As on a plain-http page, where browsers offer no crypto.subtle.
        await page.addInitScript(() => Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined }));
      }
      await page.goto(pathToFileURL(sealed.path).href);
      await viewer.waitForSummary();
      assert.equal(await page.evaluate(() => typeof crypto.subtle), engine === 'aes-gcm' ? 'undefined' : 'object');
      await viewer.askForPasscode();
      const mail = await nextPasscode();
      await recordProgress(page);
      const cdp = await context.newCDPSession(page);
      if (engine === 'aes-gcm') {
        // Slowed down so that the progress can be seen and photographed.
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
      }
      await viewer.typePasscode(mail.code);
      if (engine === 'aes-gcm') {
        await page.getByTestId('progress-text').filter({ hasText: /^[1-9]\d?% · / }).waitFor({ timeout: 60_000 });
        await shot(page, '06-decrypting');
        await assertAccessible(page, 'the decrypting screen');
        // The page answers while it decrypts.
        assert.equal(await page.evaluate(() => 1 + 1), 2);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      }
      await viewer.message.waitFor({ timeout: 120_000 });
      const seen = await page.evaluate(() => window.progressSeen);
      assert.ok(seen.length >= 5, `${engine}: the progress moved (${seen.join(' | ')})`);
      assert.match(seen[0], /^0% · 0 bytes of \d+\.\d MB$/, engine);
      // The percentages only grow, up to the end (the message replaces the bar once it is done).
      const percents = seen.map((t) => Number(t.match(/^(\d+)%/)[1]));
      assert.ok(percents.every((p, i) => i === 0 || p >= percents[i - 1]), `${engine}: ${percents}`);
      assert.ok(percents.at(-1) >= 90, `${engine}: ${percents}`);
      assert.deepEqual(await page.getByTestId('attachment-name').allTextContents(), ['itinerary.csv', 'big.bin']);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('attachment-download').nth(1).click(),
      ]);
      assert.ok(big.equals(await readFile(await download.path())), `${engine}: the large attachment, byte for byte`);
    } finally {
      await context.close();
    }
  }
});

test('a message the sender revoked', async () => {
  const sealed = await sealSample();
  await stack.waxseal(['revoke', sealed.id]);
  const { context, page, viewer } = await newPage();
  try {
    await page.goto(pathToFileURL(sealed.path).href);
    await viewer.waitForSummary();
    await viewer.sendPasscode.click();
    assert.equal(await viewer.failureKind(), 'revoked');
    assert.equal(await page.locator('#main h1').textContent(), 'The sender withdrew this message');
    assert.equal(await page.getByTestId('retry').count(), 0);
    await shot(page, '40-revoked');
    await assertAccessible(page, 'the revoked screen');
  } finally {
    await context.close();
  }
});

test('several recipients; an open limit reached by another of them', async () => {
  const sealed = await sealSample({ to: ['you@example.com', 'colleague@example.org'], extra: ['--max-opens', '1'] });
  const first = await newPage();
  try {
    await first.page.goto(pathToFileURL(sealed.path).href);
    await first.viewer.waitForSummary();
    // Nothing is chosen for the person: the button waits for a choice.
    assert.equal(await first.viewer.sendPasscode.isDisabled(), true);
    await first.page.getByLabel('you@example.com').check();
    await shot(first.page, '05-choose-address');
    await assertAccessible(first.page, 'the address choice');
    await first.viewer.askForPasscode();
    await first.viewer.typePasscode((await nextPasscode()).code);
    await first.viewer.message.waitFor({ timeout: 30_000 });
  } finally {
    await first.context.close();
  }
  const { context, page, viewer } = await newPage();
  try {
    await page.goto(pathToFileURL(sealed.path).href);
    await viewer.waitForSummary();
    await page.getByLabel('colleague@example.org').check();
    await viewer.sendPasscode.click();
    assert.equal(await viewer.failureKind(), 'open-limit-reached');
    await shot(page, '41-open-limit-reached');
    await assertAccessible(page, 'the open-limit screen');
  } finally {
    await context.close();
  }
});

test('an envelope naming a key server the viewer does not trust is refused before anything is sent', async () => {
  const sealed = await sealSample();
  const { context, page, viewer } = await newPage();
  try {
    const sent = [];
    page.on('request', (r) => {
      if (r.url().startsWith(stack.url)) sent.push(r.url());
    });
    // This copy of the viewer's config.json trusts no key server.
    await page.goto(plainViewer.url);
    await page.getByTestId('viewer-ready').waitFor();
    await shot(page, '30-open-a-file');
    await page.getByTestId('file-input').setInputFiles(sealed.path);
    assert.equal(await viewer.failureKind(), 'untrusted');
    assert.equal(await viewer.failure.getByTestId('key-server').textContent(), host());
    assert.deepEqual(sent, [], 'no request went to the untrusted key server');
    await shot(page, '31-untrusted');
    await assertAccessible(page, 'the untrusted screen');
    await page.getByTestId('open-another').click();
    await page.getByTestId('viewer-ready').waitFor();
  } finally {
    await context.close();
  }
});

test('not a waxseal message, and one made by a newer version', async () => {
  const { context, page, viewer } = await newPage();
  try {
    await page.goto(stack.url + '/');
    await page.getByTestId('viewer-ready').waitFor();
    await dropFile(page, Buffer.from('<html><body>Hello</body></html>'), 'invoice.html');
    assert.equal(await viewer.failureKind(), 'not-waxseal');
    await shot(page, '32-not-waxseal');
    await assertAccessible(page, 'not a waxseal message');
    await page.getByTestId('open-another').click();
    const newer = Buffer.concat([Buffer.from([0x89, 0x57, 0x58, 0x53, 0x0d, 0x0a, 0x1a, 0x0a, 0x03]), Buffer.alloc(64)]);
    await dropFile(page, newer, 'message.waxseal');
    assert.equal(await viewer.failureKind(), 'newer-version');
    assert.match(await viewer.failure.textContent(), /format 3/);
    await shot(page, '33-newer-version');
  } finally {
    await context.close();
  }
});

describe("the key server's other answers", () => {
  let sealed;
  before(async () => {
    sealed = await sealSample();
  });

  /** Opens a sealed message on the viewer's own page with the key server's answers replaced. */
  async function withAnswers(answer) {
    const opened = await newPage();
    await opened.page.route(`${stack.url}/v1/**`, (route) => answer(route, new URL(route.request().url()).pathname));
    await opened.viewer.pick(stack.url, sealed.path);
    return opened;
  }

  const problem = (route, name, status, extra = {}) =>
    route.fulfill({
      status,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: `urn:waxseal:problem:${name}`, title: name, status, ...extra }),
    });
  const sent = (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: '{"reference":"K7Q-M2X","expires_in":600,"resend_after":60}',
    });

  for (const [name, status] of [
    ['expired', 410],
    ['unknown-message', 404],
  ]) {
    test(`the key server says ${name}`, async () => {
      const { context, page, viewer } = await withAnswers((route) => problem(route, name, status));
      try {
        await viewer.sendPasscode.click();
        assert.equal(await viewer.failureKind(), name);
        assert.equal(await page.getByTestId('retry').count(), 0);
        await shot(page, `42-${name}`);
        await assertAccessible(page, `the ${name} screen`);
      } finally {
        await context.close();
      }
    });
  }

  test('too many wrong passcodes, then a new one', async () => {
    const { context, page, viewer } = await withAnswers((route, path) =>
      path.endsWith('/passcode') ? sent(route) : problem(route, 'too-many-tries', 400, { tries_left: 0 }),
    );
    try {
      assert.equal(await viewer.askForPasscode(), 'K7Q-M2X');
      await viewer.typePasscode('1234 5678');
      assert.equal(await viewer.failureKind(), 'too-many-tries');
      assert.match(await viewer.failure.textContent(), /you@example\.com/);
      await shot(page, '50-too-many-tries');
      await assertAccessible(page, 'too many tries');
      await page.getByTestId('new-passcode').click();
      await viewer.sendPasscode.waitFor();
    } finally {
      await context.close();
    }
  });

  test('throttled: says when to try again, and waits', async () => {
    const { context, page, viewer } = await withAnswers((route) => problem(route, 'throttled', 429, { retry_after: 42 }));
    try {
      await viewer.sendPasscode.click();
      await viewer.notice.waitFor();
      assert.match(await viewer.notice.textContent(), /You can try again in 4[12] seconds\./);
      assert.equal(await viewer.sendPasscode.isDisabled(), true);
      await shot(page, '51-throttled');
      await assertAccessible(page, 'throttled');
    } finally {
      await context.close();
    }
  });

  test('a passcode that is not all digits is refused here, without using a try', async () => {
    let verifies = 0;
    const { context, viewer } = await withAnswers((route, path) => {
      if (path.endsWith('/verify')) verifies += 1;
      return path.endsWith('/passcode') ? sent(route) : problem(route, 'wrong-passcode', 400, { tries_left: 1 });
    });
    try {
      await viewer.askForPasscode();
      await viewer.typePasscode('12O4 5678');
      await viewer.notice.waitFor();
      assert.equal(await viewer.notice.textContent(), 'Type the digits of the passcode from the e-mail.');
      assert.equal(verifies, 0);
      await viewer.typePasscode('1204 5678');
      await viewer.notice.filter({ hasText: '1 try left' }).waitFor();
      assert.equal(verifies, 1);
    } finally {
      await context.close();
    }
  });

  test('an unreachable key server, then a retry that works', async () => {
    let reachable = false;
    const { context, page, viewer } = await withAnswers((route) =>
      reachable ? sent(route) : route.abort('connectionrefused'),
    );
    try {
      await viewer.sendPasscode.click();
      assert.equal(await viewer.failureKind(), 'unreachable');
      assert.equal(await viewer.failure.getByTestId('key-server').textContent(), host());
      await shot(page, '52-unreachable');
      await assertAccessible(page, 'unreachable');
      reachable = true;
      await page.getByTestId('retry').click();
      assert.equal(await viewer.reference.textContent(), 'K7Q-M2X');
    } finally {
      await context.close();
    }
  });

  test('a key server failure', async () => {
    const { context, page, viewer } = await withAnswers((route) => problem(route, 'internal', 500));
    try {
      await viewer.sendPasscode.click();
      assert.equal(await viewer.failureKind(), 'server-error');
      await shot(page, '53-server-error');
      await assertAccessible(page, 'a key server failure');
    } finally {
      await context.close();
    }
  });
});

test('the privacy statement, linked from the footer, in each language', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(stack.url + '/');
    await page.getByTestId('viewer-ready').waitFor();
    for (const [lang, heading, updated, replies, passkeys] of [
      ['en', 'Privacy', 'Last updated December 1, 2026', 'Replies', 'Passkeys'],
      ['zh-Hans', '隐私声明', '最后更新：2026年12月1日', '回复', '通行密钥'],
      ['da', 'Privatliv', 'Senest opdateret 1. december 2026', 'Svar', 'Adgangsnøgler'],
    ]) {
      await page.getByTestId('language').selectOption(lang);
      // The screen changes once the language's file is loaded.
      await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
      await page.getByTestId('privacy-link').click();
      await page.getByTestId('privacy').waitFor();
      assert.equal(await page.locator('#main h1').textContent(), heading);
      assert.equal(await page.getByTestId('privacy-updated').textContent(), updated);
      // What a secure reply shares, and what the key server keeps of it.
      assert.equal(await page.getByRole('heading', { name: replies, exact: true }).count(), 1);
      // What a passkey stores, and why.
      assert.equal(await page.getByRole('heading', { name: passkeys, exact: true }).count(), 1);
      await shot(page, `60-privacy-${lang}`);
      await assertAccessible(page, `the privacy statement (${lang})`);
      await page.goBack();
      await page.getByTestId('viewer-ready').waitFor();
    }
  } finally {
    await context.close();
  }
});

// End-to-end tests of the viewer's screens against the real product, written once and run in
// each browser engine (WAXSEAL_BROWSER=chromium|firefox|webkit; ./support/browsers.mjs): messages
// sealed with the `waxseal` CLI, the key-release server (`waxseal serve`, which also serves the
// built viewer) behind a front that records every request it gets, passcodes read from a real
// SMTP server (./support/stack.mjs), remote images on a recording HTTPS server
// (./support/remote.mjs).
//
// Covers the journey from file:// and from the viewer's own page (picked and dropped), a wrong
// then a right passcode, the inline image, the attachment and the .eml byte for byte, the body's
// sandbox and remote content, the privacy promise (no request carries envelope or plaintext
// bytes), a tampered file, a forged sender, a large message, a revoked message, an open limit, an
// untrusted key server, the other failure screens (with the key server's answers replaced where a
// real one cannot be produced quickly: expiry, throttling, unreachable, 5xx), three languages
// and how a language is loaded (languages.spec.mjs has the rest), a phone (390×844), the dark
// theme, the privacy statement, a secure reply with an attachment sealed in the page, its
// refusals (too large for the key server, the reply limit, too large for the mail server; the
// draft kept), a proof renewed while a reply is written, no reply without a reply key
// (reply.spec.mjs has the rest), and the viewer's and the reply sealer's files refused when
// they fail their integrity check.
// Every screen gets a screenshot (artifacts/screenshots/<engine>/) and an axe-core scan.
//
// Needs dist/ (trunk build --release --cargo-profile wasm-release), target/debug/waxseal and
// waxseal-server, and the Python venv with aiosmtpd; scripts/test.sh prepares all of them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readMail, startStack } from './support/stack.mjs';
import { ENGINE, assertAccessible, launch, root, tid } from './support/browsers.mjs';
import { Screens } from './support/screens.mjs';
import { startRemote } from './support/remote.mjs';
import { passcodeFrom, serveDist } from './support/viewer.mjs';

const sampleHtml = (remote) => `<!doctype html>
<html><body style="font-family: Georgia, serif; max-width: 36em">
<p><img src="cid:seal.png" alt="A red wax seal" width="64" height="64"></p>
<h1>Your travel documents</h1>
<p><a id="to-end" href="#end">Jump to the end</a></p>
<p>Dear guest,</p>
<p>Your itinerary is attached. Remote images like the one below stay blocked until you allow them:</p>
<p><img src="${remote}/tracking-pixel.png" alt="A remote image" width="120" height="40"></p>
<p style="background-image: url(${remote}/background.png)">Kind regards,<br>Alice</p>
<script>new Image().src = '${remote}/script-ran';</script>
<img src="cid:none" alt="" onerror="new Image().src = '${remote}/handler-ran'">
<div style="height: 3000px"></div>
<p id="end">The end of the message.</p>
</body></html>`;
const SAMPLE_TEXT = 'Dear guest,\n\nYour itinerary is attached.\n';
const ATTACHMENT = 'day,from,to,departs\n1,Copenhagen,Shanghai,09:40\n8,Shanghai,Copenhagen,13:05\n';
const SENDER = 'Alice at the waxseal demo <alice@example.com>';

let stack;
let engine;
let remote;
let plainViewer;

before(async () => {
  stack = await startStack({ front: true });
  remote = await startRemote();
  engine = await launch();
  plainViewer = await serveDist();
  await writeFile(join(stack.dir, 'letter.html'), sampleHtml(remote.origin));
  await writeFile(join(stack.dir, 'letter.txt'), SAMPLE_TEXT);
  await writeFile(join(stack.dir, 'itinerary.csv'), ATTACHMENT);
  await writeFile(join(stack.dir, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
});

after(async () => {
  // Everything is stopped even if one of them fails (a process left running keeps the test
  // file from ending).
  const stopped = await Promise.allSettled([
    engine?.close(),
    new Promise((done) => (plainViewer ? plainViewer.server.close(done) : done())),
    remote?.stop(),
    stack?.stop(),
  ]);
  for (const s of stopped) if (s.status === 'rejected') throw s.reason;
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
const fileUrl = (path) => pathToFileURL(path).href;

async function newPage(options) {
  const page = await engine.newPage(options);
  return { page, screens: new Screens(page) };
}

/** The envelope inside a message.html. */
function envelopeOf(html) {
  const b64 = html.match(/id="waxseal-envelope">([\s\S]*?)<\/script>/)[1].replace(/\s/g, '');
  return Buffer.from(b64, 'base64');
}

/**
 * Console errors that are the expected side of a test: an answer of 4xx; what the body's policy
 * blocks from the recording server (the mail's remote background before it is allowed); and, in
 * Chromium, the page's policy refusing the mail's `onerror` attribute: Chromium checks the policy
 * when its parser meets an event-handler attribute, even in the inert document that the body is
 * parsed into (and that is never shown: the attribute is gone from the body in the frame). The
 * recording server shows that the handler never ran, in any engine.
 */
const expectedErrors = (e) =>
  /status of 4\d\d/.test(e) ||
  e.includes(remote.origin) ||
  (ENGINE === 'chromium' && e.startsWith('Executing inline event handler violates the following Content Security Policy directive'));

test('a message.html opened from disk: summary, a wrong and a right passcode, the message, nothing of it sent anywhere', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage();
  const from = stack.front.requests.length;
  try {
    await page.goto(fileUrl(sealed.path));
    await screens.waitForSummary();
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
    assert.equal(await page.isVisible('#waxseal-carrier'), false);
    assert.equal(await page.text(`${tid('summary')} ${tid('key-server')}`), host());
    assert.equal(await page.text(tid('sender')), SENDER);
    assert.equal(await page.text(tid('recipients')), 'you@example.com');
    assert.equal(await page.text(tid('address')), 'you@example.com');
    // The key server vouches for who sent it: the organisation that registered it.
    assert.equal(await page.text(tid('organisation')), 'Acme Bank');
    // Nothing about the person goes to the key server before the click (link scanners open
    // attachments too): at most the questions which organisation registered the message and
    // which accounts it accepts.
    assert.deepEqual(stack.front.calls(from), ['GET /v1/messages/ID/sender', 'GET /v1/config']);
    await page.shot('01-summary');
    await assertAccessible(page, 'the summary');

    const reference = await screens.askForPasscode();
    const mail = await nextPasscode();
    assert.equal(reference, mail.reference, 'the page shows the reference code of the mail');
    // Focus moves to the passcode (once the step is drawn).
    await page.waitUntil(() => document.activeElement?.id === 'passcode', [], { what: 'focus on the passcode' });
    assert.equal(await page.attr(tid('passcode'), 'inputmode'), 'numeric');
    assert.equal(await page.attr(tid('passcode'), 'autocomplete'), 'one-time-code');
    await page.shot('02-passcode');
    await assertAccessible(page, 'the passcode step');

    // A wrong passcode says how many tries are left.
    const wrong = (mail.code[0] === '9' ? '0' : String(Number(mail.code[0]) + 1)) + mail.code.slice(1);
    await screens.typePasscode(wrong);
    assert.equal(await screens.notice(), 'That passcode is not right. 4 tries left.');
    await page.shot('03-wrong-passcode');
    await assertAccessible(page, 'a wrong passcode');

    // The right one, typed with a space and a dash, opens the message.
    await screens.typePasscode(`${mail.code.slice(0, 4)} - ${mail.code.slice(4)}`);
    await screens.waitForMessage();
    assert.equal(await page.text(tid('subject')), 'Your travel documents');
    assert.equal(await page.text(tid('from')), SENDER);
    assert.equal(await page.text(tid('to')), 'you@example.com');
    await page.waitUntil(() => document.activeElement?.id === 'message-subject', [], { what: 'focus on the message' });

    // The HTML body, sandboxed, with its inline image and without the remote one.
    // No scripts and an opaque origin: the body cannot reach the viewer.
    assert.equal(await page.attr(tid('html-body'), 'sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    assert.equal(
      await page.evaluate(() => document.querySelector('[data-testid=html-body]').contentDocument),
      null,
      'the body frame is not same-origin with the viewer',
    );
    const body = await page.frame(tid('html-body'));
    await body.waitFor('h1');
    assert.equal(await body.text('h1'), 'Your travel documents');
    const inline = await body.attr('img[alt="A red wax seal"]', 'src');
    assert.match(inline, /^data:image\/png;base64,/);
    assert.deepEqual(
      Buffer.from(inline.split(',')[1], 'base64'),
      await readFile(join(root, 'crates/cli/assets/seal.png')),
      'the inline image is the sealed one',
    );
    assert.equal(await body.attr('img[alt="A remote image"]', 'src'), null);
    assert.equal(await body.count('script'), 0, 'the mail lost its script');
    // The mail's own styles apply inside the frame (which applies them itself).
    assert.equal(await body.evaluate(() => getComputedStyle(document.body).fontFamily), 'Georgia, serif');
    // A #fragment link scrolls inside the body, which stays the message (and the viewer its page).
    const viewerUrl = await page.url();
    await body.click('#to-end');
    await body.waitUntil(() => window.scrollY > 1000, [], { what: 'the body to scroll to #end' });
    assert.match(await body.evaluate(() => location.href), /^about:srcdoc/);
    assert.equal(await body.text('#end'), 'The end of the message.');
    assert.equal(await page.url(), viewerUrl);
    await body.evaluate(() => window.scrollTo(0, 0));
    await page.waitFor(tid('remote-bar'));
    await page.shot('04-message');
    await assertAccessible(page, 'the message');

    // The attachment, byte for byte; the whole message as .eml.
    assert.equal(await page.count(tid('attachment')), 1);
    assert.equal(await page.text(tid('attachment-name')), 'itinerary.csv');
    assert.equal(await page.text(tid('attachment-type')), 'text/csv');
    // Its link is an inert download, whatever the mail says it is: opened in a tab, a blob of the
    // mail's own type (text/html, image/svg+xml) would render as a page of the viewer's origin.
    assert.deepEqual(await page.evaluate(() => window.__blobTypes), ['application/octet-stream']);
    const download = await page.download(tid('attachment-download'));
    assert.equal(download.name, 'itinerary.csv');
    assert.equal(download.bytes.toString('utf8'), ATTACHMENT);
    const eml = await page.download(tid('save-eml'));
    assert.equal(eml.name, 'Your travel documents.eml');
    assert.match(eml.bytes.toString('utf8'), /^Subject: Your travel documents\r?$/m);
    assert.deepEqual(await page.evaluate(() => window.__blobTypes), ['application/octet-stream', 'application/octet-stream']);

    // The privacy promise: no request carried any part of the payload or of the plaintext (before
    // the person chooses to load the message's remote images, whose addresses are its own).
    await stack.front.waitForCall('POST /v1/usage', from);
    const envelope = envelopeOf(await readFile(sealed.path, 'utf8'));
    const payload = envelope.subarray(envelope.length - 2000);
    const needles = ['Dear guest', 'Your itinerary', 'Copenhagen', 'tracking-pixel', 'travel documents'];
    for (let i = 0; i + 24 <= payload.length; i += 97) {
      const piece = payload.subarray(i, i + 24);
      needles.push(piece.toString('hex'), piece.toString('base64url').slice(4, 28), piece.toString('base64').slice(4, 28));
    }
    const sent = stack.front.requests.slice(from);
    assert.ok(sent.length > 7, 'the front saw the viewer and its calls');
    for (const r of sent) {
      const text = [r.path, JSON.stringify(r.headers), r.body.toString('latin1')].join('\n');
      for (const needle of needles) {
        assert.ok(!text.includes(needle), `${r.method} ${r.path} carries part of the message (${needle})`);
      }
    }
    // And these are all the calls made to the key server: the last, the usage report.
    assert.deepEqual(stack.front.calls(from), [
      'GET /v1/messages/ID/sender',
      'GET /v1/config',
      'POST /v1/messages/ID/passcode',
      'POST /v1/messages/ID/verify',
      'POST /v1/messages/ID/verify',
      'POST /v1/messages/ID/release',
      'POST /v1/usage',
    ]);
    // Nothing remote was fetched, and no script of the mail ran.
    assert.deepEqual(remote.paths(), []);

    // Remote images only after a click; the mail's script and handler never run.
    await page.click(tid('show-remote'));
    await page.waitFor(tid('remote-bar'), { state: 'detached' });
    const after = await page.frame(tid('html-body'));
    assert.equal(await after.attr('img[alt="A remote image"]', 'src'), `${remote.origin}/tracking-pixel.png`);
    await after.waitUntil(() => document.querySelector('img[alt="A remote image"]').complete);
    await after.waitUntil(() => document.querySelector('img[alt="A remote image"]').naturalWidth === 1, [], {
      what: 'the remote image to load',
    });
    assert.deepEqual([...new Set(remote.paths())].sort(), ['/background.png', '/tracking-pixel.png']);
    assert.equal(remote.requests.find((r) => r.path === '/tracking-pixel.png').headers.referer, undefined, 'no referrer');
    await page.shot('05-remote-allowed');

    screens.assertNoProblems(expectedErrors);
  } finally {
    await page.close();
  }
});

test("dropped on the viewer's page, in Danish, on a phone (390×844)", async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage({ viewport: { width: 390, height: 844 }, locale: 'da-DK' });
  try {
    await screens.openViewer(stack.url + '/');
    assert.equal(await screens.heading(), 'Åbn en krypteret besked');
    await page.shot('10-open-a-file-da-phone');
    await assertAccessible(page, 'the file picker');
    await screens.drop(await readFile(sealed.path), 'message.html');
    await screens.waitForSummary();
    assert.equal(await page.text(tid('send-passcode')), 'Send mig en kode på e-mail');
    await page.shot('11-summary-da-phone');
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(await noSideways(), 'no sideways scrolling');
    const reference = await screens.askForPasscode();
    const mail = await nextPasscode();
    assert.equal(reference, mail.reference);
    await page.shot('12-passcode-da-phone');
    await screens.typePasscode(mail.code);
    await screens.waitForMessage();
    assert.equal(await page.text(tid('save-eml')), 'Gem hele beskeden (.eml)');
    assert.ok(await noSideways(), 'no sideways scrolling');
    await page.shot('13-message-da-phone');
    await assertAccessible(page, 'the message on a phone');
    screens.assertNoProblems(expectedErrors);
  } finally {
    await page.close();
  }
});

test('Arabic on a phone: the page right to left, the file dropped, the summary', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage({ viewport: { width: 390, height: 844 }, locale: 'ar-EG' });
  try {
    await screens.openViewer(stack.url + '/');
    assert.deepEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ['ar', 'rtl']);
    assert.equal(await screens.heading(), 'فتح رسالة مشفّرة');
    await screens.drop(await readFile(sealed.path), 'message.html');
    await screens.waitForSummary();
    assert.equal(await page.text(tid('send-passcode')), 'أرسل لي رمز مرور بالبريد الإلكتروني');
    // The sender's address stays left to right inside the right-to-left text.
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=sender] bdi')).direction), 'ltr');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await page.shot('14-summary-ar-phone');
    await assertAccessible(page, 'the summary in Arabic');
  } finally {
    await page.close();
  }
});

test('a tampered file is refused after the key release and nothing of it is shown (Chinese, dark)', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage({ colorScheme: 'dark', locale: 'zh-CN' });
  try {
    // One base64 character inside the payload changes (a few lines before the end).
    const lines = (await readFile(sealed.path, 'utf8')).split('\n');
    const end = lines.findIndex((l) => l.startsWith('</script>'));
    const line = lines[end - 3];
    lines[end - 3] = line.slice(0, 10) + (line[10] === 'A' ? 'B' : 'A') + line.slice(11);
    const tampered = join(stack.dir, `tampered-${ENGINE}.html`);
    await writeFile(tampered, lines.join('\n'));

    await page.goto(fileUrl(tampered));
    await screens.waitForSummary();
    // The dark theme.
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(20, 19, 17)');
    assert.equal(await page.text(tid('send-passcode')), '通过电子邮件发送验证码');
    await page.shot('20-summary-zh-dark');
    await assertAccessible(page, 'the summary, dark');
    await screens.askForPasscode();
    const mail = await nextPasscode();
    await page.shot('21-passcode-zh-dark');
    await screens.typePasscode(mail.code);
    assert.equal(await screens.failureKind(), 'damaged');
    assert.equal(await page.count(tid('message')), 0);
    assert.equal(await screens.heading(), '此邮件已被篡改或损坏');
    await page.shot('22-damaged-zh-dark');
    await assertAccessible(page, 'the damaged screen');
    // The visible switch turns the screen into English.
    await page.select(tid('language'), 'en');
    await page.waitFor('#main h1', { text: 'This message was altered or damaged' });
    await page.shot('23-damaged-dark');
  } finally {
    await page.close();
  }
});

test('an intercepted message.html whose sender was changed is refused before a passcode is asked for', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage();
  try {
    // The header names another sender of the same length: the envelope still parses, and only
    // the decryption (never reached) would notice.
    const envelope = envelopeOf(await readFile(sealed.path, 'utf8'));
    const forged = Buffer.from(envelope.toString('latin1').replace('"alice@example.com"', '"alice@example.org"'), 'latin1');
    assert.notDeepEqual(forged, envelope);
    const path = join(stack.dir, `forged-${ENGINE}.html`);
    const html = await readFile(sealed.path, 'utf8');
    await writeFile(
      path,
      html.replace(/(id="waxseal-envelope">)[\s\S]*?(<\/script>)/, (_, open, close) => `${open}${forged.toString('base64')}${close}`),
    );
    const from = stack.front.requests.length;
    await page.goto(fileUrl(path));
    assert.equal(await screens.failureKind(), 'sender-mismatch');
    assert.equal(await screens.heading(), "This message's sender cannot be confirmed");
    assert.equal(
      await page.text(`${tid('failure')} p`),
      'The message says it is from alice@example.org, but the key server has it registered by Acme Bank as sent from alice@example.com. Do not trust it and do not ask for a passcode; report it to Acme Bank or to your IT team.',
    );
    assert.deepEqual(
      stack.front.calls(from).filter((c) => c !== 'POST /v1/usage'),
      ['GET /v1/messages/ID/sender'],
      'no passcode was asked for',
    );
    await page.shot('24-sender-mismatch');
    await assertAccessible(page, 'the sender-mismatch screen');
  } finally {
    await page.close();
  }
});

/** Records, in the page, every text the progress line shows. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid=progress-text]')?.textContent;
      if (text && window.progressSeen.at(-1)?.[1] !== text) window.progressSeen.push([performance.now(), text]);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

// WebCrypto as it is; WebCrypto as on a slow device (each chunk's plaintext answered 20 ms late,
// by a wrapper the test puts in the page before the passcode is typed); and the aes-gcm fallback,
// reached by hiding crypto.subtle before the viewer's own script runs, which needs a script in
// every new document: Chromium and Firefox offer one, WebKit's WebDriver does not (WebKit itself
// offers crypto.subtle wherever the viewer runs: file:// and https).
const fallbacks = ENGINE === 'webkit' ? ['webcrypto', 'slow webcrypto'] : ['webcrypto', 'slow webcrypto', 'aes-gcm'];

// A 24 MiB attachment; 48 MiB for the portable engine, which must take long enough (well over
// the 300 ms before the progress screen shows) for the bar to be seen moving on a fast machine
// too: about 1.2 s here. Slowed, WebCrypto takes 0.7-0.8 s for 24 MiB (48 windows).
const LARGE_MIB = { webcrypto: 24, 'slow webcrypto': 24, 'aes-gcm': 48 };

test(`a large message: a progress bar while every chunk is checked (${fallbacks.join(', ')})`, async () => {
  for (const crypto of fallbacks) {
    const big = Buffer.alloc(LARGE_MIB[crypto] * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(join(stack.dir, 'big.bin'), big);
    const sealed = await sealSample({ extra: ['--attach', 'big.bin'] });
    if (crypto === 'webcrypto') {
      // The envelope's text is split into elements of at most 1 MiB (spec §7), which WebKit's
      // parser reads in a second instead of minutes; the viewer reads them as one.
      const carrier = await readFile(sealed.path, 'latin1');
      const elements = carrier.split('<script type="application/vnd.waxseal.envelope+base64"').slice(1);
      // 24 MiB in MIME's base64 is 34.4 MB of envelope, 46.0 M characters of base64.
      assert.equal(elements.length, 46, 'the envelope in 46 elements');
      assert.ok(elements.slice(0, -1).every((e) => e.split('\n').length === 13_312 + 3), 'of 13,312 lines each but the last');
    }
    const { page, screens } = await newPage();
    try {
      if (crypto === 'aes-gcm') {
        // As on a plain-http page, where browsers offer no crypto.subtle.
        await page.scriptEveryDocument(() => Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined }));
      }
      await page.goto(fileUrl(sealed.path));
      await screens.waitForSummary();
      assert.equal(await page.evaluate(() => typeof crypto.subtle), crypto === 'aes-gcm' ? 'undefined' : 'object');
      await screens.askForPasscode();
      const mail = await nextPasscode();
      await recordProgress(page);
      if (crypto === 'slow webcrypto') {
        await page.evaluate(() => {
          const decrypt = SubtleCrypto.prototype.decrypt;
          SubtleCrypto.prototype.decrypt = function (...args) {
            return decrypt.apply(this, args).then((plaintext) => new Promise((answer) => setTimeout(answer, 20, plaintext)));
          };
        });
      }
      await screens.typePasscode(mail.code);
      if (crypto !== 'webcrypto') {
        await page.waitFor(tid('progress-text'), { text: /^[1-9]\d?% · /, timeout: 60_000 });
        await page.shot(crypto === 'aes-gcm' ? '06-decrypting-aes-gcm' : '06-decrypting');
        // The page answers while it decrypts.
        assert.equal(await page.evaluate(() => 1 + 1), 2);
      }
      await screens.waitForMessage();
      const seen = await page.evaluate(() => window.progressSeen);
      const texts = seen.map(([, text]) => text).join(' | ');
      // The viewer's own measure of the decryption (src/decrypt.rs), on the same clock.
      const [measure] = await page.evaluate(() =>
        performance.getEntriesByName('waxseal-decrypt').map((m) => ({ start: m.startTime, duration: m.duration })),
      );
      // The progress screen shows only once the decryption has run for 300 ms: a quicker one
      // (WebCrypto here, in every engine) goes from the passcode to the message with no flash of
      // it in between.
      if (measure.duration < 300) {
        assert.deepEqual(seen, [], `${crypto}: no progress screen for a decryption of ${Math.round(measure.duration)} ms`);
      } else if (seen.length > 0) {
        assert.ok(seen[0][0] - measure.start >= 300, `${crypto}: the progress screen shown ${Math.round(seen[0][0] - measure.start)} ms in`);
      }
      // The percentages only grow (the message replaces the bar once it is done).
      const percents = seen.map(([, t]) => Number(t.match(/^(\d+)%/)[1]));
      assert.ok(percents.every((p, i) => i === 0 || p >= percents[i - 1]), `${crypto}: ${percents}`);
      // The bar is redrawn at most every 100 ms (each redraw is time not spent decrypting). The
      // page sees a change up to one batch of chunks late, so n changes span at least
      // (n - 2) × 100 ms as the page saw them. Before the limit: a change at every percent.
      const span = seen.length ? seen.at(-1)[0] - seen[0][0] : 0;
      assert.ok(seen.length <= Math.floor(span / 100) + 2, `${crypto}: ${seen.length} changes in ${Math.round(span)} ms: ${texts}`);
      if (crypto !== 'webcrypto') {
        // Slowed WebCrypto and the portable engine take long enough here for the bar to show,
        // move, and pass half way.
        assert.ok(
          seen.length >= 3 && percents.at(-1) >= 50,
          `${crypto}: the progress moved (${texts}) in a decryption of ${Math.round(measure.duration)} ms`,
        );
      }
      assert.deepEqual(await page.texts(tid('attachment-name')), ['itinerary.csv', 'big.bin']);
      const download = await page.download(`${tid('attachment')}:nth-of-type(2) ${tid('attachment-download')}`);
      assert.equal(download.name, 'big.bin');
      assert.ok(big.equals(download.bytes), `${crypto}: the large attachment, byte for byte`);
    } finally {
      await page.close();
    }
  }
});

test('a message the sender revoked', async () => {
  const sealed = await sealSample();
  await stack.waxseal(['revoke', sealed.id]);
  const { page, screens } = await newPage();
  try {
    await page.goto(fileUrl(sealed.path));
    await screens.waitForSummary();
    await page.click(tid('send-passcode'));
    assert.equal(await screens.failureKind(), 'revoked');
    assert.equal(await screens.heading(), 'The sender withdrew this message');
    assert.equal(await page.count(tid('retry')), 0);
    await page.shot('40-revoked');
    await assertAccessible(page, 'the revoked screen');
  } finally {
    await page.close();
  }
});

test('several recipients; an open limit reached by another of them', async () => {
  const sealed = await sealSample({ to: ['you@example.com', 'colleague@example.org'], extra: ['--max-opens', '1'] });
  const first = await newPage();
  try {
    await first.page.goto(fileUrl(sealed.path));
    await first.screens.waitForSummary();
    // Nothing is chosen for the person: the button waits for a choice.
    assert.equal(await first.screens.isDisabled(tid('send-passcode')), true);
    await first.page.check('you@example.com');
    await first.page.shot('05-choose-address');
    await assertAccessible(first.page, 'the address choice');
    await first.screens.askForPasscode();
    await first.screens.typePasscode((await nextPasscode()).code);
    await first.screens.waitForMessage();
  } finally {
    await first.page.close();
  }
  const { page, screens } = await newPage();
  try {
    await page.goto(fileUrl(sealed.path));
    await screens.waitForSummary();
    await page.check('colleague@example.org');
    await page.click(tid('send-passcode'));
    assert.equal(await screens.failureKind(), 'open-limit-reached');
    await page.shot('41-open-limit-reached');
    await assertAccessible(page, 'the open-limit screen');
  } finally {
    await page.close();
  }
});

test('an envelope naming a key server the viewer does not trust is refused before anything is sent', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage();
  try {
    // This copy of the viewer's config.json trusts no key server.
    await screens.openViewer(plainViewer.url);
    await page.shot('30-open-a-file');
    const from = stack.front.requests.length;
    await page.setFile(tid('file-input'), sealed.path);
    assert.equal(await screens.failureKind(), 'untrusted');
    assert.equal(await page.text(`${tid('failure')} ${tid('key-server')}`), host());
    assert.deepEqual(stack.front.requests.slice(from), [], 'no request went to the untrusted key server');
    await page.shot('31-untrusted');
    await assertAccessible(page, 'the untrusted screen');
    await page.click(tid('open-another'));
    await page.waitFor(tid('viewer-ready'));
  } finally {
    await page.close();
  }
});

test('not a waxseal message, and one made by a newer version', async () => {
  const { page, screens } = await newPage();
  try {
    await screens.openViewer(stack.url + '/');
    await screens.drop(Buffer.from('<html><body>Hello</body></html>'), 'invoice.html');
    assert.equal(await screens.failureKind(), 'not-waxseal');
    await page.shot('32-not-waxseal');
    await assertAccessible(page, 'not a waxseal message');
    await page.click(tid('open-another'));
    await page.waitFor(tid('viewer-ready'));
    const newer = Buffer.concat([Buffer.from([0x89, 0x57, 0x58, 0x53, 0x0d, 0x0a, 0x1a, 0x0a, 0x03]), Buffer.alloc(64)]);
    await screens.drop(newer, 'message.waxseal');
    assert.equal(await screens.failureKind(), 'newer-version');
    assert.match(await page.text(tid('failure')), /format 3/);
    await page.shot('33-newer-version');
  } finally {
    await page.close();
  }
});

describe("the key server's other answers", () => {
  let sealed;
  before(async () => {
    sealed = await sealSample();
  });
  after(() => {
    stack.front.answer = null;
  });

  /** Opens a sealed message on the viewer's own page with the key server's API answers
   * replaced by `answer(path, request)` (see startFront). */
  async function withAnswers(answer) {
    const opened = await newPage();
    stack.front.answer = (r) => (r.path.startsWith('/v1/') ? answer(r.path, r) : undefined);
    await opened.screens.pick(stack.url + '/', sealed.path);
    return opened;
  }

  const problem = (name, status, extra = {}) => ({
    status,
    body: { type: `urn:waxseal:problem:${name}`, title: name, status, ...extra },
  });
  const SENT = { status: 200, body: { reference: 'K7Q-M2X', expires_in: 600, resend_after: 60 } };

  for (const [name, status] of [
    ['expired', 410],
    ['unknown-message', 404],
  ]) {
    test(`the key server says ${name}`, async () => {
      const { page, screens } = await withAnswers(() => problem(name, status));
      try {
        await page.click(tid('send-passcode'));
        assert.equal(await screens.failureKind(), name);
        assert.equal(await page.count(tid('retry')), 0);
        await page.shot(`42-${name}`);
        await assertAccessible(page, `the ${name} screen`);
      } finally {
        await page.close();
      }
    });
  }

  test('in Arabic, right to left: each failure screen the key server causes, scanned and screenshotted', async () => {
    const kinds = [];
    for (const [name, answer] of [
      ['expired', () => problem('expired', 410)],
      ['revoked', () => problem('revoked', 410)],
      ['open-limit', () => problem('open-limit-reached', 410)],
      ['too-many-tries', () => problem('too-many-tries', 400, { tries_left: 0 })],
      ['unknown-message', () => problem('unknown-message', 404)],
      ['server-error', () => problem('internal', 500)],
      ['unreachable', () => 'reset'],
    ]) {
      const { page, screens } = await newPage({ locale: 'ar-EG' });
      try {
        await screens.pick(stack.url + '/', sealed.path);
        await screens.waitForSummary();
        // From here on the key server answers with the failure.
        stack.front.answer = (r) => (r.path.startsWith('/v1/') ? answer() : undefined);
        await page.click(tid('send-passcode'));
        kinds.push(await screens.failureKind());
        assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', name);
        // The heading is Arabic, from the file.
        assert.match(await screens.heading(), /[\u0600-\u06FF]/, name);
        await page.shot(`55-ar-failure-${name}`);
        await assertAccessible(page, `the ${name} screen in Arabic`);
      } finally {
        stack.front.answer = null;
        await page.close();
      }
    }
    assert.equal(new Set(kinds).size, 7, kinds.join(', '));
  });

  test('too many wrong passcodes, then a new one', async () => {
    const { page, screens } = await withAnswers((path) =>
      path.endsWith('/passcode') ? SENT : problem('too-many-tries', 400, { tries_left: 0 }),
    );
    try {
      assert.equal(await screens.askForPasscode(), 'K7Q-M2X');
      await screens.typePasscode('1234 5678');
      assert.equal(await screens.failureKind(), 'too-many-tries');
      assert.match(await page.text(tid('failure')), /you@example\.com/);
      await page.shot('50-too-many-tries');
      await assertAccessible(page, 'too many tries');
      await page.click(tid('new-passcode'));
      await page.waitFor(tid('send-passcode'));
    } finally {
      await page.close();
    }
  });

  test('throttled: says when to try again, and waits', async () => {
    const { page, screens } = await withAnswers(() => problem('throttled', 429, { retry_after: 42 }));
    try {
      await page.click(tid('send-passcode'));
      assert.match(await screens.notice(), /You can try again in 4[12] seconds\./);
      assert.equal(await screens.isDisabled(tid('send-passcode')), true);
      await page.shot('51-throttled');
      await assertAccessible(page, 'throttled');
    } finally {
      await page.close();
    }
  });

  test('a passcode that is not all digits is refused here, without using a try', async () => {
    let verifies = 0;
    const { page, screens } = await withAnswers((path) => {
      if (path.endsWith('/verify')) verifies += 1;
      return path.endsWith('/passcode') ? SENT : problem('wrong-passcode', 400, { tries_left: 1 });
    });
    try {
      await screens.askForPasscode();
      await screens.typePasscode('12O4 5678');
      assert.equal(await screens.notice(), 'Type the digits of the passcode from the e-mail.');
      assert.equal(verifies, 0);
      await screens.typePasscode('1204 5678');
      await screens.notice(/1 try left/);
      assert.equal(verifies, 1);
    } finally {
      await page.close();
    }
  });

  test('an unreachable key server, then a retry that works', async () => {
    let reachable = false;
    const { page, screens } = await withAnswers(() => (reachable ? SENT : 'reset'));
    try {
      await page.click(tid('send-passcode'));
      assert.equal(await screens.failureKind(), 'unreachable');
      assert.equal(await page.text(`${tid('failure')} ${tid('key-server')}`), host());
      await page.shot('52-unreachable');
      await assertAccessible(page, 'unreachable');
      reachable = true;
      await page.click(tid('retry'));
      await page.waitFor(tid('reference'));
      assert.equal(await page.text(tid('reference')), 'K7Q-M2X');
    } finally {
      await page.close();
    }
  });

  test('a key server failure', async () => {
    const { page, screens } = await withAnswers(() => problem('internal', 500));
    try {
      await page.click(tid('send-passcode'));
      assert.equal(await screens.failureKind(), 'server-error');
      await page.shot('53-server-error');
      await assertAccessible(page, 'a key server failure');
    } finally {
      await page.close();
    }
  });
});

test('the privacy statement, linked from the footer, in each language', async () => {
  const { page, screens } = await newPage();
  try {
    await screens.openViewer(stack.url + '/');
    for (const [lang, heading, updated, replies, passkeys] of [
      ['en', 'Privacy', 'Last updated December 1, 2026', 'Replies', 'Passkeys'],
      ['zh-Hans', '隐私声明', '最后更新：2026年12月1日', '回复', '通行密钥'],
      ['da', 'Privatliv', 'Senest opdateret 1. december 2026', 'Svar', 'Adgangsnøgler'],
    ]) {
      await page.select(tid('language'), lang);
      // The screen changes once the language's file is loaded.
      await page.waitFor(`html[lang="${lang}"]`, { state: 'attached' });
      await page.click(tid('privacy-link'));
      await page.waitFor(tid('privacy'));
      assert.equal(await screens.heading(), heading);
      assert.equal(await page.text(tid('privacy-updated')), updated);
      // What a secure reply shares, and what the key server keeps of it; what a passkey stores.
      const headings = await page.texts(`${tid('privacy')} h2, ${tid('privacy')} h3`);
      assert.ok(headings.includes(replies), `${lang}: a heading "${replies}" in ${headings}`);
      assert.ok(headings.includes(passkeys), `${lang}: a heading "${passkeys}" in ${headings}`);
      await page.shot(`60-privacy-${lang}`);
      await assertAccessible(page, `the privacy statement (${lang})`);
      await page.evaluate(() => history.back());
      await page.waitFor(tid('viewer-ready'));
    }
  } finally {
    await page.close();
  }
});

/** Opens `path` from disk and proves the address with the passcode that `on` (a stack) mails. */
async function openWithPasscode(page, screens, path, on = stack) {
  await page.goto(fileUrl(path));
  await screens.waitForSummary();
  await screens.askForPasscode();
  await screens.typePasscode(passcodeFrom(await on.nextMail()).code);
  await screens.waitForMessage();
}

/** Starts a reply: the form shows with the focus in its text. */
async function startReply(page) {
  await page.click(tid('reply'));
  await page.waitUntil(() => document.activeElement?.id === 'reply-text', [], { what: 'the reply form' });
}

test('a secure reply with an attachment, sealed in the page, relayed, and opened by the sender', async () => {
  const key = join(stack.dir, `reply-key-${ENGINE}.toml`);
  await stack.waxseal(['reply-key', 'new', '--key-id', '2026-12', '--out', key]);
  const sealed = await stack.seal([
    '--from', SENDER, '--to', 'Bob Jensen <bob@example.net>', '--subject', 'Delivery', '--text', 'letter.txt',
    '--reply-to', 'replies@acme.example', '--reply-key', key,
  ]);
  const line = `Confirmed from ${ENGINE}: Rosenvængets Allé 12, 2100 København Ø.`;
  const attachment = randomBytes(200_000);
  const file = join(stack.dir, `signed-form-${ENGINE}.pdf`);
  await writeFile(file, attachment);
  const { page, screens } = await newPage();
  const from = stack.front.requests.length;
  // Whether leaving the page now would ask first (the viewer's beforeunload handler; the prompt
  // itself is the browser's, and WebDriver accepts it unseen).
  const leavingAsks = () =>
    page.evaluate(() => {
      const leaving = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(leaving);
      return leaving.defaultPrevented;
    });
  try {
    await openWithPasscode(page, screens, sealed.path);
    // The original, saved as the recipient has it: its Message-ID is what the reply threads to.
    const saved = await page.download(tid('save-eml'));
    const originalPath = join(stack.dir, `original-${ENGINE}.eml`);
    await writeFile(originalPath, saved.bytes);
    const original = await readMail(originalPath);
    assert.match(original.message_id, /^<.+@.+>$/);
    assert.equal(await leavingAsks(), false, 'nothing written: leaving asks nothing');

    await startReply(page);
    assert.equal(await page.text(tid('reply-to')), 'replies@acme.example');
    await page.fill(tid('reply-text'), line);
    await page.setFile(tid('reply-file-input'), file);
    await page.waitFor(tid('reply-attachment'));
    assert.equal(await leavingAsks(), true, 'leaving with an unsent draft asks first');
    await page.shot('70-reply');
    await assertAccessible(page, 'the reply form');
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
    assert.equal(await leavingAsks(), false, 'sent: leaving asks nothing');
    await page.shot('71-reply-sent');

    // The relay mail, as the real SMTP server got it, opened with the organisation's key.
    const raw = await stack.nextMail();
    assert.ok(!raw.includes('Rosenv') && !raw.includes('signed-form'), 'the relay mail carries the reply sealed only');
    const { summary, path } = await stack.openReply(raw, `reply-${ENGINE}`, key);
    assert.deepEqual([summary.from, summary.verified, summary.verified_by], ['bob@example.net', true, 'passcode']);
    assert.equal(summary.in_reply_to, sealed.id);
    const reply = await readMail(path);
    assert.equal(reply.subject, 'Re: Delivery');
    assert.equal(reply.from, 'Bob Jensen <bob@example.net>');
    // Threaded to the original.
    assert.equal(reply.in_reply_to, original.message_id);
    assert.equal(reply.references, original.message_id);
    assert.ok(reply.text.startsWith(line), reply.text);
    assert.deepEqual(
      reply.attachments.map((a) => [a.name, Buffer.from(a.base64, 'base64').equals(attachment)]),
      [[`signed-form-${ENGINE}.pdf`, true]],
    );
    // No request carried the reply in clear, and the key server keeps none of it: not in its
    // database, not in its logs.
    const needles = [Buffer.from('Rosenv'), attachment.subarray(1000, 1064)];
    for (const r of stack.front.requests.slice(from)) {
      for (const needle of needles) assert.ok(!r.body.includes(needle) && !r.path.includes('Rosenv'), `${r.method} ${r.path} carries the reply's plaintext`);
    }
    const database = await readFile(stack.database);
    const logs = stack.logs();
    for (const needle of needles) {
      assert.ok(!database.includes(needle), "the key server's database holds none of the reply");
      assert.ok(!logs.includes(needle), "the key server's logs hold none of the reply");
    }
    screens.assertNoProblems(expectedErrors);
  } finally {
    await page.close();
  }
});

/** A message to bob@example.net on `on` (a stack) that takes secure replies; `replyKey` is the
 * path of the organisation's reply key. */
async function sealAnswerable(on, name) {
  const key = join(on.dir, `reply-key-${name}-${ENGINE}.toml`);
  await on.waxseal(['reply-key', 'new', '--key-id', '2026-12', '--out', key]);
  await writeFile(join(on.dir, 'letter.txt'), SAMPLE_TEXT);
  const sealed = await on.seal([
    '--from', SENDER, '--to', 'Bob Jensen <bob@example.net>', '--subject', 'Delivery', '--text', 'letter.txt',
    '--reply-to', 'replies@acme.example', '--reply-key', key,
  ]);
  return { ...sealed, replyKey: key };
}

const draftOf = (page) => page.evaluate((sel) => document.querySelector(sel).value, tid('reply-text'));

test('refusals keep the draft: a reply too large for the key server, then the reply limit (Chinese)', async () => {
  const sealed = await sealAnswerable(stack, 'limits');
  // 20 MiB of random bytes: more than 25 MiB once in base64.
  const scan = join(stack.dir, 'scan.bin');
  await writeFile(scan, randomBytes(20 * 1024 * 1024));
  const { page, screens } = await newPage({ locale: 'zh-CN' });
  try {
    await openWithPasscode(page, screens, sealed.path);
    await startReply(page);
    await page.fill(tid('reply-text'), '好的');
    await page.setFile(tid('reply-file-input'), scan);
    await page.waitFor(tid('reply-attachment'));
    await page.waitFor('.size-meter.over-limit');
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-problem'), { timeout: 60_000 });
    assert.match(await page.text(tid('reply-problem')), /超过了密钥服务器接受的 26\.2 MB/);
    assert.equal(await draftOf(page), '好的');
    await page.shot('72-reply-too-large-zh');
    assert.equal(await page.attr(tid('reply-remove'), 'aria-label'), '移除 scan.bin');
    await page.click(tid('reply-remove'));

    // The key server relays five replies per recipient and message; the sixth is refused.
    for (let i = 1; i <= 5; i++) {
      await page.click(tid('send-reply'));
      await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
      await stack.nextMail();
      await page.click(tid('back-to-message'));
      await startReply(page);
      await page.fill(tid('reply-text'), `第 ${i + 1} 封`);
    }
    const draft = await draftOf(page);
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-problem'));
    assert.equal(await page.text(tid('reply-problem')), '您对此邮件的回复次数已达到密钥服务器允许的上限。');
    assert.equal(await draftOf(page), draft);
    screens.assertNoProblems(expectedErrors);
  } finally {
    await page.close();
  }
});

test("a reply the organisation's mail server refuses for its size: said so, nothing counted, the draft kept", async () => {
  // A second stack whose SMTP server takes mails up to 40 000 bytes.
  const small = await startStack({ smtpMaxBytes: 40_000 });
  try {
    const sealed = await sealAnswerable(small, 'small');
    const form = join(small.dir, 'form.pdf');
    await writeFile(form, randomBytes(60_000));
    const { page, screens } = await newPage();
    try {
      await openWithPasscode(page, screens, sealed.path, small);
      await startReply(page);
      await page.fill(tid('reply-text'), 'The signed form is attached.');
      await page.setFile(tid('reply-file-input'), form);
      await page.waitFor(tid('reply-attachment'));
      await page.click(tid('send-reply'));
      await page.waitFor(tid('reply-problem'), { timeout: 30_000 });
      assert.equal(
        await page.text(tid('reply-problem')),
        "The sender's mail server refused your reply, most often because it is too large for it. Nothing was sent: remove an attachment and try again, or answer another way.",
      );
      assert.equal(await draftOf(page), 'The signed form is attached.');
      // Without the attachment it goes out.
      assert.equal(await page.attr(tid('reply-remove'), 'aria-label'), 'Remove form.pdf');
      await page.click(tid('reply-remove'));
      await page.click(tid('send-reply'));
      await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
      assert.match(await small.nextMail(), /^To: replies@acme\.example/m);
      screens.assertNoProblems(expectedErrors);
    } finally {
      await page.close();
    }
  } finally {
    await small.stop();
  }
});

test('a message sealed without a reply key offers no reply', async () => {
  const sealed = await sealSample();
  const { page, screens } = await newPage();
  try {
    await openWithPasscode(page, screens, sealed.path);
    assert.equal(await page.evaluate((sel) => document.querySelectorAll(sel).length, tid('reply')), 0);
  } finally {
    await page.close();
  }
});

test('the reply sealer loads only when a reply is started; a sealer file that fails its integrity check is never run, nothing is sent, the draft stays, and it is sent once the real file arrives', async () => {
  const sealed = await sealAnswerable(stack, 'integrity');
  const SCRIPT = /\/waxseal-reply-[0-9a-f]+\.js$/;
  const WASM = /\/waxseal-reply-[0-9a-f]+_bg\.wasm$/;
  const UNAVAILABLE =
    'The part of the viewer that seals replies could not be loaded, so nothing was sent. Your reply is kept; check your connection and try again.';
  const line = `Confirmed from ${ENGINE}, after a second try.`;
  const { page, screens } = await newPage();
  const from = stack.front.requests.length;
  const replies = () => stack.front.calls(from).filter((c) => c.startsWith('POST /v1/messages/ID/reply'));
  try {
    await openWithPasscode(page, screens, sealed.path);
    assert.deepEqual(stack.front.requests.slice(from).filter((r) => /waxseal-reply-/.test(r.path)), [], 'reading a message does not download the reply sealer');

    // Each sealer file served altered in turn, the way a compromised or broken host would.
    stack.front.alter = (r) => (SCRIPT.test(r.path) ? Buffer.from('\nglobalThis.sealerAltered = true;\n') : undefined);
    await startReply(page);
    await page.fill(tid('reply-text'), line);
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-problem'));
    assert.equal(await page.text(tid('reply-problem')), UNAVAILABLE);
    assert.equal(await page.evaluate(() => globalThis.sealerAltered ?? null), null, 'the altered script never ran');
    assert.equal(await draftOf(page), line);
    await page.shot('73-reply-sealer-unavailable');

    // The script intact, its WebAssembly altered: refused too.
    const second = stack.front.requests.length;
    stack.front.alter = (r) => (WASM.test(r.path) ? Buffer.from([0]) : undefined);
    await page.click(tid('send-reply'));
    // Sending cleared the last problem; once the altered file was served, it shows again.
    await stack.front.waitForCall((r) => WASM.test(r.path), second, 20_000, { what: 'request for the .wasm' });
    await page.waitFor(tid('reply-problem'));
    assert.equal(await page.text(tid('reply-problem')), UNAVAILABLE);
    assert.deepEqual(replies(), [], 'nothing was sent');
    assert.equal(await draftOf(page), line);

    // The real files: the same draft is sealed and sent.
    stack.front.alter = null;
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
    assert.equal(replies().length, 1);
    const { path } = await stack.openReply(await stack.nextMail(), `integrity-${ENGINE}`, sealed.replyKey);
    assert.equal((await readMail(path)).text.replace(/\r\n/g, '\n'), line);
    // Each engine reports the refused files in its own words; nothing else went wrong.
    screens.assertNoProblems((e) => expectedErrors(e) || /waxseal-reply-|integrity|reply sealer|digest/i.test(e));
  } finally {
    stack.front.alter = null;
    await page.close();
  }
});

test('a proof of address that expired while the reply was written is renewed with a new passcode, and nothing written is lost (phone, dark, Danish)', async () => {
  const sealed = await sealAnswerable(stack, 'renewed');
  const { page, screens } = await newPage({ viewport: { width: 360, height: 740 }, colorScheme: 'dark', locale: 'da-DK' });
  try {
    await openWithPasscode(page, screens, sealed.path);
    await startReply(page);
    await page.fill(tid('reply-text'), 'Tak, det passer.');
    // Dropped on the form, as from a phone's file manager or a desktop.
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['kvittering 7'], 'kvittering.txt', { type: 'text/plain' }));
      const zone = document.querySelector('[data-testid=reply-dropzone]');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    });
    await page.waitFor(tid('reply-attachment'));
    await page.shot('74-reply-compose-phone-dark-da');
    await assertAccessible(page, 'the reply form on a phone, dark, in Danish');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no wider than the phone');

    // Twenty minutes pass while the reply is written: the key server itself refuses the tab's
    // token, and allows a new passcode at once.
    await stack.moveBack(1200);
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reprove'));
    assert.match(await page.text(tid('reprove')), /Bekræft din adresse igen/);
    await page.shot('75-reply-reprove-phone-dark-da');
    await screens.askForPasscode();
    const { code } = await nextPasscode();
    assert.equal(await page.text(tid('open')), 'Bekræft og send svar');
    await screens.typePasscode(code);
    await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
    assert.equal(await page.text(tid('reply-sent-to')), 'Dit krypterede svar blev sendt til replies@acme.example.');
    await page.shot('76-reply-sent-phone-dark-da');

    const { path } = await stack.openReply(await stack.nextMail(), `renewed-${ENGINE}`, sealed.replyKey);
    const reply = await readMail(path);
    assert.equal(reply.text.replace(/\r\n/g, '\n'), 'Tak, det passer.');
    assert.deepEqual(reply.attachments.map((a) => [a.name, Buffer.from(a.base64, 'base64').toString()]), [['kvittering.txt', 'kvittering 7']]);
    screens.assertNoProblems(expectedErrors);
  } finally {
    await page.close();
  }
});

test("a viewer file altered on its way is never run, neither the module nor the .wasm, from a message.html or on the viewer's page", async () => {
  const sealed = await sealSample();
  const files = {
    module: [/\/waxseal-viewer-[0-9a-f]+\.js$/, Buffer.from('\nglobalThis.viewerAltered = true;\n')],
    wasm: [/\/waxseal-viewer-[0-9a-f]+_bg\.wasm$/, Buffer.from([0])],
  };
  for (const [name, [file, suffix]] of Object.entries(files)) {
    for (const where of ['message.html', "the viewer's page"]) {
      const { page } = await newPage();
      const from = stack.front.requests.length;
      stack.front.alter = (r) => (file.test(r.path) ? suffix : undefined);
      try {
        await page.goto(where === 'message.html' ? fileUrl(sealed.path) : `${stack.url}/`);
        // The boot script marks the page once the viewer did not start.
        await page.waitFor('html[data-waxseal-boot=failed]', { state: 'attached' });
        assert.ok(stack.front.requests.slice(from).some((r) => file.test(r.path) && r.status === 200), `the altered ${name} was served`);
        assert.equal(await page.evaluate(() => globalThis.viewerAltered ?? null), null, `${where}: the altered module never ran`);
        assert.equal(await page.count('#main h1'), 0, `${where}: no screen of the viewer`);
        assert.deepEqual(stack.front.calls(from), [], `${where}: nothing was asked of the key server`);
        if (where === 'message.html') {
          // Its own instructions stay, saying what to do if nothing happens.
          assert.ok(await page.isVisible('#waxseal-carrier'), 'the instructions stay');
          await page.shot(`09-altered-${name}`);
        }
        // The refusal is said on the console (which WebKit's automation does not show).
        if (ENGINE !== 'webkit') {
          const said = name === 'module' ? "waxseal: the viewer's module could not be loaded, or failed its integrity check" : 'TypeError';
          await page.waitForProblem((e) => e.includes(said));
        }
      } finally {
        stack.front.alter = null;
        await page.close();
      }
    }
  }
});

test('only the language shown is fetched, and used once checked: nothing drawn before it arrives, a file that is not the one built with refused', async () => {
  const JAPANESE = /^\/locales\/ja\/viewer/;
  let release;
  const released = new Promise((r) => (release = r));
  // The German file arrives late (a slow network), so an English screen would have time to show.
  stack.front.hold = (r) => (r.path.startsWith('/locales/de/') ? released : undefined);
  const { page } = await newPage({ locale: 'de-DE' });
  const from = stack.front.requests.length;
  try {
    // Every text the page ever shows, from its first mutation on (where the engine can run a
    // script before the page's own; in WebKit, what shows while the file is held back).
    if (page.canScriptEveryDocument) {
      await page.scriptEveryDocument(() => {
        window.__texts = [];
        new MutationObserver(() => {
          const text = document.body?.innerText ?? '';
          if (text) window.__texts.push(text);
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
    }
    await page.goto(`${stack.url}/`);
    await stack.front.waitForCall((r) => r.path.startsWith('/locales/de/'), from, 20_000, { answered: false, what: 'request for the German file' });
    assert.equal(await page.count(tid('viewer-ready')), 0, 'nothing is drawn before the language is there');
    assert.equal(await page.evaluate(() => /Open an encrypted message|Choose a file/.test(document.body.innerText)), false, 'no English screen meanwhile');
    release();
    await page.waitFor(tid('viewer-ready'));
    assert.equal(await page.text('#main h1'), 'Eine verschlüsselte Nachricht öffnen');
    if (page.canScriptEveryDocument) {
      const texts = await page.evaluate(() => window.__texts);
      assert.ok(texts.length > 0);
      assert.deepEqual(texts.filter((t) => /Open an encrypted message|Choose a file|Privacy/.test(t)), [], 'no English text before the German');
    }
    assert.deepEqual(stack.front.localeFiles(from), ['/locales/de/viewer.ftl']);

    // The switch fetches the language chosen, once.
    await page.select(tid('language'), 'fr');
    await page.waitFor('#main h1', { text: 'Ouvrir un message chiffré' });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.select(tid('language'), 'de');
    await page.waitFor('#main h1', { text: 'Eine verschlüsselte Nachricht öffnen' });
    assert.deepEqual(stack.front.localeFiles(from), ['/locales/de/viewer.ftl', '/locales/fr/viewer.ftl']);

    // A file that is not the one the viewer was built with is not used: the switch goes back.
    stack.front.alter = (r) => (JAPANESE.test(r.path) ? Buffer.from('\nextra = 追加\n') : undefined);
    const asked = stack.front.requests.length;
    await page.select(tid('language'), 'ja');
    await stack.front.waitForCall((r) => JAPANESE.test(r.path), asked, 20_000, { what: 'request for the Japanese file' });
    await page.waitUntil(() => document.querySelector('[data-testid=language]').value === 'de', [], { what: 'the switch to go back to German' });
    assert.equal(await page.text('#main h1'), 'Eine verschlüsselte Nachricht öffnen');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
  } finally {
    release();
    stack.front.hold = null;
    stack.front.alter = null;
    await page.close();
  }

  // A browser set to a language whose file is not the right one starts in English.
  stack.front.alter = (r) => (JAPANESE.test(r.path) ? Buffer.from('\nextra = 追加\n') : undefined);
  const { page: second } = await newPage({ locale: 'ja-JP' });
  const before = stack.front.requests.length;
  try {
    await second.goto(`${stack.url}/`);
    await second.waitFor(tid('viewer-ready'));
    assert.equal(await second.text('#main h1'), 'Open an encrypted message');
    assert.equal(await second.evaluate(() => document.documentElement.lang), 'en');
    // The boot script's head start, the viewer's own fetch under the digest's name, both refused;
    // then English.
    assert.deepEqual(stack.front.localeFiles(before), ['/locales/ja/viewer.ftl', '/locales/ja/viewer.ftl', '/locales/en/viewer.ftl']);
  } finally {
    stack.front.alter = null;
    await second.close();
  }
});

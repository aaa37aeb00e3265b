// The viewer's usage report and the operator's identity, against the real product, written once
// and run in each browser engine (WAXSEAL_BROWSER=chromium|firefox|webkit; ./support/browsers.mjs):
// the viewer served by `waxseal serve` from a copy of dist/ whose config.json names an operator
// (name, privacy contact, logo, colour), behind a front that records every request the key server
// gets. When a message opens and when a failure screen is met, exactly one report with exactly the
// documented fields goes to the key server, with no cookie and no referrer; with reports switched
// off, none.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStack, readPasscodeMail } from './support/stack.mjs';
import { ENGINE, assertAccessible, launch, root, tid } from './support/browsers.mjs';
import { Screens } from './support/screens.mjs';

const ACCENT = '#0b5d3b';
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 24"><rect width="40" height="24" rx="4" fill="#0b5d3b"/><text x="20" y="17" font-size="12" text-anchor="middle" fill="#fff">ACME</text></svg>';
const TIME = ['under-1-s', '1-to-3-s', '3-to-10-s', '10-to-60-s', '1-to-10-min', 'over-10-min'];
const SPEED = ['under-10-mb-s', '10-to-100-mb-s', '100-to-1000-mb-s', 'over-1000-mb-s'];
const USAGE = 'POST /v1/usage';

let viewerDir;
let engine;

before(async () => {
  viewerDir = await mkdtemp(join(tmpdir(), 'waxseal-viewer-'));
  await cp(join(root, 'dist'), viewerDir, { recursive: true });
  await writeFile(join(viewerDir, 'acme-logo.svg'), LOGO);
  await writeFile(
    join(viewerDir, 'config.json'),
    JSON.stringify({
      trusted_key_servers: [],
      operator: { name: 'Acme Ltd', privacy_contact: 'privacy@acme.example', logo: 'acme-logo.svg', accent: ACCENT },
    }),
  );
  engine = await launch();
});

after(async () => {
  await engine?.close();
  await rm(viewerDir, { recursive: true, force: true });
});

/** What this engine's report names: its family and major version, from the browser itself. */
async function expectedBrowser(page) {
  // "Chromium 156.0.8078.73", "Firefox 153.8.0": the family and its major version.
  if (ENGINE !== 'webkit') return { browser: ENGINE, browser_major: Number((await engine.version()).split(' ')[1].split('.')[0]) };
  // WebKitGTK writes "Version/60.5 Safari/605.1.15" on Linux, no Safari version: an other browser.
  assert.match(await page.evaluate(() => navigator.userAgent), /\(X11; Linux [^)]*\) AppleWebKit\/[\d.]+ .*Version\/[\d.]+ Safari\//);
  return { browser: 'other', browser_major: 0 };
}

/** Opens `path` (a message.html) in a fresh page, at its summary. */
async function open(path, options) {
  const page = await engine.newPage(options);
  await page.goto(pathToFileURL(path).href);
  const screens = new Screens(page);
  await screens.waitForSummary();
  return { page, screens };
}

/** Seals a text message from Alice to Bob. */
async function seal(stack, subject) {
  await writeFile(join(stack.dir, 'letter.txt'), `Hello Bob, about ${subject}.`);
  return stack.seal(['--from', 'alice@example.com', '--to', 'bob@example.net', '--subject', subject, '--text', 'letter.txt']);
}

const reports = (stack, from = 0) => stack.front.calls(from).filter((c) => c === USAGE);

/** The first report from request `from` on, once the key server answered it (204): its body. */
async function reportOf(stack, from) {
  const request = await stack.front.waitForCall(USAGE, from);
  assert.equal(request.status, 204);
  assert.equal(request.headers.cookie, undefined, 'no cookie');
  assert.equal(request.headers.referer, undefined, 'no referrer');
  return JSON.parse(request.body.toString('utf8'));
}

test('an opened message sends one report of exactly the documented fields; the operator is named', async () => {
  const stack = await startStack({
    viewerDir,
    front: true,
    extraConfig: '[operator]\nname = "Acme Keys"\nprivacy_contact = "https://acme.example/privacy"',
  });
  try {
    const sealed = await seal(stack, 'Figures');
    // The carrier's text for readers without JavaScript names the viewer's operator.
    const carrier = await readFile(sealed.path, 'utf8');
    assert.ok(carrier.includes('<p class="operator">The viewer is run by <bdi>Acme Ltd</bdi>. Questions about your privacy: <a href="mailto:privacy@acme.example" rel="noopener noreferrer">privacy@acme.example</a></p>'));

    const from = stack.front.requests.length;
    const { page, screens } = await open(sealed.path);
    try {
      // The header: the operator's logo (loaded) and name; its colour on the buttons.
      assert.equal(await page.text(tid('operator')), 'Acme Ltd');
      await page.waitUntil(() => document.querySelector('[data-testid=operator] img')?.complete, [], { what: 'the logo to load' });
      assert.ok(await page.evaluate(() => document.querySelector('[data-testid=operator] img').naturalWidth > 0), 'the logo loads');
      assert.equal(
        await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=send-passcode]')).backgroundColor),
        'rgb(11, 93, 59)',
      );
      await page.shot('usage-1-operator-summary');
      await assertAccessible(page, 'the summary with an operator');

      const mailPromise = stack.nextMail();
      await screens.askForPasscode();
      const raw = await mailPromise;
      const mail = readPasscodeMail(raw);
      assert.match(raw.toString(), /This service is run by Acme Keys\./);
      await screens.typePasscode(mail.passcode);
      await screens.waitForMessage();

      const report = await reportOf(stack, from);
      assert.deepEqual(Object.keys(report).sort(), ['browser', 'browser_major', 'language', 'proof', 'size', 'source', 'speed', 'time_to_prompt', 'time_to_render']);
      assert.deepEqual(
        { browser: report.browser, browser_major: report.browser_major, language: report.language, proof: report.proof, size: report.size, source: report.source },
        { ...(await expectedBrowser(page)), language: 'en', proof: 'passcode', size: 'under-100-kb', source: 'message-html' },
      );
      assert.ok(TIME.includes(report.time_to_prompt) && TIME.includes(report.time_to_render), JSON.stringify(report));
      assert.ok(SPEED.includes(report.speed), JSON.stringify(report));
      // Nothing in it names the message or the person.
      const text = JSON.stringify(report);
      for (const secret of [sealed.id, 'bob@example.net', 'example.net', mail.reference, mail.passcode]) assert.ok(!text.includes(secret), secret);

      // The privacy statement: who runs the viewer, how to reach them, the example, the changes.
      await page.click(tid('privacy-link'));
      await page.waitFor(tid('privacy'));
      assert.equal((await page.evaluate(() => document.querySelector('[data-testid=privacy-operator]').innerText)).split('\n')[0], 'This viewer is run by Acme Ltd.');
      assert.equal(await page.attr(tid('privacy-contact'), 'href'), 'mailto:privacy@acme.example');
      const example = JSON.parse(await page.text(tid('privacy-example')));
      assert.deepEqual(Object.keys(example).sort(), Object.keys(report).sort());
      assert.match(await page.text(tid('privacy-changes')), /Usage figures/);
      await assertAccessible(page, 'the privacy statement with an operator');
      await page.shot('usage-2-privacy');
      await page.select(tid('language'), 'da');
      // The screen changes once the Danish file is loaded.
      await page.waitFor('html[lang=da]', { state: 'attached' });
      assert.equal((await page.evaluate(() => document.querySelector('[data-testid=privacy-operator]').innerText)).split('\n')[0], 'Denne beskedviser drives af Acme Ltd.');
      await page.shot('usage-3-privacy-da');

      // One report for the journey, however long the page stays open: a request made now comes
      // after any report the page would still send.
      const later = stack.front.requests.length;
      await page.evaluate((url) => fetch(`${url}/healthz`).then((r) => r.status), stack.url);
      assert.equal(stack.front.requests.slice(later).at(-1).path, '/healthz');
      assert.deepEqual(reports(stack, from), [USAGE]);
      assert.deepEqual(page.problems.pageErrors, []);
    } finally {
      await page.close();
    }

    // On a phone the name shortens rather than push the page sideways.
    {
      const { page: phone } = await open(sealed.path, { viewport: { width: 360, height: 740 } });
      try {
        assert.equal(await phone.text(tid('operator')), 'Acme Ltd');
        assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
        await assertAccessible(phone, 'the summary with an operator, 360 px wide');
        await phone.shot('usage-1-operator-summary-360');
      } finally {
        await phone.close();
      }
    }

    // The viewer's own page names its operator before any file is picked.
    {
      const picker = await engine.newPage();
      try {
        await new Screens(picker).openViewer(`${stack.url}/`);
        assert.equal(await picker.text(tid('operator')), 'Acme Ltd');
      } finally {
        await picker.close();
      }
    }

    // A failure screen met after the key server was trusted: one report naming it.
    const revoked = await seal(stack, 'Gone');
    await stack.waxseal(['revoke', revoked.id]);
    const before = stack.front.requests.length;
    const second = await open(revoked.path);
    try {
      await second.page.click(tid('send-passcode'));
      assert.equal(await second.screens.failureKind(), 'revoked');
      const failed = await reportOf(stack, before);
      assert.deepEqual(Object.keys(failed).sort(), ['browser', 'browser_major', 'failure', 'language', 'proof', 'size', 'source', 'time_to_prompt']);
      assert.equal(failed.failure, 'revoked');
      assert.equal(failed.browser, (await expectedBrowser(second.page)).browser);
    } finally {
      await second.page.close();
    }
  } finally {
    await stack.stop();
  }
});

test('with reports switched off the viewer sends none', async () => {
  const stack = await startStack({ viewerDir, front: true, extraConfig: '[usage]\nenabled = false' });
  try {
    const sealed = await seal(stack, 'Quiet');
    const from = stack.front.requests.length;
    const { page, screens } = await open(sealed.path);
    try {
      const mailPromise = stack.nextMail();
      await screens.askForPasscode();
      await screens.typePasscode(readPasscodeMail(await mailPromise).passcode);
      await screens.waitForMessage();
      // A request made after the message showed: the report, had there been one, came before.
      await page.evaluate((url) => fetch(`${url}/healthz`).then((r) => r.status), stack.url);
      assert.equal(stack.front.requests.at(-1).path, '/healthz');
      assert.deepEqual(reports(stack, from), []);
      // The key server was asked, and said no.
      assert.ok(stack.front.calls(from).includes('GET /v1/config'), stack.front.calls(from).join(', '));
    } finally {
      await page.close();
    }
  } finally {
    await stack.stop();
  }
});

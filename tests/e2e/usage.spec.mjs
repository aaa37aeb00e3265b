// The viewer's usage report and the operator's identity, against the real product: the viewer
// served by `waxseal serve` from a copy of dist/ whose config.json names an operator (name,
// privacy contact, logo, colour). Every request the browser makes is recorded: when a message
// opens and when a failure screen is met, exactly one report with exactly the documented fields
// goes to the key server, with no cookie and no referrer; with reports switched off, none.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStack, readPasscodeMail } from './support/stack.mjs';
import { Viewer, assertAccessible, dist, launchChromium, shot, watchProblems } from './support/viewer.mjs';

const ACCENT = '#0b5d3b';
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 24"><rect width="40" height="24" rx="4" fill="#0b5d3b"/><text x="20" y="17" font-size="12" text-anchor="middle" fill="#fff">ACME</text></svg>';
const TIME = ['under-1-s', '1-to-3-s', '3-to-10-s', '10-to-60-s', '1-to-10-min', 'over-10-min'];
const SPEED = ['under-10-mb-s', '10-to-100-mb-s', '100-to-1000-mb-s', 'over-1000-mb-s'];

let viewerDir;
let browser;

before(async () => {
  viewerDir = await mkdtemp(join(tmpdir(), 'waxseal-viewer-'));
  await cp(dist, viewerDir, { recursive: true });
  await writeFile(join(viewerDir, 'acme-logo.svg'), LOGO);
  await writeFile(
    join(viewerDir, 'config.json'),
    JSON.stringify({
      trusted_key_servers: [],
      operator: { name: 'Acme Ltd', privacy_contact: 'privacy@acme.example', logo: 'acme-logo.svg', accent: ACCENT },
    }),
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await rm(viewerDir, { recursive: true, force: true });
});

/** Opens `path` (a message.html) in a fresh page, recording every request with its headers. */
async function open(path) {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r));
  const problems = watchProblems(page);
  await page.goto(pathToFileURL(path).href);
  const viewer = new Viewer(page);
  await viewer.waitForSummary();
  return { page, viewer, requests, problems };
}

/** Seals a text message from Alice to Bob. */
async function seal(stack, subject) {
  await writeFile(join(stack.dir, 'letter.txt'), `Hello Bob, about ${subject}.`);
  return stack.seal(['--from', 'alice@example.com', '--to', 'bob@example.net', '--subject', subject, '--text', 'letter.txt']);
}

const reports = (requests) => requests.filter((r) => r.url().endsWith('/v1/usage'));

/** The report request's body, once its answer (204) arrived. */
async function reportOf(page, requests) {
  const found = reports(requests);
  const request = found[0] ?? (await page.waitForRequest((r) => r.url().endsWith('/v1/usage')));
  const response = await request.response();
  assert.equal(response.status(), 204);
  const headers = await request.allHeaders();
  assert.equal(headers.cookie, undefined);
  assert.equal(headers.referer, undefined);
  assert.equal(request.method(), 'POST');
  return JSON.parse(request.postData());
}

test('an opened message sends one report of exactly the documented fields; the operator is named', async () => {
  const stack = await startStack({
    viewerDir,
    extraConfig: '[operator]\nname = "Acme Keys"\nprivacy_contact = "https://acme.example/privacy"',
  });
  try {
    const sealed = await seal(stack, 'Figures');
    // The carrier's text for readers without JavaScript names the viewer's operator.
    const carrier = await readFile(sealed.path, 'utf8');
    assert.ok(carrier.includes('<p class="operator">The viewer is run by <bdi>Acme Ltd</bdi>. Questions about your privacy: <a href="mailto:privacy@acme.example" rel="noopener noreferrer">privacy@acme.example</a></p>'));

    const { page, viewer, requests, problems } = await open(sealed.path);
    // The header: the operator's logo (loaded) and name; its colour on the buttons.
    const operator = page.getByTestId('operator');
    assert.equal((await operator.innerText()).trim(), 'Acme Ltd');
    assert.ok(await operator.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loads');
    assert.equal(await viewer.sendPasscode.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(11, 93, 59)');
    await shot(page, 'usage-1-operator-summary');
    // On a phone the name shortens rather than push the page sideways.
    await page.setViewportSize({ width: 360, height: 740 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
    await assertAccessible(page, 'the summary with an operator');
    await shot(page, 'usage-1-operator-summary-360');
    await page.setViewportSize({ width: 1280, height: 720 });

    const mailPromise = stack.nextMail();
    await viewer.askForPasscode();
    const raw = await mailPromise;
    const mail = readPasscodeMail(raw);
    assert.match(raw.toString(), /This service is run by Acme Keys\./);
    await viewer.typePasscode(mail.passcode);
    await viewer.message.waitFor({ timeout: 30_000 });

    const report = await reportOf(page, requests);
    const major = Number((await browser.version()).split('.')[0]);
    assert.deepEqual(Object.keys(report).sort(), ['browser', 'browser_major', 'language', 'proof', 'size', 'source', 'speed', 'time_to_prompt', 'time_to_render']);
    assert.deepEqual(
      { browser: report.browser, browser_major: report.browser_major, language: report.language, proof: report.proof, size: report.size, source: report.source },
      { browser: 'chromium', browser_major: major, language: 'en', proof: 'passcode', size: 'under-100-kb', source: 'message-html' },
    );
    assert.ok(TIME.includes(report.time_to_prompt) && TIME.includes(report.time_to_render), JSON.stringify(report));
    assert.ok(SPEED.includes(report.speed), JSON.stringify(report));
    // Nothing in it names the message or the person.
    const text = JSON.stringify(report);
    for (const secret of [sealed.id, 'bob@example.net', 'example.net', mail.reference, mail.passcode]) assert.ok(!text.includes(secret), secret);

    // The privacy statement: who runs the viewer, how to reach them, the example, the changes.
    await page.getByTestId('privacy-link').click();
    await page.getByTestId('privacy').waitFor();
    assert.equal((await page.getByTestId('privacy-operator').innerText()).split('\n')[0], 'This viewer is run by Acme Ltd.');
    assert.equal(await page.getByTestId('privacy-contact').getAttribute('href'), 'mailto:privacy@acme.example');
    const example = JSON.parse(await page.getByTestId('privacy-example').innerText());
    assert.deepEqual(Object.keys(example).sort(), Object.keys(report).sort());
    assert.match(await page.getByTestId('privacy-changes').innerText(), /Usage figures/);
    await assertAccessible(page, 'the privacy statement with an operator');
    await shot(page, 'usage-2-privacy');
    await page.getByTestId('language').selectOption('da');
    // The screen changes once the Danish file is loaded.
    await page.locator('html[lang=da]').waitFor({ state: 'attached' });
    assert.equal((await page.getByTestId('privacy-operator').innerText()).split('\n')[0], 'Denne beskedviser drives af Acme Ltd.');
    await shot(page, 'usage-3-privacy-da');

    // One report for the journey, however long the page stays open.
    await page.evaluate((url) => fetch(`${url}/healthz`), stack.url);
    assert.equal(reports(requests).length, 1);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();

    // The viewer's own page names its operator before any file is picked.
    const picker = await browser.newPage();
    await picker.goto(`${stack.url}/`);
    assert.equal((await picker.getByTestId('operator').innerText()).trim(), 'Acme Ltd');
    await picker.close();

    // A failure screen met after the key server was trusted: one report naming it.
    const revoked = await seal(stack, 'Gone');
    await stack.waxseal(['revoke', revoked.id]);
    const second = await open(revoked.path);
    await second.viewer.sendPasscode.click();
    assert.equal(await second.viewer.failureKind(), 'revoked');
    const failed = await reportOf(second.page, second.requests);
    assert.deepEqual(Object.keys(failed).sort(), ['browser', 'browser_major', 'failure', 'language', 'proof', 'size', 'source', 'time_to_prompt']);
    assert.equal(failed.failure, 'revoked');
    await second.page.close();
  } finally {
    await stack.stop();
  }
});

test('with reports switched off the viewer sends none', async () => {
  const stack = await startStack({ viewerDir, extraConfig: '[usage]\nenabled = false' });
  try {
    const sealed = await seal(stack, 'Quiet');
    const { page, viewer, requests } = await open(sealed.path);
    const mailPromise = stack.nextMail();
    await viewer.askForPasscode();
    await viewer.typePasscode(readPasscodeMail(await mailPromise).passcode);
    await viewer.message.waitFor({ timeout: 30_000 });
    // A request made after the message showed: the report, had there been one, came before.
    await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/healthz')),
      page.evaluate((url) => fetch(`${url}/healthz`), stack.url),
    ]);
    assert.deepEqual(reports(requests).map((r) => r.url()), []);
    await page.close();
  } finally {
    await stack.stop();
  }
});

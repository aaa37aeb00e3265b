// Signing in with an account in each browser engine (WAXSEAL_BROWSER; ./support/browsers.mjs):
// the key server (`waxseal serve`, behind a recording front) accepts the real OpenID provider of
// ./support/oidc-provider.mjs; the recipient signs in on the provider's own login page in the
// viewer's popup (Authorization Code with PKCE), from a message.html opened from disk (which hands
// its envelope to a new window of the viewer's page) and on the viewer's own page. Popups are
// followed in all three engines (puppeteer's popup event; WebDriver's window handles).
//
// Also each way a sign-in can fail: an account that is not a recipient (then the passcode in the
// same window), an address the provider did not verify (dark), a login the provider refuses, the
// popup closed by the person (Danish). sign-in.spec.mjs checks the protocol in detail (what each
// request carries, another origin's attempts, the callback page on its own) in Chromium.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startProvider } from './support/oidc.mjs';
import { freePort, startStack } from './support/stack.mjs';
import { assertAccessible, launch, root, tid } from './support/browsers.mjs';
import { Screens } from './support/screens.mjs';
import { passcodeFrom } from './support/viewer.mjs';

const SECRET_LINE = 'The gate code is 5521-Heron.';
const ATTACHMENT = 'day,from,to\n1,Aarhus,Suzhou\n9,Suzhou,Aarhus\n';
const SENDER = 'Acme Bank <notices@acme.example>';
const LOGIN_FORM = 'form:has(input[name="prompt"][value="login"])';

let provider;
let stack;
let engine;

before(async () => {
  // The provider must know the redirect URI, so the key server's port is chosen first.
  const port = await freePort();
  provider = await startProvider({ redirectUris: [`http://127.0.0.1:${port}/signed-in.html`] });
  stack = await startStack({
    port,
    front: true,
    extraConfig: ['[[sign_in]]', 'id = "test"', 'name = "Test ID"', `issuer = "${provider.issuer}"`, 'client_id = "waxseal-viewer"', ''].join('\n'),
  });
  engine = await launch();
  await writeFile(join(stack.dir, 'letter.html'), `<h1>Your statement</h1><p>${SECRET_LINE}</p><p><img src="cid:seal.png" alt="A red wax seal"></p>`);
  await writeFile(join(stack.dir, 'letter.txt'), SECRET_LINE);
  await writeFile(join(stack.dir, 'trip.csv'), ATTACHMENT);
  await writeFile(join(stack.dir, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
});

after(async () => {
  // Everything is stopped even if one of them fails (a process left running keeps the test
  // file from ending).
  const stopped = await Promise.allSettled([engine?.close(), stack?.stop(), provider?.stop()]);
  for (const s of stopped) if (s.status === 'rejected') throw s.reason;
});

function seal(to = 'alice@example.com') {
  return stack.seal([
    '--from', SENDER, '--to', to, '--subject', 'Your statement',
    '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png', '--attach', 'trip.csv',
  ]);
}

/** Clicks "Sign in with Test ID" in `page` and signs in as `login` on the provider's page in the
 * popup, which the viewer closes once it has the answer; resolves once `until` shows (the
 * message, or a failure). */
async function signInWithTestId(page, login, until = `${tid('message')}, ${tid('failure')}`) {
  const popup = await page.popup(() => page.click('button[data-provider="test"]'));
  await popup.waitFor(`${LOGIN_FORM} input[name="login"]`, { timeout: 30_000 });
  assert.equal(new URL(await popup.url()).origin, provider.issuer, "the popup shows the provider's page");
  await popup.fill(`${LOGIN_FORM} input[name="login"]`, login);
  await popup.fill(`${LOGIN_FORM} input[name="password"]`, 'any password');
  assert.deepEqual(
    await popup.evaluate((form) => [...document.querySelectorAll(`${form} input:not([type=hidden])`)].map((i) => i.value), LOGIN_FORM),
    [login, 'any password'],
    'the login form holds what was typed',
  );
  await popup.click(`${LOGIN_FORM} button[type="submit"]`);
  // The popup leaves the provider for the viewer's callback page, which hands the answer to the
  // viewer and closes the popup; if the message does not come, the popup's state says why.
  try {
    await page.waitFor(until, { timeout: 60_000 });
  } catch (e) {
    const state = await popup.evaluate(() => `${location.href}: ${document.body.innerText.slice(0, 300)}`).catch((x) => `gone (${x.message})`);
    throw new Error(`${e.message}\nthe popup: ${state}`);
  }
}

/** The message with its body, inline image and attachment, byte for byte. */
async function assertMessage(page) {
  const screens = new Screens(page);
  await screens.waitForMessage();
  assert.equal(await page.text(tid('subject')), 'Your statement');
  assert.equal(await page.text(tid('to')), 'alice@example.com');
  const body = await page.frame(tid('html-body'));
  await body.waitFor('h1');
  assert.equal(await body.text('p'), SECRET_LINE);
  const inline = await body.attr('img[alt="A red wax seal"]', 'src');
  assert.deepEqual(Buffer.from(inline.split(',')[1], 'base64'), await readFile(join(root, 'crates/cli/assets/seal.png')));
  const download = await page.download(tid('attachment-download'));
  assert.equal(download.name, 'trip.csv');
  assert.equal(download.bytes.toString('utf8'), ATTACHMENT);
}

test("a message.html opened from disk hands its envelope to the viewer's page, where the sign-in runs in a popup and the message shows", async () => {
  const sealed = await seal();
  const page = await engine.newPage();
  const from = stack.front.requests.length;
  try {
    await page.goto(pathToFileURL(sealed.path).href);
    await new Screens(page).waitForSummary();
    await page.waitFor('button[data-provider="test"]');
    await page.shot('sign-in-1-summary');
    await assertAccessible(page, 'the summary with the sign-in button');

    // The click opens the viewer's own page, which receives the envelope and asks again.
    const handed = await page.popup(() => page.click('button[data-provider="test"]'));
    await new Screens(handed).waitForSummary();
    assert.equal(await handed.url(), `${stack.url}/`, 'the hand-off fragment is gone from the address');
    assert.equal(await handed.text(tid('sender')), SENDER);
    assert.equal(
      await new Screens(page).notice(),
      `Signing in with Test ID continues in a new window of the viewer (${new URL(stack.url).host}). Or ask for a passcode here.`,
    );
    await page.shot('sign-in-2-handed-off');

    await signInWithTestId(handed, 'alice');
    await assertMessage(handed);
    await handed.shot('sign-in-3-message');
    assert.deepEqual(stack.front.calls(from), [
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the message.html
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the viewer's page it handed the envelope to
      'POST /v1/messages/ID/sign-in', 'POST /v1/messages/ID/release', 'POST /v1/usage',
    ]);
    new Screens(handed).assertNoProblems((e) => /status of 4\d\d/.test(e));
  } finally {
    await page.close();
  }
});

test("the viewer's own page: pick the file, sign in in a popup, read the message; nothing kept in browser storage", async () => {
  const sealed = await seal();
  const page = await engine.newPage();
  try {
    const screens = new Screens(page);
    await screens.pick(stack.url + '/', sealed.path);
    await screens.waitForSummary();
    await signInWithTestId(page, 'alice');
    await assertMessage(page);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]), [0, 0, '']);
    screens.assertNoProblems((e) => /status of 4\d\d/.test(e));
  } finally {
    await page.close();
  }
});

/** A message.html from disk handed to a new window of the viewer's page; that window's page. */
async function handedOff(sealed, options) {
  const carrier = await engine.newPage(options);
  await carrier.goto(pathToFileURL(sealed.path).href);
  await new Screens(carrier).waitForSummary();
  const handed = await carrier.popup(() => carrier.click('button[data-provider="test"]'));
  await new Screens(handed).waitForSummary();
  return { carrier, page: handed, screens: new Screens(handed) };
}

test('an account that is not a recipient: the notice names both addresses, then the passcode works in the same window', async () => {
  const { carrier, page, screens } = await handedOff(await seal());
  try {
    await signInWithTestId(page, 'carol', tid('notice'));
    assert.equal(
      await screens.notice(),
      'You signed in as carol@example.org; this message is for alice@example.com. Sign in with that account, or ask for a passcode.',
    );
    assert.equal(await page.attr(tid('notice'), 'role'), 'alert');
    await page.shot('sign-in-4-wrong-account');
    await assertAccessible(page, 'the wrong-account notice');
    await screens.askForPasscode();
    await screens.typePasscode(passcodeFrom(await stack.nextMail()).code);
    await assertMessage(page);
  } finally {
    await carrier.close();
  }
});

test('an address the provider did not verify (dark)', async () => {
  const { carrier, page, screens } = await handedOff(await seal('bob@example.com'), { colorScheme: 'dark' });
  try {
    await signInWithTestId(page, 'bob', tid('notice'));
    assert.equal(await screens.notice(), 'Test ID has not confirmed that bob@example.com is your address. Ask for a passcode instead.');
    assert.equal(await screens.isDisabled(tid('send-passcode')), false, 'the passcode route stays open');
    await page.shot('sign-in-5-unverified-dark');
    await assertAccessible(page, 'the unverified notice, dark');
  } finally {
    await carrier.close();
  }
});

test('a login the provider refuses', async () => {
  const { carrier, page, screens } = await handedOff(await seal());
  try {
    await signInWithTestId(page, 'mallory', tid('notice'));
    assert.equal(await screens.notice(), 'Test ID did not sign you in. Try again, or ask for a passcode.');
    await page.shot('sign-in-6-refused');
  } finally {
    await carrier.close();
  }
});

test('the popup closed by the person, in Danish', async () => {
  const { carrier, page, screens } = await handedOff(await seal(), { locale: 'da-DK' });
  try {
    assert.equal(await page.text(`${tid('sign-in')} h2`), 'Eller log ind med din konto i et nyt vindue');
    const popup = await page.popup(() => page.click('button[data-provider="test"]'));
    await popup.waitFor(`${LOGIN_FORM} input[name="login"]`, { timeout: 30_000 });
    await popup.closeWindow();
    assert.equal(await screens.notice(), 'Login blev annulleret. Log ind igen, eller bed om en kode.');
    await page.shot('sign-in-7-cancelled-da');
    await assertAccessible(page, 'the cancelled notice (Danish)');
    // The passcode route is still there.
    assert.equal(await page.text(tid('send-passcode')), 'Send mig en kode på e-mail');
  } finally {
    await carrier.close();
  }
});

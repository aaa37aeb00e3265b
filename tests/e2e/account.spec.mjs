// Signing in with an account in each browser engine (WAXSEAL_BROWSER; ./support/browsers.mjs):
// the key server (`waxseal serve`, behind a recording front) accepts the real OpenID provider of
// ./support/oidc-provider.mjs; the recipient signs in on the provider's own login page in the
// viewer's popup (Authorization Code with PKCE), from a message.html opened from disk (which hands
// its envelope to a new window of the viewer's page) and on the viewer's own page. Popups are
// followed in all three engines (puppeteer's popup event; WebDriver's window handles).
//
// What each request of a sign-in carries: the authorization request (PKCE challenge, nonce, the
// chosen address), the callback with its code, the token request from the viewer's own page (the
// provider records each request it answers; the front, each the key server answers).
//
// Also each way a sign-in can fail: an account that is not a recipient (then the passcode in the
// same window), an address the provider did not verify (dark), a login the provider refuses, the
// popup closed by the person (Danish). sign-in.spec.mjs has another origin's attempts, the
// callback page on its own and a reply after a sign-in.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { assertAccessible, tid } from './support/browsers.mjs';
import { LOGIN_FORM, SENDER, assertMessage, signInWithTestId, startSignIn } from './support/accounts.mjs';
import { Screens } from './support/screens.mjs';
import { passcodeFrom } from './support/viewer.mjs';

let provider;
let stack;
let engine;
let seal;
let stop;

before(async () => {
  ({ provider, stack, engine, seal, stop } = await startSignIn());
});

after(() => stop?.());

test("a message.html opened from disk hands its envelope to the viewer's page, where the sign-in runs in a popup and the message shows", async () => {
  const sealed = await seal();
  const page = await engine.newPage();
  const from = stack.front.requests.length;
  const fromProvider = provider.requests.length;
  try {
    await page.goto(pathToFileURL(sealed.path).href);
    await new Screens(page).waitForSummary();
    await page.waitFor('button[data-provider="test"]');
    assert.equal(await page.text(`${tid('sign-in')} h2`), 'Or sign in with your account, in a new window');
    // Before the click, the key server was only asked which accounts it accepts, and nothing
    // went to the provider.
    assert.deepEqual(stack.front.calls(from), ['GET /v1/messages/ID/sender', 'GET /v1/config']);
    assert.deepEqual(provider.requests.slice(fromProvider), []);
    await page.shot('sign-in-1-summary');
    await assertAccessible(page, 'the summary with the sign-in button');
    // Everything posted to the message.html's window from now on is recorded.
    await page.evaluate(() => {
      window.posted = [];
      addEventListener('message', (e) => window.posted.push({ origin: e.origin, data: JSON.stringify(e.data) }));
    });

    // The click opens the viewer's own page, which receives the envelope and asks again.
    const handed = await page.popup(() => page.click('button[data-provider="test"]'));
    await new Screens(handed).waitForSummary();
    assert.equal(await handed.url(), `${stack.url}/`, 'the hand-off fragment is gone from the address');
    assert.equal(await handed.text(tid('sender')), SENDER);
    assert.equal(
      await handed.waitUntil(() => document.activeElement?.getAttribute('data-provider'), [], { what: 'the focus on a provider' }),
      'test',
      "the chosen provider's button has the focus",
    );
    assert.equal(
      await new Screens(page).notice(),
      `Signing in with Test ID continues in a new window of the viewer (${new URL(stack.url).host}). Or ask for a passcode here.`,
    );
    // It informs, politely; it is not a warning.
    assert.equal(await page.attr(tid('notice'), 'role'), 'status');
    await page.shot('sign-in-2-handed-off');

    await signInWithTestId(handed, provider.issuer, 'alice');
    await assertMessage(handed);
    await handed.shot('sign-in-3-message');
    // The message.html's window was only told that the viewer's page listens.
    assert.deepEqual(await page.evaluate(() => window.posted), [{ origin: stack.url, data: JSON.stringify({ type: 'waxseal-handoff-ready' }) }]);
    assert.deepEqual(stack.front.calls(from), [
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the message.html
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the viewer's page it handed the envelope to
      'POST /v1/messages/ID/sign-in', 'POST /v1/messages/ID/release', 'POST /v1/usage',
    ]);

    // What went where: the authorization request carried the PKCE challenge, the nonce and the
    // chosen address; the provider sent the browser back to the viewer's callback page with a
    // code, which the viewer's own page redeemed with its verifier.
    const authorize = new URL(provider.requests.slice(fromProvider).find((r) => r.url.startsWith('/auth?')).url, provider.issuer);
    const asked = Object.fromEntries(authorize.searchParams);
    assert.deepEqual(
      { ...asked, state: typeof asked.state, nonce: /^[A-Za-z0-9_-]{43}$/.test(asked.nonce), code_challenge: /^[A-Za-z0-9_-]{43}$/.test(asked.code_challenge) },
      {
        response_type: 'code', client_id: 'waxseal-viewer', redirect_uri: `${stack.url}/signed-in.html`, scope: 'openid email profile',
        state: 'string', nonce: true, code_challenge: true, code_challenge_method: 'S256', login_hint: 'alice@example.com',
      },
    );
    const callback = stack.front.requests.slice(from).find((r) => r.path.startsWith('/signed-in.html?'));
    assert.match(callback.path, /^\/signed-in\.html\?code=[A-Za-z0-9_-]{20,}&/, 'the provider sent a code to the callback page');
    assert.equal(new URLSearchParams(callback.path.split('?')[1]).get('state'), asked.state);
    const token = provider.requests.slice(fromProvider).find((r) => r.method === 'POST' && r.url === '/token');
    assert.equal(token.origin, stack.url, "the code was redeemed by the viewer's own page, never by the message.html");
    assert.equal(token.form.grant_type, 'authorization_code');
    assert.equal(token.form.redirect_uri, `${stack.url}/signed-in.html`);
    assert.equal(token.form.code, new URLSearchParams(callback.path.split('?')[1]).get('code'));
    assert.match(token.form.code_verifier, /^[A-Za-z0-9_-]{43}$/);
    const signInBody = JSON.parse(stack.front.requests.slice(from).find((r) => r.path.endsWith('/sign-in')).body);
    assert.deepEqual(Object.keys(signInBody).sort(), ['id_token', 'nonce_salt', 'provider', 'public_key']);
    assert.equal(signInBody.provider, 'test');
    // The audit trail says how the address was proved.
    const { stdout } = await stack.waxseal(['status', sealed.id, '--json']);
    assert.ok(JSON.parse(stdout).events.some((e) => e.kind === 'signed_in' && e.recipient === 'alice@example.com'));
    new Screens(handed).assertNoProblems((e) => /status of 4\d\d/.test(e));
    new Screens(page).assertNoProblems((e) => /status of 4\d\d/.test(e));
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
    await signInWithTestId(page, provider.issuer, 'alice');
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
    await signInWithTestId(page, provider.issuer, 'carol', tid('notice'));
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
    await signInWithTestId(page, provider.issuer, 'bob', tid('notice'));
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
    await signInWithTestId(page, provider.issuer, 'mallory', tid('notice'));
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

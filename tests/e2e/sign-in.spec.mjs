// Signing in with an account instead of a passcode, against the real product and a real OpenID
// provider: the key server (`waxseal serve`) is configured with the provider of
// ./support/oidc-provider.mjs, messages are sealed with the `waxseal` CLI, and the recipient signs
// in on the provider's own login page in the viewer's popup (Authorization Code with PKCE) — on
// the viewer's own page, to which a message.html opened from disk hands its envelope first. Also:
// a page of another origin that asks the provider for a code silently, for a recipient who is
// signed in there already, and gets nothing; the callback page on its own, an accessibility scan
// and screenshots (artifacts/screenshots/). The journeys and every failed sign-in run in each
// engine in account.spec.mjs.
//
// Needs dist/ (trunk build --release --cargo-profile wasm-release), target/debug/waxseal and
// waxseal-server, the Python venv with aiosmtpd and the npm packages; scripts/test.sh prepares
// all of them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALLBACK, signIn, startProvider } from './support/oidc.mjs';
import { freePort, startStack } from './support/stack.mjs';
import { Viewer, assertAccessible, launchChromium, root, shot, usageReport, watchProblems } from './support/viewer.mjs';

const SECRET_LINE = 'The gate code is 5521-Heron.';
const ATTACHMENT = 'day,from,to\n1,Aarhus,Suzhou\n9,Suzhou,Aarhus\n';
const SENDER = 'Acme Bank <notices@acme.example>';

let provider;
let stack;
let browser;

before(async () => {
  // The provider must know the redirect URI, so the key server's port is chosen first.
  const port = await freePort();
  provider = await startProvider({ redirectUris: [`http://127.0.0.1:${port}/signed-in.html`] });
  stack = await startStack({
    port,
    extraConfig: [
      '[[sign_in]]',
      'id = "test"',
      'name = "Test ID"',
      `issuer = "${provider.issuer}"`,
      'client_id = "waxseal-viewer"',
      '',
    ].join('\n'),
  });
  browser = await launchChromium();
  await writeFile(
    join(stack.dir, 'letter.html'),
    `<h1>Your statement</h1><p>${SECRET_LINE}</p><p><img src="cid:seal.png" alt="A red wax seal"></p>`,
  );
  await writeFile(join(stack.dir, 'letter.txt'), SECRET_LINE);
  await writeFile(join(stack.dir, 'trip.csv'), ATTACHMENT);
  await writeFile(join(stack.dir, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await provider?.stop();
});

/** A new message for `to`, with an HTML body, an inline image and an attachment. */
function seal(to = 'alice@example.com') {
  return stack.seal([
    '--from', SENDER, '--to', to, '--subject', 'Your statement',
    '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png', '--attach', 'trip.csv',
  ]);
}

/** A fresh browser context (no provider session) with the viewer's page object. */
async function newPage({ locale = 'en-US', colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ locale, colorScheme, acceptDownloads: true, viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  return { context, page, viewer: new Viewer(page) };
}

/**
 * Clicks "Sign in with Test ID" (`label`), signs in as `login` on the provider's login page in
 * the popup, and resolves with the URL the popup was sent back to.
 */
async function signInWith(page, login, label = 'Sign in with Test ID') {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: label }).click()]);
  return signIn(popup, undefined, login);
}

/**
 * In a message.html (not the viewer's origin): clicks "Sign in with Test ID" (`label`), which opens
 * the viewer's own page in a new window and hands it the envelope; resolves with that window and
 * its page object once it shows the summary.
 */
async function handOff(page, label = 'Sign in with Test ID') {
  const [opened] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: label }).click()]);
  const viewer = new Viewer(opened);
  await viewer.waitForSummary();
  return { page: opened, viewer };
}

/** Console errors that are the expected side of a test (an answer of 4xx from the key server). */
const unexpected = (errors) => errors.filter((e) => !/status of 4\d\d/.test(e));

/** The message is shown with its body, inline image and attachment, byte for byte. */
async function assertMessage(page, viewer) {
  await viewer.message.waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('subject').textContent(), 'Your statement');
  assert.equal(await page.getByTestId('to').textContent(), 'alice@example.com');
  await viewer.body.locator('h1').waitFor();
  assert.equal(await viewer.body.locator('p').first().textContent(), SECRET_LINE);
  const inline = await viewer.body.locator('img[alt="A red wax seal"]').getAttribute('src');
  assert.deepEqual(
    Buffer.from(inline.split(',')[1], 'base64'),
    await readFile(join(root, 'crates/cli/assets/seal.png')),
    'the inline image is the sealed one',
  );
  assert.equal(await page.getByTestId('attachment-name').textContent(), 'trip.csv');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-download').click()]);
  assert.equal(await readFile(await download.path(), 'utf8'), ATTACHMENT);
}

test("a message.html opened from disk hands its envelope to the viewer's page, where the sign-in runs and the message shows", async () => {
  const sealed = await seal();
  const { context, page, viewer } = await newPage();
  try {
    const requests = [];
    context.on('request', (r) => {
      // Read later only for the token request; a request still in flight when the context
      // closes rejects, which is no failure of the test unless it is read.
      const headers = r.allHeaders();
      headers.catch(() => {});
      requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '', headers });
    });
    const problems = watchProblems(page);
    // Everything posted to the message.html's window is recorded.
    await page.addInitScript(() => {
      window.__posted = [];
      window.addEventListener('message', (e) => window.__posted.push({ origin: e.origin, data: JSON.stringify(e.data) }));
    });
    await page.goto(pathToFileURL(sealed.path).href);
    await viewer.waitForSummary();
    const button = page.getByRole('button', { name: 'Sign in with Test ID' });
    await button.waitFor();
    assert.equal(await page.getByTestId('sign-in').locator('h2').textContent(), 'Or sign in with your account, in a new window');
    // Before the click, the key server was only asked which accounts it accepts, and nothing
    // went to the provider.
    assert.deepEqual(
      requests.filter((r) => r.url.startsWith(`${stack.url}/v1/`)).map((r) => `${r.method} ${r.url.slice(stack.url.length)} ${r.body}`),
      [`GET /v1/messages/${sealed.id}/sender `, 'GET /v1/config '],
    );
    assert.deepEqual(requests.filter((r) => r.url.startsWith(provider.issuer)), []);
    await shot(page, 'sign-in-1-summary');
    await assertAccessible(page, 'the summary with the sign-in button');

    // The click opens the viewer's own page, which receives the envelope and asks again.
    const handed = await handOff(page);
    assert.equal(handed.page.url(), `${stack.url}/`, 'the hand-off fragment is gone from the address');
    await viewer.notice.waitFor();
    assert.equal(
      await viewer.notice.textContent(),
      `Signing in with Test ID continues in a new window of the viewer (${new URL(stack.url).host}). Or ask for a passcode here.`,
    );
    // It informs, politely; it is not a warning.
    assert.equal(await viewer.notice.getAttribute('role'), 'status');
    await shot(page, 'sign-in-2-handed-off');
    assert.equal(await handed.page.getByTestId('sender').textContent(), SENDER);
    assert.equal(
      await handed.page.evaluate(() => document.activeElement?.getAttribute('data-provider')),
      'test',
      "the chosen provider's button has the focus",
    );
    const handedProblems = watchProblems(handed.page);
    const report = usageReport(handed.page);
    const landed = await signInWith(handed.page, 'alice');
    assert.match(landed, new RegExp(`^${stack.url}/signed-in\\.html\\?code=`));
    await assertMessage(handed.page, handed.viewer);
    await shot(handed.page, 'sign-in-2-message');
    // The message.html's window was only told that the viewer's page listens.
    assert.deepEqual(await page.evaluate(() => window.__posted), [
      { origin: stack.url, data: JSON.stringify({ type: 'waxseal-handoff-ready' }) },
    ]);

    // What went where: the authorization request carried the PKCE challenge, the nonce and the
    // chosen address; the code was redeemed with the verifier from this page, without cookies.
    const authorize = new URL(requests.find((r) => r.url.startsWith(`${provider.issuer}/auth?`)).url);
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('client_id'), 'waxseal-viewer');
    assert.equal(authorize.searchParams.get('redirect_uri'), `${stack.url}/signed-in.html`);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('login_hint'), 'alice@example.com');
    assert.match(authorize.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
    const token = requests.find((r) => r.url === `${provider.issuer}/token`);
    const form = new URLSearchParams(token.body);
    assert.equal(form.get('grant_type'), 'authorization_code');
    assert.equal(form.get('redirect_uri'), `${stack.url}/signed-in.html`);
    assert.match(form.get('code_verifier'), /^[A-Za-z0-9_-]{43}$/);
    await report;
    const calls = requests
      .filter((r) => r.url.startsWith(`${stack.url}/v1/`))
      .map((r) => `${r.method} ${new URL(r.url).pathname.replace(/messages\/[^/]+/, 'messages/ID')}`);
    assert.deepEqual(calls, [
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the message.html
      'GET /v1/messages/ID/sender', 'GET /v1/config', // the viewer's page it handed the envelope to
      'POST /v1/messages/ID/sign-in', 'POST /v1/messages/ID/release', 'POST /v1/usage',
    ]);
    // The code was redeemed by the viewer's own page, never by the message.html.
    assert.equal((await token.headers).origin, stack.url);
    const signInBody = JSON.parse(requests.find((r) => r.url.endsWith('/sign-in')).body);
    assert.deepEqual(Object.keys(signInBody).sort(), ['id_token', 'nonce_salt', 'provider', 'public_key']);
    assert.equal(signInBody.provider, 'test');

    for (const p of [problems, handedProblems]) {
      assert.deepEqual(p.pageErrors, []);
      assert.deepEqual(unexpected(p.consoleErrors), []);
      assert.deepEqual(p.failedRequests, []);
    }
    // The audit trail says how the address was proved.
    const { stdout } = await stack.waxseal(['status', sealed.id, '--json']);
    assert.ok(JSON.parse(stdout).events.some((e) => e.kind === 'signed_in' && e.recipient === 'alice@example.com'));
  } finally {
    await context.close();
  }
});

/** On the viewer's own page: picks the file at `path` and signs in as alice; where the provider
 * sent the browser back to. */
async function pickAndSignIn(page, viewer, path) {
  await viewer.pick(stack.url, path);
  return signInWith(page, 'alice');
}

test("after an account sign-in on the viewer's own page, a secure reply goes out from the signed-in address", async () => {
  const key = join(stack.dir, 'reply-key.toml');
  await stack.waxseal(['reply-key', 'new', '--key-id', '2026-11', '--out', key]);
  const sealed = await stack.seal([
    '--from', SENDER, '--to', 'alice@example.com', '--subject', 'Your statement', '--text', 'letter.txt',
    '--reply-to', 'replies@acme.example', '--reply-key', key,
  ]);
  const { context, page, viewer } = await newPage();
  try {
    const problems = watchProblems(page);
    await pickAndSignIn(page, viewer, sealed.path);
    await viewer.message.waitFor({ timeout: 30_000 });
    await viewer.startReply();
    assert.equal(await page.getByTestId('reply-from').textContent(), 'alice@example.com');
    await page.keyboard.type('Received, thank you.');
    await page.getByTestId('send-reply').click();
    await page.getByTestId('reply-sent').waitFor({ timeout: 30_000 });
    // The relay mail names how the address was verified; the reply opens with the key.
    const relay = await stack.nextMail();
    assert.match(relay, /sign-in/i);
    const { summary, bytes } = await stack.openReply(relay, 'signed-in-reply', key);
    assert.deepEqual([summary.from, summary.to, summary.in_reply_to], ['alice@example.com', 'replies@acme.example', sealed.id]);
    assert.deepEqual([summary.verified, summary.verified_by], [true, 'sign-in']);
    const reply = bytes.toString('utf8');
    assert.match(reply, /^From: <alice@example\.com>\r$/m);
    assert.match(reply, /^Subject: Re: Your statement\r$/m);
    assert.match(reply, /^In-Reply-To: <.+@.+>\r$/m);
    assert.match(reply, /^Received, thank you\.\r$/m);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(unexpected(problems.consoleErrors), []);
  } finally {
    await context.close();
  }
});

test('the callback page on its own says to go back, and keeps no code in its address', async () => {
  const { context, page } = await newPage();
  try {
    const problems = watchProblems(page);
    await page.goto(`${stack.url}/signed-in.html?code=abc&state=xyz`);
    assert.equal(
      await page.locator('p[lang="en"]').textContent(),
      'This sign-in window is no longer connected to the message. Go back to the message and sign in there again, or ask for a passcode.',
    );
    assert.equal(page.url(), `${stack.url}/signed-in.html`);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});

/**
 * A page on another origin that wants the recipient's message: it knows the viewer's client id
 * and redirect URI (both public) and the message id (from an intercepted message.html), makes its
 * own PKCE verifier, tab key and nonce, and opens the provider's authorization URL itself. When it
 * gets a code it does what a thief would: redeems it, signs in at the key server and asks for the
 * share. `window.received` records every message posted to it; `window.outcome` what the key
 * server answered.
 */
function attackerPage(plan) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your statement</title></head>
<body><button id="go">Read your statement</button><script>
const plan = ${JSON.stringify(plan)};
window.received = [];
window.outcome = null;
window.addEventListener('message', async (event) => {
  window.received.push({ origin: event.origin, data: JSON.stringify(event.data) });
  const code = event.data && event.data.code;
  if (!code) return;
  const json = { 'content-type': 'application/json' };
  const tokens = await (await fetch(plan.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: plan.redirectUri, client_id: 'waxseal-viewer', code_verifier: plan.verifier }),
  })).json();
  const signIn = await fetch(plan.keyServer + '/v1/messages/' + plan.messageId + '/sign-in', {
    method: 'POST', headers: json,
    body: JSON.stringify({ provider: 'test', id_token: tokens.id_token, public_key: plan.publicKey, nonce_salt: plan.salt }),
  });
  const signedIn = await signIn.json();
  const release = await fetch(plan.keyServer + '/v1/messages/' + plan.messageId + '/release', {
    method: 'POST', headers: { ...json, authorization: 'Bearer ' + signedIn.token },
    body: JSON.stringify({ public_key: plan.publicKey }),
  });
  window.outcome = { signIn: signIn.status, release: release.status };
});
document.getElementById('go').addEventListener('click', () => {
  window.popup = window.open(plan.authorizationUrl, 'statement', 'popup,width=520,height=700');
});
</script></body></html>`;
}

test('a page of another origin that asks the provider for a code silently gets neither the code nor anything the key server accepts', async () => {
  const sealed = await seal();
  const messageId = sealed.id;
  // The attacker's own tab key, PKCE verifier and nonce for this message.
  const publicKey = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x;
  const salt = randomBytes(32);
  const verifier = randomBytes(32).toString('base64url');
  const nonce = createHash('sha256')
    .update('waxseal sign-in nonce v1')
    .update(Buffer.from([messageId.length >> 8, messageId.length & 255]))
    .update(messageId)
    .update(Buffer.from(publicKey, 'base64url'))
    .update(salt)
    .digest('base64url');
  const discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
  const redirectUri = `${stack.url}/signed-in.html`;
  const authorization = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: 'waxseal-viewer', redirect_uri: redirectUri, scope: 'openid email profile',
    state: 'attacker-state', nonce, code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorization.searchParams.set(name, value);
  }
  const plan = {
    authorizationUrl: authorization.href, tokenEndpoint: discovery.token_endpoint, redirectUri,
    keyServer: stack.url, messageId, publicKey, salt: salt.toString('base64url'), verifier,
  };
  // The attacker's site: another origin on this machine.
  const site = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage(plan)));
  await new Promise((listening) => site.listen(0, '127.0.0.1', listening));
  const siteUrl = `http://127.0.0.1:${site.address().port}/`;
  const { context, page } = await newPage();
  try {
    // The recipient signed in at the provider earlier (for the viewer), so it answers at once.
    const earlier = await context.newPage();
    const landed = await signIn(earlier, (() => {
      const u = new URL(authorization);
      u.searchParams.set('redirect_uri', CALLBACK);
      return u.href;
    })(), 'alice');
    assert.match(landed, /^http:\/\/127\.0\.0\.1\/callback\?code=/);
    await earlier.close();

    await page.goto(siteUrl);
    const issued = [];
    context.on('request', (r) => r.isNavigationRequest() && issued.push(r.url()));
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')]);
    // The provider answers without asking anything, with a code for the attacker's request.
    const kept = await Promise.race([
      popup.waitForURL(`${stack.url}/signed-in.html`, { waitUntil: 'load' }).then(() => true),
      popup.waitForEvent('close').then(() => false),
    ]);
    const callback = new URL(issued.find((u) => u.startsWith(`${redirectUri}?`)));
    assert.match(callback.searchParams.get('code'), /^[A-Za-z0-9_-]{20,}$/, 'the provider issued a code silently');
    assert.equal(callback.searchParams.get('state'), 'attacker-state');
    if (kept) {
      // The callback page keeps it: it stays open and posts nothing to the attacker. A marker
      // posted from the popup after its script ran arrives after anything that script posted.
      assert.equal(await popup.locator('p[lang="en"]').isVisible(), true);
      await popup.evaluate(() => window.opener.postMessage('marker', '*'));
      await page.waitForFunction(() => window.received.some((m) => m.data === '"marker"'));
    } else {
      // A callback page that handed the code over and closed: the attack runs to its end.
      await page.waitForFunction(() => window.outcome !== null, undefined, { timeout: 10_000 }).catch(() => {});
    }
    assert.deepEqual(
      { received: await page.evaluate(() => window.received), outcome: await page.evaluate(() => window.outcome) },
      { received: [{ origin: stack.url, data: '"marker"' }], outcome: null },
    );
    // Nor can the attacker read the code from the popup's address.
    assert.equal(await page.evaluate(() => { try { return window.popup.location.href; } catch (e) { return e.name; } }), 'SecurityError');
    // The key server saw no sign-in for the message.
    const { stdout } = await stack.waxseal(['status', messageId, '--json']);
    assert.deepEqual(JSON.parse(stdout).events.map((e) => e.kind), ['registered']);
  } finally {
    await context.close();
    site.close();
  }
});

test("a page of another origin that opens the viewer's hand-off page learns nothing but that it listens", async () => {
  const sealed = await seal();
  const envelope = Buffer.from(
    (await readFile(sealed.path, 'utf8')).match(/id="waxseal-envelope">([\s\S]*?)<\/script>/)[1].replace(/\s/g, ''),
    'base64',
  );
  // The hostile page records every message posted to it and hands the viewer an envelope.
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body>
<button id="go">Open</button><script>
window.received = [];
addEventListener('message', (e) => {
  window.received.push({ origin: e.origin, data: JSON.stringify(e.data) });
  if (e.data && e.data.type === 'waxseal-handoff-ready') {
    e.source.postMessage({ type: 'waxseal-handoff', envelope: new Uint8Array(${JSON.stringify([...envelope])}), provider: 'test', recipient: 'alice@example.com' }, '*');
  }
});
document.getElementById('go').addEventListener('click', () => { window.viewer = window.open(${JSON.stringify(`${stack.url}/#continue`)}); });
</script></body></html>`;
  const site = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise((listening) => site.listen(0, '127.0.0.1', listening));
  const { context, page: hostile } = await newPage();
  try {
    await hostile.goto(`http://127.0.0.1:${site.address().port}/`);
    const [opened] = await Promise.all([hostile.waitForEvent('popup'), hostile.click('#go')]);
    const viewer = new Viewer(opened);
    await viewer.waitForSummary();
    // The viewer shows the envelope it was handed (as if the person had dropped that file)...
    assert.equal(await opened.getByTestId('sender').textContent(), SENDER);
    // ...and its opener learned only that it listens, and cannot read the viewer's page.
    assert.deepEqual(await hostile.evaluate(() => window.received), [
      { origin: stack.url, data: JSON.stringify({ type: 'waxseal-handoff-ready' }) },
    ]);
    assert.equal(
      await hostile.evaluate(() => { try { return window.viewer.document.body.textContent; } catch (e) { return e.name; } }),
      'SecurityError',
    );
    // A sign-in started there stays there: the popup's answer goes to the viewer's page only.
    const landed = await signInWith(opened, 'alice');
    assert.match(landed, new RegExp(`^${stack.url}/signed-in\\.html\\?code=`));
    await assertMessage(opened, viewer);
    assert.equal((await hostile.evaluate(() => window.received)).length, 1, 'nothing more reached the opener');
  } finally {
    await context.close();
    site.close();
  }
});

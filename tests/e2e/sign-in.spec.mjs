// Signing in with an account, the protocol's edges, in each browser engine (WAXSEAL_BROWSER;
// ./support/browsers.mjs), against the real product and the real OpenID provider of
// ./support/oidc-provider.mjs: a secure reply from the signed-in address; the callback page on its
// own; a page of another origin that asks the provider for a code silently, for a recipient who is
// signed in there already, and gets nothing; a page of another origin that opens the viewer's
// hand-off page and learns nothing. The journeys, what each request of a sign-in carries and every
// failed sign-in are in account.spec.mjs.
//
// Needs dist/ (trunk build --release --cargo-profile wasm-release), target/debug/waxseal and
// waxseal-server, the Python venv with aiosmtpd and the npm packages; scripts/test.sh prepares
// all of them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { tid } from './support/browsers.mjs';
import { SENDER, assertMessage, logIn, signInWithTestId, startSignIn } from './support/accounts.mjs';
import { Screens } from './support/screens.mjs';

const HANDOFF_READY = JSON.stringify({ type: 'waxseal-handoff-ready' });

let provider;
let stack;
let engine;
let seal;
let stop;

before(async () => {
  ({ provider, stack, engine, seal, stop } = await startSignIn());
});

after(() => stop?.());

/** Serves `html` on another origin of this machine (a port of its own); `{ url, close }`. */
async function otherOrigin(html) {
  const site = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise((listening) => site.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${site.address().port}/`, close: () => site.close() };
}

test("after an account sign-in on the viewer's own page, a secure reply goes out from the signed-in address", async () => {
  const key = join(stack.dir, 'reply-key.toml');
  await stack.waxseal(['reply-key', 'new', '--key-id', '2026-11', '--out', key]);
  const sealed = await stack.seal([
    '--from', SENDER, '--to', 'alice@example.com', '--subject', 'Your statement', '--text', 'letter.txt',
    '--reply-to', 'replies@acme.example', '--reply-key', key,
  ]);
  const page = await engine.newPage();
  try {
    const screens = new Screens(page);
    await screens.pick(`${stack.url}/`, sealed.path);
    await screens.waitForSummary();
    await signInWithTestId(page, provider.issuer, 'alice');
    await screens.waitForMessage();
    await page.click(tid('reply'));
    await page.waitUntil(() => document.activeElement?.id === 'reply-text', [], { what: 'the reply form' });
    assert.equal(await page.text(tid('reply-from')), 'alice@example.com');
    // Typed where the caret is, above the quoted original.
    await page.type(tid('reply-text'), 'Received, thank you.');
    await page.click(tid('send-reply'));
    await page.waitFor(tid('reply-sent'), { timeout: 30_000 });
    // The relay mail names how the address was verified; the reply opens with the key.
    const relay = await stack.nextMail();
    assert.match(relay, /sign-in/i);
    const { summary, bytes } = await stack.openReply(relay, `signed-in-reply-${engine.name}`, key);
    assert.deepEqual([summary.from, summary.to, summary.in_reply_to], ['alice@example.com', 'replies@acme.example', sealed.id]);
    assert.deepEqual([summary.verified, summary.verified_by], [true, 'sign-in']);
    const reply = bytes.toString('utf8');
    assert.match(reply, /^From: <alice@example\.com>\r$/m);
    assert.match(reply, /^Subject: Re: Your statement\r$/m);
    assert.match(reply, /^In-Reply-To: <.+@.+>\r$/m);
    assert.match(reply, /\r\n\r\nReceived, thank you\.\r\n\r\n.+\r\n> The gate code is 5521-Heron\.\r\n/);
    screens.assertNoProblems((e) => /status of 4\d\d/.test(e));
  } finally {
    await page.close();
  }
});

test('the callback page on its own says to go back, and keeps no code in its address', async () => {
  const page = await engine.newPage();
  try {
    await page.goto(`${stack.url}/signed-in.html?code=abc&state=xyz`);
    assert.equal(
      await page.text('p[lang="en"]'),
      'This sign-in window is no longer connected to the message. Go back to the message and sign in there again, or ask for a passcode.',
    );
    assert.equal(await page.url(), `${stack.url}/signed-in.html`);
    new Screens(page).assertNoProblems();
  } finally {
    await page.close();
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

test('a page of another origin that asks the provider for a code silently gets neither the code nor anything the key server accepts', async (t) => {
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
  const authorization = (state) => {
    const url = new URL(discovery.authorization_endpoint);
    for (const [name, value] of Object.entries({
      response_type: 'code', client_id: 'waxseal-viewer', redirect_uri: redirectUri, scope: 'openid email profile',
      state, nonce, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    })) {
      url.searchParams.set(name, value);
    }
    return url.href;
  };
  const plan = {
    authorizationUrl: authorization('attacker-state'), tokenEndpoint: discovery.token_endpoint, redirectUri,
    keyServer: stack.url, messageId, publicKey, salt: salt.toString('base64url'), verifier,
  };
  const site = await otherOrigin(attackerPage(plan));
  const page = await engine.newPage();
  try {
    // The recipient signed in at the provider earlier (for the viewer, in this browser), so it
    // answers at once from now on.
    await page.goto(authorization('earlier'));
    await logIn(page, provider.issuer, 'alice');
    await page.waitUntil((url) => location.href === url, [`${stack.url}/signed-in.html`], { what: 'the callback page' });
    const from = stack.front.requests.length;

    await page.goto(site.url);
    const popup = await page.popup(() => page.click('#go'));
    // The provider answers without asking anything, with a code for the attacker's request, and
    // sends the popup to the viewer's callback page.
    const callback = await stack.front.waitForCall((r) => r.path.startsWith('/signed-in.html?'), from, 20_000, {
      what: 'request for the callback page',
    });
    const answer = new URLSearchParams(callback.path.split('?')[1]);
    assert.match(answer.get('code'), /^[A-Za-z0-9_-]{20,}$/, 'the provider issued a code silently');
    assert.equal(answer.get('state'), 'attacker-state');
    // The callback page either keeps the code (it stays open) or hands it over and closes.
    const kept = await waitForValue(async () => {
      if (await popup.isClosed()) return 'closed';
      const shown = await popup.evaluate(() => document.readyState === 'complete' && document.querySelector('p[lang="en"]') !== null).catch(() => false);
      return shown ? 'kept' : undefined;
    }, 'the callback page to load or close');
    t.diagnostic(`${engine.name}: the callback page was ${kept}`);
    if (kept === 'kept') {
      // It posts nothing to the attacker. A marker posted from the popup after its script ran
      // arrives after anything that script posted.
      assert.equal(await popup.isVisible('p[lang="en"]'), true);
      await popup.evaluate(() => window.opener.postMessage('marker', '*'));
      await page.waitUntil(() => window.received.some((m) => m.data === '"marker"'), [], { what: 'the marker' });
    } else {
      // A callback page that handed the code over and closed: the attack runs to its end.
      await page.waitUntil(() => window.outcome !== null, [], { timeout: 10_000, what: "the attack's outcome" }).catch(() => {});
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
    await page.close();
    site.close();
  }
});

/** Polls `fn` (in this process) until it gives a value; fails after 20 s naming `what`. */
async function waitForValue(fn, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${engine.name}: timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a page of another origin that opens the viewer's hand-off page learns nothing but that it listens", async () => {
  const sealed = await seal();
  const envelope = Buffer.from(
    (await readFile(sealed.path, 'utf8')).match(/id="waxseal-envelope">([\s\S]*?)<\/script>/)[1].replace(/\s/g, ''),
    'base64',
  );
  // The hostile page records every message posted to it and hands the viewer an envelope.
  const site = await otherOrigin(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body>
<button id="go">Open</button><script>
window.received = [];
addEventListener('message', (e) => {
  window.received.push({ origin: e.origin, data: JSON.stringify(e.data) });
  if (e.data && e.data.type === 'waxseal-handoff-ready') {
    e.source.postMessage({ type: 'waxseal-handoff', envelope: Uint8Array.from(atob(${JSON.stringify(envelope.toString('base64'))}), (c) => c.charCodeAt(0)), provider: 'test', recipient: 'alice@example.com' }, '*');
  }
});
document.getElementById('go').addEventListener('click', () => { window.viewer = window.open(${JSON.stringify(`${stack.url}/#continue`)}); });
</script></body></html>`);
  const hostile = await engine.newPage();
  try {
    await hostile.goto(site.url);
    const opened = await hostile.popup(() => hostile.click('#go'));
    await new Screens(opened).waitForSummary();
    // The viewer shows the envelope it was handed (as if the person had dropped that file)...
    assert.equal(await opened.text(tid('sender')), SENDER);
    // ...and its opener learned only that it listens, and cannot read the viewer's page.
    assert.deepEqual(await hostile.evaluate(() => window.received), [{ origin: stack.url, data: HANDOFF_READY }]);
    assert.equal(
      await hostile.evaluate(() => { try { return window.viewer.document.body.textContent; } catch (e) { return e.name; } }),
      'SecurityError',
    );
    // A sign-in started there stays there: the popup's answer goes to the viewer's page only.
    await signInWithTestId(opened, provider.issuer, 'alice');
    await assertMessage(opened);
    assert.equal((await hostile.evaluate(() => window.received)).length, 1, 'nothing more reached the opener');
  } finally {
    await hostile.close();
    site.close();
  }
});
